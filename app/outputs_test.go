package app

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestFeedOutputs: the demo feed forwards to a UDP socket of the test and
// to an SRT caller output whose target never answers; outputs are added
// and removed while it runs. Their state and events reach the feed view,
// the log and the recording, and the dead one is judged unhealthy.
func TestFeedOutputs(t *testing.T) {
	db, err := record.Open(filepath.Join(t.TempDir(), record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	c := NewController(t.Context(), ControllerOptions{Recorder: db})
	t.Cleanup(func() { c.Close(); _ = db.Close() })
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	var got atomic.Uint64
	go func() {
		buf := make([]byte, 2048)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			got.Add(uint64(n))
		}
	}()
	d, err := StartDemo(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	waitFeed(t, c, d.FeedID, 20*time.Second, "demo receiving", func(v FeedView) bool { return v.Sample.PktsRecv > 0 })

	parse := func(u string) session.OutputConfig {
		cfg, _, err := session.ParseOutputURL(u)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	deadURL := "srt://127.0.0.1:" + strconv.Itoa(sessiontest.FreeUDPPort(t)) + "?timeout=500&passphrase=secret-of-the-studio"
	if err := c.AddOutput(d.FeedID, parse("udp://"+pc.LocalAddr().String())); err != nil {
		t.Fatal(err)
	}
	if err := c.AddOutput(d.FeedID, parse(deadURL)); err != nil {
		t.Fatal(err)
	}
	v := waitFeed(t, c, d.FeedID, 20*time.Second, "UDP output sending, caller output retrying", func(v FeedView) bool {
		return len(v.Outputs) == 2 && v.Outputs[0].BytesSent > 100_000 && v.Outputs[1].Attempt >= 2
	})
	if h, why := v.Outputs[0].Health(); h != HealthGreen {
		t.Errorf("UDP output health %s (%s), want green", h, why)
	}
	if h, why := v.Outputs[1].Health(); h != HealthRed || !strings.Contains(why, "not connected") {
		t.Errorf("dead caller output health %s (%s), want red: not connected", h, why)
	}
	if h, _, idx := WorstOutput(v.Outputs); h != HealthRed || idx != 2 {
		t.Errorf("worst output %d %s, want 2 red", idx, h)
	}
	if strings.Contains(v.Outputs[1].URL, "secret-of-the-studio") {
		t.Errorf("output URL shows the passphrase: %s", v.Outputs[1].URL)
	}
	var sawAttempt bool
	for _, l := range v.Log {
		if l.Kind == "output connecting" && strings.Contains(l.Detail, "output 2 (") && strings.Contains(l.Detail, "attempt 2") {
			sawAttempt = true
		}
		if strings.Contains(l.Detail, "secret-of-the-studio") {
			t.Errorf("log shows the passphrase: %s", l.Detail)
		}
	}
	if !sawAttempt {
		t.Errorf("no 'output connecting ... attempt 2' line in the log: %v", v.Log)
	}
	if v.Sample.PktsDropped != 0 && v.Sample.SinkSkippedBytes != 0 {
		t.Errorf("input skipped %d bytes beside its outputs", v.Sample.SinkSkippedBytes)
	}

	if err := c.RemoveOutput(d.FeedID, 2); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveOutput(d.FeedID, 2); err == nil || !strings.Contains(err.Error(), "outputs 1..1") {
		t.Errorf("removing a missing output: %v", err)
	}
	v, _ = c.Feed(d.FeedID)
	if len(v.Outputs) != 1 || len(v.Spec.Outputs) != 1 || v.Outputs[0].Kind != session.OutputUDP {
		t.Fatalf("after removing output 2: %d views, %d in the spec", len(v.Outputs), len(v.Spec.Outputs))
	}
	before := got.Load()
	waitFeed(t, c, d.FeedID, 10*time.Second, "the UDP output still sending", func(FeedView) bool { return got.Load() > before+50_000 })
	c.Stop(d.FeedID)
	v, _ = c.Feed(d.FeedID)
	if len(v.Outputs) != 1 || v.Outputs[0].State != session.StateDisconnected {
		t.Errorf("stopped feed's outputs: %+v", v.Outputs)
	}

	latest, err := db.Latest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.Load(context.Background(), latest)
	if err != nil {
		t.Fatal(err)
	}
	var udpRows, deadRows int
	for _, o := range s.Outputs {
		switch {
		case o.Kind == string(session.OutputUDP):
			udpRows++
		case o.Kind == string(session.OutputSRTCaller):
			deadRows++
			if strings.Contains(o.URL, "secret-of-the-studio") {
				t.Errorf("recorded output URL shows the passphrase: %s", o.URL)
			}
		}
	}
	var outEvents int
	for _, e := range s.Events {
		if strings.HasPrefix(string(e.Kind), "output ") {
			outEvents++
		}
	}
	if udpRows == 0 || deadRows == 0 || outEvents == 0 {
		t.Errorf("recording has %d UDP and %d caller output samples and %d output events", udpRows, deadRows, outEvents)
	}
}

// TestSpecOutputsValidated: a feed's outputs are checked when it is added
// or changed, and the error names the output.
func TestSpecOutputsValidated(t *testing.T) {
	c := NewController(t.Context(), ControllerOptions{})
	t.Cleanup(c.Close)
	in := session.Config{Mode: session.ModeListener, Port: 9000}
	good := session.OutputConfig{Kind: session.OutputUDP, UDP: session.UDPConfig{Host: "127.0.0.1", Port: 5000}}
	tests := []struct {
		name string
		outs []session.OutputConfig
		want string // "" = accepted
	}{
		{"none", nil, ""},
		{"one UDP", []session.OutputConfig{good}, ""},
		{"bad ttl", []session.OutputConfig{good, {Kind: session.OutputUDP, UDP: session.UDPConfig{Host: "h", Port: 5000, TTL: 300}}}, "output 2"},
		{"caller without host", []session.OutputConfig{{Kind: session.OutputSRTCaller, SRT: session.Config{Mode: session.ModeCaller, Port: 9000}}}, "invalid host"},
		{"listener kind, caller mode", []session.OutputConfig{{Kind: session.OutputSRTListener, SRT: session.Config{Mode: session.ModeCaller, Host: "h", Port: 9000}}}, "listener for a srt-listener output"},
		{"too many", make([]session.OutputConfig, MaxOutputs+1), "at most 16"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Add(FeedSpec{Name: tc.name, Config: in, Outputs: tc.outs})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
