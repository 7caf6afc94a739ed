package app

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/linetest"
	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// RunLineTest refuses a bad URL before sending, and runs the line test to
// srtscope's own receiver on loopback, with the URL's latency in the
// verdict unless the config overrides it, and records it as a session.
func TestRunLineTest(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	rcfg, _, err := session.ParseURL(fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", port))
	if err != nil {
		t.Fatal(err)
	}
	stop := sessiontest.RunInBackground(t, "receiver", func(ctx context.Context) error {
		return linetest.Receive(ctx, rcfg, nil, nil)
	})
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	db, err := record.Open(filepath.Join(t.TempDir(), record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	c := NewController(t.Context(), ControllerOptions{Recorder: db})
	tests := []struct {
		name      string
		url       string
		latencyMs int
		wantErr   string
		wantMs    int
	}{
		{"bad URL", "http://example.com", 0, "line test URL", 0},
		{"URL latency", fmt.Sprintf("srt://127.0.0.1:%d?mode=caller&latency=150", port), 0, "", 150},
		{"config latency", fmt.Sprintf("srt://127.0.0.1:%d?mode=caller&latency=150", port), 220, "", 220},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := 0
			run, err := c.RunLineTestWith(t.Context(), tt.url, linetest.Config{Rates: []float64{2}, StepDuration: time.Second, LatencyMs: tt.latencyMs},
				LineTestOptions{Progress: func(p linetest.Progress) {
					if p.Step != nil {
						steps++
					}
				}})
			res := run.Result
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if steps != 1 || len(res.Steps) != 1 || res.MaxMbps != 2 || res.LatencyMs != tt.wantMs {
				t.Errorf("steps %d/%d, max %v Mbit/s, latency %d ms (want %d): %s", steps, len(res.Steps), res.MaxMbps, res.LatencyMs, tt.wantMs, res.Verdict)
			}
			// Recorded as a session of its own: the result, a step event and the verdict.
			if run.SessionID == 0 || run.NotRecorded != nil {
				t.Fatalf("not recorded: %v", run.NotRecorded)
			}
			s, err := db.Load(t.Context(), run.SessionID)
			if err != nil {
				t.Fatal(err)
			}
			var stored linetest.Result
			if len(s.LineTests) != 1 || json.Unmarshal(s.LineTests[0].Result, &stored) != nil || stored.Verdict != res.Verdict || stored.LatencyMs != tt.wantMs {
				t.Fatalf("recorded line tests %+v; want the result", s.LineTests)
			}
			if s.Info.Name != LineTestName || s.Info.LatencyMs != tt.wantMs || s.Info.Ended.IsZero() {
				t.Errorf("recorded session %+v", s.Info)
			}
			kinds := map[session.EventKind]int{}
			for _, e := range s.Events {
				kinds[e.Kind]++
			}
			if kinds[EventLineTest] != 2 || kinds[session.EventConnected] != 1 {
				t.Errorf("recorded events %+v; want 2 line-test events and a connect", s.Events)
			}
		})
	}
}
