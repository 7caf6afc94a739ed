package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/srtscope/srtscope/session"
)

// PortView is an immutable snapshot of a port serving many feeds.
type PortView struct {
	Address    string   // as the operator writes it, ":9000"
	Names      []string // the names it knows: declared, and taken since with AcceptNew
	AcceptNew  bool
	Encrypted  bool // the port, or one of its names, needs a passphrase
	Listening  bool
	Rejections int        // callers the port refused before any feed took them
	Log        []LogEntry // the port's own events, newest last, at most LogLen
	LastError  string     // why the port stopped listening, "" while it listens
}

// portRun is one open port: its router and session.Port, and the goroutine
// (loop) that owns its snapshot.
type portRun struct {
	spec     PortSpec
	template FeedSpec
	router   *PortRouter
	port     *session.Port
	cancel   context.CancelFunc
	done     chan struct{} // closed when the port has stopped
	snap     atomic.Pointer[PortView]
}

// portAttacher hands the receiver of a feed on a port to that port, and
// returns what lets go of it again.
type portAttacher func(spec FeedSpec, rcv *session.Receiver) (detach func(), err error)

// portStream is the stream name of a feed on a port, "" otherwise.
func (s FeedSpec) portStream() string {
	if s.Port == "" {
		return ""
	}
	return s.Config.StreamID
}

// PortFeedSpec is the spec of the feed for name on the port spec, its
// inspection, media analysis and thresholds taken from template.
func PortFeedSpec(spec PortSpec, name string, template FeedSpec) FeedSpec {
	return FeedSpec{Name: name, Config: spec.FeedConfig(name), Port: spec.Address(), Thresholds: template.Thresholds,
		Inspect: template.Inspect, Media: template.Media, LightMedia: template.LightMedia}
}

// ErrPortOpen is returned by AddPort for a UDP port that is open already.
var ErrPortOpen = errors.New("app: the port is open already")

// AddPort opens a port for many feeds: it listens at once, and every
// declared name gets a feed (started, waiting for its publisher) named
// after it; with AcceptNew a new name gets one at its first publish.
// template gives the feeds' inspection, media analysis and thresholds.
// It returns the feeds it added.
func (c *Controller) AddPort(spec PortSpec, template FeedSpec) ([]FeedID, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if err := c.portInUse(spec); err != nil {
		return nil, err
	}
	for _, n := range spec.Names {
		if err := c.nameFree(n); err != nil {
			return nil, err
		}
	}
	addr := spec.Address()
	p := &portRun{spec: spec, template: template, done: make(chan struct{})}
	p.router = NewPortRouter(spec, func(name string) error { return c.addPortFeed(p, name) }, func(name string) session.PullHandler { return c.pullPoint(addr, name) })
	port, err := session.NewPort(spec.Config, p.router)
	if err != nil {
		return nil, fmt.Errorf("app: port %s: %w", addr, err)
	}
	p.port = port
	p.publish(PortView{Address: addr, Names: p.router.Names(), AcceptNew: spec.AcceptNew, Encrypted: spec.encrypted()})

	c.mu.Lock()
	if c.ctx.Err() != nil {
		c.mu.Unlock()
		return nil, fmt.Errorf("app: port %s not opened: srtscope is shutting down", addr)
	}
	if err := c.portInUse(spec); err != nil {
		c.mu.Unlock()
		return nil, err
	}
	ctx, cancel := context.WithCancel(c.ctx)
	p.cancel = cancel
	list := slices.Concat(*c.ports.Load(), []*portRun{p})
	c.ports.Store(&list)
	c.mu.Unlock()
	go p.loop(ctx)

	var ids []FeedID
	for _, name := range spec.Names {
		id, err := c.startPortFeed(PortFeedSpec(spec, name, template))
		if err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// encrypted reports whether any caller of the port needs a passphrase.
func (p PortSpec) encrypted() bool {
	if p.Config.Passphrase != "" {
		return true
	}
	for _, pass := range p.NamePassphrases {
		if pass != "" {
			return true
		}
	}
	return false
}

// startPortFeed adds a port's feed and starts it; Start attaches its
// receiver to the port. A name another feed has is refused: the wall, the
// API and the workspace tell feeds apart by name.
func (c *Controller) startPortFeed(spec FeedSpec) (FeedID, error) {
	if err := c.nameFree(spec.Name); err != nil {
		return 0, err
	}
	id, err := c.Add(spec)
	if err != nil {
		return 0, err
	}
	if err := c.Start(id); err != nil {
		return id, fmt.Errorf("app: feed %q on port %s: %w", spec.Name, spec.Port, err)
	}
	return id, nil
}

// addPortFeed is a new name's first publish on a port with AcceptNew.
// It runs on the port's accepting goroutine.
func (c *Controller) addPortFeed(p *portRun, name string) error {
	_, err := c.startPortFeed(PortFeedSpec(p.spec, name, p.template))
	return err
}

// pullPoint is where a puller (m=request) of the feed name on the port at
// addr gets its TS: the running pull point of that feed (see feedRun.pull).
// Nil, so that the router refuses the puller with "no output to pull from
// for NAME", when no such feed runs.
func (c *Controller) pullPoint(addr, name string) session.PullHandler {
	for _, f := range *c.feeds.Load() {
		v := f.view()
		if v.Spec.Port != addr || v.Spec.Config.StreamID != name || f.pull.Load() == nil || v.Sample.State != session.StateConnected {
			continue // not this feed, or not live: nothing to pull yet
		}
		return func(conn session.SRTConn) {
			pp := f.pull.Load()
			if pp == nil { // the run ended meanwhile
				_ = conn.Close()
				return
			}
			_ = pp.AddPuller(conn) // it closes conn when it cannot take it
		}
	}
	return nil
}

// attachToPort hands the receiver of a feed on a port to that port.
func (c *Controller) attachToPort(spec FeedSpec, rcv *session.Receiver) (func(), error) {
	for _, p := range *c.ports.Load() {
		if p.spec.Address() == spec.Port {
			name := spec.Config.StreamID
			if err := p.router.Attach(name, rcv); err != nil {
				return nil, fmt.Errorf("app: feed %q on port %s: %w", spec.Name, spec.Port, err)
			}
			return func() { p.router.Detach(name, rcv) }, nil
		}
	}
	return nil, fmt.Errorf("app: feed %q is on port %s, which is not open: open the port first", spec.Name, spec.Port)
}

// Ports returns a snapshot of every open port in the order they were opened.
func (c *Controller) Ports() []PortView {
	list := *c.ports.Load()
	out := make([]PortView, 0, len(list))
	for _, p := range list {
		v := *p.snap.Load()
		// The router and the port count on other goroutines: read them now.
		v.Names, v.Rejections = p.router.Names(), p.port.Rejections()
		out = append(out, v)
	}
	return out
}

// portInUse refuses a second port on a UDP port that serves one already.
func (c *Controller) portInUse(spec PortSpec) error {
	for _, o := range *c.ports.Load() {
		if o.spec.Config.Port == spec.Config.Port {
			return fmt.Errorf("%w: UDP port %d serves %s", ErrPortOpen, spec.Config.Port, o.spec.Address())
		}
	}
	return nil
}

// nameFree refuses a port feed's name that a feed already has.
func (c *Controller) nameFree(name string) error {
	for _, v := range c.Feeds() {
		if v.Spec.Name == name {
			return &FieldError{Field: "stream name", Value: name, Allowed: "a name no other feed has (rename that feed, or leave this name out)"}
		}
	}
	return nil
}

// hasPort reports whether a port is open at addr.
func (c *Controller) hasPort(addr string) bool {
	for _, p := range *c.ports.Load() {
		if p.spec.Address() == addr {
			return true
		}
	}
	return false
}

// RemovePort closes the port at addr and removes its feeds.
func (c *Controller) RemovePort(addr string) {
	c.mu.Lock()
	old := *c.ports.Load()
	var gone *portRun
	list := make([]*portRun, 0, len(old))
	for _, p := range old {
		if p.spec.Address() == addr && gone == nil {
			gone = p
			continue
		}
		list = append(list, p)
	}
	c.ports.Store(&list)
	c.mu.Unlock()
	if gone == nil {
		return
	}
	gone.cancel()
	<-gone.done
	for _, v := range c.Feeds() {
		if v.Spec.Port == addr {
			c.Remove(v.ID)
		}
	}
}

// publish stores a new snapshot.
func (p *portRun) publish(v PortView) { p.snap.Store(&v) }

// loop runs the port until ctx ends and keeps its snapshot (listening or
// not, its log); it is the only writer of the snapshot.
func (p *portRun) loop(ctx context.Context) {
	defer close(p.done)
	sub := p.port.Subscribe(256)
	ended := make(chan error, 1)
	go func() { ended <- p.port.Run(ctx) }()
	for e := range sub.Events {
		v := *p.snap.Load()
		switch {
		case e.Kind == session.EventConnecting:
			v.Listening, v.LastError = true, ""
		case e.Kind == session.EventError && e.Err != nil:
			v.LastError = e.Detail
		}
		v.Log = appendBounded(v.Log, LogEntry{Time: e.Time, Kind: string(e.Kind), Detail: e.Detail}, LogLen)
		p.publish(v)
	}
	err := <-ended
	v := *p.snap.Load()
	v.Listening = false
	if err != nil {
		v.LastError = err.Error()
	}
	v.Log = appendBounded(v.Log, LogEntry{Time: time.Now(), Kind: "stopped", Detail: "the port stopped listening"}, LogLen)
	p.publish(v)
}

// PresetPassphrases finds a passphrase of its own for each stream name in
// the presets: a preset named like the stream, or whose streamid names it
// ("#!::r=cam1,..." or "cam1"), with its passphrase in the keychain. Names
// without one are left out (they use the port's passphrase). The result
// goes into PortSpec.NamePassphrases; it is never printed.
func (c *Controller) PresetPassphrases(names []string) map[string]string {
	out := map[string]string{}
	presets := c.Presets()
	for _, n := range names {
		for _, p := range presets {
			stream, _, err := session.PortStreamName(p.StreamID)
			if p.Name != n && (err != nil || stream != n) {
				continue
			}
			a, err := c.ApplyPreset(p.Name, 0)
			if err != nil {
				continue
			}
			if pass := KeychainPassphrase(a); pass != "" {
				out[n] = pass
				break
			}
		}
	}
	return out
}
