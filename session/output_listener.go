package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	srt "github.com/datarhei/gosrt"
)

// ListenerOutput lets decoders, vMix, OBS or ffmpeg pull the feed: it
// listens on the URL's port and sends to every caller it admits (the
// passphrase and streamid rules of a listening session apply), each a
// puller with its own bounded queue, goroutine and sender statistics, so a
// slow puller skips on its own and never holds up the others. AddPuller
// takes a connection someone else accepted (a port that routes callers by
// streamid).
type ListenerOutput struct {
	outputBase
	gate    *listenerGate
	pullers atomic.Pointer[[]*puller] // copy on write, under mu

	mu      sync.Mutex
	runCtx  context.Context // nil unless Run is serving
	wg      sync.WaitGroup  // the pullers' goroutines
	ln      srt.Listener
	gone    sendTotals // pullers that left
	goneB   uint64     // their payload bytes
	joined  int
	lastErr error

	// socketless: a pull point (NewPullPoint) that has no socket of its
	// own and serves only the connections AddPuller hands it.
	socketless bool
}

// puller is one connection pulling from a ListenerOutput; its goroutine
// owns conn.
type puller struct {
	conn      srt.Conn
	peer      string
	since     time.Time
	q         *outQueue
	bytesSent atomic.Uint64
	// gate holds back the puller's start (OutputOptions.PullerGate) until
	// it has started; Write's goroutine only, once the puller is listed.
	gate func(dst, p []byte) ([]byte, bool)

	mu   sync.Mutex
	book sendBook
}

func newListenerOutput(cfg OutputConfig, opts OutputOptions) *ListenerOutput {
	o := &ListenerOutput{}
	o.init(cfg, opts)
	o.gate = newListenerGate(cfg.SRT.withDefaults(), o.hub)
	o.gate.multi = true
	empty := []*puller{}
	o.pullers.Store(&empty)
	return o
}

// NewPullPoint returns a listener output without a socket of its own: a
// feed's pull point on a port that routes callers by streamid. Run opens
// nothing; it serves the connections the port accepts and hands over with
// AddPuller (callers with m=request), each a puller as on a listener
// output, until its context ends. name is how its rows and events name it
// (e.g. "srt://:9000 r=cam1"); cfg's SRT settings are those of the port.
func NewPullPoint(name string, srtCfg Config, opts OutputOptions) *ListenerOutput {
	if opts.QueuePackets <= 0 {
		opts.QueuePackets = DefaultOutputQueuePackets
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	o := newListenerOutput(OutputConfig{Kind: OutputSRTListener, SRT: srtCfg}, opts)
	o.url, o.socketless = name, true
	return o
}

// Write implements Output: every puller's queue gets the same copy.
func (o *ListenerOutput) Write(p []byte) (int, error) {
	ps := *o.pullers.Load()
	if len(ps) == 0 {
		return len(p), nil // nobody pulls: nothing to skip
	}
	var cp []byte
	for _, pl := range ps {
		if pl.gate != nil {
			out, started := pl.gate(nil, p)
			if started {
				pl.gate = nil
			}
			for len(out) > 0 { // SRT messages of at most 7 TS packets
				n := min(len(out), maxPayload)
				pl.q.put(out[:n:n])
				out = out[n:]
			}
			continue
		}
		if cp == nil {
			cp = clonePayload(p)
		}
		pl.q.put(cp)
	}
	return len(p), nil
}

// maxPayload is the largest SRT message a puller is sent: 7 TS packets,
// as live encoders send them.
const maxPayload = 1316

// Addr is the UDP address the output listens on, nil before it does.
func (o *ListenerOutput) Addr() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ln == nil {
		return ""
	}
	return o.ln.Addr().String()
}

// Run listens and serves pullers until ctx ends (nil) or listening fails
// (the reason, a *ConnectError).
func (o *ListenerOutput) Run(ctx context.Context) error {
	if !o.started.CompareAndSwap(false, true) {
		return errors.New("session: ListenerOutput.Run called twice")
	}
	defer o.hub.close()
	if o.socketless {
		return o.runSocketless(ctx)
	}
	cfg := o.cfg.SRT.withDefaults()
	ln, err := listenSRT(cfg)
	if err != nil {
		var ce *ConnectError
		if !errors.As(err, &ce) {
			ce = &ConnectError{Kind: ErrPortInUse, Err: err, Detail: err.Error()}
		}
		o.mu.Lock()
		o.lastErr = ce
		o.mu.Unlock()
		o.hub.publishEvent(failureEvent(EventError, ce))
		return ce
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	o.mu.Lock()
	o.ln, o.runCtx = ln, ctx
	o.mu.Unlock()
	o.event(EventConnecting, "", "listening on UDP %s: decoders can pull from %s", ln.Addr(), o.url)

	accepted := make(chan srt.Conn)
	acceptErr := make(chan error, 1)
	wg.Add(3)
	go func() {
		defer wg.Done()
		acceptErr <- o.gate.acceptLoop(ctx, ln, accepted)
	}()
	go func() {
		defer wg.Done()
		o.gate.flushLoop(ctx)
	}()
	go func() {
		defer wg.Done()
		o.sampleLoop(ctx)
	}()
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-acceptErr:
			if ctx.Err() == nil {
				ce := &ConnectError{Kind: ErrPortInUse, Err: err, Detail: fmt.Sprintf("listening on %s stopped: %v", cfg.Address(), err)}
				o.hub.publishEvent(failureEvent(EventError, ce))
				runErr = ce
			}
			break loop
		case conn := <-accepted:
			if err := o.AddPuller(conn); err != nil {
				o.gate.release()
			}
		}
	}
	cancel()
	ln.Close()
	o.mu.Lock()
	o.runCtx = nil
	o.mu.Unlock()
	o.wg.Wait()
	wg.Wait()
	return runErr
}

// runSocketless serves the pullers AddPuller hands over until ctx ends.
func (o *ListenerOutput) runSocketless(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	o.mu.Lock()
	o.runCtx = ctx
	o.mu.Unlock()
	o.sampleLoop(ctx)
	o.mu.Lock()
	o.runCtx = nil
	o.mu.Unlock()
	o.wg.Wait()
	return nil
}

// AddPuller starts sending the feed to conn, a connection to a caller that
// wants to receive, accepted here or elsewhere; the output then owns conn
// and closes it when the puller leaves or the output stops. It fails (and
// closes conn) when the output is not running.
func (o *ListenerOutput) AddPuller(conn srt.Conn) error {
	o.mu.Lock()
	ctx := o.runCtx
	if ctx == nil || ctx.Err() != nil {
		o.mu.Unlock()
		_ = conn.Close()
		return errors.New("session: the listener output is not running: the puller's connection was closed")
	}
	p := &puller{conn: conn, peer: conn.RemoteAddr().String(), since: time.Now(), q: newOutQueue(o.opts.QueuePackets, &o.skipped), book: newSendBook()}
	if o.opts.PullerGate != nil {
		p.gate = o.opts.PullerGate()
	}
	p.book.connected(p.peer)
	ps := append(slices.Clone(*o.pullers.Load()), p)
	o.pullers.Store(&ps)
	o.joined++
	n := len(ps)
	o.wg.Add(1)
	o.mu.Unlock()
	o.event(EventPullerJoined, p.peer, "%s started pulling (streamid %q); %d pulling now", p.peer, conn.StreamId(), n)
	go func() {
		defer o.wg.Done()
		o.servePuller(ctx, p)
	}()
	return nil
}

// servePuller sends to one puller until it leaves or the output stops.
func (o *ListenerOutput) servePuller(ctx context.Context, p *puller) {
	meter := new(sendMeter)
	update := func(t sendTotals, g sendGauges) {
		p.mu.Lock()
		p.book.update(t, g)
		p.mu.Unlock()
	}
	err := pump(ctx, p.conn, p.q, meter, &p.bytesSent, update)
	update(meter.read(p.conn, time.Now()))
	_ = p.conn.Close()
	o.gate.release()
	o.mu.Lock()
	ps := slices.DeleteFunc(slices.Clone(*o.pullers.Load()), func(x *puller) bool { return x == p })
	o.pullers.Store(&ps)
	p.mu.Lock()
	o.gone = o.gone.plus(p.book.cur)
	p.mu.Unlock()
	o.goneB += p.bytesSent.Load()
	n := len(ps)
	o.mu.Unlock()
	p.q.discard()
	why := "the output stopped"
	if ctx.Err() == nil {
		why = fmt.Sprintf("the connection closed (%v)", err)
	}
	o.event(EventPullerLeft, p.peer, "%s stopped pulling after %.0f s: %s; %d pulling now", p.peer, time.Since(p.since).Seconds(), why, n)
}

// sampleLoop measures every puller's send rate and watches for skipping.
func (o *ListenerOutput) sampleLoop(ctx context.Context) {
	t := time.NewTicker(o.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, p := range *o.pullers.Load() {
				p.mu.Lock()
				p.book.rate(now)
				p.mu.Unlock()
			}
			o.checkSkips("a puller is slower than the input")
		}
	}
}

// Snapshot implements Output: one row per puller, and the sums.
func (o *ListenerOutput) Snapshot() OutputSample {
	now := time.Now()
	o.mu.Lock()
	ps := *o.pullers.Load()
	gone, goneB, listening, lastErr := o.gone, o.goneB, (o.ln != nil || o.socketless) && o.runCtx != nil, o.lastErr
	connects := o.joined
	o.mu.Unlock()
	s := OutputSample{URL: o.url, Kind: o.cfg.Kind, SkippedBytes: o.skipped.Load()}
	total, bytes := gone, goneB
	var mbps float64
	for _, p := range ps {
		p.mu.Lock()
		row := OutputSample{URL: o.url, Kind: o.cfg.Kind, SenderSample: p.book.sample(now, p.bytesSent.Load()), SkippedBytes: p.q.skipped.Load()}
		total = total.plus(p.book.cur)
		p.mu.Unlock()
		bytes += row.BytesSent
		mbps += row.SendMbps
		s.Pullers = append(s.Pullers, row)
	}
	s.Time = now
	switch {
	case len(ps) > 0:
		s.State = StateConnected
	case listening:
		s.State = StateConnecting
	default:
		s.State = StateDisconnected
	}
	s.PktsSent, s.PktsUniqueSent, s.PktsRetransSent = total.sent, total.unique, total.retrans
	s.NaksRecv, s.PktsSendDropped = total.naks, total.dropped
	s.BytesSent, s.SendMbps, s.Connects = bytes, mbps, connects
	if lastErr != nil {
		s.LastError = errorWords(lastErr)
	}
	return s
}
