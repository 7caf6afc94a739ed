package session

import (
	"slices"
	"testing"
	"time"
)

func TestParseData(t *testing.T) {
	hdr := func(b0 byte, seq uint32, b4 byte, ts uint32) []byte {
		b := make([]byte, 16)
		b[0], b[1], b[2], b[3] = b0|byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq)
		b[4] = b4
		b[8], b[9], b[10], b[11] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
		return b
	}
	tests := []struct {
		name        string
		b           []byte
		ok, retrans bool
		seq, ts     uint32
	}{
		{"original", hdr(0, 0x12345678, 0xc0, 99), true, false, 0x12345678, 99},
		{"retransmission", hdr(0, 7, 0xc4, 1<<31), true, true, 7, 1 << 31},
		{"control packet", hdr(0x80, 2, 0, 0), false, false, 0, 0},
		{"too short", []byte{0, 0, 0, 1}, false, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq, ts, retrans, ok := parseData(tt.b)
			if ok != tt.ok || (ok && (seq != tt.seq || ts != tt.ts || retrans != tt.retrans)) {
				t.Errorf("parseData = seq %d ts %d retrans %v ok %v, want %d %d %v %v", seq, ts, retrans, ok, tt.seq, tt.ts, tt.retrans, tt.ok)
			}
		})
	}
}

func TestArrivalsKeepBothCopies(t *testing.T) {
	a := newArrivals()
	a.record(10, 1000, false, 5)
	a.record(10, 1000, true, 9)
	a.record(10, 1000, true, 12) // a second retransmission changes nothing
	e, ok := a.lookup(10)
	if !ok || e.orig != 5 || e.rexmit != 9 {
		t.Errorf("lookup = %+v %v, want original at 5, retransmission at 9", e, ok)
	}
	if _, ok := a.lookup(10 + arrivalRing); ok {
		t.Error("a sequence number sharing the slot was found")
	}
	for seq := uint32(11); seq < 15; seq++ {
		a.record(seq, 1000+(seq-10)*100, false, 20)
	}
	// Delivered up to 11: 12, 13 and 14 wait, spanning 300 µs from 11's timestamp.
	pkts, span := a.buffered(11, 1100, 30, time.Second)
	if pkts != 3 || span != 300*time.Microsecond {
		t.Errorf("buffered = %d packets over %s, want 3 over 300µs", pkts, span)
	}
}

func TestMarginStats(t *testing.T) {
	m := newMarginStats()
	for _, ms := range []int{-5, 0, 3, 15, 15, 30, 700, 2000} {
		m.add(time.Duration(ms) * time.Millisecond)
	}
	minM, p5, ok := m.takeWindow()
	if !ok || minM != -5*time.Millisecond || p5 != -5*time.Millisecond {
		t.Errorf("window min %s p5 %s ok %v", minM, p5, ok)
	}
	if _, _, ok := m.takeWindow(); ok {
		t.Error("the window did not start anew")
	}
	h := m.histogram()
	want := []uint64{1, 2, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1} // <0, <5, <10, <20, <30, <40, ..., <1280, >=1280
	if !slices.Equal(h.Pkts, want) {
		t.Errorf("histogram %v over edges %v, want %v", h.Pkts, h.EdgesMs, want)
	}
}
