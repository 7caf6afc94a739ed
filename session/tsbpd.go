package session

import (
	"math"
	"sync"
	"time"

	"github.com/datarhei/gosrt/packet"
)

// timeDelivery compares a delivered packet's arrival (from the tap) with
// the time a libsrt receiver would play it: late packets count as
// dropped, and a retransmission's margin goes to the margin statistics
// and, when too small for libsrt's recovery, to the at-risk count.
// baseMin carries the read loop's TSBPD base (see libsrtPlay).
func (r *Receiver) timeDelivery(h *packet.PacketHeader, seq uint32, baseMin *int64) {
	r.lastDelivered.Store(uint64(seq)<<32 | uint64(h.Timestamp) | 1<<63)
	a, ok := r.arrivals.lookup(seq)
	if !ok {
		return
	}
	p := int64(h.PktTsbpdTime) * 1000
	if a.orig != 0 && a.orig-p < *baseMin {
		*baseMin = a.orig - p
	}
	at := a.orig
	if h.RetransmittedPacketFlag {
		at = a.rexmit
	}
	if at == 0 || *baseMin == math.MaxInt64 {
		return
	}
	latency := time.Duration(r.latencyMs.Load()) * time.Millisecond
	margin := time.Duration(p+*baseMin-at) + latency
	if margin < 0 {
		r.pktsLate.Add(1)
	}
	if !h.RetransmittedPacketFlag {
		return
	}
	r.margins.add(margin)
	rtt := time.Duration(r.rttMicros.Load()) * time.Microsecond
	if margin >= 0 && margin < libsrtRecoveryNeeds(rtt, latency) {
		r.pktsAtRisk.Add(1)
	}
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
// gosrt recovered would likely have been dropped by a libsrt receiver on
// the same path: see "Drops a libsrt receiver would see" in the package
// doc for where it comes from.
func libsrtRecoveryNeeds(rtt, latency time.Duration) time.Duration {
	return 0
}

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
	if ld := r.lastDelivered.Load(); ld != 0 {
		keep := time.Duration(s.LatencyMs)*time.Millisecond + 2*time.Second
		pkts, span := r.arrivals.buffered(uint32(ld>>32)&seqMask31, uint32(ld), now, keep)
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
