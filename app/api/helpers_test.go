package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// Test tokens (never real ones).
const (
	testToken     = "control-token-0123456789"
	testReadToken = "read-only-token-0123456789"
)

// fixture is a real Controller (recording into a temporary folder) with
// three feeds: "cam1", a listener that srtscope's own sender feeds the demo
// clip to over loopback, inspected with light media analysis; "idle", a
// started listener nobody calls; "off", a stopped feed.
type fixture struct {
	c          *app.Controller
	stopSender func() error
	cam1       app.FeedID
	idle       app.FeedID
	off        app.FeedID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c, err := app.Open(t.Context(), app.ControllerOptions{Stores: app.StoreOptions{Recordings: true, DataDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	f := &fixture{c: c}
	camPort := sessiontest.FreeUDPPort(t)
	add := func(spec app.FeedSpec, start bool) app.FeedID {
		id, err := c.Add(spec)
		if err != nil {
			t.Fatal(err)
		}
		if start {
			if err := c.Start(id); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	f.cam1 = add(app.FeedSpec{Name: "cam1", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: camPort, LatencyMs: 200},
		Inspect: true, Media: true, LightMedia: true}, true)
	f.idle = add(app.FeedSpec{Name: "idle", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: sessiontest.FreeUDPPort(t), LatencyMs: 120}}, true)
	f.off = add(app.FeedSpec{Name: "off", Config: session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: sessiontest.FreeUDPPort(t), LatencyMs: 120}}, false)

	snd, err := session.NewSender(session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: camPort, LatencyMs: 120},
		bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	f.stopSender = sessiontest.RunInBackground(t, "sender", snd.Run)
	return f
}

// waitFeed waits until cond holds for the feed's snapshot, at most d.
func waitFeed(t *testing.T, c *app.Controller, id app.FeedID, d time.Duration, what string, cond func(app.FeedView) bool) app.FeedView {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		v, ok := c.Feed(id)
		if ok && cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("feed %d: %s did not happen within %v (status %q)", id, what, d, v.Status.Describe())
		}
		<-tick.C
	}
}

// connected waits for cam1 to have data, its inspection and a thumbnail.
func (f *fixture) connected(t *testing.T) app.FeedView {
	t.Helper()
	return waitFeed(t, f.c, f.cam1, 30*time.Second, "data, inspection and a thumbnail", func(v app.FeedView) bool {
		return v.Sample.State == session.StateConnected && v.Sample.PktsRecv > 0 && v.Inspection != nil &&
			len(v.Inspection.Programs) > 0 && len(v.Thumbnail) > 0
	})
}

// do sends a request to h and returns the status, the headers and the body.
func do(t *testing.T, h http.Handler, method, path, token, body string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Header(), rec.Body.Bytes()
}

// errorOf decodes an error body, failing when it is not {"error": "..."}.
func errorOf(t *testing.T, hdr http.Header, body []byte) string {
	t.Helper()
	if ct := hdr.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	msg, ok := e["error"].(string)
	if !ok || len(e) != 1 || msg == "" {
		t.Fatalf("error body %s is not {\"error\": \"...\"}", body)
	}
	return msg
}

func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s %q lacks %q", what, s, p)
		}
	}
}

func idPath(id app.FeedID, rest string) string {
	return fmt.Sprintf("/api/v1/feeds/%d%s", id, rest)
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
