package session

import (
	"encoding/binary"
	"errors"
	"math"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// arrivalRing is how many recent data packets the tap remembers, indexed
// by sequence number: 65536 packets are 14 s at 50 Mbit/s, more than any
// receive latency srtscope allows at that rate holds in its buffer.
const arrivalRing = 1 << 16

// arrival is what the tap saw of one data packet: when its original and
// its first retransmission arrived. Both count: gosrt may discard a copy
// (one that came before it accepted the connection) and deliver a later
// one, and the delivered packet's retransmitted flag says which.
type arrival struct {
	orig   int64  // monoNow of the original's arrival, 0 = not seen
	rexmit int64  // monoNow of the first retransmission's arrival, 0 = not seen
	seq    uint32 // SRT sequence number
	ts     uint32 // the sender's timestamp, µs
}

// latest is when the last of the copies seen arrived.
func (e *arrival) latest() int64 { return max(e.orig, e.rexmit) }

// first is when the first of the copies seen arrived (0 = none).
func (e *arrival) first() int64 {
	if e.orig == 0 || (e.rexmit != 0 && e.rexmit < e.orig) {
		return e.rexmit
	}
	return e.orig
}

// arrivals records the arrival of each data packet before gosrt sees it.
// The tap writes a whole batch of datagrams under one lock; the receiver's
// read loop and sampler read.
type arrivals struct {
	mu       sync.Mutex
	ring     []arrival
	newest   uint32       // the highest sequence number recorded, under mu
	any      bool         // something was recorded, under mu
	lastNano atomic.Int64 // arrival of the newest data packet

	// The sender's clock, for backdated timestamps (see mend), under mu:
	// the newest timestamp seen and when it arrived; a handshake starts it
	// anew (a new connection, a new clock).
	newestTS  uint32
	newestAt  int64
	haveClock bool
	tolerance atomic.Int64  // how far behind its expected timestamp a packet may be, µs
	backdated atomic.Uint64 // packets whose timestamp was mended
}

// defaultBackdateTolerance is how far behind the sender's clock a data
// packet's timestamp may be before it counts as backdated, while the
// latency is not known: more than any retransmission can be old (a
// libsrt sender keeps packets about 1.25 x latency + 1 s, a gosrt one
// as long) at srtscope's largest latency.
const defaultBackdateTolerance = 10 * time.Second

// setLatency sets the backdating tolerance for a connection's latency:
// twice the latency plus 2 s, at least 5 s.
func (a *arrivals) setLatency(latency time.Duration) {
	a.tolerance.Store(max(2*latency+2*time.Second, 5*time.Second).Microseconds())
}

func newArrivals() *arrivals {
	a := &arrivals{ring: make([]arrival, arrivalRing)}
	a.tolerance.Store(defaultBackdateTolerance.Microseconds())
	return a
}

// record notes a data packet arriving at now (ns); later copies of an
// original or of a retransmission already seen change nothing.
func (a *arrivals) record(seq, ts uint32, retrans bool, now int64) {
	a.mu.Lock()
	a.recordLocked(seq, ts, retrans, now)
	a.mu.Unlock()
	a.lastNano.Store(now)
}

// recordBatch notes the data packets among the datagrams of b, mending
// backdated timestamps in place before gosrt sees them.
func (a *arrivals) recordBatch(b *tapBatch) {
	var last int64
	tolerance := a.tolerance.Load()
	a.mu.Lock()
	for i := range b.n {
		d := b.bufs[i][:b.size[i]]
		seq, ts, retrans, ok := parseData(d)
		if !ok {
			if isHandshake(d) {
				a.haveClock = false
			}
			continue
		}
		if mended, bad := a.mend(ts, b.at[i], tolerance); bad {
			binary.BigEndian.PutUint32(d[8:12], mended)
			a.backdated.Add(1)
			ts = mended
		}
		a.recordLocked(seq, ts, retrans, b.at[i])
		last = b.at[i]
	}
	a.mu.Unlock()
	if last != 0 {
		a.lastNano.Store(last)
	}
}

// mend checks a data packet's timestamp ts, arriving at `at`, against the
// sender's clock: the newest timestamp seen. A timestamp from before the
// connection started (or far behind where the connection stands, see
// backdated in srttime.go) reads as a value just below 2^32 early in a
// connection: gosrt and libsrt then start a new wrap period and hold the
// packet ~71 minutes, and every later packet behind it, so the stream
// stops. A packet further behind the newest timestamp than any
// retransmission can be (toleranceUs) gets the timestamp the sender's
// clock shows now, the newest plus the time since it arrived (bad =
// true): gosrt plays it in turn, the stream goes on, and pkts_backdated
// says it happened. Comparing with the sender's own timestamps, not with
// this clock, keeps clock drift out of it.
func (a *arrivals) mend(ts uint32, at, toleranceUs int64) (mended uint32, bad bool) {
	if !a.haveClock {
		a.newestTS, a.newestAt, a.haveClock = ts, at, true
		return ts, false
	}
	d := tsDelta(a.newestTS, ts)
	if d < -toleranceUs {
		return a.newestTS + uint32((at-a.newestAt)/1000), true
	}
	if d > 0 {
		a.newestTS, a.newestAt = ts, at
	}
	return ts, false
}

// isHandshake reports whether a datagram is an SRT handshake (control
// packet type 0).
func isHandshake(b []byte) bool {
	return len(b) >= 16 && b[0] == 0x80 && b[1] == 0
}

func (a *arrivals) recordLocked(seq, ts uint32, retrans bool, now int64) {
	if d := (seq - a.newest) & seqMask31; !a.any || (d != 0 && d < 1<<30) {
		a.newest, a.any = seq, true
	}
	e := &a.ring[seq&(arrivalRing-1)]
	if e.seq != seq || e.latest() == 0 {
		*e = arrival{seq: seq, ts: ts}
	}
	if retrans {
		if e.rexmit == 0 {
			e.rexmit = now
		}
	} else if e.orig == 0 {
		e.orig = now
	}
}

// lookup returns the recorded arrival of seq.
func (a *arrivals) lookup(seq uint32) (arrival, bool) {
	a.mu.Lock()
	e := a.ring[seq&(arrivalRing-1)]
	a.mu.Unlock()
	return e, e.latest() != 0 && e.seq == seq
}

// skipVerdict is when a libsrt receiver would have skipped a packet had it
// still been missing (see skipAt).
type skipVerdict struct {
	late  bool  // a later packet was there and due before the packet arrived
	fixed int64 // the earliest skip time set by a later packet's original, math.MaxInt64 = none seen
}

// tapMaxScan bounds skipAt's walk over later packets: 8192 packets are
// 1.7 s at 50 Mbit/s.
const tapMaxScan = 8192

// skipAt judges packet seq (timestamp ts, libsrt play time play), whose
// delivered copy arrived at `at`, by libsrt's too-late drop: libsrt skips
// a missing packet only when a later packet is in its buffer and due to
// play, that is at max(arrival, play time) of some later packet. The
// packet is late when that time came before it arrived. fixed is the
// earliest such time among later packets that came as originals, which do
// not move with the packet's own repair (a retransmission requested by the
// same NAK does): the at-risk margin is measured against it, up to
// at+needs. Later packets are walked in sequence order while their play
// time (play + timestamp difference, as timestamps grow with sequence
// numbers) can still matter.
func (a *arrivals) skipAt(seq, ts uint32, play, at int64, needs time.Duration) skipVerdict {
	v := skipVerdict{fixed: math.MaxInt64}
	limit := at + int64(needs)
	a.mu.Lock()
	defer a.mu.Unlock()
	ahead := (a.newest - seq) & seqMask31
	if ahead >= arrivalRing {
		return v
	}
	for d := uint32(1); d <= ahead && d <= tapMaxScan; d++ {
		y := (seq + d) & seqMask31
		e := &a.ring[y&(arrivalRing-1)]
		if e.seq != y || e.latest() == 0 {
			continue
		}
		py := play + max(tsDelta(ts, e.ts), 0)*1000
		if py >= limit {
			break
		}
		if max(e.first(), py) < at {
			v.late = true
			return v
		}
		if e.orig != 0 {
			v.fixed = min(v.fixed, max(e.orig, py))
		}
	}
	return v
}

// buffered counts the packets still waiting to be played: those whose
// sender timestamp is after afterTS (the timestamp playing now, or of the
// last packet delivered) that arrived within the last maxAge, and the
// span of their timestamps from first to last. These are libsrt's
// pktRcvBuf and msRcvBuf: its receive buffer holds what arrived and is not
// yet due.
func (a *arrivals) buffered(afterTS uint32, now int64, maxAge time.Duration) (pkts int, span time.Duration) {
	oldest := now - int64(maxAge)
	var first, last uint32 = 1 << 31, 0 // offsets from afterTS
	a.mu.Lock()
	for i := range a.ring {
		e := &a.ring[i]
		if e.latest() < oldest {
			continue
		}
		d := e.ts - afterTS
		if d == 0 || d >= 1<<31 {
			continue
		}
		pkts++
		first, last = min(first, d), max(last, d)
	}
	a.mu.Unlock()
	if pkts == 0 {
		return 0, 0
	}
	return pkts, time.Duration(last-first) * time.Microsecond
}

// playClock is where a libsrt receiver's play-out stands: the play time
// (monoNow ns) and sender timestamp of the last packet delivered, once
// the TSBPD base is known. The read loop sets it, the sampler reads it.
type playClock struct {
	mu   sync.Mutex
	at   int64
	ts   uint32
	have bool
}

func (c *playClock) set(at int64, ts uint32) {
	c.mu.Lock()
	c.at, c.ts, c.have = at, ts, true
	c.mu.Unlock()
}

func (c *playClock) reset() {
	c.mu.Lock()
	c.have = false
	c.mu.Unlock()
}

// tsAt is the sender timestamp a libsrt receiver plays at now: packets
// play in timestamp order at a fixed offset from it.
func (c *playClock) tsAt(now int64) (uint32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.have {
		return 0, false
	}
	return c.ts + uint32((now-c.at)/int64(time.Microsecond)), true
}

const seqMask31 = 1<<31 - 1

// monoEpoch anchors monoNow: arrival and delivery times are compared on
// the monotonic clock, which wall-clock steps do not move.
var monoEpoch = time.Now()

// monoNow is the monotonic time since monoEpoch, in ns.
func monoNow() int64 { return int64(time.Since(monoEpoch)) }

// parseData reads the SRT header of a datagram: whether it is a data
// packet, and its sequence number, retransmitted flag and timestamp.
func parseData(b []byte) (seq, ts uint32, retrans, ok bool) {
	if len(b) < 16 || b[0]&0x80 != 0 {
		return 0, 0, false, false
	}
	seq = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	ts = uint32(b[8])<<24 | uint32(b[9])<<16 | uint32(b[10])<<8 | uint32(b[11])
	return seq & seqMask31, ts, b[4]&0x04 != 0, true
}

// tapMaxDatagram is the largest datagram the tap carries: SRT's default
// MSS is 1500 bytes, and no peer sends more than 1500 minus headers.
const tapMaxDatagram = 1600

// tapBatch is what one read of the tap's socket gave: n datagrams with
// their lengths, sources and arrival times (monoNow clock).
type tapBatch struct {
	n    int
	bufs [][]byte
	size []int
	from []netip.AddrPort
	at   []int64
}

func newTapBatch() *tapBatch {
	b := &tapBatch{bufs: make([][]byte, tapBatchSize), size: make([]int, tapBatchSize),
		from: make([]netip.AddrPort, tapBatchSize), at: make([]int64, tapBatchSize)}
	mem := make([]byte, tapBatchSize*tapMaxDatagram)
	for i := range b.bufs {
		b.bufs[i] = mem[i*tapMaxDatagram : (i+1)*tapMaxDatagram : (i+1)*tapMaxDatagram]
	}
	return b
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }

// Tap limits: how many peers a listener's tap forwards for at once, and
// after how long without a datagram a peer's upstream socket may go.
const (
	tapMaxPeers = 256
	tapPeerIdle = 10 * time.Second
)

// arrivalTap is an in-process UDP forwarder in front of gosrt's socket.
// gosrt v0.11.0 opens its own UDP socket and gives no arrival times; the
// tap owns the public socket instead, notes each data packet's arrival
// (sequence, retransmitted flag, time) and passes every datagram on
// unchanged, over loopback, in both directions.
//
// Listener: the tap binds the public port and forwards to gosrt listening
// on a loopback port, through one upstream socket per remote peer, so
// gosrt still tells peers apart; gosrt sees a peer as its upstream
// socket's address, which peerOf maps back. Caller: gosrt dials the tap's
// loopback socket and the tap forwards to the real peer.
type arrivalTap struct {
	rec    *arrivals
	public *net.UDPConn // listener: the public port; caller: the socket to the peer
	front  *net.UDPConn // caller: the loopback socket gosrt dials
	mode   Mode
	peer   string // caller: the real peer's address, as configured

	mu    sync.Mutex
	inner netip.AddrPort                  // listener: gosrt's loopback socket, once it listens
	peers map[netip.AddrPort]*tapUpstream // listener: by remote address
	names map[string]string               // gosrt-side address -> public address
	wg    sync.WaitGroup

	gosrtAddr atomic.Pointer[netip.AddrPort] // caller: gosrt's socket
}

// tapUpstream is a listener tap's socket towards gosrt for one peer.
type tapUpstream struct {
	conn     *net.UDPConn
	w        *batchWriter // written by the listener loop only
	peer     netip.AddrPort
	lastNano atomic.Int64
}

// startTap opens the tap for cfg and returns it with the configuration
// gosrt must use instead (the loopback side). A listener's error is what
// listening on the public port gave (port in use, ...).
func startTap(cfg Config, rec *arrivals) (*arrivalTap, Config, error) {
	t := &arrivalTap{rec: rec, mode: cfg.Mode, peers: map[netip.AddrPort]*tapUpstream{}, names: map[string]string{}}
	inner := cfg
	inner.Host = "127.0.0.1"
	if cfg.Mode == ModeListener {
		pub, err := net.ListenUDP("udp", udpAddrOf(cfg))
		if err != nil {
			return nil, cfg, err
		}
		// gosrt listens on a loopback port the kernel picks as it binds
		// (a port picked first and bound later could be taken meanwhile);
		// the receiver hands it over with setInner.
		inner.Port = 0
		t.public = pub
		t.wg.Add(1)
		go t.listenerLoop()
		return t, inner, nil
	}
	raddr, err := net.ResolveUDPAddr("udp", cfg.Address())
	if err != nil {
		return nil, cfg, err
	}
	out, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		return nil, cfg, err
	}
	front, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		_ = out.Close()
		return nil, cfg, err
	}
	t.public, t.front, t.peer = out, front, cfg.Address()
	inner.Port = front.LocalAddr().(*net.UDPAddr).Port
	t.names[inner.Address()] = cfg.Address()
	t.wg.Add(2)
	go t.callerOut()
	go t.callerIn()
	return t, inner, nil
}

func udpAddrOf(cfg Config) *net.UDPAddr {
	a := &net.UDPAddr{Port: cfg.Port}
	if cfg.Host != "" {
		if ip := net.ParseIP(cfg.Host); ip != nil {
			a.IP = ip
		} else if r, err := net.ResolveUDPAddr("udp", cfg.Address()); err == nil {
			a = r
		}
	}
	return a
}

// setInner tells a listener's tap where gosrt listens, once it does;
// until then datagrams from new peers have nowhere to go and are dropped,
// as they would be before any listener. Peers forwarded to an earlier
// socket start over towards the new one.
func (t *arrivalTap) setInner(addr net.Addr) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return
	}
	ap := ua.AddrPort()
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	t.mu.Lock()
	defer t.mu.Unlock()
	if ap == t.inner {
		return
	}
	for _, u := range t.peers {
		t.dropLocked(u)
	}
	delete(t.names, t.inner.String())
	t.inner = ap
	t.names[ap.String()] = t.public.LocalAddr().String()
}

// Close stops forwarding and waits for the tap's goroutines.
func (t *arrivalTap) Close() {
	_ = t.public.Close() // unblocks the forwarding reads
	if t.front != nil {
		_ = t.front.Close()
	}
	t.mu.Lock()
	for _, u := range t.peers {
		_ = u.conn.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
}

// peerOf maps an address as gosrt sees it to the peer's real address.
func (t *arrivalTap) peerOf(addr string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.names[addr]; ok {
		return p
	}
	return addr
}

// rewrite replaces gosrt-side addresses in s with the public ones.
func (t *arrivalTap) rewrite(s string) string {
	if s == "" || !strings.Contains(s, "127.0.0.1:") {
		return s
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for from, to := range t.names {
		s = strings.ReplaceAll(s, from, to)
	}
	return s
}

// listenerLoop reads the public port and forwards each datagram to gosrt
// through its sender's upstream socket.
func (t *arrivalTap) listenerLoop() {
	defer t.wg.Done()
	b := newTapBatch()
	rd, err := newBatchReader(t.public, b)
	if err != nil {
		return // only a socket that is not a socket; Close still works
	}
	var last *tapUpstream
	for {
		if err := rd.read(b); err != nil {
			if isClosed(err) {
				return
			}
			continue
		}
		t.rec.recordBatch(b)
		// Runs of datagrams from one peer go on in one write.
		for i := 0; i < b.n; {
			j := i + 1
			for j < b.n && b.from[j] == b.from[i] {
				j++
			}
			u := last
			if u == nil || u.peer != b.from[i] {
				u = t.upstream(b.from[i], b.at[i])
				last = u
			}
			if u != nil {
				u.lastNano.Store(b.at[j-1])
				_ = u.w.write(b, i, j) // closed: the peer was evicted, its datagrams go
			}
			i = j
		}
	}
}

// upstream returns the socket towards gosrt for peer, opening one when
// there is room (evicting the longest idle peer past tapPeerIdle).
func (t *arrivalTap) upstream(peer netip.AddrPort, now int64) *tapUpstream {
	t.mu.Lock()
	defer t.mu.Unlock()
	if u, ok := t.peers[peer]; ok {
		return u
	}
	if len(t.peers) >= tapMaxPeers {
		var idlest *tapUpstream
		for _, u := range t.peers {
			if idlest == nil || u.lastNano.Load() < idlest.lastNano.Load() {
				idlest = u
			}
		}
		if now-idlest.lastNano.Load() < int64(tapPeerIdle) {
			return nil // full of live peers: this datagram is dropped
		}
		t.dropLocked(idlest)
	}
	if !t.inner.IsValid() {
		return nil // gosrt does not listen yet
	}
	c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, net.UDPAddrFromAddrPort(t.inner))
	if err != nil {
		return nil
	}
	_ = c.SetReadBuffer(udpReceiveBuffer)
	w, err := newBatchWriter(c, netip.AddrPort{})
	if err != nil {
		_ = c.Close()
		return nil
	}
	u := &tapUpstream{conn: c, w: w, peer: peer}
	u.lastNano.Store(now)
	t.peers[peer] = u
	t.names[c.LocalAddr().String()] = peer.String()
	t.wg.Add(1)
	go t.upstreamLoop(u)
	return u
}

func (t *arrivalTap) dropLocked(u *tapUpstream) {
	delete(t.peers, u.peer)
	delete(t.names, u.conn.LocalAddr().String())
	_ = u.conn.Close()
}

// upstreamLoop carries gosrt's datagrams for one peer back to it.
func (t *arrivalTap) upstreamLoop(u *tapUpstream) {
	defer t.wg.Done()
	buf := make([]byte, 1600)
	for {
		n, err := u.conn.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		_, _ = t.public.WriteToUDPAddrPort(buf[:n], u.peer)
	}
}

// callerOut carries gosrt's datagrams to the peer.
func (t *arrivalTap) callerOut() {
	defer t.wg.Done()
	buf := make([]byte, 1600)
	var last netip.AddrPort
	for {
		n, from, err := t.front.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if from != last { // a new dial opens a new gosrt socket
			last = from
			t.gosrtAddr.Store(&from)
		}
		_, _ = t.public.Write(buf[:n])
	}
}

// callerIn carries the peer's datagrams to gosrt, noting data arrivals.
func (t *arrivalTap) callerIn() {
	defer t.wg.Done()
	b := newTapBatch()
	rd, err := newBatchReader(t.public, b)
	if err != nil {
		return
	}
	w, err := newBatchWriter(t.front, netip.AddrPort{})
	if err != nil {
		return
	}
	var to netip.AddrPort
	for {
		if err := rd.read(b); err != nil {
			if isClosed(err) {
				return
			}
			continue
		}
		t.rec.recordBatch(b)
		if g := t.gosrtAddr.Load(); g != nil {
			if *g != to {
				to = *g
				w.setTo(to)
			}
			if err := w.write(b, 0, b.n); isClosed(err) {
				return
			}
		}
	}
}
