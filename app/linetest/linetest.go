// Package linetest answers "how much can this path carry?" before the
// doors open: it sends generated TS over SRT at stepped rates, measures
// each step from the sender's side (retransmissions, NAKs, send drops,
// RTT) and words a verdict with the SRT latency guidance.
//
// The pure part (rates, the plan of steps, the judgement of a step, the
// verdict) is here and table-tested; Run drives a Link step by step and
// reports progress, like app/wizard; SRTLink is the Link over a real SRT
// session (session.Sender), and Receive is the far end's own view when it
// is srtscope.
package linetest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/app/guidance"
)

// DefaultRates are the steps in Mbit/s when none are given.
var DefaultRates = []float64{2, 4, 8, 12, 16, 20}

// DefaultStepDuration is how long each step sends.
const DefaultStepDuration = 20 * time.Second

// Limits of the configuration.
const (
	MinRateMbps     = 0.1
	MaxRateMbps     = 1000
	MaxRates        = 32
	MinStepDuration = time.Second
	MaxStepDuration = 10 * time.Minute
	// SRTDefaultOverheadPct is SRT's default bandwidth overhead
	// (SRTO_OHEADBW, 25%): the share of retransmissions a live sender
	// budgets for above the stream's rate. A step that needs more does
	// not fit the path.
	SRTDefaultOverheadPct = 25
	// MaxRefineSteps bounds the extra steps between the last rate that
	// passed and the first that failed.
	MaxRefineSteps = 3
	// refineGap: refining stops once the rate that passed is within this
	// share below the one that failed.
	refineGap = 0.125
)

// ErrRates is wrapped by every ParseRates error.
var ErrRates = errors.New("linetest: invalid rates")

// RatesAllowed says in words what ParseRates accepts.
var RatesAllowed = fmt.Sprintf("increasing Mbit/s figures %g..%g separated by commas, e.g. 2,4,8,12", MinRateMbps, float64(MaxRateMbps))

// RatesError is ParseRates' error: Field is "rates", Value the whole list
// as given, Problem what is wrong with it ("\"x\" is not a number"),
// Allowed what would be accepted. Adapters word it from the fields (the
// command line names its flag, the window its label); it wraps ErrRates.
type RatesError struct {
	Field   string
	Value   string
	Problem string
	Allowed string
}

func (e *RatesError) Error() string {
	return fmt.Sprintf("%v: %s: allowed %s", ErrRates, e.Problem, e.Allowed)
}

// Unwrap makes errors.Is(err, ErrRates) hold.
func (e *RatesError) Unwrap() error { return ErrRates }

// ParseRates reads a comma-separated list of rates in Mbit/s ("2,4,8,12"),
// strictly increasing, each MinRateMbps..MaxRateMbps, at most MaxRates.
// Its errors are *RatesError.
func ParseRates(s string) ([]float64, error) {
	bad := func(format string, a ...any) error {
		return &RatesError{Field: "rates", Value: s, Problem: fmt.Sprintf(format, a...), Allowed: RatesAllowed}
	}
	if strings.TrimSpace(s) == "" {
		return nil, bad("no rates")
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxRates {
		return nil, bad("%d rates, at most %d", len(parts), MaxRates)
	}
	out := make([]float64, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, bad("%q is not a number", p)
		}
		if v < MinRateMbps || v > MaxRateMbps {
			return nil, bad("%q out of range", p)
		}
		if len(out) > 0 && v <= out[len(out)-1] {
			return nil, bad("%q does not increase", p)
		}
		out = append(out, v)
	}
	return out, nil
}

// Measurement is what a Link measured over one step, from the sender's
// side (counts are of this step only), and the far end's own report of the
// step when it sent one.
type Measurement struct {
	PktsSent        uint64  // data packets sent, retransmissions included
	PktsUnique      uint64  // data packets sent the first time
	PktsRetrans     uint64  // retransmissions sent (on the receiver's NAKs)
	NaksRecv        uint64  // NAK reports received
	PktsSendDropped uint64  // dropped by the sender: too late to be played
	RTTMs           float64 // mean of the smoothed RTT over the step
	RTTMinMs        float64
	RTTMaxMs        float64
	SendMbps        float64 // sent over the step, retransmissions and headers included
	LatencyMs       int     // negotiated latency
	// Receiver is the far end's view of the step when it is an srtscope
	// receiver (linetest --receive) that reported it back over the
	// connection; nil for a libsrt receiver, which reports nothing.
	Receiver *ReceiverStep
}

// Whose figures a step's loss and drops are (Step.FiguresFrom).
const (
	FromReceiver = "receiver"
	FromSender   = "sender"
)

// Step is one rate's result. The JSON names are the command-line contract.
type Step struct {
	Mbps float64 `json:"mbps"`
	// LossPct is the share of packets lost on the way: the receiver's
	// lost / (delivered + dropped) when it reported the step, else seen
	// from the sender, retransmissions it was asked for / packets sent
	// (retransmissions included).
	LossPct float64 `json:"loss_pct"`
	// OverheadPct is retransmitted packets / original packets sent.
	OverheadPct float64 `json:"overhead_pct"`
	RTTMs       float64 `json:"rtt_ms"`
	RTTMinMs    float64 `json:"rtt_min_ms"`
	RTTMaxMs    float64 `json:"rtt_max_ms"`
	// PktsDropped is what never played at the far end: the receiver's own
	// count (never delivered in time) when it reported the step, else what
	// the sender dropped as too late to be played.
	PktsDropped uint64 `json:"pkts_dropped"`
	// FiguresFrom says whose LossPct and PktsDropped are: FromReceiver or
	// FromSender.
	FiguresFrom string `json:"figures_from"`
	// Receiver is the far end's report, when it sent one.
	Receiver *ReceiverStep `json:"receiver,omitempty"`
	// Outcome is "carried", or Failure's words when the step failed.
	Outcome string `json:"outcome"`

	M Measurement `json:"-"` // the raw figures behind the step
}

// StepFrom turns a measurement at mbps into a Step: the receiver's loss
// and drops when it reported them, the sender's otherwise.
func StepFrom(mbps float64, m Measurement) Step {
	s := Step{Mbps: mbps, RTTMs: round1(m.RTTMs), RTTMinMs: round1(m.RTTMinMs), RTTMaxMs: round1(m.RTTMaxMs),
		PktsDropped: m.PktsSendDropped, FiguresFrom: FromSender, M: m}
	if m.PktsSent > 0 {
		s.LossPct = round2(100 * float64(m.PktsRetrans) / float64(m.PktsSent))
	}
	if m.PktsUnique > 0 {
		s.OverheadPct = round2(100 * float64(m.PktsRetrans) / float64(m.PktsUnique))
	}
	if r := m.Receiver; r != nil {
		rc := *r
		s.Receiver = &rc
		s.FiguresFrom = FromReceiver
		s.LossPct = r.LossPct
		s.PktsDropped = r.PktsDropped
	}
	s.Outcome = "carried"
	if f := s.Failure(); f != "" {
		s.Outcome = f
	}
	return s
}

// Failure says in words why the step does not fit the path, "" when it
// does: retransmissions above SRT's default overhead, or packets dropped
// (at the receiver when it reported them, else by the sender).
func (s Step) Failure() string {
	switch {
	case s.M.PktsUnique == 0:
		return "nothing was sent"
	case s.OverheadPct > SRTDefaultOverheadPct:
		return fmt.Sprintf("the overhead (%s%%) exceeded the %d%% SRT default", pct(s.OverheadPct), SRTDefaultOverheadPct)
	case s.PktsDropped > 0 && s.FiguresFrom == FromReceiver:
		return fmt.Sprintf("the receiver dropped %d packets it did not get in time (%s%% loss, %s%% overhead)", s.PktsDropped, pct(s.LossPct), pct(s.OverheadPct))
	case s.PktsDropped > 0:
		return fmt.Sprintf("the sender dropped %d packets too late to play (%s%% overhead)", s.PktsDropped, pct(s.OverheadPct))
	}
	return ""
}

// Passed reports whether the path carried the step.
func (s Step) Passed() bool { return s.Failure() == "" }

// Plan decides the rates to test: the configured rates upwards until one
// fails, then up to MaxRefineSteps rates halfway between the last that
// passed and the first that failed, so the verdict lands near the path's
// real limit even with coarse steps.
type Plan struct {
	rates   []float64
	next    int
	steps   []Step
	passed  float64 // highest rate passed, 0 if none
	failed  float64 // lowest rate failed, 0 if none
	refined int
}

// NewPlan returns a plan over rates (as ParseRates returns them).
func NewPlan(rates []float64) *Plan { return &Plan{rates: append([]float64(nil), rates...)} }

// Next returns the next rate to test, or ok=false when the test is over.
func (p *Plan) Next() (mbps float64, ok bool) {
	if p.failed == 0 {
		if p.next < len(p.rates) {
			return p.rates[p.next], true
		}
		return 0, false
	}
	if p.passed == 0 || p.refined >= MaxRefineSteps || (p.failed-p.passed) <= refineGap*p.failed {
		return 0, false
	}
	mid := math.Round((p.passed+p.failed)/2*2) / 2 // to 0.5 Mbit/s
	if mid <= p.passed || mid >= p.failed {
		return 0, false
	}
	return mid, true
}

// Record adds the result of the step Next asked for.
func (p *Plan) Record(s Step) {
	if p.failed == 0 {
		p.next++
	} else {
		p.refined++
	}
	p.steps = append(p.steps, s)
	if s.Passed() {
		p.passed = math.Max(p.passed, s.Mbps)
	} else if p.failed == 0 || s.Mbps < p.failed {
		p.failed = s.Mbps
	}
}

// Steps returns the steps so far, in the order they ran.
func (p *Plan) Steps() []Step { return append([]Step(nil), p.steps...) }

// Estimate is how many more steps the plan may run at most.
func (p *Plan) Estimate() int {
	if p.failed == 0 {
		return len(p.rates) - p.next + MaxRefineSteps
	}
	return MaxRefineSteps - p.refined
}

// Result is the line test's answer. The JSON names are the command-line
// contract.
type Result struct {
	RTTMs   float64 `json:"rtt_ms"` // at the first (lightest) step
	Steps   []Step  `json:"steps"`
	MaxMbps float64 `json:"max_mbps"` // the highest rate the path carried, 0 if none
	Verdict string  `json:"verdict"`
	// LatencyMs is the latency the test ran at.
	LatencyMs int `json:"latency_ms"`
}

// Judge builds the Result of steps run at latencyMs.
func Judge(steps []Step, latencyMs int) Result {
	r := Result{Steps: append([]Step{}, steps...), LatencyMs: latencyMs}
	if len(steps) == 0 {
		r.Verdict = "no step ran: nothing measured"
		return r
	}
	r.RTTMs = steps[0].RTTMs
	var best, firstFail *Step
	for i := range steps {
		s := &steps[i]
		if s.Passed() && (best == nil || s.Mbps > best.Mbps) {
			best = s
		}
		if !s.Passed() && (firstFail == nil || s.Mbps < firstFail.Mbps) {
			firstFail = s
		}
	}
	if best == nil {
		r.Verdict = fmt.Sprintf("this path did not carry even %s Mbit/s: %s; check the uplink's bandwidth and the far end, or try lower rates",
			num(firstFail.Mbps), firstFail.Failure())
		return r
	}
	r.MaxMbps = best.Mbps
	rtt := best.RTTMs
	if rtt <= 0 {
		rtt = r.RTTMs
	}
	v := fmt.Sprintf("this path carries %s Mbit/s with %s%% retransmission overhead at %d ms latency (%s)",
		num(best.Mbps), pct(best.OverheadPct), latencyMs, multiplier(float64(latencyMs), rtt))
	if firstFail != nil {
		v += fmt.Sprintf("; at %s Mbit/s %s", num(firstFail.Mbps), firstFail.Failure())
	} else {
		v += "; it carried every step, so its limit is higher"
	}
	adv := guidance.Advise(best.LossPct, rtt)
	v += fmt.Sprintf(". For the %s%% loss at %s Mbit/s the SRT guide advises %d ms latency (%dx RTT), and a link of %s Mbit/s with its %d%% overhead",
		pct(best.LossPct), num(best.Mbps), adv.LatencyMs, adv.Multiplier, num(math.Round(adv.LinkBps(best.Mbps*1e6)/1e5)/10), adv.OverheadPct)
	if best.LossPct > 0 && adv.LatencyMs > latencyMs {
		v += fmt.Sprintf(": the %d ms used here is short of it", latencyMs)
	}
	r.Verdict = v
	return r
}

func multiplier(latencyMs, rttMs float64) string {
	if rttMs <= 0 {
		return "RTT not measured"
	}
	m := latencyMs / rttMs
	if m >= 10 {
		return fmt.Sprintf("%.0fx RTT", m)
	}
	return fmt.Sprintf("%.1fx RTT", m)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func pct(v float64) string {
	if v != 0 && math.Abs(v) < 1 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }
