package media

import (
	"slices"
	"testing"
)

// A live feed's ffmpeg decodes and filters on one thread each (it only has
// to keep up with real time); a file is analysed as fast as the machine
// allows.
func TestArgsThreads(t *testing.T) {
	video := &streamInfo{PID: 256}
	tests := []struct {
		name, input string
		want        bool
	}{
		{"live feed on stdin", "pipe:0", true},
		{"a file", "clip.ts", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := buildArgs(Config{}.withDefaults(), tt.input, video, nil)
			in := slices.Index(args, "-i")
			th := slices.Index(args, "-threads")
			if got := th >= 0 && th < in && args[th+1] == "1"; got != tt.want {
				t.Errorf("-threads 1 before the input: %v, want %v (%q)", got, tt.want, args)
			}
			if got := slices.Contains(args, "-filter_complex_threads"); got != tt.want {
				t.Errorf("-filter_complex_threads: %v, want %v", got, tt.want)
			}
		})
	}
}
