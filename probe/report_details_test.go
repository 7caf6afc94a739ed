package probe

import "testing"

func TestStreamDetails(t *testing.T) {
	tests := []struct {
		s        Stream
		withType bool
		want     string
	}{
		{Stream{StreamType: 0x1b, Width: 1920, Height: 1080, FPS: 29.97, Profile: "High", Level: "4.0"}, true, "1920x1080p 29.97 fps, High @ 4.0, stream type 0x1B"},
		{Stream{Width: 720, Height: 576, FPS: 25, Interlaced: true}, false, "720x576i 25 fps"},
		{Stream{StreamType: 0x0f, SampleRate: 48000, Channels: 2, Language: "eng"}, true, "48000 Hz, 2 ch, lang eng, stream type 0x0F"},
		{Stream{StreamType: 0x86}, false, ""},
	}
	for _, tt := range tests {
		if got := tt.s.Details(tt.withType); got != tt.want {
			t.Errorf("Details(%v) of %+v = %q, want %q", tt.withType, tt.s, got, tt.want)
		}
	}
}
