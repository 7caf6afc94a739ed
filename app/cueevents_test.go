package app

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/fixtures"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

func TestCueWords(t *testing.T) {
	tests := []struct {
		name string
		cue  probe.Cue
		want string
	}{
		{"break out with duration", probe.Cue{Command: "splice_insert", EventID: 101, OutOfNetwork: true, DurationS: 1.5, PrerollS: 0.2, AutoReturn: true},
			"SCTE-35 cue: splice_insert OUT event 101, 1.5 s, pre-roll 0.2 s"},
		{"back in", probe.Cue{Command: "splice_insert", EventID: 102, PrerollS: 0.9387}, "SCTE-35 cue: splice_insert IN event 102, pre-roll 0.9 s"},
		{"immediate", probe.Cue{Command: "splice_insert", EventID: 7, OutOfNetwork: true, DurationS: 30, Immediate: true}, "SCTE-35 cue: splice_insert OUT event 7, 30 s, immediate"},
		{"cancelled", probe.Cue{Command: "splice_insert", EventID: 101, Cancel: true, DurationS: 1.5}, "SCTE-35 cue: splice_insert cancels event 101"},
		{"time_signal with segmentation", probe.Cue{Command: "time_signal", EventID: 201, OutOfNetwork: true, Segmentation: "Provider Placement Opportunity Start", DurationS: 0.5, PrerollS: 0.24},
			"SCTE-35 cue: time_signal OUT event 201 (Provider Placement Opportunity Start), 0.5 s, pre-roll 0.2 s"},
	}
	for _, tt := range tests {
		if got := CueWords(tt.cue); got != tt.want {
			t.Errorf("%s: %q; want %q", tt.name, got, tt.want)
		}
	}
	// The tracker announces each cue once, and starts over for a new inspection.
	var tr CueTracker
	rep := probe.Report{Cues: []probe.Cue{tests[0].cue}}
	at := time.Unix(1700000000, 0)
	if e := tr.New(rep, at); len(e) != 1 || e[0].Kind != EventCue || e[0].Detail != tests[0].want || !e[0].Time.Equal(at) {
		t.Fatalf("first report: %+v", e)
	}
	rep.Cues[0].Repeats = 3 // a repeated section is not a new cue
	if e := tr.New(rep, at); len(e) != 0 {
		t.Fatalf("same cues again: %+v", e)
	}
	rep.Cues = append(rep.Cues, tests[1].cue)
	if e := tr.New(rep, at); len(e) != 1 || e[0].Detail != tests[1].want {
		t.Fatalf("one more cue: %+v", e)
	}
	if e := tr.New(probe.Report{Cues: []probe.Cue{tests[2].cue}}, at); len(e) != 1 || e[0].Detail != tests[2].want {
		t.Fatalf("a new inspection: %+v", e)
	}
}

// TestFeedCueEvents sends the SCTE-35 fixture over loopback SRT to an
// inspected feed: each good cue becomes a "cue" line of the feed log, in
// words, and an event of its recording.
func TestFeedCueEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("receives for about 5 s")
	}
	f, err := os.Open(fixtures.Path("scte35_cues.ts"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	c, db := statusController(t)
	port := sessiontest.FreeUDPPort(t)
	id, err := c.Add(FeedSpec{Name: "ad breaks", Inspect: true,
		Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: 120}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(id); err != nil {
		t.Fatal(err)
	}
	sender, err := session.NewSender(session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: port, LatencyMs: 120}, f, fi.Size(), session.SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stopSender := sessiontest.RunInBackground(t, "sender", sender.Run)
	defer func() {
		if err := stopSender(); err != nil {
			t.Logf("sender: %v", err)
		}
	}()
	want := []string{
		"SCTE-35 cue: splice_insert OUT event 101, 1.5 s, pre-roll 0.5 s",
		"SCTE-35 cue: splice_insert IN event 102, pre-roll 0.9 s",
		"SCTE-35 cue: time_signal OUT event 201 (Provider Placement Opportunity Start), 0.5 s, pre-roll 0.2 s",
	}
	cues := func(v FeedView) []string {
		var out []string
		for _, e := range v.Log {
			if e.Kind == string(EventCue) {
				out = append(out, e.Detail)
			}
		}
		return out
	}
	v := waitFeed(t, c, id, 20*time.Second, "three cue log lines", func(v FeedView) bool { return len(cues(v)) >= len(want) })
	if got := cues(v); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("cue log lines %q; want %q", got, want)
	}
	c.Stop(id)
	list, err := db.Sessions(t.Context())
	if err != nil || len(list) == 0 {
		t.Fatalf("sessions %v: %v", list, err)
	}
	s, err := db.Load(t.Context(), list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var rec []string
	for _, e := range s.Events {
		if e.Kind == EventCue {
			rec = append(rec, e.Detail)
		}
	}
	if strings.Join(rec, "|") != strings.Join(want, "|") {
		t.Errorf("recorded cue events %q; want %q", rec, want)
	}
}
