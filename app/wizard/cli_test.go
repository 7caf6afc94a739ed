package wizard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/cli"
	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// The `srtscope wizard` command lives in app/cli; its tests live here with
// the wizard.

func runCLI(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = cli.Run(ctx, append([]string{"wizard"}, args...), cli.IO{Stdout: &out, Stderr: &errOut})
	return code, out.String(), errOut.String()
}

func TestCLIUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the one line on stderr
	}{
		{"no URL", nil, "missing URL"},
		{"two URLs", []string{"srt://a:1", "srt://b:2"}, `unexpected argument "srt://b:2"`},
		{"not srt", []string{"http://a:1"}, `URL "http://a:1": allowed srt://`},
		{"bad URL field", []string{"srt://a:99999"}, "port"},
		{"passphrase never echoed", []string{"srt://a:1?passphrase=shortpw"}, "passphrase"},
		{"decreasing steps", []string{"srt://a:1", "--steps", "8,4"}, `--steps "8,4": allowed positive increasing`},
		{"zero step", []string{"srt://a:1", "--steps", "0,4"}, `--steps "0,4"`},
		{"words in steps", []string{"srt://a:1", "--steps", "4,eight"}, `--steps "4,eight": allowed whole numbers`},
		{"fraction step", []string{"srt://a:1", "--steps=4.5"}, `--steps "4.5"`},
		{"short step", []string{"srt://a:1", "--step-duration", "1s"}, "--step-duration 1s: allowed 2s to 10m"},
		{"long step", []string{"srt://a:1", "--step-duration", "11m"}, "--step-duration 11m0s: allowed 2s to 10m"},
		{"not a duration", []string{"srt://a:1", "--step-duration", "ten"}, "-step-duration: allowed a duration like"},
		{"short baseline", []string{"srt://a:1", "--baseline", "500ms"}, "--baseline 500ms: allowed 2s to 10m"},
		{"long baseline", []string{"srt://a:1", "--baseline", "1h"}, "--baseline 1h0m0s: allowed 2s to 10m"},
		{"short connect timeout", []string{"srt://a:1", "--connect-timeout", "10ms"}, "--connect-timeout 10ms: allowed 1s or more"},
		{"format", []string{"srt://a:1", "--format", "csv"}, `--format "csv": allowed text or json`},
		{"unknown flag", []string{"srt://a:1", "--latency", "200"}, "latency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t.Context(), tc.args...)
			if code != cli.ExitUsage {
				t.Fatalf("exit %d, want 2; stderr %q", code, stderr)
			}
			if stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("stdout %q stderr %q, want one line with %q", stdout, stderr, tc.want)
			}
			if strings.Contains(stderr, "shortpw") {
				t.Fatalf("passphrase echoed: %q", stderr)
			}
		})
	}
	code, stdout, _ := runCLI(t.Context(), "--help")
	if code != cli.ExitOK || !strings.Contains(stdout, "--step-duration") || !strings.Contains(stdout, "before going on air") {
		t.Fatalf("--help: exit %d, %q", code, stdout)
	}
}

// TestCLINotConnected: a wizard on a feed that does not connect says so
// and does not start.
func TestCLINotConnected(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	code, stdout, stderr := runCLI(t.Context(), "srt://127.0.0.1:"+strconv.Itoa(port)+"?mode=caller", "--connect-timeout", "1s", "--step-duration", "2s", "--format", "json")
	if code != cli.ExitFailure {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "not connected") || !strings.Contains(last, "did not start") {
		t.Fatalf("last stderr line %q does not say the feed is not connected", last)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res["status"] != "failed" {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
}

// TestCLILoopback runs `srtscope wizard --format json` against the
// project's sender on loopback: the RTT is tiny, so every step clamps to
// the 80 ms floor and one step is measured.
func TestCLILoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 6 s over loopback SRT")
	}
	port := sessiontest.FreeUDPPort(t)
	sender, err := session.NewSender(session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: session.MinLatencyMs},
		bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	events := sender.Subscribe(64)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- sender.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("sender: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("sender did not stop")
		}
	})
	for ev := range events.Events {
		if ev.Kind == session.EventConnecting {
			break // listening
		}
	}

	code, stdout, stderr := runCLI(t.Context(), "srt://127.0.0.1:"+strconv.Itoa(port)+"?mode=caller&latency=200",
		"--steps", "2,4", "--step-duration", "2s", "--baseline", "2s", "--format", "json")
	if code != cli.ExitOK {
		t.Fatalf("exit %d; stderr %s", code, stderr)
	}
	if !strings.Contains(stderr, "before going on air") {
		t.Errorf("no warning that steps interrupt the feed: %q", stderr)
	}
	if strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(stdout, `{"rtt_ms":`) {
		t.Fatalf("stdout is not one JSON object: %q", stdout)
	}
	var res struct {
		RTTMs       *float64 `json:"rtt_ms"`
		LossPct     *float64 `json:"loss_pct"`
		Original    int      `json:"original_latency_ms"`
		Steps       []map[string]any
		Recommended *struct {
			Multiplier int    `json:"multiplier"`
			LatencyMs  int    `json:"latency_ms"`
			Reason     string `json:"reason"`
		} `json:"recommended"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.RTTMs == nil || res.LossPct == nil || res.Recommended == nil || res.Original != 200 {
		t.Fatalf("missing fields: %s", stdout)
	}
	if len(res.Steps) != 1 || res.Steps[0]["latency_ms"] != float64(80) || res.Recommended.LatencyMs != 80 || res.Recommended.Reason == "" {
		t.Fatalf("want one step at the 80 ms floor (2x and 4x of a loopback RTT under 20 ms), recommended: %s", stdout)
	}
	for _, k := range []string{"multiplier", "latency_ms", "duration_s", "pkts_lost", "pkts_retrans", "pkts_dropped", "rtt_ms"} {
		if _, ok := res.Steps[0][k]; !ok {
			t.Errorf("step lacks %q", k)
		}
	}
}
