package impair

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrPortInUse is wrapped by Listen when the listen port is taken.
var ErrPortInUse = errors.New("UDP port already in use")

// ErrClosed is returned by Run on a relay that was already run or closed.
var ErrClosed = errors.New("impair: relay already run or closed")

// maxReadErrors ends Run after this many read errors in a row: a socket that
// fails every read would otherwise spin.
const maxReadErrors = 1000

// socketBuffer is asked of the kernel for each socket (it may give less):
// room for bursts at tens of Mbit/s while a reader is descheduled.
const socketBuffer = 4 << 20

// DirStats counts what the relay did in one direction. Once the relay has
// stopped, Received = Forwarded + WriteErrors + Dropped() + Discarded.
type DirStats struct {
	// Received counts datagrams read.
	Received uint64 `json:"received"`
	// Forwarded counts datagrams written on, ForwardedBytes their payload.
	Forwarded      uint64 `json:"forwarded"`
	ForwardedBytes uint64 `json:"forwarded_bytes"`
	// DroppedLoss counts random loss (every packet of every burst) and
	// LossEvents the bursts started.
	DroppedLoss uint64 `json:"dropped_loss"`
	LossEvents  uint64 `json:"loss_events"`
	// DroppedOutage counts packets that arrived during an outage or Cut,
	// OutageWindows the periodic outage windows begun.
	DroppedOutage uint64 `json:"dropped_outage"`
	OutageWindows uint64 `json:"outage_windows"`
	// DroppedQueueFull counts packets refused by a full delay queue.
	DroppedQueueFull uint64 `json:"dropped_queue_full"`
	// DroppedNoClient counts replies from upstream before any client.
	DroppedNoClient uint64 `json:"dropped_no_client"`
	// DroppedRateLimit counts packets over the rate limit that found the
	// bottleneck queue full.
	DroppedRateLimit uint64 `json:"dropped_rate_limit"`
	// WriteErrors counts datagrams the kernel refused to send.
	WriteErrors uint64 `json:"write_errors"`
	// Queued is the number of packets in the delay queue now; Discarded
	// the packets still queued when the relay stopped.
	Queued    uint64 `json:"queued"`
	Discarded uint64 `json:"discarded"`
}

// Dropped is every packet the relay dropped on purpose or for lack of room.
func (s DirStats) Dropped() uint64 {
	return s.DroppedLoss + s.DroppedOutage + s.DroppedQueueFull + s.DroppedNoClient + s.DroppedRateLimit
}

// Settled is every packet whose fate is final: forwarded, failed or dropped.
func (s DirStats) Settled() uint64 { return s.Forwarded + s.WriteErrors + s.Dropped() }

// DroppedPct is Dropped as a percentage of Received (0 when nothing came).
func (s DirStats) DroppedPct() float64 {
	if s.Received == 0 {
		return 0
	}
	return 100 * float64(s.Dropped()) / float64(s.Received)
}

// Stats is a snapshot of a relay's counters.
type Stats struct {
	// Elapsed is the time since the relay was created, until it stopped.
	Elapsed time.Duration
	// Client is the client address seen last (invalid before any).
	Client           netip.AddrPort
	Forward, Reverse DirStats
}

// dirCounters are the live, atomic form of DirStats.
type dirCounters struct {
	received, forwarded, forwardedBytes         atomic.Uint64
	droppedLoss, lossEvents, droppedOutage      atomic.Uint64
	droppedQueueFull, droppedNoClient, writeErr atomic.Uint64
	discarded, droppedRate                      atomic.Uint64
}

// direction is everything one way through the relay needs.
type direction struct {
	dir    Direction
	im     Impairment
	in     *net.UDPConn // read from
	out    *net.UDPConn // write to
	shaper *shaper
	queue  *delayQueue // nil when the direction does not delay
	c      dirCounters
}

// Relay is a running UDP impairment relay. Create it with Listen, run it
// with Run, stop it by cancelling Run's context or with Close.
type Relay struct {
	cfg      Config
	start    time.Time
	upstream netip.AddrPort
	listen   *net.UDPConn // clients talk to this
	up       *net.UDPConn // this talks to Upstream
	fwd, rev *direction
	bases    srtBases // each direction's first SRT data sequence number (Config.BySRTSequence)

	client   atomic.Pointer[netip.AddrPort]
	cutUntil atomic.Int64 // ns since start; packets before it are dropped
	stopped  atomic.Int64 // ns since start when Close was called, 0 while running
	ran      atomic.Bool
	done     chan struct{} // closed by Close
	close    sync.Once
	pool     sync.Pool
}

// Listen validates cfg, binds the listen socket and a socket towards
// Upstream, and returns the relay ready to Run. The outage clock starts now.
// The caller must Run or Close it.
func Listen(cfg Config) (*Relay, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.QueueLimit == 0 {
		cfg.QueueLimit = DefaultQueue
	}
	upAddr, err := net.ResolveUDPAddr("udp", cfg.Upstream)
	if err != nil {
		return nil, fmt.Errorf("impair: upstream address %q: %w", cfg.Upstream, err)
	}
	upstream := upAddr.AddrPort()
	upstream = netip.AddrPortFrom(upstream.Addr().Unmap(), upstream.Port())
	if upstream.Port() == 0 || upstream.Addr().IsUnspecified() {
		return nil, &ConfigError{Field: "to", Value: cfg.Upstream, Allowed: "a host and a port 1..65535 to send to"}
	}
	lAddr, err := net.ResolveUDPAddr("udp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("impair: listen address %q: %w", cfg.Listen, err)
	}
	listen, err := net.ListenUDP("udp", lAddr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("impair: listen on %s: %w: stop the program using it or choose another listen port", cfg.Listen, ErrPortInUse)
		}
		return nil, fmt.Errorf("impair: listen on %s: %w", cfg.Listen, err)
	}
	network := "udp6"
	if upstream.Addr().Is4() {
		network = "udp4"
	}
	up, err := net.ListenUDP(network, nil)
	if err != nil {
		_ = listen.Close()
		return nil, fmt.Errorf("impair: open a socket towards %s: %w", upstream, err)
	}
	for _, c := range []*net.UDPConn{listen, up} {
		// Best effort: the kernel caps these at net.core.[rw]mem_max.
		_ = c.SetReadBuffer(socketBuffer)
		_ = c.SetWriteBuffer(socketBuffer)
	}
	r := &Relay{
		cfg:      cfg,
		start:    time.Now(),
		upstream: upstream,
		listen:   listen,
		up:       up,
		done:     make(chan struct{}),
	}
	r.pool.New = func() any { b := make([]byte, pooledBufSize); return &b }
	r.fwd = r.newDirection(Forward, cfg.Forward, listen, up)
	r.rev = r.newDirection(Reverse, cfg.Reverse, up, listen)
	return r, nil
}

func (r *Relay) newDirection(dir Direction, im Impairment, in, out *net.UDPConn) *direction {
	d := &direction{dir: dir, im: im, in: in, out: out, shaper: newShaper(im, r.cfg.Seed, dir)}
	d.shaper.bases = r.bases.forDirection(dir)
	if im.queued() {
		d.queue = newDelayQueue(r.cfg.QueueLimit)
	}
	return d
}

// Addr is the address clients send to (useful when Listen asked for port 0).
func (r *Relay) Addr() netip.AddrPort { return r.listen.LocalAddr().(*net.UDPAddr).AddrPort() }

// Upstream is the resolved address packets are relayed to.
func (r *Relay) Upstream() netip.AddrPort { return r.upstream }

// Seed is the seed of the loss and jitter pattern.
func (r *Relay) Seed() int64 { return r.cfg.Seed }

// since is the relay clock: ns since Listen, monotonic.
func (r *Relay) since() int64 { return int64(time.Since(r.start)) }

// Cut drops every packet in both directions from now for d, as if the
// cable were pulled; it replaces any earlier Cut, so Cut(0) restores the
// path at once. Periodic outages carry on regardless.
func (r *Relay) Cut(d time.Duration) {
	if d <= 0 {
		r.cutUntil.Store(0)
		return
	}
	r.cutUntil.Store(r.since() + int64(d))
}

// Close stops the relay and releases its sockets. It may be called at any
// time, more than once, with or without Run.
func (r *Relay) Close() error {
	r.close.Do(func() {
		r.stopped.Store(max(r.since(), 1))
		close(r.done)
		_ = r.listen.Close()
		_ = r.up.Close()
	})
	return nil
}

// Run relays until ctx is cancelled or Close is called, then closes the
// sockets, discards packets still delayed and returns nil. It returns an
// error only when a socket keeps failing. Run may be called once.
func (r *Relay) Run(ctx context.Context) error {
	if !r.ran.CompareAndSwap(false, true) {
		return ErrClosed
	}
	select {
	case <-r.done:
		return ErrClosed
	default:
	}
	stopWatch := context.AfterFunc(ctx, func() { _ = r.Close() })
	defer stopWatch()

	var readers, writers sync.WaitGroup
	errs := make(chan error, 2)
	for _, d := range []*direction{r.fwd, r.rev} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			if err := r.readLoop(d); err != nil {
				errs <- err
				_ = r.Close()
			}
		}()
		if d.queue != nil {
			writers.Add(1)
			go func() {
				defer writers.Done()
				r.writeLoop(d)
			}()
		}
	}
	readers.Wait()
	_ = r.Close() // wakes the writers if a reader ended on its own
	writers.Wait()
	for _, d := range []*direction{r.fwd, r.rev} {
		if d.queue != nil {
			d.c.discarded.Add(uint64(d.queue.drain(r.release)))
		}
	}
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func (r *Relay) release(b *[]byte) {
	if cap(*b) == pooledBufSize {
		r.pool.Put(b)
	}
}

// readLoop reads one socket until it is closed and decides each packet's
// fate. Undelayed packets are written from here, delayed ones queued.
func (r *Relay) readLoop(d *direction) error {
	buf := make([]byte, maxDatagram)
	failures := 0
	for {
		n, from, err := d.in.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			// ICMP errors and the like: keep going unless it never stops.
			if failures++; failures >= maxReadErrors {
				return fmt.Errorf("impair: read %s packets: %w", d.dir, err)
			}
			continue
		}
		failures = 0
		now := r.since()
		d.c.received.Add(1)

		var dest netip.AddrPort
		if d.dir == Forward {
			dest = r.upstream
			if cur := r.client.Load(); cur == nil || *cur != from {
				c := from // only a new client costs an allocation
				r.client.Store(&c)
			}
		} else if cur := r.client.Load(); cur != nil {
			dest = *cur
		}

		var key uint64
		keyed := false
		if r.cfg.BySRTSequence {
			key, keyed = d.shaper.observeSRT(buf[:n])
		}
		ev := d.shaper.decide(now, n, now < r.cutUntil.Load(), key, keyed)
		ev.Dir, ev.Size = d.dir, n
		if ev.Verdict == Forwarded && d.shaper.dropConclusion(buf[:n]) {
			ev.Verdict = DroppedLoss
		}
		if ev.BurstStart {
			d.c.lossEvents.Add(1)
		}
		if ev.Verdict == Forwarded && !dest.IsValid() {
			ev.Verdict = DroppedNoClient
		}
		if ev.Verdict == Forwarded && d.queue != nil {
			b := r.bufferFor(n)
			copy(*b, buf[:n])
			if !d.queue.push(delayed{at: int64(ev.SendAt), seq: ev.Seq, buf: b, n: n, dest: dest}) {
				r.release(b)
				ev.Verdict = DroppedQueueFull
			}
		}
		switch ev.Verdict {
		case DroppedLoss:
			d.c.droppedLoss.Add(1)
		case DroppedOutage:
			d.c.droppedOutage.Add(1)
		case DroppedQueueFull:
			d.c.droppedQueueFull.Add(1)
		case DroppedNoClient:
			d.c.droppedNoClient.Add(1)
		case DroppedRateLimit:
			d.c.droppedRate.Add(1)
		}
		if r.cfg.Trace != nil {
			r.cfg.Trace(ev)
		}
		if ev.Verdict == Forwarded && d.queue == nil {
			r.write(d, buf[:n], dest)
		}
	}
}

func (r *Relay) bufferFor(n int) *[]byte {
	if n <= pooledBufSize {
		return r.pool.Get().(*[]byte)
	}
	b := make([]byte, n)
	return &b
}

func (r *Relay) write(d *direction, b []byte, dest netip.AddrPort) {
	if _, err := d.out.WriteToUDPAddrPort(b, dest); err != nil {
		d.c.writeErr.Add(1)
		return
	}
	d.c.forwarded.Add(1)
	d.c.forwardedBytes.Add(uint64(len(b)))
}

// writeLoop sends one direction's delayed packets when they are due, with
// one timer armed for the head of the queue.
func (r *Relay) writeLoop(d *direction) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		p, ok, next, wait := d.queue.popDue(r.since())
		if ok {
			r.write(d, (*p.buf)[:p.n], p.dest)
			r.release(p.buf)
			continue
		}
		if wait {
			timer.Reset(time.Duration(next - r.since()))
			select {
			case <-timer.C:
			case <-d.queue.wake:
				timer.Stop()
			case <-r.done:
				return
			}
			continue
		}
		select {
		case <-d.queue.wake:
		case <-r.done:
			return
		}
	}
}

// Stats returns a snapshot of the counters. It is safe to call at any time,
// also after the relay stopped.
func (r *Relay) Stats() Stats {
	el := time.Since(r.start)
	if st := r.stopped.Load(); st > 0 {
		el = time.Duration(st) // the clock stops with the relay
	}
	s := Stats{Elapsed: el, Forward: r.fwd.snapshot(el), Reverse: r.rev.snapshot(el)}
	if c := r.client.Load(); c != nil {
		s.Client = netip.AddrPortFrom(c.Addr().Unmap(), c.Port())
	}
	return s
}

func (d *direction) snapshot(elapsed time.Duration) DirStats {
	s := DirStats{
		Received:         d.c.received.Load(),
		Forwarded:        d.c.forwarded.Load(),
		ForwardedBytes:   d.c.forwardedBytes.Load(),
		DroppedLoss:      d.c.droppedLoss.Load(),
		LossEvents:       d.c.lossEvents.Load(),
		DroppedOutage:    d.c.droppedOutage.Load(),
		OutageWindows:    d.im.outageWindows(elapsed),
		DroppedQueueFull: d.c.droppedQueueFull.Load(),
		DroppedNoClient:  d.c.droppedNoClient.Load(),
		DroppedRateLimit: d.c.droppedRate.Load(),
		WriteErrors:      d.c.writeErr.Load(),
		Discarded:        d.c.discarded.Load(),
	}
	if d.queue != nil {
		s.Queued = uint64(d.queue.len())
	}
	return s
}
