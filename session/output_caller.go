package session

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	srt "github.com/datarhei/gosrt"
)

// CallerOutput sends the feed to an SRT listener (a studio or cloud
// ingest) with its own latency, passphrase and streamid. It dials with the
// session's handshake resend and reconnects with backoff (0.5 s doubling
// to 5 s) on its own; while it is not connected what it is given is skipped.
// One goroutine (Run's) owns the connection.
type CallerOutput struct {
	outputBase
	q         *outQueue
	connected atomic.Bool
	bytesSent atomic.Uint64

	linkConns // its mu also guards the fields below
	book      sendBook
	attempt   int
	lastErr   error
}

func newCallerOutput(cfg OutputConfig, opts OutputOptions) *CallerOutput {
	o := &CallerOutput{book: newSendBook()}
	o.init(cfg, opts)
	o.q = newOutQueue(opts.QueuePackets, &o.skipped)
	return o
}

// Write implements Output: it never blocks.
func (o *CallerOutput) Write(p []byte) (int, error) {
	if !o.connected.Load() {
		o.skipped.Add(uint64(len(p)))
		return len(p), nil
	}
	o.q.put(clonePayload(p))
	return len(p), nil
}

// Run calls and sends until ctx ends; it returns nil then.
func (o *CallerOutput) Run(ctx context.Context) error {
	if !o.started.CompareAndSwap(false, true) {
		return errors.New("session: CallerOutput.Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		o.hub.close()
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		o.sampleLoop(ctx)
	}()
	return runLink(ctx, &wg, o.cfg.SRT, nil, o)
}

// sampleLoop measures the send rate and watches for skipping.
func (o *CallerOutput) sampleLoop(ctx context.Context) {
	t := time.NewTicker(o.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			o.mu.Lock()
			o.book.rate(now)
			o.mu.Unlock()
			why := "the destination is slower than the input"
			if !o.connected.Load() {
				why = "not connected to " + o.cfg.SRT.Address()
			}
			o.checkSkips(why)
		}
	}
}

// Snapshot implements Output.
func (o *CallerOutput) Snapshot() OutputSample {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := OutputSample{URL: o.url, Kind: o.cfg.Kind, SenderSample: o.book.sample(time.Now(), o.bytesSent.Load()),
		SkippedBytes: o.skipped.Load()}
	if s.State != StateConnected {
		s.Attempt = o.attempt
	}
	if o.lastErr != nil {
		s.LastError = errorWords(o.lastErr)
	}
	return s
}

// publish implements linkOwner, noting the attempt under way.
func (o *CallerOutput) publish(e Event) {
	if e.Kind == EventConnecting && e.Attempt > 0 {
		o.mu.Lock()
		o.attempt = e.Attempt
		o.mu.Unlock()
	}
	o.hub.publishEvent(e)
}

// fail implements linkOwner.
func (o *CallerOutput) fail(kind EventKind, ce *ConnectError) {
	o.mu.Lock()
	o.lastErr = ce
	o.mu.Unlock()
	o.hub.publishEvent(failureEvent(kind, ce))
}

// setState implements linkOwner.
func (o *CallerOutput) setState(s State) {
	o.mu.Lock()
	o.book.setState(s)
	o.mu.Unlock()
}

// listening implements linkOwner; a caller never listens.
func (o *CallerOutput) listening(srt.Listener) {}

// serveConn implements linkOwner: it forwards until the connection drops.
func (o *CallerOutput) serveConn(ctx context.Context, conn srt.Conn) bool {
	o.mu.Lock()
	if o.stopped {
		o.mu.Unlock()
		_ = conn.Close()
		return false
	}
	o.current = conn
	peer := conn.RemoteAddr().String()
	o.book.connected(peer)
	o.lastErr = nil
	o.mu.Unlock()
	o.event(EventConnected, peer, "connected to %s, forwarding", peer)
	o.q.discard()
	o.connected.Store(true)
	meter := new(sendMeter)
	update := func(t sendTotals, g sendGauges) {
		o.mu.Lock()
		o.book.update(t, g)
		o.mu.Unlock()
	}
	err := pump(ctx, conn, o.q, meter, &o.bytesSent, update)
	o.connected.Store(false)
	update(meter.read(conn, time.Now()))
	_ = conn.Close()
	o.mu.Lock()
	o.current = nil
	o.book.disconnected()
	o.mu.Unlock()
	switch {
	case ctx.Err() != nil:
		o.event(EventDisconnected, peer, "disconnected from %s: output stopped", peer)
	default:
		o.event(EventDisconnected, peer, "disconnected from %s: the connection closed (%v); calling again", peer, err)
	}
	return false
}
