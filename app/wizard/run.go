package wizard

import (
	"context"
	"fmt"
	"time"

	"github.com/srtscope/srtscope/app/stepped"
)

// Link is what the wizard drives: a session it can (re)connect at a given
// latency and measure. Measure connects at latencyMs, waits until connected,
// soaks for d and returns what it measured over the soak. It returns an
// error when it never connected (the reason in words) or when ctx ended.
type Link interface {
	Measure(ctx context.Context, latencyMs int, d time.Duration) (Measurement, error)
}

// Progress is sent to Run's progress function while the wizard runs: when a
// phase or step starts, about twice a second while it soaks, when it ends.
type Progress struct {
	Action   Action  // what is being done now (Kind finish at the end)
	Fraction float64 // of the whole wizard, 0..1 (an estimate until the plan is known)
	Elapsed  time.Duration
	Message  string      // one line for people
	Step     *StepResult // the step (or baseline) that just ended, else nil
	// Guidance is the SRT guide's starting recommendation, once the
	// baseline is in.
	Guidance *Recommendation
	// Tick is true on the periodic updates while a step soaks (only
	// Fraction and Elapsed move).
	Tick bool
}

// progressTick is how often Run reports progress during a soak.
const progressTick = 500 * time.Millisecond

// Run drives a Machine over link until it finishes and returns its Result.
// The error is nil when the wizard is Done; it wraps ErrCancelled when ctx
// ended (the session must go back to Result.RestoreLatencyMs) and the
// failure otherwise. progress may be nil; it is called on Run's goroutine.
func Run(ctx context.Context, link Link, cfg Config, progress func(Progress)) (Result, error) {
	m, err := New(cfg)
	if err != nil {
		return Result{}, err
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	cfg = m.cfg
	start := time.Now()
	for {
		a := m.Next()
		if a.Kind == ActionFinish {
			res := m.Result()
			progress(Progress{Action: a, Fraction: 1, Elapsed: time.Since(start), Message: finishMessage(res), Guidance: m.Guidance()})
			return res, m.Err()
		}
		if ctx.Err() != nil {
			m.Cancel()
			continue
		}
		before, span := fractionOf(cfg, m, a)
		progress(Progress{Action: a, Fraction: before, Elapsed: time.Since(start), Message: a.String(), Guidance: m.Guidance()})
		meas, err := measure(ctx, link, a, func(elapsed time.Duration) {
			f := min(float64(elapsed)/float64(a.Duration), 0.99)
			progress(Progress{Action: a, Fraction: before + span*f, Elapsed: time.Since(start), Message: a.String(), Guidance: m.Guidance(), Tick: true})
		})
		switch {
		case ctx.Err() != nil:
			m.Cancel()
			continue
		case err != nil:
			if ferr := m.Fail(err); ferr != nil {
				return m.Result(), ferr
			}
		default:
			if ferr := m.Feed(meas); ferr != nil {
				return m.Result(), ferr
			}
		}
		res := m.Result()
		var last *StepResult
		if a.Phase == PhaseBaseline {
			last = res.Baseline
			if last == nil && err != nil {
				last = &StepResult{LatencyMs: a.LatencyMs, Failed: true, Error: unprefixed{err}.Error()}
			}
		} else if n := len(res.Steps); n > 0 {
			last = &res.Steps[n-1]
		}
		msg := a.String() + ": done"
		if last != nil && last.Failed {
			msg = a.String() + ": failed: " + last.Error
		}
		after, _ := fractionOf(cfg, m, m.Next())
		progress(Progress{Action: a, Fraction: after, Elapsed: time.Since(start), Message: msg, Step: last, Guidance: m.Guidance()})
	}
}

func finishMessage(r Result) string {
	switch {
	case r.Recommended != nil:
		return fmt.Sprintf("recommended %d ms (%dx RTT)", r.Recommended.LatencyMs, r.Recommended.Multiplier)
	case r.Error != "":
		return r.Error
	}
	return string(r.Status)
}

// measure runs link.Measure on its own goroutine and calls tick while it
// runs (stepped.WithTicks). It always waits for Measure to return.
func measure(ctx context.Context, link Link, a Action, tick func(time.Duration)) (Measurement, error) {
	return stepped.WithTicks(progressTick, func() (Measurement, error) { return link.Measure(ctx, a.LatencyMs, a.Duration) }, tick)
}

// fractionOf estimates where action a starts in the whole wizard and how
// big a share it is, by planned soak time (before the baseline the plan is
// taken as one step per multiplier).
func fractionOf(cfg Config, m *Machine, a Action) (start, span float64) {
	nSteps := len(cfg.Multipliers)
	if m.plan != nil {
		nSteps = len(m.plan)
	}
	total := cfg.BaselineDuration + time.Duration(nSteps)*cfg.StepDuration
	if total <= 0 {
		return 0, 0
	}
	var done time.Duration
	var this time.Duration
	switch {
	case a.Kind == ActionFinish:
		return 1, 0
	case a.Phase == PhaseBaseline:
		this = cfg.BaselineDuration
	default:
		done = cfg.BaselineDuration + time.Duration(a.Step)*cfg.StepDuration
		this = cfg.StepDuration
	}
	return float64(done) / float64(total), float64(this) / float64(total)
}
