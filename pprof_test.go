package main

import (
	"errors"
	"io"
	"net/http"
	"testing"
)

func TestStartPprof(t *testing.T) {
	tests := []struct {
		name    string
		addr    string
		wantErr error // nil: it serves
		bad     bool  // any error
	}{
		{name: "loopback v4", addr: "127.0.0.1:0"},
		{name: "localhost", addr: "localhost:0"},
		{name: "every interface", addr: ":0", wantErr: errPprofNotLoopback},
		{name: "outside address", addr: "0.0.0.0:0", wantErr: errPprofNotLoopback},
		{name: "no port", addr: "127.0.0.1", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, err := startPprof(tt.addr)
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("startPprof(%q) = %v, want %v", tt.addr, err, tt.wantErr)
				}
				return
			case tt.bad:
				if err == nil {
					t.Fatalf("startPprof(%q) served on %s, want an error", tt.addr, at)
				}
				return
			case err != nil:
				t.Fatalf("startPprof(%q): %v", tt.addr, err)
			}
			resp, err := http.Get("http://" + at + "/debug/pprof/cmdline")
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(resp.Body)
			if cerr := resp.Body.Close(); err == nil {
				err = cerr
			}
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET cmdline: %d, %v", resp.StatusCode, err)
			}
		})
	}
}
