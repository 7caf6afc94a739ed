package linetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/probe/ts"
)

func TestParseRates(t *testing.T) {
	tests := []struct {
		in   string
		want []float64
		bad  string // part of the error
	}{
		{in: "2,4,8,12,16,20", want: []float64{2, 4, 8, 12, 16, 20}},
		{in: " 1.5 , 3 ", want: []float64{1.5, 3}},
		{in: "10", want: []float64{10}},
		{in: "", bad: "no rates"},
		{in: "4,2", bad: `"2" does not increase`},
		{in: "4,4", bad: "does not increase"},
		{in: "2,x", bad: `"x" is not a number`},
		{in: "0", bad: "out of range"},
		{in: "2000", bad: "out of range"},
		{in: "NaN", bad: "not a number"},
		{in: "2,,4", bad: "not a number"},
	}
	for _, tc := range tests {
		got, err := ParseRates(tc.in)
		if tc.bad != "" {
			if err == nil || !errors.Is(err, ErrRates) || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("ParseRates(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.bad)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("ParseRates(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ParseRates(%q) = %v; want %v", tc.in, got, tc.want)
			}
		}
	}
}

func FuzzParseRates(f *testing.F) {
	for _, s := range []string{"2,4,8,12,16,20", "1.5", "", "4,2", "1e3", "0x10", ",", "2,NaN", "-1", "+5,6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rates, err := ParseRates(s)
		if err != nil {
			if !errors.Is(err, ErrRates) {
				t.Fatalf("error %v does not wrap ErrRates", err)
			}
			var re *RatesError
			if !errors.As(err, &re) || re.Field != "rates" || re.Value != s || re.Problem == "" || re.Allowed != RatesAllowed {
				t.Fatalf("%q: error %#v is not a complete *RatesError", s, err)
			}
			return
		}
		if len(rates) == 0 || len(rates) > MaxRates {
			t.Fatalf("%q: %d rates", s, len(rates))
		}
		for i, r := range rates {
			if r < MinRateMbps || r > MaxRateMbps || (i > 0 && r <= rates[i-1]) {
				t.Fatalf("%q: bad rates %v", s, rates)
			}
		}
	})
}

// meas is a measurement of n original packets with retrans
// retransmissions, drops send drops and an RTT.
func meas(n, retrans, drops uint64, rtt float64) Measurement {
	return Measurement{PktsSent: n + retrans, PktsUnique: n, PktsRetrans: retrans, PktsSendDropped: drops, RTTMs: rtt, RTTMaxMs: rtt + 2}
}

// withReceiver adds an srtscope receiver's report to m: recv delivered,
// lost detected missing (recovered + unrecovered), dropped never delivered.
func withReceiver(m Measurement, recv, lost, dropped uint64) Measurement {
	r := &ReceiverStep{Step: 1, Mbps: 8, PktsRecv: recv, PktsLost: lost, PktsRetrans: lost - dropped, PktsDropped: dropped}
	r.LossPct = round2(100 * float64(lost) / float64(recv+dropped))
	m.Receiver = r
	return m
}

func TestStepJudgement(t *testing.T) {
	tests := []struct {
		name     string
		m        Measurement
		overhead float64
		loss     float64
		dropped  uint64 // with from set; else the sender's send drops
		from     string // FromReceiver, or "" for the sender's figures
		failure  string
	}{
		{name: "clean", m: meas(1000, 0, 0, 40)},
		{name: "14% overhead fits", m: meas(1000, 140, 0, 40), overhead: 14, loss: 12.28},
		{name: "exactly 25% fits", m: meas(1000, 250, 0, 40), overhead: 25, loss: 20},
		{name: "over 25% fails", m: meas(1000, 260, 0, 40), overhead: 26, loss: 20.63, failure: "the overhead (26%) exceeded the 25% SRT default"},
		{name: "drops fail", m: meas(1000, 30, 5, 40), overhead: 3, loss: 2.91, failure: "the sender dropped 5 packets too late to play (3% overhead)"},
		{name: "nothing sent", m: Measurement{}, failure: "nothing was sent"},
		{name: "receiver drops fail though the sender dropped none", m: withReceiver(meas(1000, 30, 0, 40), 970, 31, 4),
			overhead: 3, loss: 3.18, dropped: 4, from: FromReceiver,
			failure: "the receiver dropped 4 packets it did not get in time (3% loss, 3% overhead)"},
		{name: "a clean receiver report passes", m: withReceiver(meas(1000, 30, 0, 40), 1000, 30, 0),
			overhead: 3, loss: 3, from: FromReceiver},
		{name: "the receiver's drops replace the sender's", m: withReceiver(meas(1000, 30, 2, 40), 990, 32, 2),
			overhead: 3, loss: 3.23, dropped: 2, from: FromReceiver,
			failure: "the receiver dropped 2 packets it did not get in time (3% loss, 3% overhead)"},
		{name: "overhead is judged before drops", m: withReceiver(meas(1000, 300, 0, 40), 990, 300, 10),
			overhead: 30, loss: 30, dropped: 10, from: FromReceiver,
			failure: "the overhead (30%) exceeded the 25% SRT default"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := StepFrom(8, tc.m)
			if s.OverheadPct != tc.overhead || s.LossPct != tc.loss {
				t.Errorf("overhead %v loss %v; want %v, %v", s.OverheadPct, s.LossPct, tc.overhead, tc.loss)
			}
			wantFrom, wantDropped := tc.from, tc.dropped
			if wantFrom == "" {
				wantFrom, wantDropped = FromSender, tc.m.PktsSendDropped
			}
			if s.FiguresFrom != wantFrom || s.PktsDropped != wantDropped || (s.Receiver != nil) != (wantFrom == FromReceiver) {
				t.Errorf("figures from %q, dropped %d, receiver %v; want %q, %d", s.FiguresFrom, s.PktsDropped, s.Receiver, wantFrom, wantDropped)
			}
			if got := s.Failure(); got != tc.failure {
				t.Errorf("Failure() = %q; want %q", got, tc.failure)
			}
		})
	}
}

// TestPlan runs the plan against paths that carry up to a given rate and
// checks the rates it tries and where it stops.
func TestPlan(t *testing.T) {
	tests := []struct {
		name     string
		rates    []float64
		capacity float64 // a step passes at or below this
		want     []float64
		max      float64
	}{
		{name: "10 Mbit/s cap, default steps", rates: DefaultRates, capacity: 9.6, want: []float64{2, 4, 8, 12, 10, 9}, max: 9},
		{name: "carries everything", rates: []float64{2, 4}, capacity: 100, want: []float64{2, 4}, max: 4},
		{name: "fails the first step", rates: []float64{2, 4}, capacity: 1, want: []float64{2}, max: 0},
		{name: "fine steps need no refining", rates: []float64{8, 9, 10}, capacity: 9.5, want: []float64{8, 9, 10}, max: 9},
		{name: "coarse steps refine at most 3 times", rates: []float64{1, 20}, capacity: 3, want: []float64{1, 20, 10.5, 6, 3.5}, max: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPlan(tc.rates)
			var got []float64
			for {
				r, ok := p.Next()
				if !ok {
					break
				}
				got = append(got, r)
				m := meas(1000, 10, 0, 40)
				if r > tc.capacity {
					m = meas(1000, 400, 20, 60)
				}
				p.Record(StepFrom(r, m))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("rates %v; want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("rates %v; want %v", got, tc.want)
				}
			}
			if res := Judge(p.Steps(), 200); res.MaxMbps != tc.max {
				t.Fatalf("max %v; want %v (%s)", res.MaxMbps, tc.max, res.Verdict)
			}
		})
	}
}

func TestJudgeVerdict(t *testing.T) {
	tests := []struct {
		name  string
		steps []Step
		lat   int
		max   float64
		want  string
	}{
		{
			name: "the issue's example",
			steps: []Step{
				StepFrom(8, meas(1000, 50, 0, 40)),
				StepFrom(12, meas(1000, 140, 0, 40)),
				StepFrom(16, meas(1000, 300, 0, 41)),
			},
			lat: 200, max: 12,
			want: "this path carries 12 Mbit/s with 14% retransmission overhead at 200 ms latency (5.0x RTT); at 16 Mbit/s the overhead (30%) exceeded the 25% SRT default. For the 12% loss at 12 Mbit/s the SRT guide advises 800 ms latency (20x RTT), and a link of 12.6 Mbit/s with its 5% overhead: the 200 ms used here is short of it",
		},
		{
			name:  "a clean path carries every step",
			steps: []Step{StepFrom(2, meas(1000, 0, 0, 10)), StepFrom(4, meas(1000, 0, 0, 12))},
			lat:   120, max: 4,
			want: "this path carries 4 Mbit/s with 0% retransmission overhead at 120 ms latency (10x RTT); it carried every step, so its limit is higher. For the 0% loss at 4 Mbit/s the SRT guide advises 60 ms latency (3x RTT), and a link of 5.3 Mbit/s with its 33% overhead",
		},
		{
			name:  "nothing fits",
			steps: []Step{StepFrom(2, meas(1000, 30, 4, 10))},
			lat:   120,
			want:  "this path did not carry even 2 Mbit/s: the sender dropped 4 packets too late to play (3% overhead); check the uplink's bandwidth and the far end, or try lower rates",
		},
		{name: "no steps", want: "no step ran: nothing measured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Judge(tc.steps, tc.lat)
			if r.MaxMbps != tc.max || r.Verdict != tc.want {
				t.Errorf("max %v, verdict\n%s\nwant max %v,\n%s", r.MaxMbps, r.Verdict, tc.max, tc.want)
			}
		})
	}
}

// TestStream checks the generated TS: whole packets, continuity counters
// in order per PID, PCRs at the rate, and the marker on every data packet.
func TestStream(t *testing.T) {
	for _, mbps := range []float64{0.5, 2, 20} {
		s := NewStream(3, mbps, 2*time.Second)
		if d := s.Duration(); d < 2*time.Second || d > 2*time.Second+10*time.Millisecond {
			t.Fatalf("%v Mbit/s: duration %v", mbps, d)
		}
		buf := make([]byte, s.Size())
		// Read in odd-sized pieces, as a reader at any offset would.
		for off := 0; off < len(buf); {
			n, err := s.ReadAt(buf[off:min(off+1000, len(buf))], int64(off))
			if err != nil && off+n < len(buf) {
				t.Fatal(err)
			}
			off += n
		}
		cc := map[uint16]int{}
		var pcrs []ts.PCR
		var pcrAt []int
		for i := 0; i < len(buf); i += ts.PacketSize {
			pkt := buf[i : i+ts.PacketSize]
			h, err := ts.ParseHeader(pkt)
			if err != nil {
				t.Fatal(err)
			}
			if last, ok := cc[h.PID()]; ok && int(h.CC()) != (last+1)%16 {
				t.Fatalf("PID %d: CC %d after %d", h.PID(), h.CC(), last)
			}
			cc[h.PID()] = int(h.CC())
			if h.PID() == dataPID {
				if st, r, ok := ParseMarker(pkt); !ok || st != 3 || r != mbps {
					t.Fatalf("marker: %v %v %v", st, r, ok)
				}
				if h.HasAdaptation() && ts.AdaptationOf(pkt).HasPCR() {
					pcrs = append(pcrs, ts.PacketPCR(pkt))
					pcrAt = append(pcrAt, i)
				}
			}
		}
		if len(cc) != 3 || len(pcrs) < 10 {
			t.Fatalf("%v Mbit/s: PIDs %v, %d PCRs", mbps, cc, len(pcrs))
		}
		last := len(pcrs) - 1
		got := float64(pcrAt[last]-pcrAt[0]) * 8 / (float64(pcrs[last].Since(pcrs[0])) / ts.PCRHz) / 1e6
		if got < mbps*0.999 || got > mbps*1.001 {
			t.Fatalf("PCRs give %.4f Mbit/s; want %v", got, mbps)
		}
	}
}
