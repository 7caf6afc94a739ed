package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestSendJSON: `send --format json` prints one sender sample per second
// with the contract's field names, then a summary line.
func TestSendJSON(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	r, err := session.NewReceiver(session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port}, session.ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sub := r.Subscribe(0, 0)
	stop := sessiontest.RunInBackground(t, "receiver", r.Run)
	defer func() { _ = stop() }()
	// Send only once the receiver listens: a first call into nothing
	// waits the whole connect timeout.
	listening := time.After(10 * time.Second)
	for waiting := true; waiting; {
		select {
		case e, ok := <-sub.Events:
			if !ok {
				t.Fatal("the receiver stopped before listening")
			}
			waiting = e.Kind != session.EventConnecting
		case <-listening:
			t.Fatal("the receiver did not listen within 10 s")
		}
	}
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := Run(ctx, []string{"send", fmt.Sprintf("srt://127.0.0.1:%d", port), "--demo", "--loop", "--duration", "3500ms", "--format", "json"}, IO{Stdout: &out, Stderr: &errOut})
	if code != ExitOK {
		t.Fatalf("send exit %d, stderr %q", code, errOut.String())
	}
	fields := []string{"time", "state", "peer", "rtt_ms", "latency_ms", "send_mbps", "pkts_sent", "pkts_unique_sent", "pkts_retrans_sent",
		"naks_recv", "pkts_send_dropped", "bytes_sent", "snd_buf_ms", "snd_buf_pkts", "flight_pkts", "connects"}
	var samples []map[string]any
	var summary map[string]any
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("stdout line %q is not JSON: %v", sc.Text(), err)
		}
		if s, ok := line["summary"].(map[string]any); ok {
			summary = s
			continue
		}
		samples = append(samples, line)
	}
	if len(samples) < 2 || summary == nil {
		t.Fatalf("%d samples, summary %v; stdout %q", len(samples), summary, out.String())
	}
	for _, obj := range append(samples, summary) {
		for _, f := range fields {
			if _, ok := obj[f]; !ok {
				t.Errorf("field %q missing from %v", f, obj)
			}
		}
	}
	last := samples[len(samples)-1]
	if last["state"] != "connected" || last["send_mbps"].(float64) < 0.3 || last["rtt_ms"].(float64) <= 0 {
		t.Errorf("last sample %v: want connected, about 0.6 Mbit/s and an RTT", last)
	}
	if summary["connects"].(float64) != 1 || summary["pkts_sent"].(float64) < 100 || summary["pkts_send_dropped"].(float64) != 0 {
		t.Errorf("summary %v: want 1 connection, over 100 packets, none dropped", summary)
	}
	if !strings.Contains(errOut.String(), "event connected") {
		t.Errorf("events go to stderr in json; stderr %q", errOut.String())
	}
}
