package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/app/workspace"
	"github.com/srtscope/srtscope/session"
)

func workspaceController(t *testing.T, kc preset.Keychain) *Controller {
	t.Helper()
	c := NewController(t.Context(), ControllerOptions{Stores: StoreOptions{Keychain: kc}})
	t.Cleanup(c.Close)
	return c
}

// TestWorkspaceRoundTrip saves a listener and an encrypted caller with its
// own thresholds, and opens them in a fresh controller: the same settings,
// the passphrase back from the keychain and never in the file.
func TestWorkspaceRoundTrip(t *testing.T) {
	kc := &preset.MemoryKeychain{}
	c := workspaceController(t, kc)
	th := DefaultThresholds()
	th.NoDataFor = 7 * time.Second
	bands, err := NewPIDBands([]PIDBand{{PID: 256, MinMbps: 2, MaxMbps: 8}, {PID: 257, MinMbps: 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	th.PIDBands = bands
	specs := []FeedSpec{
		{Name: "cam1", Config: session.Config{Mode: session.ModeListener, Port: 9000, LatencyMs: 200}, Inspect: true, Media: true, LightMedia: true},
		{Name: "studio", Config: session.Config{Mode: session.ModeCaller, Host: "192.0.2.1", Port: 9001, LatencyMs: 300,
			Passphrase: "the-studio-passphrase", PBKeyLen: 24}, Thresholds: th, Outputs: []session.OutputConfig{
			{Kind: session.OutputSRTCaller, SRT: session.Config{Mode: session.ModeCaller, Host: "192.0.2.30", Port: 9000, LatencyMs: 400, StreamID: "#!::r=live,m=publish",
				Passphrase: "the-ingest-passphrase", PBKeyLen: 32}},
			{Kind: session.OutputSRTListener, SRT: session.Config{Mode: session.ModeListener, Port: 9100, LatencyMs: 120}},
			{Kind: session.OutputUDP, UDP: session.UDPConfig{Host: "239.1.1.1", Port: 5000, TTL: 4}},
			{Kind: session.OutputRecord, Record: session.RecordConfig{Dir: "/srv/rec/studio", Segment: 90 * time.Second}},
			{Kind: session.OutputRecord, Record: session.RecordConfig{Dir: "/srv/rec/big", SegmentBytes: 2 << 30}},
		}},
	}
	for _, s := range specs {
		if _, err := c.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), workspace.FileName)
	if err := c.SaveWorkspace(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "the-ingest-passphrase") || !strings.Contains(string(raw), "[[feed.output]]") {
		t.Fatalf("the workspace file holds the output's passphrase or no outputs:\n%s", raw)
	}
	if strings.Contains(string(raw), "the-studio-passphrase") {
		t.Fatalf("the workspace file holds the passphrase:\n%s", raw)
	}
	if !strings.Contains(string(raw), "pid_bands") {
		t.Fatalf("the workspace file lacks the PID bands:\n%s", raw)
	}

	c2 := workspaceController(t, kc)
	ids, err := c2.OpenWorkspace(path, nil)
	if err != nil || len(ids) != 2 {
		t.Fatalf("OpenWorkspace: %v ids %v", err, ids)
	}
	for i, id := range ids {
		v, _ := c2.Feed(id)
		want, got := withDefaults(specs[i]), v.Spec
		wc, gc := want.Config, got.Config
		if got.Name != want.Name || got.Inspect != want.Inspect || got.Media != want.Media || got.LightMedia != want.LightMedia ||
			got.Thresholds != want.Thresholds || gc.Mode != wc.Mode || gc.Host != wc.Host || gc.Port != wc.Port ||
			gc.LatencyMs != wc.LatencyMs || gc.Passphrase != wc.Passphrase || (wc.Passphrase != "" && gc.PBKeyLen != wc.PBKeyLen) || gc.StreamID != wc.StreamID {
			t.Errorf("feed %d reopened as\n%+v\nwant\n%+v", i, got, want)
		}
		if v.Running {
			t.Errorf("feed %q was stopped when saved but runs after opening", got.Name)
		}
		if len(got.Outputs) != len(want.Outputs) {
			t.Fatalf("feed %q reopened with %d outputs, want %d", got.Name, len(got.Outputs), len(want.Outputs))
		}
		for j := range want.Outputs {
			if g, w := got.Outputs[j], want.Outputs[j]; g.URL() != w.URL() || g.Record != w.Record {
				t.Errorf("output %d reopened as %s, want %s", j+1, g.RedactedURL(), w.RedactedURL())
			}
		}
	}
}

func TestWorkspacePassphraseSources(t *testing.T) {
	const pass = "a-passphrase-of-length"
	base := workspace.Feed{Name: "cam", URL: "srt://:9000?mode=listener", Start: new(bool)}
	tests := []struct {
		name    string
		feed    func(t *testing.T) workspace.Feed
		ask     PassphraseAsker
		wantErr string
	}{
		{name: "environment", feed: func(t *testing.T) workspace.Feed {
			t.Setenv("CAM_PASS", pass)
			f := base
			f.PassphraseEnv = "CAM_PASS"
			return f
		}},
		{name: "environment variable not set", feed: func(_ *testing.T) workspace.Feed {
			f := base
			f.PassphraseEnv = "SRTSCOPE_TEST_UNSET_PASS"
			return f
		}, wantErr: "SRTSCOPE_TEST_UNSET_PASS is not set"},
		{name: "typed when asked", feed: func(_ *testing.T) workspace.Feed {
			f := base
			f.PassphrasePrompt = true
			return f
		}, ask: func(string) (string, bool) { return pass, true }},
		{name: "nobody to ask", feed: func(_ *testing.T) workspace.Feed {
			f := base
			f.PassphrasePrompt = true
			return f
		}, wantErr: "nobody can be asked"},
		{name: "keychain empty, asked instead", feed: func(_ *testing.T) workspace.Feed {
			f := base
			f.PassphraseKeychain = true
			return f
		}, ask: func(string) (string, bool) { return pass, true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := workspaceController(t, &preset.MemoryKeychain{})
			ids, err := c.AddWorkspace(workspace.File{Feeds: []workspace.Feed{tt.feed(t)}}, tt.ask)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrNoPassphrase) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), `"cam"`) {
					t.Fatalf("error %v, want ErrNoPassphrase naming the feed and saying %q", err, tt.wantErr)
				}
				if len(ids) != 0 {
					t.Errorf("a feed without its passphrase was added: %v", ids)
				}
				return
			}
			if err != nil || len(ids) != 1 {
				t.Fatalf("AddWorkspace: %v %v", err, ids)
			}
			if v, _ := c.Feed(ids[0]); v.Spec.Config.Passphrase != pass || v.Spec.Config.PBKeyLen != 16 {
				t.Errorf("passphrase %q key length %d, want the one from the source and 16", v.Spec.Config.Passphrase, v.Spec.Config.PBKeyLen)
			}
		})
	}
}
