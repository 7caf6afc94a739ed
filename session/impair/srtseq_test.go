package impair

import (
	"encoding/binary"
	"testing"
)

// srtPacket is a 16-byte SRT header: data with sequence seq, or a control
// packet of type ctrl (0 handshake, 6 ACKACK).
func srtPacket(seq uint32, control bool, ctrl uint16) []byte {
	b := make([]byte, 16)
	if control {
		binary.BigEndian.PutUint16(b, 0x8000|ctrl)
	} else {
		binary.BigEndian.PutUint32(b, seq&0x7fffffff)
	}
	return b
}

// TestBySRTSequenceIgnoresInterleaving: with BySRTSequence the originals
// lost depend only on the seed and their sequence numbers, however many
// control packets and retransmissions come in between; without it the
// pattern moves.
func TestBySRTSequenceIgnoresInterleaving(t *testing.T) {
	const n = 4000
	// lostOriginals feeds a handshake and then data packets isn..isn+n-1
	// in order, with an ACKACK every `controlEvery` data packets and each
	// lost original resent once `resendAfter` packets later, and returns
	// which originals (counted from 0) the shaper dropped.
	lostOriginals := func(keyed bool, isn uint32, controlEvery, resendAfter int) map[uint32]bool {
		s := newShaper(Impairment{LossPct: 3}, 7, Forward)
		decide := func(b []byte) Verdict {
			var key uint64
			k := false
			if keyed {
				key, k = s.observeSRT(b)
			}
			return s.decide(0, 0, false, key, k).Verdict
		}
		decide(srtPacket(0, true, 0))
		lost := map[uint32]bool{}
		var resend []uint32
		for i := uint32(0); i < n; i++ {
			if decide(srtPacket(isn+i, false, 0)) != Forwarded {
				lost[i] = true
				resend = append(resend, i)
			}
			if controlEvery > 0 && i%uint32(controlEvery) == 0 {
				decide(srtPacket(0, true, 6))
			}
			if len(resend) > 0 && int(i-resend[0]) >= resendAfter {
				decide(srtPacket(isn+resend[0], false, 0))
				resend = resend[1:]
			}
		}
		return lost
	}
	cases := []struct {
		name                      string
		isn                       uint32
		controlEvery, resendAfter int
	}{
		{"no control, quick resend", 0, 0, 1},
		{"another initial sequence number", 123456789, 0, 1},
		{"initial number near the wrap", 0x7fffffff - 100, 0, 1},
		{"ACKACK every 3 packets", 99, 3, 5},
		{"ACKACK every packet, slow resend", 5, 1, 40},
	}
	base := lostOriginals(true, 0, 0, 1)
	if got := len(base); got < n*2/100 || got > n*4/100 {
		t.Fatalf("lost %d of %d originals, want about 3%%", got, n)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lostOriginals(true, c.isn, c.controlEvery, c.resendAfter)
			if len(got) != len(base) {
				t.Fatalf("keyed: lost %d originals, the plain stream lost %d", len(got), len(base))
			}
			for seq := range base {
				if !got[seq] {
					t.Fatalf("keyed: original %d was lost in the plain stream but not here", seq)
				}
			}
		})
	}
	// The positional draw is what the option fixes: interleaving moves it.
	a, b := lostOriginals(false, 0, 0, 1), lostOriginals(false, 0, 1, 40)
	same := len(a) == len(b)
	for seq := range a {
		same = same && b[seq]
	}
	if same {
		t.Error("positional draw: control packets did not move the pattern; the test proves nothing")
	}
}

// TestBySRTSequenceRetransmissionsDrawAgain: a resent packet gets a fresh
// draw, so a lost original is not lost on every resend.
func TestBySRTSequenceRetransmissionsDrawAgain(t *testing.T) {
	s := newShaper(Impairment{LossPct: 50}, 1, Forward)
	seen := map[uint64]bool{}
	for range 64 {
		seen[s.keyFor(42)] = true
	}
	if len(seen) != 64 {
		t.Fatalf("64 sends of one sequence number gave %d distinct keys", len(seen))
	}
	lostAll := true
	for range 64 {
		lostAll = lostAll && s.keyedDraw(s.keyFor(43)) < 0.5
	}
	if lostAll {
		t.Error("every resend of sequence 43 drew loss at 50%")
	}
}

// handshake is an SRT handshake datagram of the given handshake type
// (1 induction, 0xFFFFFFFF conclusion) with a 48-byte body.
func handshake(hsType uint32) []byte {
	b := append(srtPacket(0, true, 0), make([]byte, 48)...)
	binary.BigEndian.PutUint32(b[36:], hsType)
	return b
}

// TestDropConclusions: the first N conclusion handshakes are dropped and
// nothing else: inductions, data and later conclusions pass.
func TestDropConclusions(t *testing.T) {
	s := newShaper(Impairment{DropConclusions: 2}, 1, Reverse)
	const conclusion, induction = 0xFFFFFFFF, 1
	steps := []struct {
		b    []byte
		drop bool
	}{
		{handshake(induction), false},
		{handshake(conclusion), true},
		{srtPacket(5, false, 0), false},
		{handshake(conclusion), true},
		{handshake(induction), false},
		{handshake(conclusion), false},
		{srtPacket(0, true, 6), false},
	}
	for i, st := range steps {
		if got := s.dropConclusion(st.b); got != st.drop {
			t.Errorf("datagram %d: dropped %v, want %v", i+1, got, st.drop)
		}
	}
	if err := (Impairment{DropConclusions: -1}).Validate(); err == nil {
		t.Error("DropConclusions -1 validated")
	}
	if (Impairment{DropConclusions: 1}).IsZero() {
		t.Error("an impairment that drops a conclusion reads as zero")
	}
}

// nak is an SRT NAK datagram whose loss list starts with seq (a range
// seq..seq+1 when rng is true) and goes on with seq+5.
func nak(seq uint32, rng bool) []byte {
	b := srtPacket(0, true, 3)
	if rng {
		b = binary.BigEndian.AppendUint32(b, seq&0x7fffffff|0x80000000)
		b = binary.BigEndian.AppendUint32(b, (seq+1)&0x7fffffff)
	} else {
		b = binary.BigEndian.AppendUint32(b, seq&0x7fffffff)
	}
	return binary.BigEndian.AppendUint32(b, (seq+5)&0x7fffffff)
}

// TestBySRTSequenceKeysNAKs: with BySRTSequence the k-th NAK that asks
// first for a given packet (counted from the connection's first data
// packet, in the other direction) meets the same fate whatever else the
// receiver sends back: two receivers behind relays with the same seed then
// lose the same requests, not whichever NAK happens to meet a given draw.
// gosrt and libsrt send different numbers of ACKs, and at 30% loss the
// difference decided whether a packet came in time (issue 17, 30% loss at
// 12x RTT: gosrt's three periodic NAKs for one packet lost, libsrt's one
// through).
func TestBySRTSequenceKeysNAKs(t *testing.T) {
	const naks = 600
	// fates sends a handshake and data from isn forward and then, back,
	// NAKs for packets 1000..1000+naks/3-1 (three each, first as a range
	// when rangeFirst) with `acksEvery` ACKs before each, and returns
	// which of them the reverse shaper dropped, keyed "packet/attempt".
	fates := func(isn uint32, acksEvery int, rangeFirst bool) map[[2]uint32]bool {
		var bases srtBases
		fwd := newShaper(Impairment{}, 17, Forward)
		rev := newShaper(Impairment{LossPct: 30}, 17, Reverse)
		fwd.bases, rev.bases = bases.forDirection(Forward), bases.forDirection(Reverse)
		send := func(s *shaper, b []byte) Verdict {
			key, keyed := s.observeSRT(b)
			return s.decide(0, 0, false, key, keyed).Verdict
		}
		send(fwd, srtPacket(0, true, 0))
		send(rev, srtPacket(0, true, 0))
		for i := uint32(0); i < 1200; i++ {
			send(fwd, srtPacket(isn+i, false, 0))
		}
		lost := map[[2]uint32]bool{}
		for k := uint32(0); k < 3; k++ {
			for p := uint32(1000); p < 1000+naks/3; p++ {
				for range acksEvery {
					send(rev, srtPacket(0, true, 2))
				}
				if send(rev, nak(isn+p, rangeFirst && k == 0)) != Forwarded {
					lost[[2]uint32{p, k}] = true
				}
			}
		}
		return lost
	}
	base := fates(0, 0, false)
	if got := len(base); got < naks*25/100 || got > naks*35/100 {
		t.Fatalf("lost %d of %d NAKs, want about 30%%", got, naks)
	}
	cases := []struct {
		name       string
		isn        uint32
		acksEvery  int
		rangeFirst bool
	}{
		{"one ACK before each NAK", 0, 1, false},
		{"three ACKs before each NAK", 0, 3, false},
		{"another initial sequence number", 987654321, 2, false},
		{"initial number near the wrap", 0x7fffffff - 1100, 1, false},
		{"first NAK as a range", 0, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := fates(c.isn, c.acksEvery, c.rangeFirst)
			if len(got) != len(base) {
				t.Fatalf("lost %d NAKs, the plain stream lost %d", len(got), len(base))
			}
			for k := range base {
				if !got[k] {
					t.Fatalf("NAK %d for packet %d was lost in the plain stream but not here", k[1]+1, k[0])
				}
			}
		})
	}
}
