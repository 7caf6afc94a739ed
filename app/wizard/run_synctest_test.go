package wizard

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// soakLink is an in-memory Link whose Measure takes fake time like a real
// session: it connects in connect (or fails then, for the latencies in
// fail), then soaks for d. Run inside a synctest bubble, a 20 s step
// passes at once.
type soakLink struct {
	rtt     float64
	connect time.Duration
	fail    map[int]error
	calls   []int
}

func (l *soakLink) Measure(ctx context.Context, latencyMs int, d time.Duration) (Measurement, error) {
	l.calls = append(l.calls, latencyMs)
	wait := func(d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
	if err := wait(l.connect); err != nil {
		return Measurement{}, err
	}
	if err := l.fail[latencyMs]; err != nil {
		return Measurement{}, err
	}
	if err := wait(d); err != nil {
		return Measurement{}, err
	}
	m := clean(l.rtt)
	m.Duration = d
	return m, nil
}

// TestRunOnFakeClock drives Run over soakLink in a synctest bubble, with
// the real step durations: the steps run in order, progress ticks every
// progressTick while a step soaks, Elapsed is the fake time the steps
// took, and cancelling mid-soak ends the wizard at once. Timings here are
// exact because the clock is synctest's, not the machine's.
func TestRunOnFakeClock(t *testing.T) {
	const connect = 250 * time.Millisecond // off the progressTick grid, so no tick coincides with a step's end
	refused := errors.New("no answer from 127.0.0.1:9000")
	tests := []struct {
		name     string
		cfg      Config
		fail     map[int]error
		cancelAt time.Duration // 0: never
		wantErr  error
		wantMs   int // recommended
		calls    string
		// the fake time Run took, and the ticks it sent while steps soaked
		// (one per progressTick of each Measure)
		elapsed time.Duration
		ticks   int
	}{
		{
			name: "default 10 s steps", cfg: Config{},
			wantMs: 160, calls: "120,160,320,480,640,800",
			elapsed: 6 * (connect + 10*time.Second), ticks: 6 * 20,
		},
		{
			name: "20 s steps", cfg: Config{StepDuration: 20 * time.Second},
			wantMs: 160, calls: "120,160,320,480,640,800",
			elapsed: 6 * (connect + 20*time.Second), ticks: 6 * 40,
		},
		{
			name: "a short baseline", cfg: Config{StepDuration: 20 * time.Second, BaselineDuration: 5 * time.Second, Multipliers: []int{4, 8}},
			wantMs: 160, calls: "120,160,320",
			elapsed: connect + 5*time.Second + 2*(connect+20*time.Second), ticks: 10 + 2*40,
		},
		{
			name: "a step that never connects is marked failed and the wizard goes on", cfg: Config{},
			fail:   map[int]error{320: refused},
			wantMs: 160, calls: "120,160,320,480,640,800",
			elapsed: 5*(connect+10*time.Second) + connect, ticks: 5 * 20,
		},
		{
			name: "cancelled mid-soak", cfg: Config{StepDuration: 20 * time.Second}, cancelAt: 50200 * time.Millisecond,
			wantErr: ErrCancelled, calls: "120,160,320",
			// baseline and 4x (40 ticks each), then 8x from 40.5 s to 50.2 s
			elapsed: 50200 * time.Millisecond, ticks: 40 + 40 + 19,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tc.cancelAt > 0 {
					time.AfterFunc(tc.cancelAt, cancel)
				}
				link := &soakLink{rtt: 40, connect: connect, fail: tc.fail}
				start := time.Now()
				var ticks int
				var fractions []float64
				var last Progress
				res, err := Run(ctx, link, tc.cfg, func(p Progress) {
					if p.Tick {
						ticks++
					}
					if p.Elapsed != time.Since(start) {
						t.Errorf("progress %q: Elapsed %v, the fake clock says %v", p.Message, p.Elapsed, time.Since(start))
					}
					fractions = append(fractions, p.Fraction)
					last = p
				})
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Run: %v, want %v", err, tc.wantErr)
				}
				if tc.wantErr == nil && (res.Recommended == nil || res.Recommended.LatencyMs != tc.wantMs) {
					t.Errorf("recommended %+v, want %d ms", res.Recommended, tc.wantMs)
				}
				if tc.wantErr != nil && res.RestoreLatencyMs != DefaultLatencyMs {
					t.Errorf("restore %d ms, want %d", res.RestoreLatencyMs, DefaultLatencyMs)
				}
				if got := joinInts(link.calls); got != tc.calls {
					t.Errorf("latencies measured %s, want %s", got, tc.calls)
				}
				if last.Action.Kind != ActionFinish || last.Elapsed != tc.elapsed || time.Since(start) != tc.elapsed {
					t.Errorf("finished (%v) after %v (clock %v), want %v", last.Action.Kind, last.Elapsed, time.Since(start), tc.elapsed)
				}
				if ticks != tc.ticks {
					t.Errorf("%d progress ticks, want %d", ticks, tc.ticks)
				}
				for i := 1; i < len(fractions); i++ {
					if fractions[i] < fractions[i-1]-1e-9 || fractions[i] > 1 {
						t.Fatalf("progress not monotonic in 0..1: %v", fractions)
					}
				}
				if fractions[len(fractions)-1] != 1 {
					t.Errorf("last progress %v, want 1", fractions[len(fractions)-1])
				}
			})
		})
	}
}
