package views

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/api"
	"github.com/srtscope/srtscope/app/remote"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

const remoteTestToken = "views-remote-token-0123456789"

// remoteService runs a real API server on loopback over a Controller with
// one waiting listener "cam1"; stop ends the server.
func remoteService(t *testing.T) (url string, stop func()) {
	t.Helper()
	c := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(c.Close)
	id, err := c.Add(app.FeedSpec{Name: "cam1", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: sessiontest.FreeUDPPort(t), LatencyMs: 120}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(id); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = api.New(c, api.Options{Token: remoteTestToken, Name: "venue-a"}).Serve(ctx, ln)
	}()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

// TestConnectDialog: the dialog focuses the URL, closes with Esc, names
// the wrong field, hides the token, and connects.
func TestConnectDialog(t *testing.T) {
	url, _ := remoteService(t)
	tests := []struct {
		name, url, token string
		want             string // in the problem line; "" = connected
	}{
		{"empty URL", "", "", "URL: enter the service's address"},
		{"bad URL", "venue-a:8080", "", "URL: "},
		{"spaces in token", url, "a b", "Token: it may not contain spaces"},
		{"wrong token", url, "wrong-token-0123456789", "token was refused"},
		{"connects", url, remoteTestToken, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			w := test.NewTempWindow(t, nil)
			w.Resize(fyne.NewSize(1024, 700))
			pool := remote.NewPool(t.Context(), remote.Options{Poll: 100 * time.Millisecond})
			defer pool.Close()
			connected := false
			form := showConnect(w, func(u, tok string) error {
				_, err := pool.Connect(u, tok)
				return err
			}, func() { connected = true })
			settled := make(chan struct{})
			form.settled = func() { close(settled) }
			c := w.Canvas()
			f, ok := c.Focused().(*field)
			if !ok || f.Password {
				t.Fatalf("focus on %T, want the URL field", c.Focused())
			}
			if !form.token.Password {
				t.Error("the token field shows what is typed")
			}
			test.Type(form.url, tt.url)
			test.Type(form.token, tt.token)
			form.token.OnSubmitted(form.token.Text)
			if strings.HasPrefix(tt.want, "URL") || strings.HasPrefix(tt.want, "Token") {
				if !strings.Contains(form.problem.Text, tt.want) {
					t.Errorf("problem %q, want %q", form.problem.Text, tt.want)
				}
			} else {
				select {
				case <-settled:
				case <-time.After(10 * time.Second):
					t.Fatal("connecting did not end within 10 s")
				}
				problem := form.problem.Text
				if connected != (tt.want == "") {
					t.Errorf("connected %v, want %v (%q)", connected, tt.want == "", problem)
				}
				if tt.want != "" && !strings.Contains(problem, tt.want) {
					t.Errorf("problem %q, want %q", problem, tt.want)
				}
				if strings.Contains(problem, "wrong-token") {
					t.Error("the problem line shows the token")
				}
			}
			if tt.want != "" {
				pressEsc(c)
				if c.Overlays().Top() != nil {
					t.Error("Esc did not close the dialog")
				}
			}
		})
	}
}

// waitUI waits until cond, run on the UI goroutine, holds.
func waitUI(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok := false
		fyne.DoAndWait(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the window did not get there within 10 s")
		}
		<-tick.C
	}
}

// TestRemoteTiles: a connected service's feed shows after the local ones
// with the service's name; Space stops it through the API; a lost service
// greys its tile and says it is reconnecting.
func TestRemoteTiles(t *testing.T) {
	url, stop := remoteService(t)
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	ctrl := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(ctrl.Close)
	ui := newMainUI(t.Context(), ctrl, w)
	ui.remotes = remote.NewPool(t.Context(), remote.Options{Poll: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	defer ui.remotes.Close()
	w.SetContent(ui.content)
	w.Resize(fyne.NewSize(1024, 700))
	if _, err := ctrl.Add(app.FeedSpec{Name: "local", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: sessiontest.FreeUDPPort(t), LatencyMs: 120}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ui.remotes.Connect(url, remoteTestToken); err != nil {
		t.Fatal(err)
	}
	ui.showWall()
	tile := func(cond func(tileState) bool) tileState {
		t.Helper()
		var st tileState
		waitUI(t, func() bool {
			ui.refresh()
			if len(ui.wall.tiles) != 2 {
				return false
			}
			st = ui.wall.tiles[1].st
			return cond(st)
		})
		return st
	}
	st := tile(func(st tileState) bool { return st.remote != nil })
	if ui.wall.tiles[0].st.name != "local" || st.name != "venue-a · cam1" || !strings.Contains(st.state, "waiting for the encoder") {
		t.Errorf("tiles %q, %q (%q)", ui.wall.tiles[0].st.name, st.name, st.state)
	}
	if st.frame == serviceLostColor {
		t.Error("a connected service's tile is grey")
	}

	ui.wall.setFocus(1)
	ui.typedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	tile(func(st tileState) bool { return st.state == "stopped" })

	stop()
	st = tile(func(st tileState) bool { return strings.HasPrefix(st.state, "service lost: ") })
	if !strings.HasSuffix(st.state, ", reconnecting") || st.frame != serviceLostColor {
		t.Errorf("lost tile: %q, frame %v", st.state, st.frame)
	}
}
