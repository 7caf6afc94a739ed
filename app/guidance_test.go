package app

import (
	"testing"

	"github.com/srtscope/srtscope/session"
)

func TestHeadroomHealthColours(t *testing.T) {
	tests := []struct {
		lossPct, latency, rtt float64
		want                  Health
	}{
		{0.5, 120, 40, HealthGreen},
		{2, 120, 40, HealthAmber}, // 3x where 4x is advised
		{2, 80, 40, HealthRed},    // 2x
		{5, 500, 40, HealthGreen},
		{9, 240, 40, HealthGreen},
		{15, 400, 40, HealthRed},
		{0, 120, 0, HealthGreen}, // no RTT yet
	}
	for _, tt := range tests {
		if h := HeadroomHealth(tt.latency, tt.rtt, tt.lossPct); h != tt.want {
			t.Errorf("HeadroomHealth(%v ms, %v ms, %v%%) = %s, want %s", tt.latency, tt.rtt, tt.lossPct, h, tt.want)
		}
	}
}

func TestAdviseLatencyUsesThisConnection(t *testing.T) {
	// A session that ran clean for 20000 packets, then reconnected onto
	// a path losing 3%: the advice is about this connection's 3%, not
	// the session's diluted 1.2%.
	s := session.Sample{State: session.StateConnected, RTTMs: 40, LatencyMs: 120, RTTMultiplier: 3,
		PktsRecv: 33000, PktsLost: 390, PktsRetrans: 390,
		Conn: session.ConnCounters{PktsRecv: 13000, PktsLost: 390, PktsRetrans: 390}}
	a, ok := AdviseLatency(FeedView{Sample: s})
	if !ok {
		t.Fatal("no advice for a connected feed")
	}
	if a.Loss.Pct != 3 || a.Advice.Multiplier != 4 || a.Health != HealthAmber {
		t.Errorf("advice %+v, want 3%% loss, 4x, amber", a)
	}
	if _, ok := AdviseLatency(FeedView{}); ok {
		t.Error("advice for a feed with no RTT")
	}
}
