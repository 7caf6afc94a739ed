package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	srt "github.com/datarhei/gosrt"
)

// handshakeInterval is how often a caller starts another handshake while
// none has been answered: libsrt repeats its request every 250 ms.
const handshakeInterval = 250 * time.Millisecond

// maxBusyAnswers is how many "peer busy" rejections one connection attempt
// takes before it gives up early. A few are expected: when the listener's
// answer to an earlier try was lost, that try holds a srtscope listener
// until it counts as half-open (halfOpenAfter, 3 tries later), and the
// listener says busy meanwhile.
const maxBusyAnswers = 6

// handshakeResult is how one connection attempt's handshake went.
type handshakeResult struct {
	Took  time.Duration // from the first handshake to the answer, or to giving up
	Tries int           // handshakes started
	Won   int           // the try that connected, from 1; 0 when none did
	Busy  int           // tries the peer answered "busy"
}

// words describes the handshake for an event, e.g. "in 1.3 s, 5 handshakes".
func (h handshakeResult) words() string {
	if h.Tries == 1 {
		return fmt.Sprintf("in %.2f s, 1 handshake", h.Took.Seconds())
	}
	return fmt.Sprintf("in %.2f s, %d handshakes", h.Took.Seconds(), h.Tries)
}

// tryResult is what one gosrt Dial returned.
type tryResult struct {
	n    int
	conn srt.Conn
	err  error
}

// dialRetrying connects as a caller and survives lost handshake packets.
//
// gosrt's Dial sends its induction once and its conclusion once, then waits
// the whole ConnectionTimeout: one lost packet of four costs the attempt.
// libsrt repeats the request every 250 ms. Without changing gosrt, this
// starts a new Dial (a new socket and socket ID) every handshakeInterval
// until one is answered or cfg.ConnectTimeout is over. Every Dial stays
// alive until that overall deadline, so an answer to an earlier try that
// arrives late (a long RTT, a slow listener) still connects. The first
// try to connect wins; the others are closed when they end. A rejection
// ends the attempt at once, except "peer busy", which may be our own
// earlier try whose answer was lost (a srtscope listener replaces such a
// half-open connection when the same host handshakes again, see
// listenerGate).
//
// A listener sees each try as a separate caller. Those that never got past
// the induction leave nothing behind (the SYN cookie makes it stateless, in
// gosrt and libsrt alike); one whose conclusion was accepted but whose
// answer was lost is a half-open connection on the listener's side, which
// sends nothing and times out there (or is replaced, by srtscope).
func dialRetrying(ctx context.Context, cfg Config) (srt.Conn, handshakeResult, error) {
	cfg = cfg.withDefaults()
	start := time.Now()
	deadline := start.Add(cfg.ConnectTimeout)
	maxTries := int(cfg.ConnectTimeout/handshakeInterval) + 1
	// Buffered for every try, so no Dial goroutine ever waits for a reader.
	results := make(chan tryResult, maxTries)
	var res handshakeResult
	pending := 0
	launch := func() {
		res.Tries++
		pending++
		n := res.Tries
		sc := cfg.srtConfig()
		sc.ConnectionTimeout = max(time.Until(deadline), handshakeInterval)
		go func() {
			conn, err := srt.Dial("srt", cfg.Address(), sc)
			results <- tryResult{n: n, conn: conn, err: err}
		}()
	}
	// abandon closes whatever the tries still running connect to.
	abandon := func() {
		if pending == 0 {
			return
		}
		go func(pending int) {
			for range pending {
				if r := <-results; r.conn != nil {
					_ = r.conn.Close()
				}
			}
		}(pending)
	}
	finish := func(err error) (srt.Conn, handshakeResult, error) {
		res.Took = time.Since(start)
		abandon()
		return nil, res, err
	}

	launch()
	next := time.NewTimer(handshakeInterval)
	defer next.Stop()
	launching := true
	var timeout, busy error
	for {
		select {
		case <-ctx.Done():
			return finish(ctx.Err())
		case <-next.C:
			// A try needs time for a round trip; don't start one at the end.
			if time.Until(deadline) > handshakeInterval/2 && res.Tries < maxTries {
				launch()
				next.Reset(handshakeInterval)
				continue
			}
			launching = false
			if pending == 0 { // every try already failed
				return finish(firstErr(busy, timeout))
			}
		case r := <-results:
			pending--
			if r.err == nil {
				res.Took, res.Won = time.Since(start), r.n
				abandon()
				return r.conn, res, nil
			}
			switch dialErrorKind(r.err) {
			case tryTimedOut:
				timeout = r.err
			case tryBusy:
				res.Busy++
				busy = r.err
				if res.Busy >= maxBusyAnswers {
					return finish(busy)
				}
			default:
				return finish(r.err)
			}
			if pending == 0 && !launching {
				return finish(firstErr(busy, timeout))
			}
		}
	}
}

// tryOutcome is what a failed handshake try means for the connection
// attempt.
type tryOutcome int

const (
	tryTimedOut tryOutcome = iota // no answer: keep trying
	tryBusy                       // peer busy: keep trying a little
	tryFinal                      // anything else: give up
)

// dialErrorKind sorts a gosrt Dial error.
func dialErrorKind(err error) tryOutcome {
	if code, ok := ParseRejectCode(err.Error()); ok {
		if errors.Is(ExplainReject(code, false), ErrPeerBusy) {
			return tryBusy
		}
		return tryFinal
	}
	if isDialTimeout(err) {
		return tryTimedOut
	}
	return tryFinal
}

// firstErr is the first non-nil error of errs.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
