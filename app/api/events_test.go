package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	kind string
	data string
}

// stream opens the event stream and hands its events to a channel until
// the test ends.
func stream(t *testing.T, srv *httptest.Server, query, token string) <-chan sseEvent {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/api/v1/events"+query, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: status %d, %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 256)
	go func() {
		defer func() { _ = resp.Body.Close() }()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.kind != "":
				select {
				case out <- ev:
				case <-t.Context().Done():
					return
				}
				ev = sseEvent{}
			}
		}
	}()
	return out
}

// next waits for the first event that match accepts, at most d.
func next(t *testing.T, events <-chan sseEvent, d time.Duration, what string, match func(sseEvent) bool) sseEvent {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the stream ended before %s", what)
			}
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s within %v", what, d)
		}
	}
}

// TestEvents follows the stream while things happen to the feeds: samples
// of the live feed, an alarm when its sender goes away, log lines, a
// status change when a feed stops, a feed added and removed; ?feed= follows
// one feed; the streams are bounded.
func TestEvents(t *testing.T) {
	f := newFixture(t)
	f.connected(t)
	s := New(f.c, Options{Token: testToken, ReadToken: testReadToken, PollInterval: 100 * time.Millisecond, MaxStreams: 2})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	const wait = 10 * time.Second
	decode := func(ev sseEvent, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(ev.data), v); err != nil {
			t.Fatalf("%s data %q: %v", ev.kind, ev.data, err)
		}
	}
	is := func(kind, name string, also func(map[string]any) bool) func(sseEvent) bool {
		return func(ev sseEvent) bool {
			if ev.kind != kind {
				return false
			}
			var m map[string]any
			decode(ev, &m)
			return m["name"] == name && (also == nil || also(m))
		}
	}

	all := stream(t, srv, "", testReadToken)
	one := stream(t, srv, "?feed=idle", testReadToken)

	t.Run("a third stream is refused", func(t *testing.T) {
		code, hdr, body := do(t, s.Handler(), "GET", "/api/v1/events", testToken, "")
		if code != http.StatusServiceUnavailable {
			t.Fatalf("status %d: %s", code, body)
		}
		mustContain(t, "error", errorOf(t, hdr, body), "2 event streams are open")
	})
	t.Run("unknown feed", func(t *testing.T) {
		code, hdr, body := do(t, s.Handler(), "GET", "/api/v1/events?feed=cam9", testToken, "")
		if code != 404 {
			t.Fatalf("status %d: %s", code, body)
		}
		mustContain(t, "error", errorOf(t, hdr, body), `feed "cam9": no such feed`)
	})

	t.Run("samples with the watch fields", func(t *testing.T) {
		ev := next(t, all, wait, "a sample of cam1", is(EventSample, "cam1", func(m map[string]any) bool {
			return m["state"] == "connected" && m["pkts_recv"].(float64) > 0
		}))
		var m map[string]any
		decode(ev, &m)
		for _, k := range []string{"id", "time", "state", "peer", "rtt_ms", "latency_ms", "rtt_multiplier", "recv_mbps", "pkts_recv", "pkts_lost", "pkts_retrans", "pkts_dropped"} {
			if _, ok := m[k]; !ok {
				t.Errorf("sample has no %q: %s", k, ev.data)
			}
		}
	})
	t.Run("status at the start", func(t *testing.T) {
		next(t, one, wait, "the idle feed's status", is(EventStatus, "idle", func(m map[string]any) bool {
			return m["status"].(map[string]any)["phase"] == "waiting"
		}))
	})
	t.Run("no-data alarm when the sender goes", func(t *testing.T) {
		if err := f.stopSender(); err != nil {
			t.Logf("sender: %v", err)
		}
		// One look sends the status before the log lines it brought.
		next(t, all, wait, "cam1 turning red", is(EventStatus, "cam1", func(m map[string]any) bool { return m["health"] == "red" }))
		ev := next(t, all, wait, "a no-data alarm on cam1", is(EventAlarm, "cam1", func(m map[string]any) bool {
			return m["kind"] == "no-data" && m["raised"] == true
		}))
		mustContain(t, "alarm", ev.data, "no packets for")
	})
	t.Run("acknowledge is logged", func(t *testing.T) {
		f.c.Acknowledge(f.cam1)
		next(t, all, wait, "the acknowledgement", is(EventEvent, "cam1", func(m map[string]any) bool {
			return strings.Contains(m["detail"].(string), "alarms acknowledged: no-data")
		}))
	})
	t.Run("latency change is logged", func(t *testing.T) {
		if err := f.c.ApplyLatency(f.cam1, 250); err != nil {
			t.Fatal(err)
		}
		next(t, all, wait, "the latency line", is(EventEvent, "cam1", func(m map[string]any) bool {
			return m["kind"] == "latency" && m["detail"] == "latency set to 250 ms (was 200 ms)"
		}))
	})
	t.Run("stop changes the status", func(t *testing.T) {
		f.c.Stop(f.idle)
		for _, ch := range []<-chan sseEvent{all, one} {
			next(t, ch, wait, "idle stopped", is(EventStatus, "idle", func(m map[string]any) bool {
				st := m["status"].(map[string]any)
				return st["phase"] == "stopped" && st["description"] == "stopped"
			}))
		}
	})
	t.Run("feeds come and go", func(t *testing.T) {
		id, err := f.c.Add(app.FeedSpec{Name: "new", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: sessiontest.FreeUDPPort(t)}})
		if err != nil {
			t.Fatal(err)
		}
		next(t, all, wait, "new added", is(EventFeed, "new", func(m map[string]any) bool { return m["change"] == "added" }))
		f.c.Remove(id)
		next(t, all, wait, "new removed", is(EventFeed, "new", func(m map[string]any) bool { return m["change"] == "removed" }))
	})
	t.Run("the one-feed stream kept to its feed", func(t *testing.T) {
		for {
			select {
			case ev := <-one:
				var m map[string]any
				decode(ev, &m)
				if m["name"] != "idle" {
					t.Fatalf("?feed=idle stream sent %s %s", ev.kind, ev.data)
				}
			default:
				return
			}
		}
	})
}
