package probe

import (
	"bytes"
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/probe/ts"
)

// TestHistory damages bars_tone.ts in known ways and checks the PID
// history, the scrambled count and the null-packet share that follow.
func TestHistory(t *testing.T) {
	in, err := os.ReadFile("testdata/bars_tone.ts")
	if err != nil {
		t.Fatal(err)
	}
	n := len(in) / PacketSize
	var out []byte
	nulls, total, scrambled := 0, 0, 0
	null := make([]byte, PacketSize)
	ts.NewHeader(NullPID, false, 1, 0).Put(null)
	for i := range n {
		p := append([]byte(nil), in[i*PacketSize:(i+1)*PacketSize]...)
		h := ts.HeaderOf(p)
		switch {
		case h.PID() == 257 && i >= n/3 && i < 2*n/3:
			continue // audio stops for a third of the file (> the 2 s PID timeout)
		case h.PID() == 256 && i >= n/10 && i < n/5 && h.HasPayload():
			p[3] |= 0x80 // transport_scrambling_control 2
			scrambled++
		case h.PID() == 4096 && i >= n/2 && h.PUSI():
			s := p[ts.HeaderSize+1:] // one-packet PMT after pointer_field 0
			s[5] = s[5]&^0x3e | 1<<1 // version_number 1
			l := 3 + (int(s[1]&0x0f)<<8 | int(s[2]))
			c := ts.CRC32(s[:l-4])
			s[l-4], s[l-3], s[l-2], s[l-1] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
		}
		out = append(out, p...)
		total++
		if i%4 == 3 {
			out = append(out, null...)
			nulls++
			total++
		}
	}
	// A 0.5 s PID timeout: the audio gap (a third of the 4 s file) exceeds it
	// and four times audio's usual packet spacing.
	r, err := Inspect(context.Background(), bytes.NewReader(out), Options{PIDTimeout: 500 * time.Millisecond}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind   string
		pid    uint16
		detail string
	}{
		{PIDStart, 256, ""},
		{Scrambled, 256, "transport_scrambling_control 2"},
		{Clear, 256, ""},
		{PIDStop, 257, "no packet for"},
		{PMTVersion, 4096, "version 0 to 1"},
		{PIDStart, 257, "back after"},
	}
	var got []PIDEvent
	for _, e := range r.PIDHistory {
		if e.PID == 256 || e.PID == 257 && e.Kind != PIDStart || e.Kind != PIDStart && e.Kind != PIDStop || e.Detail != "" {
			got = append(got, e)
		}
	}
	// keep the order of the events of interest
	k := 0
	for _, e := range got {
		if k < len(want) && e.Kind == want[k].kind && e.PID == want[k].pid && strings.HasPrefix(e.Detail, want[k].detail) {
			k++
		}
	}
	if k != len(want) {
		t.Fatalf("history matched %d of %d wanted events in order; history: %+v", k, len(want), r.PIDHistory)
	}
	for _, e := range r.PIDHistory {
		if e.Kind == PIDStop && e.PID == 257 {
			if e.TimeS < 0.9 || e.TimeS > 1.7 {
				t.Errorf("PID 257 stopped at %.2f s, want about a third into the file", e.TimeS)
			}
		}
	}
	if e := r.PIDHistory[len(r.PIDHistory)-1]; e.Kind == PIDStop {
		t.Errorf("a stop at the end of the input: %+v", e)
	}
	wantPct := float64(nulls) * 100 / float64(total)
	if math.Abs(r.NullPacketPct-wantPct) > 0.01 {
		t.Errorf("null_packet_pct %.3f, want %.3f", r.NullPacketPct, wantPct)
	}
	for _, p := range r.PIDs {
		if p.PID == 256 && int(p.ScrambledPackets) != scrambled {
			t.Errorf("PID 256 scrambled_packets %d, want %d", p.ScrambledPackets, scrambled)
		}
	}
}

// TestBitrateWindows: a synthetic 1 Mbit/s multiplex with a PID on every
// 10th packet and one that stops half-way: the 1 s window rates are known.
func TestBitrateWindows(t *testing.T) {
	const (
		rate    = 1_000_000
		pktTick = PacketSize * 8 * second / rate // 27 MHz ticks per packet
		n       = 5 * rate / (PacketSize * 8)    // 5 s
	)
	var b []byte
	cc := map[uint16]uint8{}
	for i := range n {
		p := make([]byte, PacketSize)
		pid := uint16(0x102)
		switch {
		case i%2 == 0:
			pid = 0x100
		case i%10 == 1:
			pid = 0x101
		case i > n/2:
			pid = NullPID
		}
		ts.NewHeader(pid, false, 1, cc[pid]).Put(p)
		cc[pid]++
		if pid == 0x100 && i%20 == 0 {
			ts.NewHeader(pid, false, 3, cc[pid]-1).Put(p)
			p[4], p[5] = 7, ts.FlagPCR
			ts.PutPCR(p[6:12], ts.PCR(int64(i)*pktTick))
		}
		b = append(b, p...)
	}
	r, err := Inspect(context.Background(), bytes.NewReader(b), Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint16][2]float64{ // min, max
		0x100: {rate / 2, rate / 2},
		0x101: {rate / 10, rate / 10},
		0x102: {0, rate * 4 / 10},
	}
	for _, p := range r.PIDs {
		w, ok := want[p.PID]
		if !ok {
			continue
		}
		if math.Abs(p.BitrateMinBps-w[0]) > 0.02*rate/2 || math.Abs(p.BitrateMaxBps-w[1]) > 0.02*rate/2 {
			t.Errorf("PID %#x: min %.0f max %.0f, want %.0f %.0f (±1%% of the multiplex)", p.PID, p.BitrateMinBps, p.BitrateMaxBps, w[0], w[1])
		}
	}
	for _, row := range truthTable(t, "program") {
		r := fixture(t, row["file"])
		for _, p := range r.PIDs {
			if int(p.PID) == atoi(t, row["pid"]) && (p.BitrateMaxBps < p.BitrateMinBps || p.BitrateMaxBps <= 0 && r.DurationS > 2) {
				t.Errorf("%s PID %d: min %.0f max %.0f", row["file"], p.PID, p.BitrateMinBps, p.BitrateMaxBps)
			}
		}
	}
}
