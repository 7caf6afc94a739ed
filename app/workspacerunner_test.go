package app

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/srtscope/srtscope/app/workspace"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestWorkspaceRunnerApply applies a sequence of workspace files to one
// controller, as serve's SIGHUP does: unchanged feeds keep their FeedID
// (they were not touched), changed ones get a new one (they restarted),
// removed ones are gone, and a feed whose passphrase nobody can type is
// refused by name while the others run.
func TestWorkspaceRunnerApply(t *testing.T) {
	c := workspaceController(t, nil)
	r := NewWorkspaceRunner(c, nil)
	ports := map[string]int{}
	for _, n := range []string{"a", "b", "c", "d"} {
		ports[n] = sessiontest.FreeUDPPort(t)
	}
	feed := func(name string, latency int, media string) workspace.Feed {
		return workspace.Feed{Name: name, URL: fmt.Sprintf("srt://127.0.0.1:%d?mode=listener&latency=%d", ports[name], latency), Inspect: true, Media: media}
	}
	prompt := feed("d", 200, "off")
	prompt.PassphrasePrompt = true

	steps := []struct {
		name    string
		file    []workspace.Feed
		want    ReloadResult
		wantErr error
	}{
		{"open", []workspace.Feed{feed("a", 200, "off"), feed("b", 200, "light")},
			ReloadResult{Added: []string{"a", "b"}}, nil},
		{"same file again", []workspace.Feed{feed("a", 200, "off"), feed("b", 200, "light")},
			ReloadResult{Unchanged: []string{"a", "b"}}, nil},
		{"b changes latency, c added", []workspace.Feed{feed("a", 200, "off"), feed("b", 300, "light"), feed("c", 120, "full")},
			ReloadResult{Restarted: []string{"b"}, Unchanged: []string{"a"}, Added: []string{"c"}}, nil},
		{"a removed, d needs a typed passphrase", []workspace.Feed{feed("b", 300, "light"), feed("c", 120, "full"), prompt},
			ReloadResult{Unchanged: []string{"b", "c"}, Removed: []string{"a"}, Failed: []string{"d"}}, ErrNoPassphrase},
		{"everything removed", nil,
			ReloadResult{Removed: []string{"b", "c"}}, nil},
	}
	ids := map[string]FeedID{}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			res, err := r.Apply(workspace.File{Feeds: st.file})
			if !errors.Is(err, st.wantErr) || (st.wantErr == nil) != (err == nil) {
				t.Fatalf("Apply error %v, want %v", err, st.wantErr)
			}
			if err != nil && errors.Is(st.wantErr, ErrNoPassphrase) && !containsAll(err.Error(), `feed "d"`, "passphrase_env or passphrase_file") {
				t.Errorf("error %q does not name the feed and what to use", err)
			}
			sortResult(&res)
			sortResult(&st.want)
			if fmt.Sprint(res) != fmt.Sprint(st.want) {
				t.Fatalf("result %+v, want %+v", res, st.want)
			}
			for _, name := range res.Unchanged {
				if id, _ := r.FeedID(name); id != ids[name] {
					t.Errorf("unchanged feed %s has ID %d, had %d: it was restarted", name, id, ids[name])
				}
			}
			for _, name := range append(res.Restarted, res.Added...) {
				id, ok := r.FeedID(name)
				if !ok || id == ids[name] {
					t.Errorf("feed %s: ID %d (had %d): want a new feed", name, id, ids[name])
				}
				v, _ := c.Feed(id)
				if !v.Running {
					t.Errorf("feed %s is not running", name)
				}
				ids[name] = id
			}
			// The controller holds exactly the feeds of the file that opened.
			var have []string
			for _, v := range c.Feeds() {
				have = append(have, v.Spec.Name)
			}
			want := append(append(append([]string{}, res.Unchanged...), res.Restarted...), res.Added...)
			slices.Sort(have)
			slices.Sort(want)
			if !slices.Equal(have, want) {
				t.Errorf("controller has feeds %v, want %v", have, want)
			}
		})
	}
}

func sortResult(r *ReloadResult) {
	for _, l := range []*[]string{&r.Added, &r.Restarted, &r.Unchanged, &r.Removed, &r.Failed} {
		slices.Sort(*l)
		if len(*l) == 0 {
			*l = nil
		}
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
