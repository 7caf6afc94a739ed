package session

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// needTools skips when the interop peers are not installed.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s not installed: %v", n, err)
		}
	}
}

// waitOutput waits until the peer process has written at least n bytes.
func waitOutput(t *testing.T, out func() string, n int, timeout time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		if len(out()) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: only %d bytes within %s, want %d; output tail %q", what, len(out()), timeout, n, tail(out(), 300))
		}
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// TestInteropReceive: srtscope receives from srt-live-transmit and ffmpeg,
// in both roles, and its counters show a clean loopback stream.
func TestInteropReceive(t *testing.T) {
	needTools(t, "srt-live-transmit", "ffmpeg")
	clip, _ := clipTS(t)
	feed := fmt.Sprintf("ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i %s -c copy -f mpegts -", clip)
	tests := []struct {
		name        string
		peerListens bool
		peer        func(peerURL string) []string // command line of the sending peer
		tool        Tool
	}{
		{"srt-live-transmit calls", false, func(u string) []string {
			return []string{"bash", "-c", feed + " | srt-live-transmit -q file://con '" + u + "'"}
		}, ToolLibSRT},
		{"srt-live-transmit listens", true, func(u string) []string {
			return []string{"bash", "-c", feed + " | srt-live-transmit -q file://con '" + u + "'"}
		}, ToolLibSRT},
		{"ffmpeg calls", false, func(u string) []string {
			return []string{"ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "mpegts", u + "&pkt_size=1316"}
		}, ToolFFmpeg},
		{"ffmpeg listens", true, func(u string) []string {
			return []string{"ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "mpegts", u + "&pkt_size=1316"}
		}, ToolFFmpeg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			port := sessiontest.FreeUDPPort(t)
			peerCfg := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, LatencyMs: 200, Passphrase: pass16}
			ourCfg := Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: 200, Passphrase: pass16}
			if tc.peerListens {
				peerCfg.Mode, ourCfg.Mode = ModeListener, ModeCaller
			}
			var r *Receiver
			var sub *Subscription
			if !tc.peerListens {
				r, sub, _ = startReceiver(t, ourCfg, ReceiverOptions{Interval: 250 * time.Millisecond})
				waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
			}
			args := tc.peer(peerCfg.URL(tc.tool))
			_, out := startProcess(t, args[0], args[1:]...)
			if tc.peerListens {
				r, sub, _ = startReceiver(t, ourCfg, ReceiverOptions{Interval: 250 * time.Millisecond})
			}
			ev := waitEvent(t, sub, EventConnected, 15*time.Second, "latency 200 ms", "encrypted")
			got := waitSample(t, sub, 15*time.Second, "200 packets", func(s Sample) bool { return s.PktsRecv >= 200 })
			if got.PktsDropped != 0 || got.RTTMs <= 0 || got.LatencyMs != 200 {
				t.Errorf("sample %+v (connected: %s; peer output %q)", got, ev.Detail, tail(out(), 300))
			}
			if r.Connects() != 1 {
				t.Errorf("connects = %d", r.Connects())
			}
		})
	}
}

// TestInteropSend: srt-live-transmit and ffmpeg receive srtscope's sender,
// in both roles, and write the TS out.
func TestInteropSend(t *testing.T) {
	needTools(t, "srt-live-transmit", "ffmpeg")
	tests := []struct {
		name        string
		peerListens bool
		peer        func(peerURL string) []string
		tool        Tool
	}{
		{"srt-live-transmit listens", true, func(u string) []string { return []string{"srt-live-transmit", "-q", u, "file://con"} }, ToolLibSRT},
		{"srt-live-transmit calls", false, func(u string) []string { return []string{"srt-live-transmit", "-q", u, "file://con"} }, ToolLibSRT},
		{"ffmpeg listens", true, func(u string) []string {
			return []string{"ffmpeg", "-nostdin", "-loglevel", "error", "-i", u, "-c", "copy", "-f", "mpegts", "-"}
		}, ToolFFmpeg},
		{"ffmpeg calls", false, func(u string) []string {
			return []string{"ffmpeg", "-nostdin", "-loglevel", "error", "-i", u, "-c", "copy", "-f", "mpegts", "-"}
		}, ToolFFmpeg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			port := sessiontest.FreeUDPPort(t)
			peerCfg := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, Passphrase: pass32, PBKeyLen: 32}
			ourCfg := Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, Passphrase: pass32, PBKeyLen: 32}
			if tc.peerListens {
				peerCfg.Mode, ourCfg.Mode = ModeListener, ModeCaller
			}
			var sub *Subscription
			if !tc.peerListens {
				_, sub, _ = startSender(t, ourCfg, true)
				waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
			}
			args := tc.peer(peerCfg.URL(tc.tool))
			_, out := startProcess(t, args[0], args[1:]...)
			if tc.peerListens {
				_, sub, _ = startSender(t, ourCfg, true)
			}
			waitEvent(t, sub, EventConnected, 15*time.Second)
			waitOutput(t, out, 100_000, 15*time.Second, tc.name)
			if o := out(); len(o) < 188 || o[0] != 0x47 {
				t.Errorf("peer output does not start with a TS sync byte: %q", o[:min(len(o), 16)])
			}
		})
	}
}

// TestInteropPassphraseWords: against srt-live-transmit, a wrong or one-sided
// passphrase is explained in words on srtscope's side, in both roles.
func TestInteropPassphraseWords(t *testing.T) {
	needTools(t, "srt-live-transmit")
	tests := []struct {
		name     string
		peerPass string
		ourPass  string
		kind     error
		words    string
	}{
		{"wrong passphrase", pass16, "some other passphrase", ErrWrongPassphrase, "wrong passphrase"},
		{"only we have one", "", pass16, ErrPassphraseOneSide, "the peer has none"},
		{"only the peer has one", pass16, "", ErrPassphraseOneSide, "the peer requires a passphrase"},
	}
	for _, tc := range tests {
		t.Run("we call, "+tc.name, func(t *testing.T) {
			port := sessiontest.FreeUDPPort(t)
			peer := Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, Passphrase: tc.peerPass}
			startProcess(t, "srt-live-transmit", "-q", peer.URL(ToolLibSRT), "file://con")
			r, sub, _ := startReceiver(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, Passphrase: tc.ourPass, ConnectTimeout: time.Second}, ReceiverOptions{})
			waitEvent(t, sub, EventRejected, 15*time.Second, tc.words)
			if !errors.Is(r.LastError(), tc.kind) {
				t.Errorf("LastError %v is not %v", r.LastError(), tc.kind)
			}
		})
		t.Run("peer calls, "+tc.name, func(t *testing.T) {
			port := sessiontest.FreeUDPPort(t)
			_, sub, _ := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, Passphrase: tc.ourPass}, ReceiverOptions{})
			waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
			// The calling peer receives: srt-live-transmit connects an SRT input at once.
			peer := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, Passphrase: tc.peerPass}
			startProcess(t, "srt-live-transmit", "-q", peer.URL(ToolLibSRT), "file://con")
			want := map[error]string{ErrWrongPassphrase: "wrong passphrase", ErrPassphraseOneSide: "one side only"}[tc.kind]
			ev := waitEvent(t, sub, EventRejected, 15*time.Second, want)
			if !strings.HasPrefix(ev.Remote, "127.0.0.1:") {
				t.Errorf("rejection without remote address: %+v", ev)
			}
		})
	}
}
