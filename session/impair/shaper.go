package impair

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Verdict is what the relay did with one packet.
type Verdict uint8

// Verdicts, in the order the relay checks them.
const (
	// Forwarded: sent on (at once, or after its delay).
	Forwarded Verdict = iota
	// DroppedOutage: the packet arrived during an outage or a Cut.
	DroppedOutage
	// DroppedLoss: random loss, including the rest of a burst.
	DroppedLoss
	// DroppedQueueFull: the delay queue already held QueueLimit packets.
	DroppedQueueFull
	// DroppedNoClient: a reply from upstream before any client was seen.
	DroppedNoClient
	// DroppedRateLimit: over the rate limit with the bottleneck queue
	// full. It is checked after loss and outage, before the delay queue.
	DroppedRateLimit
)

var verdictNames = [...]string{"forwarded", "dropped_outage", "dropped_loss", "dropped_queue_full", "dropped_no_client", "dropped_rate_limit"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "unknown"
}

// Direction names one way through the relay.
type Direction uint8

// The two directions.
const (
	// Forward is from a client of the Listen address to Upstream.
	Forward Direction = iota
	// Reverse is from Upstream back to the client seen last.
	Reverse
)

func (d Direction) String() string {
	if d == Reverse {
		return "reverse"
	}
	return "forward"
}

// TraceEvent describes the fate of one packet (see Config.Trace).
type TraceEvent struct {
	Dir Direction
	// Seq counts the packets read in this direction, from 1.
	Seq uint64
	// At is when the relay read the packet, since the relay was created.
	At time.Duration
	// SendAt is when a forwarded packet is due out (At when not delayed).
	SendAt  time.Duration
	Size    int
	Verdict Verdict
	// BurstStart is true on the packet that started a loss event.
	BurstStart bool
}

// shaper decides the fate of each packet of one direction. It is used by
// that direction's reading goroutine only, so it needs no lock. Loss draws
// come from their own random stream, taken once per packet read, so the n-th
// packet's loss verdict depends only on the seed and n: not on timing,
// outages or jitter.
type shaper struct {
	im        Impairment
	p         float64 // loss probability per packet, 0..1
	burst     int
	loss      *rand.Rand
	jitter    *rand.Rand
	burstLeft int   // packets still to drop in the current loss event
	lastOut   int64 // ns; latest send time given, to keep order
	seq       uint64
	// conclusionsLeft counts down Impairment.DropConclusions.
	conclusionsLeft int
	// keySalt and sends serve Config.BySRTSequence: the salt mixes seed
	// and direction into each keyed draw, sends counts how often each
	// recent SRT sequence number was sent (a ring, so no allocation).
	keySalt  uint64
	sends    *[sendRing]sendCount
	base     uint32 // first sequence number of the current connection
	haveBase bool
	// bases links the two directions' first sequence numbers; naks counts
	// the NAKs asking first for each packet, counted from nakBase, the
	// other direction's first sequence number.
	bases   baseLink
	naks    *[sendRing]sendCount
	nakBase uint32
	// Rate limit (Impairment.RateLimitMbps) as a GCRA token bucket: tat
	// is the theoretical arrival time (ns) of the next packet, nsPerByte
	// the cost of a byte, tau the bucket depth and maxWait the longest a
	// packet may wait in the bottleneck queue, both in ns.
	tat, tau, maxWait int64
	nsPerByte         float64
	// In-order jitter follows a smooth curve through random points spaced
	// seg ns apart: delay (ns) is v0 at segStart, v1 at segStart+seg.
	seg, segStart, v0, v1 int64
}

// sendRing is how many recent SRT sequence numbers the shaper remembers
// send counts for: far more than a live sender keeps in flight.
const sendRing = 1 << 14

// sendCount is one ring slot: sequence number + 1 (0 = empty) and sends.
type sendCount struct{ seqPlus1, n uint32 }

// srtPacketKind tells an SRT data packet (with its sequence number) from a
// handshake and from other datagrams. The first header bit is 0 for data,
// followed by the 31-bit sequence number; control packets have 1 and the
// 15-bit type, 0 for a handshake.
func srtPacketKind(b []byte) (seq uint32, data, handshake bool) {
	if len(b) < 16 {
		return 0, false, false
	}
	if b[0]&0x80 != 0 {
		return 0, false, b[0] == 0x80 && b[1] == 0
	}
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), true, false
}

// isConclusion reports whether b is an SRT conclusion handshake: a
// handshake control packet whose handshake type (the sixth 32-bit word of
// its body, after the 16-byte header) is 0xFFFFFFFF.
func isConclusion(b []byte) bool {
	if _, _, handshake := srtPacketKind(b); !handshake || len(b) < 40 {
		return false
	}
	return b[36] == 0xff && b[37] == 0xff && b[38] == 0xff && b[39] == 0xff
}

// dropConclusion reports whether the relay must drop b for
// Impairment.DropConclusions, counting it when so.
func (s *shaper) dropConclusion(b []byte) bool {
	if s.conclusionsLeft <= 0 || !isConclusion(b) {
		return false
	}
	s.conclusionsLeft--
	return true
}

// observeSRT returns the loss key of an SRT datagram for
// Config.BySRTSequence; keyed is false for anything but a data packet or
// a NAK. A data packet's key is its sequence number counted from the
// first data packet after a handshake, because each connection starts at
// a random number, and how many times the packet was sent before. A NAK's
// key is the first sequence number it asks for, counted from the first
// data packet of the other direction, and how many NAKs asked first for
// it before: the k-th request for a packet then meets the same fate
// behind any receiver, however many ACKs it sends in between (gosrt sends
// an ACK every 10 ms, libsrt when there is something new to acknowledge).
func (s *shaper) observeSRT(b []byte) (key uint64, keyed bool) {
	seq, data, handshake := srtPacketKind(b)
	if handshake {
		s.haveBase = false
	}
	if !data {
		return s.nakKey(b)
	}
	if !s.haveBase {
		s.base, s.haveBase = seq, true
		s.bases.setOwn(seq)
	}
	return s.keyFor((seq - s.base) & 0x7fffffff), true
}

// nakKey returns the loss key of a NAK (keyed false for other control
// packets, and while the other direction has sent no data).
func (s *shaper) nakKey(b []byte) (key uint64, keyed bool) {
	if len(b) < 20 || b[0] != 0x80 || b[1] != srtNAK {
		return 0, false
	}
	base, ok := s.bases.other()
	if !ok {
		return 0, false
	}
	if base != s.nakBase {
		s.naks, s.nakBase = nil, base // a new connection counts anew
	}
	first := (uint32(b[16])<<24 | uint32(b[17])<<16 | uint32(b[18])<<8 | uint32(b[19])) & 0x7fffffff
	return nakKeyFlag | countSend(&s.naks, (first-base)&0x7fffffff), true
}

// srtNAK is the control type of a NAK (loss report); nakKeyFlag keeps NAK
// keys apart from data keys in one direction.
const (
	srtNAK     = 3
	nakKeyFlag = 1 << 63
)

// keyFor returns the loss key of the data packet numbered seq: the number
// and how many times it was sent before.
func (s *shaper) keyFor(seq uint32) uint64 { return countSend(&s.sends, seq) }

// countSend returns seq | (how often seq was counted in *ring before)<<32
// and counts it once more.
func countSend(ring **[sendRing]sendCount, seq uint32) uint64 {
	if *ring == nil {
		*ring = new([sendRing]sendCount)
	}
	slot := &(*ring)[seq%sendRing]
	if slot.seqPlus1 != seq+1 {
		*slot = sendCount{seqPlus1: seq + 1}
	}
	attempt := slot.n
	slot.n++
	return uint64(seq) | uint64(attempt)<<32
}

// srtBases holds each direction's first data sequence number of the
// current connection, for the other direction's NAK keys (each direction's
// shaper runs on its own goroutine).
type srtBases [2]atomic.Uint64 // 1<<32 | base, 0 = none yet

// baseLink is one direction's view of srtBases.
type baseLink struct{ own, peer *atomic.Uint64 }

func (b *srtBases) forDirection(dir Direction) baseLink {
	return baseLink{own: &b[dir], peer: &b[1-dir]}
}

func (l baseLink) setOwn(seq uint32) {
	if l.own != nil {
		l.own.Store(1<<32 | uint64(seq))
	}
}

func (l baseLink) other() (uint32, bool) {
	if l.peer == nil {
		return 0, false
	}
	v := l.peer.Load()
	return uint32(v), v != 0
}

// keyedDraw is a uniform number in [0,1) fixed by the salt and key
// (splitmix64 finaliser).
func (s *shaper) keyedDraw(key uint64) float64 {
	z := key + s.keySalt + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// lossDraw is the uniform draw a packet's loss is decided by.
func (s *shaper) lossDraw(key uint64, keyed bool) float64 {
	if keyed {
		return s.keyedDraw(key)
	}
	return s.loss.Float64()
}

func newShaper(im Impairment, seed int64, dir Direction) *shaper {
	// Distinct PCG streams per direction and purpose.
	s1 := uint64(seed)
	s := &shaper{
		im:      im,
		p:       im.LossPct / 100,
		burst:   im.burst(),
		loss:    rand.New(rand.NewPCG(s1, 0x9e3779b97f4a7c15+uint64(dir)*2)),
		jitter:  rand.New(rand.NewPCG(s1, 0x9e3779b97f4a7c15+uint64(dir)*2+1)),
		keySalt: s1*0x2545f4914f6cdd1d + uint64(dir),

		conclusionsLeft: im.DropConclusions,
	}
	if im.RateLimitMbps > 0 {
		s.nsPerByte = 8e9 / (im.RateLimitMbps * 1e6)
		s.tau = int64(DefaultRateBurstBytes * s.nsPerByte)
		s.maxWait = int64(float64(im.rateQueueBytes()) * s.nsPerByte)
		s.tat = math.MinInt64 / 2
	}
	if im.Jitter > 0 && !im.Reorder {
		// Delay changes at most 2*Jitter per segment; a segment of at least
		// 4*Jitter keeps the slope under 1/2, so a later packet never
		// overtakes an earlier one and the delay never piles up.
		s.seg = max(4*int64(im.Jitter), int64(20*time.Millisecond))
		s.v0, s.v1 = s.jitterPoint(), s.jitterPoint()
	}
	return s
}

// jitterPoint draws a delay uniformly from Delay-Jitter..Delay+Jitter.
func (s *shaper) jitterPoint() int64 {
	j := int64(s.im.Jitter)
	return int64(s.im.Delay) + s.jitter.Int64N(2*j+1) - j
}

// delayAt is the delay of a packet read at now (ns).
func (s *shaper) delayAt(now int64) int64 {
	d := int64(s.im.Delay)
	switch {
	case s.im.Jitter == 0:
	case s.im.Reorder:
		// Independent per packet, as netem does: packets may overtake.
		d = s.jitterPoint()
	default:
		if now-s.segStart >= s.seg {
			n := (now - s.segStart) / s.seg
			s.segStart += n * s.seg
			if n == 1 {
				s.v0, s.v1 = s.v1, s.jitterPoint()
			} else { // idle for a while: start a fresh curve
				s.v0, s.v1 = s.jitterPoint(), s.jitterPoint()
			}
		}
		d = s.v0 + (s.v1-s.v0)*(now-s.segStart)/s.seg
	}
	return max(d, 0)
}

// inOutage reports whether now (ns since the relay was created) falls in a
// periodic outage window [k*every, k*every+for), k >= 1.
func (im Impairment) inOutage(now int64) bool {
	every := int64(im.OutageEvery)
	if every <= 0 || now < every {
		return false
	}
	return now%every < int64(im.OutageFor)
}

// outageWindows counts the outage windows begun by elapsed.
func (im Impairment) outageWindows(elapsed time.Duration) uint64 {
	if im.OutageEvery <= 0 || elapsed < im.OutageEvery {
		return 0
	}
	return uint64(elapsed / im.OutageEvery)
}

// rateDepart applies the rate limit to a datagram of size bytes read at now
// (ns): it returns when the bottleneck lets it out, or ok=false when it
// would wait longer than the queue holds (then it uses no tokens).
func (s *shaper) rateDepart(now int64, size int) (depart int64, ok bool) {
	tat := max(s.tat, now)
	depart = max(now, tat-s.tau)
	if depart-now > s.maxWait {
		return 0, false
	}
	s.tat = tat + int64(float64(size+ipUDPOverhead)*s.nsPerByte)
	return depart, true
}

// decide returns the verdict for the next packet of size bytes, read at
// now (ns since the relay was created), and for a forwarded packet when it
// is due out. cut is true during a manual Cut. With keyed, the loss draw
// comes from key (Config.BySRTSequence) rather than from the packet's
// position.
func (s *shaper) decide(now int64, size int, cut bool, key uint64, keyed bool) (ev TraceEvent) {
	s.seq++
	ev.Seq = s.seq
	ev.At = time.Duration(now)
	lost := false
	switch {
	case s.burstLeft > 0:
		s.burstLeft--
		lost = true
	case s.p > 0 && s.lossDraw(key, keyed) < s.p:
		s.burstLeft = s.burst - 1
		lost = true
		ev.BurstStart = true
	}
	switch {
	case cut || s.im.inOutage(now):
		ev.Verdict = DroppedOutage
		return ev
	case lost:
		ev.Verdict = DroppedLoss
		return ev
	}
	out := now
	if s.im.RateLimitMbps > 0 {
		depart, ok := s.rateDepart(now, size)
		if !ok {
			ev.Verdict = DroppedRateLimit
			return ev
		}
		out = depart
	}
	if s.im.delays() {
		out += s.delayAt(now)
		// Clamped delays near zero can still cross; keep order regardless.
		if !s.im.Reorder && out < s.lastOut {
			out = s.lastOut
		}
		s.lastOut = max(s.lastOut, out)
	}
	ev.SendAt = time.Duration(out)
	ev.Verdict = Forwarded
	return ev
}
