package wizard

import (
	"fmt"
	"io"
	"strings"
)

// Result is the wizard's outcome. Its JSON is the `srtscope wizard --format
// json` object of DESIGN.md section 8: rtt_ms, loss_pct, steps and
// recommended come first with those names; the other fields are additions.
type Result struct {
	RTTMs       float64         `json:"rtt_ms"`   // baseline RTT
	LossPct     float64         `json:"loss_pct"` // baseline loss, percent of packets sent
	Steps       []StepResult    `json:"steps"`
	Recommended *Recommendation `json:"recommended,omitempty"` // set when Status is done

	Status            Phase           `json:"status"` // done, cancelled or failed (or the phase while running)
	Error             string          `json:"error,omitempty"`
	OriginalLatencyMs int             `json:"original_latency_ms"`
	RestoreLatencyMs  int             `json:"restore_latency_ms,omitempty"` // set unless done: go back to it
	Guidance          *Recommendation `json:"guidance,omitempty"`           // SRT guide's value for the baseline loss
	BurstLoss         bool            `json:"burst_loss"`
	Baseline          *StepResult     `json:"baseline,omitempty"`
	Notes             []string        `json:"notes,omitempty"`
}

// StepResult is what one step (or the baseline) measured. The first seven
// fields are those of DESIGN.md section 8.
type StepResult struct {
	Multiplier  int     `json:"multiplier"`
	LatencyMs   int     `json:"latency_ms"` // the latency the wizard set
	DurationS   float64 `json:"duration_s"`
	PktsLost    uint64  `json:"pkts_lost"`
	PktsRetrans uint64  `json:"pkts_retrans"`
	PktsDropped uint64  `json:"pkts_dropped"`
	RTTMs       float64 `json:"rtt_ms"`

	PktsRecv            uint64  `json:"pkts_recv"`
	PktsRecovered       uint64  `json:"pkts_recovered"`
	RecvMbps            float64 `json:"recv_mbps"`
	NegotiatedLatencyMs int     `json:"negotiated_latency_ms,omitempty"` // when the peer asked for more
	BurstLoss           bool    `json:"burst_loss,omitempty"`
	Reconnects          int     `json:"reconnects,omitempty"`
	// PktsAtRisk: recovered, but with less margin than a libsrt
	// receiver's recovery needs; RecoveryMarginMinMs: the smallest margin.
	PktsAtRisk          uint64   `json:"pkts_at_risk"`
	RecoveryMarginMinMs *float64 `json:"recovery_margin_min_ms,omitempty"`
	Clean               bool     `json:"clean"` // measured: nothing dropped, nothing at risk
	Failed              bool     `json:"failed,omitempty"`
	Error               string   `json:"error,omitempty"` // why it failed
}

// Recommendation is a latency with the one sentence that explains it.
type Recommendation struct {
	Multiplier int    `json:"multiplier"`
	LatencyMs  int    `json:"latency_ms"`
	Reason     string `json:"reason"`
	Tested     bool   `json:"tested"` // this latency was measured clean
}

// WriteText writes the result as a small table and the recommendation, for
// people.
func (r Result) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.Baseline != nil {
		fmt.Fprintf(&b, "Baseline at %d ms: RTT %.1f ms, loss %.2f%%\n", r.OriginalLatencyMs, r.RTTMs, r.LossPct)
	}
	if r.Guidance != nil {
		fmt.Fprintf(&b, "Guide: %s\n", r.Guidance.Reason)
	}
	if len(r.Steps) > 0 {
		fmt.Fprintf(&b, "%5s %8s %6s %8s %8s %8s %8s %7s  %s\n", "step", "latency", "soak", "recv", "lost", "retrans", "dropped", "RTT", "result")
		for _, s := range r.Steps {
			verdict := "clean"
			switch {
			case s.Failed:
				verdict = "FAILED: " + s.Error
			case !s.Clean && s.PktsDropped == 0:
				verdict = fmt.Sprintf("%d packets at risk for libsrt decoders", s.PktsAtRisk)
			case !s.Clean:
				verdict = "dropped packets"
			}
			if s.RecoveryMarginMinMs != nil && !s.Failed {
				verdict += fmt.Sprintf(", margin %.0f ms", *s.RecoveryMarginMinMs)
			}
			if s.BurstLoss && !s.Failed {
				verdict += ", burst loss"
			}
			if s.NegotiatedLatencyMs > s.LatencyMs && !s.Failed {
				verdict += fmt.Sprintf(", ran at %d ms (the peer's latency)", s.NegotiatedLatencyMs)
			}
			fmt.Fprintf(&b, "%4dx %5d ms %5.0fs %8d %8d %8d %8d %7.1f  %s\n", s.Multiplier, s.LatencyMs, s.DurationS, s.PktsRecv, s.PktsLost, s.PktsRetrans, s.PktsDropped, s.RTTMs, verdict)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	switch {
	case r.Recommended != nil:
		fmt.Fprintf(&b, "Recommended: %d ms (%dx RTT). %s\n", r.Recommended.LatencyMs, r.Recommended.Multiplier, r.Recommended.Reason)
	case r.Error != "":
		fmt.Fprintf(&b, "No recommendation: %s\n", strings.TrimPrefix(r.Error, "wizard: "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
