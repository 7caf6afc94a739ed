package app

import (
	"context"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/srtscope/srtscope/probe/fixtures"
	"github.com/srtscope/srtscope/probe/media"
)

// TestLiveInspectionLoudness feeds the loudness fixture through the live
// inspection (the path of watch --inspect and of a feed, ffmpeg fed on a
// pipe): its report carries the EBU R128 summary of the README's ground
// truth, with the meters' momentary and short-term values.
func TestLiveInspectionLoudness(t *testing.T) {
	if !media.Available() {
		t.Skip("ffmpeg not on PATH")
	}
	rows, err := fixtures.Table("loudness_pid")
	if err != nil || len(rows) == 0 {
		t.Fatalf("no loudness rows in the README: %v", err)
	}
	row := rows[0]
	b, err := os.ReadFile(fixtures.Path(row["file"]))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := NewLiveInspection(ctx, LiveInspectionOptions{Media: media.Config{FromStart: true}})
	defer l.Close()
	for off := 0; off < len(b); off += 188 * 7 {
		if _, err := l.Sink().Write(b[off:min(off+188*7, len(b))]); err != nil {
			t.Fatal(err)
		}
	}
	rep := l.Finish()
	if len(rep.Loudness) != 1 {
		t.Fatalf("loudness %+v, want one audio PID (problems %v)", rep.Loudness, rep.Problems)
	}
	got := rep.Loudness[0]
	want, err := strconv.ParseFloat(row["integrated_lufs"], 64)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.IntegratedLUFS-want) > 0.5 {
		t.Errorf("integrated %.2f LUFS, want %s ±0.5 LU", got.IntegratedLUFS, row["integrated_lufs"])
	}
	if math.Abs(got.ShortTermLUFS-want) > 0.5 || math.Abs(got.MomentaryLUFS-want) > 0.5 {
		t.Errorf("momentary %.2f, short-term %.2f LUFS at the end of a steady tone, want %s", got.MomentaryLUFS, got.ShortTermLUFS, row["integrated_lufs"])
	}
}
