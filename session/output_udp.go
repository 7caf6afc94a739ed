package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// UDPOutput sends the feed as plain UDP datagrams, unicast or multicast,
// one datagram per received SRT payload (7 TS packets), as received. One
// goroutine (Run's) owns the socket.
type UDPOutput struct {
	outputBase
	q         *outQueue
	sending   atomic.Bool // the socket is open
	stopped   atomic.Bool // Run has returned
	pkts      atomic.Uint64
	bytesSent atomic.Uint64
	errs      atomic.Uint64 // datagrams the system refused (no receiver on a unicast port)

	mu      sync.Mutex
	mbps    float64
	lastErr error
}

func newUDPOutput(cfg OutputConfig, opts OutputOptions) *UDPOutput {
	o := &UDPOutput{}
	o.init(cfg, opts)
	o.q = newOutQueue(opts.QueuePackets, &o.skipped)
	return o
}

// Write implements Output: it never blocks. What comes before Run has
// opened the socket waits in the queue (a UDP socket opens at once, and
// an output added to a live feed gets its first bytes meanwhile); what
// comes after Run ended is skipped.
func (o *UDPOutput) Write(p []byte) (int, error) {
	if o.stopped.Load() {
		o.skipped.Add(uint64(len(p)))
		return len(p), nil
	}
	o.q.put(clonePayload(p))
	return len(p), nil
}

// Run opens the socket and sends until ctx ends (nil); it fails when the
// destination cannot be resolved or the socket not opened.
func (o *UDPOutput) Run(ctx context.Context) error {
	if !o.started.CompareAndSwap(false, true) {
		return errors.New("session: UDPOutput.Run called twice")
	}
	defer o.hub.close()
	defer o.stopped.Store(true)
	cfg := o.cfg.UDP
	conn, err := dialUDP(cfg)
	if err != nil {
		o.mu.Lock()
		o.lastErr = err
		o.mu.Unlock()
		o.hub.publishEvent(Event{Time: time.Now(), Kind: EventError, Err: err, Remote: cfg.Address(), Detail: err.Error()})
		return err
	}
	defer func() { _ = conn.Close() }() // a UDP socket's close reports nothing useful
	o.sending.Store(true)
	defer o.sending.Store(false)
	o.event(EventConnected, cfg.Address(), "sending UDP to %s from %s", cfg.Address(), conn.LocalAddr())

	t := time.NewTicker(o.opts.Interval)
	defer t.Stop()
	prev, prevT := o.bytesSent.Load(), time.Now()
	var errsSeen uint64
	for {
		select {
		case <-ctx.Done():
			o.q.discard()
			o.event(EventDisconnected, cfg.Address(), "stopped sending UDP to %s: output stopped", cfg.Address())
			return nil
		case now := <-t.C:
			b := o.bytesSent.Load()
			o.mu.Lock()
			o.mbps = 0
			if dt := now.Sub(prevT).Seconds(); dt > 0 {
				o.mbps = float64(b-prev) * 8 / dt / 1e6
			}
			o.mu.Unlock()
			prev, prevT = b, now
			// Refusals are news when they start, and words beside the
			// figures while they last.
			var refused error
			if e := o.errs.Load(); e > errsSeen {
				refused = fmt.Errorf("session: %d datagrams to %s refused in the last %s: nothing listens on that port (check the receiver's address and port)", e-errsSeen, cfg.Address(), o.opts.Interval)
				o.mu.Lock()
				was := o.lastErr
				o.mu.Unlock()
				if was == nil {
					o.publish(Event{Time: now, Kind: EventWarning, Remote: cfg.Address(), Err: refused, Detail: strings.TrimPrefix(refused.Error(), "session: ")})
				}
				errsSeen = e
			}
			o.mu.Lock()
			o.lastErr = refused
			o.mu.Unlock()
			o.checkSkips("the socket is slower than the input")
		case p := <-o.q.ch:
			if _, err := conn.Write(p); err != nil {
				// A unicast datagram to a closed port comes back as an
				// error on the next write: count it and carry on.
				o.errs.Add(1)
				o.q.skip(len(p))
				continue
			}
			o.pkts.Add(1)
			o.bytesSent.Add(uint64(len(p)))
		}
	}
}

// dialUDP opens the socket towards cfg, with the multicast TTL (or the
// unicast one) set.
func dialUDP(cfg UDPConfig) (*net.UDPConn, error) {
	raddr, err := net.ResolveUDPAddr("udp", cfg.Address())
	if err != nil {
		return nil, fmt.Errorf("session: UDP output %s: cannot resolve the address (%w): check the host name", cfg.Address(), err)
	}
	conn, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		return nil, fmt.Errorf("session: UDP output %s: cannot open a socket: %w", cfg.Address(), err)
	}
	ttl := cfg.TTL
	if raddr.IP.IsMulticast() && ttl == 0 {
		ttl = DefaultMulticastTTL
	}
	if ttl != 0 {
		if err := setTTL(conn, raddr.IP, ttl); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("session: UDP output %s: setting TTL %d: %w", cfg.Address(), ttl, err)
		}
	}
	return conn, nil
}

func setTTL(conn *net.UDPConn, ip net.IP, ttl int) error {
	if ip.To4() != nil {
		if ip.IsMulticast() {
			return ipv4.NewPacketConn(conn).SetMulticastTTL(ttl)
		}
		return ipv4.NewConn(conn).SetTTL(ttl)
	}
	if ip.IsMulticast() {
		return ipv6.NewPacketConn(conn).SetMulticastHopLimit(ttl)
	}
	return ipv6.NewConn(conn).SetHopLimit(ttl)
}

// Snapshot implements Output.
func (o *UDPOutput) Snapshot() OutputSample {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := OutputSample{URL: o.url, Kind: o.cfg.Kind, SkippedBytes: o.skipped.Load()}
	s.Time = time.Now()
	s.State = StateDisconnected
	if o.sending.Load() {
		s.State, s.Peer = StateConnected, o.cfg.UDP.Address()
	}
	s.PktsSent, s.PktsUniqueSent, s.BytesSent, s.SendMbps = o.pkts.Load(), o.pkts.Load(), o.bytesSent.Load(), o.mbps
	if o.lastErr != nil {
		s.LastError = strings.TrimPrefix(o.lastErr.Error(), "session: ")
	}
	return s
}
