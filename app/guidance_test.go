package app

import "testing"

func TestGuidanceAndHeadroom(t *testing.T) {
	tests := []struct {
		lossPct, latency, rtt float64
		wantMult              float64
		wantHealth            Health
	}{
		{0.5, 120, 40, 3, HealthGreen},
		{2, 120, 40, 4, HealthAmber}, // 3x where 4x is advised
		{2, 80, 40, 4, HealthRed},    // 2x
		{5, 500, 40, 5, HealthGreen},
		{9, 240, 40, 6, HealthGreen},
		{15, 400, 40, 20, HealthRed},
		{0, 120, 0, 3, HealthGreen}, // no RTT yet
	}
	for _, tt := range tests {
		if g := GuidanceFor(tt.lossPct); g.Multiplier != tt.wantMult {
			t.Errorf("GuidanceFor(%v) = %vx, want %vx", tt.lossPct, g.Multiplier, tt.wantMult)
		}
		if h := HeadroomHealth(tt.latency, tt.rtt, tt.lossPct); h != tt.wantHealth {
			t.Errorf("HeadroomHealth(%v ms, %v ms, %v%%) = %s, want %s", tt.latency, tt.rtt, tt.lossPct, h, tt.wantHealth)
		}
	}
}
