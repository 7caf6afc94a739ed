package app

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/srtscope/srtscope/app/workspace"
	"github.com/srtscope/srtscope/session"
)

// WorkspaceRunner keeps a Controller's feeds in step with a workspace file:
// `srtscope serve` opens the file with Apply and applies it again on each
// reload. Feeds are matched by name. A feed whose name and settings are
// unchanged keeps running untouched (same FeedID, same recorded session); a
// changed one is removed and added again, so it restarts with its new
// settings; a feed gone from the file is stopped and removed.
//
// The passphrase of an unchanged feed is not read again: a changed
// passphrase file or variable applies when the feed's settings change or
// the service restarts.
type WorkspaceRunner struct {
	c   *Controller
	ask PassphraseAsker

	mu    sync.Mutex
	feeds map[string]runnerFeed     // by name
	ports map[string]workspace.Port // open ports by URL, as the file said
}

type runnerFeed struct {
	fd workspace.Feed
	id FeedID
}

// NewWorkspaceRunner returns a runner over c; ask is passed to AddWorkspace
// (nil for a service: feeds whose passphrase must be typed are refused).
func NewWorkspaceRunner(c *Controller, ask PassphraseAsker) *WorkspaceRunner {
	return &WorkspaceRunner{c: c, ask: ask, feeds: map[string]runnerFeed{}, ports: map[string]workspace.Port{}}
}

// ReloadResult says what Apply did, by feed name, in the file's order
// (removed feeds in name order of the previous file).
type ReloadResult struct {
	Added, Restarted, Unchanged, Removed []string
	// Failed names the feeds that could not be added or restarted; the
	// error Apply returns says why for each.
	Failed []string
}

// String says the result in words: "2 added, 1 unchanged".
func (r ReloadResult) String() string {
	var parts []string
	for _, p := range []struct {
		n    int
		verb string
	}{{len(r.Added), "added"}, {len(r.Restarted), "restarted"}, {len(r.Unchanged), "unchanged"}, {len(r.Removed), "removed"}, {len(r.Failed), "failed"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.verb))
		}
	}
	if len(parts) == 0 {
		return "no feeds"
	}
	return strings.Join(parts, ", ")
}

// Apply makes the Controller run the feeds and ports of f. Feeds and ports
// removed or changed are stopped first, so that a feed moved to another
// feed's port finds it free. A port is matched by its URL and named
// "port URL" in the result; a changed port is closed with its feeds and
// opened again. A feed that cannot be added is named in the error (wrapping the
// reason, such as ErrNoPassphrase) and tried again at the next Apply; the
// others run.
func (r *WorkspaceRunner) Apply(f workspace.File) (ReloadResult, error) {
	if err := f.Validate(); err != nil {
		return ReloadResult{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var res ReloadResult
	want := map[string]workspace.Feed{}
	for _, fd := range f.Feeds {
		want[fd.Name] = fd
	}
	// Stop what goes or changes, in the previous file's order.
	var restart []string
	for _, name := range r.namesLocked() {
		old := r.feeds[name]
		fd, kept := want[name]
		switch {
		case !kept:
			r.c.Remove(old.id)
			delete(r.feeds, name)
			res.Removed = append(res.Removed, name)
		case !reflect.DeepEqual(old.fd, fd):
			r.c.Remove(old.id)
			delete(r.feeds, name)
			restart = append(restart, name)
		}
	}
	restart = append(restart, r.stopPortsLocked(f, &res)...)
	var errs []error
	for _, fd := range f.Feeds {
		if _, ok := r.feeds[fd.Name]; ok {
			res.Unchanged = append(res.Unchanged, fd.Name)
			continue
		}
		ids, err := r.c.AddWorkspace(workspace.File{Feeds: []workspace.Feed{fd}}, r.ask)
		if len(ids) == 1 {
			r.feeds[fd.Name] = runnerFeed{fd: fd, id: ids[0]}
		}
		switch {
		case err != nil:
			errs = append(errs, err)
			res.Failed = append(res.Failed, fd.Name)
		case slices.Contains(restart, fd.Name):
			res.Restarted = append(res.Restarted, fd.Name)
		default:
			res.Added = append(res.Added, fd.Name)
		}
	}
	errs = append(errs, r.openPortsLocked(f, restart, &res)...)
	return res, errors.Join(errs...)
}

// stopPortsLocked closes the ports gone from f or changed in it, and
// returns the names of the changed ones, to be opened again.
func (r *WorkspaceRunner) stopPortsLocked(f workspace.File, res *ReloadResult) (restart []string) {
	want := map[string]workspace.Port{}
	for _, wp := range f.Ports {
		want[wp.URL] = wp
	}
	for _, url := range slices.Sorted(maps.Keys(r.ports)) {
		wp, kept := want[url]
		if kept && reflect.DeepEqual(r.ports[url], wp) {
			continue
		}
		r.c.RemovePort(portAddress(url))
		delete(r.ports, url)
		if kept {
			restart = append(restart, "port "+url)
		} else {
			res.Removed = append(res.Removed, "port "+url)
		}
	}
	return restart
}

// openPortsLocked opens the ports of f that are not open, each named
// "port URL" in the result.
func (r *WorkspaceRunner) openPortsLocked(f workspace.File, restart []string, res *ReloadResult) []error {
	var errs []error
	for _, wp := range f.Ports {
		name := "port " + wp.URL
		if _, ok := r.ports[wp.URL]; ok {
			res.Unchanged = append(res.Unchanged, name)
			continue
		}
		_, err := r.c.AddWorkspace(workspace.File{Ports: []workspace.Port{wp}}, r.ask)
		if r.c.hasPort(portAddress(wp.URL)) {
			r.ports[wp.URL] = wp // open, even if one of its feeds failed
		}
		switch {
		case err != nil:
			errs = append(errs, err)
			res.Failed = append(res.Failed, name)
		case slices.Contains(restart, name):
			res.Restarted = append(res.Restarted, name)
		default:
			res.Added = append(res.Added, name)
		}
	}
	return errs
}

// portAddress is the address of a workspace port's URL, "" when it does
// not parse (Validate has checked it).
func portAddress(url string) string {
	cfg, _, err := session.ParseURL(url)
	if err != nil {
		return ""
	}
	return cfg.Address()
}

// namesLocked lists the running feeds' names in the order they were added.
func (r *WorkspaceRunner) namesLocked() []string {
	var names []string
	for _, v := range r.c.Feeds() {
		for name, rf := range r.feeds {
			if rf.id == v.ID {
				names = append(names, name)
			}
		}
	}
	// Feeds the Controller no longer has (removed by someone else).
	for name, rf := range r.feeds {
		if _, ok := r.c.Feed(rf.id); !ok {
			names = append(names, name)
		}
	}
	return names
}

// FeedID returns the ID of the feed the runner runs under name.
func (r *WorkspaceRunner) FeedID(name string) (FeedID, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rf, ok := r.feeds[name]
	return rf.id, ok
}
