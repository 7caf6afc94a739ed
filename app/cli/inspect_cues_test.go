package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/probe/fixtures"
)

// TestInspectFileCues: `inspect` of the SCTE-35 fixture prints its cues,
// service names and new PID fields in JSON under the contract's names, and
// in words in text (ground truth: probe/testdata/README.md).
func TestInspectFileCues(t *testing.T) {
	const file = "scte35_cues.ts"
	run := func(format string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		code := Run(ctx, []string{"inspect", fixtures.Path(file), "--no-ffmpeg", "--format", format}, IO{Stdout: &out, Stderr: &errOut})
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		return out.String()
	}
	var r struct {
		Programs []struct {
			Number       int     `json:"number"`
			ServiceName  *string `json:"service_name"`
			ProviderName *string `json:"provider_name"`
		} `json:"programs"`
		Cues []struct {
			PID          int     `json:"pid"`
			Command      string  `json:"command"`
			EventID      int     `json:"event_id"`
			OutOfNetwork *bool   `json:"out_of_network"`
			PTSS         float64 `json:"pts_s"`
			DurationS    float64 `json:"duration_s"`
			PrerollS     float64 `json:"preroll_s"`
		} `json:"cues"`
		PIDHistory    []map[string]any `json:"pid_history"`
		NullPacketPct *float64         `json:"null_packet_pct"`
		TR101290      map[string]int   `json:"tr101290"`
	}
	if err := json.Unmarshal([]byte(run("json")), &r); err != nil {
		t.Fatal(err)
	}
	want := map[int]fixtures.Row{}
	for _, row := range truthRows(t, "command", file) {
		if row["crc"] == "ok" && (row["command"] == "splice_insert" || row["command"] == "time_signal") {
			want[int(num(t, row["event_id"]))] = row
		}
	}
	if len(r.Cues) != len(want) {
		t.Fatalf("%d cues, want %d: %+v", len(r.Cues), len(want), r.Cues)
	}
	for _, c := range r.Cues {
		row, ok := want[c.EventID]
		if !ok || c.Command != row["command"] || c.OutOfNetwork == nil || (*c.OutOfNetwork) != (row["out_of_network"] == "true") {
			t.Errorf("cue %+v does not match %v", c, row)
			continue
		}
		if math.Abs(c.PTSS-num(t, row["pts_s"])) > 0.001 || math.Abs(c.DurationS-num(t, row["duration_s"])) > 0.001 ||
			math.Abs(c.PrerollS-num(t, row["preroll_s"])) > 0.02 || c.PID != int(num(t, row["pid"])) {
			t.Errorf("cue %+v, want %v", c, row)
		}
	}
	if len(r.Programs) != 1 || r.Programs[0].ServiceName == nil || *r.Programs[0].ServiceName != "Service01" || *r.Programs[0].ProviderName != "FFmpeg" {
		t.Errorf("programs %+v: want service_name Service01 from FFmpeg", r.Programs)
	}
	if r.NullPacketPct == nil || len(r.PIDHistory) == 0 || r.TR101290["crc_error"] != 1 {
		t.Errorf("null_packet_pct %v, pid_history %v, crc_error %d", r.NullPacketPct, r.PIDHistory, r.TR101290["crc_error"])
	}

	text := run("text")
	for _, s := range []string{"SCTE-35 cues", "splice_insert 101", "OUT of network at 1.000 s for 1.50 s",
		"back IN to network at 2.500 s", "time_signal 201", "Provider Placement Opportunity Start", `service "Service01" from "FFmpeg"`} {
		if !strings.Contains(text, s) {
			t.Errorf("text report lacks %q:\n%s", s, text)
		}
	}
}
