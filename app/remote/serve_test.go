package remote

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// serveProc is one real `srtscope serve` process.
type serveProc struct {
	bin, dir, name string
	args           []string
	addr           string
	cmd            *exec.Cmd
	out            bytes.Buffer
}

// start runs the process; kill ends it.
func (p *serveProc) start(t *testing.T) {
	t.Helper()
	p.out.Reset()
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Env = append(os.Environ(), "HOME="+p.dir, "XDG_DATA_HOME="+p.dir, "XDG_CONFIG_HOME="+p.dir)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

func (p *serveProc) kill() {
	if p.cmd != nil && p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

// newServe writes a workspace of two listener feeds ("cam1" fed the demo
// clip by srtscope's own sender, "cam2" waiting for nobody), a token file,
// and starts serve on a free port.
func newServe(t *testing.T, bin, name string) *serveProc {
	t.Helper()
	dir := t.TempDir()
	cam1, cam2 := sessiontest.FreeUDPPort(t), sessiontest.FreeUDPPort(t)
	ws := fmt.Sprintf("[[feed]]\nname = \"cam1\"\nurl = \"srt://127.0.0.1:%d?mode=listener&latency=200\"\n\n"+
		"[[feed]]\nname = \"cam2\"\nurl = \"srt://127.0.0.1:%d?mode=listener&latency=200\"\n", cam1, cam2)
	wsPath, tokPath := filepath.Join(dir, "workspace.toml"), filepath.Join(dir, "token")
	if err := os.WriteFile(wsPath, []byte(ws), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tokPath, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	p := &serveProc{bin: bin, dir: dir, name: name, addr: addr,
		args: []string{"serve", "--config", wsPath, "--http", addr, "--token-file", tokPath, "--name", name}}
	p.start(t)
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s said:\n%s", name, p.out.String())
		}
	})
	snd, err := session.NewSender(session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: cam1, LatencyMs: 120},
		bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	sessiontest.RunInBackground(t, "sender for "+name, snd.Run)
	return p
}

// buildSrtscope builds the srtscope binary into a temporary folder.
func buildSrtscope(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "srtscope")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/srtscope/srtscope").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// connectWhenUp connects the pool to a serve process once it answers.
func connectWhenUp(t *testing.T, p *Pool, s *serveProc) ServiceID {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		id, err := p.Connect("http://"+s.addr, testToken)
		if err == nil {
			return id
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve %s did not answer within 30 s: %v", s.name, err)
		}
		<-tick.C
	}
}

// waitPool waits until cond holds for the pool's services.
func waitPool(t *testing.T, p *Pool, what string, cond func([]Entry) bool) []Entry {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		got := p.Services()
		if cond(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 30 s: %+v", what, got)
		}
		<-tick.C
	}
}

func entryFeed(es []Entry, service, feed string) (Entry, Feed, bool) {
	for _, e := range es {
		if e.Name != service {
			continue
		}
		if f, ok := feedOf(e.Snapshot, feed); ok {
			return e, f, true
		}
	}
	return Entry{}, Feed{}, false
}

// TestTwoServeProcesses: the window's client follows two real serve
// processes, sees both services' feeds, starts and stops feeds through
// the API, shows a killed service lost and reconnects when it is back.
func TestTwoServeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds srtscope and runs two serve processes")
	}
	bin := buildSrtscope(t)
	a, b := newServe(t, bin, "venue-a"), newServe(t, bin, "venue-b")
	pool := NewPool(t.Context(), fast)
	defer pool.Close()
	ida, idb := connectWhenUp(t, pool, a), connectWhenUp(t, pool, b)

	// Both services, both feeds each; cam1 of each connected to its sender.
	waitPool(t, pool, "both services' cam1 connected", func(es []Entry) bool {
		for _, svc := range []string{"venue-a", "venue-b"} {
			_, f, ok := entryFeed(es, svc, "cam1")
			if !ok || f.View.Status.Phase != app.PhaseConnected || f.View.Sample.PktsRecv == 0 {
				return false
			}
			if _, _, ok := entryFeed(es, svc, "cam2"); !ok {
				return false
			}
		}
		return true
	})

	// Stop and start through the client, on each service.
	state := func(svc, feed string, running bool) func([]Entry) bool {
		return func(es []Entry) bool {
			_, f, ok := entryFeed(es, svc, feed)
			return ok && f.View.Running == running
		}
	}
	tests := []struct {
		id          ServiceID
		svc, feed   string
		stop        bool
		wantRunning bool
	}{
		{ida, "venue-a", "cam2", true, false},
		{idb, "venue-b", "cam1", true, false},
		{ida, "venue-a", "cam2", false, true},
		{idb, "venue-b", "cam1", false, true},
	}
	for _, tt := range tests {
		var err error
		if tt.stop {
			err = pool.Stop(tt.id, tt.feed)
		} else {
			err = pool.Start(tt.id, tt.feed)
		}
		if err != nil {
			t.Fatal(err)
		}
		waitPool(t, pool, fmt.Sprintf("%s %s running=%v", tt.svc, tt.feed, tt.wantRunning), state(tt.svc, tt.feed, tt.wantRunning))
	}

	// Kill venue-b: it shows lost with a reason, venue-a stays connected.
	b.kill()
	es := waitPool(t, pool, "venue-b lost", func(es []Entry) bool { return len(es) == 2 && es[1].State == StateLost })
	if es[1].Reason == "" || es[0].State != StateConnected || len(es[1].Feeds) != 2 {
		t.Errorf("after the kill: %+v", es)
	}
	// Back on the same port: the client reconnects by itself.
	b.start(t)
	waitPool(t, pool, "venue-b reconnected", func(es []Entry) bool { return es[1].State == StateConnected && es[1].Name == "venue-b" })
}
