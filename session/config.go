package session

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Mode says which side of the SRT handshake this end plays. It does not say
// which way the media flows: callers and listeners can both send or receive.
type Mode string

// Handshake roles. Rendezvous is recognised only to be refused: gosrt does
// not implement it.
const (
	ModeCaller     Mode = "caller"
	ModeListener   Mode = "listener"
	ModeRendezvous Mode = "rendezvous"
)

// Limits and defaults for the settings a person can type.
const (
	DefaultLatencyMs       = 120
	MinLatencyMs           = 20
	MaxLatencyMs           = 8000
	MinPassphraseLen       = 10
	MaxPassphraseLen       = 79
	MaxStreamIDLen         = 512
	DefaultPBKeyLen        = 16
	DefaultConnectTimeout  = 3 * time.Second
	DefaultPeerIdleTimeout = 5 * time.Second
)

// ffmpegMicrosecondThreshold is the smallest latency/timeout value that is
// read as microseconds (ffmpeg/OBS style) rather than milliseconds (libsrt
// style). 20000 ms would be 20 s, far above any sane SRT latency.
const ffmpegMicrosecondThreshold = 20000

// Config is everything needed to open one SRT session. The zero values of
// LatencyMs, PBKeyLen, ConnectTimeout and PeerIdleTimeout mean "default".
type Config struct {
	Mode            Mode          // caller or listener
	Host            string        // host to call, or local address to listen on ("" = all)
	Port            int           // UDP port
	LatencyMs       int           // receive and peer latency, milliseconds
	Passphrase      string        // "" = no encryption; never print it
	PBKeyLen        int           // key length in bytes: 16, 24 or 32
	StreamID        string        // caller: sent in the handshake
	ConnectTimeout  time.Duration // caller: how long one dial attempt waits
	PeerIdleTimeout time.Duration // disconnect after this long without any packet

	// KMRefreshRate and KMPreAnnounce (packets, 0 = libsrt's defaults of
	// 2^24 and 2^12) tune how often a sender encrypting with Passphrase
	// switches to a fresh key, and how many packets before the switch it
	// announces the new key; as SRTO_KMREFRESHRATE and SRTO_KMPREANNOUNCE,
	// the preannounce must be at most (refresh rate - 1) / 2. Beware, when
	// srtscope sends: gosrt v0.11.0 marks a retransmission with the key
	// current when it is resent, so a lost packet resent across a switch
	// reaches the receiver as noise (see keyrefresh_test.go); the default
	// rate makes that one switch every 2^24 packets.
	KMRefreshRate uint64
	KMPreAnnounce uint64

	// AllowedStreamIDs, for a listener, lists the streamids (or access-control
	// resource names, the r= key) it accepts. Empty accepts any streamid.
	AllowedStreamIDs []string
}

// withDefaults returns c with zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.LatencyMs == 0 {
		c.LatencyMs = DefaultLatencyMs
	}
	if c.PBKeyLen == 0 {
		c.PBKeyLen = DefaultPBKeyLen
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.PeerIdleTimeout == 0 {
		c.PeerIdleTimeout = DefaultPeerIdleTimeout
	}
	return c
}

// Address is host:port as used to dial or listen.
func (c Config) Address() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// FieldError says which setting is wrong, what it was and what is allowed.
// Value never contains a passphrase: for passphrases it gives the length.
type FieldError struct {
	Field   string // setting name as in the URL: port, mode, latency, ...
	Value   string // the offending value, printable
	Allowed string // the allowed range or form, in words
}

// Error implements error.
func (e *FieldError) Error() string {
	return "session: " + e.Message()
}

// Message is the error without the package prefix, for one-line CLI output.
func (e *FieldError) Message() string {
	return fmt.Sprintf("invalid %s %s: allowed %s", e.Field, e.Value, e.Allowed)
}

// Validate checks every setting and returns a *FieldError for the first bad one.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch c.Mode {
	case ModeCaller, ModeListener:
	case ModeRendezvous:
		return &FieldError{Field: "mode", Value: "rendezvous", Allowed: "caller or listener (rendezvous is not supported by this SRT engine)"}
	default:
		return &FieldError{Field: "mode", Value: strconv.Quote(string(c.Mode)), Allowed: "caller or listener"}
	}
	if c.Port < 1 || c.Port > 65535 {
		return &FieldError{Field: "port", Value: strconv.Itoa(c.Port), Allowed: "1..65535"}
	}
	if c.Mode == ModeCaller && c.Host == "" {
		return &FieldError{Field: "host", Value: `""`, Allowed: "a host name or IP address to call (srt://HOST:PORT), or mode=listener"}
	}
	if c.LatencyMs < MinLatencyMs || c.LatencyMs > MaxLatencyMs {
		return &FieldError{Field: "latency", Value: strconv.Itoa(c.LatencyMs) + " ms", Allowed: fmt.Sprintf("%d..%d ms", MinLatencyMs, MaxLatencyMs)}
	}
	if n := len([]rune(c.Passphrase)); c.Passphrase != "" && (n < MinPassphraseLen || n > MaxPassphraseLen) {
		return &FieldError{Field: "passphrase", Value: fmt.Sprintf("(%d characters)", n), Allowed: fmt.Sprintf("%d..%d characters, or none", MinPassphraseLen, MaxPassphraseLen)}
	}
	switch c.PBKeyLen {
	case 16, 24, 32:
	default:
		return &FieldError{Field: "pbkeylen", Value: strconv.Itoa(c.PBKeyLen), Allowed: "16, 24 or 32 (bytes)"}
	}
	if len(c.StreamID) > MaxStreamIDLen {
		return &FieldError{Field: "streamid", Value: fmt.Sprintf("(%d bytes)", len(c.StreamID)), Allowed: fmt.Sprintf("at most %d bytes", MaxStreamIDLen)}
	}
	if err := c.validateKM(); err != nil {
		return err
	}
	if c.ConnectTimeout < 0 {
		return &FieldError{Field: "timeout", Value: c.ConnectTimeout.String(), Allowed: "a positive duration"}
	}
	if c.PeerIdleTimeout < 0 {
		return &FieldError{Field: "peeridletimeo", Value: c.PeerIdleTimeout.String(), Allowed: "a positive duration"}
	}
	return nil
}

// Key refresh defaults of libsrt (and gosrt), in packets.
const (
	DefaultKMRefreshRate = 1 << 24
	DefaultKMPreAnnounce = 1 << 12
)

// kmSettings returns the key refresh rate and preannounce in effect.
func (c Config) kmSettings() (refresh, pre uint64) {
	refresh, pre = c.KMRefreshRate, c.KMPreAnnounce
	if refresh == 0 {
		refresh = DefaultKMRefreshRate
	}
	if pre == 0 {
		pre = min(uint64(DefaultKMPreAnnounce), (refresh-1)/2)
	}
	return refresh, pre
}

// validateKM applies libsrt's limit: a preannounce of at least 1 packet
// and at most (refresh rate - 1) / 2, so that the new key is announced
// after the old one's previous holder was retired.
func (c Config) validateKM() error {
	refresh, pre := c.kmSettings()
	if refresh < 3 {
		return &FieldError{Field: "kmrefreshrate", Value: strconv.FormatUint(refresh, 10), Allowed: "at least 3 packets, or 0 for the default (2^24)"}
	}
	if pre < 1 || pre > (refresh-1)/2 {
		return &FieldError{Field: "kmpreannounce", Value: strconv.FormatUint(pre, 10), Allowed: fmt.Sprintf("1..%d packets ((kmrefreshrate - 1) / 2)", (refresh-1)/2)}
	}
	return nil
}

// Tool names a program whose URL dialect Config.URL can produce.
type Tool string

// URL dialects: libsrt's tools (srt-live-transmit, srtscope itself) take
// latencies in milliseconds, ffmpeg and OBS in microseconds.
const (
	ToolLibSRT Tool = "srt-live-transmit"
	ToolFFmpeg Tool = "ffmpeg"
)

// ffmpegOnlyKeys are URL options that only ffmpeg/OBS use: their presence
// says the URL was pasted from ffmpeg.
var ffmpegOnlyKeys = map[string]bool{
	"pkt_size": true, "payload_size": true, "tsbpddelay": true, "srt_streamid": true,
	"listen_timeout": true, "connect_timeout": true, "rw_timeout": true, "smoother": true,
	"recv_buffer_size": true, "send_buffer_size": true, "enforced_encryption": true,
}

// ParseURL reads an SRT URL in libsrt style
// (srt://[host]:port?mode=..&latency=MS&passphrase=..&pbkeylen=..&streamid=..)
// or pasted from ffmpeg/OBS, whose latency, rcvlatency, peerlatency,
// tsbpddelay and timeout are microseconds. Values of 20000 and more are read
// as microseconds; the returned notes say which unit was assumed and which
// options were ignored. No host means listener. The result is validated.
func ParseURL(raw string) (Config, []string, error) {
	var notes []string
	cfg := Config{}
	rest, ok := strings.CutPrefix(strings.TrimSpace(raw), "srt://")
	if !ok {
		return cfg, nil, &FieldError{Field: "URL", Value: strconv.Quote(truncate(redactURL(raw), 80)), Allowed: "srt://[host]:port?option=value&..."}
	}
	hostport, query, _ := strings.Cut(rest, "?")
	hostport = strings.TrimSuffix(hostport, "/")
	host, portText, err := net.SplitHostPort(hostport)
	if err != nil {
		return cfg, nil, &FieldError{Field: "address", Value: strconv.Quote(truncate(hostport, 80)), Allowed: "[host]:port, e.g. srt://192.0.2.10:9000 or srt://:9000 to listen"}
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return cfg, nil, &FieldError{Field: "port", Value: strconv.Quote(truncate(portText, 20)), Allowed: "1..65535"}
	}
	cfg.Host, cfg.Port = host, port

	params, order, err := splitQuery(query)
	if err != nil {
		return cfg, nil, err
	}
	ffmpegStyle := false
	for _, k := range order {
		if ffmpegOnlyKeys[k] {
			ffmpegStyle = true
		}
	}

	// timeValue reads a latency or timeout in ms or us and notes the unit.
	timeValue := func(key, val string) (time.Duration, error) {
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n < 0 {
			allowed := "a whole number of milliseconds (libsrt) or microseconds (ffmpeg)"
			return 0, &FieldError{Field: key, Value: strconv.Quote(truncate(val, 20)), Allowed: allowed}
		}
		if n >= ffmpegMicrosecondThreshold {
			d := time.Duration(n) * time.Microsecond
			notes = append(notes, fmt.Sprintf("%s %d read as microseconds (ffmpeg style) = %s", key, n, fmtMs(d)))
			return d, nil
		}
		if ffmpegStyle {
			notes = append(notes, fmt.Sprintf("%s %d read as milliseconds although the URL looks like ffmpeg's, which uses microseconds", key, n))
		}
		return time.Duration(n) * time.Millisecond, nil
	}

	modeSet := false
	var latency, rcvLatency time.Duration
	latencySet := false
	for _, key := range order {
		val := params[key]
		switch key {
		case "mode":
			switch strings.ToLower(val) {
			case "caller", "client":
				cfg.Mode = ModeCaller
			case "listener", "server":
				cfg.Mode = ModeListener
			case "rendezvous":
				return cfg, notes, &FieldError{Field: "mode", Value: "rendezvous", Allowed: "caller or listener (rendezvous is not supported by this SRT engine)"}
			default:
				return cfg, notes, &FieldError{Field: "mode", Value: strconv.Quote(truncate(val, 40)), Allowed: "caller or listener"}
			}
			modeSet = true
		case "latency", "tsbpddelay":
			if latency, err = timeValue(key, val); err != nil {
				return cfg, notes, err
			}
			latencySet = true
		case "rcvlatency":
			if rcvLatency, err = timeValue(key, val); err != nil {
				return cfg, notes, err
			}
			latencySet = true
		case "peerlatency":
			if _, err = timeValue(key, val); err != nil {
				return cfg, notes, err
			}
			notes = append(notes, "peerlatency ignored: the receive latency decides (max of both sides)")
		case "timeout":
			d, err := timeValue(key, val)
			if err != nil {
				return cfg, notes, err
			}
			cfg.ConnectTimeout = d
		case "connect_timeout", "conntimeo":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 {
				return cfg, notes, &FieldError{Field: key, Value: strconv.Quote(truncate(val, 20)), Allowed: "a whole number of milliseconds"}
			}
			cfg.ConnectTimeout = time.Duration(n) * time.Millisecond
		case "peeridletimeo":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 {
				return cfg, notes, &FieldError{Field: key, Value: strconv.Quote(truncate(val, 20)), Allowed: "a whole number of milliseconds"}
			}
			cfg.PeerIdleTimeout = time.Duration(n) * time.Millisecond
		case "passphrase":
			cfg.Passphrase = val
		case "pbkeylen":
			n, err := strconv.Atoi(val)
			if err != nil {
				return cfg, notes, &FieldError{Field: "pbkeylen", Value: strconv.Quote(truncate(val, 20)), Allowed: "16, 24 or 32 (bytes)"}
			}
			cfg.PBKeyLen = n
		case "streamid", "srt_streamid":
			cfg.StreamID = val
		case "kmrefreshrate", "kmpreannounce":
			n, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				return cfg, notes, &FieldError{Field: key, Value: strconv.Quote(truncate(val, 20)), Allowed: "a whole number of packets"}
			}
			if key == "kmrefreshrate" {
				cfg.KMRefreshRate = n
			} else {
				cfg.KMPreAnnounce = n
			}
		default:
			notes = append(notes, fmt.Sprintf("option %s ignored", truncate(key, 40)))
		}
	}
	if rcvLatency > latency {
		latency = rcvLatency
	}
	if latencySet {
		cfg.LatencyMs = int(latency.Round(time.Millisecond) / time.Millisecond)
		if cfg.LatencyMs == 0 { // would silently become the default
			return cfg, notes, &FieldError{Field: "latency", Value: fmtMs(latency), Allowed: fmt.Sprintf("%d..%d ms", MinLatencyMs, MaxLatencyMs)}
		}
	}
	if !modeSet {
		if cfg.Host == "" {
			cfg.Mode = ModeListener
		} else {
			cfg.Mode = ModeCaller
		}
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return cfg, notes, err
	}
	return cfg, notes, nil
}

// splitQuery splits a query the way libsrt and ffmpeg read it: '#' is not
// a fragment (access-control streamids start with "#!::"), '+' is not a
// space and percent escapes are not decoded (neither tool decodes them, so a
// passphrase "a%20b" means those five characters). A value cannot contain
// '&'. Keys are case-insensitive; a repeated key: the last one wins.
func splitQuery(query string) (map[string]string, []string, error) {
	params := map[string]string{}
	var order []string
	if query == "" {
		return params, nil, nil
	}
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		key, val, _ := strings.Cut(part, "=")
		key = strings.ToLower(key)
		if _, seen := params[key]; !seen {
			order = append(order, key)
		}
		params[key] = val
	}
	return params, order, nil
}

// URL formats c for tool: latency in milliseconds for libsrt tools and in
// microseconds for ffmpeg. Values are written as they are, because neither
// tool decodes percent escapes; latency comes last so that no value ends
// the URL. It contains the passphrase: never log it; use RedactedURL.
func (c Config) URL(tool Tool) string {
	c = c.withDefaults()
	host := c.Host
	if c.Mode == ModeListener && host == "" && tool == ToolFFmpeg {
		host = "0.0.0.0" // ffmpeg needs an address to bind
	}
	q := []string{"mode=" + string(c.Mode)}
	if c.Passphrase != "" {
		q = append(q, "passphrase="+c.Passphrase)
	}
	if c.Passphrase != "" || c.PBKeyLen != DefaultPBKeyLen {
		q = append(q, fmt.Sprintf("pbkeylen=%d", c.PBKeyLen))
	}
	if c.StreamID != "" {
		q = append(q, "streamid="+c.StreamID)
	}
	if c.ConnectTimeout != DefaultConnectTimeout && c.Mode == ModeCaller {
		if tool == ToolFFmpeg {
			q = append(q, fmt.Sprintf("connect_timeout=%d", c.ConnectTimeout.Milliseconds()))
		} else {
			q = append(q, fmt.Sprintf("conntimeo=%d", c.ConnectTimeout.Milliseconds()))
		}
	}
	if c.KMRefreshRate != 0 {
		q = append(q, fmt.Sprintf("kmrefreshrate=%d", c.KMRefreshRate))
	}
	if c.KMPreAnnounce != 0 {
		q = append(q, fmt.Sprintf("kmpreannounce=%d", c.KMPreAnnounce))
	}
	if c.PeerIdleTimeout != DefaultPeerIdleTimeout && tool != ToolFFmpeg {
		q = append(q, fmt.Sprintf("peeridletimeo=%d", c.PeerIdleTimeout.Milliseconds()))
	}
	if tool == ToolFFmpeg {
		q = append(q, fmt.Sprintf("latency=%d", c.LatencyMs*1000))
	} else {
		q = append(q, fmt.Sprintf("latency=%d", c.LatencyMs))
	}
	return "srt://" + net.JoinHostPort(host, strconv.Itoa(c.Port)) + "?" + strings.Join(q, "&")
}

// RedactedURL is URL(ToolLibSRT) with the passphrase replaced by its length,
// safe to print and log.
func (c Config) RedactedURL() string {
	// Replace the passphrase before formatting: redacting the finished URL
	// would leave whatever follows an '&' inside the passphrase behind.
	if c.Passphrase != "" {
		c.Passphrase = fmt.Sprintf("(%d characters)", len([]rune(c.Passphrase)))
	}
	return c.URL(ToolLibSRT)
}

// redactURL replaces the value of any passphrase option in raw.
func redactURL(raw string) string {
	head, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	parts := strings.Split(query, "&")
	for i, part := range parts {
		key, val, _ := strings.Cut(part, "=")
		if strings.EqualFold(key, "passphrase") {
			parts[i] = fmt.Sprintf("%s=(%d characters)", key, len([]rune(val)))
		}
	}
	return head + "?" + strings.Join(parts, "&")
}

// fmtMs prints a duration in whole or fractional milliseconds.
func fmtMs(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	return strconv.FormatFloat(ms, 'f', -1, 64) + " ms"
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
