package chart

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/vg"
)

func TestBuildLoudness(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	var pts []LoudnessPoint
	for i := range 30 {
		if i >= 10 && i < 15 {
			continue // a gap breaks the lines
		}
		pts = append(pts, LoudnessPoint{Time: t0.Add(time.Duration(i) * 10 * time.Second), ShortTermLUFS: -20 - float64(i%5), IntegratedLUFS: -22})
	}
	pts = append(pts, LoudnessPoint{Time: t0.Add(300 * time.Second), ShortTermLUFS: -120.7, IntegratedLUFS: -22})
	tests := []struct {
		name    string
		pts     []LoudnessPoint
		w       Window
		wantErr error
	}{
		{"readings with a gap and silence", pts, Window{}, nil},
		{"nothing in the window", pts, Window{From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}, ErrEmpty},
		{"no readings", nil, Window{}, ErrEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := BuildLoudness(tt.pts, -23, tt.w, Options{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if p.Y.Min > loudnessFloorLUFS-1+1e-9 && tt.name == "readings with a gap and silence" {
				t.Errorf("y from %.1f: silence should pull the axis to the floor %.0f", p.Y.Min, loudnessFloorLUFS)
			}
			var buf bytes.Buffer
			if err := WriteSVG(&buf, p, 18*vg.Centimeter, 6*vg.Centimeter); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Loudness (EBU R128)", "target -23 LUFS", "short-term (3 s)", "integrated"} {
				if !strings.Contains(buf.String(), want) {
					t.Errorf("SVG lacks %q", want)
				}
			}
		})
	}
}
