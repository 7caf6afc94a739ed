package session

import (
	"context"
	"errors"
	"fmt"
	"net"
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
	// busyWords, when set, words why a second caller is refused while a
	// peer is connected (a feed on a Port names its stream).
	busyWords func() string
	// multi admits any number of callers at once (a listener output's
	// pullers); the peer-busy, half-open and takeover rules are then moot.
	multi bool

	mu   sync.Mutex
	held int // accepted connections not yet released: 0, 1, or 2 during a takeover
	// last is the connection accepted last, for halfOpen.
	last acceptedConn
}

// acceptedConn is a connection the gate admitted, and when.
type acceptedConn struct {
	conn srt.Conn
	host string // the caller's IP address
	at   time.Time
}

// halfOpenAfter is how long an accepted connection may stay without a
// single packet from its caller before a new handshake from the same host
// replaces it. A caller that is connected sends data, ACKs or key material
// within a round trip; one that never heard the listener's answer to its
// conclusion (lost on the way) sends nothing, and handshakes again (libsrt
// repeats the conclusion on the same socket; srtscope and gosrt start a new
// socket every 250 ms, see dialRetrying). 750 ms keeps a connection whose
// caller is just slow to be heard (an RTT up to about 700 ms) from being
// replaced by that same caller's overlapping handshake.
const halfOpenAfter = 750 * time.Millisecond

// halfOpen reports whether the connection accepted last is a half-open
// leftover that a new caller from host may replace: same host, older than
// halfOpenAfter, and not one packet received from its caller.
func (g *listenerGate) halfOpen(host string, now time.Time) (acceptedConn, bool) {
	g.mu.Lock()
	last := g.last
	g.mu.Unlock()
	if last.conn == nil || last.host != host || now.Sub(last.at) < halfOpenAfter {
		return last, false
	}
	var st srt.Statistics
	last.conn.Stats(&st)
	a := st.Accumulated
	return last, a.PktRecv+a.PktRecvACK+a.PktRecvNAK+a.PktRecvKM == 0
}

// hostOf is the IP address of a "host:port" address.
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
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
	return g.admit(req, remote, &claimed), nil
}

// admit applies the one-peer rule to a request that passed the passphrase
// and streamid checks, and accepts it: while a peer is connected, a new
// caller is refused as busy unless the peer has gone silent or is a
// half-open leftover of the same host, which it then replaces. It returns
// nil for a refused request. *claimed is set once the gate is held for the
// request, so that a panic in the SRT library can give it back.
func (g *listenerGate) admit(req srt.ConnRequest, remote string, claimed *bool) srt.Conn {
	takeover, old := false, ""
	var halfOpen acceptedConn
	if !g.claim(false) {
		now := time.Now()
		var silent time.Duration
		last, replace := g.halfOpen(hostOf(remote), now)
		if replace {
			halfOpen, takeover = last, true
		} else if g.silentPeer != nil {
			old, silent, takeover = g.silentPeer()
		}
		if !takeover || !g.claim(true) {
			req.Reject(srt.REJX_CONFLICT)
			words := "another caller is already connected (peer busy)"
			if g.busyWords != nil {
				words = g.busyWords()
			}
			g.reject(remote, srt.REJX_CONFLICT, words)
			return nil
		}
		if replace {
			g.hub.publishEvent(Event{Time: now, Kind: EventConnecting, Remote: remote, Detail: fmt.Sprintf(
				"caller %s takes the place of %s, which has sent nothing for %.1f s since it was accepted: a half-open handshake from the same host (our answer to it was lost on the way)",
				remote, halfOpen.conn.RemoteAddr(), now.Sub(halfOpen.at).Seconds())})
		} else {
			g.hub.publishEvent(Event{Time: now, Kind: EventConnecting, Remote: remote, Detail: fmt.Sprintf(
				"caller %s takes the place of %s, which has sent nothing for %.1f s", remote, old, silent.Seconds())})
		}
	}
	*claimed = true
	conn, err := req.Accept()
	if err != nil {
		g.release()
		g.hub.publishEvent(Event{Time: time.Now(), Kind: EventError, Detail: fmt.Sprintf("accepting caller %s failed: %v", remote, err), Remote: remote})
		return nil
	}
	g.mu.Lock()
	g.last = acceptedConn{conn: conn, host: hostOf(remote), at: time.Now()}
	g.mu.Unlock()
	switch {
	case takeover && g.evict != nil:
		g.evict(remote)
	case halfOpen.conn != nil:
		// Closing it ends its owner's serveConn, which releases the gate.
		_ = halfOpen.conn.Close()
	}
	return conn
}

// claim takes the gate for a new connection: when it is free, or with
// takeover when exactly one connection holds it (which is then evicted).
func (g *listenerGate) claim(takeover bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.multi || g.held == 0 || (takeover && g.held == 1) {
		g.held++
		return true
	}
	return false
}

// reject publishes a rate-limited rejection event.
func (g *listenerGate) reject(remote string, code srt.RejectionReason, words string) {
	g.rejectFor(remote, code, words, g.cfg.Passphrase != "")
}

// rejectFor is reject when the passphrase the caller was checked against
// is not the gate's own (a Port's router names one per caller).
func (g *listenerGate) rejectFor(remote string, code srt.RejectionReason, words string, havePassphrase bool) {
	g.rejects.publish(g.hub, Event{Kind: EventRejected, Remote: remote, Code: uint32(code),
		Err: ExplainReject(uint32(code), havePassphrase), Detail: fmt.Sprintf("rejected caller %s: %s (%s)", remote, words, RejectCodeName(uint32(code)))})
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
