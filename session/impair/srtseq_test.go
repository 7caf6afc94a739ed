package impair

import (
	"encoding/binary"
	"testing"
)

// srtPacket is a 16-byte SRT header: data with sequence seq, or control.
func srtPacket(seq uint32, control bool) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint32(b, seq&0x7fffffff)
	if control {
		b[0] |= 0x80
	}
	return b
}

// TestBySRTSequenceIgnoresInterleaving: with BySRTSequence the originals
// lost depend only on the seed and their sequence numbers, however many
// control packets and retransmissions come in between; without it the
// pattern moves.
func TestBySRTSequenceIgnoresInterleaving(t *testing.T) {
	const n = 4000
	// lostOriginals feeds data packets 0..n-1 in order, with `controlEvery`
	// control packets between data packets and each lost original resent
	// once `resendAfter` packets later, and returns which originals the
	// shaper dropped.
	lostOriginals := func(keyed bool, controlEvery, resendAfter int) map[uint32]bool {
		s := newShaper(Impairment{LossPct: 3}, 7, Forward)
		decide := func(b []byte) Verdict {
			var key uint64
			k := false
			if keyed {
				var seq uint32
				if seq, k = srtDataSeq(b); k {
					key = s.keyFor(seq)
				}
			}
			return s.decide(0, false, key, k).Verdict
		}
		lost := map[uint32]bool{}
		var resend []uint32
		for seq := uint32(0); seq < n; seq++ {
			if decide(srtPacket(seq, false)) != Forwarded {
				lost[seq] = true
				resend = append(resend, seq)
			}
			if controlEvery > 0 && seq%uint32(controlEvery) == 0 {
				decide(srtPacket(0, true))
			}
			if len(resend) > 0 && int(seq-resend[0]) >= resendAfter {
				decide(srtPacket(resend[0], false))
				resend = resend[1:]
			}
		}
		return lost
	}
	cases := []struct {
		name                      string
		controlEvery, resendAfter int
	}{
		{"no control, quick resend", 0, 1},
		{"ACKACK every 3 packets", 3, 5},
		{"ACKACK every packet, slow resend", 1, 40},
	}
	base := lostOriginals(true, 0, 1)
	if got := len(base); got < n*2/100 || got > n*4/100 {
		t.Fatalf("lost %d of %d originals, want about 3%%", got, n)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lostOriginals(true, c.controlEvery, c.resendAfter)
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
	a, b := lostOriginals(false, 0, 1), lostOriginals(false, 1, 40)
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
