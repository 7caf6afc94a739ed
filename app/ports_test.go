package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// peerOutput is a process's combined output, safe to read while it runs.
type peerOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *peerOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *peerOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// startPeer runs an SRT peer program; cleanup kills it and waits.
func startPeer(t *testing.T, name string, args ...string) *peerOutput {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed: %v", name, err)
	}
	cmd := exec.Command(name, args...)
	out := &peerOutput{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }() // killed below: its status says nothing
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not exit", name)
		}
	})
	return out
}

// publishDemo publishes the demo clip in a loop with ffmpeg and a raw
// streamid (ffmpeg 5.1 does not URL-decode it).
func publishDemo(t *testing.T, port int, streamid string) *peerOutput {
	t.Helper()
	clip, err := filepath.Abs(filepath.Join("..", "assets", "demo.ts"))
	if err != nil {
		t.Fatal(err)
	}
	return startPeer(t, "ffmpeg", "-nostdin", "-loglevel", "info", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "mpegts",
		fmt.Sprintf("srt://127.0.0.1:%d?streamid=%s&pkt_size=1316", port, streamid))
}

// feedNamed waits for the feed called name and returns it.
func feedNamed(t *testing.T, c *Controller, name string, timeout time.Duration) FeedView {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		for _, v := range c.Feeds() {
			if v.Spec.Name == name {
				return v
			}
		}
		if time.Now().After(deadline) {
			break
		}
	}
	t.Fatalf("no feed %q within %s; ports %+v", name, timeout, c.Ports())
	return FeedView{}
}

// waitPort polls the port's snapshot until cond holds.
func waitPort(t *testing.T, c *Controller, timeout time.Duration, what string, cond func(PortView) bool) PortView {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last PortView
	for range tick.C {
		if ports := c.Ports(); len(ports) == 1 {
			last = ports[0]
			if cond(last) {
				return last
			}
		}
		if time.Now().After(deadline) {
			break
		}
	}
	t.Fatalf("port: no %s within %s; last %+v", what, timeout, last)
	return last
}

// TestControllerPort: a port with declared names and AcceptNew gives each
// publisher its own feed on the wall, named after its streamid, with its
// own statistics; a second publisher of a live name is refused in that
// feed's log; a puller of a name that is not live is refused with "no
// output to pull from"; removing
// the port removes its feeds.
func TestControllerPort(t *testing.T) {
	c := NewController(t.Context(), ControllerOptions{})
	t.Cleanup(c.Close)
	port := sessiontest.FreeUDPPort(t)
	spec := PortSpec{Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port}, Names: []string{"cam1", "cam2"}, AcceptNew: true}
	ids, err := c.AddPort(spec, FeedSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 {
		t.Fatalf("feeds %v, want cam1 and cam2", ids)
	}
	waitPort(t, c, 5*time.Second, "listening", func(v PortView) bool { return v.Listening })
	if _, err := c.AddPort(spec, FeedSpec{}); err == nil || !strings.Contains(err.Error(), "open already") {
		t.Errorf("a second port on the same UDP port: %v", err)
	}
	cam2 := waitFeed(t, c, ids[1], 5*time.Second, "cam2 waiting", func(v FeedView) bool { return v.Status.Phase == PhaseWaiting })
	if got := cam2.Status.Describe(); got != fmt.Sprintf("waiting for streamid cam2 on 127.0.0.1:%d", port) {
		t.Errorf("cam2 says %q", got)
	}

	publishDemo(t, port, "#!::r=cam1,m=publish")
	publishDemo(t, port, "cam7") // a new name
	cam1 := waitFeed(t, c, ids[0], 20*time.Second, "cam1 receiving", func(v FeedView) bool {
		return v.Sample.State == session.StateConnected && v.Sample.PktsRecv > 200
	})
	cam7 := feedNamed(t, c, "cam7", 20*time.Second)
	cam7 = waitFeed(t, c, cam7.ID, 20*time.Second, "cam7 receiving", func(v FeedView) bool {
		return v.Sample.State == session.StateConnected && v.Sample.PktsRecv > 200
	})
	if cam7.Spec.Port != spec.Address() || cam7.Spec.Config.StreamID != "cam7" || cam1.Spec.Port != spec.Address() {
		t.Errorf("feeds on the port: cam1 %+v, cam7 %+v", cam1.Spec, cam7.Spec)
	}
	if cam1.Sample.Peer == cam7.Sample.Peer {
		t.Errorf("both feeds show the peer %s", cam1.Sample.Peer)
	}

	// A second publisher for cam1 is refused, in cam1's log.
	publishDemo(t, port, "cam1")
	waitFeed(t, c, ids[0], 15*time.Second, "the refusal of a second publisher", func(v FeedView) bool {
		for _, l := range v.Log {
			if l.Kind == "rejected" && strings.Contains(l.Detail, `"cam1" is already being published`) {
				return true
			}
		}
		return false
	})
	// A puller of cam2, which nobody publishes: nothing to pull yet.
	puller := startPeer(t, "srt-live-transmit", fmt.Sprintf("srt://127.0.0.1:%d?streamid=#!::r=cam2,m=request", port), "file://con")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("srt-live-transmit said: %q", puller.String())
		}
	})
	pv := waitPort(t, c, 15*time.Second, "the refused puller", func(v PortView) bool {
		for _, l := range v.Log {
			if l.Kind == "rejected" && strings.Contains(l.Detail, `"cam2": no output to pull from for cam2: it is not live (the streamid asks to pull, with m=request or no m=; an encoder sending the feed needs m=publish) (REJX_NOTFOUND)`) {
				return true
			}
		}
		return false
	})
	if pv.Rejections < 1 || strings.Join(pv.Names, ",") != "cam1,cam2,cam7" || !pv.AcceptNew {
		t.Errorf("port %+v", pv)
	}
	waitFeed(t, c, ids[0], 10*time.Second, "cam1 still receiving from its first publisher", func(v FeedView) bool {
		return v.Sample.State == session.StateConnected && v.Sample.PktsRecv > cam1.Sample.PktsRecv+100 && v.Sample.Peer == cam1.Sample.Peer
	})

	c.RemovePort(spec.Address())
	if n := len(c.Feeds()); n != 0 || len(c.Ports()) != 0 {
		t.Errorf("after RemovePort: %d feeds, ports %+v", n, c.Ports())
	}
}

// TestPresetPassphrases: a name's passphrase comes from a preset named like
// it or whose streamid names it, with the passphrase in the keychain.
func TestPresetPassphrases(t *testing.T) {
	kc := &preset.MemoryKeychain{}
	c, err := Open(t.Context(), ControllerOptions{Stores: StoreOptions{Presets: true, ConfigDir: t.TempDir(), Keychain: kc}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	mk := func(name, streamid, pass string, remember bool) {
		spec := FeedSpec{Name: name, Config: session.Config{Mode: session.ModeCaller, Host: "192.0.2.7", Port: 9001, StreamID: streamid, Passphrase: pass}}
		p := PresetFromSpec(name, spec)
		p.RememberPassphrase = remember
		if _, err := c.CreatePreset(p, pass); err != nil {
			t.Fatal(err)
		}
	}
	mk("cam1", "", "cam1 passphrase", true)                           // by the preset's name
	mk("Stage left", "#!::r=cam2,m=publish", "cam2 passphrase", true) // by its streamid
	mk("cam3", "", "cam3 passphrase", false)                          // not in the keychain: typed each time
	got := c.PresetPassphrases([]string{"cam1", "cam2", "cam3", "cam4"})
	want := map[string]string{"cam1": "cam1 passphrase", "cam2": "cam2 passphrase"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("passphrases for %d names, want cam1 and cam2 (%v)", len(got), slices.Sorted(maps.Keys(got)))
	}
}

// TestPortFeedNames: a port refuses a name another feed has, and a copy of
// a port's feed cannot take its publisher.
func TestPortFeedNames(t *testing.T) {
	c := NewController(t.Context(), ControllerOptions{})
	t.Cleanup(c.Close)
	other := session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: sessiontest.FreeUDPPort(t)}
	if _, err := c.Add(FeedSpec{Name: "cam1", Config: other}); err != nil {
		t.Fatal(err)
	}
	spec := PortSpec{Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: sessiontest.FreeUDPPort(t)}, Names: []string{"cam1"}}
	if _, err := c.AddPort(spec, FeedSpec{}); err == nil || !strings.Contains(err.Error(), "stream name") || !strings.Contains(err.Error(), "no other feed has") {
		t.Fatalf("a port with the name of a feed: %v", err)
	}
	if len(c.Ports()) != 0 {
		t.Errorf("the port opened anyway: %+v", c.Ports())
	}
	spec.Names = []string{"cam2"}
	ids, err := c.AddPort(spec, FeedSpec{})
	if err != nil {
		t.Fatal(err)
	}
	dup, err := c.Duplicate(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(dup); !errors.Is(err, ErrNameTaken) {
		t.Errorf("starting a copy of cam2: %v, want ErrNameTaken", err)
	}
}

// TestPortPull: a caller with m=request on a port gets the feed it names
// through the feed's pull point while ffmpeg publishes that feed to the
// same port: ffmpeg decodes 3 s of it without an error, and the puller is
// a row under the feed's outputs. Pulling a name the port does not know
// is refused with REJX_NOTFOUND (1404) in an event naming it.
func TestPortPull(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed")
	}
	c := NewController(t.Context(), ControllerOptions{})
	t.Cleanup(c.Close)
	port := sessiontest.FreeUDPPort(t)
	spec := PortSpec{Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port}, Names: []string{"cam1"}}
	ids, err := c.AddPort(spec, FeedSpec{})
	if err != nil {
		t.Fatal(err)
	}
	waitPort(t, c, 5*time.Second, "listening", func(v PortView) bool { return v.Listening })
	publishDemo(t, port, "#!::r=cam1,m=publish")
	waitFeed(t, c, ids[0], 20*time.Second, "cam1 receiving", func(v FeedView) bool {
		return v.Sample.State == session.StateConnected && v.Sample.PktsRecv > 100
	})

	type pulled struct {
		out []byte
		err error
	}
	done := make(chan pulled, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-v", "error", "-i", fmt.Sprintf("srt://127.0.0.1:%d?streamid=#!::r=cam1,m=request", port), "-t", "3", "-f", "null", "-")
	go func() {
		out, err := cmd.CombinedOutput()
		done <- pulled{out, err}
	}()
	v := waitFeed(t, c, ids[0], 20*time.Second, "the puller under cam1's outputs", func(v FeedView) bool {
		for _, o := range v.Outputs {
			if o.PullPoint && len(o.Pullers) == 1 && o.Pullers[0].BytesSent > 0 {
				return true
			}
		}
		return false
	})
	if len(v.Outputs) != 1 || !strings.Contains(v.Outputs[0].URL, "r=cam1,m=request") {
		t.Errorf("outputs %+v: want the pull point of cam1 only", v.Outputs)
	}
	r := <-done
	if r.err != nil || len(strings.TrimSpace(string(r.out))) > 0 {
		t.Errorf("ffmpeg pulling cam1: %v; it said %q", r.err, r.out)
	}

	// A name the port does not know.
	refused := startPeer(t, "srt-live-transmit", fmt.Sprintf("srt://127.0.0.1:%d?streamid=#!::r=cam9,m=request", port), "file://con")
	waitPort(t, c, 15*time.Second, "the refused puller of cam9", func(v PortView) bool {
		for _, l := range v.Log {
			if l.Kind == "rejected" && strings.Contains(l.Detail, `"cam9"`) && strings.Contains(l.Detail, "REJX_NOTFOUND") {
				return true
			}
		}
		return false
	})
	_ = refused
}
