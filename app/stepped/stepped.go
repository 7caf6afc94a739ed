// Package stepped holds what the stepped runs of app/linetest and
// app/wizard share: a step's measurement runs on a goroutine of its own
// while the run reports progress at a steady pace.
package stepped

import "time"

// WithTicks runs measure on its own goroutine and calls tick with the time
// since it began every period while it runs, from the caller's goroutine.
// It always waits for measure to return, and returns what it returned.
func WithTicks[T any](period time.Duration, measure func() (T, error), tick func(time.Duration)) (T, error) {
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1)
	go func() {
		v, err := measure()
		done <- answer{v, err}
	}()
	t := time.NewTicker(period)
	defer t.Stop()
	began := time.Now()
	for {
		select {
		case ans := <-done:
			return ans.v, ans.err
		case <-t.C:
			tick(time.Since(began))
		}
	}
}
