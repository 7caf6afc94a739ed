package session

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	srt "github.com/datarhei/gosrt"
)

// Output event kinds, beside the session's own (connecting with its
// attempt, connected, disconnected, rejected, error).
const (
	EventPullerJoined EventKind = "puller-joined" // a decoder started pulling from a listener output
	EventPullerLeft   EventKind = "puller-left"   // and stopped
	EventSkipping     EventKind = "skipping"      // an output began to skip bytes it could not send in time
)

// DefaultOutputQueuePackets bounds each output's (and each puller's) queue:
// about 1.4 s at 8 Mbit/s. What does not fit is skipped and counted.
const DefaultOutputQueuePackets = 1024

// OutputOptions tune an output. Zero values mean the defaults.
type OutputOptions struct {
	QueuePackets int           // bounded queue in front of the sending goroutine
	Interval     time.Duration // how often the send rate is sampled, default 1 s
	// PullerGate, when set, gives each new puller of a listener output a
	// gate that decides where its stream starts (a decoder joining a live
	// feed needs a random access point, see tsrecord.StartGate): gate
	// appends to dst what of payload p to send and reports whether the
	// stream has started, after which p goes out whole. nil: a puller
	// gets the stream from the next payload on.
	PullerGate func() func(dst, p []byte) ([]byte, bool)
}

// OutputSample is the state and sender statistics of an output or of one
// puller of a listener output, with libsrt's meanings (see SenderSample).
// SkippedBytes counts what the output received but could not send: no
// connection, or its queue was full because the destination is slower than
// the input. A listener output lists its pullers; its own counters are the
// sums over every puller it has had.
type OutputSample struct {
	URL  string     `json:"url"` // passphrase redacted
	Kind OutputKind `json:"kind"`
	SenderSample
	SkippedBytes uint64         `json:"skipped_bytes"`
	Attempt      int            `json:"attempt,omitempty"`    // caller: the connection attempt under way
	LastError    string         `json:"last_error,omitempty"` // the latest failure in words, "" once it works again
	Pullers      []OutputSample `json:"pullers,omitempty"`
}

// Output forwards the received TS bytes to one destination. Write never
// blocks: it copies p into the output's own bounded queue (the caller's
// buffer goes back to the SRT library's pool) or counts it as skipped. Run
// sends until ctx ends; Snapshot is safe from any goroutine.
type Output interface {
	Write(p []byte) (int, error)
	Run(ctx context.Context) error
	Snapshot() OutputSample
	// Subscribe returns the output's events (its Samples channel stays
	// empty). Subscribe before Run to see every event.
	Subscribe(eventBuf int) *Subscription
}

// NewOutput validates cfg and returns the output it describes.
func NewOutput(cfg OutputConfig, opts OutputOptions) (Output, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.QueuePackets <= 0 {
		opts.QueuePackets = DefaultOutputQueuePackets
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	switch cfg.Kind {
	case OutputSRTCaller:
		return newCallerOutput(cfg, opts), nil
	case OutputSRTListener:
		return newListenerOutput(cfg, opts), nil
	case OutputRecord:
		return nil, errors.New("session: a record output is run by the app (app/tsrecord), not by session")
	default:
		return newUDPOutput(cfg, opts), nil
	}
}

// init sets the base up in place (it holds atomics: never copied).
func (b *outputBase) init(cfg OutputConfig, opts OutputOptions) {
	b.cfg, b.url, b.opts, b.hub = cfg, cfg.RedactedURL(), opts, newHub()
}

// outputBase is what every output has: its settings, events and the
// skipped-bytes counter with its event.
type outputBase struct {
	cfg     OutputConfig
	url     string
	opts    OutputOptions
	hub     *hub
	started atomic.Bool
	skipped atomic.Uint64

	skipSeen     uint64 // skipped at the last check; the rate goroutine only
	skipReported bool
}

// Subscribe implements Output.
func (b *outputBase) Subscribe(eventBuf int) *Subscription { return b.hub.subscribe(1, eventBuf) }

func (b *outputBase) publish(e Event) { b.hub.publishEvent(e) }

func (b *outputBase) event(kind EventKind, remote, format string, a ...any) {
	b.hub.publishEvent(Event{Time: time.Now(), Kind: kind, Detail: fmt.Sprintf(format, a...), Remote: remote})
}

// checkSkips publishes an event when skipping begins (the counter grew
// over the last interval but not the one before); a spell of skipping is
// one event, not one a second.
func (b *outputBase) checkSkips(why string) {
	now := b.skipped.Load()
	grew := now > b.skipSeen
	if grew && !b.skipReported {
		b.event(EventSkipping, "", "output %s skipped %d bytes in the last %s: %s", b.url, now-b.skipSeen, b.opts.Interval, why)
	}
	b.skipReported = grew
	b.skipSeen = now
}

// outQueue is the bounded queue in front of one sending goroutine. put
// never blocks: a full queue counts the bytes as skipped.
type outQueue struct {
	ch      chan []byte
	skipped atomic.Uint64
	total   *atomic.Uint64 // the output's counter, also counted
}

func newOutQueue(n int, total *atomic.Uint64) *outQueue {
	return &outQueue{ch: make(chan []byte, n), total: total}
}

// put queues p, which must not change afterwards, or counts it skipped.
func (q *outQueue) put(p []byte) {
	select {
	case q.ch <- p:
	default:
		q.skip(len(p))
	}
}

func (q *outQueue) skip(n int) {
	q.skipped.Add(uint64(n))
	q.total.Add(uint64(n))
}

// discard empties the queue, counting what it held as skipped: packets
// queued before a connection are stale once it is up.
func (q *outQueue) discard() {
	for {
		select {
		case p := <-q.ch:
			q.skip(len(p))
		default:
			return
		}
	}
}

// pump sends what q holds on conn until ctx ends (nil) or a write fails
// (the error). It reads the sender statistics every sendStatsEvery into
// onStats, also while nothing is queued.
func pump(ctx context.Context, conn srt.Conn, q *outQueue, meter *sendMeter, bytesSent *atomic.Uint64, onStats func(sendTotals, sendGauges)) error {
	tick := time.NewTicker(sendStatsEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			if meter.due(now) {
				onStats(meter.read(conn, now))
			}
		case p := <-q.ch:
			if _, err := conn.Write(p); err != nil {
				q.skip(len(p))
				return fmt.Errorf("session: writing to %s: %w", conn.RemoteAddr(), err)
			}
			now := time.Now()
			meter.wrote(now)
			bytesSent.Add(uint64(len(p)))
			if meter.due(now) {
				onStats(meter.read(conn, now))
			}
		}
	}
}

// errorWords is err for a person: a *ConnectError's words without the
// package prefix.
func errorWords(err error) string {
	var ce *ConnectError
	if errors.As(err, &ce) {
		return ce.Detail
	}
	return err.Error()
}

// clonePayload copies p for the queues: the receiver's buffer goes back
// to gosrt's pool once Write returns.
func clonePayload(p []byte) []byte { return append(make([]byte, 0, len(p)), p...) }
