package linetest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/cli"
	"github.com/srtscope/srtscope/app/linetest"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/impair"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// startReceiver runs srtscope's line-test receiver (linetest.Receive) on
// url; stop ends it and returns the steps it saw, in order.
func startReceiver(t *testing.T, url string) (stop func() ([]linetest.ReceiverStep, error)) {
	t.Helper()
	cfg, _, err := session.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []linetest.ReceiverStep
	stopRun := sessiontest.RunInBackground(t, "receiver", func(ctx context.Context) error {
		return linetest.Receive(ctx, cfg, func(s linetest.ReceiverStep) {
			mu.Lock()
			seen = append(seen, s)
			mu.Unlock()
		}, nil)
	})
	return func() ([]linetest.ReceiverStep, error) {
		err := stopRun()
		mu.Lock()
		defer mu.Unlock()
		return seen, err
	}
}

// TestLineTestFindsRelayCap runs `srtscope linetest --format json` through
// the impairment relay capped at 10 Mbit/s to srtscope's own receiver
// (linetest.Receive), with short steps: the verdict's max_mbps must be
// within 15% of the cap, the steps above the cap must fail, and the
// receiver must see each step by its marker.
func TestLineTestFindsRelayCap(t *testing.T) {
	if testing.Short() {
		t.Skip("sends for about 25 s")
	}
	port := sessiontest.FreeUDPPort(t)
	stopRecv := startReceiver(t, fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", port))
	relay, err := impair.Listen(impair.Config{Listen: "127.0.0.1:0", Upstream: fmt.Sprintf("127.0.0.1:%d", port),
		Forward: impair.Impairment{RateLimitMbps: 10}, Reverse: impair.Impairment{RateLimitMbps: 10}})
	if err != nil {
		t.Fatal(err)
	}
	stopRelay := sessiontest.RunInBackground(t, "relay", relay.Run)

	var out, errOut bytes.Buffer
	code := cli.Run(t.Context(), []string{"linetest", fmt.Sprintf("srt://%s?mode=caller", relay.Addr()),
		"--rates", "4,8,12,16", "--step-duration", "4s", "--latency", "200", "--format", "json"},
		cli.IO{Stdout: &out, Stderr: &errOut})
	if err := stopRelay(); err != nil {
		t.Error(err)
	}
	seen, err := stopRecv()
	if err != nil {
		t.Error(err)
	}
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	t.Logf("relay: forward %+v", relay.Stats().Forward)
	t.Logf("result: %s", out.String())
	var res struct {
		RTTMs float64 `json:"rtt_ms"`
		Steps []struct {
			Mbps        float64 `json:"mbps"`
			LossPct     float64 `json:"loss_pct"`
			OverheadPct float64 `json:"overhead_pct"`
			RTTMs       float64 `json:"rtt_ms"`
			RTTMaxMs    float64 `json:"rtt_max_ms"`
			PktsDropped uint64  `json:"pkts_dropped"`
		} `json:"steps"`
		MaxMbps float64 `json:"max_mbps"`
		Verdict string  `json:"verdict"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("want one JSON object: %v\n%s", err, out.String())
	}
	if res.MaxMbps < 8.5 || res.MaxMbps > 11.5 {
		t.Fatalf("max_mbps %v, want 10 ± 15%%: %s", res.MaxMbps, res.Verdict)
	}
	if len(res.Steps) < 3 || res.Steps[0].OverheadPct > 5 || res.RTTMs <= 0 {
		t.Fatalf("steps %+v", res.Steps)
	}
	for _, s := range res.Steps {
		if s.Mbps >= 12 && s.OverheadPct <= linetest.SRTDefaultOverheadPct {
			t.Fatalf("%v Mbit/s through a 10 Mbit/s cap passed: %+v", s.Mbps, s)
		}
	}
	if !strings.Contains(res.Verdict, fmt.Sprintf("this path carries %v Mbit/s", res.MaxMbps)) {
		t.Fatalf("verdict %q", res.Verdict)
	}
	if len(seen) != len(res.Steps) {
		t.Fatalf("the receiver saw %d steps, the sender ran %d: %+v", len(seen), len(res.Steps), seen)
	}
	for i, s := range seen {
		if s.Step != i+1 || s.Mbps != res.Steps[i].Mbps || s.PktsRecv == 0 {
			t.Fatalf("receiver step %d: %+v", i+1, s)
		}
	}
}

// TestLineTestToLibsrt sends two short steps to srt-live-transmit as the
// far end: a clean loopback path carries both.
func TestLineTestToLibsrt(t *testing.T) {
	bin, err := exec.LookPath("srt-live-transmit")
	if err != nil {
		t.Skip("srt-live-transmit not installed")
	}
	port := sessiontest.FreeUDPPort(t)
	ctx, cancel := context.WithCancel(t.Context())
	cmd := exec.CommandContext(ctx, bin, "-a:yes", fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", port), "file://con")
	cmd.Stdout = nil // discard the TS
	var slt bytes.Buffer
	cmd.Stderr = &slt
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
	}()
	cfg, _, err := session.ParseURL(fmt.Sprintf("srt://127.0.0.1:%d?mode=caller&latency=120", port))
	if err != nil {
		t.Fatal(err)
	}
	link, err := linetest.NewSRTLink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var progress []string
	res, err := linetest.Run(t.Context(), link, linetest.Config{Rates: []float64{2, 4}, StepDuration: 2e9, LatencyMs: 120},
		func(p linetest.Progress) {
			if !p.Tick {
				progress = append(progress, p.Message)
			}
		})
	if err != nil {
		t.Fatalf("%v; srt-live-transmit said: %s", err, slt.String())
	}
	if res.MaxMbps != 4 || len(res.Steps) != 2 || res.Steps[1].RTTMs <= 0 || res.Steps[1].PktsDropped != 0 {
		t.Fatalf("result %+v", res)
	}
	if len(progress) != 5 || !strings.Contains(progress[4], "this path carries 4 Mbit/s") {
		t.Fatalf("progress %q", progress)
	}
}

func TestCLIUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "missing URL"},
		{[]string{"http://a:1"}, `URL "http://a:1": allowed srt://`},
		{[]string{"srt://a:1", "--rates", "8,4"}, `--rates "8,4": "4" does not increase`},
		{[]string{"srt://a:1", "--step-duration", "500ms"}, "--step-duration 500ms: allowed 1s..10m"},
		{[]string{"srt://a:1", "--latency", "5"}, "--latency 5: allowed 20..8000 (ms)"},
		{[]string{"srt://a:1", "--format", "csv"}, `--format "csv": allowed text or json`},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		code := cli.Run(t.Context(), append([]string{"linetest"}, tc.args...), cli.IO{Stdout: &out, Stderr: &errOut})
		if code != cli.ExitUsage || out.Len() != 0 || strings.Count(errOut.String(), "\n") != 1 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d stderr %q; want 2 and one line with %q", tc.args, code, errOut.String(), tc.want)
		}
	}
	var out, errOut bytes.Buffer
	if code := cli.Run(t.Context(), []string{"linetest", "--help"}, cli.IO{Stdout: &out, Stderr: &errOut}); code != cli.ExitOK {
		t.Errorf("--help: exit %d", code)
	}
}

// TestLineTestJudgesReceiverDrops sends short steps through the relay
// (20 ms each way) at a 20 ms latency to srtscope's receiver
// (linetest.Receive): a repair takes a round trip (40 ms) plus the gap's
// detection, more than the latency, so the receiver, timing packets as
// libsrt would (arrival tap), drops what was lost: gosrt would hand it
// over after its play time. Each step must carry the receiver's report
// (sent back over the connection), take its drops and loss from it, and
// fail on them, though the sender may have dropped none. At 5% loss the
// overhead fits SRT's 25%. At 30% loss both ways the back channel's own
// messages are lost as often: the END packet (dropped for good, like any
// lost packet at this latency), the HELLO and the report are each
// repeated until they get through, so every step still has its report.
func TestLineTestJudgesReceiverDrops(t *testing.T) {
	if testing.Short() {
		t.Skip("sends for about 8 s")
	}
	tests := []struct {
		name             string
		forward, reverse float64 // loss, %
		lossMin, lossMax float64 // the receiver's loss, %
		// why is how each step's failure starts; "%d" takes its drops.
		why string
	}{
		{"5% forward", 5, 0, 2, 10, "the receiver dropped %d packets"},
		{"30% both ways", 30, 30, 20, 45, "the overhead"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			port := sessiontest.FreeUDPPort(t)
			stopRecv := startReceiver(t, fmt.Sprintf("srt://127.0.0.1:%d?mode=listener&latency=20", port))
			relay, err := impair.Listen(impair.Config{Listen: "127.0.0.1:0", Upstream: fmt.Sprintf("127.0.0.1:%d", port),
				Forward: impair.Impairment{LossPct: tc.forward, Delay: 20 * time.Millisecond},
				Reverse: impair.Impairment{LossPct: tc.reverse, Delay: 20 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			stopRelay := sessiontest.RunInBackground(t, "relay", relay.Run)
			cfg, _, err := session.ParseURL(fmt.Sprintf("srt://%s?mode=caller&latency=20", relay.Addr()))
			if err != nil {
				t.Fatal(err)
			}
			link, err := linetest.NewSRTLink(cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, runErr := linetest.Run(t.Context(), link, linetest.Config{Rates: []float64{2, 4}, StepDuration: 3 * time.Second, LatencyMs: 20}, nil)
			if err := stopRelay(); err != nil {
				t.Error(err)
			}
			seen, err := stopRecv()
			if err != nil {
				t.Error(err)
			}
			if runErr != nil {
				t.Fatal(runErr)
			}
			if len(res.Steps) == 0 {
				t.Fatalf("no steps: %+v", res)
			}
			for i, s := range res.Steps {
				t.Logf("step %d: %+v receiver %+v", i+1, s, s.Receiver)
				if s.FiguresFrom != linetest.FromReceiver || s.Receiver == nil {
					t.Fatalf("step %d judged on the %s's figures; want the receiver's report", i+1, s.FiguresFrom)
				}
				if i >= len(seen) || *s.Receiver != seen[i] {
					t.Fatalf("step %d: report %+v; the receiver saw %+v", i+1, s.Receiver, seen)
				}
				if s.PktsDropped != s.Receiver.PktsDropped || s.LossPct != s.Receiver.LossPct {
					t.Fatalf("step %d: dropped %d loss %v; the receiver's %d, %v", i+1, s.PktsDropped, s.LossPct, s.Receiver.PktsDropped, s.Receiver.LossPct)
				}
				if s.Receiver.PktsDropped == 0 || !strings.HasPrefix(s.Failure(), strings.ReplaceAll(tc.why, "%d", fmt.Sprint(s.PktsDropped))) {
					t.Fatalf("step %d: want a failure on the receiver's drops: %+v %q", i+1, s.Receiver, s.Failure())
				}
				if s.Receiver.LossPct < tc.lossMin || s.Receiver.LossPct > tc.lossMax {
					t.Fatalf("step %d: receiver loss %v%% through %v%% loss", i+1, s.Receiver.LossPct, tc.forward)
				}
			}
			if len(seen) != len(res.Steps) {
				t.Fatalf("the receiver saw %d steps, the sender ran %d: %+v", len(seen), len(res.Steps), seen)
			}
			if res.MaxMbps != 0 || !strings.Contains(res.Verdict, "did not carry even 2 Mbit/s: "+strings.Split(tc.why, " %d")[0]) {
				t.Fatalf("verdict %q", res.Verdict)
			}
		})
	}
}
