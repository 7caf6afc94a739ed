package app

import (
	"testing"
	"time"
)

// TestMediaNow reads the ongoing media conditions from a feed's log: the
// newest line of each kind decides, lines from an earlier run do not count,
// and a stopped feed or one without media analysis has none.
func TestMediaNow(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name    string
		running bool
		mode    string
		log     []LogEntry
		want    MediaConditions
	}{
		{"black started", true, "ffmpeg", []LogEntry{{Time: at(2), Kind: "black", Detail: "black started"}}, MediaConditions{Black: true}},
		{"black ended", true, "ffmpeg", []LogEntry{{Time: at(2), Kind: "black", Detail: "black started"}, {Time: at(4), Kind: "black", Detail: "black ended"}}, MediaConditions{}},
		{"all three", true, "ffmpeg", []LogEntry{
			{Time: at(1), Kind: "freeze", Detail: "freeze started"}, {Time: at(2), Kind: "connected", Detail: "x"},
			{Time: at(3), Kind: "silence", Detail: "silence started"}, {Time: at(4), Kind: "black", Detail: "black started"}},
			MediaConditions{Black: true, Frozen: true, Silent: true}},
		{"earlier run", true, "ffmpeg", []LogEntry{{Time: at(-5), Kind: "silence", Detail: "silence started"}}, MediaConditions{}},
		{"stopped", false, "ffmpeg", []LogEntry{{Time: at(2), Kind: "black", Detail: "black started"}}, MediaConditions{}},
		{"no media analysis", true, "", []LogEntry{{Time: at(2), Kind: "black", Detail: "black started"}}, MediaConditions{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := FeedView{Running: tc.running, MediaAnalysis: tc.mode, Started: t0, Log: tc.log}
			if got := v.MediaNow(); got != tc.want {
				t.Errorf("MediaNow = %+v, want %+v", got, tc.want)
			}
		})
	}
}
