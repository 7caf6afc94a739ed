package media

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/srtscope/srtscope/probe"
	corpus "github.com/srtscope/srtscope/probe/fixtures"
)

// corpusTolerance is how far a reported span may be from the ground truth
// of probe/testdata/README.md, in seconds, on each end (issue 16).
const corpusTolerance = 0.25

func readmeNum(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad number %q in probe/testdata/README.md", s)
	}
	return v
}

// TestCorpusMediaEvents checks the analysers against the media events of
// the committed corpus: every span of the README's table is found, with
// ffmpeg (all kinds) and from the bitstream alone (silence), and the spans
// the README says must not be black (the fade of short_gaps.ts) are not.
func TestCorpusMediaEvents(t *testing.T) {
	needFFmpeg(t)
	rows, err := corpus.Table("kind")
	if err != nil {
		t.Fatal(err)
	}
	notBlack, err := corpus.Table("no_black_from_s")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	for _, r := range rows {
		files[r["file"]] = true
	}
	for _, r := range notBlack {
		files[r["file"]] = true
	}
	for file := range files {
		t.Run(file, func(t *testing.T) {
			got, err := AnalyseFile(context.Background(), corpus.Path(file), Config{})
			if err != nil {
				t.Fatal(err)
			}
			bits, err := AnalyseFileBitstream(corpus.Path(file), Config{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if r["file"] != file {
					continue
				}
				want := probe.MediaEvent{Kind: r["kind"], PID: uint16(readmeNum(t, r["pid"])),
					StartS: readmeNum(t, r["start_s"]), EndS: readmeNum(t, r["end_s"])}
				if !hasSpan(got, want) {
					t.Errorf("ffmpeg: no %s on PID %d over [%g, %g] ±%g s in %+v", want.Kind, want.PID, want.StartS, want.EndS, corpusTolerance, got)
				}
				if want.Kind == KindSilence && !hasSpan(bits, want) {
					t.Errorf("bitstream: no silence on PID %d over [%g, %g] ±%g s in %+v", want.PID, want.StartS, want.EndS, corpusTolerance, bits)
				}
			}
			for _, r := range notBlack {
				if r["file"] != file {
					continue
				}
				from, to := readmeNum(t, r["no_black_from_s"]), readmeNum(t, r["no_black_to_s"])
				for _, e := range got {
					if e.Kind == KindBlack && e.EndS > from && e.StartS < to {
						t.Errorf("black over [%g, %g] where the README says none (%s)", e.StartS, e.EndS, r["why"])
					}
				}
			}
		})
	}
}

func hasSpan(got []probe.MediaEvent, want probe.MediaEvent) bool {
	for _, e := range got {
		if e.Kind == want.Kind && e.PID == want.PID &&
			math.Abs(e.StartS-want.StartS) <= corpusTolerance && math.Abs(e.EndS-want.EndS) <= corpusTolerance {
			return true
		}
	}
	return false
}
