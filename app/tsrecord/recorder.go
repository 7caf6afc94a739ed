package tsrecord

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// State is where a recording is.
type State string

// The states of a recording.
const (
	StateIdle      State = "idle"      // Run has not started yet; Write queues
	StateRecording State = "recording" // Run is writing segments
	StateStopped   State = "stopped"   // Run returned after its context ended
	StateFailed    State = "failed"    // Run returned on an error: Stats.Err
)

// Segment is one file of a recording.
type Segment struct {
	Path  string    `json:"path"`  // the finished name (FEED_TIME.ts)
	Bytes int64     `json:"bytes"` // its size
	Start time.Time `json:"start"` // when its first packet arrived (was handed to Write)
	End   time.Time `json:"end"`   // when its last packet arrived
}

// MaxListed bounds Stats.Segments: a recording with more finished
// segments lists the latest MaxListed and counts the others in
// SegmentsOmitted.
const MaxListed = 1000

// Stats is a snapshot of a recording. Its slices are copies.
type Stats struct {
	State State  `json:"state"`
	Cause string `json:"cause,omitempty"` // Err in words when failed
	Err   error  `json:"-"`               // why it failed: *DiskFullError or another error

	Dir  string `json:"dir"`  // where the segments go
	Feed string `json:"feed"` // the file-name prefix (SafeName of the feed)

	BytesWritten int64 `json:"bytes_written"` // to all segments, PAT/PMT copies included
	// SkippedBytes were handed to Write while the queue was full.
	SkippedBytes int64 `json:"skipped_bytes"`
	// DiscardedBytes were not part of a TS packet (out of sync, or an
	// incomplete last packet when the recording stopped).
	DiscardedBytes int64 `json:"discarded_bytes"`
	// UnrecordedBytes were handed to Write after the recording stopped or
	// failed, or were still queued when it failed.
	UnrecordedBytes int64 `json:"unrecorded_bytes"`

	Current         *Segment  `json:"current,omitempty"`          // the live segment, if one is open
	Segments        []Segment `json:"recordings"`                 // finished segments, oldest first
	SegmentsOmitted int       `json:"segments_omitted,omitempty"` // finished ones no longer listed
	Recovered       []Segment `json:"recovered,omitempty"`        // left by a killed run, finished at start
}

// Recorder records a feed's MPEG-TS into segment files. Write takes the
// bytes from the feed without ever blocking; Run, the one goroutine that
// owns the files, writes them out. Stats may be called from any goroutine.
type Recorder struct {
	opts   Options
	wakeAt int
	wake   chan struct{}
	ran    atomic.Bool

	mu       sync.Mutex
	pending  []byte    // queued by Write, taken by Run
	arrived  []arrival // when pending's bytes were queued
	accepted int64     // bytes Write queued, ever
	ended    bool      // Run has returned: Write only counts
	st       Stats

	spare        []byte    // Run's: the buffer the next take hands to Write
	spareArrived []arrival // Run's: the same for arrived
	w            writer    // Run's

	afterStep func() // benchmarks wait on it; nil otherwise
}

var _ io.Writer = (*Recorder)(nil) // a feed's outputs take the TS through Write

// New checks opts (see Options for what is allowed; an error is an
// *OptionError naming the field), creates the directory if needed and
// returns a Recorder ready to Run.
func New(opts Options) (*Recorder, error) {
	o, err := opts.validate()
	if err != nil {
		return nil, err
	}
	r := &Recorder{opts: o, wakeAt: o.QueueBytes / 4, wake: make(chan struct{}, 1)}
	r.st = Stats{State: StateIdle, Dir: o.Dir, Feed: o.Feed}
	r.w = writer{r: r, o: o}
	return r, nil
}

// Dir is the directory the segments go to (absolute).
func (r *Recorder) Dir() string { return r.opts.Dir }

// Feed is the feed's file-name prefix (its SafeName).
func (r *Recorder) Feed() string { return r.opts.Feed }

// Write queues a copy of p for Run and returns len(p), nil: it never
// blocks and never fails, so the feed never waits for the disk. What does
// not fit in the queue is skipped and counted (Stats.SkippedBytes); after
// the recording has ended, bytes are only counted (UnrecordedBytes).
func (r *Recorder) Write(p []byte) (int, error) {
	now := time.Now() // segments split by arrival, not by when Run gets to the bytes
	r.mu.Lock()
	switch {
	case r.ended:
		r.st.UnrecordedBytes += int64(len(p))
	case len(r.pending)+len(p) > r.opts.QueueBytes:
		r.st.SkippedBytes += int64(len(p))
	default:
		r.pending = append(r.pending, p...)
		r.arrived = addArrival(r.arrived, len(r.pending), now)
		r.accepted += int64(len(p))
		if len(r.pending) >= r.wakeAt {
			select {
			case r.wake <- struct{}{}:
			default:
			}
		}
	}
	r.mu.Unlock()
	return len(p), nil
}

// Stats returns a snapshot of the recording.
func (r *Recorder) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st
	if s.Current != nil {
		c := *s.Current
		s.Current = &c
	}
	s.Segments = slices.Clone(s.Segments)
	s.Recovered = slices.Clone(s.Recovered)
	return s
}

// active holds the feed and directory of every running Recorder of the
// process, so two never write the same segments or recover each other's.
var active sync.Map

// Run records until ctx ends or writing fails. It first finishes the live
// segments a killed run of the same feed left in the directory (see
// SegmentRecovered), then writes what Write queued at least every
// FlushEvery, splitting segments at their bounds. When ctx ends it writes
// what is queued, finishes the live segment and returns nil. When writing
// fails it finishes the segment with what was written and returns the
// error (a *DiskFullError when the disk is full); Write goes on accepting
// bytes either way. Run may be called once.
func (r *Recorder) Run(ctx context.Context) error {
	if !r.ran.CompareAndSwap(false, true) {
		return ErrRunning
	}
	key := r.opts.Dir + "\x00" + r.opts.Feed
	if _, busy := active.LoadOrStore(key, r); busy {
		err := fmt.Errorf("%w: %s in %s", ErrInUse, r.opts.Feed, r.opts.Dir)
		r.emit(Failed{Time: time.Now(), Err: err})
		return r.end(err)
	}
	defer active.Delete(key)

	r.w.recoverLeftovers(time.Now())
	r.mu.Lock()
	r.st.State = StateRecording
	r.mu.Unlock()

	t := time.NewTicker(r.opts.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			err := r.step(time.Now())
			if err == nil {
				err = r.w.stop(time.Now())
			}
			return r.end(err)
		case <-r.wake:
		case <-t.C:
		}
		if err := r.step(time.Now()); err != nil {
			return r.end(err)
		}
	}
}

// step writes what is queued; now is when (events and the periodic fsync
// go by it, the segments by when the bytes arrived).
func (r *Recorder) step(now time.Time) error {
	r.mu.Lock()
	buf, arrived := r.pending, r.arrived
	r.pending, r.arrived = r.spare[:0], r.spareArrived[:0]
	r.mu.Unlock()
	err := r.w.feed(buf, arrived, now)
	r.spare, r.spareArrived = buf[:0], arrived[:0]
	if err == nil {
		err = r.w.syncIfDue(now)
	}
	r.publish()
	if r.afterStep != nil {
		r.afterStep()
	}
	return err
}

// publish copies the writer's counters into the snapshot.
func (r *Recorder) publish() {
	w := &r.w
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st.BytesWritten, r.st.DiscardedBytes = w.written, w.discarded
	if w.f == nil {
		r.st.Current = nil
		return
	}
	if r.st.Current == nil {
		r.st.Current = new(Segment)
	}
	*r.st.Current = w.seg
}

// end makes the recording stopped (err nil) or failed, and returns err.
func (r *Recorder) end(err error) error {
	r.publish()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = true
	// What was queued and is neither in a file nor discarded: still
	// queued, or in the batch that failed.
	r.st.UnrecordedBytes += r.accepted - r.w.input - r.w.discarded
	r.pending, r.arrived = nil, nil
	r.spare, r.spareArrived = nil, nil
	if err != nil {
		r.st.State, r.st.Err, r.st.Cause = StateFailed, err, err.Error()
	} else {
		r.st.State = StateStopped
	}
	return err
}

// finished adds a finished segment to the snapshot.
func (r *Recorder) finished(s Segment, recovered bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if recovered {
		r.st.Recovered = append(r.st.Recovered, s)
		return
	}
	if len(r.st.Segments) == MaxListed {
		r.st.Segments = slices.Delete(r.st.Segments, 0, 1)
		r.st.SegmentsOmitted++
	}
	r.st.Segments = append(r.st.Segments, s)
}

// emit tells OnEvent of e.
func (r *Recorder) emit(e Event) {
	if r.opts.OnEvent != nil {
		r.opts.OnEvent(e)
	}
}
