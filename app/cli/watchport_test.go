package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// startPublisher runs an ffmpeg publishing the demo clip in a loop to the
// port with a raw streamid (ffmpeg 5.1 does not URL-decode it); cleanup
// kills it and waits.
func startPublisher(t *testing.T, port int, streamid string) *signalBuffer {
	t.Helper()
	clip, err := filepath.Abs(filepath.Join("..", "..", "assets", "demo.ts"))
	if err != nil {
		t.Fatal(err)
	}
	u := fmt.Sprintf("srt://127.0.0.1:%d?streamid=%s&pkt_size=1316", port, streamid)
	cmd := exec.Command("ffmpeg", "-nostdin", "-loglevel", "info", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "mpegts", u)
	out := &signalBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting ffmpeg: %v", err)
	}
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }() // killed below: its status says nothing
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			t.Errorf("ffmpeg for %q did not exit", streamid)
		}
	})
	return out
}

// TestWatchByStreamIDJSON: watch --by-streamid --accept cam1,cam2 takes two
// ffmpeg publishers (access-control form and plain name) on one port and
// names the feed on every JSON line, samples and one summary per feed; a
// third publisher with an unknown name is refused, which the port's own
// line shows as an event naming the name, with REJX_NOTFOUND.
func TestWatchByStreamIDJSON(t *testing.T) {
	needFFmpegCLI(t)
	port := sessiontest.FreeUDPPort(t)
	run := startCLI(t, "watch", fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", port), "--by-streamid", "--accept", "cam1,cam2",
		"--format", "json", "--duration", "12s")
	waitFor(t, run.stderr, "listening on UDP", 5*time.Second)
	startPublisher(t, port, "#!::r=cam1,m=publish")
	startPublisher(t, port, "cam2")
	// The connected events end with the streamid as the caller sent it.
	waitFor(t, run.stderr, `, streamid "#!::r=cam1,m=publish"`, 15*time.Second)
	waitFor(t, run.stderr, `, streamid "cam2"`, 15*time.Second)
	stranger := startPublisher(t, port, "#!::r=cam3,m=publish")
	waitFor(t, run.stderr, `with streamid name "cam3": no feed named "cam3" on this port (it accepts cam1, cam2) (REJX_NOTFOUND)`, 15*time.Second)
	waitFor(t, stranger, "REJECT", 15*time.Second)
	if code := run.wait(t, 40*time.Second); code != ExitOK {
		t.Fatalf("exit %d; stderr %q", code, run.stderr.String())
	}

	samples := map[string]int{}
	summaries := map[string]map[string]any{}
	var portLine map[string]json.RawMessage
	sc := bufio.NewScanner(strings.NewReader(run.stdout.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		raw, ok := line["feed"]
		if !ok {
			t.Fatalf("line without feed: %s", sc.Text())
		}
		var feed string
		_ = json.Unmarshal(raw, &feed)
		switch {
		case feed == "" && line["port"] != nil:
			portLine = line
		case feed != "cam1" && feed != "cam2":
			t.Errorf("line of feed %q: %s", feed, sc.Text())
		case line["summary"] != nil:
			var sum map[string]any
			_ = json.Unmarshal(line["summary"], &sum)
			if summaries[feed] != nil {
				t.Errorf("second summary for %s", feed)
			}
			summaries[feed] = sum
		default:
			for _, k := range []string{"time", "state", "rtt_ms", "latency_ms", "recv_mbps", "pkts_recv", "pkts_lost", "pkts_retrans", "pkts_dropped"} {
				if _, ok := line[k]; !ok {
					t.Errorf("sample of %s without %q: %s", feed, k, sc.Text())
				}
			}
			samples[feed]++
		}
	}
	for _, feed := range []string{"cam1", "cam2"} {
		sum := summaries[feed]
		if samples[feed] < 5 || sum == nil {
			t.Errorf("%s: %d samples, summary %v", feed, samples[feed], sum)
			continue
		}
		if recv, _ := sum["pkts_recv"].(float64); recv < 500 {
			t.Errorf("%s: summary pkts_recv %v", feed, sum["pkts_recv"])
		}
		if sum["reconnects"].(float64) != 0 || sum["pkts_dropped"].(float64) != 0 {
			t.Errorf("%s: summary %v", feed, sum)
		}
	}
	if portLine == nil {
		t.Fatalf("no port line in %q", run.stdout.String())
	}
	var outcome struct {
		Rejections int      `json:"rejections"`
		Feeds      []string `json:"feeds"`
		Events     []struct {
			Kind   string `json:"kind"`
			Feed   string `json:"feed"`
			Code   int    `json:"code"`
			Detail string `json:"detail"`
		} `json:"events"`
	}
	if err := json.Unmarshal(portLine["summary"], &outcome); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range outcome.Events {
		found = found || (e.Kind == "rejected" && e.Feed == "cam3" && e.Code == 1404 && strings.Contains(e.Detail, `"cam3"`))
	}
	if !found || outcome.Rejections < 1 || strings.Join(outcome.Feeds, ",") != "cam1,cam2" {
		t.Errorf("port line %+v", outcome)
	}
}

// TestWatchByStreamIDFormats: in csv every row starts with the feed's name
// (the header with "feed"), in text every line; --accept-new takes a name
// it was not told.
func TestWatchByStreamIDFormats(t *testing.T) {
	needFFmpegCLI(t)
	tests := []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{"csv", func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if !strings.HasPrefix(lines[0], "feed,time,state,peer,rtt_ms,") {
				t.Errorf("header %q", lines[0])
			}
			samples, summary := 0, false
			for _, l := range lines[1:] {
				switch {
				case strings.HasPrefix(l, "cam5,summary,"):
					summary = true
				case strings.HasPrefix(l, "cam5,"):
					samples++
				case strings.HasPrefix(l, ",port,"):
				default:
					t.Errorf("row of no feed: %q", l)
				}
			}
			if samples < 3 || !summary {
				t.Errorf("%d samples, summary %v:\n%s", samples, summary, out)
			}
		}},
		{"text", func(t *testing.T, out string) {
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				if !strings.HasPrefix(l, "cam5 ") && !strings.HasPrefix(l, "port ") {
					t.Errorf("line of no feed: %q", l)
				}
			}
			if !strings.Contains(out, "cam5 summary: connected") || !strings.Contains(out, "event connected: connected to 127.0.0.1:") {
				t.Errorf("no summary or connected event:\n%s", out)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			port := sessiontest.FreeUDPPort(t)
			run := startCLI(t, "watch", fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", port), "--by-streamid", "--accept-new",
				"--format", tc.format, "--duration", "8s")
			waitFor(t, run.stderr, "taking any stream name (--accept-new)", 5*time.Second)
			startPublisher(t, port, "cam5")
			if code := run.wait(t, 40*time.Second); code != ExitOK {
				t.Fatalf("exit %d; stderr %q", code, run.stderr.String())
			}
			tc.check(t, run.stdout.String())
		})
	}
}

// TestWatchByStreamIDPull: while ffmpeg publishes cam1 to a watch
// --by-streamid port, an ffmpeg that asks for "#!::r=cam1,m=request" on the
// same port decodes 3 s of cam1 without an error, and cam1's JSON lines
// show it as a puller row in "outputs"; a puller of a name nobody
// publishes is refused with REJX_NOTFOUND naming it.
func TestWatchByStreamIDPull(t *testing.T) {
	needFFmpegCLI(t)
	port := sessiontest.FreeUDPPort(t)
	run := startCLI(t, "watch", fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", port), "--by-streamid", "--accept", "cam1,cam2",
		"--format", "json", "--duration", "14s")
	waitFor(t, run.stderr, "listening on UDP", 5*time.Second)
	startPublisher(t, port, "#!::r=cam1,m=publish")
	waitFor(t, run.stderr, `, streamid "#!::r=cam1,m=publish"`, 15*time.Second)
	waitFor(t, run.stdout, `"feed":"cam1","time"`, 10*time.Second) // a sample: cam1 is live

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pull := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-i", fmt.Sprintf("srt://127.0.0.1:%d?streamid=#!::r=cam1,m=request", port), "-t", "3", "-f", "null", "-")
	out, err := pull.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("ffmpeg pulling cam1: %v; it said %q", err, out)
	}
	refused := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-i", fmt.Sprintf("srt://127.0.0.1:%d?streamid=#!::r=cam2,m=request", port), "-t", "1", "-f", "null", "-")
	if out, err := refused.CombinedOutput(); err == nil {
		t.Errorf("ffmpeg pulled cam2, which nobody publishes: %s", out)
	}
	waitFor(t, run.stderr, `"cam2": no output to pull from for cam2: it is not live`, 10*time.Second)
	if code := run.wait(t, 40*time.Second); code != ExitOK {
		t.Fatalf("exit %d; stderr %q", code, run.stderr.String())
	}
	pulled := false
	sc := bufio.NewScanner(strings.NewReader(run.stdout.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Feed    string `json:"feed"`
			Outputs []struct {
				Kind     string  `json:"kind"`
				Peer     string  `json:"peer"`
				State    string  `json:"state"`
				PktsSent float64 `json:"pkts_sent"`
			} `json:"outputs"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		for _, o := range line.Outputs {
			pulled = pulled || line.Feed == "cam1" && o.Kind == "srt-listener" && o.Peer != "" && o.State == "connected" && o.PktsSent > 0
		}
	}
	if !pulled {
		t.Errorf("no cam1 line shows the puller in its outputs")
	}
	if !strings.Contains(run.stderr.String(), "started pulling") {
		t.Errorf("no puller-joined event on stderr")
	}
}
