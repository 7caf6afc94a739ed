package media

import (
	"context"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	corpus "github.com/srtscope/srtscope/probe/fixtures"
)

// ffmpegIntegrated runs ffmpeg's own ebur128 over a file, as a second,
// independent measurement, and returns the integrated loudness of its
// summary ("I: -23.0 LUFS").
func ffmpegIntegrated(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostats", "-i", path, "-af", "ebur128", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg ebur128: %v: %s", err, out)
	}
	s := string(out)
	i := strings.LastIndex(s, "Summary:")
	if i < 0 {
		t.Fatalf("no ebur128 summary in %s", out)
	}
	m := regexp.MustCompile(`I:\s+(-?[0-9.]+) LUFS`).FindStringSubmatch(s[i:])
	if m == nil {
		t.Fatalf("no integrated loudness in %s", s[i:])
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestLoudnessCorpus measures the README's loudness fixtures in the
// analyser's single ffmpeg and compares the last reading with the written
// ground truth and with ffmpeg's own ebur128 summary, within 0.5 LU.
func TestLoudnessCorpus(t *testing.T) {
	needFFmpeg(t)
	rows, err := corpus.Table("loudness_pid")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("no loudness rows in probe/testdata/README.md")
	}
	for _, r := range rows {
		t.Run(r["file"], func(t *testing.T) {
			path := corpus.Path(r["file"])
			var mu sync.Mutex
			last := map[uint16]Loudness{}
			n := 0
			_, err := AnalyseFile(context.Background(), path, Config{OnLoudness: func(l Loudness) {
				mu.Lock()
				last[l.PID] = l
				n++
				mu.Unlock()
			}})
			if err != nil {
				t.Fatal(err)
			}
			pid := uint16(readmeNum(t, r["loudness_pid"]))
			got, ok := last[pid]
			if !ok {
				t.Fatalf("no loudness for PID %d (got %+v)", pid, last)
			}
			if n < 20 {
				t.Errorf("%d loudness readings, want about 10 a second", n)
			}
			ref := ffmpegIntegrated(t, path)
			t.Logf("PID %d: analyser I %.2f LUFS, LRA %.2f LU, true peak %.2f dBTP, M max %.2f LUFS; ffmpeg ebur128 summary I %.1f LUFS",
				pid, got.IntegratedLUFS, got.RangeLU, got.TruePeakDBTP, got.MomentaryMaxLUFS, ref)
			for _, c := range []struct {
				what      string
				got, want float64
			}{
				{"integrated vs ffmpeg's summary", got.IntegratedLUFS, ref},
				{"integrated vs README", got.IntegratedLUFS, readmeNum(t, r["integrated_lufs"])},
				{"range vs README", got.RangeLU, readmeNum(t, r["range_lu"])},
				{"true peak vs README", got.TruePeakDBTP, readmeNum(t, r["true_peak_dbtp"])},
				{"momentary max vs integrated (steady tone)", got.MomentaryMaxLUFS, got.IntegratedLUFS},
			} {
				if math.Abs(c.got-c.want) > 0.5 {
					t.Errorf("%s: %.2f, want %.2f ±0.5", c.what, c.got, c.want)
				}
			}
		})
	}
}

func TestR128Parse(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []Loudness
	}{
		{"readings per frame, -inf floored, maxima kept", []string{
			"[ametadata@a257 @ 0x1] frame:0    pts:0       pts_time:0",
			"[ametadata@a257 @ 0x1] lavfi.r128.M=-inf",
			"[ametadata@a257 @ 0x1] lavfi.r128.S=-120.691",
			"[ametadata@a257 @ 0x1] lavfi.r128.I=-70.000",
			"[ametadata@a257 @ 0x1] lavfi.r128.LRA=0.000",
			"[ametadata@a257 @ 0x1] lavfi.r128.true_peak=0.5",
			"[ametadata@a257 @ 0x1] frame:1    pts:4800    pts_time:0.1",
			"[ametadata@a257 @ 0x1] lavfi.r128.M=-20.000",
			"[ametadata@a257 @ 0x1] lavfi.r128.S=-21.000",
			"[ametadata@a257 @ 0x1] lavfi.r128.I=-22.000",
			"[ametadata@a257 @ 0x1] lavfi.r128.LRA=1.500",
			"[ametadata@a257 @ 0x1] lavfi.r128.true_peak=0.25",
			"[ametadata@a257 @ 0x1] frame:2    pts:9600    pts_time:0.2",
			"[ametadata@a257 @ 0x1] lavfi.r128.M=-30.000",
		}, []Loudness{
			{PID: 257, TimeS: 0, MomentaryLUFS: LoudnessFloorLUFS, ShortTermLUFS: -120.691, IntegratedLUFS: -70, RangeLU: 0, TruePeakDBTP: dB(0.5), MomentaryMaxLUFS: LoudnessFloorLUFS},
			{PID: 257, TimeS: 0.1, MomentaryLUFS: -20, ShortTermLUFS: -21, IntegratedLUFS: -22, RangeLU: 1.5, TruePeakDBTP: dB(0.5), MomentaryMaxLUFS: -20},
			{PID: 257, TimeS: 0.2, MomentaryLUFS: -30, ShortTermLUFS: -21, IntegratedLUFS: -22, RangeLU: 1.5, TruePeakDBTP: dB(0.5), MomentaryMaxLUFS: -20},
		}},
		{"a key of an unknown chain is ignored", []string{
			"[Parsed_ebur128_0 @ 0x1] lavfi.r128.M=-20.000",
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Loudness
			p := newOutputParser(Config{}.withDefaults(), 256, nil, nil)
			p.loudness = func(l Loudness) { got = append(got, l) }
			for _, l := range tt.lines {
				p.line(l)
			}
			p.finish()
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("reading %d: got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
