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
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

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
}

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
// decoders to pull from) or udp://HOST:PORT, without a passphrase; an
// encrypted SRT output names where its passphrase comes from, as a feed
// does (the keychain entry and the prompt name it "FEED output N").
type Output struct {
	URL                string `toml:"url"`
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

// validateOutput checks output n (1-based) of a feed.
func validateOutput(where string, n int, o Output) error {
	prefix := fmt.Sprintf("output %d ", n)
	fail := func(field, value, allowed string) error {
		return &Error{Feed: where, Field: prefix + field, Value: value, Allowed: allowed}
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
			Allowed: "not a workspace setting (feeds are [[feed]] tables with name, url, inspect, media, start, passphrase_env, passphrase_file, passphrase_keychain, passphrase_prompt, pbkeylen, [feed.alarms] and [[feed.output]] with url, passphrase_env, passphrase_file, passphrase_keychain, passphrase_prompt and pbkeylen)"}
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
		switch fd.Media {
		case "", MediaOff, MediaLight, MediaFull:
		default:
			return fail("media", strconv.Quote(fd.Media), "off, light or full")
		}
		if err := checkSecret([]bool{fd.PassphraseEnv != "", fd.PassphraseFile != "", fd.PassphraseKeychain, fd.PassphrasePrompt}, fd.KeyLength, fail); err != nil {
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
		if fd.Alarms != nil {
			for _, a := range fd.Alarms.fields() {
				if a.v != nil && (math.IsNaN(*a.v) || *a.v < 0 || *a.v > 86400) {
					return fail("alarms."+a.name, strconv.FormatFloat(*a.v, 'g', -1, 64), "0 (off) to 86400")
				}
			}
		}
	}
	return nil
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
