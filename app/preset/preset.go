// Package preset keeps srtscope's named connection presets: mode, host,
// port, latency (in ms or as a multiple of RTT), key length, streamid, alarm
// thresholds and notes. Presets live in one JSON file in the user's
// configuration folder, written atomically. Passphrases never go to that
// file: they go to the OS keychain when the user asks to remember them, and
// where no keychain exists the preset says the passphrase must be typed.
package preset

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/session"
)

// Passphrase says where a preset's passphrase is.
type Passphrase string

// Passphrase states.
const (
	PassNone     Passphrase = "none"     // the link is not encrypted
	PassKeychain Passphrase = "keychain" // kept in the OS keychain
	PassTyped    Passphrase = "type"     // encrypted: type the passphrase each time
)

// Latency is either a fixed value in milliseconds or a multiple of the
// measured RTT. Both zero means the SRT default (120 ms).
type Latency struct {
	Ms            int     `json:"ms,omitempty"`
	RTTMultiplier float64 `json:"rtt_multiplier,omitempty"`
}

// String renders the latency as typed ("200 ms", "4× RTT", "default").
func (l Latency) String() string {
	switch {
	case l.RTTMultiplier > 0:
		return strconv.FormatFloat(l.RTTMultiplier, 'f', -1, 64) + "× RTT"
	case l.Ms > 0:
		return strconv.Itoa(l.Ms) + " ms"
	}
	return "default (120 ms)"
}

// Thresholds are the alarm limits of a preset. Zero disables a check.
type Thresholds struct {
	MaxRTTMs     float64 `json:"max_rtt_ms,omitempty"`     // RTT above this raises an alarm
	MaxLossPct   float64 `json:"max_loss_pct,omitempty"`   // loss (recovered + dropped) above this percentage
	MaxDropped   uint64  `json:"max_dropped,omitempty"`    // dropped packets per minute above this
	MinMbps      float64 `json:"min_mbps,omitempty"`       // bitrate below this
	NoPacketsS   float64 `json:"no_packets_s,omitempty"`   // no packets for this many seconds
	MinHeadroomX float64 `json:"min_headroom_x,omitempty"` // latency ÷ RTT below this
	// PIDBands are optional per-PID bitrate bands (Mbit/s, 0 = open side).
	PIDBands []PIDBand `json:"pid_bands,omitempty"`
}

// PIDBand is one PID's bitrate band in a preset.
type PIDBand struct {
	PID     uint16  `json:"pid"`
	MinMbps float64 `json:"min_mbps,omitempty"`
	MaxMbps float64 `json:"max_mbps,omitempty"`
}

// Preset is one named connection setup.
type Preset struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Mode      string     `json:"mode"` // caller or listener
	Host      string     `json:"host,omitempty"`
	Port      int        `json:"port"`
	Latency   Latency    `json:"latency"`
	KeyLength int        `json:"key_length,omitempty"` // 0 (default), 16, 24 or 32
	StreamID  string     `json:"streamid,omitempty"`
	Alarms    Thresholds `json:"alarms"`
	Notes     string     `json:"notes,omitempty"`
	// RememberPassphrase asks for the passphrase to be kept in the keychain.
	RememberPassphrase bool `json:"remember_passphrase,omitempty"`
	// Passphrase says where the passphrase is; it never holds the secret.
	Passphrase Passphrase `json:"passphrase"`
	Created    time.Time  `json:"created"`
	Modified   time.Time  `json:"modified"`
}

// PassphraseNote says in words where the passphrase is.
func (p Preset) PassphraseNote() string {
	switch p.Passphrase {
	case PassKeychain:
		return "passphrase kept in the system keychain"
	case PassTyped:
		if p.RememberPassphrase {
			return "no keychain on this computer: type the passphrase each time"
		}
		return "encrypted: type the passphrase each time"
	}
	return "not encrypted"
}

// ErrInvalid wraps every validation failure.
var ErrInvalid = errors.New("preset: invalid")

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// Validate checks the preset and, when passphrase is not empty, the
// passphrase. Messages say what is wrong and what is allowed.
func (p Preset) Validate(passphrase string) error {
	if strings.TrimSpace(p.Name) == "" {
		return invalid("name is empty: give the preset a name")
	}
	switch p.Mode {
	case "caller":
		if p.Host == "" {
			return invalid("%q: a caller needs the host to dial", p.Name)
		}
	case "listener":
	case "rendezvous":
		return invalid("%q: rendezvous mode is not supported: use caller or listener", p.Name)
	default:
		return invalid("%q: mode %q: use caller or listener", p.Name, p.Mode)
	}
	if p.Port < 1 || p.Port > 65535 {
		return invalid("%q: port %d: use 1..65535", p.Name, p.Port)
	}
	if p.Latency.Ms != 0 && p.Latency.RTTMultiplier != 0 {
		return invalid("%q: latency is either in ms or a multiple of RTT, not both", p.Name)
	}
	if p.Latency.Ms < 0 || p.Latency.Ms > 8000 || (p.Latency.Ms > 0 && p.Latency.Ms < 20) {
		return invalid("%q: latency %d ms: use 20..8000 ms", p.Name, p.Latency.Ms)
	}
	if m := p.Latency.RTTMultiplier; m < 0 || m > 20 || (m > 0 && m < 1) || math.IsNaN(m) {
		return invalid("%q: latency %v× RTT: use 1..20 (3..20 recommended)", p.Name, m)
	}
	switch p.KeyLength {
	case 0, 16, 24, 32:
	default:
		return invalid("%q: key length %d: use 16, 24 or 32", p.Name, p.KeyLength)
	}
	if len(p.StreamID) > 512 {
		return invalid("%q: streamid is %d bytes: at most 512", p.Name, len(p.StreamID))
	}
	if n := len([]rune(passphrase)); passphrase != "" && (n < 10 || n > 79) {
		return invalid("%q: passphrase has %d characters: use 10..79", p.Name, n)
	}
	return nil
}

// DefaultLatencyMs is SRT's default latency.
const DefaultLatencyMs = 120

// Latency floor and ceiling when a multiple of RTT is turned into ms.
const (
	MinLatencyMs = 80
	MaxLatencyMs = 8000
)

// Applied is a preset turned into what a session needs.
type Applied struct {
	Preset    Preset
	URL       string // srt:// URL, with the passphrase when it came from the keychain
	LatencyMs int
	// Passphrase is the one from the keychain ("" when none or it must be
	// typed). Never print or log it.
	Passphrase string
	// LatencyNote says how the latency was chosen when that is not obvious.
	LatencyNote string
	// NeedsPassphrase is true when the link is encrypted and the
	// passphrase must be typed (it was not remembered or no keychain).
	NeedsPassphrase bool
}

// LatencyFor turns l into milliseconds for a measured RTT (0 when unknown).
func LatencyFor(l Latency, rttMs float64) (ms int, note string) {
	switch {
	case l.RTTMultiplier > 0 && rttMs > 0:
		ms = int(math.Round(l.RTTMultiplier * rttMs))
		switch {
		case ms < MinLatencyMs:
			return MinLatencyMs, fmt.Sprintf("%v× RTT (%.0f ms) is %d ms: raised to the %d ms floor", l.RTTMultiplier, rttMs, ms, MinLatencyMs)
		case ms > MaxLatencyMs:
			return MaxLatencyMs, fmt.Sprintf("%v× RTT (%.0f ms) is %d ms: capped at %d ms", l.RTTMultiplier, rttMs, ms, MaxLatencyMs)
		}
		return ms, fmt.Sprintf("%v× RTT of %.0f ms", l.RTTMultiplier, rttMs)
	case l.RTTMultiplier > 0:
		return DefaultLatencyMs, fmt.Sprintf("RTT not measured yet: %d ms until it is, then %v× RTT", DefaultLatencyMs, l.RTTMultiplier)
	case l.Ms > 0:
		return l.Ms, ""
	}
	return DefaultLatencyMs, "SRT default"
}

// URL builds the srt:// URL (srt-live-transmit style, latency in ms) for the
// preset with the given latency and passphrase (empty: none). It is the
// session package's URL, so it parses back with session.ParseURL to the
// same settings.
func (p Preset) URL(latencyMs int, passphrase string) string {
	return session.Config{
		Mode: session.Mode(p.Mode), Host: p.Host, Port: p.Port, LatencyMs: latencyMs,
		Passphrase: passphrase, PBKeyLen: p.KeyLength, StreamID: p.StreamID,
	}.URL(session.ToolLibSRT)
}
