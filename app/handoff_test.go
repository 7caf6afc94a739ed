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

// Hand-off URLs respect the address the listener is bound to, and each
// says who can reach it.
func TestHandOffRespectsBindAddress(t *testing.T) {
	addrs := []string{"192.168.1.20", "203.0.113.7", "127.0.0.1"}
	tests := []struct {
		name      string
		host      string
		wantAddrs []string
		wantReach []string
	}{
		{"every address", "", addrs, []string{ReachLAN, ReachPublic, ReachThisMachine}},
		{"0.0.0.0", "0.0.0.0", addrs, []string{ReachLAN, ReachPublic, ReachThisMachine}},
		{"loopback only", "127.0.0.1", []string{"127.0.0.1"}, []string{ReachThisMachine}},
		{"one LAN address", "192.168.1.20", []string{"192.168.1.20"}, []string{ReachLAN}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := session.Config{Mode: session.ModeListener, Host: tt.host, Port: 9000, LatencyMs: 200}
			hs := HandOffURLs(l, addrs, false)
			if len(hs) != 2*len(tt.wantAddrs) {
				t.Fatalf("%d URLs, want %d: %+v", len(hs), 2*len(tt.wantAddrs), hs)
			}
			for i, h := range hs {
				a, r := tt.wantAddrs[i/2], tt.wantReach[i/2]
				if h.Address != a || h.Reach != r || !strings.Contains(h.URL, a+":9000") {
					t.Errorf("URL %d: %s (%s) %q, want %s (%s)", i, h.Address, h.Reach, h.URL, a, r)
				}
			}
		})
	}
}
