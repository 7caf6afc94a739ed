package session

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// testClip is a 5 s bars-and-tone TS generated once per test binary.
var testClip struct {
	once sync.Once
	path string
	data []byte
	err  error
}

// clipTS returns the path and bytes of a 5 s 640x360 H.264/AAC TS, made
// with ffmpeg into a temporary directory removed by TestMain.
func clipTS(t testing.TB) (string, []byte) {
	t.Helper()
	testClip.once.Do(func() {
		dir, err := os.MkdirTemp("", "srtscope-session-test-")
		if err != nil {
			testClip.err = err
			return
		}
		testClipDir = dir
		path := filepath.Join(dir, "clip.ts")
		cmd := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
			"-f", "lavfi", "-i", "sine=frequency=1000", "-t", "5", "-c:v", "libx264", "-b:v", "1M", "-c:a", "aac", "-f", "mpegts", path)
		if out, err := cmd.CombinedOutput(); err != nil {
			testClip.err = fmt.Errorf("ffmpeg: %w: %s", err, out)
			return
		}
		testClip.path = path
		testClip.data, testClip.err = os.ReadFile(path)
	})
	if testClip.err != nil {
		t.Fatalf("making the test clip: %v", testClip.err)
	}
	return testClip.path, testClip.data
}

var testClipDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if testClipDir != "" {
		if err := os.RemoveAll(testClipDir); err != nil {
			fmt.Fprintf(os.Stderr, "removing the test clip: %v\n", err)
		}
	}
	os.Exit(code)
}

// startReceiver starts a receiver and returns it with a subscription.
func startReceiver(t testing.TB, cfg Config, opts ReceiverOptions) (*Receiver, *Subscription, func() error) {
	t.Helper()
	r, err := NewReceiver(cfg, opts)
	if err != nil {
		t.Fatalf("NewReceiver: %v", err)
	}
	sub := r.Subscribe(1024, 1024)
	stop := sessiontest.RunInBackground(t, "receiver", r.Run)
	return r, sub, stop
}

// startSender starts a looping sender of the test clip.
func startSender(t testing.TB, cfg Config, loop bool) (*Sender, *Subscription, func() error) {
	t.Helper()
	_, data := clipTS(t)
	s, err := NewSender(cfg, bytes.NewReader(data), int64(len(data)), SenderOptions{Loop: loop})
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	sub := s.Subscribe(1024)
	stop := sessiontest.RunInBackground(t, "sender", s.Run)
	return s, sub, stop
}

// waitEvent waits for an event of kind whose detail contains every part.
func waitEvent(t testing.TB, sub *Subscription, kind EventKind, timeout time.Duration, parts ...string) Event {
	t.Helper()
	deadline := time.After(timeout)
	var seen []string
	for {
		select {
		case e, ok := <-sub.Events:
			if !ok {
				t.Fatalf("events closed while waiting for %s %q; saw %q", kind, parts, seen)
			}
			seen = append(seen, string(e.Kind)+": "+e.Detail)
			if e.Kind != kind {
				continue
			}
			match := true
			for _, p := range parts {
				match = match && strings.Contains(e.Detail, p)
			}
			if match {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event with %q within %s; saw %q", kind, parts, timeout, seen)
		}
	}
}

// waitSample waits for a sample that satisfies ok.
func waitSample(t testing.TB, sub *Subscription, timeout time.Duration, what string, ok func(Sample) bool) Sample {
	t.Helper()
	deadline := time.After(timeout)
	var last Sample
	for {
		select {
		case s, open := <-sub.Samples:
			if !open {
				t.Fatalf("samples closed while waiting for %s; last %+v", what, last)
			}
			last = s
			if ok(s) {
				return s
			}
		case <-deadline:
			t.Fatalf("no sample with %s within %s; last %+v", what, timeout, last)
		}
	}
}

// startProcess starts a peer program in its own process group and kills
// the group at cleanup. Its combined output is returned by the func.
func startProcess(t testing.TB, name string, args ...string) (*exec.Cmd, func() string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	waited := make(chan struct{})
	// The cleanup kills the process, so its exit status says nothing.
	go func() { _ = cmd.Wait(); close(waited) }()
	t.Cleanup(func() {
		killProcessGroup(cmd)
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not exit", name)
		}
	})
	return cmd, out.String
}

// syncBuffer is a bytes.Buffer safe for a process writer and a test reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// countingSink counts what the receiver hands to its sink.
type countingSink struct {
	mu    sync.Mutex
	bytes int
}

func (c *countingSink) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.bytes += len(p)
	c.mu.Unlock()
	return len(p), nil
}

func (c *countingSink) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}
