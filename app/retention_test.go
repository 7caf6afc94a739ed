package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/app/tsrecord"
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
	rec, err := db.Start(t.Context(), record.NewSession{Name: name, URL: "srt://:9000?mode=listener", Mode: "listener", LatencyMs: 120, Started: t0}, record.Options{})
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

// TestPrunerRunsHourly drives Pruner.Run's hourly loop on synctest's fake
// clock: a pass at start-up, none before the hour, one on the hour, each
// with the retention setting as it is then and the fake time as now, and
// Run returning once its context is cancelled. No real time passes.
func TestPrunerRunsHourly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db, err := record.Open(filepath.Join(t.TempDir(), record.FileName))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = db.Close() }()
		t0 := time.Now() // the bubble's fake clock
		recordSession(t, db, "old rehearsal", t0.Add(-40*24*time.Hour), 20)
		// 30 days old 90 minutes after start-up: it goes at the second hourly pass.
		recordSession(t, db, "last month", t0.Add(-30*24*time.Hour+90*time.Minute), 20)
		recordSession(t, db, "last night", t0.Add(-20*time.Hour), 20)

		var mu sync.Mutex
		keepDays := 0
		var logged []string
		passes := make(chan PruneResult, 8)
		p := &Pruner{DB: db,
			Retention: func() record.Retention {
				mu.Lock()
				defer mu.Unlock()
				r, err := RetentionFor(keepDays, 0)
				if err != nil {
					t.Error(err)
				}
				return r
			},
			Log: func(s string) { mu.Lock(); logged = append(logged, s); mu.Unlock() },
			OnPass: func(r PruneResult, err error) {
				if err != nil {
					t.Error(err)
				}
				passes <- r
			}}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { p.Run(ctx); close(done) }()

		steps := []struct {
			name     string
			keepDays int           // the setting from this step on
			advance  time.Duration // fake time to let pass first
			pass     bool          // whether a pass is due by then
			deleted  []string      // what that pass deleted, oldest first
			log      string        // in its log line
		}{
			{name: "start-up pass without a limit", keepDays: 0, pass: true, log: "keep every recording"},
			{name: "no pass before the hour", keepDays: 30, advance: time.Hour - time.Second},
			{name: "pass on the hour with the new setting", keepDays: 30, advance: time.Second, pass: true,
				deleted: []string{"old rehearsal"}, log: `"old rehearsal"`},
			{name: "a session ages out by the next pass", keepDays: 30, advance: time.Hour, pass: true,
				deleted: []string{"last month"}, log: `"last month"`},
			{name: "nothing left to delete", keepDays: 30, advance: time.Hour, pass: true, log: "nothing to delete"},
		}
		for _, st := range steps {
			mu.Lock()
			keepDays = st.keepDays
			mu.Unlock()
			time.Sleep(st.advance) // moves the fake clock; Run's ticker fires on it
			synctest.Wait()        // Run has done whatever pass was due, and is waiting again
			select {
			case r := <-passes:
				if !st.pass {
					t.Errorf("%s: a pass at %v, want none", st.name, time.Since(t0))
					continue
				}
				var names []string
				for _, s := range r.Deleted {
					names = append(names, s.Name)
				}
				if !slices.Equal(names, st.deleted) {
					t.Errorf("%s: deleted %q, want %q", st.name, names, st.deleted)
				}
				mu.Lock()
				last := logged[len(logged)-1]
				mu.Unlock()
				if !strings.Contains(last, st.log) {
					t.Errorf("%s: logged %q, want it to say %q", st.name, last, st.log)
				}
			default:
				if st.pass {
					t.Errorf("%s: no pass at %v", st.name, time.Since(t0))
				}
			}
		}
		left, err := db.Sessions(t.Context())
		if err != nil || len(left) != 1 || left[0].Name != "last night" {
			t.Errorf("sessions left %+v (err %v), want only \"last night\"", left, err)
		}
		cancel()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Error("Run did not return when its context was cancelled")
		}
	})
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

// TestPrunerPrunesSegments: the recordings' retention also prunes the TS
// segments in the Pruner's SegmentDirs, on the real filesystem: by age and
// by size, oldest finished first, never a live segment nor another file,
// each directory once however many feeds record into it, with or without
// a session history.
func TestPrunerPrunesSegments(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	seg := func(feed string, age time.Duration, live bool) string {
		n := tsrecord.Name{Feed: feed, Start: now.Add(-age), Live: live}
		return n.String()
	}
	files := []struct {
		name string
		size int64
	}{
		{seg("cam1", 40*day, false), 1 << 20},
		{seg("cam2", 20*day, false), 1 << 20},
		{seg("cam1", 2*day, false), 1 << 20},
		{seg("cam1", time.Minute, true), 1 << 20}, // live
		{"notes.txt", 1 << 20},
	}
	tests := []struct {
		name     string
		keepDays int
		maxMB    int
		withDB   bool
		deleted  []int // indexes into files, in order
		log      string
	}{
		{"keep everything", 0, 0, true, nil, "nothing to delete, recordings use"},
		{"keep 30 days", 30, 0, true, []int{0}, "deleted 1 session(s)"},
		{"at most 2 MB", 0, 2, false, []int{0, 1}, "deleted 2 TS segment(s) (2.0 MB): " + files[0].name + ", " + files[1].name},
		{"at most 1 MB: the live one stays", 0, 1, false, []int{0, 1, 2}, "TS segments now use 1.0 MB (was 4.0 MB)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range files {
				if err := os.WriteFile(filepath.Join(dir, f.name), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(filepath.Join(dir, f.name), f.size); err != nil {
					t.Fatal(err)
				}
			}
			p := &Pruner{Now: func() time.Time { return now },
				Retention: func() record.Retention {
					r, err := RetentionFor(tt.keepDays, tt.maxMB)
					if err != nil {
						t.Fatal(err)
					}
					return r
				},
				// Two feeds record into dir; a third into a folder not made yet.
				SegmentDirs: func() []string { return []string{dir, dir + "/", filepath.Join(dir, "later")} }}
			if tt.withDB {
				db, err := record.Open(filepath.Join(t.TempDir(), record.FileName))
				if err != nil {
					t.Fatal(err)
				}
				defer func() { _ = db.Close() }()
				recordSession(t, db, "old rehearsal", now.Add(-40*day), 5)
				p.DB = db
			}
			res, err := p.Once(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, s := range res.DeletedSegments {
				got = append(got, filepath.Base(s.Path))
			}
			for _, i := range tt.deleted {
				want = append(want, files[i].name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("deleted %q, want %q", got, want)
			}
			if res.SegmentBytesBefore != 4<<20 || res.SegmentBytesAfter != int64(4-len(want))<<20 {
				t.Errorf("segments used %d -> %d bytes", res.SegmentBytesBefore, res.SegmentBytesAfter)
			}
			if s := res.String(); !strings.Contains(s, tt.log) {
				t.Errorf("String() = %q, want it to say %q", s, tt.log)
			}
			for i, f := range files {
				_, err := os.Stat(filepath.Join(dir, f.name))
				if gone := errors.Is(err, os.ErrNotExist); gone != slices.Contains(tt.deleted, i) {
					t.Errorf("%s: gone %v", f.name, gone)
				}
			}
		})
	}
}
