package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/srtscope/srtscope/app"
)

// TestReadEndpoints: every GET endpoint against a Controller with a live
// loopback feed, an idle listener and a stopped caller, bad input included.
// The feed snapshot has the watch contract's field names.
func TestReadEndpoints(t *testing.T) {
	f := newFixture(t)
	f.connected(t)
	h := New(f.c, Options{Name: "box1"}).Handler()

	t.Run("feeds", func(t *testing.T) {
		code, hdr, body := do(t, h, "GET", "/api/v1/feeds", "", "")
		if code != 200 || hdr.Get("Content-Type") != "application/json" {
			t.Fatalf("status %d %q: %s", code, hdr.Get("Content-Type"), body)
		}
		var raw []map[string]any
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) != 3 || raw[0]["name"] != "cam1" || raw[1]["name"] != "idle" || raw[2]["name"] != "off" {
			t.Fatalf("feeds %s", body)
		}
		cam := raw[0]
		// The watch contract's sample fields, at the top level.
		for _, k := range []string{"time", "state", "peer", "rtt_ms", "latency_ms", "rtt_multiplier", "recv_mbps",
			"pkts_recv", "pkts_lost", "pkts_retrans", "pkts_dropped", "bytes_recv",
			"id", "name", "url", "mode", "role", "running", "status", "health", "alarms", "inspection", "media_state", "thumbnail", "latency_advice"} {
			if _, ok := cam[k]; !ok {
				t.Errorf("cam1 has no %q: %s", k, body)
			}
		}
		if cam["state"] != "connected" || cam["pkts_recv"].(float64) <= 0 || cam["role"] != "input" {
			t.Errorf("cam1 state %v pkts_recv %v role %v", cam["state"], cam["pkts_recv"], cam["role"])
		}
		st := cam["status"].(map[string]any)
		if st["phase"] != "connected" || !strings.HasPrefix(st["description"].(string), "connected to 127.0.0.1:") {
			t.Errorf("cam1 status %v", st)
		}
		ins := cam["inspection"].(map[string]any)
		if _, ok := ins["tr101290"].(map[string]any)["cc_error"]; !ok {
			t.Errorf("cam1 inspection has no tr101290.cc_error: %v", ins)
		}
		if idle := raw[1]["status"].(map[string]any); idle["phase"] != "waiting" || !strings.Contains(idle["description"].(string), "waiting for the encoder on 127.0.0.1:") {
			t.Errorf("idle status %v", idle)
		}
		if off := raw[2]; off["running"] != false || off["status"].(map[string]any)["phase"] != "stopped" {
			t.Errorf("off %v", off)
		}
	})

	tests := []struct {
		name   string
		method string
		path   string
		status int
		ctype  string
		want   []string // parts of the body (the error message for errors)
	}{
		{"service", "GET", "/api/v1/service", 200, "application/json", []string{`"name":"box1"`, `"feeds":3`, `"recording":true`, `"control":false`}},
		{"openapi", "GET", "/api/v1/openapi.yaml", 200, "application/yaml", []string{"openapi: 3.0.3", "/api/v1/feeds/{id}/latency:"}},
		{"feed by name", "GET", "/api/v1/feeds/cam1", 200, "application/json", []string{`"name":"cam1"`, `"state":"connected"`}},
		{"feed by number", "GET", idPath(f.idle, ""), 200, "application/json", []string{`"name":"idle"`, `"phase":"waiting"`}},
		{"HEAD feed", "HEAD", "/api/v1/feeds/cam1", 200, "application/json", nil},
		{"unknown feed", "GET", "/api/v1/feeds/cam9", 404, "", []string{`feed "cam9": no such feed`, `allowed a feed's name or number: "cam1" (1), "idle" (2), "off" (3)`}},
		{"unknown number", "GET", "/api/v1/feeds/99", 404, "", []string{`feed "99": no such feed`}},
		{"inspection", "GET", "/api/v1/feeds/cam1/inspection", 200, "application/json", []string{`"programs":[{`, `"tr101290":{`, `"pids":[`}},
		{"inspection off", "GET", "/api/v1/feeds/idle/inspection", 404, "", []string{`feed "idle" has no inspection`, "inspect = true"}},
		{"thumbnail none", "GET", "/api/v1/feeds/idle/thumbnail.jpg", 404, "", []string{`feed "idle" has no thumbnail`, `media = "light" or "full"`}},
		{"thumbnail unknown feed", "GET", "/api/v1/feeds/nope/thumbnail.jpg", 404, "", []string{`feed "nope": no such feed`}},
		{"wrong method on feed", "DELETE", "/api/v1/feeds/cam1", 405, "", []string{"method DELETE on /api/v1/feeds/cam1: allowed GET"}},
		{"GET on control", "GET", "/api/v1/feeds/cam1/start", 405, "", []string{"method GET on /api/v1/feeds/cam1/start: allowed POST"}},
		{"PUT latency", "PUT", "/api/v1/feeds/cam1/latency", 405, "", []string{"allowed POST"}},
		{"POST metrics", "POST", "/metrics", 405, "", []string{"allowed GET"}},
		{"unknown path", "GET", "/api/v2/feeds", 404, "", []string{`no such path "/api/v2/feeds"`, "/api/v1/openapi.yaml"}},
		{"unknown sub-path", "GET", "/api/v1/feeds/cam1/pids", 404, "", []string{`no such path "/api/v1/feeds/cam1/pids"`}},
		{"control off", "POST", "/api/v1/feeds/cam1/stop", 403, "", []string{"control is off", "--token-file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, hdr, body := do(t, h, tc.method, tc.path, "", "")
			if code != tc.status {
				t.Fatalf("status %d, want %d: %s", code, tc.status, body)
			}
			text := string(body)
			if code >= 400 {
				text = errorOf(t, hdr, body)
			} else if ct := hdr.Get("Content-Type"); ct != tc.ctype {
				t.Errorf("Content-Type %q, want %q", ct, tc.ctype)
			}
			if code == 405 && hdr.Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
			mustContain(t, "body", text, tc.want...)
		})
	}

	t.Run("thumbnail", func(t *testing.T) {
		code, hdr, body := do(t, h, "GET", "/api/v1/feeds/cam1/thumbnail.jpg", "", "")
		if code != 200 || hdr.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(body, []byte{0xff, 0xd8}) {
			t.Fatalf("status %d %q, %d bytes starting % x", code, hdr.Get("Content-Type"), len(body), body[:min(4, len(body))])
		}
	})
}

// TestControlEndpoints: start, stop, latency and acknowledge change the
// feed and answer its snapshot after; bad bodies and unknown feeds get a
// JSON error naming the field, the value and what is allowed.
func TestControlEndpoints(t *testing.T) {
	f := newFixture(t)
	h := New(f.c, Options{Token: testToken, ReadToken: testReadToken}).Handler()

	steps := []struct {
		name   string
		path   string
		body   string
		status int
		want   []string
		check  func(app.FeedView) bool
	}{
		{"start the stopped caller", "/api/v1/feeds/off/start", "", 200, []string{`"running":true`, `"phase":"connecting"`},
			func(v app.FeedView) bool { return v.Running }},
		{"start it again does nothing", idPath(f.off, "/start"), "{}", 200, []string{`"running":true`}, nil},
		{"stop it", "/api/v1/feeds/off/stop", "", 200, []string{`"running":false`, `"phase":"stopped"`},
			func(v app.FeedView) bool { return !v.Running }},
		{"latency", "/api/v1/feeds/off/latency", `{"latency_ms": 480}`, 200, []string{`"url":"srt://127.0.0.1:`, "latency=480"},
			func(v app.FeedView) bool { return v.Spec.Config.LatencyMs == 480 && !v.Running }},
		{"latency of a running feed restarts it", "/api/v1/feeds/idle/latency", `{"latency_ms":300}`, 200, []string{`"running":true`, "latency=300"}, nil},
		{"latency too high", "/api/v1/feeds/off/latency", `{"latency_ms": 9000}`, 400,
			[]string{"latency_ms 9000: allowed a whole number of milliseconds from 20 to 8000"}, nil},
		{"latency as a string", "/api/v1/feeds/off/latency", `{"latency_ms":"200"}`, 400, []string{`latency_ms "200"`, "not a string"}, nil},
		{"latency unknown field", "/api/v1/feeds/off/latency", `{"latency":200}`, 400, []string{`field "latency": allowed only latency_ms`}, nil},
		{"latency no body", "/api/v1/feeds/off/latency", ``, 400, []string{"body (empty)", `{"latency_ms": 200}`}, nil},
		{"latency bad JSON", "/api/v1/feeds/off/latency", `{"latency_ms":`, 400, []string{`body {"latency_ms":`, "allowed a JSON object"}, nil},
		{"latency body too big", "/api/v1/feeds/off/latency", `{"latency_ms":200,"pad":"` + strings.Repeat("x", 5000) + `"}`, 400, []string{"body (over 4096 bytes)"}, nil},
		{"latency unknown feed", "/api/v1/feeds/cam9/latency", `{"latency_ms":200}`, 404, []string{`feed "cam9": no such feed`}, nil},
		{"acknowledge", "/api/v1/feeds/idle/acknowledge", "", 200, []string{`"unacknowledged":false`}, nil},
		{"acknowledge unknown feed", "/api/v1/feeds/42/acknowledge", "", 404, []string{`feed "42": no such feed`}, nil},
		{"stop unknown feed", "/api/v1/feeds/x/stop", "", 404, []string{`feed "x"`}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, hdr, body := do(t, h, "POST", st.path, testToken, st.body)
			if code != st.status {
				t.Fatalf("status %d, want %d: %s", code, st.status, body)
			}
			text := string(body)
			if code >= 400 {
				text = errorOf(t, hdr, body)
			}
			mustContain(t, "body", text, st.want...)
			if st.check != nil {
				if v, _ := f.c.Feed(f.off); !st.check(v) {
					t.Errorf("the controller's feed did not change: %+v", v.Status)
				}
			}
		})
	}
}

// TestAccess: which token may do what, and what the refusals say. A token
// never appears in an answer.
func TestAccess(t *testing.T) {
	f := newFixture(t)
	both := New(f.c, Options{Token: testToken, ReadToken: testReadToken}).Handler()
	readOnly := New(f.c, Options{ReadToken: testReadToken}).Handler()
	open := New(f.c, Options{}).Handler()
	tests := []struct {
		name   string
		h      http.Handler
		method string
		path   string
		auth   string // the whole Authorization header
		status int
		want   string
	}{
		{"no tokens: GET open", open, "GET", "/api/v1/feeds", "", 200, ""},
		{"no tokens: metrics open", open, "GET", "/metrics", "", 200, ""},
		{"no tokens: control off", open, "POST", "/api/v1/feeds/idle/stop", "Bearer " + testToken, 403, "control is off"},
		{"GET without token", both, "GET", "/api/v1/feeds", "", 401, "needs a token: send the header Authorization: Bearer TOKEN"},
		{"metrics without token", both, "GET", "/metrics", "", 401, "needs a token"},
		{"events without token", both, "GET", "/api/v1/events", "", 401, "needs a token"},
		{"GET with read token", both, "GET", "/api/v1/feeds", "Bearer " + testReadToken, 200, ""},
		{"GET with control token", both, "GET", "/api/v1/feeds/idle", "Bearer " + testToken, 200, ""},
		{"scheme in lower case", both, "GET", "/api/v1/feeds", "bearer " + testReadToken, 200, ""},
		{"wrong token", both, "GET", "/api/v1/feeds", "Bearer not-the-token-at-all", 401, "not one of this service's tokens"},
		{"basic auth", both, "GET", "/api/v1/feeds", "Basic dXNlcjpwYXNz", 401, "needs a token"},
		{"empty bearer", both, "GET", "/api/v1/feeds", "Bearer ", 401, "needs a token"},
		{"POST without token", both, "POST", "/api/v1/feeds/idle/acknowledge", "", 401, "needs a token"},
		{"POST with read token", both, "POST", "/api/v1/feeds/idle/acknowledge", "Bearer " + testReadToken, 403, "read-only token may only GET"},
		{"POST with control token", both, "POST", "/api/v1/feeds/idle/acknowledge", "Bearer " + testToken, 200, ""},
		{"prefix of the token", both, "POST", "/api/v1/feeds/idle/acknowledge", "Bearer " + testToken[:10], 401, "not one of"},
		{"read token only: GET", readOnly, "GET", "/api/v1/service", "Bearer " + testReadToken, 200, `"control":false`},
		{"read token only: GET without", readOnly, "GET", "/api/v1/service", "", 401, "needs a token"},
		{"read token only: control off", readOnly, "POST", "/api/v1/feeds/idle/stop", "Bearer " + testReadToken, 403, "control is off"},
		{"wrong method before token", both, "PATCH", "/api/v1/feeds", "", 405, "allowed GET"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := newRecorder()
			tc.h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, body)
			}
			if tc.status == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer")
			}
			if tc.status >= 400 {
				body = errorOf(t, rec.Header(), rec.Body.Bytes())
			}
			mustContain(t, "answer", body, tc.want)
			for _, tok := range []string{testToken, testReadToken} {
				if strings.Contains(rec.Body.String(), tok) {
					t.Errorf("the answer holds a token")
				}
			}
		})
	}
}

// TestReadTokenFile: a token file must be its owner's only and hold one
// usable line; errors name the file and never the token.
func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		want    string
		errWant []string
	}{
		{"good", write("good", testToken+"\n", 0o600), testToken, nil},
		{"read-only file", write("ro", testToken, 0o400), testToken, nil},
		{"CRLF and spaces", write("crlf", "  "+testToken+"\r\nsecond line\n", 0o600), testToken, nil},
		{"group readable", write("group", testToken, 0o640), "", []string{"has mode 0640", "allowed 0600 or 0400", "chmod 600"}},
		{"world readable", write("world", testToken, 0o644), "", []string{"has mode 0644"}},
		{"empty", write("empty", "\n", 0o600), "", []string{"is empty", "openssl rand -hex 32"}},
		{"short", write("short", "abc123", 0o600), "", []string{"has 6 characters", "at least 16"}},
		{"inner space", write("space", "abcdefgh ijklmnopq", 0o600), "", []string{"spaces or control characters"}},
		{"missing", filepath.Join(dir, "nope"), "", []string{"token file", "no such file"}},
		{"directory", dir, "", []string{"not a regular file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadTokenFile(tc.path)
			if tc.errWant == nil {
				if err != nil || got != tc.want {
					t.Fatalf("got %q, %v", got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("took %q", got)
			}
			mustContain(t, "error", err.Error(), tc.errWant...)
			mustContain(t, "error", err.Error(), "api: ")
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "abc123") || strings.Contains(err.Error(), "ijklmnopq") {
				t.Errorf("error %q holds the token", err)
			}
		})
	}
}

// TestCheckListen: beyond loopback needs a token.
func TestCheckListen(t *testing.T) {
	tests := []struct {
		addr  string
		token bool
		ok    bool
	}{
		{"127.0.0.1:8080", false, true},
		{"127.0.0.2:8080", false, true},
		{"localhost:8080", false, true},
		{"[::1]:8080", false, true},
		{":8080", false, false},
		{"0.0.0.0:8080", false, false},
		{"[::]:8080", false, false},
		{"192.0.2.7:8080", false, false},
		{"monitor.example:8080", false, false},
		{":8080", true, true},
		{"192.0.2.7:8080", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.addr+"/"+strconv.FormatBool(tc.token), func(t *testing.T) {
			opts := Options{}
			if tc.token {
				opts.Token = testToken
			}
			err := CheckListen(tc.addr, opts)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckListen(%q) = %v, want ok %v", tc.addr, err, tc.ok)
			}
			if err != nil {
				mustContain(t, "error", err.Error(), tc.addr, "needs a token", "--token-file", "127.0.0.1:PORT")
			}
		})
	}
}

// TestOpenAPICoversRoutes: the OpenAPI document describes every route the
// server has, with its methods.
func TestOpenAPICoversRoutes(t *testing.T) {
	doc := string(OpenAPI())
	for path, methods := range Routes() {
		i := strings.Index(doc, "\n  "+path+":\n")
		if i < 0 {
			t.Errorf("openapi.yaml has no path %s", path)
			continue
		}
		section := doc[i+1:]
		if j := strings.Index(section[3:], "\n  /"); j >= 0 {
			section = section[:j+3]
		} else if j := strings.Index(section, "\ncomponents:"); j >= 0 {
			section = section[:j]
		}
		for _, m := range methods {
			if !strings.Contains(section, "\n    "+m+":\n") {
				t.Errorf("openapi.yaml: %s has no %s", path, m)
			}
		}
	}
}
