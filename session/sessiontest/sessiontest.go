// Package sessiontest holds what tests that run SRT sessions on loopback
// share: a free UDP port, and a Run that stops when its test ends. It
// imports nothing of srtscope, so session's own tests can use it too.
package sessiontest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// StopTimeout is how long a background Run gets to return once cancelled.
const StopTimeout = 15 * time.Second

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sessiontest: finding a free UDP port: %v", err)
	}
	// The socket only reserved a port number to read back; closing it frees
	// the port for the caller, and a close error would not change that.
	defer func() { _ = pc.Close() }()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// RunInBackground runs run(ctx) on a goroutine, ctx being derived from the
// test's own context (t.Context()), so it also ends when the test does.
// stop cancels it and waits for it to return, at most StopTimeout (then the
// test fails); it returns run's error, and calling it again returns the
// same. The test's cleanup calls stop, and logs a non-nil error under name.
func RunInBackground(t testing.TB, name string, run func(context.Context) error) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	var result error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(StopTimeout):
				result = fmt.Errorf("%s did not stop within %v", name, StopTimeout)
				t.Errorf("sessiontest: %v", result)
			}
		})
		return result
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Logf("%s stopped: %v", name, err)
		}
	})
	return stop
}
