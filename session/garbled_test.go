package session

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/srtscope/srtscope/probe/ts"
)

func TestTSSynced(t *testing.T) {
	stream := bytes.Repeat(append([]byte{ts.SyncByte}, make([]byte, ts.PacketSize-1)...), 20)
	rng := rand.New(rand.NewPCG(17, 17))
	noise := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	tests := []struct {
		name string
		p    []byte
		want bool
	}{
		{"7 whole TS packets", stream[:sendChunk], true},
		{"a 1456-byte chunk at phase 140", stream[48 : 48+1456], true},
		{"a short tail", stream[:100], true},
		{"one sync byte wrong", func() []byte { b := bytes.Clone(stream[:sendChunk]); b[3*ts.PacketSize] = 0; return b }(), false},
		{"noise", noise(sendChunk), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tsSynced(tc.p); got != tc.want {
				t.Errorf("tsSynced = %v, want %v", got, tc.want)
			}
		})
	}
	// Payloads decrypted with the wrong key are noise: none may pass.
	for i := range 20000 {
		if tsSynced(noise(sendChunk)) {
			t.Fatalf("noise payload %d reads as TS", i)
		}
	}
}
