package app

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/srtscope/srtscope/session"
)

func TestPortSpecValidate(t *testing.T) {
	listener := session.Config{Mode: session.ModeListener, Port: 9000}
	withPass := listener
	withPass.Passphrase = "port passphrase"
	tests := []struct {
		name string
		spec PortSpec
		want []string // parts of the error; nil = valid
	}{
		{"names", PortSpec{Config: listener, Names: []string{"cam1", "cam2"}}, nil},
		{"accept new", PortSpec{Config: listener, AcceptNew: true}, nil},
		{"port and name passphrases", PortSpec{Config: withPass, Names: []string{"cam1"}, NamePassphrases: map[string]string{"cam1": "cam1 passphrase"}}, nil},
		{"a caller", PortSpec{Config: session.Config{Mode: session.ModeCaller, Host: "192.0.2.1", Port: 9000}, Names: []string{"cam1"}}, []string{"port mode", "caller", "listener"}},
		{"no names", PortSpec{Config: listener}, []string{"accepted names", "at least one stream name", "accept new names"}},
		{"empty name", PortSpec{Config: listener, Names: []string{""}}, []string{"stream name", "a name such as cam1"}},
		{"name twice", PortSpec{Config: listener, Names: []string{"cam1", "cam1"}}, []string{"accepted names", `"cam1"`, "each name once"}},
		{"name with a comma", PortSpec{Config: listener, Names: []string{"cam1,cam2"}}, []string{"stream name", `"cam1,cam2"`, "without spaces, commas"}},
		{"name too long", PortSpec{Config: listener, Names: []string{strings.Repeat("c", 65)}}, []string{"stream name", "at most 64 bytes"}},
		{"port passphrase too short", PortSpec{Config: session.Config{Mode: session.ModeListener, Port: 9000, Passphrase: "short"}, AcceptNew: true}, []string{"passphrase", "10..79"}},
		{"name passphrase too short", PortSpec{Config: listener, Names: []string{"cam1"}, NamePassphrases: map[string]string{"cam1": "short"}}, []string{`passphrase of "cam1"`, "10..79"}},
		{"bad port", PortSpec{Config: session.Config{Mode: session.ModeListener, Port: 0}, AcceptNew: true}, []string{"port", "1..65535"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("valid, want an error with %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "short") && strings.Contains(tc.name, "passphrase") {
				t.Errorf("error %q shows the passphrase", err)
			}
		})
	}
}

// TestPortRouterRoute: what the router decides for each kind of caller.
func TestPortRouterRoute(t *testing.T) {
	listener := session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: 9000, Passphrase: "port passphrase"}
	newRouter := func(acceptNew bool, pull func(string) session.PullHandler, refuseNew error) (*PortRouter, map[string]*session.Receiver, *[]string) {
		spec := PortSpec{Config: listener, Names: []string{"cam1", "cam2"}, AcceptNew: acceptNew, NamePassphrases: map[string]string{"cam2": "cam2 passphrase"}}
		feeds := map[string]*session.Receiver{}
		var made []string
		var r *PortRouter
		mk := func(name string) *session.Receiver {
			rcv, err := session.NewReceiver(spec.FeedConfig(name), session.ReceiverOptions{Handed: true})
			if err != nil {
				t.Fatal(err)
			}
			feeds[name] = rcv
			return rcv
		}
		r = NewPortRouter(spec, func(name string) error {
			if refuseNew != nil {
				return refuseNew
			}
			made = append(made, name)
			return r.Attach(name, mk(name))
		}, pull)
		if err := r.Attach("cam1", mk("cam1")); err != nil { // cam2 is declared but stopped
			t.Fatal(err)
		}
		return r, feeds, &made
	}
	pullable := func(name string) session.PullHandler {
		if name != "cam1" {
			return nil
		}
		return func(session.SRTConn) {}
	}
	tests := []struct {
		name       string
		acceptNew  bool
		pull       func(string) session.PullHandler
		refuseNew  error
		caller     session.PortCaller
		wantFeed   string // the feed it goes to
		wantPass   string
		wantPull   bool
		wantReject uint32
		wantWords  string
		wantMade   string
	}{
		{name: "declared, running", caller: session.PortCaller{Name: "cam1", Mode: session.PortPublish, Encrypted: true}, wantFeed: "cam1", wantPass: "port passphrase"},
		{name: "declared, stopped", caller: session.PortCaller{Name: "cam2", Mode: session.PortPublish}, wantReject: session.RejectNotFound, wantWords: `the feed "cam2" is stopped`},
		{name: "unknown", caller: session.PortCaller{Name: "cam9", Mode: session.PortPublish}, wantReject: session.RejectNotFound, wantWords: `no feed named "cam9" on this port (it accepts cam1, cam2)`},
		{name: "new name, accept new", acceptNew: true, caller: session.PortCaller{Name: "cam9", Mode: session.PortPublish, Encrypted: true}, wantFeed: "cam9", wantPass: "port passphrase", wantMade: "cam9"},
		{name: "new name without the passphrase", acceptNew: true, caller: session.PortCaller{Name: "cam9", Mode: session.PortPublish}, wantReject: session.RejectNotFound, wantWords: "sent no passphrase"},
		{name: "new name, feed not made", acceptNew: true, refuseNew: errors.New("app: shutting down"), caller: session.PortCaller{Name: "cam9", Mode: session.PortPublish, Encrypted: true}, wantReject: session.RejectNotFound, wantWords: `no feed could be made for "cam9": app: shutting down`},
		{name: "pull without a pull point", caller: session.PortCaller{Name: "cam1", Mode: session.PortRequest}, wantReject: session.RejectNotFound, wantWords: "no output to pull from for cam1"},
		{name: "pull from a pull point", pull: pullable, caller: session.PortCaller{Name: "cam1", Mode: session.PortRequest}, wantPull: true, wantPass: "port passphrase"},
		{name: "pull an unknown name", pull: pullable, caller: session.PortCaller{Name: "cam9", Mode: session.PortRequest}, wantReject: session.RejectNotFound, wantWords: `no feed named "cam9" on this port to pull`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, feeds, made := newRouter(tc.acceptNew, tc.pull, tc.refuseNew)
			got := r.Route(tc.caller)
			switch {
			case tc.wantReject != 0:
				if got.Reject != tc.wantReject || !strings.Contains(got.Reason, tc.wantWords) || got.Feed != nil || got.Pull != nil {
					t.Errorf("route %+v, want reject %d with %q", got, tc.wantReject, tc.wantWords)
				}
			case tc.wantPull:
				if got.Pull == nil || got.Reject != 0 || got.Passphrase != tc.wantPass {
					t.Errorf("route %+v, want a pull", got)
				}
			default:
				if got.Feed == nil || got.Feed != feeds[tc.wantFeed] || got.Reject != 0 || got.Passphrase != tc.wantPass {
					t.Errorf("route %+v, want feed %s with the passphrase %q", got, tc.wantFeed, tc.wantPass)
				}
			}
			if fmt.Sprint(*made) != fmt.Sprint(strings.Fields(tc.wantMade)) {
				t.Errorf("feeds made %q, want %q", *made, tc.wantMade)
			}
		})
	}
}

// TestPortRouterNamePassphrase: a name's own passphrase wins over the port's.
func TestPortRouterNamePassphrase(t *testing.T) {
	spec := PortSpec{Config: session.Config{Mode: session.ModeListener, Port: 9000, Passphrase: "port passphrase"}, Names: []string{"cam1", "cam2"},
		NamePassphrases: map[string]string{"cam2": "cam2 passphrase"}}
	for name, want := range map[string]string{"cam1": "port passphrase", "cam2": "cam2 passphrase"} {
		if got := spec.FeedConfig(name); got.Passphrase != want || got.StreamID != name {
			t.Errorf("%s: passphrase of %d characters, streamid %q", name, len(got.Passphrase), got.StreamID)
		}
	}
}

// TestPortRouterFeedLimit: new names stop at MaxPortFeeds.
func TestPortRouterFeedLimit(t *testing.T) {
	spec := PortSpec{Config: session.Config{Mode: session.ModeListener, Port: 9000}, AcceptNew: true}
	var r *PortRouter
	r = NewPortRouter(spec, func(name string) error {
		rcv, err := session.NewReceiver(spec.FeedConfig(name), session.ReceiverOptions{Handed: true})
		if err != nil {
			return err
		}
		return r.Attach(name, rcv)
	}, nil)
	for i := range MaxPortFeeds {
		if got := r.Route(session.PortCaller{Name: fmt.Sprintf("cam%d", i), Mode: session.PortPublish}); got.Feed == nil {
			t.Fatalf("feed %d refused: %+v", i, got)
		}
	}
	got := r.Route(session.PortCaller{Name: "one too many", Mode: session.PortPublish})
	if got.Reject != session.RejectOverload || !strings.Contains(got.Reason, "64 feeds already") {
		t.Errorf("route %+v", got)
	}
}
