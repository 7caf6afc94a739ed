package session

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	srt "github.com/datarhei/gosrt"
)

// Modes of a caller on a Port, from the m= key of its streamid.
const (
	PortPublish = "publish" // the caller sends the feed
	PortRequest = "request" // the caller wants to pull the feed
)

// PortCaller is a caller's handshake as a Port's router sees it.
type PortCaller struct {
	Remote    string // the caller's address, ip:port
	StreamID  string // the streamid as sent
	Name      string // the stream name: r= of the access-control form, or the plain streamid
	Mode      string // PortPublish or PortRequest
	User      string // u= of the access-control form, "" otherwise
	Encrypted bool   // the caller sent a passphrase
}

// PortRoute is a router's decision about one caller: exactly one of
// Reject, Feed or Pull is set.
type PortRoute struct {
	// Reject refuses the caller with this SRT reject code (RejectNotFound
	// for an unknown name, ...); Reason says why in words, for the event.
	Reject uint32
	Reason string
	// Passphrase is what the caller must have sent ("" = none) when it is
	// accepted, for Feed or Pull. It is never printed.
	Passphrase string
	// Feed is the receiver (made with ReceiverOptions.Handed) that gets a
	// publisher's connection; its own rules refuse a second publisher.
	Feed *Receiver
	// Pull takes a puller's accepted connection and owns it from then on.
	Pull PullHandler
}

// PullHandler takes the accepted connection of a caller that pulls a feed
// (m=request), for example an SRT listener output adding a puller; it owns
// the connection from then on and must not block the Port for long.
type PullHandler func(conn SRTConn)

// SRTConn is an accepted SRT connection (gosrt's Conn), as a PullHandler
// gets it: packages above session name it without importing gosrt.
type SRTConn = srt.Conn

// Reject codes a PortRouter answers with most (libsrt's names).
const (
	RejectNotFound  = uint32(srt.REJX_NOTFOUND)  // 1404: no such stream name here
	RejectForbidden = uint32(srt.REJX_FORBIDDEN) // 1403: the name exists, this caller may not use it
	RejectBadMode   = uint32(srt.REJX_BAD_MODE)  // 1405: the name does not serve this m=
	RejectOverload  = uint32(srt.REJX_OVERLOAD)  // 1402: no room for another feed
)

// PortRouter decides what happens to each caller of a Port. Route is
// called on the Port's accepting goroutine, one caller at a time: it must
// answer quickly and must not call back into the Port.
type PortRouter interface {
	Route(c PortCaller) PortRoute
}

// PortRouterFunc adapts a function to PortRouter.
type PortRouterFunc func(c PortCaller) PortRoute

// Route implements PortRouter.
func (f PortRouterFunc) Route(c PortCaller) PortRoute { return f(c) }

// PortStreamName reads the stream name and mode out of a streamid: the
// access-control form "#!::r=NAME,m=publish" gives r and m (m missing
// means request, as in libsrt), a plain streamid is the name of a
// publisher. It returns a *FieldError for an empty streamid, an
// access-control streamid that does not parse or has no r=, and the mode
// bidirectional, which a port does not serve.
func PortStreamName(streamid string) (name, mode string, err error) {
	if streamid == "" {
		return "", "", &FieldError{Field: "streamid", Value: `""`, Allowed: `a stream name, e.g. "cam1" or "#!::r=cam1,m=publish"`}
	}
	if !IsAccessControl(streamid) {
		if len(streamid) > MaxStreamIDLen {
			return "", "", &FieldError{Field: "streamid", Value: fmt.Sprintf("(%d bytes)", len(streamid)), Allowed: fmt.Sprintf("at most %d bytes", MaxStreamIDLen)}
		}
		return streamid, PortPublish, nil
	}
	ac, err := ParseStreamID(streamid)
	if err != nil {
		return "", "", err
	}
	if ac.Resource == "" {
		return "", "", &FieldError{Field: "streamid r", Value: strconv.Quote(truncate(streamid, 60)), Allowed: "a stream name in r=, e.g. #!::r=cam1,m=publish"}
	}
	switch ac.Mode {
	case "publish":
		return ac.Resource, PortPublish, nil
	case "", "request":
		return ac.Resource, PortRequest, nil
	default:
		return "", "", &FieldError{Field: "streamid m", Value: strconv.Quote(ac.Mode), Allowed: "publish or request on a port shared by many feeds"}
	}
}

// Port listens on one UDP port for many feeds: it reads each caller's
// streamid, asks its router what to do, checks the passphrase the router
// names, and hands a publisher's connection to that feed's Receiver (made
// with ReceiverOptions.Handed), a puller's to the router's Pull. Unknown
// names and bad streamids are refused here with rate-limited events, so a
// handshake flood costs neither memory nor one event per handshake. One
// goroutine (Run's) accepts; each Receiver owns its connections.
type Port struct {
	cfg    Config
	router PortRouter
	hub    *hub

	rejects   rejectLimiter // callers refused by the port itself
	malformed rejectLimiter // handshakes the SRT library could not parse

	started atomic.Bool
	mu      sync.Mutex
	ln      srt.Listener
	stopped bool
}

// NewPort validates cfg (a listener: its host, port and latency; a
// passphrase there is ignored, the router names one per caller) and
// returns a Port ready to Run.
func NewPort(cfg Config, router PortRouter) (*Port, error) {
	if router == nil {
		return nil, errors.New("session: NewPort needs a router")
	}
	if cfg.Mode != ModeListener {
		return nil, &FieldError{Field: "mode", Value: strconv.Quote(string(cfg.Mode)), Allowed: "listener for a port shared by many feeds (srt://:PORT)"}
	}
	cfg.Passphrase, cfg.StreamID, cfg.AllowedStreamIDs = "", "", nil
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Port{cfg: cfg.withDefaults(), router: router, hub: newHub()}
	p.rejects = rejectLimiter{window: rejectWindow, burst: rejectBurst, summarize: func(n int, w time.Duration, last Event) string {
		return fmt.Sprintf("rejected %d more callers within %s, not shown one by one; the last: %s", n, w, last.Detail)
	}}
	p.malformed = rejectLimiter{window: rejectWindow, burst: rejectBurst, summarize: func(n int, w time.Duration, _ Event) string {
		return fmt.Sprintf("ignored %d more malformed SRT handshakes within %s", n, w)
	}}
	return p, nil
}

// Subscribe returns a subscription to the port's own events: listening,
// callers refused before any feed took them, malformed handshakes. Its
// Samples channel stays empty. Subscribe before Run to see every event.
func (p *Port) Subscribe(eventBuf int) *Subscription { return p.hub.subscribe(1, eventBuf) }

// Events returns the port's events so far.
func (p *Port) Events() []Event { return p.hub.events() }

// Rejections is how many callers the port itself refused (a feed counts
// its own: a wrong passphrase, a second publisher).
func (p *Port) Rejections() int { return p.rejects.count() }

// Config returns the port's configuration.
func (p *Port) Config() Config { return p.cfg }

// Run listens and routes callers until ctx ends (nil) or listening fails
// (a *ConnectError); it closes every subscription when it returns.
func (p *Port) Run(ctx context.Context) error {
	if !p.started.CompareAndSwap(false, true) {
		return errors.New("session: Port.Run called twice")
	}
	defer p.hub.close()
	ln, err := listenSRT(p.cfg)
	if err != nil {
		var ce *ConnectError
		if !errors.As(err, &ce) {
			ce = &ConnectError{Kind: ErrPortInUse, Err: err, Detail: err.Error()}
		}
		p.hub.publishEvent(failureEvent(EventError, ce))
		return ce
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		ln.Close()
		return nil
	}
	p.ln = ln
	p.mu.Unlock()
	p.event(EventConnecting, "", "", "listening on UDP %s for many feeds, routing callers by streamid", ln.Addr())
	if got, err := raiseReceiveBuffer(ln.Addr(), nil, udpReceiveBuffer); err != nil {
		p.event(EventWarning, "", "", "could not enlarge the UDP receive buffer (%v): at high bitrates the system may drop packets before SRT sees them", err)
	} else if got < minReceiveBuffer {
		p.event(EventWarning, "", "", "the system limits the UDP receive buffer to %d KB (net.core.rmem_max), shared by every feed on this port: at high bitrates it may drop packets before SRT sees them; raise the limit, e.g. sudo sysctl -w net.core.rmem_max=%d", got/1024, udpReceiveBuffer)
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		// Accepting has stopped: nothing is suppressed after this count.
		now := time.Now()
		p.rejects.flushAll(p.hub, now)
		p.malformed.flushAll(p.hub, now)
	}()
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		p.mu.Lock()
		p.stopped = true
		p.ln.Close() // unblocks Accept2
		p.mu.Unlock()
	}()
	go func() {
		defer wg.Done()
		p.flushLoop(ctx)
	}()
	for {
		err := p.acceptOne(ln)
		var bad *malformedHandshakeError
		switch {
		case errors.As(err, &bad):
			p.malformed.publish(p.hub, Event{Kind: EventRejected, Err: err, Detail: fmt.Sprintf(
				"ignored a malformed SRT handshake sent to UDP port %d (the SRT library could not parse it: %s): something other than an SRT caller is sending to this port",
				p.cfg.Port, bad.reason)})
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			ce := &ConnectError{Kind: ErrPortInUse, Err: err, Detail: fmt.Sprintf("listening on %s stopped: %v", p.cfg.Address(), err)}
			p.hub.publishEvent(failureEvent(EventError, ce))
			return ce
		}
	}
}

// acceptOne waits for the next handshake request and routes it. As in
// listenerGate.acceptOne, a panic of gosrt's handshake parser is recovered
// and reported as a malformed handshake.
func (p *Port) acceptOne(ln srt.Listener) (err error) {
	var gate *listenerGate
	claimed := false
	defer func() {
		if r := recover(); r != nil {
			if claimed {
				gate.release()
			}
			err = &malformedHandshakeError{reason: fmt.Sprint(r)}
		}
	}()
	req, err := ln.Accept2()
	if err != nil {
		return err
	}
	remote := req.RemoteAddr().String()
	streamid := req.StreamId()
	name, mode, err := PortStreamName(streamid)
	if err != nil {
		var fe *FieldError
		words := err.Error()
		if errors.As(err, &fe) {
			words = fe.Message()
		}
		p.reject(req, remote, truncate(streamid, 80), srt.REJX_BAD_REQUEST, words)
		return nil
	}
	c := PortCaller{Remote: remote, StreamID: streamid, Name: name, Mode: mode, Encrypted: req.IsEncrypted()}
	if ac, err := ParseStreamID(streamid); err == nil {
		c.User = ac.User
	}
	route := p.router.Route(c)
	switch {
	case route.Reject != 0:
		p.reject(req, remote, name, srt.RejectionReason(route.Reject), route.Reason)
	case route.Feed != nil && route.Feed.handed == nil:
		p.reject(req, remote, name, srt.REJX_ISE, fmt.Sprintf("the feed for %q does not take connections from a port (not made with ReceiverOptions.Handed)", name))
	case route.Feed != nil:
		gate = route.Feed.gate
		if code, words := checkRequest(req, Config{Passphrase: route.Passphrase}); code != 0 {
			req.Reject(code)
			gate.rejectFor(remote, code, words, route.Passphrase != "")
			return nil
		}
		conn := gate.admit(req, remote, &claimed)
		if conn == nil {
			return nil
		}
		if !route.Feed.hand(conn) {
			_ = conn.Close() // gosrt's Close always returns nil
			gate.release()
			p.event(EventError, remote, name, "caller %s for %q was accepted, but the feed has stopped: closed it", remote, name)
		}
	case route.Pull != nil:
		if code, words := checkRequest(req, Config{Passphrase: route.Passphrase}); code != 0 {
			p.reject(req, remote, name, code, words)
			return nil
		}
		conn, err := req.Accept()
		if err != nil {
			p.event(EventError, remote, name, "accepting caller %s for %q failed: %v", remote, name, err)
			return nil
		}
		route.Pull(conn)
	default:
		p.reject(req, remote, name, srt.REJX_NOTFOUND, fmt.Sprintf("no feed named %q on this port", name))
	}
	return nil
}

// reject refuses req and publishes a rate-limited event naming the
// streamid's name, the reason and the code.
func (p *Port) reject(req srt.ConnRequest, remote, name string, code srt.RejectionReason, words string) {
	req.Reject(code)
	p.rejects.publish(p.hub, Event{Kind: EventRejected, Remote: remote, Feed: name, Code: uint32(code),
		Err:    ExplainReject(uint32(code), false),
		Detail: fmt.Sprintf("rejected caller %s with streamid name %q: %s (%s)", remote, name, words, RejectCodeName(uint32(code)))})
}

// event publishes an event of the port.
func (p *Port) event(kind EventKind, remote, name, format string, a ...any) {
	p.hub.publishEvent(Event{Time: time.Now(), Kind: kind, Remote: remote, Feed: name, Detail: fmt.Sprintf(format, a...)})
}

// flushLoop publishes the counts of suppressed events once their window is
// over, until ctx ends (Run publishes what is left once it stops accepting).
func (p *Port) flushLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			p.rejects.flush(p.hub, now)
			p.malformed.flush(p.hub, now)
		}
	}
}
