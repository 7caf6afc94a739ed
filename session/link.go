package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	srt "github.com/datarhei/gosrt"
)

// linkConns holds the connection and listener of a Receiver or Sender. Its
// mu also guards the owner's other fields: closing under it is what
// unblocks gosrt's reads and accepts when the owner stops.
type linkConns struct {
	mu       sync.Mutex
	current  srt.Conn
	listener srt.Listener
	stopped  bool
}

// shutdown marks the owner stopped and closes what it has open.
func (c *linkConns) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.current != nil {
		_ = c.current.Close()
	}
	if c.listener != nil {
		c.listener.Close()
	}
}

// adoptListener keeps ln for shutdown; when the owner has stopped already
// it closes ln and returns false.
func (c *linkConns) adoptListener(ln srt.Listener) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		ln.Close()
		return false
	}
	c.listener = ln
	return true
}

// linkOwner is what a Receiver or a Sender does at each step of runLink.
type linkOwner interface {
	event(kind EventKind, remote, format string, a ...any)
	publish(e Event)
	fail(kind EventKind, ce *ConnectError)
	setState(State)
	shutdown()
	adoptListener(ln srt.Listener) bool
	// listening is called once the listener is up.
	listening(ln srt.Listener)
	// serveConn uses one connection until it drops or ctx ends; finished
	// ends the link (a sender at the end of its input).
	serveConn(ctx context.Context, conn srt.Conn) (finished bool)
}

// runLink is the connection side that Receiver and Sender share. A caller
// dials, repeating its handshake every 250 ms within the connect timeout
// (dialRetrying), and after a failure or a drop dials again with backoff
// (0.5 s doubling to 5 s); a listener accepts one peer at a time through gate and
// keeps listening after it leaves. Every step is an event. It returns when
// ctx ends (nil), when serveConn says finished (nil), or when listening
// fails (the reason). Goroutines it starts are counted in wg.
func runLink(ctx context.Context, wg *sync.WaitGroup, cfg Config, gate *listenerGate, o linkOwner) error {
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		o.shutdown()
	}()
	if cfg.Mode == ModeListener {
		return listenLoop(ctx, wg, cfg, gate, o)
	}
	callLoop(ctx, cfg, o)
	return nil
}

func callLoop(ctx context.Context, cfg Config, o linkOwner) {
	backoff := minBackoff
	for attempt := 1; ctx.Err() == nil; attempt++ {
		o.setState(StateConnecting)
		o.publish(Event{Time: time.Now(), Kind: EventConnecting, Remote: cfg.Address(), Attempt: attempt,
			Detail: fmt.Sprintf("calling %s (attempt %d)", cfg.Address(), attempt)})
		conn, hs, err := dialRetrying(ctx, cfg)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			ce := explainHandshakeError(err, cfg, attempt, hs)
			kind := EventError
			if ce.Code != 0 {
				kind = EventRejected
			}
			o.fail(kind, ce)
			o.setState(StateDisconnected)
			if !waitBackoff(ctx, backoff) {
				return
			}
			backoff = nextBackoff(backoff)
			continue
		}
		o.publish(Event{Time: time.Now(), Kind: EventConnecting, Remote: cfg.Address(), Attempt: attempt,
			Count: hs.Tries, ConnectMs: durationMs(hs.Took), handshake: true,
			Detail: fmt.Sprintf("%s answered %s (attempt %d)", cfg.Address(), hs.words(), attempt)})
		backoff, attempt = minBackoff, 0
		if o.serveConn(ctx, conn) {
			return
		}
		if ctx.Err() == nil && !waitBackoff(ctx, minBackoff) {
			return
		}
	}
}

func listenLoop(ctx context.Context, wg *sync.WaitGroup, cfg Config, gate *listenerGate, o linkOwner) error {
	ln, err := listenSRT(cfg)
	if err != nil {
		var ce *ConnectError
		if !errors.As(err, &ce) {
			ce = &ConnectError{Kind: ErrPortInUse, Err: err, Detail: err.Error()}
		}
		o.fail(EventError, ce)
		return ce
	}
	if !o.adoptListener(ln) {
		return nil
	}
	o.listening(ln) // first: a receiver's tap then names the public port below
	o.event(EventConnecting, "", "listening on UDP %s, waiting for a caller", ln.Addr())

	accepted := make(chan srt.Conn)
	acceptErr := make(chan error, 1)
	wg.Add(2)
	go func() {
		defer wg.Done()
		acceptErr <- gate.acceptLoop(ctx, ln, accepted)
	}()
	go func() {
		defer wg.Done()
		gate.flushLoop(ctx)
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-acceptErr:
			if ctx.Err() != nil {
				return nil
			}
			ce := &ConnectError{Kind: ErrPortInUse, Err: err, Detail: fmt.Sprintf("listening on %s stopped: %v", cfg.Address(), err)}
			o.fail(EventError, ce)
			return ce
		case conn := <-accepted:
			finished := o.serveConn(ctx, conn)
			gate.release()
			if finished {
				return nil
			}
			if ctx.Err() == nil {
				o.setState(StateConnecting)
				o.event(EventConnecting, "", "listening on UDP %s, waiting for the next caller", ln.Addr())
			}
		}
	}
}
