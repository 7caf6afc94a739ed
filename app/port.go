package app

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/srtscope/srtscope/session"
)

// PortSpec is a UDP port that serves many feeds, routing each caller by
// its streamid ("#!::r=NAME,m=publish" or a plain NAME).
type PortSpec struct {
	// Config is the port: a listener's host, port and latency. Its
	// Passphrase, when set, is the port's: every name without one of its
	// own needs it. Never printed.
	Config session.Config
	// Names are the stream names the port accepts; with AcceptNew, any
	// other name gets a new feed at its first publish.
	Names     []string
	AcceptNew bool
	// NamePassphrases are passphrases per name (from presets and the
	// keychain), instead of the port's. Never printed.
	NamePassphrases map[string]string
}

// Address is the port as the operator writes it, e.g. ":9000".
func (p PortSpec) Address() string { return p.Config.Address() }

// MaxPortFeeds is how many feeds one port takes: new names beyond it are
// refused, so a stream of made-up names cannot grow the app without bound.
const MaxPortFeeds = 64

// MaxPortNameLen is the longest stream name a port accepts in its list.
const MaxPortNameLen = 64

// Validate checks the port and its names: a listener, at least one name or
// AcceptNew, and names that are non-empty, unique, without spaces, commas
// or '=' (they would break the access-control form) and at most
// MaxPortNameLen bytes.
func (p PortSpec) Validate() error {
	if p.Config.Mode != session.ModeListener {
		return &FieldError{Field: "port mode", Value: string(p.Config.Mode), Allowed: "listener (srt://:PORT): callers come to a port"}
	}
	cfg := p.Config
	cfg.Passphrase = ""
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("app: port %s: %w", p.Address(), err)
	}
	if p.Config.Passphrase != "" {
		if err := p.Config.Validate(); err != nil {
			return fmt.Errorf("app: port %s: %w", p.Address(), err)
		}
	}
	if len(p.Names) == 0 && !p.AcceptNew {
		return &FieldError{Field: "accepted names", Value: "", Allowed: "at least one stream name (e.g. cam1,cam2), or accept new names"}
	}
	seen := map[string]bool{}
	for _, n := range p.Names {
		if err := ValidatePortName(n); err != nil {
			return err
		}
		if seen[n] {
			return &FieldError{Field: "accepted names", Value: n, Allowed: "each name once"}
		}
		seen[n] = true
	}
	for n, pass := range p.NamePassphrases {
		c := session.Config{Mode: session.ModeListener, Port: p.Config.Port, Passphrase: pass}
		if err := c.Validate(); err != nil {
			return fmt.Errorf("app: passphrase of %q on port %s: %w", n, p.Address(), err)
		}
	}
	return nil
}

// ValidatePortName checks one stream name of a port.
func ValidatePortName(n string) error {
	switch {
	case n == "":
		return &FieldError{Field: "stream name", Value: n, Allowed: "a name such as cam1"}
	case len(n) > MaxPortNameLen:
		return &FieldError{Field: "stream name", Value: n[:MaxPortNameLen] + "…", Allowed: "at most " + strconv.Itoa(MaxPortNameLen) + " bytes"}
	case strings.ContainsAny(n, ",= \t\r\n") || strings.HasPrefix(n, "#!::"):
		return &FieldError{Field: "stream name", Value: n, Allowed: "letters, digits and -_. without spaces, commas or '='"}
	}
	return nil
}

// ParsePortNames splits a comma-separated list of stream names ("cam1,cam2").
func ParsePortNames(list string) ([]string, error) {
	var names []string
	for n := range strings.SplitSeq(list, ",") {
		n = strings.TrimSpace(n)
		if err := ValidatePortName(n); err != nil {
			return nil, err
		}
		if slices.Contains(names, n) {
			return nil, &FieldError{Field: "stream name", Value: n, Allowed: "each name once"}
		}
		names = append(names, n)
	}
	return names, nil
}

// passphraseFor is the passphrase a caller for name must send: the name's
// own, else the port's.
func (p PortSpec) passphraseFor(name string) string {
	if pass, ok := p.NamePassphrases[name]; ok {
		return pass
	}
	return p.Config.Passphrase
}

// FeedConfig is the session configuration of the feed for name on this
// port: the port's address and latency, the name's passphrase, and the
// name as its StreamID (see session.ReceiverOptions.Handed).
func (p PortSpec) FeedConfig(name string) session.Config {
	cfg := p.Config
	cfg.Passphrase = p.passphraseFor(name)
	cfg.StreamID = name
	cfg.AllowedStreamIDs = nil
	return cfg
}

// PortRouter decides, for a PortSpec, what happens to each caller of the
// port (it implements session.PortRouter): a publisher of a known name goes
// to that name's feed, of a new name to a new feed when AcceptNew, any
// other is refused with REJX_NOTFOUND naming the name; a puller (m=request)
// goes to the pull point Pull names, or is refused when there is none.
// Feeds come and go with Attach and Detach (a feed's receiver lives for one
// start..stop of the feed).
type PortRouter struct {
	spec PortSpec
	// newFeed makes and starts the feed for a name first published with
	// AcceptNew; its receiver is expected to Attach before it returns.
	newFeed func(name string) error
	// pull names the pull point of a feed (an SRT listener output that
	// takes pullers), nil when it has none.
	pull func(name string) session.PullHandler

	mu    sync.Mutex
	feeds map[string]*session.Receiver
	known map[string]bool // declared names and those accepted since
}

// NewPortRouter returns the router of spec. newFeed (for AcceptNew) and
// pull may be nil: then no new feeds, and nothing to pull.
func NewPortRouter(spec PortSpec, newFeed func(name string) error, pull func(name string) session.PullHandler) *PortRouter {
	r := &PortRouter{spec: spec, newFeed: newFeed, pull: pull, feeds: map[string]*session.Receiver{}, known: map[string]bool{}}
	for _, n := range spec.Names {
		r.known[n] = true
	}
	return r
}

// ErrNameTaken is returned by Attach when another running feed has the name.
var ErrNameTaken = errors.New("app: another running feed on the port has this stream name")

// Attach makes rcv (made with ReceiverOptions.Handed) the receiver of name;
// a name has one receiver at a time (a copy of a feed does not take over
// its publisher).
func (r *PortRouter) Attach(name string, rcv *session.Receiver) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.feeds[name]; ok && old != rcv {
		return fmt.Errorf("%w: %q", ErrNameTaken, name)
	}
	r.feeds[name] = rcv
	r.known[name] = true
	return nil
}

// Detach forgets rcv as the receiver of name, if it still is.
func (r *PortRouter) Detach(name string, rcv *session.Receiver) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.feeds[name] == rcv {
		delete(r.feeds, name)
	}
}

// Names are the names the port knows, declared and accepted since, sorted.
func (r *PortRouter) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.known))
	for n := range r.known {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Route implements session.PortRouter.
func (r *PortRouter) Route(c session.PortCaller) session.PortRoute {
	r.mu.Lock()
	rcv, known := r.feeds[c.Name], r.known[c.Name]
	r.mu.Unlock()
	if c.Mode == session.PortRequest {
		if !known {
			return session.PortRoute{Reject: session.RejectNotFound, Reason: fmt.Sprintf("no feed named %q on this port to pull", c.Name)}
		}
		var h session.PullHandler
		if r.pull != nil {
			h = r.pull(c.Name)
		}
		if h == nil {
			return session.PortRoute{Reject: session.RejectNotFound, Reason: "no output to pull from for " + c.Name +
				": it is not live (the streamid asks to pull, with m=request or no m=; an encoder sending the feed needs m=publish)"}
		}
		return session.PortRoute{Pull: h, Passphrase: r.spec.passphraseFor(c.Name)}
	}
	if rcv == nil && !known && r.spec.AcceptNew && r.newFeed != nil {
		if n := len(r.Names()); n >= MaxPortFeeds {
			return session.PortRoute{Reject: session.RejectOverload, Reason: fmt.Sprintf("no new feed for %q: the port has %d feeds already, the most it takes", c.Name, n)}
		}
		if r.spec.passphraseFor(c.Name) != "" && !c.Encrypted {
			return session.PortRoute{Reject: session.RejectNotFound, Reason: fmt.Sprintf("no new feed for %q: the caller sent no passphrase and this port requires one", c.Name)}
		}
		if err := ValidatePortName(c.Name); err != nil {
			return session.PortRoute{Reject: session.RejectNotFound, Reason: fmt.Sprintf("a new feed cannot be named %q: %v", c.Name, err)}
		}
		if err := r.newFeed(c.Name); err != nil {
			return session.PortRoute{Reject: session.RejectNotFound, Reason: fmt.Sprintf("no feed could be made for %q: %v", c.Name, err)}
		}
		r.mu.Lock()
		rcv = r.feeds[c.Name]
		r.mu.Unlock()
	}
	switch {
	case rcv != nil:
		return session.PortRoute{Feed: rcv, Passphrase: r.spec.passphraseFor(c.Name)}
	case known:
		return session.PortRoute{Reject: session.RejectNotFound, Reason: fmt.Sprintf("the feed %q is stopped: start it to take its publisher", c.Name)}
	default:
		return session.PortRoute{Reject: session.RejectNotFound, Reason: fmt.Sprintf("no feed named %q on this port (it accepts %s)", c.Name, r.accepts())}
	}
}

// accepts words which names the port takes, for a refusal.
func (r *PortRouter) accepts() string {
	names := r.Names()
	const shown = 8
	list := strings.Join(names[:min(len(names), shown)], ", ")
	if len(names) > shown {
		list += fmt.Sprintf(" and %d more", len(names)-shown)
	}
	if list == "" {
		return "no names"
	}
	return list
}
