package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	srt "github.com/datarhei/gosrt"
	"github.com/datarhei/gosrt/packet"
)

// Sink takes the received TS bytes, for example the stream probe. It is fed
// from a bounded queue on its own goroutine; bytes it cannot take in time
// are counted (Sample.SinkSkippedBytes) and never slow down reception. As
// with io.Writer, Write must not keep p after it returns: the buffer goes
// back to the SRT library's pool.
type Sink interface {
	Write(p []byte) (int, error)
}

// ReceiverOptions tune a Receiver. Zero values mean the defaults.
type ReceiverOptions struct {
	Interval         time.Duration // sample interval, default 1 s
	Sink             Sink          // optional consumer of the TS bytes
	SinkQueuePackets int           // bounded queue towards the sink, default 4096 packets
	IdleAfter        time.Duration // idle event after this long without data, default 2 s
	// ArrivalTap receives through the arrival tap (tap.go), which times
	// every data packet before gosrt sees it: that gives the late,
	// at-risk, recovery-margin, receive-buffer and pkts_backdated figures
	// (without it they stay 0 and drops are the sequence gaps alone). Off
	// by default: the loopback hop it needs per datagram costs more CPU
	// than issue 17 allows (bench/watch_cpu.sh, see the package doc).
	ArrivalTap bool
	// Handed makes a receiver whose connections a Port hands to it (a
	// feed on a port shared by many feeds, routed by streamid) instead of
	// dialling or listening itself. Its Config then describes that port
	// (mode listener and its port number), the passphrase of this feed, and
	// in StreamID the name the feed is published under. Samples, events,
	// reconnect counting, the sink and the one-publisher rule (a silent or
	// half-open publisher is replaced, a live one is not) are those of a
	// listener. The arrival tap needs a socket of its own, so it is off.
	Handed bool
}

// Summary is the outcome of a whole receiving session: the last counters,
// the time spent connected, the number of reconnects and every event.
type Summary struct {
	Sample
	ConnectedS float64 `json:"connected_s"`
	Reconnects int     `json:"reconnects"`
	Rejections int     `json:"rejections"`
	Events     []Event `json:"events"`
	// RecoveryMargins counts every recovered packet by its recovery margin.
	RecoveryMargins *MarginHistogram `json:"recovery_margins,omitempty"`
}

// Receiver receives one SRT feed as caller or listener, derives trustworthy
// statistics from the headers of the delivered packets and publishes a
// Sample per interval and Events to its subscribers. One goroutine (Run's)
// owns the connection; Close of the connection is what unblocks its read.
type Receiver struct {
	cfg  Config
	opts ReceiverOptions
	hub  *hub
	gate *listenerGate // listener: admission and rejection events

	started atomic.Bool

	// Counters written by the read loop, cumulative across reconnects.
	pktsRecv         atomic.Uint64
	bytesRecv        atomic.Uint64
	pktsRecovered    atomic.Uint64 // delivered with the retransmitted flag
	pktsUnrecovered  atomic.Uint64 // gaps in delivered sequence numbers
	sinkSkippedBytes atomic.Uint64
	rttMicros        atomic.Int64
	pktsLate         atomic.Uint64 // delivered after their play time
	pktsAtRisk       atomic.Uint64 // recovered with less margin than libsrt needs
	lastDelivered    atomic.Uint64 // sequence number << 32 | timestamp of the last delivered packet
	played           playClock     // where a libsrt receiver's play-out stands
	pktsGarbled      atomic.Uint64 // delivered payloads of an encrypted TS stream that were not TS
	pktsUndecrypt    atomic.Uint64 // gosrt's PktRecvUndecrypt, summed over connections
	rttWin           rttWindow
	latencyMs        atomic.Int64
	lastDataNano     atomic.Int64

	linkConns      // its mu also guards the fields below
	state          State
	peer           string
	connectedSince time.Time
	connectedTotal time.Duration
	connects       int
	lastErr        error
	evictedBy      string       // the caller that took the current peer's place
	connBase       ConnCounters // the cumulative counters when the current connection began

	sinkQueue chan packet.Packet // delivered packets on their way to the sink
	handed    chan srt.Conn      // Handed: connections from the Port, at most 2 (a takeover)

	arrivals *arrivals    // nil without the tap
	replyMu  sync.Mutex   // Reply's writes take turns
	tap      *arrivalTap  // set by Run before any connection
	margins  *marginStats // recovery margins of delivered retransmissions
}

// NewReceiver validates cfg and returns a receiver ready to Run.
func NewReceiver(cfg Config, opts ReceiverOptions) (*Receiver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.SinkQueuePackets <= 0 {
		opts.SinkQueuePackets = 4096
	}
	if opts.IdleAfter <= 0 {
		opts.IdleAfter = 2 * time.Second
	}
	r := &Receiver{cfg: cfg.withDefaults(), opts: opts, hub: newHub(), state: StateConnecting}
	r.gate = newListenerGate(r.cfg, r.hub)
	r.gate.silentPeer, r.gate.evict = r.silentPeer, r.evict
	r.margins = newMarginStats()
	if opts.Handed {
		r.handed = make(chan srt.Conn, 2)
		r.gate.busyWords = r.busyWords
	} else if opts.ArrivalTap {
		r.arrivals = newArrivals()
	}
	if opts.Sink != nil {
		r.sinkQueue = make(chan packet.Packet, opts.SinkQueuePackets)
	}
	return r, nil
}

// Subscribe returns a subscription with the given channel capacities
// (0 = defaults). Subscribe before Run to see every event.
func (r *Receiver) Subscribe(sampleBuf, eventBuf int) *Subscription {
	return r.hub.subscribe(sampleBuf, eventBuf)
}

// Run receives until ctx ends (or, for a listener, until listening fails).
// A caller reconnects with backoff (0.5 s doubling to 5 s) after every
// failure or drop. Run returns nil when stopped by ctx, and closes every
// subscription when it returns.
func (r *Receiver) Run(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return errors.New("session: Receiver.Run called twice")
	}
	// The tap first: the goroutines below read what it sets.
	linkCfg := r.cfg
	if r.arrivals != nil {
		tap, inner, err := startTap(r.cfg, r.arrivals)
		switch {
		case err == nil:
			r.tap, linkCfg = tap, inner
			r.hub.rewrite = tap.rewrite
			defer tap.Close()
			r.tuneReceiveBuffer(tap.public.LocalAddr(), tap.public.RemoteAddr())
		case r.cfg.Mode == ModeListener:
			ce := explainListenError(err, r.cfg)
			r.fail(EventError, ce)
			r.hub.close()
			return ce
		default:
			// The peer's name does not resolve (yet): gosrt dials and
			// says so in words; there are no arrival times this time.
			r.arrivals = nil
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		r.hub.close()
	}()

	wg.Add(1)
	go func() {
		defer wg.Done()
		r.sample(ctx)
	}()
	if r.sinkQueue != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.feedSink(ctx)
		}()
	}

	var err error
	if r.handed != nil {
		err = r.handedLoop(ctx, &wg)
	} else {
		err = runLink(ctx, &wg, linkCfg, r.gate, r)
	}
	if r.sinkQueue != nil {
		// Connections are served on this goroutine, so nothing queues
		// any more: feedSink accounts for what is left and returns.
		close(r.sinkQueue)
	}
	return err
}

// ErrNotConnected is wrapped by Reply's error when no peer is connected.
var ErrNotConnected = errors.New("session: not connected")

// Reply sends msg (at most 1316 bytes) back to the connected peer as one
// data packet: SRT carries data both ways, and a sender that reads what
// comes back (SenderOptions.Replies) gets it. Safe from any goroutine:
// gosrt's Write is not, so replies take turns.
func (r *Receiver) Reply(msg []byte) error {
	r.replyMu.Lock()
	defer r.replyMu.Unlock()
	r.mu.Lock()
	conn := r.current
	r.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("session: reply: %w", ErrNotConnected)
	}
	if _, err := conn.Write(msg); err != nil {
		return fmt.Errorf("session: reply to %s: %w", conn.RemoteAddr(), err)
	}
	return nil
}

// Snapshot returns the current statistics with cumulative counters.
func (r *Receiver) Snapshot() Sample {
	r.mu.Lock()
	state, peer, base := r.state, r.peer, r.connBase
	r.mu.Unlock()
	c := r.counters()
	s := Sample{
		Time:             time.Now(),
		State:            state,
		Peer:             peer,
		PktsRecv:         c.PktsRecv,
		PktsLost:         c.PktsLost,
		PktsRetrans:      c.PktsRetrans,
		PktsDropped:      c.PktsDropped,
		PktsLate:         c.PktsLate,
		PktsAtRisk:       c.PktsAtRisk,
		BytesRecv:        c.BytesRecv,
		SinkSkippedBytes: r.sinkSkippedBytes.Load(),

		PktsUndecryptable: r.pktsGarbled.Load() + r.pktsUndecrypt.Load(),
	}
	if r.arrivals != nil {
		s.PktsBackdated = r.arrivals.backdated.Load()
	}
	if state == StateConnected {
		s.RTTMs = float64(r.rttMicros.Load()) / 1000
		s.LatencyMs = int(r.latencyMs.Load())
		if s.RTTMs > 0 {
			s.RTTMultiplier = float64(s.LatencyMs) / s.RTTMs
		}
		s.Conn = ConnCounters{
			Since:       base.Since,
			PktsRecv:    s.PktsRecv - base.PktsRecv,
			PktsLost:    s.PktsLost - base.PktsLost,
			PktsRetrans: s.PktsRetrans - base.PktsRetrans,
			PktsDropped: s.PktsDropped - base.PktsDropped,
			BytesRecv:   s.BytesRecv - base.BytesRecv,
			PktsLate:    s.PktsLate - base.PktsLate,
			PktsAtRisk:  s.PktsAtRisk - base.PktsAtRisk,
		}
	}
	return s
}

// counters are the cumulative receive counters now.
func (r *Receiver) counters() ConnCounters {
	recovered, unrecovered, late := r.pktsRecovered.Load(), r.pktsUnrecovered.Load(), r.pktsLate.Load()
	return ConnCounters{PktsRecv: r.pktsRecv.Load(), PktsLost: recovered + unrecovered, PktsRetrans: recovered,
		PktsDropped: unrecovered + late, BytesRecv: r.bytesRecv.Load(), PktsLate: late, PktsAtRisk: r.pktsAtRisk.Load()}
}

// Summary returns the session's outcome so far; call it after Run returns
// for the final figures.
func (r *Receiver) Summary() Summary {
	s := r.Snapshot()
	r.mu.Lock()
	connected := r.connectedTotal
	if r.state == StateConnected {
		connected += time.Since(r.connectedSince)
	}
	reconnects := max(r.connects-1, 0)
	r.mu.Unlock()
	sum := Summary{
		Sample:     s,
		ConnectedS: connected.Seconds(),
		Reconnects: reconnects,
		Rejections: r.gate.rejections(),
		Events:     r.hub.events(),
	}
	if r.arrivals != nil {
		h := r.margins.histogram()
		sum.RecoveryMargins = &h
	}
	return sum
}

// LastError is the most recent connection failure in words, or nil.
func (r *Receiver) LastError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

// Connects is how many connections were established so far.
func (r *Receiver) Connects() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.connects
}

func (r *Receiver) publish(e Event) { r.hub.publishEvent(e) }

func (r *Receiver) event(kind EventKind, remote, format string, a ...any) {
	r.hub.publishEvent(Event{Time: time.Now(), Kind: kind, Detail: fmt.Sprintf(format, a...), Remote: remote})
}

func (r *Receiver) setState(s State) {
	r.mu.Lock()
	r.state = s
	r.mu.Unlock()
}

func (r *Receiver) fail(kind EventKind, ce *ConnectError) {
	r.mu.Lock()
	r.lastErr = ce
	r.mu.Unlock()
	r.hub.publishEvent(failureEvent(kind, ce))
}

// listening implements linkOwner: the listener's socket gets the large
// receive buffer (accepted connections share it).
func (r *Receiver) listening(ln srt.Listener) {
	if r.tap != nil {
		r.tap.setInner(ln.Addr())
	}
	r.tuneReceiveBuffer(ln.Addr(), nil)
}

// serveConn implements linkOwner.
func (r *Receiver) serveConn(ctx context.Context, conn srt.Conn) bool {
	if r.cfg.Mode == ModeCaller {
		r.tuneReceiveBuffer(conn.LocalAddr(), conn.RemoteAddr())
	}
	r.serve(ctx, conn)
	return false
}

// silentPeer reports the connected peer when it has sent no packet for
// IdleAfter or longer, and for how long.
func (r *Receiver) silentPeer() (string, time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current == nil || r.state != StateConnected {
		return "", 0, false
	}
	silent := time.Since(time.Unix(0, r.lastDataNano.Load()))
	return r.peer, silent, silent >= r.opts.IdleAfter
}

// evict closes the current connection because caller by takes its place.
func (r *Receiver) evict(by string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current != nil {
		r.evictedBy = by
		// Closing only ends serve's read loop; gosrt's Close cannot fail.
		_ = r.current.Close()
	}
}

// UDP receive buffer a receiver asks for: libsrt's default SRTO_UDP_RCVBUF
// (12 MB). Below minReceiveBuffer, as the kernel reports it, the receiver
// warns: a short stall of the reading goroutine then overflows it at
// high bitrates.
const (
	udpReceiveBuffer = 12288000
	minReceiveBuffer = 4 << 20
)

// tuneReceiveBuffer raises the receive buffer of the SRT library's UDP
// socket (local, and remote for a caller) and warns when the system does
// not allow enough.
func (r *Receiver) tuneReceiveBuffer(local, remote net.Addr) {
	got, err := raiseReceiveBuffer(local, remote, udpReceiveBuffer)
	switch {
	case err != nil:
		r.event(EventWarning, "", "could not enlarge the UDP receive buffer (%v): at high bitrates the system may drop packets before SRT sees them", err)
	case got < minReceiveBuffer:
		r.event(EventWarning, "", "the system limits the UDP receive buffer to %d KB (net.core.rmem_max): at high bitrates it may drop packets before SRT sees them; raise the limit, e.g. sudo sysctl -w net.core.rmem_max=%d", got/1024, udpReceiveBuffer)
	}
}

// serve reads conn until it closes, counting delivered packets, sequence
// gaps (unrecovered loss) and retransmitted packets (recovered loss).
func (r *Receiver) serve(ctx context.Context, conn srt.Conn) {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		_ = conn.Close() // gosrt's Close always returns nil
		return
	}
	r.current = conn
	peer := conn.RemoteAddr().String()
	if r.tap != nil {
		peer = r.tap.peerOf(peer)
	}
	r.peer = peer
	r.state = StateConnected
	r.connectedSince = time.Now()
	r.lastDataNano.Store(r.connectedSince.UnixNano()) // before anyone can ask how silent it is
	// Only this goroutine counts, and it has not read yet: the baseline is exact.
	r.connBase = r.counters()
	r.connBase.Since = r.connectedSince
	r.connects++
	r.mu.Unlock()

	var stats srt.Statistics
	conn.Stats(&stats)
	r.latencyMs.Store(int64(stats.Instantaneous.MsRecvTsbPdDelay))
	if r.arrivals != nil {
		r.arrivals.setLatency(time.Duration(stats.Instantaneous.MsRecvTsbPdDelay) * time.Millisecond)
	}
	undecrypt := stats.Accumulated.PktRecvUndecrypt // gosrt's count of this connection, added as it grows
	r.pktsUndecrypt.Add(undecrypt)
	encrypted, sawTS := r.cfg.Passphrase != "", false
	r.rttMicros.Store(int64(stats.Instantaneous.MsRTT * 1000))
	r.rttWin.add(stats.Instantaneous.MsRTT)
	lastStats := time.Now()
	r.lastDataNano.Store(lastStats.UnixNano())
	detail := fmt.Sprintf("connected to %s, latency %d ms", peer, stats.Instantaneous.MsRecvTsbPdDelay)
	if id := conn.StreamId(); id != "" {
		detail += fmt.Sprintf(", streamid %q", truncate(id, 80))
	}
	if r.cfg.Passphrase != "" {
		detail += ", encrypted"
	}
	r.event(EventConnected, peer, "%s", detail)

	const seqMask = packet.MAX_SEQUENCENUMBER
	var expected uint32
	haveSeq := false
	timing := newTSBPDState() // as a libsrt receiver would time this connection
	r.lastDelivered.Store(0)
	r.played.reset()
	for {
		p, err := conn.ReadPacket()
		if err != nil {
			break
		}
		h := p.Header()
		seq := h.PacketSequenceNumber.Val()
		if haveSeq {
			if gap := (seq - expected) & seqMask; gap != 0 && gap < seqMask/2 {
				r.pktsUnrecovered.Add(uint64(gap))
			}
		}
		if r.arrivals != nil {
			r.timeDelivery(h, seq, &timing)
		}
		expected, haveSeq = (seq+1)&seqMask, true
		if h.RetransmittedPacketFlag {
			r.pktsRecovered.Add(1)
		}
		data := p.Data()
		if encrypted {
			// A stale key decrypts to noise, and neither gosrt nor
			// libsrt can tell: a TS stream that stops reading as TS can.
			switch {
			case tsSynced(data):
				sawTS = true
			case sawTS:
				r.pktsGarbled.Add(1)
			}
		}
		r.pktsRecv.Add(1)
		r.bytesRecv.Add(uint64(len(data)))
		if r.sinkQueue == nil || !r.toSink(p) {
			p.Decommission()
		}
		now := time.Now()
		r.lastDataNano.Store(now.UnixNano())
		if now.Sub(lastStats) >= 250*time.Millisecond {
			conn.Stats(&stats)
			if u := stats.Accumulated.PktRecvUndecrypt; u > undecrypt {
				r.pktsUndecrypt.Add(u - undecrypt)
				undecrypt = u
			}
			r.rttMicros.Store(int64(stats.Instantaneous.MsRTT * 1000))
			r.rttWin.add(stats.Instantaneous.MsRTT)
			r.latencyMs.Store(int64(stats.Instantaneous.MsRecvTsbPdDelay))
			lastStats = now
		}
	}
	_ = conn.Close() // gosrt's Close always returns nil

	silentFor := time.Since(time.Unix(0, r.lastDataNano.Load()))
	r.mu.Lock()
	r.current = nil
	r.connectedTotal += time.Since(r.connectedSince)
	r.state = StateDisconnected
	r.peer = ""
	replacedBy := r.evictedBy
	r.evictedBy = ""
	r.mu.Unlock()
	switch {
	case ctx.Err() != nil:
		r.event(EventDisconnected, peer, "disconnected from %s: session stopped", peer)
	case replacedBy != "":
		ce := &ConnectError{Kind: ErrPeerSilent, Detail: fmt.Sprintf(
			"peer went silent: no packets for %.1f s, and caller %s took its place; check the encoder that was sending", silentFor.Seconds(), replacedBy)}
		r.mu.Lock()
		r.lastErr = ce
		r.mu.Unlock()
		r.event(EventDisconnected, peer, "disconnected from %s: %s", peer, ce.Detail)
	case silentFor >= r.cfg.PeerIdleTimeout-500*time.Millisecond:
		ce := silentPeerError(r.cfg)
		r.mu.Lock()
		r.lastErr = ce
		r.mu.Unlock()
		r.event(EventDisconnected, peer, "disconnected from %s: %s", peer, ce.Detail)
	default:
		r.event(EventDisconnected, peer, "disconnected from %s: the peer closed the connection", peer)
	}
}

// toSink hands the packet itself to the sink goroutine without blocking,
// which returns it to gosrt's pool after the write: no copy of the
// payload. When the queue is full the payload is counted as skipped and
// toSink returns false; the caller then still owns p.
func (r *Receiver) toSink(p packet.Packet) bool {
	select {
	case r.sinkQueue <- p:
		return true
	default:
		r.sinkSkippedBytes.Add(uint64(len(p.Data())))
		return false
	}
}

// feedSink writes queued payloads to the sink until the queue is closed.
// Once ctx has ended, what is still queued is counted as skipped rather
// than written, so a stalled sink cannot hold up stopping; either way
// every received byte is either in the sink or in SinkSkippedBytes.
func (r *Receiver) feedSink(ctx context.Context) {
	for p := range r.sinkQueue {
		buf := p.Data()
		if ctx.Err() != nil {
			r.sinkSkippedBytes.Add(uint64(len(buf)))
		} else if n, err := r.opts.Sink.Write(buf); err != nil || n < len(buf) {
			r.sinkSkippedBytes.Add(uint64(len(buf) - max(n, 0)))
		}
		p.Decommission()
	}
}

// badInputReport turns the bad-input counters into warning events: one
// when a counter starts growing, not one per sample while it grows.
type badInputReport struct {
	backdated, undecryptable       uint64
	backdatedGrew, undecryptedGrew bool
}

func (b *badInputReport) check(r *Receiver, s Sample) {
	if grew := s.PktsBackdated > b.backdated; grew && !b.backdatedGrew {
		r.event(EventWarning, s.Peer, "%s sent %d packets with timestamps from before the connection started (%d so far): "+
			"a libsrt decoder holds such a packet about 71 minutes and freezes the picture behind it; srtscope plays it in turn. Check the encoder's SRT clock",
			orWords(s.Peer, "the peer"), s.PktsBackdated-b.backdated, s.PktsBackdated)
		b.backdatedGrew = true
	} else if !grew {
		b.backdatedGrew = false
	}
	if grew := s.PktsUndecryptable > b.undecryptable; grew && !b.undecryptedGrew {
		r.event(EventWarning, s.Peer, "%d packets from %s could not be decrypted (%d so far): the sender switched keys and the key announcement was lost, "+
			"or the passphrase changed; the picture breaks up until the next key switch arrives",
			s.PktsUndecryptable-b.undecryptable, orWords(s.Peer, "the peer"), s.PktsUndecryptable)
		b.undecryptedGrew = true
	} else if !grew {
		b.undecryptedGrew = false
	}
	b.backdated, b.undecryptable = s.PktsBackdated, s.PktsUndecryptable
}

func orWords(s, instead string) string {
	if s == "" {
		return instead
	}
	return s
}

// sample publishes one Sample per interval and the idle event.
func (r *Receiver) sample(ctx context.Context) {
	ticker := time.NewTicker(r.opts.Interval)
	defer ticker.Stop()
	prevBytes, prevPkts, prevTime := r.bytesRecv.Load(), r.pktsRecv.Load(), time.Now()
	idleReported := false
	var bad badInputReport
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			s := r.Snapshot()
			if elapsed := now.Sub(prevTime).Seconds(); elapsed > 0 {
				s.RecvMbps = float64(s.BytesRecv-prevBytes) * 8 / elapsed / 1e6
				s.RecvPktsPerS = float64(s.PktsRecv-prevPkts) / elapsed
			}
			prevBytes, prevPkts, prevTime = s.BytesRecv, s.PktsRecv, now
			r.detail(&s)
			r.hub.publishSample(s)
			bad.check(r, s)
			silent := now.Sub(time.Unix(0, r.lastDataNano.Load()))
			switch {
			case s.State == StateConnected && silent >= r.opts.IdleAfter && !idleReported:
				idleReported = true
				r.event(EventIdle, s.Peer, "no packets from %s for %.0f s: check the encoder is sending", s.Peer, silent.Seconds())
			case s.State != StateConnected || silent < r.opts.IdleAfter:
				idleReported = false
			}
		}
	}
}
