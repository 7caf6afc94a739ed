package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/probe/fixtures"
)

// TestInspectFileLoudness: `inspect` of the loudness fixture prints the
// EBU R128 summary under the contract's names in JSON and in words in
// text; the integrated value agrees with the README and with ffmpeg's own
// ebur128 summary within 0.5 LU, and the short dropouts of short_gaps.ts
// are events.
func TestInspectFileLoudness(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH")
	}
	run := func(file, format string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		code := Run(ctx, []string{"inspect", fixtures.Path(file), "--format", format}, IO{Stdout: &out, Stderr: &errOut})
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		return out.String()
	}
	ffOut, err := exec.Command("ffmpeg", "-hide_banner", "-nostats", "-i", fixtures.Path("tone_23lufs.ts"), "-af", "ebur128", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, ffOut)
	}
	s := string(ffOut)
	m := regexp.MustCompile(`I:\s+(-?[0-9.]+) LUFS`).FindStringSubmatch(s[strings.LastIndex(s, "Summary:")+1:])
	if m == nil {
		t.Fatalf("no ebur128 summary: %s", s)
	}
	ref, _ := strconv.ParseFloat(m[1], 64)

	for _, row := range truthRows(t, "loudness_pid", "tone_23lufs.ts") {
		var r struct {
			Loudness []map[string]float64 `json:"loudness"`
		}
		if err := json.Unmarshal([]byte(run("tone_23lufs.ts", "json")), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Loudness) != 1 {
			t.Fatalf("loudness %+v, want one PID", r.Loudness)
		}
		l := r.Loudness[0]
		for _, k := range []string{"pid", "integrated_lufs", "range_lu", "true_peak_dbtp", "momentary_max_lufs"} {
			if _, ok := l[k]; !ok {
				t.Errorf("loudness lacks %q: %v", k, l)
			}
		}
		if l["pid"] != num(t, row["loudness_pid"]) {
			t.Errorf("pid %v, want %s", l["pid"], row["loudness_pid"])
		}
		t.Logf("inspect: integrated %.3f LUFS; ffmpeg ebur128 summary: %.1f LUFS", l["integrated_lufs"], ref)
		if math.Abs(l["integrated_lufs"]-ref) > 0.5 || math.Abs(l["integrated_lufs"]-num(t, row["integrated_lufs"])) > 0.5 {
			t.Errorf("integrated %.2f LUFS, want ffmpeg's %.1f and the README's %s within 0.5 LU", l["integrated_lufs"], ref, row["integrated_lufs"])
		}
	}
	if text := run("tone_23lufs.ts", "text"); !strings.Contains(text, "Loudness (EBU R128)") || !strings.Contains(text, "integrated -23.0 LUFS") {
		t.Errorf("text lacks the loudness summary:\n%s", text)
	}

	var g struct {
		Events []struct {
			Kind   string  `json:"kind"`
			PID    int     `json:"pid"`
			StartS float64 `json:"start_s"`
			EndS   float64 `json:"end_s"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(run("short_gaps.ts", "json")), &g); err != nil {
		t.Fatal(err)
	}
	for _, row := range truthRows(t, "kind", "short_gaps.ts") {
		found := false
		for _, e := range g.Events {
			if e.Kind == row["kind"] && float64(e.PID) == num(t, row["pid"]) &&
				math.Abs(e.StartS-num(t, row["start_s"])) <= mediaTolerance && math.Abs(e.EndS-num(t, row["end_s"])) <= mediaTolerance {
				found = true
			}
		}
		if !found {
			t.Errorf("short_gaps.ts: no %s over [%s, %s] in %+v", row["kind"], row["start_s"], row["end_s"], g.Events)
		}
	}
}
