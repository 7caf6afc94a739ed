package linetest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/srtscope/srtscope/app/stepped"
)

// Link is what the line test drives: a path it can send a generated stream
// over. Measure sends step number step (from 1) at mbps for d, waits until
// the far end has acknowledged it, and returns what the sender measured.
// It returns an error when it could not send at all (the reason in words)
// or when ctx ended.
type Link interface {
	Measure(ctx context.Context, step int, mbps float64, d time.Duration) (Measurement, error)
}

// Config is what Run needs.
type Config struct {
	Rates        []float64     // Mbit/s, increasing; nil means DefaultRates
	StepDuration time.Duration // 0 means DefaultStepDuration
	LatencyMs    int           // the latency the link runs at, for the verdict
}

// Progress is sent to Run's progress function: when a step starts, about
// twice a second while it runs (Tick), when it ends (Step set) and once at
// the end (Result set).
type Progress struct {
	StepNumber int     // the step running or just ended, from 1
	Mbps       float64 // its rate
	Fraction   float64 // of the whole test, 0..1 (an estimate: refining steps are not known ahead)
	Elapsed    time.Duration
	Message    string  // one line for people
	Tick       bool    // a periodic update while a step runs
	Step       *Step   // the step that just ended, else nil
	Result     *Result // the final result, else nil
}

// progressTick is how often Run reports progress while a step runs.
const progressTick = 500 * time.Millisecond

// ErrCancelled is wrapped by Run's error when ctx ended before the end; the
// Result then holds the steps that finished.
var ErrCancelled = errors.New("linetest: cancelled")

// Run sends the plan's steps over link one after the other and returns the
// judged Result. progress may be nil; it is called on Run's goroutine. A
// step that cannot send at all ends the test with its error (the Result
// judges the steps before it).
func Run(ctx context.Context, link Link, cfg Config, progress func(Progress)) (Result, error) {
	if cfg.Rates == nil {
		cfg.Rates = DefaultRates
	}
	if cfg.StepDuration <= 0 {
		cfg.StepDuration = DefaultStepDuration
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	plan := NewPlan(cfg.Rates)
	start := time.Now()
	finish := func(err error) (Result, error) {
		res := Judge(plan.Steps(), cfg.LatencyMs)
		msg := res.Verdict
		if err != nil {
			msg = err.Error()
		}
		progress(Progress{Fraction: 1, Elapsed: time.Since(start), Message: msg, Result: &res})
		return res, err
	}
	for n := 1; ; n++ {
		mbps, ok := plan.Next()
		if !ok {
			return finish(nil)
		}
		if ctx.Err() != nil {
			return finish(fmt.Errorf("%w after %d steps", ErrCancelled, n-1))
		}
		done := len(plan.Steps())
		total := done + plan.Estimate()
		frac := func(within time.Duration) float64 {
			f := (float64(done) + min(within.Seconds()/cfg.StepDuration.Seconds(), 1)) / float64(total)
			return min(f, 0.99)
		}
		progress(Progress{StepNumber: n, Mbps: mbps, Fraction: frac(0), Elapsed: time.Since(start),
			Message: fmt.Sprintf("step %d: sending %s Mbit/s for %v", n, num(mbps), cfg.StepDuration)})
		m, err := measure(ctx, link, n, mbps, cfg.StepDuration, func(within time.Duration) {
			progress(Progress{StepNumber: n, Mbps: mbps, Fraction: frac(within), Elapsed: time.Since(start), Tick: true,
				Message: fmt.Sprintf("step %d: sending %s Mbit/s, %.0f s of %.0f s", n, num(mbps), within.Seconds(), cfg.StepDuration.Seconds())})
		})
		if err != nil {
			if ctx.Err() != nil {
				return finish(fmt.Errorf("%w during step %d (%s Mbit/s)", ErrCancelled, n, num(mbps)))
			}
			return finish(fmt.Errorf("linetest: step %d (%s Mbit/s): %w", n, num(mbps), err))
		}
		st := StepFrom(mbps, m)
		plan.Record(st)
		verdict := "carried"
		if f := st.Failure(); f != "" {
			verdict = f
		}
		progress(Progress{StepNumber: n, Mbps: mbps, Fraction: frac(cfg.StepDuration), Elapsed: time.Since(start), Step: &st,
			Message: fmt.Sprintf("step %d: %s Mbit/s %s", n, num(mbps), verdict)})
	}
}

// measure runs link.Measure on its own goroutine and calls tick while it
// runs (stepped.WithTicks). It always waits for Measure to return.
func measure(ctx context.Context, link Link, step int, mbps float64, d time.Duration, tick func(time.Duration)) (Measurement, error) {
	return stepped.WithTicks(progressTick, func() (Measurement, error) { return link.Measure(ctx, step, mbps, d) }, tick)
}
