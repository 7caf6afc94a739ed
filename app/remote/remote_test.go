package remote

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/api"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

const testToken = "remote-test-token-0123456789"

// fast polls often, so the tests wait little.
var fast = Options{Poll: 100 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Timeout: 2 * time.Second}

// service is a real Controller with two listener feeds nobody calls
// ("cam1" started, "cam2" stopped) behind a real API server on loopback.
type service struct {
	c    *app.Controller
	addr string
	stop func() // stops the HTTP server (the Controller lives on)
}

func newService(t *testing.T, name string) *service {
	t.Helper()
	c := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(c.Close)
	for i, n := range []string{"cam1", "cam2"} {
		id, err := c.Add(app.FeedSpec{Name: n, Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: sessiontest.FreeUDPPort(t), LatencyMs: 120}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := c.Start(id); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := &service{c: c}
	s.serve(t, name, "127.0.0.1:0")
	return s
}

// serve starts the API on addr.
func (s *service) serve(t *testing.T, name, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = api.New(s.c, api.Options{Token: testToken, Name: name}).Serve(ctx, ln)
	}()
	s.stop = func() { cancel(); <-done }
	t.Cleanup(s.stop)
}

func (s *service) url() string { return "http://" + s.addr }

// waitSnap waits until cond holds for the service's snapshot.
func waitSnap(t *testing.T, svc *Service, what string, cond func(Snapshot) bool) Snapshot {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		snap := svc.Snapshot()
		if cond(snap) {
			return snap
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 15 s: %+v", what, snap)
		}
		<-tick.C
	}
}

func feedOf(s Snapshot, name string) (Feed, bool) {
	for _, f := range s.Feeds {
		if f.View.Spec.Name == name {
			return f, true
		}
	}
	return Feed{}, false
}

func running(name string, want bool) func(Snapshot) bool {
	return func(s Snapshot) bool {
		f, ok := feedOf(s, name)
		return ok && f.View.Running == want
	}
}

// TestServiceFollowsAndControls: the client names the service, carries its
// feeds' status, starts and stops a feed through the API, shows the
// service lost when it goes and reconnects when it is back.
func TestServiceFollowsAndControls(t *testing.T) {
	srv := newService(t, "venue-a")
	svc, err := Connect(t.Context(), srv.url()+"/", testToken, fast)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	snap := svc.Snapshot()
	if snap.Name != "venue-a" || snap.State != StateConnected || !snap.Control || len(snap.Feeds) != 2 {
		t.Fatalf("first snapshot %+v", snap)
	}
	cam1, _ := feedOf(snap, "cam1")
	if cam1.View.Status.Phase != app.PhaseWaiting || !strings.Contains(cam1.Description, "waiting for the encoder") {
		t.Errorf("cam1: phase %q, description %q", cam1.View.Status.Phase, cam1.Description)
	}

	if err := svc.Start("cam2"); err != nil {
		t.Fatal(err)
	}
	waitSnap(t, svc, "cam2 running", running("cam2", true))
	if err := svc.Stop("cam1"); err != nil {
		t.Fatal(err)
	}
	waitSnap(t, svc, "cam1 stopped", running("cam1", false))
	if err := svc.Acknowledge("cam1"); err != nil {
		t.Fatal(err)
	}
	err = svc.Start("nope")
	if !errors.Is(err, ErrRemote) || !strings.Contains(err.Error(), "starting nope on venue-a") || !strings.Contains(err.Error(), "no such feed") {
		t.Errorf("unknown feed: %v", err)
	}

	addr := srv.addr
	srv.stop()
	lost := waitSnap(t, svc, "service lost", func(s Snapshot) bool { return s.State == StateLost })
	if lost.Reason == "" || len(lost.Feeds) != 2 {
		t.Errorf("lost: reason %q, %d feeds kept", lost.Reason, len(lost.Feeds))
	}
	srv.serve(t, "venue-a", addr)
	waitSnap(t, svc, "reconnected", func(s Snapshot) bool { return s.State == StateConnected })
}

// TestConnectRefusals: a wrong URL or token fails at once, in words that
// name what failed, and never carry the token.
func TestConnectRefusals(t *testing.T) {
	srv := newService(t, "venue-a")
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + free.Addr().String()
	_ = free.Close()
	tests := []struct {
		name, url, token string
		want             []string
	}{
		{"empty", "", testToken, []string{"the service URL", "empty"}},
		{"scheme", "ftp://host", testToken, []string{`"ftp://host"`, "allowed http://host:port"}},
		{"no host", "http://", testToken, []string{"allowed http://host:port"}},
		{"query", srv.url() + "?token=x", testToken, []string{"no query"}},
		{"wrong token", srv.url(), "wrong-token-0123456789", []string{"connecting to " + srv.url(), "token was refused"}},
		{"nobody there", closed, testToken, []string{"connecting to " + closed, "connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, err := Connect(t.Context(), tt.url, tt.token, fast)
			if err == nil {
				svc.Close()
				t.Fatal("connected")
			}
			if !errors.Is(err, ErrRemote) {
				t.Errorf("%v does not wrap ErrRemote", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "wrong-token") {
				t.Errorf("%q carries the token", err)
			}
		})
	}
}

// TestPool: two services in one pool, commands by service, a second
// connection to the same URL refused, disconnect.
func TestPool(t *testing.T) {
	a, b := newService(t, "venue-a"), newService(t, "venue-b")
	p := NewPool(t.Context(), fast)
	defer p.Close()
	ida, err := p.Connect(a.url(), testToken)
	if err != nil {
		t.Fatal(err)
	}
	idb, err := p.Connect(b.url(), testToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Connect(a.url()+"/", testToken); err == nil || !strings.Contains(err.Error(), "already connected") {
		t.Errorf("second connection: %v", err)
	}
	got := p.Services()
	if len(got) != 2 || got[0].Name != "venue-a" || got[1].Name != "venue-b" || got[0].ID != ida {
		t.Fatalf("services %+v", got)
	}
	if err := p.Start(idb, "cam2"); err != nil {
		t.Fatal(err)
	}
	p.Disconnect(ida)
	if err := p.Start(ida, "cam2"); err == nil {
		t.Error("a command to a disconnected service went through")
	}
	if got := p.Services(); len(got) != 1 || got[0].ID != idb {
		t.Errorf("after disconnect: %+v", got)
	}
}
