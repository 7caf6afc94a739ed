package app

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/app/report"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// openStores opens a Controller with both stores in temporary folders.
func openStores(t *testing.T, opts ControllerOptions) *Controller {
	t.Helper()
	opts.Stores.Recordings, opts.Stores.Presets = true, true
	opts.Stores.DataDir, opts.Stores.ConfigDir = t.TempDir(), t.TempDir()
	if opts.Stores.Keychain == nil {
		opts.Stores.Keychain = &preset.MemoryKeychain{}
	}
	c, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.RecordingsStatus(); err != nil {
		t.Fatal(err)
	}
	if err := c.PresetsStatus(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestControllerRecordings(t *testing.T) {
	c := openStores(t, ControllerOptions{})
	if filepath.Dir(c.RecordingsPath()) != c.opts.Stores.DataDir {
		t.Errorf("recordings in %s, want in %s", c.RecordingsPath(), c.opts.Stores.DataDir)
	}
	now := time.Now()
	old := recordSession(t, c.db, "Last season", now.Add(-45*24*time.Hour), 5)
	recent := recordSession(t, c.db, "Tonight", now.Add(-time.Hour), 5)

	ss, err := c.Sessions(t.Context())
	if err != nil || len(ss) != 2 || ss[0].ID != recent {
		t.Fatalf("sessions %+v, %v: want Tonight first of two", ss, err)
	}
	if n, err := c.UsedBytes(t.Context()); err != nil || n <= 0 {
		t.Errorf("used bytes %d, %v", n, err)
	}
	if id, err := c.LatestSession(t.Context()); err != nil || id != recent {
		t.Errorf("latest %d, %v; want %d", id, err, recent)
	}
	path := filepath.Join(t.TempDir(), "r.json")
	if n, err := c.ExportSession(t.Context(), recent, path, report.JSON, nil); err != nil || n <= 0 {
		t.Errorf("export: %d bytes, %v", n, err)
	}
	if _, err := c.LoadSession(t.Context(), 9999); !errors.Is(err, ErrNoSession) {
		t.Errorf("loading an unknown session: %v, want ErrNoSession", err)
	}
	if err := c.DeleteSession(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	if ss, _ := c.Sessions(t.Context()); len(ss) != 1 {
		t.Errorf("after delete %d sessions, want 1", len(ss))
	}
}

func TestControllerWithoutStores(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts StoreOptions
	}{
		{"not asked for", StoreOptions{}},
		{"folders unusable", StoreOptions{Recordings: true, DataDir: filepath.Join(file, "sub"), Presets: true, ConfigDir: file, Keychain: &preset.MemoryKeychain{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Open(t.Context(), ControllerOptions{Stores: tt.opts})
			if err != nil {
				t.Fatalf("a store that cannot open stopped the Controller: %v", err)
			}
			defer c.Close()
			if _, err := c.Sessions(t.Context()); !errors.Is(err, ErrNoRecordings) {
				t.Errorf("sessions: %v, want ErrNoRecordings", err)
			}
			if !errors.Is(c.RecordingsStatus(), ErrNoRecordings) {
				t.Errorf("recordings status %v", c.RecordingsStatus())
			}
			if _, err := c.CreatePreset(preset.Preset{Name: "x", Mode: "listener", Port: 9000}, ""); !errors.Is(err, ErrNoPresets) {
				t.Errorf("create preset: %v, want ErrNoPresets", err)
			}
			path := filepath.Join(t.TempDir(), "empty.pdf")
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ExportSession(t.Context(), 1, path, report.PDF, nil); !errors.Is(err, ErrNoRecordings) {
				t.Errorf("export: %v, want ErrNoRecordings", err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Error("a failed export left the empty file the save dialog made")
			}
		})
	}
}

func TestControllerPresets(t *testing.T) {
	c := openStores(t, ControllerOptions{})
	p := preset.Preset{Name: "Stadium", Mode: "caller", Host: "192.0.2.7", Port: 9001, Latency: preset.Latency{RTTMultiplier: 4}, KeyLength: 16, RememberPassphrase: true}
	if _, err := c.CreatePreset(p, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreatePreset(p, ""); !errors.Is(err, preset.ErrExists) {
		t.Errorf("a second Stadium: %v, want ErrExists", err)
	}
	for _, want := range []string{"Stadium copy", "Stadium copy 2"} {
		q, err := c.DuplicatePreset("Stadium", "")
		if err != nil || q.Name != want {
			t.Errorf("duplicate: %q, %v; want %q", q.Name, err, want)
		}
	}
	if err := c.RenamePreset("Stadium copy 2", " Arena "); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePreset("Stadium copy"); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range c.Presets() {
		names = append(names, q.Name)
	}
	if strings.Join(names, ",") != "Arena,Stadium" && strings.Join(names, ",") != "Stadium,Arena" {
		t.Errorf("presets %q, want Arena and Stadium", names)
	}
	a, err := c.ApplyPreset("Stadium", 50)
	if err != nil || a.LatencyMs != 200 || a.NeedsPassphrase {
		t.Errorf("applied %+v, %v: want 200 ms and the remembered passphrase", a, err)
	}
	var buf bytes.Buffer
	if err := c.ExportPresets(&buf, "Stadium"); err != nil || strings.Contains(buf.String(), "correct horse") {
		t.Fatalf("export %s, %v: want no passphrase", buf.String(), err)
	}
	if err := c.DeletePreset("Stadium"); err != nil {
		t.Fatal(err)
	}
	if added, err := c.ImportPresets(&buf); err != nil || len(added) != 1 {
		t.Errorf("import: %v, %v", added, err)
	}
	if !strings.HasSuffix(c.PresetsPath(), preset.FileName) || c.PresetNotice() != nil {
		t.Errorf("presets at %q, notice %v", c.PresetsPath(), c.PresetNotice())
	}
}

func TestControllerRetentionRunsAndStopsOnClose(t *testing.T) {
	passes := make(chan PrunePass, 4)
	keep, _ := RetentionFor(30, 0)
	c := openStores(t, ControllerOptions{Stores: StoreOptions{Retention: func() Retention { return keep },
		OnPrune: func(r PruneResult, err error) { passes <- PrunePass{r, err} }}})
	select {
	case p := <-passes:
		if p.Err != nil {
			t.Fatal(p.Err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no retention pass at start-up")
	}
	recordSession(t, c.db, "Last season", time.Now().Add(-45*24*time.Hour), 3)
	r, err := c.PruneNow(t.Context())
	if err != nil || len(r.Deleted) != 1 {
		t.Errorf("prune now: %+v, %v: want Last season deleted", r, err)
	}
	if p, ok := c.LastPrune(); !ok || len(p.Result.Deleted) != 1 {
		t.Errorf("last prune %+v, %v", p, ok)
	}
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not stop the retention goroutine")
	}
}

func TestApplySpecRestartsOnlyARunningFeed(t *testing.T) {
	c := openStores(t, ControllerOptions{})
	spec := FeedSpec{Name: "Cam", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: 0, LatencyMs: 200}}
	for _, running := range []bool{false, true} {
		port := sessiontest.FreeUDPPort(t)
		spec.Config.Port = port
		id, err := c.Add(spec)
		if err != nil {
			t.Fatal(err)
		}
		if running {
			if err := c.Start(id); err != nil {
				t.Fatal(err)
			}
		}
		next := spec
		next.Config.LatencyMs = 400
		if err := c.ApplySpec(id, next); err != nil {
			t.Fatal(err)
		}
		v, _ := c.Feed(id)
		if v.Running != running || v.Spec.Config.LatencyMs != 400 {
			t.Errorf("running=%v: after ApplySpec running %v latency %d", running, v.Running, v.Spec.Config.LatencyMs)
		}
		c.Stop(id)
	}
	if err := c.ApplySpec(999, spec); !errors.Is(err, ErrNoFeed) {
		t.Errorf("unknown feed: %v, want ErrNoFeed", err)
	}
}

func TestDemoInjectionsWithoutDemo(t *testing.T) {
	c := NewController(t.Context(), ControllerOptions{})
	defer c.Close()
	if err := c.InjectBlack(time.Second); !errors.Is(err, ErrNoDemo) {
		t.Errorf("inject black: %v, want ErrNoDemo", err)
	}
	if err := c.InjectOutage(time.Second); !errors.Is(err, ErrNoDemo) {
		t.Errorf("inject outage: %v, want ErrNoDemo", err)
	}
	if _, ok := c.DemoFeed(); ok {
		t.Error("a demo feed without demos")
	}
}
