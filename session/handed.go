package session

import (
	"context"
	"fmt"
	"sync"

	srt "github.com/datarhei/gosrt"
)

// handedLoop serves the connections a Port hands to the receiver, one at a
// time, until ctx ends: the listener loop without a listener of its own.
func (r *Receiver) handedLoop(ctx context.Context, wg *sync.WaitGroup) error {
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		r.shutdown()
	}()
	go func() {
		defer wg.Done()
		r.gate.flushLoop(ctx)
	}()
	defer r.dropHanded()
	r.event(EventConnecting, "", "waiting for a caller with streamid %q on UDP port %d", r.cfg.StreamID, r.cfg.Port)
	for {
		select {
		case <-ctx.Done():
			return nil
		case conn := <-r.handed:
			r.serveConn(ctx, conn)
			r.gate.release()
			if ctx.Err() == nil {
				r.setState(StateConnecting)
				r.event(EventConnecting, "", "waiting for the next caller with streamid %q on UDP port %d", r.cfg.StreamID, r.cfg.Port)
			}
		}
	}
}

// hand gives the receiver a connection the Port accepted for it. It
// returns false, leaving conn to the Port, when the receiver is not one
// of a Port's or has stopped.
func (r *Receiver) hand(conn srt.Conn) bool {
	if r.handed == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return false
	}
	select {
	case r.handed <- conn:
		return true
	default:
		// The gate holds at most two connections, so this does not
		// happen; a full queue is refused rather than blocked on.
		return false
	}
}

// dropHanded closes connections handed to a receiver that stopped before
// serving them. It runs after the loop: shutdown first, so that hand
// queues nothing more.
func (r *Receiver) dropHanded() {
	r.shutdown()
	for {
		select {
		case conn := <-r.handed:
			_ = conn.Close() // gosrt's Close always returns nil
			r.gate.release()
		default:
			return
		}
	}
}

// busyWords says why a second publisher of this feed's name is refused.
func (r *Receiver) busyWords() string {
	r.mu.Lock()
	peer := r.peer
	r.mu.Unlock()
	if peer == "" {
		peer = "another caller"
	}
	return fmt.Sprintf("%q is already being published by %s: a second publisher is refused while the first is sending (stop it, or it is replaced once it has sent nothing for %s)",
		r.cfg.StreamID, peer, r.opts.IdleAfter)
}
