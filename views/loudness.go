package views

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/media"
)

// The loudness meters' scale, in LUFS; readings below the floor (BS.1770
// gates at -70) show as an empty bar.
const (
	lufsFloor = -60.0
	lufsTop   = 0.0
)

// loudnessTarget is the feed's loudness target and tolerance: the alarm's
// settings, EBU R128's when the feed has none.
func loudnessTarget(v app.FeedView) (target, tol float64) {
	target, tol = v.Spec.Thresholds.LoudnessTargetLUFS, v.Spec.Thresholds.LoudnessToleranceLU
	if target == 0 {
		target = app.DefaultLoudnessTargetLUFS
	}
	if tol <= 0 {
		tol = app.DefaultLoudnessToleranceLU
	}
	return target, tol
}

// loudnessAlarm is the raised too-loud or too-quiet alarm in words, ""
// when neither is.
func loudnessAlarm(v app.FeedView) string {
	for _, a := range v.Alarms {
		if a.Kind == app.AlarmTooLoud || a.Kind == app.AlarmTooQuiet {
			if a.Detail != "" {
				return a.Detail
			}
			return a.Describe()
		}
	}
	return ""
}

// lufsColour is a reading's colour against the target: green within the
// tolerance, amber outside it (the loudness alarms are amber), the idle
// grey when there is no programme to measure.
func lufsColour(lufs, target, tol float64) color.Color {
	switch {
	case math.IsInf(lufs, 0) || math.IsNaN(lufs) || lufs < -70:
		return colorIdle
	case math.Abs(lufs-target) > tol:
		return colorAmber
	}
	return colorGreen
}

// lufsWords writes a reading with one decimal, "below -70" under the gate.
func lufsWords(lufs float64) string {
	if math.IsInf(lufs, 0) || math.IsNaN(lufs) || lufs < -70 {
		return "below -70"
	}
	return fmt.Sprintf("%.1f", lufs)
}

// lufsBar is a horizontal loudness bar on the -60..0 LUFS scale with the
// target marked as a line and the tolerance band shaded.
type lufsBar struct {
	widget.BaseWidget
	value, target, tol float64
}

func newLUFSBar() *lufsBar {
	b := &lufsBar{value: math.Inf(-1), target: app.DefaultLoudnessTargetLUFS, tol: app.DefaultLoudnessToleranceLU}
	b.ExtendBaseWidget(b)
	return b
}

// set shows a reading against target ± tol; it redraws only on a change.
func (b *lufsBar) set(value, target, tol float64) {
	if b.value == value && b.target == target && b.tol == tol {
		return
	}
	b.value, b.target, b.tol = value, target, tol
	b.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (b *lufsBar) CreateRenderer() fyne.WidgetRenderer {
	r := &lufsBarRenderer{b: b,
		back:   canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)),
		band:   canvas.NewRectangle(color.NRGBA{R: 0x2e, G: 0xb8, B: 0x5c, A: 0x40}),
		fill:   canvas.NewRectangle(colorGreen),
		target: canvas.NewRectangle(theme.Color(theme.ColorNameForeground)),
	}
	r.objects = []fyne.CanvasObject{r.back, r.band, r.fill, r.target}
	return r
}

type lufsBarRenderer struct {
	b                        *lufsBar
	back, band, fill, target *canvas.Rectangle
	objects                  []fyne.CanvasObject
	size                     fyne.Size
}

func lufsFraction(lufs float64) float32 {
	if math.IsNaN(lufs) {
		return 0
	}
	return float32(max(0, min(1, (lufs-lufsFloor)/(lufsTop-lufsFloor))))
}

func (r *lufsBarRenderer) Destroy()                     {}
func (r *lufsBarRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *lufsBarRenderer) MinSize() fyne.Size           { return fyne.NewSize(120, 14) }

func (r *lufsBarRenderer) Layout(size fyne.Size) {
	r.size = size
	b := r.b
	r.back.Resize(size)
	lo, hi := lufsFraction(b.target-b.tol), lufsFraction(b.target+b.tol)
	r.band.Move(fyne.NewPos(size.Width*lo, 0))
	r.band.Resize(fyne.NewSize(size.Width*(hi-lo), size.Height))
	r.fill.Resize(fyne.NewSize(size.Width*lufsFraction(b.value), size.Height))
	r.target.Move(fyne.NewPos(size.Width*lufsFraction(b.target)-1, -2))
	r.target.Resize(fyne.NewSize(2, size.Height+4))
}

func (r *lufsBarRenderer) Refresh() {
	r.back.FillColor = theme.Color(theme.ColorNameInputBackground)
	r.target.FillColor = theme.Color(theme.ColorNameForeground)
	r.fill.FillColor = lufsColour(r.b.value, r.b.target, r.b.tol)
	r.Layout(r.size)
	for _, o := range r.objects {
		o.Refresh()
	}
}

// loudnessMeter is one audio PID's meters on the media panel: a heading
// with the integrated loudness, range and true peak, then the momentary
// and short-term bars with their readings.
type loudnessMeter struct {
	box          *fyne.Container
	head         *widget.Label
	figures      *widget.Label
	mText, sText *canvas.Text
	m, s         *lufsBar
}

func newLoudnessMeter() *loudnessMeter {
	l := &loudnessMeter{head: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		figures: widget.NewLabel(""), m: newLUFSBar(), s: newLUFSBar()}
	l.head.Wrapping = fyne.TextWrapWord
	l.figures.Wrapping = fyne.TextWrapWord
	l.mText = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	l.sText = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	for _, t := range []*canvas.Text{l.mText, l.sText} {
		t.TextStyle = fyne.TextStyle{Monospace: true}
	}
	// The reading's column is as wide as its longest words, so the bars
	// line up and never push sideways.
	width := fyne.MeasureText("short-term below -70 LUFS", theme.TextSize(), fyne.TextStyle{Monospace: true}).Width + theme.Padding()
	row := func(t *canvas.Text, b *lufsBar) fyne.CanvasObject {
		// Inset as far as the labels' text, so the words line up.
		label := container.New(layout.NewCustomPaddedLayout(0, 0, theme.InnerPadding(), 0),
			container.NewGridWrap(fyne.NewSize(width, t.MinSize().Height+theme.Padding()), t))
		return container.NewBorder(nil, nil, label, nil, b)
	}
	l.box = container.NewVBox(l.head, row(l.mText, l.m), row(l.sText, l.s), l.figures)
	return l
}

// set shows reading r of v's PID (language and codec from the inspection).
func (l *loudnessMeter) set(v app.FeedView, r media.Loudness) {
	target, tol := loudnessTarget(v)
	head := fmt.Sprintf("PID %d", r.PID)
	if s, ok := streamOf(v, r.PID); ok {
		head += " · " + strings.TrimSpace(s.Codec+" "+s.Language)
	}
	head += fmt.Sprintf(" · target %s LUFS ± %s LU", trimFloat(target), trimFloat(tol))
	imp := widget.MediumImportance
	if a := loudnessAlarm(v); a != "" && r.PID == firstLoudnessPID(v) {
		head += " · " + strings.ToUpper(a)
		imp = widget.WarningImportance
	}
	if l.head.Importance != imp {
		l.head.Importance = imp
		l.head.Refresh()
	}
	setIfChanged(l.head, head)
	setIfChanged(l.figures, fmt.Sprintf("integrated %s LUFS · range %.1f LU · true peak %.1f dBTP · momentary max %s LUFS",
		lufsWords(r.IntegratedLUFS), r.RangeLU, max(r.TruePeakDBTP, -99.9), lufsWords(r.MomentaryMaxLUFS)))
	setCanvasText(l.mText, fmt.Sprintf("momentary  %s LUFS", lufsWords(r.MomentaryLUFS)), lufsColour(r.MomentaryLUFS, target, tol))
	setCanvasText(l.sText, fmt.Sprintf("short-term %s LUFS", lufsWords(r.ShortTermLUFS)), lufsColour(r.ShortTermLUFS, target, tol))
	l.m.set(r.MomentaryLUFS, target, tol)
	l.s.set(r.ShortTermLUFS, target, tol)
}

// firstLoudnessPID is the PID the loudness alarms watch (the first
// reading, by PID), 0 when none.
func firstLoudnessPID(v app.FeedView) uint16 {
	if len(v.Loudness) == 0 {
		return 0
	}
	return v.Loudness[0].PID
}

func setIfChanged(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}

func setCanvasText(t *canvas.Text, text string, c color.Color) {
	if t.Text != text || t.Color != c {
		t.Text, t.Color = text, c
		t.Refresh()
	}
}

// updateLoudness shows one meter per audio PID with a reading; the section
// is hidden while the feed has none.
func (m *mediaPanel) updateLoudness(v app.FeedView) {
	if len(v.Loudness) == 0 {
		m.loudBox.Hide()
		return
	}
	for len(m.loudMeters) < len(v.Loudness) {
		lm := newLoudnessMeter()
		m.loudMeters = append(m.loudMeters, lm)
		m.loudList.Add(lm.box)
	}
	for len(m.loudMeters) > len(v.Loudness) {
		m.loudList.Remove(m.loudMeters[len(m.loudMeters)-1].box)
		m.loudMeters = m.loudMeters[:len(m.loudMeters)-1]
	}
	for i, r := range v.Loudness {
		m.loudMeters[i].set(v, r)
	}
	m.loudBox.Show()
}

// streamOf finds PID pid among v's inspected streams.
func streamOf(v app.FeedView, pid uint16) (probe.Stream, bool) {
	if v.Inspection == nil {
		return probe.Stream{}, false
	}
	for _, p := range v.Inspection.Programs {
		for _, s := range p.Streams {
			if s.PID == pid {
				return s, true
			}
		}
	}
	return probe.Stream{}, false
}

// loudnessFigure is the wall tile's loudness: the programme's short-term
// loudness against the target ("-22.8 LUFS (target -23)"), amber when it
// is outside the tolerance or a loudness alarm is raised; ok is false when
// the feed has no loudness.
func loudnessFigure(v app.FeedView) (tileFigure, bool) {
	if len(v.Loudness) == 0 {
		return tileFigure{}, false
	}
	target, tol := loudnessTarget(v)
	s := v.Loudness[0].ShortTermLUFS
	f := tileFigure{text: fmt.Sprintf("%s LUFS (target %s)", lufsWords(s), trimFloat(target))}
	if c := lufsColour(s, target, tol); c == color.Color(colorAmber) || loudnessAlarm(v) != "" {
		f.warn = colorAmber
	}
	return f, true
}
