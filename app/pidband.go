package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/probe"
)

// AlarmPIDBitrate is the per-PID bitrate alarm: an elementary stream's bitrate has been outside its
// band (Thresholds.PIDBands) for PIDBandHold: an encoder that fell back to
// a lower rate, a stream that stopped, or one that is far too fat.
const AlarmPIDBitrate AlarmKind = "pid-bitrate"

// MaxPIDBands is how many PIDs of a feed can have a bitrate band.
const MaxPIDBands = 8

// PIDBandHold is how long a PID must stay out of its band before the
// alarm rises: a GOP's worth of swing does not count.
const PIDBandHold = 5 * time.Second

// Limits of a band, for validation.
const (
	MinBandPID  = 0x0010 // below are PAT, CAT, NIT, SDT...
	MaxBandPID  = 0x1FFE // 0x1FFF is the null PID
	MaxBandMbps = 1000.0
)

// PIDBand is an optional bitrate band for one PID, in Mbit/s: a zero
// MinMbps or MaxMbps leaves that side open.
type PIDBand struct {
	PID     uint16  `json:"pid" toml:"pid"`
	MinMbps float64 `json:"min_mbps,omitempty" toml:"min_mbps,omitempty"`
	MaxMbps float64 `json:"max_mbps,omitempty" toml:"max_mbps,omitempty"`
}

// PIDBands are a feed's per-PID bands. It is an array, not a slice, so that
// Thresholds stay comparable; unused entries are zero (PID 0 is never
// banded). Build it with NewPIDBands and read it with List.
type PIDBands [MaxPIDBands]PIDBand

// NewPIDBands checks bands (ValidatePIDBand each, no PID twice, at most
// MaxPIDBands) and packs them.
func NewPIDBands(bands []PIDBand) (PIDBands, error) {
	var out PIDBands
	if len(bands) > MaxPIDBands {
		return out, &FieldError{Field: "pid bands", Value: fmt.Sprint(len(bands)), Allowed: fmt.Sprintf("at most %d PIDs with a bitrate band", MaxPIDBands)}
	}
	for i, b := range bands {
		if err := ValidatePIDBand(b); err != nil {
			return PIDBands{}, err
		}
		for _, o := range bands[:i] {
			if o.PID == b.PID {
				return PIDBands{}, &FieldError{Field: "pid", Value: fmt.Sprint(b.PID), Allowed: "each PID once"}
			}
		}
		out[i] = b
	}
	return out, nil
}

// ValidatePIDBand checks one band: a PID MinBandPID..MaxBandPID, limits
// 0..MaxBandMbps with at least one set, and the minimum below the maximum.
// The error is a *FieldError naming the field.
func ValidatePIDBand(b PIDBand) error {
	switch {
	case b.PID < MinBandPID || b.PID > MaxBandPID:
		return &FieldError{Field: "pid", Value: fmt.Sprint(b.PID), Allowed: fmt.Sprintf("a PID %d..%d (0x%04X..0x%04X)", MinBandPID, MaxBandPID, MinBandPID, MaxBandPID)}
	case !(b.MinMbps >= 0 && b.MinMbps <= MaxBandMbps): // also NaN
		return &FieldError{Field: "min_mbps", Value: fmt.Sprint(b.MinMbps), Allowed: fmt.Sprintf("0..%g Mbit/s (0: no minimum)", MaxBandMbps)}
	case !(b.MaxMbps >= 0 && b.MaxMbps <= MaxBandMbps):
		return &FieldError{Field: "max_mbps", Value: fmt.Sprint(b.MaxMbps), Allowed: fmt.Sprintf("0..%g Mbit/s (0: no maximum)", MaxBandMbps)}
	case b.MinMbps == 0 && b.MaxMbps == 0:
		return &FieldError{Field: "min_mbps", Value: "0", Allowed: "a minimum or a maximum (or both) for the band"}
	case b.MaxMbps > 0 && b.MinMbps >= b.MaxMbps:
		return &FieldError{Field: "max_mbps", Value: fmt.Sprint(b.MaxMbps), Allowed: fmt.Sprintf("a maximum above the minimum (%g Mbit/s)", b.MinMbps)}
	}
	return nil
}

// List returns the bands in use, in order.
func (p PIDBands) List() []PIDBand {
	var out []PIDBand
	for _, b := range p {
		if b.PID != 0 {
			out = append(out, b)
		}
	}
	return out
}

// MarshalJSON writes the bands in use as a list.
func (p PIDBands) MarshalJSON() ([]byte, error) {
	l := p.List()
	if l == nil {
		l = []PIDBand{}
	}
	return json.Marshal(l)
}

// UnmarshalJSON reads a list written by MarshalJSON, checked as NewPIDBands
// checks it.
func (p *PIDBands) UnmarshalJSON(b []byte) error {
	var l []PIDBand
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("app: pid bands: %w", err)
	}
	v, err := NewPIDBands(l)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// PIDRate is one PID's current bitrate, for the band rule.
type PIDRate struct {
	PID   uint16
	Codec string // "h264", "aac"...; "" when unknown
	Mbps  float64
}

// pidRates are the per-PID rates of an inspection report: the last
// complete 1 s window of each PID, with the codec from the PMT.
func pidRates(rep *probe.Report) []PIDRate {
	if rep == nil {
		return nil
	}
	codec := map[uint16]string{}
	for _, p := range rep.Programs {
		for _, s := range p.Streams {
			codec[s.PID] = s.Codec
		}
	}
	out := make([]PIDRate, 0, len(rep.PIDs))
	for _, ps := range rep.PIDs {
		out = append(out, PIDRate{PID: ps.PID, Codec: codec[ps.PID], Mbps: ps.Bitrate1sBps / 1e6})
	}
	return out
}

// pidBandState follows each banded PID out of its band.
type pidBandState struct {
	outSince map[uint16]time.Time
}

// observe returns the alarm for the first banded PID that has been out of
// its band for PIDBandHold at now, with how many more are; ok is false
// when none has. PIDs the report does not list (not seen yet) are left
// alone: the PID history says when a stream stops.
func (s *pidBandState) observe(now time.Time, bands PIDBands, rates []PIDRate) (c AlarmChange, ok bool) {
	if s.outSince == nil {
		s.outSince = map[uint16]time.Time{}
	}
	byPID := make(map[uint16]PIDRate, len(rates))
	for _, r := range rates {
		byPID[r.PID] = r
	}
	more := 0
	for _, b := range bands.List() {
		r, seen := byPID[b.PID]
		below := seen && b.MinMbps > 0 && r.Mbps < b.MinMbps
		above := seen && b.MaxMbps > 0 && r.Mbps > b.MaxMbps
		if !below && !above {
			delete(s.outSince, b.PID)
			continue
		}
		since, was := s.outSince[b.PID]
		if !was {
			s.outSince[b.PID], since = now, now
		}
		if now.Sub(since) < PIDBandHold {
			continue
		}
		if ok {
			more++
			continue
		}
		c = AlarmChange{Kind: AlarmPIDBitrate, PID: b.PID, Codec: r.Codec, Value: r.Mbps, Limit: b.MinMbps, For: now.Sub(since)}
		if above {
			c.Limit, c.Above = b.MaxMbps, true
		}
		ok = true
	}
	c.Count = uint64(more)
	return c, ok
}

// describePIDBitrate words the per-PID alarm: "PID 256 (h264) at 0.4
// Mbit/s is below 2.0", and how many other PIDs are out of their bands.
func describePIDBitrate(c AlarmChange) string {
	name := fmt.Sprintf("PID %d", c.PID)
	if c.Codec != "" {
		name += " (" + c.Codec + ")"
	}
	side := "below"
	if c.Above {
		side = "above"
	}
	s := fmt.Sprintf("%s at %.1f Mbit/s is %s %.1f", name, c.Value, side, c.Limit)
	if c.Count > 0 {
		s += fmt.Sprintf(" (and %d more PIDs out of their bands)", c.Count)
	}
	return s
}

// PIDBandsAllowed says how bands are typed, for error messages.
const PIDBandsAllowed = "PID: min-max in Mbit/s, separated by commas, either side may be empty, e.g. 256: 2-8, 257: 0.1-"

// ParsePIDBands reads bands as the operator types them: "256: 2-8, 257:
// 0.1-, 0x102: -20" (PID in decimal or 0x hex; an empty side is open). An
// empty text is no bands. Errors are *FieldError naming the part that is
// wrong; the bands are checked as NewPIDBands checks them.
func ParsePIDBands(s string) ([]PIDBand, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []PIDBand
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		bad := &FieldError{Field: "PID bitrate band", Value: part, Allowed: PIDBandsAllowed}
		pidText, rng, ok := strings.Cut(part, ":")
		if !ok {
			return nil, bad
		}
		pid, err := strconv.ParseUint(strings.TrimSpace(pidText), 0, 16)
		if err != nil {
			return nil, bad
		}
		lo, hi, ok := strings.Cut(rng, "-")
		if !ok {
			return nil, bad
		}
		b := PIDBand{PID: uint16(pid)}
		for _, side := range []struct {
			text string
			dst  *float64
		}{{lo, &b.MinMbps}, {hi, &b.MaxMbps}} {
			t := strings.TrimSpace(side.text)
			if t == "" {
				continue
			}
			v, err := strconv.ParseFloat(t, 64)
			if err != nil {
				return nil, bad
			}
			*side.dst = v
		}
		if err := ValidatePIDBand(b); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				fe.Field, fe.Value = "PID bitrate band", part
			}
			return nil, err
		}
		out = append(out, b)
	}
	if _, err := NewPIDBands(out); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.Field = "PID bitrate bands"
		}
		return nil, err
	}
	return out, nil
}

// FormatPIDBands writes bands as ParsePIDBands reads them.
func FormatPIDBands(bands []PIDBand) string {
	parts := make([]string, 0, len(bands))
	for _, b := range bands {
		side := func(v float64) string {
			if v == 0 {
				return ""
			}
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		parts = append(parts, fmt.Sprintf("%d: %s-%s", b.PID, side(b.MinMbps), side(b.MaxMbps)))
	}
	return strings.Join(parts, ", ")
}
