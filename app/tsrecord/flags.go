package tsrecord

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Bound is one segment bound as the --segment flag gives it: a duration or
// a size, never both.
type Bound struct {
	Duration time.Duration // 0 when the bound is a size
	Bytes    int64         // 0 when the bound is a duration
}

// sizeUnits are the units a size may end in: decimal as on disk labels,
// binary with the "i".
var sizeUnits = []struct {
	name string
	mult int64
}{
	{"MB", 1_000_000}, {"GB", 1_000_000_000}, {"TB", 1_000_000_000_000},
	{"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
}

// errForm and errRange say why ParseSegment refused a value.
var (
	errForm  = errors.New("not a duration or a size")
	errRange = errors.New("out of range")
)

// ParseSegment parses the value of --segment: a Go duration from 1s to 24h
// ("10m", "90s", "1h30m") or a size from 1 MB to 1 TB written as a number
// with at most three decimals and a unit, MB/GB/TB (10^6, 10^9, 10^12
// bytes) or MiB/GiB/TiB (2^20, 2^30, 2^40): "500MB", "1.5GB", "2GiB". The
// unit is case-sensitive and nothing else (signs, spaces, exponents) is
// accepted. The error is an *OptionError naming --segment.
func ParseSegment(s string) (Bound, error) {
	fail := func(err error) (Bound, error) {
		return Bound{}, &OptionError{Field: "--segment", Value: s, Allowed: allowedSegmentFlag, Err: err}
	}
	if b, ok, err := parseSize(s); ok {
		if err != nil {
			return fail(err)
		}
		return b, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || strings.ContainsAny(s, "+-") {
		return fail(errForm)
	}
	if d < MinSegment || d > MaxSegment {
		return fail(errRange)
	}
	return Bound{Duration: d}, nil
}

// parseSize parses s when it ends in a size unit (ok true); err says what
// is wrong with a value that looks like a size but is not an allowed one.
func parseSize(s string) (b Bound, ok bool, err error) {
	for _, u := range sizeUnits {
		num, found := strings.CutSuffix(s, u.name)
		if !found {
			continue
		}
		whole, frac, dot := strings.Cut(num, ".")
		if whole == "" || !digits(whole) || dot && (frac == "" || len(frac) > 3 || !digits(frac)) {
			return Bound{}, true, errForm
		}
		if len(strings.TrimLeft(whole, "0")) > 13 { // more than 1 TB in any unit
			return Bound{}, true, errRange
		}
		w, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return Bound{}, true, errForm
		}
		var f int64
		if dot {
			f, _ = strconv.ParseInt(frac+strings.Repeat("0", 3-len(frac)), 10, 64) // digits only: cannot fail
		}
		if w > MaxSegmentBytes/u.mult+1 {
			return Bound{}, true, errRange
		}
		n := w*u.mult + f*u.mult/1000
		if n < MinSegmentBytes || n > MaxSegmentBytes {
			return Bound{}, true, errRange
		}
		return Bound{Bytes: n}, true, nil
	}
	return Bound{}, false, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FromFlags builds the Options of `--record DIR --segment D|SIZE` for the
// feed named feed: segment "" means DefaultSegment. It checks DIR the way
// New does. Errors are *OptionError values naming the flag (--record,
// --segment), or Feed for an unusable feed name: bad usage, for exit
// status 2.
func FromFlags(dir, segment, feed string) (Options, error) {
	o := Options{Dir: dir, Feed: feed}
	if dir == "" {
		return o, &OptionError{Field: "--record", Value: dir, Allowed: allowedDir}
	}
	if segment != "" {
		b, err := ParseSegment(segment)
		if err != nil {
			return o, err
		}
		o.Segment, o.SegmentBytes = b.Duration, b.Bytes
	}
	if _, err := o.validate(); err != nil {
		var oe *OptionError
		if errors.As(err, &oe) && oe.Field == "Dir" {
			oe.Field = "--record"
		}
		return o, err
	}
	return o, nil
}
