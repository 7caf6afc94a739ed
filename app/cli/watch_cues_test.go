package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/probe/fixtures"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestWatchCuesLive sends the SCTE-35 fixture over loopback SRT with
// `srtscope send --file` into `srtscope watch --inspect --format json`:
// each good cue of the ground truth (probe/testdata/README.md) arrives as
// an event of kind "cue" in words, on stderr as it comes and in the
// summary's events; the splice_null and the damaged section do not.
func TestWatchCuesLive(t *testing.T) {
	const file = "scte35_cues.ts"
	port := sessiontest.FreeUDPPort(t)
	d := fixtureLength(t, file) + liveMargin
	watch := startCLI(t, "watch", fmt.Sprintf("srt://127.0.0.1:%d?mode=listener&latency=200", port), "--duration", d.String(), "--format", "json", "--inspect")
	waitFor(t, watch.stderr, "listening on UDP", 5*time.Second)
	send := startCLI(t, "send", fmt.Sprintf("srt://127.0.0.1:%d?latency=200", port), "--file", fixtures.Path(file))
	if code := watch.wait(t, d+20*time.Second); code != ExitOK {
		t.Fatalf("watch exit %d; stderr %q", code, watch.stderr.String())
	}
	if code := send.wait(t, 20*time.Second); code != ExitOK {
		t.Fatalf("send exit %d; stderr %q", code, send.stderr.String())
	}
	// Ground truth, in the event's words.
	want := map[string]bool{
		"SCTE-35 cue: splice_insert OUT event 101, 1.5 s, pre-roll 0.5 s":                                      true,
		"SCTE-35 cue: splice_insert IN event 102, pre-roll 0.9 s":                                              true,
		"SCTE-35 cue: time_signal OUT event 201 (Provider Placement Opportunity Start), 0.5 s, pre-roll 0.2 s": true,
	}
	for _, row := range truthRows(t, "command", file) {
		if row["crc"] == "ok" && row["command"] != "splice_null" && !strings.Contains(fmt.Sprint(want), "event "+row["event_id"]) {
			t.Fatalf("ground truth row %v has no expected event here", row)
		}
	}
	lines := strings.Split(strings.TrimSpace(watch.stdout.String()), "\n")
	var sum struct {
		Summary struct {
			Events []struct {
				Kind   string `json:"kind"`
				Detail string `json:"detail"`
			} `json:"events"`
		} `json:"summary"`
		Inspection *struct {
			Cues []json.RawMessage `json:"cues"`
		} `json:"inspection"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Inspection == nil {
		t.Fatalf("last line is not the summary with the inspection: %v\n%s", err, lines[len(lines)-1])
	}
	var got []string
	for _, e := range sum.Summary.Events {
		if e.Kind == "cue" {
			got = append(got, e.Detail)
		}
	}
	if len(got) != len(want) || len(sum.Inspection.Cues) != len(want) {
		t.Fatalf("cue events %q (inspection has %d cues); want the %d of the ground truth", got, len(sum.Inspection.Cues), len(want))
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("cue event %q is not one of %v", g, want)
		}
		if !strings.Contains(watch.stderr.String(), "event cue: "+g) {
			t.Errorf("stderr lacks the live event %q:\n%s", g, watch.stderr.String())
		}
	}
}
