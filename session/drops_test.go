package session

import (
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/impair"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestDropsLikeLibsrt: the same libsrt sender (ffmpeg) sends through the
// same seeded relay (loss both ways, 20 ms each way) first to
// srt-live-transmit, then to srtscope's receiver. What libsrt dropped must
// match srtscope's dropped + at-risk within 40% or 6 packets, and 0 where
// libsrt dropped 0. bench/drops_vs_libsrt.sh runs the full table; this is
// one cell of it, shorter.
func TestDropsLikeLibsrt(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 45 s")
	}
	needTools(t, "srt-live-transmit", "ffmpeg")
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.ts")
	gen := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "10",
		"-c:v", "libx264", "-preset", "ultrafast", "-b:v", "800k", "-maxrate", "800k", "-bufsize", "400k", "-muxrate", "1000k", "-f", "mpegts", clip)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	for _, c := range []struct {
		lossPct   float64
		latencyMs int
		seconds   int
	}{
		// 4x the 41 ms RTT. At 10% loss libsrt dropped 3..5 in 45 s and
		// srtscope counted 5; 30% loss at 4x is the table's hardest cell
		// (libsrt 120 and 127, srtscope 153 and 155: see bench/drops_vs_libsrt.sh).
		{10, 164, 20},
	} {
		t.Run(fmt.Sprintf("loss%.0f_latency%d", c.lossPct, c.latencyMs), func(t *testing.T) {
			im := impair.Impairment{LossPct: c.lossPct, Delay: 20 * time.Millisecond}
			const seed = 17
			// send runs ffmpeg through a fresh relay to port until it has
			// sent for c.seconds.
			send := func(port int) {
				relay := startRelay(t, port, im, im, seed)
				url := fmt.Sprintf("srt://127.0.0.1:%d?mode=caller&latency=%d&pkt_size=1316", relay.Addr().Port(), c.latencyMs*1000)
				cmd := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip,
					"-c", "copy", "-t", fmt.Sprint(c.seconds), "-f", "mpegts", url)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Logf("ffmpeg sender: %v %s", err, out)
				}
			}

			// srt-live-transmit.
			port := sessiontest.FreeUDPPort(t)
			statsFile := filepath.Join(t.TempDir(), "slt.json")
			_, _ = startProcess(t, "srt-live-transmit", "-q", "-a", "no", "-s", "20", "-pf", "json", "-f", "-statsout", statsFile,
				Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: c.latencyMs}.URL(ToolLibSRT), "file://con")
			send(port)
			var libsrt sltStats
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
				libsrt = lastStats(t, statsFile)
				if libsrt.Recv.Packets > 0 {
					break
				}
				waitBackoff(t.Context(), 100*time.Millisecond)
			}
			waitBackoff(t.Context(), 2*time.Second) // the last record after the buffer played out
			libsrt = lastStats(t, statsFile)

			// srtscope.
			port2 := sessiontest.FreeUDPPort(t)
			r, sub, stop := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port2, LatencyMs: c.latencyMs}, ReceiverOptions{ArrivalTap: true})
			waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
			send(port2)
			waitEvent(t, sub, EventDisconnected, 10*time.Second)
			if err := stop(); err != nil {
				t.Errorf("receiver: %v", err)
			}
			ours := r.Summary()
			if h := ours.RecoveryMargins; h != nil {
				t.Logf("recovery margins: edges %v ms, packets %v", h.EdgesMs, h.Pkts)
			}
			t.Logf("libsrt: recv %d dropped %d; srtscope: recv %d dropped %d (late %d) at risk %d",
				libsrt.Recv.Packets, libsrt.Recv.PacketsDropped, ours.PktsRecv, ours.PktsDropped, ours.PktsLate, ours.PktsAtRisk)
			want, got := float64(libsrt.Recv.PacketsDropped), float64(ours.PktsDropped+ours.PktsAtRisk)
			if libsrt.Recv.Packets == 0 || ours.PktsRecv == 0 {
				t.Fatalf("nothing received: libsrt %d, srtscope %d", libsrt.Recv.Packets, ours.PktsRecv)
			}
			if want == 0 && got != 0 || math.Abs(got-want) > math.Max(0.4*want, 6) {
				t.Errorf("dropped + at risk: srtscope %.0f, libsrt dropped %.0f (allowed ±%.0f)", got, want, math.Max(0.4*want, 6))
			}
		})
	}
}
