package remote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// ServiceID names a connected service in a Pool.
type ServiceID int

// Entry is one connected service as the wall shows it.
type Entry struct {
	ID ServiceID
	Snapshot
}

// Pool holds the services the window is connected to, for as long as its
// context lives. The window only calls its methods: the sockets are the
// services' own.
type Pool struct {
	ctx  context.Context
	opts Options

	mu       sync.Mutex
	next     ServiceID
	services map[ServiceID]*Service
	order    []ServiceID
}

// NewPool returns an empty pool whose services end with ctx.
func NewPool(ctx context.Context, opts Options) *Pool {
	return &Pool{ctx: ctx, opts: opts, services: map[ServiceID]*Service{}}
}

// Connect connects to the service at baseURL with token (see Connect). A
// URL already in the pool is refused, naming it.
func (p *Pool) Connect(baseURL, token string) (ServiceID, error) {
	u, err := ParseURL(baseURL)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	for _, s := range p.services {
		if s.base.String() == u.String() {
			p.mu.Unlock()
			return 0, &Error{What: "connecting to " + u.Redacted(), Err: errors.New("already connected")}
		}
	}
	p.mu.Unlock()
	s, err := Connect(p.ctx, u.String(), token, p.opts)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	p.services[p.next] = s
	p.order = append(p.order, p.next)
	return p.next, nil
}

// Services are the connected services' snapshots, in connection order.
func (p *Pool) Services() []Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Entry, 0, len(p.order))
	for _, id := range p.order {
		out = append(out, Entry{ID: id, Snapshot: p.services[id].Snapshot()})
	}
	return out
}

// Disconnect stops following a service.
func (p *Pool) Disconnect(id ServiceID) {
	p.mu.Lock()
	s := p.services[id]
	delete(p.services, id)
	p.order = slices.DeleteFunc(p.order, func(x ServiceID) bool { return x == id })
	p.mu.Unlock()
	if s != nil {
		s.Close()
	}
}

// Close disconnects every service.
func (p *Pool) Close() {
	p.mu.Lock()
	ids := slices.Clone(p.order)
	p.mu.Unlock()
	for _, id := range ids {
		p.Disconnect(id)
	}
}

func (p *Pool) service(id ServiceID) (*Service, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.services[id]; ok {
		return s, nil
	}
	return nil, &Error{What: fmt.Sprintf("service %d", id), Err: errors.New("not connected (it was disconnected)")}
}

// Start starts a feed of a connected service.
func (p *Pool) Start(id ServiceID, feed string) error {
	s, err := p.service(id)
	if err != nil {
		return err
	}
	return s.Start(feed)
}

// Stop stops a feed of a connected service.
func (p *Pool) Stop(id ServiceID, feed string) error {
	s, err := p.service(id)
	if err != nil {
		return err
	}
	return s.Stop(feed)
}

// Acknowledge acknowledges a feed's alarms on a connected service.
func (p *Pool) Acknowledge(id ServiceID, feed string) error {
	s, err := p.service(id)
	if err != nil {
		return err
	}
	return s.Acknowledge(feed)
}
