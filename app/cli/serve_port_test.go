package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestServePort: serve runs a workspace port with two names and the port's
// passphrase from the environment; srtscope's own senders publish to it
// with an access-control and a plain streamid, and the API lists the two
// feeds by name, each receiving, with the port and its stream name.
func TestServePort(t *testing.T) {
	const portPass = "the port passphrase"
	t.Setenv("SRTSCOPE_TEST_PORT_PASS", portPass)
	dir := t.TempDir()
	ws := filepath.Join(dir, "workspace.toml")
	port := sessiontest.FreeUDPPort(t)
	file := fmt.Sprintf("[[port]]\nurl = \"srt://127.0.0.1:%d?mode=listener&latency=200\"\nnames = [\"cam1\", \"cam2\"]\ninspect = true\npassphrase_env = \"SRTSCOPE_TEST_PORT_PASS\"\n", port)
	if err := os.WriteFile(ws, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	rs := startServe(t, serveConfig{configPath: ws, file: mustLoad(t, ws), token: serveTestToken, dataDir: dir})
	send := func(streamid, pass string) {
		snd, err := session.NewSender(session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: port, LatencyMs: 120, StreamID: streamid, Passphrase: pass},
			bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
		if err != nil {
			t.Fatal(err)
		}
		sessiontest.RunInBackground(t, "sender "+streamid, snd.Run)
	}
	send("#!::r=cam1,m=publish", portPass)
	send("cam2", portPass)
	feeds := rs.waitAPI(t, serveTestToken, 30*time.Second, "both feeds of the port receiving", func(m map[string]map[string]any) bool {
		return receiving(m["cam1"]) && receiving(m["cam2"])
	})
	for _, name := range []string{"cam1", "cam2"} {
		f := feeds[name]
		if f["port"] != fmt.Sprintf("127.0.0.1:%d", port) || f["status"].(map[string]any)["stream"] != name {
			t.Errorf("%s: port %v, status %v", name, f["port"], f["status"])
		}
	}
	if len(feeds) != 2 {
		t.Errorf("feeds %v, want cam1 and cam2", feeds)
	}
	if code := rs.stop(); code != ExitOK {
		t.Fatalf("serve exit %d\n%s", code, rs.log)
	}
	mustHave(t, rs.log.String(), "opened "+ws+": 1 added")
	if bytes.Contains([]byte(rs.log.String()), []byte(portPass)) {
		t.Errorf("the log holds the passphrase")
	}
}
