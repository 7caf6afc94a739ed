package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	srt "github.com/datarhei/gosrt"

	"github.com/srtscope/srtscope/probe/ts"
)

// sendChunk is the payload of one SRT packet: 7 TS packets, as every SRT
// implementation sends MPEG-TS.
const sendChunk = 7 * ts.PacketSize

// SenderOptions tune a Sender.
type SenderOptions struct {
	Loop        bool          // start again at the end of the input
	FallbackBps float64       // pace for input without PCRs, default 5 Mbit/s
	Interval    time.Duration // SenderSample interval, default 1 s
	// Replies, when set, gets each message the peer sends back on the
	// connection (SRT carries data both ways), from a goroutine of the
	// sender's, while a connection is up. The line test's far end reports
	// its own figures this way.
	Replies func(msg []byte)
	// Epilogue, when set, runs at the end of the input, after the drain
	// and before the connection closes: write sends msg to the peer as one
	// more data packet (at most 1316 bytes). It should return within a
	// few seconds; ctx ends when the sender stops.
	Epilogue func(ctx context.Context, write func(msg []byte) error)
}

// SenderStats are the running totals of a Sender.
type SenderStats struct {
	PktsSent  uint64 `json:"pkts_unique_sent"` // packets written (pkts_sent in SenderSample includes retransmissions)
	BytesSent uint64 `json:"bytes_sent"`
	Connects  int    `json:"connects"`
}

// Sender sends a TS file (or any bytes) over SRT at the real-time pace given
// by its PCRs, as caller or listener. A caller reconnects with backoff after
// a drop and carries on where it was; a listener waits for the next caller.
type Sender struct {
	cfg  Config
	src  io.ReaderAt
	size int64
	opts SenderOptions
	tl   *mediaTimeline
	loop *loopSplicer // with Loop: makes the repeats one continuous stream
	hub  *hub
	gate *listenerGate // listener: admission and rejection events

	started   atomic.Bool
	pktsSent  atomic.Uint64
	bytesSent atomic.Uint64

	pos int64 // where in the (endless, with Loop) input sending goes on; Run's goroutine only

	linkConns     // its mu also guards the fields below
	lastErr       error
	book          sendBook // the libsrt send statistics across connections
	sampleSubs    []chan SenderSample
	samplesClosed bool
	sampleDrops   atomic.Uint64
}

// NewSender validates cfg, indexes the PCRs of src and returns a sender.
func NewSender(cfg Config, src io.ReaderAt, size int64, opts SenderOptions) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.FallbackBps <= 0 {
		opts.FallbackBps = 5e6
	}
	tl, err := newMediaTimeline(src, size, opts.FallbackBps)
	if err != nil {
		return nil, err
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	s := &Sender{cfg: cfg.withDefaults(), src: src, size: size, opts: opts, tl: tl, hub: newHub(), book: newSendBook()}
	if opts.Loop && tl.pcrs >= 2 {
		if s.loop, err = newLoopSplicer(src, size, tl.duration); err != nil {
			return nil, err
		}
	}
	s.gate = newListenerGate(s.cfg, s.hub)
	return s, nil
}

// MediaDuration is the media time of one pass through the input.
func (s *Sender) MediaDuration() time.Duration {
	return time.Duration(s.tl.duration * float64(time.Second))
}

// Bitrate is the average bitrate of the input in bits per second.
func (s *Sender) Bitrate() float64 { return s.tl.avgBps }

// Subscribe returns a subscription for the sender's events (its Samples
// channel stays empty: see SenderSamples). Subscribe before Run to see every
// event.
func (s *Sender) Subscribe(eventBuf int) *Subscription { return s.hub.subscribe(1, eventBuf) }

// SenderSamples returns a channel of one SenderSample per interval, closed
// when Run returns. A subscriber that falls behind loses the oldest
// samples, never blocks the sender. Call it before Run to see every sample.
func (s *Sender) SenderSamples(buf int) <-chan SenderSample {
	if buf <= 0 {
		buf = defaultSampleBuffer
	}
	ch := make(chan SenderSample, buf)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samplesClosed {
		close(ch)
		return ch
	}
	s.sampleSubs = append(s.sampleSubs, ch)
	return ch
}

// Snapshot returns the sender's statistics now: counters over the whole
// session, gauges of the current connection (zero while not connected).
// SendMbps is left 0: it needs an interval (see SenderSamples).
func (s *Sender) Snapshot() SenderSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.book.sample(time.Now(), s.bytesSent.Load())
	out.SendMbps = 0
	return out
}

// sample publishes one SenderSample per interval until ctx ends.
func (s *Sender) sample(ctx context.Context) {
	ticker := time.NewTicker(s.opts.Interval)
	defer ticker.Stop()
	s.mu.Lock()
	s.book.rate(time.Now())
	s.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			s.mu.Lock()
			s.book.rate(now)
			smp := s.book.sample(now, s.bytesSent.Load())
			for _, ch := range s.sampleSubs {
				offer(ch, smp, &s.sampleDrops)
			}
			s.mu.Unlock()
		}
	}
}

// closeSamples ends every sample subscription.
func (s *Sender) closeSamples() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samplesClosed {
		return
	}
	s.samplesClosed = true
	for _, ch := range s.sampleSubs {
		close(ch)
	}
	s.sampleSubs = nil
}

// Stats returns the running totals.
func (s *Sender) Stats() SenderStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return SenderStats{PktsSent: s.pktsSent.Load(), BytesSent: s.bytesSent.Load(), Connects: s.book.connects}
}

// LastError is the most recent connection failure in words, or nil.
func (s *Sender) LastError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

// Run sends until the input ends (without Loop) or ctx ends; both return
// nil. A listener that cannot listen returns the reason.
func (s *Sender) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("session: Sender.Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		s.closeSamples()
		s.hub.close()
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.sample(ctx)
	}()
	return runLink(ctx, &wg, s.cfg, s.gate, s)
}

func (s *Sender) publish(e Event) { s.hub.publishEvent(e) }

func (s *Sender) event(kind EventKind, remote, format string, a ...any) {
	s.hub.publishEvent(Event{Time: time.Now(), Kind: kind, Detail: fmt.Sprintf(format, a...), Remote: remote})
}

func (s *Sender) fail(kind EventKind, ce *ConnectError) {
	s.mu.Lock()
	s.lastErr = ce
	s.mu.Unlock()
	s.hub.publishEvent(failureEvent(kind, ce))
}

// setState implements linkOwner; a sender reports events only.
func (s *Sender) setState(State) {}

// listening implements linkOwner.
func (s *Sender) listening(srt.Listener) {}

// serveConn implements linkOwner: the stream carries on where the last
// connection left it.
func (s *Sender) serveConn(ctx context.Context, conn srt.Conn) (finished bool) {
	s.pos, finished = s.serve(ctx, conn, s.pos)
	return finished
}

// serve sends from stream position pos on conn at the input's pace until
// the input ends (finished) or the connection drops; it returns where it
// stopped.
func (s *Sender) serve(ctx context.Context, conn srt.Conn, pos int64) (next int64, finished bool) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		_ = conn.Close()
		return pos, false
	}
	s.current = conn
	peer := conn.RemoteAddr().String()
	s.book.connected(peer)
	s.mu.Unlock()
	s.event(EventConnected, peer, "connected to %s, sending %.2f Mbit/s", peer, s.tl.avgBps/1e6)
	meter := new(sendMeter) // large: on the heap
	replies := s.readReplies(conn)
	defer func() {
		s.readStats(conn, meter)
		_ = conn.Close()
		<-replies
		s.mu.Lock()
		s.current = nil
		s.book.disconnected()
		s.mu.Unlock()
	}()

	buf := make([]byte, sendChunk)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	// The wall clock of media time zero: the stream continues from pos
	// without a burst to catch up after a reconnect.
	start := time.Now().Add(-time.Duration(s.tl.atStream(pos) * float64(time.Second)))
	for {
		if ctx.Err() != nil {
			return pos, false
		}
		off := pos % s.size
		if !s.opts.Loop && pos >= s.size {
			s.drain(ctx, conn)
			if s.opts.Epilogue != nil {
				s.opts.Epilogue(ctx, func(msg []byte) error {
					if _, err := conn.Write(msg); err != nil {
						return fmt.Errorf("session: writing to %s: %w", peer, err)
					}
					return nil
				})
			}
			s.event(EventDisconnected, peer, "end of input after %d bytes: closing the connection to %s", s.bytesSent.Load(), peer)
			return pos, true
		}
		n := int(min(int64(sendChunk), s.size-off))
		if _, err := s.src.ReadAt(buf[:n], off); err != nil && err != io.EOF {
			s.fail(EventError, &ConnectError{Kind: ErrRejected, Err: err, Detail: fmt.Sprintf("reading the input failed: %v", err)})
			return pos, true
		}
		if s.loop != nil {
			s.loop.rewrite(buf[:n], pos/s.size)
		}
		due := start.Add(time.Duration(s.tl.atStream(pos) * float64(time.Second)))
		if wait := time.Until(due); wait > time.Millisecond {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return pos, false
			case <-timer.C:
			}
		}
		if _, err := conn.Write(buf[:n]); err != nil {
			if ctx.Err() != nil {
				return pos, false
			}
			s.event(EventDisconnected, peer, "disconnected from %s: the connection closed (%v)", peer, err)
			return pos, false
		}
		now := time.Now()
		meter.wrote(now)
		s.pktsSent.Add(1)
		s.bytesSent.Add(uint64(n))
		pos += int64(n)
		if meter.due(now) {
			s.readStats(conn, meter)
		}
	}
}

// readReplies reads what the peer sends back on conn and hands it to
// opts.Replies until conn closes; the channel closes when it has stopped
// (at once without Replies).
func (s *Sender) readReplies(conn srt.Conn) <-chan struct{} {
	done := make(chan struct{})
	if s.opts.Replies == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		for {
			p, err := conn.ReadPacket()
			if err != nil {
				return
			}
			msg := append([]byte(nil), p.Data()...)
			p.Decommission()
			s.opts.Replies(msg)
		}
	}()
	return done
}

// readStats reads the connection's statistics into the book.
func (s *Sender) readStats(conn srt.Conn, m *sendMeter) {
	t, g := m.read(conn, time.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.book.update(t, g)
}

// drain waits until gosrt has sent and had acknowledged everything (at most
// a latency plus one second) and then one more latency for the receiver to
// deliver it, so the tail of the input is not cut off.
func (s *Sender) drain(ctx context.Context, conn srt.Conn) {
	deadline := time.Now().Add(time.Duration(s.cfg.LatencyMs)*time.Millisecond + time.Second)
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	var stats srt.Statistics
	for time.Now().Before(deadline) {
		conn.Stats(&stats)
		if stats.Instantaneous.PktSendBuf == 0 {
			// Everything is acknowledged, but the receiver still holds up to
			// one latency of packets in its buffer: closing now would make
			// it discard them.
			waitBackoff(ctx, time.Duration(s.cfg.LatencyMs)*time.Millisecond+100*time.Millisecond)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
