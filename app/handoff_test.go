package app

import (
	"strings"
	"testing"

	"github.com/srtscope/srtscope/session"
)

func TestHandOffURLs(t *testing.T) {
	l := session.Config{Mode: session.ModeListener, Port: 9000, LatencyMs: 200, Passphrase: "correct horse battery", PBKeyLen: 32, StreamID: "#!::r=cam1,m=publish"}
	tests := []struct {
		name           string
		withPassphrase bool
		wantIn         []string
		wantNotIn      []string
	}{
		{"without passphrase", false, []string{"10.0.0.5:9000", "mode=caller", "TYPE-THE-PASSPHRASE"}, []string{"correct horse"}},
		{"with passphrase", true, []string{"pbkeylen=32"}, []string{"TYPE-THE-PASSPHRASE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := HandOffURLs(l, []string{"10.0.0.5"}, tt.withPassphrase)
			if len(hs) != 2 {
				t.Fatalf("%d URLs, want 2 (ms and µs dialects)", len(hs))
			}
			all := hs[0].URL + " " + hs[1].URL
			for _, w := range tt.wantIn {
				if !strings.Contains(all, w) {
					t.Errorf("URLs %q lack %q", all, w)
				}
			}
			for _, w := range tt.wantNotIn {
				if strings.Contains(all, w) {
					t.Errorf("URLs %q contain %q", all, w)
				}
			}
			if !strings.Contains(hs[0].URL, "latency=200") || !strings.Contains(hs[1].URL, "latency=200000") {
				t.Errorf("latency units wrong: ms URL %q, µs URL %q", hs[0].URL, hs[1].URL)
			}
		})
	}
}
