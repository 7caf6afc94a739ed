package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	srt "github.com/datarhei/gosrt"
)

// Rate limits of a listener's rejection events: a flood of callers shows
// up as a few events and a count per window.
const (
	rejectWindow = 10 * time.Second
	rejectBurst  = 5
)

// listenerGate is the admission side of a listening session (Receiver or
// Sender): the policy, whether a peer is connected, and the rate-limited
// events about callers it refused and datagrams it could not parse.
type listenerGate struct {
	cfg       Config
	hub       *hub
	rejects   rejectLimiter // callers refused, with address and reason
	malformed rejectLimiter // handshakes the SRT library could not parse

	// silentPeer, when set, says whether the connected peer has sent nothing
	// for a while and since when, and evict closes its connection. A new
	// caller then takes its place instead of being told the peer is busy: a
	// publisher that vanished without a goodbye, or whose caller gave up on
	// a handshake whose answer was lost (half-open), would otherwise block
	// the port until the idle timeout.
	silentPeer func() (peer string, silent time.Duration, ok bool)
	evict      func(by string)

	mu   sync.Mutex
	held int // accepted connections not yet released: 0, 1, or 2 during a takeover
}

func newListenerGate(cfg Config, h *hub) *listenerGate {
	g := &listenerGate{cfg: cfg, hub: h}
	g.rejects = rejectLimiter{window: rejectWindow, burst: rejectBurst, summarize: func(n int, w time.Duration, last Event) string {
		return fmt.Sprintf("rejected %d more callers within %s, not shown one by one; the last: %s", n, w, last.Detail)
	}}
	g.malformed = rejectLimiter{window: rejectWindow, burst: rejectBurst, summarize: func(n int, w time.Duration, _ Event) string {
		return fmt.Sprintf("ignored %d more malformed SRT handshakes within %s", n, w)
	}}
	return g
}

// malformedHandshakeError is a handshake datagram the SRT library failed on.
type malformedHandshakeError struct{ reason string }

func (e *malformedHandshakeError) Error() string {
	return "session: malformed SRT handshake: " + e.reason
}

// Unwrap makes errors.Is(err, ErrMalformedHandshake) hold.
func (e *malformedHandshakeError) Unwrap() error { return ErrMalformedHandshake }

// acceptLoop accepts handshake requests on ln until it closes, applies the
// listener policy and hands accepted connections to accepted. While a peer
// is connected, further callers are rejected as "peer busy", unless the
// peer has gone silent (see silentPeer).
func (g *listenerGate) acceptLoop(ctx context.Context, ln srt.Listener, accepted chan<- srt.Conn) error {
	for {
		conn, err := g.acceptOne(ln)
		var bad *malformedHandshakeError
		switch {
		case errors.As(err, &bad):
			g.malformed.publish(g.hub, Event{Kind: EventRejected, Err: err, Detail: fmt.Sprintf(
				"ignored a malformed SRT handshake sent to UDP port %d (the SRT library could not parse it: %s): something other than an SRT caller is sending to this port",
				g.cfg.Port, bad.reason)})
			continue
		case err != nil:
			return err
		case conn == nil:
			continue
		}
		select {
		case accepted <- conn:
		case <-ctx.Done():
			_ = conn.Close()
			return nil
		}
	}
}

// acceptOne waits for the next handshake request and admits or rejects it;
// it returns a nil conn for a rejected request.
//
// gosrt v0.11.0 parses the handshake inside Accept2, on this goroutine, and
// its parser indexes past the end of a conclusion handshake whose extension
// header is cut short: a single 65-byte datagram from anybody would end the
// program. The parser holds no lock and has changed no listener state when
// it fails, so the panic is recovered here and reported as a malformed
// handshake; the listener carries on.
func (g *listenerGate) acceptOne(ln srt.Listener) (conn srt.Conn, err error) {
	claimed := false
	defer func() {
		if p := recover(); p != nil {
			if claimed {
				g.release()
			}
			conn, err = nil, &malformedHandshakeError{reason: fmt.Sprint(p)}
		}
	}()
	req, err := ln.Accept2()
	if err != nil {
		return nil, err
	}
	remote := req.RemoteAddr().String()
	if code, words := checkRequest(req, g.cfg); code != 0 {
		req.Reject(code)
		g.reject(remote, code, words)
		return nil, nil
	}
	takeover, old := false, ""
	if !g.claim(false) {
		var silent time.Duration
		if g.silentPeer != nil {
			old, silent, takeover = g.silentPeer()
		}
		if !takeover || !g.claim(true) {
			req.Reject(srt.REJX_CONFLICT)
			g.reject(remote, srt.REJX_CONFLICT, "another caller is already connected (peer busy)")
			return nil, nil
		}
		g.hub.publishEvent(Event{Time: time.Now(), Kind: EventConnecting, Remote: remote, Detail: fmt.Sprintf(
			"caller %s takes the place of %s, which has sent nothing for %.1f s", remote, old, silent.Seconds())})
	}
	claimed = true
	conn, err = req.Accept()
	if err != nil {
		g.release()
		g.hub.publishEvent(Event{Time: time.Now(), Kind: EventError, Detail: fmt.Sprintf("accepting caller %s failed: %v", remote, err), Remote: remote})
		return nil, nil
	}
	if takeover {
		g.evict(remote)
	}
	return conn, nil
}

// claim takes the gate for a new connection: when it is free, or with
// takeover when exactly one connection holds it (which is then evicted).
func (g *listenerGate) claim(takeover bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held == 0 || (takeover && g.held == 1) {
		g.held++
		return true
	}
	return false
}

// reject publishes a rate-limited rejection event.
func (g *listenerGate) reject(remote string, code srt.RejectionReason, words string) {
	g.rejects.publish(g.hub, Event{Kind: EventRejected, Remote: remote, Code: uint32(code),
		Err: ExplainReject(uint32(code), g.cfg.Passphrase != ""), Detail: fmt.Sprintf("rejected caller %s: %s (%s)", remote, words, RejectCodeName(uint32(code)))})
}

// release gives back what one accepted connection held, when it ends.
func (g *listenerGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held > 0 {
		g.held--
	}
}

// rejections is how many callers were refused in all.
func (g *listenerGate) rejections() int { return g.rejects.count() }

// flushLoop publishes the counts of suppressed events once their window is
// over, checking every second, and whatever is left when ctx ends.
func (g *listenerGate) flushLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			now := time.Now()
			g.rejects.flushAll(g.hub, now)
			g.malformed.flushAll(g.hub, now)
			return
		case now := <-t.C:
			g.rejects.flush(g.hub, now)
			g.malformed.flush(g.hub, now)
		}
	}
}
