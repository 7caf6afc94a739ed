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
