package chart

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// LoudnessPoint is one EBU R128 reading of a programme's sound at a wall
// clock time: short-term (3 s) and integrated loudness, in LUFS.
type LoudnessPoint struct {
	Time           time.Time
	ShortTermLUFS  float64
	IntegratedLUFS float64
}

// Colours of the loudness chart.
var (
	ColorShortTerm  = color.RGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0xff}
	ColorIntegrated = color.RGBA{R: 0xe6, G: 0x8a, B: 0x00, A: 0xff}
)

// loudnessFloorLUFS is the bottom of the chart: quieter readings (silence
// reads about -120 LUFS) are drawn there.
const loudnessFloorLUFS = -50.0

// BuildLoudness returns the loudness chart: short-term and integrated
// loudness over w (zero ends: the first and last point), with the target
// as a dashed guide. A gap of more than three reading intervals breaks the
// lines. It returns ErrEmpty (with a usable, empty plot) when no point
// falls in w.
func BuildLoudness(pts []LoudnessPoint, targetLUFS float64, w Window, o Options) (*plot.Plot, error) {
	var in []LoudnessPoint
	for _, pt := range pts {
		if (w.From.IsZero() || !pt.Time.Before(w.From)) && (w.To.IsZero() || !pt.Time.After(w.To)) {
			in = append(in, pt)
		}
	}
	th := PrintTheme
	if o.Theme != nil {
		th = *o.Theme
	}
	p := plot.New()
	style(p, th)
	if !o.NoTitle {
		p.Title.Text = "Loudness (EBU R128)"
	}
	p.Y.Label.Text = "LUFS"
	from, to := w.From, w.To
	if from.IsZero() && len(in) > 0 {
		from = in[0].Time
	}
	if to.IsZero() && len(in) > 0 {
		to = in[len(in)-1].Time
	}
	if from.IsZero() {
		from = time.Now()
	}
	if to.Before(from) {
		to = from
	}
	p.X.Min, p.X.Max = secs(from), secs(to)
	if p.X.Max <= p.X.Min {
		p.X.Max = p.X.Min + 1
	}
	loc := from.Location()
	p.X.Tick.Marker = clockTicks{loc: loc}

	lo, hi := targetLUFS-10, targetLUFS+6
	for _, pt := range in {
		for _, v := range []float64{pt.ShortTermLUFS, pt.IntegratedLUFS} {
			v = math.Max(v, loudnessFloorLUFS)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	p.Y.Min, p.Y.Max = math.Floor(lo)-1, math.Ceil(hi)+6 // room for the legend

	guide, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: targetLUFS}, {X: p.X.Max, Y: targetLUFS}})
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	guide.Color = th.Guide
	guide.Width = vg.Points(1)
	guide.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(guide)
	p.Legend.Add(fmt.Sprintf("target %.0f LUFS", targetLUFS), guide)

	step := 1.0
	if len(in) > 1 {
		step = in[len(in)-1].Time.Sub(in[0].Time).Seconds() / float64(len(in)-1)
	}
	for _, s := range []struct {
		name  string
		color color.Color
		value func(LoudnessPoint) float64
	}{
		{"short-term (3 s)", ColorShortTerm, func(pt LoudnessPoint) float64 { return pt.ShortTermLUFS }},
		{"integrated", ColorIntegrated, func(pt LoudnessPoint) float64 { return pt.IntegratedLUFS }},
	} {
		var segs [][]point
		var cur []point
		for i, pt := range in {
			if i > 0 && pt.Time.Sub(in[i-1].Time).Seconds() > 3*step+1 {
				segs, cur = append(segs, cur), nil
			}
			cur = append(cur, point{x: secs(pt.Time), y: math.Max(s.value(pt), loudnessFloorLUFS)})
		}
		if len(cur) > 0 {
			segs = append(segs, cur)
		}
		var first *plotter.Line
		for _, seg := range segs {
			xys := make(plotter.XYs, len(seg))
			for i, q := range seg {
				xys[i] = plotter.XY{X: q.x, Y: q.y}
			}
			l, err := plotter.NewLine(xys)
			if err != nil {
				return nil, fmt.Errorf("chart: %s: %w", s.name, err)
			}
			l.Color = s.color
			l.Width = vg.Points(1.2)
			p.Add(l)
			if first == nil {
				first = l
			}
		}
		if first == nil {
			first = &plotter.Line{}
			first.Color, first.Width = s.color, vg.Points(1.2)
		}
		p.Legend.Add(s.name, first)
	}
	if len(in) == 0 {
		return p, ErrEmpty
	}
	return p, nil
}
