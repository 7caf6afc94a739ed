package session

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// OutputKind says how an output forwards the received TS.
type OutputKind string

// Output kinds.
const (
	OutputSRTCaller   OutputKind = "srt-caller"   // calls a studio or cloud ingest
	OutputSRTListener OutputKind = "srt-listener" // decoders, vMix, OBS, ffmpeg pull from it
	OutputUDP         OutputKind = "udp"          // plain UDP, unicast or multicast
	// OutputRecord writes the TS to disk in segments. Session only carries
	// and checks its settings (RecordConfig); the app runs it (its
	// app/tsrecord package), so NewOutput refuses it.
	OutputRecord OutputKind = "record"
)

// Bounds of RecordConfig, the same as app/tsrecord's (a test in app keeps
// them equal): session cannot import the app's packages.
const (
	MinRecordSegment      = time.Second
	MaxRecordSegment      = 24 * time.Hour
	MinRecordSegmentBytes = 1_000_000
	MaxRecordSegmentBytes = 1_000_000_000_000
)

// RecordConfig is where a recording output writes and when it starts a
// new segment: after Segment of wall-clock time or SegmentBytes bytes,
// whichever comes first; both 0 means the recorder's default (10 min).
type RecordConfig struct {
	Dir          string        // the directory of the segments, created when missing
	Segment      time.Duration // 0 or MinRecordSegment..MaxRecordSegment
	SegmentBytes int64         // 0 or MinRecordSegmentBytes..MaxRecordSegmentBytes
}

// SegmentText is the segment bound as --segment and the workspace write
// it: "10m0s", "500MB", "2048MiB", or "" for the default (a size that is
// no whole number of kB is rounded to one).
func (c RecordConfig) SegmentText() string {
	b := c.SegmentBytes
	switch {
	case b > 0 && b%1_000_000 == 0:
		return strconv.FormatInt(b/1_000_000, 10) + "MB"
	case b > 0 && b%(1<<20) == 0:
		return strconv.FormatInt(b/(1<<20), 10) + "MiB"
	case b > 0: // to the kB, as --segment takes it (at most 3 decimals)
		return fmt.Sprintf("%d.%03dMB", b/1_000_000, (b%1_000_000+500)/1000)
	case c.Segment > 0:
		return c.Segment.String()
	}
	return ""
}

func (c RecordConfig) validate() error {
	if strings.TrimSpace(c.Dir) == "" || strings.ContainsRune(c.Dir, 0) {
		return &FieldError{Field: "record directory", Value: strconv.Quote(c.Dir), Allowed: "a directory path to write the segments to"}
	}
	if c.Segment < 0 || c.Segment > 0 && (c.Segment < MinRecordSegment || c.Segment > MaxRecordSegment) {
		return &FieldError{Field: "segment", Value: c.Segment.String(), Allowed: "a duration from 1s to 24h"}
	}
	if c.SegmentBytes < 0 || c.SegmentBytes > 0 && (c.SegmentBytes < MinRecordSegmentBytes || c.SegmentBytes > MaxRecordSegmentBytes) {
		return &FieldError{Field: "segment", Value: strconv.FormatInt(c.SegmentBytes, 10) + " bytes", Allowed: "a size from 1MB to 1TB"}
	}
	return nil
}

// Limits of the UDP output's settings.
const (
	MaxTTL = 255
	// DefaultMulticastTTL is the TTL of multicast datagrams when the URL
	// gives none: one hop further than the local segment is a choice the
	// operator makes on purpose.
	DefaultMulticastTTL = 1
)

// UDPConfig is where a UDP output sends.
type UDPConfig struct {
	Host string // IP address or name, unicast or multicast
	Port int
	TTL  int // multicast TTL (0 = DefaultMulticastTTL); unicast TTL when set
}

// Address is host:port.
func (c UDPConfig) Address() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// Multicast says whether Host is a multicast group address.
func (c UDPConfig) Multicast() bool {
	ip := net.ParseIP(c.Host)
	return ip != nil && ip.IsMulticast()
}

// OutputConfig is one output of a feed: an SRT URL (caller or listener,
// the same syntax and options as inputs), udp://HOST:PORT[?ttl=N], or a
// recording to a directory.
type OutputConfig struct {
	Kind   OutputKind
	SRT    Config       // the SRT outputs'
	UDP    UDPConfig    // the UDP output's
	Record RecordConfig // the recording's
}

// URL is the output's URL, passphrase included: never log it (RedactedURL).
func (o OutputConfig) URL() string {
	if o.Kind == OutputRecord {
		return o.Record.Dir
	}
	if o.Kind == OutputUDP {
		u := "udp://" + o.UDP.Address()
		if o.UDP.TTL != 0 {
			u += "?ttl=" + strconv.Itoa(o.UDP.TTL)
		}
		return u
	}
	return o.SRT.URL(ToolLibSRT)
}

// RedactedURL is URL with any passphrase replaced by its length.
func (o OutputConfig) RedactedURL() string {
	if o.Kind == OutputUDP || o.Kind == OutputRecord {
		return o.URL()
	}
	return o.SRT.RedactedURL()
}

// Validate checks the settings and returns a *FieldError for the first bad
// one.
func (o OutputConfig) Validate() error {
	switch o.Kind {
	case OutputSRTCaller, OutputSRTListener:
		if err := o.SRT.Validate(); err != nil {
			return err
		}
		want := ModeCaller
		if o.Kind == OutputSRTListener {
			want = ModeListener
		}
		if o.SRT.Mode != want {
			return &FieldError{Field: "mode", Value: strconv.Quote(string(o.SRT.Mode)), Allowed: fmt.Sprintf("%s for a %s output", want, o.Kind)}
		}
		return nil
	case OutputUDP:
		return o.UDP.validate()
	case OutputRecord:
		return o.Record.validate()
	default:
		return &FieldError{Field: "output kind", Value: strconv.Quote(string(o.Kind)), Allowed: "srt-caller, srt-listener, udp or record"}
	}
}

func (c UDPConfig) validate() error {
	if c.Host == "" {
		return &FieldError{Field: "host", Value: `""`, Allowed: "an IP address or host name to send to (udp://HOST:PORT)"}
	}
	if c.Port < 1 || c.Port > 65535 {
		return &FieldError{Field: "port", Value: strconv.Itoa(c.Port), Allowed: "1..65535"}
	}
	if c.TTL < 0 || c.TTL > MaxTTL {
		return &FieldError{Field: "ttl", Value: strconv.Itoa(c.TTL), Allowed: fmt.Sprintf("1..%d", MaxTTL)}
	}
	return nil
}

// ParseOutputURL reads an output URL: srt://HOST:PORT?... (an SRT caller
// output), srt://:PORT?... or mode=listener (an SRT listener output that
// decoders pull from), or udp://HOST:PORT[?ttl=N] (unicast or multicast;
// pkt_size=1316 is accepted as ffmpeg writes it). The notes say what was
// assumed; errors are *FieldError naming the setting.
func ParseOutputURL(raw string) (OutputConfig, []string, error) {
	raw = strings.TrimSpace(raw)
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return OutputConfig{}, nil, &FieldError{Field: "output URL", Value: strconv.Quote(truncate(redactURL(raw), 80)),
			Allowed: "srt://HOST:PORT (call), srt://:PORT (let decoders pull) or udp://HOST:PORT"}
	}
	switch strings.ToLower(scheme) {
	case "srt":
		cfg, notes, err := ParseURL("srt://" + raw[len(scheme)+3:])
		if err != nil {
			return OutputConfig{}, nil, err
		}
		kind := OutputSRTCaller
		if cfg.Mode == ModeListener {
			kind = OutputSRTListener
		}
		return OutputConfig{Kind: kind, SRT: cfg}, notes, nil
	case "udp":
		u, notes, err := parseUDPURL(raw[len(scheme)+3:])
		return OutputConfig{Kind: OutputUDP, UDP: u}, notes, err
	default:
		return OutputConfig{}, nil, &FieldError{Field: "output URL scheme", Value: strconv.Quote(truncate(scheme, 20)),
			Allowed: "srt:// or udp://"}
	}
}

// parseUDPURL reads what follows udp://.
func parseUDPURL(rest string) (UDPConfig, []string, error) {
	var c UDPConfig
	var notes []string
	hostport, query, _ := strings.Cut(rest, "?")
	hostport = strings.TrimSuffix(hostport, "/")
	host, portText, err := net.SplitHostPort(hostport)
	if err != nil {
		return c, nil, &FieldError{Field: "address", Value: strconv.Quote(truncate(hostport, 80)), Allowed: "HOST:PORT, e.g. udp://239.1.1.1:5000 or udp://192.0.2.20:5000"}
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return c, nil, &FieldError{Field: "port", Value: strconv.Quote(truncate(portText, 20)), Allowed: "1..65535"}
	}
	c.Host, c.Port = host, port
	if query != "" {
		for part := range strings.SplitSeq(query, "&") {
			key, val, _ := strings.Cut(part, "=")
			switch strings.ToLower(key) {
			case "ttl":
				n, err := strconv.Atoi(val)
				if err != nil || n < 1 || n > MaxTTL {
					return c, nil, &FieldError{Field: "ttl", Value: strconv.Quote(truncate(val, 20)), Allowed: fmt.Sprintf("1..%d", MaxTTL)}
				}
				c.TTL = n
			case "pkt_size":
				if val != "1316" {
					return c, nil, &FieldError{Field: "pkt_size", Value: strconv.Quote(truncate(val, 20)), Allowed: "1316 (7 TS packets per datagram, as received)"}
				}
			case "":
			default:
				return c, nil, &FieldError{Field: "option", Value: strconv.Quote(truncate(key, 40)), Allowed: "ttl=N or pkt_size=1316 for udp://"}
			}
		}
	}
	if err := c.validate(); err != nil {
		return c, nil, err
	}
	if c.Multicast() && c.TTL == 0 {
		notes = append(notes, fmt.Sprintf("multicast to %s with TTL %d (the local network only): add ?ttl=N to go further", c.Host, DefaultMulticastTTL))
	}
	return c, notes, nil
}
