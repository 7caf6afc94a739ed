package app

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/app/workspace"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestWorkspacePortRoundTrip: a port with the port's passphrase and a name
// with its own is saved without either passphrase in the file, and opens
// in a fresh controller with both back from the keychain and a feed per
// name; its feeds are not saved as feeds of their own.
func TestWorkspacePortRoundTrip(t *testing.T) {
	kc := &preset.MemoryKeychain{}
	c := workspaceController(t, kc)
	port := sessiontest.FreeUDPPort(t)
	spec := PortSpec{Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: 200, Passphrase: "the port passphrase"},
		Names: []string{"cam1", "cam2"}, NamePassphrases: map[string]string{"cam2": "cam2 own passphrase"}}
	if _, err := c.AddPort(spec, FeedSpec{Inspect: true, Media: true, LightMedia: true}); err != nil {
		t.Fatal(err)
	}
	f := c.Workspace()
	if len(f.Feeds) != 0 || len(f.Ports) != 1 {
		t.Fatalf("workspace %+v", f)
	}
	var b strings.Builder
	if err := workspace.Encode(&b, f); err != nil {
		t.Fatal(err)
	}
	if text := b.String(); strings.Contains(text, "the port passphrase") || strings.Contains(text, "cam2 own") {
		t.Fatalf("the file holds a passphrase:\n%s", text)
	}
	wp := f.Ports[0]
	if !wp.PassphraseKeychain || strings.Join(wp.KeychainNames, ",") != "cam2" || wp.Media != workspace.MediaLight || !wp.Inspect {
		t.Errorf("port in the file %+v", wp)
	}

	c.RemovePort(spec.Address())
	c2 := workspaceController(t, kc)
	ids, err := c2.AddWorkspace(f, nil)
	if err != nil || len(ids) != 2 {
		t.Fatalf("AddWorkspace: %v, %v", ids, err)
	}
	for _, v := range c2.Feeds() {
		want := map[string]string{"cam1": "the port passphrase", "cam2": "cam2 own passphrase"}[v.Spec.Name]
		if v.Spec.Config.Passphrase != want || v.Spec.Port != spec.Address() || !v.Spec.Inspect || !v.Spec.LightMedia {
			t.Errorf("feed %s: port %q, passphrase of %d characters, spec %+v", v.Spec.Name, v.Spec.Port, len(v.Spec.Config.Passphrase), v.Spec)
		}
	}
}

// TestWorkspaceRunnerPorts: reloads open a port once, keep it when it is
// unchanged, reopen it when its names change, and close it when it goes.
func TestWorkspaceRunnerPorts(t *testing.T) {
	c := workspaceController(t, nil)
	r := NewWorkspaceRunner(c, nil)
	url := fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", sessiontest.FreeUDPPort(t))
	name := "port " + url
	port := func(names ...string) []workspace.Port { return []workspace.Port{{URL: url, Names: names}} }
	steps := []struct {
		name  string
		ports []workspace.Port
		want  ReloadResult
		feeds []string
	}{
		{"open", port("cam1", "cam2"), ReloadResult{Added: []string{name}}, []string{"cam1", "cam2"}},
		{"same again", port("cam1", "cam2"), ReloadResult{Unchanged: []string{name}}, []string{"cam1", "cam2"}},
		{"a name added", port("cam1", "cam2", "cam3"), ReloadResult{Restarted: []string{name}}, []string{"cam1", "cam2", "cam3"}},
		{"gone", nil, ReloadResult{Removed: []string{name}}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			res, err := r.Apply(workspace.File{Ports: st.ports})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(res) != fmt.Sprint(st.want) {
				t.Errorf("result %+v, want %+v", res, st.want)
			}
			var have []string
			for _, v := range c.Feeds() {
				have = append(have, v.Spec.Name)
			}
			slices.Sort(have)
			if !slices.Equal(have, st.feeds) || len(c.Ports()) != min(len(st.ports), 1) {
				t.Errorf("feeds %v, ports %d; want %v", have, len(c.Ports()), st.feeds)
			}
		})
	}
}
