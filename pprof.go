package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofEnv names the environment variable that turns the profiling hook
// on: SRTSCOPE_PPROF=127.0.0.1:6060 serves net/http/pprof there while the
// window runs (for measurements such as bench/feeds_cpu.sh). It is off
// unless set, and it listens on loopback only.
const pprofEnv = "SRTSCOPE_PPROF"

// errPprofNotLoopback refuses a profiling address another machine could
// reach: a profile shows the feeds' addresses and stream ids.
var errPprofNotLoopback = errors.New("main: SRTSCOPE_PPROF must be a loopback address (127.0.0.1:PORT or [::1]:PORT)")

// startPprof serves the pprof handlers on addr, a loopback host:port, until
// the process ends. It returns once the socket listens, so an error (port
// in use, not loopback) is reported at start.
func startPprof(addr string) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("main: %s=%q: %w", pprofEnv, addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("%q: %w", addr, errPprofNotLoopback)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("main: profiling hook: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), nil
}
