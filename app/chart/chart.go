// Package chart builds srtscope's four session charts with gonum/plot: RTT,
// lost/recovered/dropped packets per second, bitrate, and latency headroom
// (latency as a multiple of RTT). The same builder serves the live views
// (rendered into an image.Image with vgimg) and the reports (PDF with vgpdf,
// SVG with vgsvg). It never imports Fyne.
package chart

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"sort"
	"strconv"
	"time"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/srtscope/srtscope/app/guidance"
	"github.com/srtscope/srtscope/session"
)

// Kind names one of the four charts.
type Kind int

// The four charts, in the order screens and reports show them.
const (
	RTT Kind = iota
	Packets
	Bitrate
	Latency
)

// Kinds lists every chart in display order.
var Kinds = []Kind{RTT, Packets, Bitrate, Latency}

// The receiver-detail charts, which need the arrival tap's figures
// (reports show them after Kinds when HasReceiverDetail).
const (
	Buffer Kind = Latency + 1 + iota // receive buffer level against the latency
	Margin                           // recovery margins of retransmitted packets
)

// ReceiverKinds lists the receiver-detail charts in display order.
var ReceiverKinds = []Kind{Buffer, Margin}

// HasReceiverDetail reports whether samples carry the arrival tap's
// receiver detail (a receive-buffer level or a recovery margin).
func HasReceiverDetail(samples []session.Sample) bool {
	for _, s := range samples {
		if s.RcvBufMs > 0 || s.RecoveryMarginMinMs != nil {
			return true
		}
	}
	return false
}

// Title returns the chart's title in plain words.
func (k Kind) Title() string {
	switch k {
	case RTT:
		return "Round-trip time (RTT)"
	case Packets:
		return "Packets lost, recovered and dropped per second"
	case Bitrate:
		return "Received bitrate"
	case Latency:
		return "Latency headroom: latency ÷ RTT"
	case Buffer:
		return "Receive buffer: data waiting to play"
	case Margin:
		return "Recovery margin: time left when a retransmission arrived"
	}
	return fmt.Sprintf("chart %d", int(k))
}

// String returns a short identifier (rtt, packets, bitrate, latency).
func (k Kind) String() string {
	switch k {
	case RTT:
		return "rtt"
	case Packets:
		return "packets"
	case Bitrate:
		return "bitrate"
	case Latency:
		return "latency"
	case Buffer:
		return "buffer"
	case Margin:
		return "margin"
	}
	return fmt.Sprintf("chart%d", int(k))
}

// Window is the time span a chart shows. A zero From or To means the first
// or last sample.
type Window struct {
	From, To time.Time
}

// Last returns the window covering the d before end.
func Last(d time.Duration, end time.Time) Window { return Window{From: end.Add(-d), To: end} }

// Options tune the look of a chart.
type Options struct {
	// MaxPoints bounds the points drawn per series (min/max decimation keeps
	// spikes visible); 0 means 1200.
	MaxPoints int
	// NoTitle leaves the title out (a report may print it itself).
	NoTitle bool
	// Theme gives the colours; nil means PrintTheme (reports, PDF, SVG).
	// The live view passes colours taken from its UI theme.
	Theme *Theme
	// GuideLoss, when set, is the loss the latency chart's guidance line
	// is advised for: the live view passes the header's (this connection's)
	// so both show the same multiple. Nil means the session's loss up to
	// the last sample shown, as reports summarise it. Either way the
	// line's label names the span.
	GuideLoss *guidance.Loss
}

// Theme is the colours of a chart as plain colour values, so that the
// live view can follow its UI theme (dark or light) while this package
// stays free of Fyne.
type Theme struct {
	Background color.Color // behind the whole chart
	Foreground color.Color // title, axis labels, tick labels, legend text
	Axis       color.Color // axis and tick lines
	Grid       color.Color // grid lines
	Guide      color.Color // the advised multiple
	OffAir     color.Color // the band where the feed was off air (translucent)

	RTT, Lost, Recovered, Dropped, Bitrate, Headroom color.Color
}

// PrintTheme is the light look of reports and prints: dark text on white.
var PrintTheme = Theme{
	Background: color.White,
	Foreground: color.Black,
	Axis:       color.Gray{Y: 0x70},
	Grid:       color.Gray{Y: 0xe4},
	Guide:      ColorGuide,
	OffAir:     ColorOffAir,
	RTT:        ColorRTT, Lost: ColorLost, Recovered: ColorRecovered, Dropped: ColorDropped,
	Bitrate: ColorBitrate, Headroom: ColorHeadroom,
}

// ScreenTheme is the theme for a screen whose background, text and grid
// colours are given (from the UI theme): on a dark background the series
// take lighter shades of the same hues so that they keep their contrast.
func ScreenTheme(background, foreground, grid color.Color) Theme {
	t := PrintTheme
	t.Background, t.Foreground, t.Grid = background, foreground, grid
	t.Axis = mix(foreground, background, 0.45)
	if !IsDark(background) {
		return t
	}
	t.RTT = color.RGBA{R: 0x5b, G: 0x9b, B: 0xff, A: 0xff}
	t.Lost = color.RGBA{R: 0xff, G: 0xb3, B: 0x3b, A: 0xff}
	t.Recovered = color.RGBA{R: 0x4c, G: 0xc9, B: 0x7f, A: 0xff}
	t.Dropped = color.RGBA{R: 0xff, G: 0x5a, B: 0x5f, A: 0xff}
	t.Bitrate = color.RGBA{R: 0xb3, G: 0x8c, B: 0xf0, A: 0xff}
	t.Headroom = color.RGBA{R: 0x2e, G: 0xc4, B: 0xc8, A: 0xff}
	t.Guide = color.Gray{Y: 0xb0}
	t.OffAir = color.NRGBA{R: 0xff, G: 0x5a, B: 0x5f, A: 0x38}
	return t
}

// IsDark reports whether c is a dark colour (relative luminance below
// one half).
func IsDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return 0.2126*float64(r)+0.7152*float64(g)+0.0722*float64(b) < 0.5*0xffff
}

// mix blends a and b, f of a.
func mix(a, b color.Color, f float64) color.Color {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	m := func(x, y uint32) uint8 { return uint8((f*float64(x) + (1-f)*float64(y)) / 0x101) }
	return color.RGBA{R: m(ar, br), G: m(ag, bg), B: m(ab, bb), A: 0xff}
}

// Colours shared by every chart, picked to stay distinct for colour-blind
// readers and on grey-scale prints.
var (
	ColorRTT       = color.RGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0xff}
	ColorLost      = color.RGBA{R: 0xe6, G: 0x8a, B: 0x00, A: 0xff}
	ColorRecovered = color.RGBA{R: 0x2a, G: 0x9d, B: 0x5c, A: 0xff}
	ColorDropped   = color.RGBA{R: 0xd0, G: 0x21, B: 0x2a, A: 0xff}
	ColorBitrate   = color.RGBA{R: 0x6a, G: 0x3d, B: 0x9a, A: 0xff}
	ColorHeadroom  = color.RGBA{R: 0x00, G: 0x7c, B: 0x80, A: 0xff}
	ColorOffAir    = color.NRGBA{R: 0xd0, G: 0x21, B: 0x2a, A: 0x30} // not premultiplied: translucent
	ColorGuide     = color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
)

// ErrEmpty is returned when there is nothing to draw a chart from.
var ErrEmpty = errors.New("chart: no samples in the window")

// point is one (time, value) pair; x is seconds since the Unix epoch.
type point struct{ x, y float64 }

// series is a named, coloured list of segments (breaks where the feed was
// off air), drawn as lines.
type series struct {
	name     string
	color    color.Color
	segments [][]point
	order    int     // draw order: higher lies on top
	width    float64 // line width in points; 0 means 1.2
	dots     bool    // a dot per point instead of lines (values seen now and then)
}

// Build returns the chart of kind k for the samples in w. It returns
// ErrEmpty (with a usable, empty plot) when no sample falls in w.
func Build(k Kind, samples []session.Sample, w Window, o Options) (*plot.Plot, error) {
	samples = clip(samples, w)
	if o.MaxPoints <= 0 {
		o.MaxPoints = 1200
	}
	th := PrintTheme
	if o.Theme != nil {
		th = *o.Theme
	}
	p := plot.New()
	style(p, th)
	if !o.NoTitle {
		p.Title.Text = k.Title()
	}
	p.Y.Min = 0
	from, to := span(samples, w)
	p.X.Min, p.X.Max = secs(from), secs(to)
	if p.X.Max <= p.X.Min {
		p.X.Max = p.X.Min + 1
	}
	loc := time.Local
	if len(samples) > 0 {
		loc = samples[0].Time.Location()
	}
	p.X.Tick.Marker = clockTicks{loc: loc}
	p.Y.Tick.Marker = decimalTicks{}
	band := offAir{spans: offAirSpans(samples, to), color: th.OffAir}
	p.Add(band)

	var all []series
	var guides []guide
	switch k {
	case RTT:
		p.Y.Label.Text = "ms"
		all = []series{{name: "RTT", color: th.RTT, segments: values(samples, func(s session.Sample) float64 { return s.RTTMs })}}
	case Packets:
		p.Y.Label.Text = "packets/s"
		lost, rec, drop := rates(samples)
		// Recovered is drawn first, wide, so that lost (which equals it
		// while nothing is dropped) stays visible on top of it; dropped,
		// what viewers lose, is drawn last.
		all = []series{
			{name: "lost (detected missing)", color: th.Lost, segments: lost, order: 1},
			{name: "recovered (retransmitted in time)", color: th.Recovered, segments: rec, order: 0, width: 4},
			{name: "dropped (not delivered in time)", color: th.Dropped, segments: drop, order: 2},
		}
	case Bitrate:
		p.Y.Label.Text = "Mbit/s"
		all = []series{{name: "received", color: th.Bitrate, segments: values(samples, func(s session.Sample) float64 { return s.RecvMbps })}}
	case Latency:
		p.Y.Label.Text = "× RTT"
		all = []series{{name: "latency ÷ RTT", color: th.Headroom, segments: values(samples, func(s session.Sample) float64 {
			if s.RTTMultiplier > 0 {
				return s.RTTMultiplier
			}
			if s.RTTMs > 0 {
				return float64(s.LatencyMs) / s.RTTMs
			}
			return math.NaN()
		})}}
		guides = []guide{adviceGuide(samples, o.GuideLoss)}
	case Buffer:
		p.Y.Label.Text = "ms"
		all = []series{{name: "receive buffer (msRcvBuf)", color: th.Bitrate, segments: values(samples, func(s session.Sample) float64 { return s.RcvBufMs })}}
		if l := maxLatency(samples); l > 0 {
			guides = []guide{{y: float64(l), name: fmt.Sprintf("latency %d ms", l), dash: true}}
		}
	case Margin:
		p.Y.Label.Text = "ms"
		margin := func(m func(session.Sample) *float64) [][]point {
			return values(samples, func(s session.Sample) float64 {
				if v := m(s); v != nil {
					return *v
				}
				return math.NaN()
			})
		}
		all = []series{
			{name: "5th percentile", color: th.Lost, segments: margin(func(s session.Sample) *float64 { return s.RecoveryMarginP5Ms }), dots: true},
			{name: "smallest (below 0: played late)", color: th.Dropped, segments: margin(func(s session.Sample) *float64 { return s.RecoveryMarginMinMs }), dots: true, order: 1},
		}
		for _, s := range all {
			for _, seg := range s.segments {
				for _, pt := range seg {
					p.Y.Min = math.Min(p.Y.Min, pt.y*1.1)
				}
			}
		}
	default:
		return nil, fmt.Errorf("chart: unknown chart kind %d", int(k))
	}

	ymax := 0.0
	for _, s := range all {
		for _, seg := range s.segments {
			for _, pt := range seg {
				ymax = math.Max(ymax, pt.y)
			}
		}
	}
	for _, g := range guides {
		ymax = math.Max(ymax, g.y)
	}
	withLegend := len(all) > 1 || len(guides) > 0 || len(band.spans) > 0
	switch {
	case ymax <= 0:
		ymax = 1
	case withLegend:
		ymax *= 1.45 // room for the legend in the top right corner
	default:
		ymax *= 1.15
	}
	p.Y.Max = ymax

	for _, g := range guides {
		l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: g.y}, {X: p.X.Max, Y: g.y}})
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		l.Color = th.Guide
		l.Width = vg.Points(1)
		if g.dash {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(flat{l})
		p.Legend.Add(g.name, l)
	}
	firsts := make([]*plotter.Line, len(all))
	dots := make([]*plotter.Scatter, len(all))
	for _, i := range drawOrder(all) {
		s := all[i]
		width := vg.Points(1.2)
		if s.width > 0 {
			width = vg.Points(s.width)
		}
		if s.dots {
			var xys plotter.XYs
			for _, seg := range s.segments {
				for _, pt := range decimate(seg, o.MaxPoints) {
					xys = append(xys, plotter.XY{X: pt.x, Y: pt.y})
				}
			}
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, fmt.Errorf("chart: %s: %w", s.name, err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: s.color, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
			p.Add(sc)
			dots[i] = sc
			continue
		}
		var first *plotter.Line
		for _, seg := range s.segments {
			seg = decimate(seg, o.MaxPoints)
			// The raster back end slows down sharply with the length of
			// one stroked path, so long lines are drawn in short pieces
			// that share their end points.
			for lo := 0; lo < len(seg); lo += chunk - 1 {
				hi := min(lo+chunk, len(seg))
				xys := make(plotter.XYs, hi-lo)
				for i, pt := range seg[lo:hi] {
					xys[i] = plotter.XY{X: pt.x, Y: pt.y}
				}
				l, err := plotter.NewLine(xys)
				if err != nil {
					return nil, fmt.Errorf("chart: %s: %w", s.name, err)
				}
				l.Color = s.color
				l.Width = width
				p.Add(flat{l})
				if first == nil {
					first = l
				}
				if hi == len(seg) {
					break
				}
			}
		}
		if first == nil { // keep the legend complete when a series is empty
			first = &plotter.Line{LineStyle: draw.LineStyle{Color: s.color, Width: width}}
		}
		firsts[i] = first
	}
	if withLegend {
		if len(all) > 1 || len(guides) > 0 {
			for i, s := range all {
				if dots[i] != nil {
					p.Legend.Add(s.name, dots[i])
				} else {
					p.Legend.Add(s.name, firsts[i])
				}
			}
		}
		if len(band.spans) > 0 {
			p.Legend.Add(OffAirLabel, band)
		}
	}
	if len(samples) == 0 {
		return p, ErrEmpty
	}
	return p, nil
}

// maxLatency is the largest negotiated latency among samples, in ms.
func maxLatency(samples []session.Sample) int {
	l := 0
	for _, s := range samples {
		l = max(l, s.LatencyMs)
	}
	return l
}

// flat draws a line without asking the plot for room at its ends (a
// plotter.Line's glyph boxes would), so that lines of any width leave
// every chart's plotting area the same and the four stay aligned.
type flat struct{ l *plotter.Line }

// Plot implements plot.Plotter.
func (f flat) Plot(c draw.Canvas, p *plot.Plot) { f.l.Plot(c, p) }

// OffAirLabel is the legend entry of the shaded band.
const OffAirLabel = "off air (not connected)"

// drawOrder returns the indexes of all in the order their lines are drawn
// (by order, then as listed): later lines lie on top.
func drawOrder(all []series) []int {
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return all[idx[a]].order < all[idx[b]].order })
	return idx
}

// chunk is the most points stroked as one path.
const chunk = 32

// adviceGuide is the SRT guide's multiplier (app/guidance) for the loss
// given (the live view's header loss), or else for the loss over the
// session up to the last sample shown: the counters are cumulative over
// the session, so the last sample's cover everything before it.
func adviceGuide(samples []session.Sample, given *guidance.Loss) guide {
	var loss guidance.Loss
	switch n := len(samples); {
	case given != nil:
		loss = *given
	case n > 0:
		loss = guidance.SessionLoss(samples[n-1])
	default:
		loss = guidance.NewLoss(guidance.SpanSession, 0, 0, 0)
	}
	r := guidance.For(loss.Pct)
	return guide{y: float64(r.Multiplier), name: fmt.Sprintf("%d× RTT advised for %s", r.Multiplier, loss), dash: true}
}

// Guide returns the latency chart's guidance line for samples and o: the
// advised multiple of RTT and its legend label (which names the loss and
// its span).
func Guide(samples []session.Sample, o Options) (multiplier int, label string) {
	g := adviceGuide(samples, o.GuideLoss)
	return int(g.y), g.name
}

type guide struct {
	y    float64
	name string
	dash bool
}

// style applies srtscope's look in th's colours: light grid, small
// fonts, legend top right.
func style(p *plot.Plot, th Theme) {
	p.BackgroundColor = th.Background
	p.Title.TextStyle.Color = th.Foreground
	p.Legend.TextStyle.Color = th.Foreground
	p.Title.TextStyle.Font.Variant = "Sans"
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.Title.TextStyle.Font.Weight = xfont.WeightBold
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Variant = "Sans"
		a.Label.TextStyle.Font.Size = vg.Points(9)
		a.Tick.Label.Font.Variant = "Sans"
		a.Tick.Label.Font.Size = vg.Points(8)
		a.Label.TextStyle.Color = th.Foreground
		a.Tick.Label.Color = th.Foreground
		a.Color = th.Axis
		a.Tick.Color = th.Axis
		a.Padding = vg.Points(2)
	}
	p.Legend.TextStyle.Font.Variant = "Sans"
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = vg.Points(16)
	p.Legend.Padding = vg.Points(1)
	p.Legend.XOffs = -vg.Points(6)
	p.Legend.YOffs = -vg.Points(4)
	g := plotter.NewGrid()
	g.Vertical.Color = th.Grid
	g.Horizontal.Color = th.Grid
	p.Add(g)
}

func secs(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// clip returns the samples inside w (they are assumed in time order).
func clip(samples []session.Sample, w Window) []session.Sample {
	lo, hi := 0, len(samples)
	if !w.From.IsZero() {
		lo = sort.Search(len(samples), func(i int) bool { return !samples[i].Time.Before(w.From) })
	}
	if !w.To.IsZero() {
		hi = sort.Search(len(samples), func(i int) bool { return samples[i].Time.After(w.To) })
	}
	if lo >= hi {
		return nil
	}
	return samples[lo:hi]
}

func span(samples []session.Sample, w Window) (from, to time.Time) {
	from, to = w.From, w.To
	if from.IsZero() && len(samples) > 0 {
		from = samples[0].Time
	}
	if to.IsZero() && len(samples) > 0 {
		to = samples[len(samples)-1].Time
	}
	if from.IsZero() {
		from = time.Now()
	}
	if to.IsZero() || to.Before(from) {
		to = from
	}
	return from, to
}

// interval estimates the sampling interval (median gap), 1 s when unknown.
func interval(samples []session.Sample) float64 {
	if len(samples) < 2 {
		return 1
	}
	n := min(len(samples)-1, 64)
	gaps := make([]float64, 0, n)
	for i := 1; i <= n; i++ {
		gaps = append(gaps, samples[i].Time.Sub(samples[i-1].Time).Seconds())
	}
	sort.Float64s(gaps)
	if g := gaps[len(gaps)/2]; g > 0 {
		return g
	}
	return 1
}

// connected reports whether a sample carries live figures.
func connected(s session.Sample) bool { return s.State == session.StateConnected || s.State == "" }

// values splits samples into connected runs and maps each to a value.
// A gap of more than 3 sampling intervals also breaks a run.
func values(samples []session.Sample, f func(session.Sample) float64) [][]point {
	maxGap := 3 * interval(samples)
	var out [][]point
	var cur []point
	var prev time.Time
	for _, s := range samples {
		v := f(s)
		if !connected(s) || math.IsNaN(v) || math.IsInf(v, 0) || (!prev.IsZero() && s.Time.Sub(prev).Seconds() > maxGap) {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			if !connected(s) {
				prev = time.Time{}
				continue
			}
		}
		prev = s.Time
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			cur = append(cur, point{secs(s.Time), v})
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// delta returns b-a for a cumulative counter, 0 when it went backwards.
func delta(a, b uint64) float64 {
	if b < a {
		return 0
	}
	return float64(b - a)
}

// Rates returns per-second lost, recovered (lost but retransmitted in time)
// and dropped packet rates between consecutive connected samples.
func rates(samples []session.Sample) (lost, recovered, dropped [][]point) {
	maxGap := 3 * interval(samples)
	var cl, cr, cd []point
	flush := func() {
		if len(cl) > 0 {
			lost, recovered, dropped = append(lost, cl), append(recovered, cr), append(dropped, cd)
		}
		cl, cr, cd = nil, nil, nil
	}
	for i := 1; i < len(samples); i++ {
		a, b := samples[i-1], samples[i]
		dt := b.Time.Sub(a.Time).Seconds()
		if !connected(a) || !connected(b) || dt <= 0 || dt > maxGap {
			flush()
			continue
		}
		l := delta(a.PktsLost, b.PktsLost) / dt
		d := delta(a.PktsDropped, b.PktsDropped) / dt
		r := math.Max(0, l-d)
		x := secs(b.Time)
		cl, cr, cd = append(cl, point{x, l}), append(cr, point{x, r}), append(cd, point{x, d})
	}
	flush()
	return lost, recovered, dropped
}

// decimate keeps at most about limit points, keeping each bucket's minimum
// and maximum in time order so that spikes stay visible.
func decimate(pts []point, limit int) []point {
	if len(pts) <= limit || limit < 4 {
		return pts
	}
	buckets := limit / 2
	out := make([]point, 0, buckets*2)
	size := float64(len(pts)) / float64(buckets)
	for b := 0; b < buckets; b++ {
		lo, hi := int(float64(b)*size), int(float64(b+1)*size)
		if hi > len(pts) {
			hi = len(pts)
		}
		if lo >= hi {
			continue
		}
		mi, ma := lo, lo
		for i := lo; i < hi; i++ {
			if pts[i].y < pts[mi].y {
				mi = i
			}
			if pts[i].y > pts[ma].y {
				ma = i
			}
		}
		switch {
		case mi == ma:
			out = append(out, pts[mi])
		case mi < ma:
			out = append(out, pts[mi], pts[ma])
		default:
			out = append(out, pts[ma], pts[mi])
		}
	}
	return out
}

// offAirSpans returns the [start, end] times (seconds) where the feed was not
// connected, including gaps with no samples at all; a span still open at the
// last sample runs to to.
func offAirSpans(samples []session.Sample, to time.Time) [][2]float64 {
	var out [][2]float64
	maxGap := 3 * interval(samples)
	start := -1.0
	for i, s := range samples {
		x := secs(s.Time)
		if !connected(s) {
			if start < 0 {
				start = x
				if i > 0 {
					start = secs(samples[i-1].Time)
				}
			}
			continue
		}
		if start >= 0 {
			out = append(out, [2]float64{start, x})
			start = -1
		} else if i > 0 && x-secs(samples[i-1].Time) > maxGap {
			out = append(out, [2]float64{secs(samples[i-1].Time), x})
		}
	}
	if start >= 0 {
		out = append(out, [2]float64{start, secs(to)})
	}
	return out
}

// offAir shades the spans where the feed was off air.
type offAir struct {
	spans [][2]float64
	color color.Color
}

// Plot implements plot.Plotter.
func (o offAir) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	c.SetColor(o.color)
	for _, s := range o.spans {
		x0, x1 := trX(math.Max(s[0], p.X.Min)), trX(math.Min(s[1], p.X.Max))
		if x1 <= x0 {
			continue
		}
		var path vg.Path
		path.Move(vg.Point{X: x0, Y: c.Min.Y})
		path.Line(vg.Point{X: x1, Y: c.Min.Y})
		path.Line(vg.Point{X: x1, Y: c.Max.Y})
		path.Line(vg.Point{X: x0, Y: c.Max.Y})
		path.Close()
		c.Fill(path)
	}
}

// Thumbnail implements plot.Thumbnailer: the legend shows the band.
func (o offAir) Thumbnail(c *draw.Canvas) {
	c.SetColor(o.color)
	c.Fill(c.Path())
}

// decimalTicks is gonum's default value ticks with every label written
// with the same, fewest decimals that show each value exactly ("0.0 0.5
// 1.0", "0 25", not "0 0.5 1" nor "0.00 25.00").
type decimalTicks struct{}

// Ticks implements plot.Ticker.
func (decimalTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	decimals := 0
	for _, t := range ticks {
		if t.Label == "" {
			continue
		}
		for decimals < 3 {
			scaled := t.Value * math.Pow10(decimals)
			if math.Abs(scaled-math.Round(scaled)) < 1e-6*math.Max(1, math.Abs(scaled)) {
				break
			}
			decimals++
		}
	}
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'f', decimals, 64)
		}
	}
	return ticks
}

// AlignY gives the plots the same left-axis width (tick labels of
// different widths would not), so that plots of the same width drawn one
// beside or under the other have their plotting areas lined up. Call it
// after Build, before drawing.
func AlignY(plots ...*plot.Plot) {
	widths := make([]vg.Length, len(plots))
	var widest vg.Length
	for i, p := range plots {
		if p == nil {
			continue
		}
		for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
			if t.Label != "" {
				widths[i] = max(widths[i], p.Y.Tick.Label.Width(t.Label))
			}
		}
		widest = max(widest, widths[i])
	}
	for i, p := range plots {
		if p != nil {
			p.Y.Padding += widest - widths[i]
		}
	}
}

// PlotArea returns where p draws its data in a width x height pixel image
// (as Image renders it), in pixels from the top left.
func PlotArea(p *plot.Plot, width, height int) image.Rectangle {
	c := draw.New(vgimg.NewWith(vgimg.UseWH(vg.Length(width)*72/96, vg.Length(height)*72/96), vgimg.UseDPI(96)))
	dc := p.DataCanvas(c)
	px := func(l vg.Length) int { return int(math.Round(float64(l) * 96 / 72)) }
	return image.Rect(px(dc.Min.X), height-px(dc.Max.Y), px(dc.Max.X), height-px(dc.Min.Y))
}

// clockTicks labels a time axis (seconds since the epoch) with wall-clock
// times at round steps.
type clockTicks struct{ loc *time.Location }

var tickSteps = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400}

// Ticks implements plot.Ticker.
func (c clockTicks) Ticks(lo, hi float64) []plot.Tick {
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if (hi-lo)/s <= 7 {
			step = s
			break
		}
	}
	format := "15:04"
	if step < 60 {
		format = "15:04:05"
	}
	_, off := time.Unix(int64(lo), 0).In(c.loc).Zone()
	o := float64(off)
	var ticks []plot.Tick
	for x := math.Ceil((lo+o)/step)*step - o; x <= hi; x += step {
		t := time.Unix(0, int64(x*1e9)).In(c.loc)
		ticks = append(ticks, plot.Tick{Value: x, Label: t.Format(format)})
	}
	return ticks
}

// Image renders p into a width x height pixel image (the theme's
// background).
func Image(p *plot.Plot, width, height int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	c := vgimg.NewWith(vgimg.UseImage(img), vgimg.UseDPI(96))
	p.Draw(draw.New(c))
	return c.Image()
}

// WriteSVG writes p as an SVG document of the given size.
func WriteSVG(w io.Writer, p *plot.Plot, width, height vg.Length) error {
	c := vgsvg.New(width, height)
	p.Draw(draw.New(c))
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("chart: writing SVG: %w", err)
	}
	return nil
}

// WritePDF writes p as a one-page PDF document of the given size.
func WritePDF(w io.Writer, p *plot.Plot, width, height vg.Length) error {
	c := vgpdf.New(width, height)
	// vgpdf registers every font under the regular style, so a bold face
	// makes it fail with "undefined font": draw the title regular here.
	weight := p.Title.TextStyle.Font.Weight
	p.Title.TextStyle.Font.Weight = xfont.WeightNormal
	p.Draw(draw.New(c))
	p.Title.TextStyle.Font.Weight = weight
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("chart: writing PDF: %w", err)
	}
	return nil
}

// Images builds and renders all four charts of one feed, each width x height
// pixels, for the live view. Charts with no samples are drawn empty.
func Images(samples []session.Sample, w Window, width, height int) ([]image.Image, error) {
	out := make([]image.Image, 0, len(Kinds))
	plots := make([]*plot.Plot, 0, len(Kinds))
	for _, k := range Kinds {
		p, err := Build(k, samples, w, Options{})
		if err != nil && !errors.Is(err, ErrEmpty) {
			return nil, err
		}
		plots = append(plots, p)
	}
	AlignY(plots...)
	for _, p := range plots {
		out = append(out, Image(p, width, height))
	}
	return out, nil
}
