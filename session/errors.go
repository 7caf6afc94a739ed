package session

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Sentinel errors a caller can branch on with errors.Is. The *ConnectError
// that wraps them carries the words to show.
var (
	ErrWrongPassphrase   = errors.New("session: wrong passphrase")
	ErrPassphraseOneSide = errors.New("session: passphrase set on one side only")
	ErrStreamIDRejected  = errors.New("session: streamid rejected")
	ErrPeerBusy          = errors.New("session: peer busy")
	ErrRejected          = errors.New("session: connection rejected by the peer")
	ErrPortInUse         = errors.New("session: port in use")
	ErrNoAnswer          = errors.New("session: no answer from the peer")
	ErrHostUnknown       = errors.New("session: host not found")
	ErrPeerSilent        = errors.New("session: peer went silent")
	ErrNotSupported      = errors.New("session: not supported")
	// ErrMalformedHandshake: something other than an SRT caller sent to a
	// listening port (the event's Err wraps it).
	ErrMalformedHandshake = errors.New("session: malformed SRT handshake")
)

// ConnectError is a connection failure explained in words. Kind is one of
// the sentinel errors above; Code is the SRT reject code when there was one.
type ConnectError struct {
	Kind   error  // ErrWrongPassphrase, ErrNoAnswer, ...
	Code   uint32 // SRT REJ_/REJX_ code, 0 when the failure was not a rejection
	Detail string // what happened and what to check, for a person
	Err    error  // the underlying error, if any

	// A caller's failed connection attempt: its number from 1, how many
	// handshakes it sent and how long it tried. Zero otherwise.
	Attempt    int
	Handshakes int
	Waited     time.Duration
}

// Error implements error.
func (e *ConnectError) Error() string {
	return "session: " + e.Detail
}

// Unwrap lets errors.Is match both the kind and the underlying error.
func (e *ConnectError) Unwrap() []error {
	out := []error{e.Kind}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// failureEvent is the event for a failure: its words, its reject code and
// the error itself.
func failureEvent(kind EventKind, ce *ConnectError) Event {
	return Event{Time: time.Now(), Kind: kind, Detail: ce.Detail, Code: ce.Code, Err: ce,
		Attempt: ce.Attempt, Count: ce.Handshakes, ConnectMs: durationMs(ce.Waited)}
}

// durationMs is d in milliseconds, with fractions.
func durationMs(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rejectInfo is the explanation of one reject code.
type rejectInfo struct {
	name  string
	kind  error
	words string
}

// rejectCodes explains every REJ_* (1000..) and REJX_* (1400..) code libsrt
// and gosrt know. Words for 1011 depend on which side has the passphrase and
// are completed by ExplainReject.
var rejectCodes = map[uint32]rejectInfo{
	1000: {"REJ_UNKNOWN", ErrRejected, "rejected by the peer for an unknown reason"},
	1001: {"REJ_SYSTEM", ErrRejected, "the peer had a system error while accepting (out of sockets or memory?)"},
	1002: {"REJ_PEER", ErrRejected, "rejected by the peer's application"},
	1003: {"REJ_RESOURCE", ErrPeerBusy, "the peer could not allocate resources for another connection"},
	1004: {"REJ_ROGUE", ErrRejected, "the peer found the handshake invalid (incompatible settings or SRT version)"},
	1005: {"REJ_BACKLOG", ErrPeerBusy, "the listener's backlog is full: too many callers at once"},
	1006: {"REJ_IPE", ErrRejected, "internal error in the peer's SRT library"},
	1007: {"REJ_CLOSE", ErrRejected, "the listener is shutting down"},
	1008: {"REJ_VERSION", ErrRejected, "SRT versions are incompatible: update the older side"},
	1009: {"REJ_RDVCOOKIE", ErrRejected, "rendezvous cookie collision: retry"},
	1010: {"REJ_BADSECRET", ErrWrongPassphrase, "wrong passphrase: the passphrases on the two sides differ; type it again on both"},
	1011: {"REJ_UNSECURE", ErrPassphraseOneSide, "passphrase set on one side only: set the same passphrase on both sides, or on neither"},
	1012: {"REJ_MESSAGEAPI", ErrRejected, "message/stream mode mismatch: use live mode on both sides"},
	1013: {"REJ_CONGESTION", ErrRejected, "congestion control mismatch: use transtype=live on both sides"},
	1014: {"REJ_FILTER", ErrRejected, "packet filter (FEC) settings differ between the sides"},
	1015: {"REJ_GROUP", ErrRejected, "bonding group settings differ between the sides"},
	1016: {"REJ_TIMEOUT", ErrNoAnswer, "the handshake timed out on the peer's side"},
	1017: {"REJ_CRYPTO", ErrWrongPassphrase, "encryption settings are incompatible (cipher or key length)"},
	1400: {"REJX_BAD_REQUEST", ErrStreamIDRejected, "streamid rejected: the listener could not understand it; check its syntax"},
	1401: {"REJX_UNAUTHORIZED", ErrStreamIDRejected, "streamid rejected: the user (u=) is not authorised"},
	1402: {"REJX_OVERLOAD", ErrPeerBusy, "the server is overloaded or out of credits: try later"},
	1403: {"REJX_FORBIDDEN", ErrStreamIDRejected, "streamid rejected: access to this stream is forbidden"},
	1404: {"REJX_NOTFOUND", ErrStreamIDRejected, "streamid rejected: the listener does not know this stream name; check the streamid"},
	1405: {"REJX_BAD_MODE", ErrStreamIDRejected, "streamid rejected: the mode (m=publish/request) is not allowed for this stream"},
	1406: {"REJX_UNACCEPTABLE", ErrStreamIDRejected, "streamid rejected: the requested parameters cannot be satisfied"},
	1407: {"REJX_CONFLICT", ErrPeerBusy, "peer busy: another publisher is already connected to this stream"},
	1415: {"REJX_NOTSUP_MEDIA", ErrStreamIDRejected, "streamid rejected: the media type (t=) is not supported"},
	1423: {"REJX_LOCKED", ErrPeerBusy, "peer busy: the stream is locked"},
	1424: {"REJX_FAILED_DEPEND", ErrRejected, "a session this one depends on has disconnected"},
	1500: {"REJX_ISE", ErrRejected, "internal server error on the peer"},
	1501: {"REJX_UNIMPLEMENTED", ErrRejected, "the peer does not support this request"},
	1502: {"REJX_GW", ErrRejected, "the gateway's target rejected the connection"},
	1503: {"REJX_DOWN", ErrPeerBusy, "the service is down for maintenance: try later"},
	1505: {"REJX_VERSION", ErrRejected, "SRT version not supported by the peer"},
	1507: {"REJX_NOROOM", ErrPeerBusy, "the peer has no storage space left"},
}

// RejectCodeName returns the libsrt name of a reject code, e.g. "REJ_BADSECRET".
func RejectCodeName(code uint32) string {
	if info, ok := rejectCodes[code]; ok {
		return info.name
	}
	switch {
	case code >= 2000:
		return fmt.Sprintf("user-defined %d", code)
	case code >= 1400:
		return fmt.Sprintf("REJX %d", code)
	default:
		return fmt.Sprintf("REJ %d", code)
	}
}

// ExplainReject turns an SRT reject code into words. weHavePassphrase says
// whether this side set a passphrase, which decides the advice for 1011.
func ExplainReject(code uint32, weHavePassphrase bool) *ConnectError {
	info, ok := rejectCodes[code]
	if !ok {
		info = rejectInfo{kind: ErrRejected, words: fmt.Sprintf("rejected by the peer (code %d)", code)}
		if code >= 2000 {
			info.words = fmt.Sprintf("rejected by the peer's application (its own code %d)", code)
		}
	}
	words := info.words
	if code == 1011 {
		if weHavePassphrase {
			words = "passphrase set on one side only: this side has a passphrase but the peer has none; set the same passphrase on the peer or remove it here"
		} else {
			words = "passphrase set on one side only: the peer requires a passphrase; set the same passphrase here"
		}
	}
	return &ConnectError{Kind: info.kind, Code: code, Detail: fmt.Sprintf("%s (%s, code %d)", words, RejectCodeName(code), code)}
}

// gosrtReject matches gosrt's "REJECT (vi)": the code printed in base 32.
var gosrtReject = regexp.MustCompile(`REJECT \(([0-9a-v]+)\)`)

// ParseRejectCode extracts the reject code from a gosrt error text such as
// "connection rejected: REJECT (vi)" (base 32: vi = 1010).
func ParseRejectCode(text string) (uint32, bool) {
	m := gosrtReject.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	code, err := strconv.ParseUint(m[1], 32, 32)
	if err != nil {
		return 0, false
	}
	return uint32(code), true
}

// explainDialError turns a gosrt Dial error into a *ConnectError.
func explainDialError(err error, cfg Config) *ConnectError {
	cfg = cfg.withDefaults()
	text := err.Error()
	if code, ok := ParseRejectCode(text); ok {
		ce := ExplainReject(code, cfg.Passphrase != "")
		ce.Err = err
		return ce
	}
	switch {
	case isDialTimeout(err):
		return &ConnectError{Kind: ErrNoAnswer, Err: err, Detail: fmt.Sprintf(
			"no answer from %s within %s: check the address and port, that the listener is running, and that UDP is not blocked by a firewall",
			cfg.Address(), cfg.ConnectTimeout)}
	case strings.Contains(text, "no such host") || strings.Contains(text, "lookup"):
		return &ConnectError{Kind: ErrHostUnknown, Err: err, Detail: fmt.Sprintf("host %q not found: check the spelling of the address", cfg.Host)}
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(text, "connection refused"):
		return &ConnectError{Kind: ErrNoAnswer, Err: err, Detail: fmt.Sprintf("nothing listens on %s (connection refused): start the listener or check the port", cfg.Address())}
	case errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) || strings.Contains(text, "unreachable"):
		return &ConnectError{Kind: ErrNoAnswer, Err: err, Detail: fmt.Sprintf("host %s is unreachable: check the network connection and the address", cfg.Host)}
	}
	return &ConnectError{Kind: ErrRejected, Err: err, Detail: fmt.Sprintf("connecting to %s failed: %v", cfg.Address(), err)}
}

// isDialTimeout reports whether a gosrt Dial error means no answer came
// within its ConnectionTimeout.
func isDialTimeout(err error) bool {
	text := err.Error()
	return strings.Contains(text, "server didn't respond") || strings.Contains(text, "timeout")
}

// explainHandshakeError explains the failure of a caller's connection
// attempt (number attempt) that sent hs.Tries handshakes: the words of
// explainDialError, with how long it tried and how often when no answer
// came.
func explainHandshakeError(err error, cfg Config, attempt int, hs handshakeResult) *ConnectError {
	cfg = cfg.withDefaults()
	ce := explainDialError(err, cfg)
	ce.Attempt, ce.Handshakes, ce.Waited = attempt, hs.Tries, hs.Took
	if errors.Is(ce.Kind, ErrNoAnswer) && isDialTimeout(err) {
		ce.Detail = fmt.Sprintf(
			"no answer from %s within %s (%d handshakes, one every %s): check the address and port, that the listener is running, and that UDP is not blocked by a firewall",
			cfg.Address(), cfg.ConnectTimeout, hs.Tries, handshakeInterval)
	}
	if hs.Busy > 0 && errors.Is(ce.Kind, ErrPeerBusy) {
		ce.Detail += fmt.Sprintf(" (answered busy to %d of %d handshakes)", hs.Busy, hs.Tries)
	}
	return ce
}

// explainListenError turns a gosrt Listen error into a *ConnectError.
func explainListenError(err error, cfg Config) *ConnectError {
	text := err.Error()
	switch {
	case errors.Is(err, syscall.EADDRINUSE) || strings.Contains(text, "address already in use"):
		return &ConnectError{Kind: ErrPortInUse, Err: err, Detail: fmt.Sprintf("UDP port %d already in use: stop the other program listening on it or pick another port", cfg.Port)}
	case errors.Is(err, syscall.EACCES) || strings.Contains(text, "permission denied"):
		return &ConnectError{Kind: ErrPortInUse, Err: err, Detail: fmt.Sprintf("not allowed to listen on UDP port %d: use a port above 1023", cfg.Port)}
	case strings.Contains(text, "assign requested address"):
		return &ConnectError{Kind: ErrPortInUse, Err: err, Detail: fmt.Sprintf("address %s is not on this machine: listen on one of its own addresses, or leave the host empty", cfg.Host)}
	}
	return &ConnectError{Kind: ErrPortInUse, Err: err, Detail: fmt.Sprintf("cannot listen on %s: %v", cfg.Address(), err)}
}

// silentPeerError explains an idle-timeout disconnect.
func silentPeerError(cfg Config) *ConnectError {
	cfg = cfg.withDefaults()
	return &ConnectError{Kind: ErrPeerSilent, Detail: fmt.Sprintf(
		"peer went silent: no packets for %s; check the encoder is sending and the network path", cfg.PeerIdleTimeout)}
}
