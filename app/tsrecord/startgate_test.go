package tsrecord

import (
	"bytes"
	"testing"

	"github.com/srtscope/srtscope/probe/ts"
)

// TestStartGate: a receiver that joins mid-GOP gets nothing until the PAT,
// the PMT and a video key frame have passed, then the PAT and PMT copies
// and the stream from the key frame on, whole afterwards; an audio random
// access point does not start it.
func TestStartGate(t *testing.T) {
	var g tsGen
	first := g.gop(60)
	second := g.gop(60)
	// Join after the first GOP's key frame: PAT and PMT seen, no key frame.
	joined := first[3*ts.PacketSize:]
	tests := []struct {
		name      string
		payloads  [][]byte
		wantStart int // index of the payload that starts it, -1 never
	}{
		{"mid-GOP join starts at the next key frame", [][]byte{joined[:7*ts.PacketSize], joined[7*ts.PacketSize:], second}, 2},
		{"PAT, PMT and key frame in the first payload", [][]byte{second}, 0},
		{"no key frame", [][]byte{joined}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gate := NewStartGate()
			var out []byte
			started := -1
			for i, p := range tt.payloads {
				var ok bool
				before := len(out)
				out, ok = gate.Next(out, p)
				if ok && started < 0 {
					started = i
					got := out[before:]
					if h := ts.HeaderOf(got); h.PID() != 0 {
						t.Errorf("starts with PID %#x, want the PAT", h.PID())
					}
					if !bytes.Contains(got, second[2*ts.PacketSize:3*ts.PacketSize]) {
						t.Errorf("the key frame's packet is not in what it passed on")
					}
				} else if !ok && len(out) != before {
					t.Errorf("payload %d passed %d bytes before the start", i, len(out)-before)
				}
			}
			if started != tt.wantStart {
				t.Errorf("started at payload %d, want %d", started, tt.wantStart)
			}
			if started >= 0 && len(out)%ts.PacketSize != 0 {
				t.Errorf("passed %d bytes: not whole packets", len(out))
			}
		})
	}
}
