package app

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/srtscope/srtscope/session"
)

// Phase is where a feed stands in its life: each has its own colour on the
// wall, so that waiting for an encoder never looks like being connected or
// like a fault.
type Phase string

// Feed phases.
const (
	PhaseStopped      Phase = "stopped"      // the operator has not started it, or stopped it
	PhaseFailed       Phase = "failed"       // the session could not start (port in use, address not here)
	PhaseWaiting      Phase = "waiting"      // a listener with no caller connected
	PhaseConnecting   Phase = "connecting"   // a caller dialling, not yet connected since it started
	PhaseReconnecting Phase = "reconnecting" // a caller dialling again after it was connected
	PhaseConnected    Phase = "connected"
	PhaseTuning       Phase = "tuning" // the latency wizard has the feed
)

// FeedStatus is where a feed stands and why, with the figures behind it:
// the wall and the detail say it in words (Describe), the API gives the
// fields.
type FeedStatus struct {
	Phase Phase
	Since time.Time // when the feed entered the phase
	// Listen is where a listener listens (":9000", "127.0.0.1:9000"); ""
	// for a caller.
	Listen string
	// Stream is the stream name of a feed on a port shared by many feeds
	// (its publisher's streamid), "" otherwise.
	Stream string
	// Remote is the peer a caller dials; Peer the peer connected now.
	Remote, Peer string
	// Attempt is a caller's attempt number since it was last connected.
	Attempt int
	// Cause is the last connection failure since data last flowed: a
	// rejected caller, a refused call, the port in use for a feed that
	// failed to start. Rejections counts the failures since then.
	Cause      error
	Rejections int
	// EverConnected: the feed has had a peer since it was started.
	EverConnected bool
}

// Describe says the status in words, with its cause.
func (s FeedStatus) Describe() string {
	switch s.Phase {
	case PhaseFailed:
		if s.Cause != nil {
			return "could not start: " + failureWords(s.Cause, 1)
		}
		return "could not start"
	case PhaseWaiting:
		if s.Cause != nil {
			return fmt.Sprintf("rejecting callers on %s: %s", s.Listen, failureWords(s.Cause, s.Rejections))
		}
		if s.Stream != "" { // short: the tile's title names the port
			if s.EverConnected {
				return "waiting for streamid " + s.Stream + " again on " + s.Listen
			}
			return "waiting for streamid " + s.Stream + " on " + s.Listen
		}
		if s.EverConnected {
			return "waiting for the encoder to call again on " + s.Listen
		}
		return "waiting for the encoder on " + s.Listen
	case PhaseConnecting, PhaseReconnecting:
		what := "calling " + s.Remote
		if s.Phase == PhaseReconnecting {
			what = "reconnecting to " + s.Remote
		}
		if s.Attempt > 1 {
			what += ", attempt " + strconv.Itoa(s.Attempt)
		}
		if s.Cause != nil {
			what += ": " + failureWords(s.Cause, 1)
		}
		return what
	case PhaseConnected:
		if s.Peer != "" {
			return "connected to " + s.Peer
		}
		return "connected"
	case PhaseTuning:
		return "the latency wizard is tuning it"
	}
	return "stopped"
}

// WrongPassphrase reports whether the last failure was a passphrase that
// did not match (the encoder's, for a listener).
func (s FeedStatus) WrongPassphrase() bool {
	return s.Cause != nil && (errors.Is(s.Cause, session.ErrWrongPassphrase) || errors.Is(s.Cause, session.ErrPassphraseOneSide))
}

// listenAddress is where a listener config listens, as people write it.
func listenAddress(cfg session.Config) string {
	return net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
}

// startStatus is the status of a run that has just started.
func startStatus(cfg session.Config, now time.Time) FeedStatus {
	if cfg.Mode == session.ModeListener {
		return FeedStatus{Phase: PhaseWaiting, Since: now, Listen: listenAddress(cfg)}
	}
	return FeedStatus{Phase: PhaseConnecting, Since: now, Remote: cfg.Address()}
}

// setPhase moves to p, stamping when.
func (s *FeedStatus) setPhase(p Phase, now time.Time) {
	if s.Phase != p {
		s.Phase, s.Since = p, now
	}
}

// onEvent follows a session event.
func (s *FeedStatus) onEvent(e session.Event) {
	switch e.Kind {
	case session.EventConnecting:
		if e.Attempt > 0 {
			s.Attempt = e.Attempt
			if s.EverConnected {
				s.setPhase(PhaseReconnecting, e.Time)
			} else {
				s.setPhase(PhaseConnecting, e.Time)
			}
		} else {
			s.setPhase(PhaseWaiting, e.Time)
		}
	case session.EventConnected:
		s.setPhase(PhaseConnected, e.Time)
		s.Peer, s.EverConnected, s.Attempt = e.Remote, true, 0
		s.Cause, s.Rejections = nil, 0
	case session.EventDisconnected:
		s.Peer = ""
	case session.EventRejected, session.EventError:
		if e.Err == nil {
			return
		}
		if errors.Is(e.Err, session.ErrMalformedHandshake) {
			return // not a caller at all: noise on the port
		}
		s.Cause = e.Err
		s.Rejections += max(e.Count, 1)
	}
}

// onData notes that data flows: the failures before it are over.
func (s *FeedStatus) onData() {
	s.Cause, s.Rejections = nil, 0
}
