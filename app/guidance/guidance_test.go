package guidance

import (
	"math"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session"
)

func TestFor(t *testing.T) {
	tests := []struct {
		loss     float64
		mult     int
		minMs    int
		overhead int
	}{
		{0, 3, 60, 33},
		{-1, 3, 60, 33},
		{math.NaN(), 3, 60, 33},
		{1, 3, 60, 33},
		{1.01, 4, 80, 25},
		{3, 4, 80, 25},
		{3.01, 5, 100, 20},
		{7, 5, 100, 20},
		{10, 6, 120, 17},
		{10.01, 20, 400, 5}, // the ceiling: 20x, at least 20 x 20 ms
		{100, 20, 400, 5},
		{150, 20, 400, 5},
	}
	for _, tt := range tests {
		r := For(tt.loss)
		if r.Multiplier != tt.mult || r.MinLatencyMs != tt.minMs || r.OverheadPct != tt.overhead {
			t.Errorf("For(%v) = %+v, want %dx, %d ms, %d%%", tt.loss, r, tt.mult, tt.minMs, tt.overhead)
		}
	}
}

// The table keeps its own rules: each row's minimum is its multiplier at
// the 20 ms RTT floor, multipliers and loss limits rise, and the last row
// is the 20x ceiling for any loss.
func TestTableIsConsistent(t *testing.T) {
	rows := Table()
	for i, r := range rows {
		if r.MinLatencyMs != r.Multiplier*RTTFloorMs {
			t.Errorf("row %d: minimum %d ms, want %dx%d ms", i, r.MinLatencyMs, r.Multiplier, RTTFloorMs)
		}
		if i > 0 && (r.Multiplier <= rows[i-1].Multiplier || r.MaxLossPct <= rows[i-1].MaxLossPct || r.OverheadPct >= rows[i-1].OverheadPct) {
			t.Errorf("row %d %+v does not follow row %d %+v", i, r, i-1, rows[i-1])
		}
	}
	if last := rows[len(rows)-1]; last.Multiplier != CeilingMultiplier || last.MaxLossPct != 100 {
		t.Errorf("last row %+v, want the 20x ceiling for up to 100%% loss", last)
	}
	rows[0].Multiplier = 99
	if For(0).Multiplier == 99 {
		t.Error("Table returned the table itself, not a copy")
	}
}

func TestAdvise(t *testing.T) {
	tests := []struct {
		loss, rtt float64
		mult, ms  int
	}{
		{0, 40, 3, 120},
		{1, 10, 3, 60}, // RTT below 20 ms counts as 20 ms
		{1.01, 10, 4, 80},
		{3, 40, 4, 160},
		{5, 10, 5, 100},
		{7, 40, 5, 200},
		{10, 10, 6, 120},
		{10, 40, 6, 240},
		{25, 10, 20, 400},
		{25, 40, 20, 800},
		{50, 1000, 20, 20000},
		{0, 33.3, 3, 100}, // rounded to the millisecond
	}
	for _, tt := range tests {
		a := Advise(tt.loss, tt.rtt)
		if a.Multiplier != tt.mult || a.LatencyMs != tt.ms {
			t.Errorf("Advise(%v%%, %v ms) = %dx %d ms, want %dx %d ms", tt.loss, tt.rtt, a.Multiplier, a.LatencyMs, tt.mult, tt.ms)
		}
	}
}

func TestBandwidthAndBurst(t *testing.T) {
	tests := []struct {
		loss            float64
		bitrate, linkBp float64
		latency, burst  float64
	}{
		{0.5, 10e6, 13.3e6, 120, 39.6},
		{2, 10e6, 12.5e6, 160, 40},
		{5, 4e6, 4.8e6, 200, 40},
		{9, 1e6, 1.17e6, 240, 40.8},
		{50, 1e6, 1.05e6, 800, 40},
	}
	for _, tt := range tests {
		r := For(tt.loss)
		if got := r.LinkBps(tt.bitrate); math.Abs(got-tt.linkBp) > 1 {
			t.Errorf("%v%%: link %v bit/s for %v, want %v", tt.loss, got, tt.bitrate, tt.linkBp)
		}
		if got := r.LongestBurstMs(tt.latency); math.Abs(got-tt.burst) > 1e-9 {
			t.Errorf("%v%%: burst %v ms at %v ms, want %v", tt.loss, got, tt.latency, tt.burst)
		}
	}
}

func TestJudgeHeadroom(t *testing.T) {
	tests := []struct {
		latency, rtt, loss float64
		want               Headroom
	}{
		{120, 40, 0.5, HeadroomOK},
		{120, 40, 2, HeadroomShort},     // 3x where 4x is advised
		{80, 40, 2, HeadroomFarShort},   // 2x
		{500, 40, 5, HeadroomOK},        // above the advice is fine
		{240, 40, 9, HeadroomOK},        // exactly 6x
		{400, 40, 15, HeadroomFarShort}, // 10x where 20x is advised
		{60, 10, 0, HeadroomOK},         // 6x of a 10 ms RTT, the 60 ms minimum
		{50, 10, 0, HeadroomShort},      // 5x RTT, but below the 60 ms minimum
		{120, 0, 0, HeadroomOK},         // no RTT yet
	}
	for _, tt := range tests {
		if got := JudgeHeadroom(tt.latency, tt.rtt, tt.loss); got != tt.want {
			t.Errorf("JudgeHeadroom(%v ms, %v ms, %v%%) = %s, want %s", tt.latency, tt.rtt, tt.loss, got, tt.want)
		}
	}
}

func TestLoss(t *testing.T) {
	tests := []struct {
		name                string
		recv, lost, dropped uint64
		want                float64
	}{
		{"nothing yet", 0, 0, 0, 0},
		{"clean", 1000, 0, 0, 0},
		{"all recovered", 1000, 30, 0, 3},  // all 1000 delivered, 30 of them by retransmission
		{"some dropped", 950, 100, 50, 10}, // sent = 950 delivered + 50 never
		{"nothing delivered", 0, 10, 10, 100},
	}
	for _, tt := range tests {
		if got := LossPct(tt.recv, tt.lost, tt.dropped); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: LossPct(%d, %d, %d) = %v, want %v", tt.name, tt.recv, tt.lost, tt.dropped, got, tt.want)
		}
	}
}

func TestConnectionAndSessionLoss(t *testing.T) {
	// A clean first connection of 20000 packets, then one losing 3%.
	s := session.Sample{PktsRecv: 33000, PktsLost: 390, PktsRetrans: 390,
		Conn: session.ConnCounters{Since: time.Unix(1, 0), PktsRecv: 13000, PktsLost: 390, PktsRetrans: 390}}
	c, all := ConnectionLoss(s), SessionLoss(s)
	if c.Pct != 3 || c.Span != SpanConnection || c.Sent != 13000 || c.Lost != 390 {
		t.Errorf("connection loss %+v, want 3%% of 13000", c)
	}
	if math.Abs(all.Pct-390.0/330) > 1e-9 || all.Span != SpanSession {
		t.Errorf("session loss %+v, want 1.18%% over the session", all)
	}
	if got, want := c.String(), "3.0% loss on this connection"; got != want {
		t.Errorf("label %q, want %q", got, want)
	}
	if got, want := all.String(), "1.2% loss on this session"; got != want {
		t.Errorf("label %q, want %q", got, want)
	}
}
