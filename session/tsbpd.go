package session

import (
	"math"
	"sync"
	"time"

	"github.com/datarhei/gosrt/packet"
)

// tsbpdState is the read loop's timing state for one connection.
type tsbpdState struct {
	base int64 // TSBPD base on the tap's clock (see libsrtPlay); math.MaxInt64 = none yet
}

func newTSBPDState() tsbpdState { return tsbpdState{base: math.MaxInt64} }

// timeDelivery judges a delivered packet as a libsrt receiver on the same
// path would have (see "Late" in the package doc): late when, before its
// delivered copy arrived, a later packet had arrived and was due to play,
// so that libsrt's too-late drop had already skipped it; at risk when a
// retransmission came with less than libsrt's recovery needs to spare
// before such a skip. Its own recovery margin (play time - arrival) goes
// to the margin statistics.
func (r *Receiver) timeDelivery(h *packet.PacketHeader, seq uint32, st *tsbpdState) {
	r.lastDelivered.Store(uint64(seq)<<32 | uint64(h.Timestamp) | 1<<63)
	p := int64(h.PktTsbpdTime) * 1000
	a, ok := r.arrivals.lookup(seq)
	if ok && a.orig != 0 && a.orig-p < st.base {
		st.base = a.orig - p
	}
	at := a.orig
	if h.RetransmittedPacketFlag {
		at = a.rexmit
	}
	if !ok || at == 0 || st.base == math.MaxInt64 {
		return
	}
	latency := time.Duration(r.latencyMs.Load()) * time.Millisecond
	play := p + st.base + int64(latency)
	r.played.set(play, h.Timestamp)
	if h.RetransmittedPacketFlag {
		r.margins.add(time.Duration(play - at))
	}
	switch late, atRisk := r.arrivals.judge(seq, h.Timestamp, play, at, h.RetransmittedPacketFlag); {
	case late:
		r.pktsLate.Add(1)
	case atRisk:
		r.pktsAtRisk.Add(1)
	}
}

// judge gives the verdict on a delivered packet (seq, timestamp ts, libsrt
// play time play) whose delivered copy arrived at `at`, a retransmission
// or not: late when libsrt's too-late drop had skipped it before it came
// (skipAt), at risk when it is a retransmission that came less than
// libsrtRecoveryNeeds before a later original was due.
func (a *arrivals) judge(seq, ts uint32, play, at int64, retrans bool) (late, atRisk bool) {
	var needs time.Duration
	if retrans {
		needs = libsrtRecoveryNeeds()
	}
	v := a.skipAt(seq, ts, play, at, needs)
	return v.late, !v.late && retrans && v.fixed-at < int64(needs)
}

// libsrtPlay: the play time a libsrt receiver gives a packet is its TSBPD
// base + timestamp + latency (+ drift), the base being the peer's
// conclusion handshake's arrival minus its timestamp: the transit time
// of a packet sent without delay. gosrt v0.11.0 plays at another time:
// it adds its time base to the play time and to its clock alike, where it
// cancels, so its play time is the handshake's arrival + timestamp +
// latency, seconds late when the peer's socket was old at the handshake
// (measured: 1.6 s behind a libsrt caller through 5% loss). Its drift
// stays 0. So srtscope does not use gosrt's play time, only its unwrapped
// timestamp (PktTsbpdTime, which gosrt keeps monotonic across the 32-bit
// wrap, minus constants): the base is the shortest transit of any
// original packet delivered so far (arrival - PktTsbpdTime, as seen by
// the tap), which a handshake through the same path also takes, and a
// packet plays at base + PktTsbpdTime + latency. Over a connection the
// estimate only falls, towards the path's true transit.

// libsrtRecoveryNeeds is the recovery margin below which a packet that
// gosrt recovered may have been dropped by a libsrt receiver on the same
// path: the part of libsrt's play time srtscope cannot see, its drift
// correction, which libsrt 1.5.1 keeps within TSBPD_DRIFT_MAX_VALUE
// (5 ms) before it moves its base. The periodic NAK's phase is not
// counted: it moves a repair as often earlier as later (see "At risk" in
// the package doc for the reasoning and what was measured).
func libsrtRecoveryNeeds() time.Duration { return libsrtDriftMax }

// libsrtDriftMax is libsrt's TSBPD_DRIFT_MAX_VALUE: how far its drift
// correction may move play times before it shifts the TSBPD base.
const libsrtDriftMax = 5 * time.Millisecond

// detail fills the receiver detail of a sample about to be published.
func (r *Receiver) detail(s *Sample) {
	if minRTT, maxRTT, dev, ok := r.rttWin.take(); ok {
		s.RTTMinMs, s.RTTMaxMs, s.RTTVarMs = minRTT, maxRTT, dev
	}
	if minM, p5, ok := r.margins.takeWindow(); ok {
		a, b := float64(minM)/1e6, float64(p5)/1e6
		s.RecoveryMarginMinMs, s.RecoveryMarginP5Ms = &a, &b
	}
	last := r.lastDataNano.Load()
	if s.State != StateConnected {
		return
	}
	if r.arrivals == nil {
		s.SinceLastPacketMs = float64(time.Now().UnixNano()-last) / 1e6
		return
	}
	now := monoNow()
	if at := r.arrivals.lastNano.Load(); at != 0 {
		s.SinceLastPacketMs = float64(now-at) / 1e6
	}
	// What a libsrt receiver holds: what arrived and is not yet due at its
	// play time. gosrt may hold more, for it plays later (see libsrtPlay);
	// until the play time is known, what gosrt has not delivered.
	after, ok := r.played.tsAt(now)
	if ld := r.lastDelivered.Load(); !ok && ld != 0 {
		after, ok = uint32(ld), true
	}
	if ok {
		keep := time.Duration(s.LatencyMs)*time.Millisecond + 2*time.Second
		pkts, span := r.arrivals.buffered(after, now, keep)
		s.RcvBufPkts, s.RcvBufMs = pkts, float64(span)/1e6
	}
}

// rttWindow collects the RTT readings of one sample window.
type rttWindow struct {
	mu       sync.Mutex
	readings []float64
}

func (w *rttWindow) add(ms float64) {
	if ms <= 0 {
		return
	}
	w.mu.Lock()
	w.readings = append(w.readings, ms)
	w.mu.Unlock()
}

// take returns the window's smallest and largest RTT reading and their
// mean absolute deviation, and starts a new window.
func (w *rttWindow) take() (minMs, maxMs, devMs float64, ok bool) {
	w.mu.Lock()
	rs := w.readings
	w.readings = nil
	w.mu.Unlock()
	if len(rs) == 0 {
		return 0, 0, 0, false
	}
	minMs, maxMs = math.Inf(1), math.Inf(-1)
	var sum float64
	for _, v := range rs {
		minMs, maxMs, sum = math.Min(minMs, v), math.Max(maxMs, v), sum+v
	}
	mean := sum / float64(len(rs))
	for _, v := range rs {
		devMs += math.Abs(v - mean)
	}
	return minMs, maxMs, devMs / float64(len(rs)), true
}
