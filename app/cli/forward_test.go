package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestWatchForwardJSON: watch receives the demo clip and forwards it to a
// UDP socket of the test and to a listener output that srt-live-transmit
// pulls from; every JSON sample line and the summary carry "outputs" with
// the contract's fields, a puller row has its peer, and no passphrase
// appears.
func TestWatchForwardJSON(t *testing.T) {
	if _, err := exec.LookPath("srt-live-transmit"); err != nil {
		t.Skip("srt-live-transmit not installed")
	}
	in, pull := sessiontest.FreeUDPPort(t), sessiontest.FreeUDPPort(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	var udpBytes atomic.Uint64
	go func() {
		buf := make([]byte, 2048)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			udpBytes.Add(uint64(n))
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var o, e bytes.Buffer
		Run(ctx, []string{"send", fmt.Sprintf("srt://127.0.0.1:%d", in), "--demo", "--loop", "--duration", "8s"}, IO{Stdout: &o, Stderr: &e})
	}()
	slt := exec.CommandContext(ctx, "srt-live-transmit", "-a", "yes", fmt.Sprintf("srt://127.0.0.1:%d", pull), fmt.Sprintf("udp://127.0.0.1:%d", sessiontest.FreeUDPPort(t)))
	if err := slt.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = slt.Process.Kill(); _ = slt.Wait() })

	const secret = "forward-secret-123"
	var out, errOut bytes.Buffer
	code := Run(ctx, []string{"watch", fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", in), "--duration", "6s", "--format", "json",
		"--forward", "udp://" + pc.LocalAddr().String(),
		"--forward", fmt.Sprintf("srt://:%d", pull),
		"--forward", fmt.Sprintf("srt://127.0.0.1:%d?passphrase=%s&timeout=500", sessiontest.FreeUDPPort(t), secret)},
		IO{Stdout: &out, Stderr: &errOut})
	if code != ExitOK {
		t.Fatalf("watch exit %d; stderr %s", code, errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), secret) {
		t.Fatal("the output's passphrase is printed")
	}
	fields := []string{"url", "kind", "peer", "state", "rtt_ms", "send_mbps", "pkts_sent", "pkts_retrans_sent", "naks_recv", "pkts_send_dropped", "snd_buf_ms", "skipped_bytes"}
	type row = map[string]any
	var lines []row
	var summary row
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l row
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if s, ok := l["summary"].(row); ok {
			summary = s
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) < 3 || summary == nil {
		t.Fatalf("%d sample lines, summary %v", len(lines), summary)
	}
	pulled := false
	for _, l := range append(lines, summary) {
		if _, ok := l["pkts_recv"]; !ok {
			t.Errorf("the input's fields are gone: %v", l)
		}
		outs, _ := l["outputs"].([]any)
		if len(outs) < 3 {
			t.Fatalf("line without its 3 outputs: %v", l)
		}
		for _, o := range outs {
			m := o.(row)
			for _, f := range fields {
				if _, ok := m[f]; !ok {
					t.Errorf("output field %q missing from %v", f, m)
				}
			}
			if m["kind"] == "srt-listener" && m["state"] == "connected" && m["peer"] != "" && m["pkts_sent"].(float64) > 0 && m["rtt_ms"].(float64) > 0 {
				pulled = true
			}
		}
	}
	outs := summary["outputs"].([]any)
	udp, caller := outs[0].(row), outs[len(outs)-1].(row)
	if udp["kind"] != "udp" || udp["pkts_sent"].(float64) < 100 || udp["skipped_bytes"].(float64) != 0 {
		t.Errorf("UDP output in the summary: %v", udp)
	}
	if caller["kind"] != "srt-caller" || caller["state"] == "connected" || caller["skipped_bytes"].(float64) == 0 || !strings.Contains(caller["url"].(string), "passphrase=(18 characters)") {
		t.Errorf("dead caller output in the summary: %v", caller)
	}
	if !pulled {
		t.Errorf("no line shows srt-live-transmit pulling with its peer and stats")
	}
	if summary["pkts_dropped"].(float64) != 0 || udpBytes.Load() == 0 {
		t.Errorf("input dropped %v packets; UDP socket got %d bytes", summary["pkts_dropped"], udpBytes.Load())
	}
	if !strings.Contains(errOut.String(), "output 2: ") || !strings.Contains(errOut.String(), "started pulling") {
		t.Errorf("no puller-joined event on stderr: %s", errOut.String())
	}
}
