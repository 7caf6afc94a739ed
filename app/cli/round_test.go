package cli

import "testing"

// TestRound: half away from zero at every sign, so a negative recovery
// margin prints as its size rounds.
func TestRound(t *testing.T) {
	tests := []struct {
		v      float64
		digits int
		want   float64
	}{
		{41.2345, 3, 41.235},
		{-78.81, 1, -78.8},
		{-78.86, 1, -78.9},
		{-0.05, 1, -0.1},
		{2.5, 0, 3},
		{-2.5, 0, -3},
	}
	for _, tc := range tests {
		if got := round(tc.v, tc.digits); got != tc.want {
			t.Errorf("round(%v, %d) = %v, want %v", tc.v, tc.digits, got, tc.want)
		}
	}
}
