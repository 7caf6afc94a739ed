package app

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/session"
)

func TestRetentionFor(t *testing.T) {
	tests := []struct {
		days, mb int
		want     record.Retention
		wantErr  string
	}{
		{days: 0, mb: 0, want: record.Retention{}},
		{days: 30, mb: 500, want: record.Retention{MaxAge: 30 * 24 * time.Hour, MaxBytes: 500 << 20}},
		{days: -1, mb: 0, wantErr: "-1 days"},
		{days: 0, mb: -5, wantErr: "-5 MB"},
		{days: MaxKeepDays + 1, mb: 0, wantErr: "use 0 (no limit) to 3650"},
	}
	for _, tt := range tests {
		got, err := RetentionFor(tt.days, tt.mb)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("RetentionFor(%d, %d) error %v, want one saying %q", tt.days, tt.mb, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("RetentionFor(%d, %d) = %+v, %v; want %+v", tt.days, tt.mb, got, err, tt.want)
		}
	}
}

// recordSession writes a closed session of n samples that started at t0.
func recordSession(t testing.TB, db *record.DB, name string, t0 time.Time, n int) int64 {
	t.Helper()
	rec, err := db.Start(context.Background(), record.NewSession{Name: name, URL: "srt://:9000?mode=listener", Mode: "listener", LatencyMs: 120, Started: t0}, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		rec.Sample(session.Sample{Time: t0.Add(time.Duration(i) * time.Second), State: session.StateConnected, RTTMs: 30, LatencyMs: 120, PktsRecv: uint64(i * 400)})
	}
	if err := rec.Close(t0.Add(time.Duration(n) * time.Second)); err != nil {
		t.Fatal(err)
	}
	return rec.ID()
}

func TestPrunerDeletesOldSessionsAndSaysWhich(t *testing.T) {
	db, err := record.Open(filepath.Join(t.TempDir(), record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	old := recordSession(t, db, "old rehearsal", now.Add(-40*24*time.Hour), 20)
	recent := recordSession(t, db, "last night", now.Add(-24*time.Hour), 20)

	keep := record.Retention{}
	passes := make(chan PruneResult, 4)
	var logged []string
	p := &Pruner{DB: db, Retention: func() record.Retention { return keep }, Now: func() time.Time { return now },
		Log: func(s string) { logged = append(logged, s) }, OnPass: func(r PruneResult, err error) {
			if err != nil {
				t.Error(err)
			}
			passes <- r
		}}

	// No limit: nothing goes.
	res, err := p.Once(context.Background())
	if err != nil || len(res.Deleted) != 0 {
		t.Fatalf("pass without limits deleted %v (err %v)", res.Deleted, err)
	}
	// 30 days: the old session goes, at start-up, from Run.
	keep, _ = RetentionFor(30, 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	var first PruneResult
	select {
	case first = <-passes:
	case <-time.After(10 * time.Second):
		t.Fatal("Run made no pass at start-up")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop when its context was cancelled")
	}
	if len(first.Deleted) != 1 || first.Deleted[0].ID != old {
		t.Fatalf("deleted %+v, want only session %d", first.Deleted, old)
	}
	if len(logged) != 1 || !strings.Contains(logged[0], `"old rehearsal"`) || !strings.Contains(logged[0], "keep 30 days") {
		t.Errorf("log %q, want a line naming the deleted session and the rule", logged)
	}
	left, err := db.Sessions(context.Background())
	if err != nil || len(left) != 1 || left[0].ID != recent {
		t.Errorf("sessions left %+v (err %v), want only %d", left, err, recent)
	}
}

func TestFFmpegPathFuncAppliesToFeedsStartedAfterwards(t *testing.T) {
	if _, err := FindFFmpeg(""); err != nil {
		t.Skip("needs ffmpeg on PATH:", err)
	}
	var mu sync.Mutex
	path := ""
	get := func() string { mu.Lock(); defer mu.Unlock(); return path }
	set := func(p string) { mu.Lock(); path = p; mu.Unlock() }
	c := NewController(t.Context(), ControllerOptions{FFmpegPathFunc: get})
	t.Cleanup(c.Close)
	// A caller to a closed loopback port: it keeps trying, which is enough here.
	id, err := c.Add(FeedSpec{Name: "cam", Media: true, Config: session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: 9, LatencyMs: 120}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want string
	}{
		{"/nonexistent/ffmpeg", "bitstream-only"},
		{"", "ffmpeg"},
		{"/nonexistent/ffmpeg", "bitstream-only"},
	}
	for _, tt := range tests {
		set(tt.path)
		if err := c.Start(id); err != nil {
			t.Fatal(err)
		}
		v, _ := c.Feed(id)
		c.Stop(id)
		if v.MediaAnalysis != tt.want {
			t.Errorf("ffmpeg path %q: media analysis %q, want %q", tt.path, v.MediaAnalysis, tt.want)
		}
	}
	if _, err := FindFFmpeg("/nonexistent/ffmpeg"); err == nil || !strings.Contains(err.Error(), "/nonexistent/ffmpeg") {
		t.Errorf("FindFFmpeg of a missing file: %v, want an error naming the path", err)
	}
}
