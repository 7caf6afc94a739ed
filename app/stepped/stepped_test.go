package stepped

import (
	"errors"
	"testing"
	"time"
)

// TestWithTicks: measure is released by the n-th tick (at once for 0), so
// WithTicks must tick while it runs, return its value and error, and the
// ticks must count up.
func TestWithTicks(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		ticks   int
		wantErr error
	}{
		{"returns at once", 0, nil},
		{"ticks while it runs", 3, nil},
		{"passes the error on", 1, errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			if tt.ticks == 0 {
				close(release)
			}
			var got []time.Duration
			v, err := WithTicks(time.Millisecond, func() (int, error) {
				<-release
				return 42, tt.wantErr
			}, func(d time.Duration) {
				got = append(got, d)
				if len(got) == tt.ticks {
					close(release)
				}
			})
			if !errors.Is(err, tt.wantErr) || v != 42 {
				t.Fatalf("WithTicks = %d, %v; want 42, %v", v, err, tt.wantErr)
			}
			if len(got) < tt.ticks {
				t.Fatalf("%d ticks, want at least %d", len(got), tt.ticks)
			}
			for i := 1; i < len(got); i++ {
				if got[i] < got[i-1] {
					t.Fatalf("ticks not increasing: %v", got)
				}
			}
		})
	}
}
