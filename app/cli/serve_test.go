package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/workspace"
	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

const serveTestToken = "serve-test-token-0123456789"

// TestServeBadUsage: every bad serve command line exits 2 with one line
// naming the argument and the allowed form, before anything listens; a
// token never appears.
func TestServeBadUsage(t *testing.T) {
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
	ws := write("ws.toml", "[[feed]]\nname = \"cam1\"\nurl = \"srt://:9000?mode=listener\"\n", 0o644)
	tok := write("token", serveTestToken+"\n", 0o600)
	tok2 := write("token2", serveTestToken+"\n", 0o600)
	open := write("open-token", serveTestToken+"\n", 0o644)
	short := write("short-token", "abc\n", 0o600)
	badTOML := write("bad.toml", "[[feed]]\nname = \"cam1\"\nurl = \n", 0o644)
	badFeed := write("badfeed.toml", "[[feed]]\nname = \"cam1\"\nurl = \"srt://:9000\"\nmedia = \"heavy\"\n", 0o644)

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no config", []string{}, []string{"--config is required", "allowed a workspace file"}},
		{"positional", []string{"--config", ws, "extra"}, []string{`unexpected argument "extra"`, "only flags"}},
		{"unknown flag", []string{"--config", ws, "--port", "80"}, []string{"-port"}},
		{"http no port", []string{"--config", ws, "--http", "localhost"}, []string{`--http "localhost"`, "allowed host:port"}},
		{"http bad port", []string{"--config", ws, "--http", "127.0.0.1:99999"}, []string{`--http "127.0.0.1:99999"`, `port "99999"`, "0..65535"}},
		{"beyond loopback without token", []string{"--config", ws, "--http", "0.0.0.0:8080"},
			[]string{"--http listening beyond loopback needs a token", "0.0.0.0:8080", "--token-file FILE", "127.0.0.1:PORT"}},
		{"all interfaces without token", []string{"--config", ws, "--http", ":8080"}, []string{"needs a token", "--token-file"}},
		{"token file readable by others", []string{"--config", ws, "--token-file", open}, []string{`--token-file "` + open + `"`, "mode 0644", "allowed 0600 or 0400"}},
		{"token too short", []string{"--config", ws, "--token-file", short}, []string{"--token-file", "has 3 characters", "at least 16"}},
		{"token file missing", []string{"--config", ws, "--token-file", filepath.Join(dir, "nope")}, []string{"--token-file", "no such file"}},
		{"read token same as control", []string{"--config", ws, "--token-file", tok, "--read-token-file", tok2}, []string{"--read-token-file", "same token", "allowed a different token"}},
		{"config missing", []string{"--config", filepath.Join(dir, "nope.toml")}, []string{"--config", "nope.toml", "no such file"}},
		{"config not TOML", []string{"--config", badTOML}, []string{"--config", "line 3", "not valid TOML"}},
		{"config bad media", []string{"--config", badFeed}, []string{"--config", "cam1: media \"heavy\"", "off, light or full"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			code := Run(ctx, append([]string{"serve"}, tc.args...), IO{Stdout: &out, Stderr: &errOut})
			msg := errOut.String()
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d; stderr %q", code, ExitUsage, msg)
			}
			if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "srtscope serve: ") {
				t.Errorf("want one line starting with the command, got %q", msg)
			}
			mustHave(t, msg, tc.want...)
			if strings.Contains(msg+out.String(), serveTestToken) {
				t.Errorf("the token was printed: %q", msg)
			}
		})
	}
}

func mustHave(t *testing.T, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%q lacks %q", s, p)
		}
	}
}

// TestServeHelp: serve --help exits 0 with the usage on stdout.
func TestServeHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Run(t.Context(), []string{"serve", "--help"}, IO{Stdout: &out, Stderr: &errOut}); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	mustHave(t, out.String(), "Usage: srtscope serve --config FILE", "SIGHUP", "-token-file", "-read-token-file", "-http")
}

// servedFeed is one feed of a test workspace and the sender feeding it.
type servedFeed struct {
	name string
	port int
}

// writeWorkspace writes feeds as listeners on their ports with latency ms.
func writeWorkspace(t *testing.T, path string, feeds []servedFeed, latency map[string]int) {
	t.Helper()
	var b strings.Builder
	for _, f := range feeds {
		ms := latency[f.name]
		if ms == 0 {
			ms = 200
		}
		fmt.Fprintf(&b, "[[feed]]\nname = %q\nurl = \"srt://127.0.0.1:%d?mode=listener&latency=%d\"\ninspect = true\nmedia = \"light\"\n\n", f.name, f.port, ms)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startSenders sends the demo clip in a loop to each feed's port.
func startSenders(t *testing.T, feeds []servedFeed) {
	t.Helper()
	for _, f := range feeds {
		snd, err := session.NewSender(session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: f.port, LatencyMs: 120},
			bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
		if err != nil {
			t.Fatal(err)
		}
		sessiontest.RunInBackground(t, "sender "+f.name, snd.Run)
	}
}

// runningServe is serve running in-process.
type runningServe struct {
	addr   string
	reload chan os.Signal
	stop   func() int // cancels serve and returns its exit code
	log    *syncBuffer
}

// startServe runs serve in-process on a free loopback port and waits
// until it listens.
func startServe(t *testing.T, cfg serveConfig) *runningServe {
	t.Helper()
	cfg.httpAddr = "127.0.0.1:0"
	cfg.ready = nil
	addrs := make(chan net.Addr, 1)
	cfg.ready = func(a net.Addr) { addrs <- a }
	ctx, cancel := context.WithCancel(t.Context())
	rs := &runningServe{reload: make(chan os.Signal, 1), log: &syncBuffer{}}
	done := make(chan int, 1)
	go func() { done <- serve(ctx, cfg, rs.reload, IO{Stdout: rs.log, Stderr: rs.log}) }()
	var once sync.Once
	code := -1
	rs.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Errorf("serve did not stop within 30 s; its log:\n%s", rs.log)
			}
		})
		return code
	}
	t.Cleanup(func() { rs.stop() })
	select {
	case a := <-addrs:
		rs.addr = a.String()
	case c := <-done:
		t.Fatalf("serve ended with %d before listening:\n%s", c, rs.log)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not listen within 30 s:\n%s", rs.log)
	}
	return rs
}

// feeds GETs /api/v1/feeds.
func (rs *runningServe) feeds(t *testing.T, token string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+rs.addr+"/api/v1/feeds", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("GET /api/v1/feeds: status %d: %v", resp.StatusCode, err)
	}
	return out
}

// waitAPI polls the API until cond holds for the feeds, at most d.
func (rs *runningServe) waitAPI(t *testing.T, token string, d time.Duration, what string, cond func(map[string]map[string]any) bool) map[string]map[string]any {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		byName := map[string]map[string]any{}
		for _, f := range rs.feeds(t, token) {
			byName[f["name"].(string)] = f
		}
		if cond(byName) {
			return byName
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v; feeds %v\nlog:\n%s", what, d, byName, rs.log)
		}
		<-tick.C
	}
}

func receiving(f map[string]any) bool {
	return f != nil && f["state"] == "connected" && f["pkts_recv"].(float64) > 0
}

// TestServe runs serve on a workspace of two feeds fed by srtscope's own
// senders, reloads it as SIGHUP does (one feed unchanged keeps running, one
// changed restarts, one added, one removed), and stops it: every session
// is recorded and closed, none left interrupted.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	ws := filepath.Join(dir, "workspace.toml")
	feeds := []servedFeed{{"cam1", sessiontest.FreeUDPPort(t)}, {"cam2", sessiontest.FreeUDPPort(t)}, {"cam3", sessiontest.FreeUDPPort(t)}}
	writeWorkspace(t, ws, feeds[:2], nil)
	startSenders(t, feeds)
	rs := startServe(t, serveConfig{configPath: ws, file: mustLoad(t, ws), token: serveTestToken, dataDir: dir})

	first := rs.waitAPI(t, serveTestToken, 30*time.Second, "both feeds receiving", func(m map[string]map[string]any) bool {
		return receiving(m["cam1"]) && receiving(m["cam2"])
	})

	// Reload: cam1 unchanged, cam2's latency changes, cam3 added ...
	writeWorkspace(t, ws, feeds, map[string]int{"cam2": 300})
	rs.reload <- syscall.SIGHUP
	second := rs.waitAPI(t, serveTestToken, 30*time.Second, "the reload", func(m map[string]map[string]any) bool {
		return receiving(m["cam3"]) && m["cam2"] != nil && strings.Contains(m["cam2"]["url"].(string), "latency=300") && receiving(m["cam2"])
	})
	if second["cam1"]["id"] != first["cam1"]["id"] || second["cam1"]["started"] != first["cam1"]["started"] {
		t.Errorf("cam1 was restarted by the reload: id %v started %v, was %v %v", second["cam1"]["id"], second["cam1"]["started"], first["cam1"]["id"], first["cam1"]["started"])
	}
	if second["cam2"]["id"] == first["cam2"]["id"] {
		t.Errorf("cam2 changed but kept its feed %v", first["cam2"]["id"])
	}
	// ... then cam1 removed.
	writeWorkspace(t, ws, feeds[1:], map[string]int{"cam2": 300})
	rs.reload <- syscall.SIGHUP
	rs.waitAPI(t, serveTestToken, 30*time.Second, "cam1 removed", func(m map[string]map[string]any) bool {
		return m["cam1"] == nil && len(m) == 2
	})
	// A broken file keeps the feeds as they are.
	if err := os.WriteFile(ws, []byte("[[feed]]\nname = \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rs.reload <- syscall.SIGHUP
	waitLog(t, rs.log, 10*time.Second, "reload: workspace: line 2")

	if code := rs.stop(); code != ExitOK {
		t.Fatalf("serve exit %d\n%s", code, rs.log)
	}
	log := rs.log.String()
	mustHave(t, log, "opened "+ws+": 2 added", "reloaded "+ws+": 1 added, 1 restarted, 1 unchanged", "1 removed",
		"the feeds run as they were", `feed "cam3": connected to 127.0.0.1:`, "stopped; the recordings are closed", "control with the token of --token-file")
	if strings.Contains(log, serveTestToken) {
		t.Errorf("the log holds the token")
	}

	// The recordings: cam1 once, cam2 twice (it restarted), cam3 once,
	// every one closed.
	c, err := app.Open(t.Context(), app.ControllerOptions{Stores: app.StoreOptions{Recordings: true, DataDir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sessions, err := c.Sessions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, s := range sessions {
		count[s.Name]++
		if s.Interrupted || s.Recording {
			t.Errorf("session %s (%s) was not closed: interrupted %v recording %v", s.Name, s.URL, s.Interrupted, s.Recording)
		}
		if s.Samples == 0 {
			t.Errorf("session %s has no samples", s.Name)
		}
	}
	if count["cam1"] != 1 || count["cam2"] != 2 || count["cam3"] != 1 {
		t.Errorf("recorded sessions %v, want cam1 1, cam2 2, cam3 1", count)
	}
}

func mustLoad(t *testing.T, path string) workspace.File {
	t.Helper()
	f, err := workspace.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// waitLog waits until the log holds s.
func waitLog(t *testing.T, log *syncBuffer, d time.Duration, s string) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(log.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("the log has no %q within %v:\n%s", s, d, log)
		}
		<-tick.C
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
