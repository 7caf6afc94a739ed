// Package sessiontest holds what tests that run SRT sessions on loopback
// share: a free UDP port, and a Run that stops when its test ends. It
// imports nothing of srtscope, so session's own tests can use it too.
package sessiontest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// StopTimeout is how long a background Run gets to return once cancelled.
const StopTimeout = 15 * time.Second

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago
// and that nothing else is likely to take before the test binds it.
//
// Asking the kernel for port 0 is not enough: it hands out ephemeral
// ports, and every socket bound to port 0 in the meantime (a dialing SRT
// caller, ffmpeg, another test package running in parallel) may be given
// the same port before the test's listener binds it. So the port is drawn
// at random from below the kernel's ephemeral range, where only ports
// chosen on purpose live, is checked free by binding it, and is never
// handed out twice by one test process.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	return freePort(t, "udp")
}

// FreeTCPPort is FreeUDPPort for a TCP listener (a Prometheus server, an
// HTTP API), drawn from the same range and never the same port.
func FreeTCPPort(t testing.TB) int {
	t.Helper()
	return freePort(t, "tcp")
}

// freePort draws a port below the ephemeral range that network ("udp" or
// "tcp") on 127.0.0.1 can bind now.
func freePort(t testing.TB, network string) int {
	t.Helper()
	low, high := belowEphemeral()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 200 {
		port := low + rand.IntN(high-low)
		if portsGiven[port] {
			continue
		}
		if !canBind(network, port) {
			continue
		}
		portsGiven[port] = true
		return port
	}
	t.Fatalf("sessiontest: no free %s port in %d..%d after 200 tries", network, low, high-1)
	return 0
}

// canBind reports whether network can bind 127.0.0.1:port now. The socket
// only checks that the port is free: closing it frees the port for the
// caller, and a close error would not change that.
func canBind(network string, port int) bool {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if network == "tcp" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		_ = ln.Close()
		return true
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	_ = pc.Close()
	return true
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// belowEphemeral is the range FreeUDPPort draws from: [low, high), ending
// below the kernel's ephemeral ports (Linux's ip_local_port_range, 32768
// by default; other systems start theirs at 49152 or higher).
func belowEphemeral() (low, high int) {
	low, high = 20000, 32768
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return low, high
	}
	var first, last int
	if _, err := fmt.Sscan(string(b), &first, &last); err == nil && first > low+1000 {
		high = min(first, high)
	}
	return low, high
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
