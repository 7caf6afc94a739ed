package app

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/session"
)

// PresetFromSpec turns a feed's settings into a preset called name. The
// passphrase is not part of a preset: pass spec.Config.Passphrase to the
// store with it. Alarm limits the preset format knows (RTT, bitrate, no
// packets, per-PID bitrate bands) are copied.
func PresetFromSpec(name string, spec FeedSpec) preset.Preset {
	c := spec.Config
	p := preset.Preset{
		Name: strings.TrimSpace(name), Mode: string(c.Mode), Host: c.Host, Port: c.Port,
		Latency: preset.Latency{Ms: c.LatencyMs}, KeyLength: c.PBKeyLen, StreamID: c.StreamID,
	}
	if c.Passphrase == "" {
		p.KeyLength = 0
	}
	t := spec.Thresholds
	p.Alarms = preset.Thresholds{MaxRTTMs: t.RTTAboveMs, MinMbps: t.BitrateBelow, NoPacketsS: t.NoDataFor.Seconds()}
	for _, b := range t.PIDBands.List() {
		p.Alarms.PIDBands = append(p.Alarms.PIDBands, preset.PIDBand(b))
	}
	return p
}

// SpecFromApplied turns an applied preset into a feed's settings.
// passphrase is used when the preset needs one typed (a.NeedsPassphrase);
// a passphrase from the keychain is already in a.URL; an encrypted preset
// without either is an error that says to type it. Alarm limits the
// preset leaves at zero keep srtscope's defaults. The error names the field
// that is wrong.
func SpecFromApplied(a preset.Applied, passphrase string) (FeedSpec, error) {
	p := a.Preset
	// The config is built from the preset's fields rather than by parsing
	// a.URL: the fields are what was stored.
	cfg := session.Config{Mode: session.Mode(p.Mode), Host: p.Host, Port: p.Port, LatencyMs: a.LatencyMs, PBKeyLen: p.KeyLength, StreamID: p.StreamID}
	cfg.Passphrase = passphrase
	if kp := KeychainPassphrase(a); kp != "" {
		cfg.Passphrase = kp
	}
	if cfg.Passphrase == "" && p.Passphrase != preset.PassNone && p.Passphrase != "" {
		return FeedSpec{}, fmt.Errorf("app: preset %q is encrypted: %s", p.Name, p.PassphraseNote())
	}
	if cfg.Passphrase == "" {
		cfg.PBKeyLen = 0
	}
	if err := cfg.Validate(); err != nil {
		return FeedSpec{}, fmt.Errorf("app: preset %q: %w", p.Name, err)
	}
	return FeedSpec{Name: p.Name, Config: cfg, Thresholds: ThresholdsFromPreset(p.Alarms), Inspect: true, Media: true}, nil
}

// ThresholdsFromPreset starts from DefaultThresholds and applies the limits
// a preset sets (zero keeps the default).
func ThresholdsFromPreset(pt preset.Thresholds) Thresholds {
	t := DefaultThresholds()
	if pt.MaxRTTMs > 0 {
		t.RTTAboveMs = pt.MaxRTTMs
	}
	if pt.MinMbps > 0 {
		t.BitrateBelow = pt.MinMbps
	}
	if pt.NoPacketsS > 0 {
		t.NoDataFor = time.Duration(pt.NoPacketsS * float64(time.Second))
	}
	bands := make([]PIDBand, 0, len(pt.PIDBands))
	for _, b := range pt.PIDBands {
		bands = append(bands, PIDBand(b))
	}
	if pb, err := NewPIDBands(bands); err == nil { // a hand-edited presets file may hold bad ones: no bands then
		t.PIDBands = pb
	}
	return t
}

// ParseLatency reads a latency as the operator types it: "200", "200 ms",
// "4x", "4x RTT", "4× RTT", or "" / "default" for SRT's default. The error
// names the value and what is allowed.
func ParseLatency(s string) (preset.Latency, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" || t == "default" {
		return preset.Latency{}, nil
	}
	t = strings.TrimSpace(strings.TrimSuffix(t, "rtt"))
	if m, ok := strings.CutSuffix(t, "x"); ok || strings.HasSuffix(t, "×") {
		if !ok {
			m = strings.TrimSuffix(t, "×")
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(m), 64)
		if err != nil || math.IsNaN(v) || v < 1 || v > 20 {
			return preset.Latency{}, &FieldError{Field: "latency", Value: s, Allowed: "a multiple of RTT from 1x to 20x (3x..20x recommended), or milliseconds like 200"}
		}
		return preset.Latency{RTTMultiplier: v}, nil
	}
	t = strings.TrimSpace(strings.TrimSuffix(t, "ms"))
	v, err := strconv.Atoi(t)
	if err != nil || v < 20 || v > preset.MaxLatencyMs {
		return preset.Latency{}, &FieldError{Field: "latency", Value: s, Allowed: fmt.Sprintf("20 to %d ms, or a multiple of RTT like 4x", preset.MaxLatencyMs)}
	}
	return preset.Latency{Ms: v}, nil
}

// FormatLatency is the inverse of ParseLatency ("200", "4x RTT", "").
func FormatLatency(l preset.Latency) string {
	switch {
	case l.RTTMultiplier > 0:
		return strconv.FormatFloat(l.RTTMultiplier, 'f', -1, 64) + "x RTT"
	case l.Ms > 0:
		return strconv.Itoa(l.Ms)
	}
	return ""
}

// MeasuredRTT is the feed's RTT to resolve an "x RTT" latency against: the
// current sample when connected, else the last connected sample of its
// history, else 0 (not measured).
func MeasuredRTT(v FeedView) float64 {
	if v.Sample.State == session.StateConnected && v.Sample.RTTMs > 0 {
		return v.Sample.RTTMs
	}
	for i := len(v.History) - 1; i >= 0; i-- {
		if s := v.History[i]; s.State == session.StateConnected && s.RTTMs > 0 {
			return s.RTTMs
		}
	}
	return 0
}

// KeychainPassphrase returns the passphrase an applied preset brought from
// the keychain ("" when it must be typed or the link is not encrypted).
func KeychainPassphrase(a preset.Applied) string {
	if a.NeedsPassphrase {
		return ""
	}
	return a.Passphrase
}
