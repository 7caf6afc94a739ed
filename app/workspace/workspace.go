// Package workspace reads and writes srtscope's workspace file: the feeds
// a window reopens at its next start and that `srtscope serve` runs. It is
// TOML, written by people as often as by srtscope:
//
//	[[feed]]
//	name = "cam1"
//	url = "srt://:9000?mode=listener&latency=200"
//	inspect = true
//	media = "light"   # off | light | full
//
//	[[feed.output]]     # forward the feed: SRT caller, SRT listener or UDP
//	url = "srt://ingest.example.net:9000?streamid=studio&latency=300"
//	passphrase_env = "STUDIO_PASSPHRASE"
//
//	[[feed.output]]
//	url = "udp://239.1.1.1:5000?ttl=4"
//
// Passphrases are never stored in it. An encrypted feed names where its
// passphrase comes from: passphrase_env (an environment variable),
// passphrase_file (a file only its owner can read) or passphrase_keychain
// (the OS keychain, under the feed's name). Every error names the feed, the
// field, the value and what is allowed.
//
// One UDP port can serve many feeds, routing each caller by its streamid
// ("#!::r=NAME,m=publish" or a plain NAME); each name is a feed of its own:
//
//	[[port]]
//	url = "srt://:9000?mode=listener&latency=200"
//	names = ["cam1", "cam2"]   # the streamids it takes
//	accept_new = false         # true: any name, a new feed at its first publish
//	inspect = true
//	media = "light"
//	passphrase_env = "PORT_PASS"   # the port's passphrase (same sources as a feed)
//	keychain_names = ["cam2"]      # names with their own, in the keychain under the name
package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/srtscope/srtscope/app/tsrecord"
	"github.com/srtscope/srtscope/session"
)

// FileName is the workspace file's name in srtscope's configuration folder.
const FileName = "workspace.toml"

// MaxOutputs bounds a feed's outputs (as app.MaxOutputs does).
const MaxOutputs = 16

// MaxFileBytes bounds what Parse reads: a workspace of hundreds of feeds is
// a few tens of kilobytes.
const MaxFileBytes = 1 << 20

// Media analysis modes.
const (
	MediaOff   = "off"   // no black / freeze / silence analysis
	MediaLight = "light" // video keyframes only (about 20x cheaper)
	MediaFull  = "full"  // every frame
)

// File is a whole workspace.
type File struct {
	Feeds []Feed `toml:"feed"`
	Ports []Port `toml:"port,omitempty"`
}

// Port is a UDP port serving many feeds, by streamid, as the file states it.
type Port struct {
	// URL is the listener's SRT URL without a passphrase.
	URL       string   `toml:"url"`
	Names     []string `toml:"names,omitempty"`
	AcceptNew bool     `toml:"accept_new,omitempty"`
	Inspect   bool     `toml:"inspect"`
	Media     string   `toml:"media,omitempty"` // off | light | full for every feed of the port

	// Where the port's passphrase comes from, as for a feed; keychain and
	// prompt use the name "port ADDRESS" (e.g. "port :9000").
	PassphraseEnv      string `toml:"passphrase_env,omitempty"`
	PassphraseFile     string `toml:"passphrase_file,omitempty"`
	PassphraseKeychain bool   `toml:"passphrase_keychain,omitempty"`
	PassphrasePrompt   bool   `toml:"passphrase_prompt,omitempty"`
	KeyLength          int    `toml:"pbkeylen,omitempty"`
	// KeychainNames have a passphrase of their own, in the keychain under
	// the name (as a feed of that name keeps it); the others use the port's.
	KeychainNames []string `toml:"keychain_names,omitempty"`

	Alarms *Alarms `toml:"alarms,omitempty"`
}

// Feed is a port's settings as a feed's: the passphrase source and the
// rest, named "port ADDRESS", for the checks and lookups they share.
func (p Port) Feed(address string) Feed {
	return Feed{Name: "port " + address, URL: p.URL, Inspect: p.Inspect, Media: p.Media,
		PassphraseEnv: p.PassphraseEnv, PassphraseFile: p.PassphraseFile, PassphraseKeychain: p.PassphraseKeychain,
		PassphrasePrompt: p.PassphrasePrompt, KeyLength: p.KeyLength, Alarms: p.Alarms}
}

// MaxPortNames bounds the names a port lists; MaxNameLen a stream name.
const (
	MaxPortNames = 64
	MaxNameLen   = 64
)

// Feed is one feed as the file states it.
type Feed struct {
	Name string `toml:"name"`
	// URL is the SRT URL without a passphrase (srtscope's own dialect,
	// latency in ms; pasted ffmpeg URLs are read as session.ParseURL does).
	URL     string `toml:"url"`
	Inspect bool   `toml:"inspect"`
	Media   string `toml:"media,omitempty"` // off | light | full; "" = off
	// Start says whether the feed starts when the workspace opens
	// (default true).
	Start *bool `toml:"start,omitempty"`

	// Where the passphrase of an encrypted feed comes from: at most one.
	PassphraseEnv      string `toml:"passphrase_env,omitempty"`
	PassphraseFile     string `toml:"passphrase_file,omitempty"`
	PassphraseKeychain bool   `toml:"passphrase_keychain,omitempty"`
	// PassphrasePrompt: the passphrase is typed when the workspace opens
	// (the window asks; a service cannot and refuses the feed).
	PassphrasePrompt bool `toml:"passphrase_prompt,omitempty"`
	// KeyLength is the AES key length in bytes (16, 24, 32) of an
	// encrypted feed; 0 = 16.
	KeyLength int `toml:"pbkeylen,omitempty"`

	Alarms *Alarms `toml:"alarms,omitempty"`

	// Outputs forward the feed ([[feed.output]] tables).
	Outputs []Output `toml:"output,omitempty"`
}

// Output is one output of a feed: an SRT URL (caller, or listener for
// decoders to pull from) or udp://HOST:PORT, without a passphrase, or a
// recording (record_dir, and segment: a duration or a size); an
// encrypted SRT output names where its passphrase comes from, as a feed
// does (the keychain entry and the prompt name it "FEED output N").
type Output struct {
	URL string `toml:"url,omitempty"` // an SRT or UDP output; "" for a recording
	// RecordDir makes the output a recording of the feed's TS to this
	// directory, in segments of Segment ("10m", "500MB"; the default 10m).
	RecordDir          string `toml:"record_dir,omitempty"`
	Segment            string `toml:"segment,omitempty"`
	PassphraseEnv      string `toml:"passphrase_env,omitempty"`
	PassphraseFile     string `toml:"passphrase_file,omitempty"`
	PassphraseKeychain bool   `toml:"passphrase_keychain,omitempty"`
	PassphrasePrompt   bool   `toml:"passphrase_prompt,omitempty"`
	KeyLength          int    `toml:"pbkeylen,omitempty"`
}

// Encrypted reports whether the output names a passphrase source.
func (o Output) Encrypted() bool {
	return o.PassphraseEnv != "" || o.PassphraseFile != "" || o.PassphraseKeychain || o.PassphrasePrompt
}

// checkSecret checks a passphrase source and key length: at most one source.
func checkSecret(sources []bool, keyLen int, fail func(field, value, allowed string) error) error {
	n := 0
	for _, set := range sources {
		if set {
			n++
		}
	}
	if n > 1 {
		return fail("passphrase", "(more than one source)", "one of passphrase_env, passphrase_file, passphrase_keychain or passphrase_prompt")
	}
	switch keyLen {
	case 0, 16, 24, 32:
	default:
		return fail("pbkeylen", strconv.Itoa(keyLen), "16, 24 or 32 (bytes)")
	}
	return nil
}

// RecordConfig is the recording a record_dir table describes; the error
// is a *tsrecord.OptionError for the segment or a *session.FieldError.
func RecordConfig(o Output) (session.RecordConfig, error) {
	rc := session.RecordConfig{Dir: o.RecordDir}
	if o.Segment != "" {
		b, err := tsrecord.ParseSegment(o.Segment)
		if err != nil {
			return rc, err
		}
		rc.Segment, rc.SegmentBytes = b.Duration, b.Bytes
	}
	if err := (session.OutputConfig{Kind: session.OutputRecord, Record: rc}).Validate(); err != nil {
		return rc, err
	}
	return rc, nil
}

// validateOutput checks output n (1-based) of a feed.
func validateOutput(where string, n int, o Output) error {
	prefix := fmt.Sprintf("output %d ", n)
	fail := func(field, value, allowed string) error {
		return &Error{Feed: where, Field: prefix + field, Value: value, Allowed: allowed}
	}
	switch {
	case o.RecordDir != "" && o.URL != "":
		return fail("record_dir", strconv.Quote(o.RecordDir), "url or record_dir, not both: a table is one output")
	case o.RecordDir == "" && o.Segment != "":
		return fail("segment", strconv.Quote(o.Segment), "segment only with record_dir")
	case o.RecordDir != "":
		if _, err := RecordConfig(o); err != nil {
			var oe *tsrecord.OptionError
			if errors.As(err, &oe) {
				return &Error{Feed: where, Field: prefix + "segment", Value: strconv.Quote(oe.Value), Allowed: oe.Allowed, Err: err}
			}
			var fe *session.FieldError
			if errors.As(err, &fe) {
				return &Error{Feed: where, Field: prefix + fe.Field, Value: fe.Value, Allowed: fe.Allowed, Err: err}
			}
			return fail("record_dir", strconv.Quote(o.RecordDir), "a directory path")
		}
		if o.Encrypted() || o.KeyLength != 0 {
			return fail("passphrase", "(set on a recording)", "a passphrase only for srt:// outputs: a recording is written as received")
		}
		return nil
	}
	cfg, _, err := session.ParseOutputURL(o.URL)
	if err != nil {
		var fe *session.FieldError
		if errors.As(err, &fe) {
			return &Error{Feed: where, Field: prefix + "url " + fe.Field, Value: fe.Value, Allowed: fe.Allowed, Err: err}
		}
		return &Error{Feed: where, Field: prefix + "url", Value: strconv.Quote(o.URL), Allowed: "an SRT or UDP URL", Err: err}
	}
	if cfg.SRT.Passphrase != "" {
		return fail("url", "(has a passphrase)", "passphrases are not stored in workspace files: use passphrase_env, passphrase_file, passphrase_keychain or passphrase_prompt")
	}
	if cfg.Kind == session.OutputUDP && (o.Encrypted() || o.KeyLength != 0) {
		return fail("passphrase", "(set on a UDP output)", "a passphrase only for srt:// outputs: UDP is not encrypted")
	}
	return checkSecret([]bool{o.PassphraseEnv != "", o.PassphraseFile != "", o.PassphraseKeychain, o.PassphrasePrompt}, o.KeyLength, fail)
}

// Alarms are a feed's alarm thresholds; a field left out keeps srtscope's
// default, 0 turns the rule off.
type Alarms struct {
	NoDataS         *float64 `toml:"no_data_s,omitempty"`
	RTTAboveMs      *float64 `toml:"rtt_above_ms,omitempty"`
	DroppedWindowS  *float64 `toml:"dropped_window_s,omitempty"`
	BitrateBelow    *float64 `toml:"bitrate_below_mbps,omitempty"`
	BlackS          *float64 `toml:"black_s,omitempty"`
	FreezeS         *float64 `toml:"freeze_s,omitempty"`
	SilenceS        *float64 `toml:"silence_s,omitempty"`
	CCErrorsWindowS *float64 `toml:"cc_errors_window_s,omitempty"`
	// PIDBands are optional per-PID bitrate bands (Mbit/s), e.g.
	// pid_bands = [{pid = 256, min_mbps = 2, max_mbps = 8}]: a PID out of
	// its band for a few seconds raises an alarm.
	PIDBands []PIDBand `toml:"pid_bands,omitempty"`
}

// PIDBand is one PID's bitrate band: 0 (or left out) leaves a side open,
// but one side must be set.
type PIDBand struct {
	PID     int     `toml:"pid"`
	MinMbps float64 `toml:"min_mbps,omitempty"`
	MaxMbps float64 `toml:"max_mbps,omitempty"`
}

// Limits of the per-PID bands (the same as app's).
const (
	MaxPIDBands = 8
	minBandPID  = 0x0010
	maxBandPID  = 0x1FFE
	maxBandMbps = 1000.0
)

// validateBands checks the bands of one feed; the error names the band
// by its place, e.g. alarms.pid_bands[2].min_mbps.
func validateBands(bands []PIDBand, fail func(field, value, allowed string) error) error {
	if len(bands) > MaxPIDBands {
		return fail("alarms.pid_bands", fmt.Sprintf("(%d bands)", len(bands)), fmt.Sprintf("at most %d PIDs with a bitrate band", MaxPIDBands))
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i, b := range bands {
		at := fmt.Sprintf("alarms.pid_bands[%d].", i+1)
		switch {
		case b.PID < minBandPID || b.PID > maxBandPID:
			return fail(at+"pid", strconv.Itoa(b.PID), fmt.Sprintf("a PID %d..%d", minBandPID, maxBandPID))
		case math.IsNaN(b.MinMbps) || b.MinMbps < 0 || b.MinMbps > maxBandMbps:
			return fail(at+"min_mbps", num(b.MinMbps), "0 (no minimum) to 1000 Mbit/s")
		case math.IsNaN(b.MaxMbps) || b.MaxMbps < 0 || b.MaxMbps > maxBandMbps:
			return fail(at+"max_mbps", num(b.MaxMbps), "0 (no maximum) to 1000 Mbit/s")
		case b.MinMbps == 0 && b.MaxMbps == 0:
			return fail(at+"min_mbps", "0", "a min_mbps or a max_mbps (or both) for the band")
		case b.MaxMbps > 0 && b.MinMbps >= b.MaxMbps:
			return fail(at+"max_mbps", num(b.MaxMbps), "above min_mbps "+num(b.MinMbps))
		}
		for j, o := range bands[:i] {
			if o.PID == b.PID {
				return fail(at+"pid", strconv.Itoa(b.PID), fmt.Sprintf("each PID once (pid_bands[%d] has it)", j+1))
			}
		}
	}
	return nil
}

// Encrypted reports whether the feed names a passphrase source.
func (f Feed) Encrypted() bool {
	return f.PassphraseEnv != "" || f.PassphraseFile != "" || f.PassphraseKeychain || f.PassphrasePrompt
}

// StartsOpen reports whether the feed starts when the workspace opens.
func (f Feed) StartsOpen() bool { return f.Start == nil || *f.Start }

// Error is a problem with the workspace, naming where it is.
type Error struct {
	Feed    string // the feed's name, or its position ("feed 3") when it has none
	Field   string
	Value   string
	Allowed string
	Line    int   // 1-based line in the file, 0 when unknown
	Err     error // the underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("workspace: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Feed != "" {
		b.WriteString(e.Feed + ": ")
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Field, e.Value)
	}
	b.WriteString(e.Allowed)
	return b.String()
}

// Unwrap gives the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Parse reads and checks a workspace. The error is an *Error.
func Parse(r io.Reader) (File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return File{}, &Error{Allowed: "the file could not be read", Err: err}
	}
	if len(data) > MaxFileBytes {
		return File{}, &Error{Field: "size", Value: fmt.Sprintf("over %d bytes", MaxFileBytes), Allowed: "a workspace file is at most 1 MiB"}
	}
	var f File
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&f)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return File{}, &Error{Line: pe.Position.Line, Allowed: "not valid TOML: " + pe.Message, Err: err}
		}
		return File{}, &Error{Allowed: "not a workspace: " + err.Error(), Err: err}
	}
	if und := md.Undecoded(); len(und) > 0 {
		return File{}, &Error{Field: "key", Value: strconv.Quote(und[0].String()),
			Allowed: "not a workspace setting (feeds are [[feed]] tables with name, url, inspect, media, start, passphrase_env, passphrase_file, passphrase_keychain, passphrase_prompt, pbkeylen, [feed.alarms] with pid_bands and [[feed.output]] with url, passphrase_env, passphrase_file, passphrase_keychain, passphrase_prompt and pbkeylen; ports are [[port]] tables with url, names, accept_new, inspect, media, the same passphrase keys, keychain_names and [port.alarms])"}
	}
	if err := f.Validate(); err != nil {
		return File{}, err
	}
	return f, nil
}

// Load reads the workspace at path.
func Load(path string) (File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return File{}, fmt.Errorf("workspace: %w", err)
	}
	defer func() { _ = fh.Close() }() // opened for reading only
	return Parse(fh)
}

// Validate checks every feed: a name, unique; a URL srtscope can open with
// no passphrase in it; a known media mode; at most one passphrase source;
// thresholds that are numbers of at least 0.
func (f File) Validate() error {
	seen := map[string]bool{}
	for i, fd := range f.Feeds {
		where := fd.Name
		if where == "" {
			where = fmt.Sprintf("feed %d", i+1)
		}
		fail := func(field, value, allowed string) error {
			return &Error{Feed: where, Field: field, Value: value, Allowed: allowed}
		}
		switch {
		case strings.TrimSpace(fd.Name) == "":
			return fail("name", `""`, "every feed needs a name")
		case len(fd.Name) > 200:
			return fail("name", fmt.Sprintf("(%d bytes)", len(fd.Name)), "at most 200 bytes")
		case seen[fd.Name]:
			return fail("name", strconv.Quote(fd.Name), "names must differ: another feed has it")
		}
		seen[fd.Name] = true
		cfg, _, err := session.ParseURL(fd.URL)
		if err != nil {
			var fe *session.FieldError
			if errors.As(err, &fe) {
				return &Error{Feed: where, Field: "url " + fe.Field, Value: fe.Value, Allowed: fe.Allowed, Err: err}
			}
			return &Error{Feed: where, Field: "url", Value: strconv.Quote(fd.URL), Allowed: "an SRT URL", Err: err}
		}
		if cfg.Passphrase != "" {
			return fail("url", "(has a passphrase)", "passphrases are not stored in workspace files: use passphrase_env, passphrase_file, passphrase_keychain or passphrase_prompt")
		}
		if err := fd.checkSettings(fail); err != nil {
			return err
		}
		if len(fd.Outputs) > MaxOutputs {
			return fail("output", fmt.Sprintf("(%d tables)", len(fd.Outputs)), fmt.Sprintf("at most %d outputs per feed", MaxOutputs))
		}
		for j, o := range fd.Outputs {
			if err := validateOutput(where, j+1, o); err != nil {
				return err
			}
		}
	}
	return f.validatePorts(seen)
}

// checkSettings checks what feeds and ports share: media mode, one
// passphrase source, key length, alarm thresholds.
func (f Feed) checkSettings(fail func(field, value, allowed string) error) error {
	switch f.Media {
	case "", MediaOff, MediaLight, MediaFull:
	default:
		return fail("media", strconv.Quote(f.Media), "off, light or full")
	}
	if err := checkSecret([]bool{f.PassphraseEnv != "", f.PassphraseFile != "", f.PassphraseKeychain, f.PassphrasePrompt}, f.KeyLength, fail); err != nil {
		return err
	}
	if f.Alarms != nil {
		for _, a := range f.Alarms.fields() {
			if a.v != nil && (math.IsNaN(*a.v) || *a.v < 0 || *a.v > 86400) {
				return fail("alarms."+a.name, strconv.FormatFloat(*a.v, 'g', -1, 64), "0 (off) to 86400")
			}
		}
		if err := validateBands(f.Alarms.PIDBands, fail); err != nil {
			return err
		}
	}
	return nil
}

// validatePorts checks every port: a listener URL without a passphrase, a
// UDP port no other port uses, names or accept_new, names that are valid
// streamid names and no feed's name (feeds is the feed names so far),
// keychain_names among the names, and the settings feeds have.
func (f File) validatePorts(feeds map[string]bool) error {
	ports := map[int]bool{}
	for i, p := range f.Ports {
		where := fmt.Sprintf("port %d", i+1)
		fail := func(field, value, allowed string) error {
			return &Error{Feed: where, Field: field, Value: value, Allowed: allowed}
		}
		cfg, _, err := session.ParseURL(p.URL)
		if err != nil {
			var fe *session.FieldError
			if errors.As(err, &fe) {
				return &Error{Feed: where, Field: "url " + fe.Field, Value: fe.Value, Allowed: fe.Allowed, Err: err}
			}
			return &Error{Feed: where, Field: "url", Value: strconv.Quote(p.URL), Allowed: "an SRT URL", Err: err}
		}
		where = "port " + cfg.Address()
		switch {
		case cfg.Mode != session.ModeListener:
			return fail("url", strconv.Quote(p.URL), "a listener URL (srt://:PORT?mode=listener): callers come to a port")
		case cfg.Passphrase != "":
			return fail("url", "(has a passphrase)", "passphrases are not stored in workspace files: use passphrase_env, passphrase_file, passphrase_keychain or passphrase_prompt")
		case ports[cfg.Port]:
			return fail("url", strconv.Quote(p.URL), fmt.Sprintf("another port uses UDP port %d", cfg.Port))
		case len(p.Names) == 0 && !p.AcceptNew:
			return fail("names", "[]", "at least one stream name, or accept_new = true")
		case len(p.Names) > MaxPortNames:
			return fail("names", fmt.Sprintf("(%d names)", len(p.Names)), fmt.Sprintf("at most %d", MaxPortNames))
		}
		ports[cfg.Port] = true
		for _, n := range p.Names {
			switch {
			case n == "" || len(n) > MaxNameLen || strings.ContainsAny(n, ",= \t\r\n") || strings.HasPrefix(n, "#!::"):
				return fail("names", strconv.Quote(truncate(n, MaxNameLen)), fmt.Sprintf("stream names of 1..%d bytes without spaces, commas or '='", MaxNameLen))
			case feeds[n]:
				return fail("names", strconv.Quote(n), "names must differ: a feed or another port's name has it")
			}
			feeds[n] = true
		}
		for _, n := range p.KeychainNames {
			if !slices.Contains(p.Names, n) {
				return fail("keychain_names", strconv.Quote(truncate(n, MaxNameLen)), "names the port lists in names")
			}
		}
		if err := p.Feed(cfg.Address()).checkSettings(fail); err != nil {
			return err
		}
	}
	return nil
}

// truncate shortens s to at most n bytes for a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

type alarmField struct {
	name string
	v    *float64
}

func (a *Alarms) fields() []alarmField {
	return []alarmField{
		{"no_data_s", a.NoDataS}, {"rtt_above_ms", a.RTTAboveMs}, {"dropped_window_s", a.DroppedWindowS},
		{"bitrate_below_mbps", a.BitrateBelow}, {"black_s", a.BlackS}, {"freeze_s", a.FreezeS},
		{"silence_s", a.SilenceS}, {"cc_errors_window_s", a.CCErrorsWindowS},
	}
}

// Seconds turns a threshold in seconds into a duration.
func Seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Encode writes f as TOML.
func Encode(w io.Writer, f File) error {
	if _, err := io.WriteString(w, "# srtscope workspace: the feeds to open. Passphrases are not stored here.\n\n"); err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	if err := toml.NewEncoder(w).Encode(f); err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	return nil
}

// Save writes f to path whole or not at all: a temporary file in the same
// folder, synced, then renamed over path, readable by its owner only.
func Save(path string, f File) error {
	if err := f.Validate(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".workspace-*.toml")
	if err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone after the rename
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("workspace: writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("workspace: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("workspace: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("workspace: writing %s: %w", path, err)
	}
	return nil
}

// ErrInsecureFile is returned for a passphrase file that others can read.
var ErrInsecureFile = errors.New("workspace: the passphrase file can be read by others")

// ReadPassphraseFile reads a passphrase from a file only its owner may
// read or write (mode 0600 or 0400); the passphrase is its first line.
func ReadPassphraseFile(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("workspace: passphrase file: %w", err)
	}
	// Windows has no such mode bits: there the folder's ACL is the guard.
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%w: %s has mode %04o, allowed 0600 or 0400 (chmod 600 %s)", ErrInsecureFile, path, st.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("workspace: passphrase file: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimRight(line, "\r"), nil
}
