package session

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Default subscription buffer sizes: a minute of samples, plenty of events.
const (
	defaultSampleBuffer = 64
	defaultEventBuffer  = 256
	maxEventHistory     = 1000
)

// Subscription receives the samples and events of one session through
// bounded channels. When the subscriber falls behind, the oldest queued
// item is dropped and counted: a slow subscriber never blocks the session.
// Both channels are closed when the session's Run returns.
type Subscription struct {
	Samples <-chan Sample // one per sample interval
	Events  <-chan Event  // every event, in order

	samples chan Sample
	events  chan Event
	dropped atomic.Uint64
	hub     *hub
}

// Dropped is how many samples and events this subscriber missed because it
// did not read them in time.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close stops the subscription and closes its channels. It is safe to call
// more than once and after the session ended.
func (s *Subscription) Close() { s.hub.unsubscribe(s) }

// hub fans samples and events out to subscribers and keeps the event
// history for the summary.
type hub struct {
	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	closed  bool
	history []Event
	omitted int // events left out of history once it was full
	// handshake is the last completed caller handshake not yet followed
	// by its connected event, which then carries its time.
	handshake *Event
	// rewrite, when set before the hub is used, maps the addresses in each
	// event's words to the ones the operator knows (the arrival tap puts
	// loopback addresses between gosrt and the network).
	rewrite func(string) string
}

func newHub() *hub { return &hub{subs: map[*Subscription]struct{}{}} }

func (h *hub) subscribe(sampleBuf, eventBuf int) *Subscription {
	if sampleBuf <= 0 {
		sampleBuf = defaultSampleBuffer
	}
	if eventBuf <= 0 {
		eventBuf = defaultEventBuffer
	}
	s := &Subscription{samples: make(chan Sample, sampleBuf), events: make(chan Event, eventBuf), hub: h}
	s.Samples, s.Events = s.samples, s.events
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.samples)
		close(s.events)
		return s
	}
	h.subs[s] = struct{}{}
	return s
}

func (h *hub) unsubscribe(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.samples)
		close(s.events)
	}
}

// offer puts v on ch, dropping the oldest queued item when ch is full.
func offer[T any](ch chan T, v T, dropped *atomic.Uint64) {
	for range 3 {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
			dropped.Add(1)
		default:
		}
	}
	dropped.Add(1)
}

func (h *hub) publishSample(s Sample) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		offer(sub.samples, s, &sub.dropped)
	}
}

func (h *hub) publishEvent(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if h.rewrite != nil {
		e.Detail, e.Remote = h.rewrite(e.Detail), h.rewrite(e.Remote)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case e.handshake:
		h.handshake = &e
	case e.Kind == EventConnected && h.handshake != nil:
		e.ConnectMs, e.Attempt = h.handshake.ConnectMs, h.handshake.Attempt
		e.Detail += fmt.Sprintf(" (handshake %s)", handshakeResult{Took: time.Duration(e.ConnectMs * 1e6), Tries: h.handshake.Count}.words())
		h.handshake = nil
	case e.Kind == EventConnecting || e.Kind == EventDisconnected:
		h.handshake = nil
	}
	if len(h.history) < maxEventHistory {
		h.history = append(h.history, e)
	} else {
		h.omitted++
	}
	for sub := range h.subs {
		offer(sub.events, e, &sub.dropped)
	}
}

// events returns a copy of the event history, with a note when some were
// left out.
func (h *hub) events() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]Event(nil), h.history...)
	if h.omitted > 0 {
		out = append(out, Event{Time: time.Now(), Kind: EventError, Detail: fmt.Sprintf("%d more events not kept", h.omitted)})
	}
	return out
}

// close ends every subscription; later subscriptions start closed.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for sub := range h.subs {
		close(sub.samples)
		close(sub.events)
	}
	h.subs = map[*Subscription]struct{}{}
}

// rejectLimiter rate-limits a kind of event (rejected callers, malformed
// handshakes): at most burst per window are published one by one; the rest
// are counted and published as one summary event when their window is over,
// so a flood shows up as a handful of lines and a count, not thousands.
type rejectLimiter struct {
	mu     sync.Mutex
	window time.Duration
	burst  int
	// summarize words the summary of n suppressed events, last being the
	// most recent of them.
	summarize func(n int, window time.Duration, last Event) string

	windowStart time.Time
	inWindow    int
	suppressed  int
	last        Event
	total       int
}

// publish sends e to h unless this window's burst is used up, in which case
// e is counted for the summary. A summary of the previous window goes first.
func (l *rejectLimiter) publish(h *hub, e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock() // the hub never calls back into a limiter
	l.total++
	l.rollLocked(h, e.Time, false)
	if l.inWindow >= l.burst {
		l.suppressed++
		l.last = e
		return
	}
	l.inWindow++
	h.publishEvent(e)
}

// flush publishes the summary of suppressed events once their window is
// over; call it periodically so that the count of a flood that has ended
// is not held back until the next event.
func (l *rejectLimiter) flush(h *hub, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollLocked(h, now, false)
}

// flushAll publishes the summary of suppressed events now, window over or
// not: for when the session stops.
func (l *rejectLimiter) flushAll(h *hub, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollLocked(h, now, true)
}

// rollLocked starts a new window when the current one is over (or force),
// publishing the summary of what it suppressed.
func (l *rejectLimiter) rollLocked(h *hub, now time.Time, force bool) {
	if !force && now.Sub(l.windowStart) < l.window {
		return
	}
	if l.suppressed > 0 {
		h.publishEvent(Event{Time: now, Kind: l.last.Kind, Remote: l.last.Remote, Code: l.last.Code, Err: l.last.Err,
			Count: l.suppressed, Detail: l.summarize(l.suppressed, now.Sub(l.windowStart).Round(time.Second), l.last)})
	}
	l.windowStart, l.inWindow, l.suppressed = now, 0, 0
}

// count is how many events were offered in all, published or not.
func (l *rejectLimiter) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}
