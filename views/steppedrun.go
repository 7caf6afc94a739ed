package views

import (
	"sync"
	"time"
)

// steppedRun is what the line-test and latency-wizard dialogs share while
// a stepped run goes on: the run's goroutine hands in each progress update
// and finished step (add), the UI goroutine takes the latest update to draw
// (take) and reads the steps for the table (row, steps). Redraws are
// coalesced: at most one is queued at a time, and while a step runs (a
// tick) no more often than every wizardRedrawEvery; every other update is
// drawn. Safe for concurrent use.
type steppedRun[P, S any] struct {
	mu        sync.Mutex
	rows      []S
	last      P
	lastDraw  time.Time
	drawQueue bool
}

// reset forgets the last run.
func (r *steppedRun[P, S]) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	var zero P
	r.rows, r.last, r.lastDraw, r.drawQueue = nil, zero, time.Time{}, false
}

// add keeps update p and, when not nil, the step that just ended; it
// reports whether the caller should queue a redraw (fyne.Do of the draw
// that calls take).
func (r *steppedRun[P, S]) add(p P, step *S, tick bool) (queue bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if step != nil {
		r.rows = append(r.rows, *step)
	}
	r.last = p
	due := !tick || time.Since(r.lastDraw) >= wizardRedrawEvery
	queue = due && !r.drawQueue
	if queue {
		r.drawQueue = true
	}
	return queue
}

// take returns the latest update and how many steps there are, for a
// redraw, and lets the next update queue one.
func (r *steppedRun[P, S]) take() (P, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastDraw, r.drawQueue = time.Now(), false
	return r.last, len(r.rows)
}

// row returns step i; ok is false out of range.
func (r *steppedRun[P, S]) row(i int) (s S, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i < 0 || i >= len(r.rows) {
		return s, false
	}
	return r.rows[i], true
}

// steps returns a copy of the steps.
func (r *steppedRun[P, S]) steps() []S {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]S(nil), r.rows...)
}

// setSteps replaces the steps (with the final result's, or a test's) and
// returns how many there are.
func (r *steppedRun[P, S]) setSteps(steps []S) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append([]S(nil), steps...)
	return len(r.rows)
}
