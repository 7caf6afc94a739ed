package impair

import (
	"encoding/binary"
	"testing"
)

// FuzzObserveSRT feeds datagrams from the network, as the relay sees them,
// to both directions' loss keys (Config.BySRTSequence): no input panics,
// only data packets and NAKs are keyed, a NAK only once the other
// direction has sent data, and the same datagram after the same history
// gets the same key.
func FuzzObserveSRT(f *testing.F) {
	nak := make([]byte, 20)
	binary.BigEndian.PutUint16(nak, 0x8000|srtNAK)
	binary.BigEndian.PutUint32(nak[16:], 0x80000005)
	f.Add(srtPacket(0, true, 0), srtPacket(7, false, 0), nak)
	f.Add(srtPacket(0x7fffffff, false, 0), srtPacket(0, true, 6), nak[:19])
	f.Add([]byte{}, []byte{0x80}, []byte{0x80, 0x03})
	f.Fuzz(func(t *testing.T, fwdIn, revFirst, revNext []byte) {
		run := func() (keys [3]uint64, keyed [3]bool) {
			var bases srtBases
			fwd := newShaper(Impairment{LossPct: 10}, 3, Forward)
			rev := newShaper(Impairment{LossPct: 10}, 3, Reverse)
			fwd.bases, rev.bases = bases.forDirection(Forward), bases.forDirection(Reverse)
			keys[0], keyed[0] = fwd.observeSRT(fwdIn)
			keys[1], keyed[1] = rev.observeSRT(revFirst)
			keys[2], keyed[2] = rev.observeSRT(revNext)
			return keys, keyed
		}
		keys, keyed := run()
		_, fwdData, _ := srtPacketKind(fwdIn)
		for i, b := range [][]byte{fwdIn, revFirst, revNext} {
			_, data, _ := srtPacketKind(b)
			isNAK := len(b) >= 20 && b[0] == 0x80 && b[1] == srtNAK
			if keyed[i] && !data && (!isNAK || !fwdData) {
				t.Fatalf("datagram %d (% x) keyed %#x: neither data nor a NAK after the other side's data", i, b, keys[i])
			}
			if data && !keyed[i] {
				t.Fatalf("data packet %d (% x) not keyed", i, b)
			}
		}
		if again, againKeyed := run(); again != keys || againKeyed != keyed {
			t.Fatalf("the same datagrams keyed %v %v, then %v %v", keys, keyed, again, againKeyed)
		}
	})
}
