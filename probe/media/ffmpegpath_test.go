package media

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestFFmpegPathLooksInWellKnownPlaces: without ffmpeg on PATH the lookup
// falls back to the OS's usual install places (Homebrew on macOS), an
// explicit path is used as given, and nothing found is ErrNoFFmpeg.
func TestFFmpegPathLooksInWellKnownPlaces(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script as the fake ffmpeg")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "ffmpeg")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	saved := wellKnownFFmpeg[runtime.GOOS]
	t.Cleanup(func() { wellKnownFFmpeg[runtime.GOOS] = saved })
	t.Setenv("PATH", t.TempDir()) // an empty folder: no ffmpeg on PATH

	tests := []struct {
		name    string
		known   []string
		path    string
		want    string
		wantErr error
	}{
		{"nowhere", []string{filepath.Join(dir, "missing")}, "", "", ErrNoFFmpeg},
		{"well-known place", []string{filepath.Join(dir, "missing"), fake}, "", fake, nil},
		{"explicit path", nil, fake, fake, nil},
		{"explicit path missing: no fallback", []string{fake}, filepath.Join(dir, "nope"), "", ErrNoFFmpeg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wellKnownFFmpeg[runtime.GOOS] = tc.known
			got, err := FFmpegPath(tc.path)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("FFmpegPath(%q) = %q, %v; want %q, %v", tc.path, got, err, tc.want, tc.wantErr)
			}
		})
	}
}
