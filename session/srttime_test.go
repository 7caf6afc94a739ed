package session

import (
	"testing"
	"time"
)

const wrap = uint64(1) << 32

func TestTimestampWrap(t *testing.T) {
	if want := 71*time.Minute + 34*time.Second + 967296*time.Microsecond; TimestampWrap != want {
		t.Errorf("TimestampWrap %s, want %s", TimestampWrap, want)
	}
}

func TestTSDelta(t *testing.T) {
	tests := []struct {
		name string
		a, b uint32
		want int64
	}{
		{"forward", 1000, 2500, 1500},
		{"backward", 2500, 1000, -1500},
		{"across the wrap", uint32(wrap - 1000), 500, 1500},
		{"back across the wrap", 500, uint32(wrap - 1000), -1500},
		{"equal", 7, 7, 0},
		{"just under half a period", 0, 1<<31 - 1, 1<<31 - 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tsDelta(tc.a, tc.b); got != tc.want {
				t.Errorf("tsDelta(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestTSUnwrapper(t *testing.T) {
	near := uint32(wrap - 2_000_000) // 2 s before the wrap
	tests := []struct {
		name string
		in   []uint32
		want []int64
	}{
		{"in order across the wrap", []uint32{near, near + 1_000_000, 0, 1_000_000},
			[]int64{int64(near), int64(near) + 1_000_000, int64(wrap), int64(wrap) + 1_000_000}},
		{"a retransmission from before the wrap arrives after it", []uint32{near, 500_000, near + 1_500_000, 600_000},
			[]int64{int64(near), int64(wrap) + 500_000, int64(near) + 1_500_000, int64(wrap) + 600_000}},
		{"two wraps", []uint32{0, 1 << 30, 2 << 30, 3 << 30, 0, 1 << 30, 2 << 30, 3 << 30, 0},
			[]int64{0, 1 << 30, 2 << 30, 3 << 30, 4 << 30, 5 << 30, 6 << 30, 7 << 30, 8 << 30}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var u tsUnwrapper
			for i, ts := range tc.in {
				if got := u.unwrap(ts); got != tc.want[i] {
					t.Errorf("packet %d: unwrap(%d) = %d, want %d", i, ts, got, tc.want[i])
				}
			}
		})
	}
}

func TestBackdated(t *testing.T) {
	const tol = 2 * time.Second
	us := func(d time.Duration) uint32 { return uint32(d.Microseconds()) }
	tests := []struct {
		name string
		ts   uint32
		age  time.Duration
		want bool
	}{
		{"on time", us(5 * time.Second), 5 * time.Second, false},
		{"a retransmission a second old", us(4 * time.Second), 5 * time.Second, false},
		{"ahead of the receiver's clock", us(6 * time.Second), 5 * time.Second, false},
		{"10 s before the connection started", uint32(wrap - 10_000_000), 1 * time.Second, true},
		{"an hour into it, 10 s behind", us(50 * time.Minute), 50*time.Minute + 10*time.Second, true},
		{"just after the wrap, on time", 1_000_000, TimestampWrap + time.Second, false},
		{"just after the wrap, a packet from just before it", uint32(wrap - 500_000), TimestampWrap + time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := backdated(tc.ts, tc.age, tol); got != tc.want {
				t.Errorf("backdated(%d, %s) = %v, want %v", tc.ts, tc.age, got, tc.want)
			}
		})
	}
}
