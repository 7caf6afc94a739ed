package views

import (
	"image"
	"image/color"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
)

// Tile colours: a tile is always a dark panel, like a multiviewer's, so
// its words read the same in the light and the dark theme.
var (
	tileBackground = color.NRGBA{R: 0x17, G: 0x1b, B: 0x21, A: 0xff}
	tileNameBand   = color.NRGBA{R: 0x24, G: 0x2a, B: 0x33, A: 0xff}
	tileText       = color.NRGBA{R: 0xf2, G: 0xf4, B: 0xf7, A: 0xff}
	tileFigureText = color.NRGBA{R: 0xc9, G: 0xcf, B: 0xd6, A: 0xff}
	tileFocus      = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	tileMeterBack  = color.NRGBA{R: 0x30, G: 0x36, B: 0x3f, A: 0xff}
)

// meterFloorDB is the bottom of the audio meter's scale, in dBFS.
const meterFloorDB = -60

// peakHoldFor is how long the meter holds a peak before it falls.
const peakHoldFor = 2 * time.Second

// wallTile is one feed on the wall. It is redrawn only when what it shows
// changed, and reuses its canvas objects for the life of the tile.
type wallTile struct {
	widget.BaseWidget

	st       tileState
	selected bool
	onTap    func(app.FeedID)

	holdDB [2]float64
	holdAt [2]time.Time
	now    func() time.Time

	// picSize is the picture's box as last laid out (UI goroutine): the
	// refresh worker scales thumbnails to it.
	picSize fyne.Size
	// redraws counts the refreshes set asked for, for tests.
	redraws int
}

func newWallTile(onTap func(app.FeedID)) *wallTile {
	t := &wallTile{onTap: onTap, now: time.Now, holdDB: [2]float64{meterFloorDB, meterFloorDB}}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped opens the feed's detail.
func (t *wallTile) Tapped(*fyne.PointEvent) {
	if t.onTap != nil {
		t.onTap(t.st.id)
	}
}

// set shows st; it redraws only when st differs from what is shown (UI
// goroutine).
func (t *wallTile) set(st tileState) {
	now := t.now()
	held := false
	for i := range 2 {
		p := float64(meterFloorDB)
		if i < len(st.peak) {
			p = st.peak[i]
		}
		if p >= t.holdDB[i] || now.Sub(t.holdAt[i]) > peakHoldFor {
			if p != t.holdDB[i] {
				held = true
			}
			t.holdDB[i], t.holdAt[i] = p, now
		}
	}
	if !held && sameTile(t.st, st) {
		return
	}
	t.st = st
	t.redraws++
	t.Refresh()
}

// setSelected moves the focus ring on or off the tile.
func (t *wallTile) setSelected(on bool) {
	if t.selected != on {
		t.selected = on
		t.Refresh()
	}
}

// sameTile reports whether two states draw the same tile.
func sameTile(a, b tileState) bool {
	if a.id != b.id || a.name != b.name || a.state != b.state || a.alarm != b.alarm ||
		a.frame != b.frame || a.stateColor != b.stateColor || a.hadAlarm != b.hadAlarm || a.connected != b.connected ||
		a.thumbKey != b.thumbKey || (a.thumb == nil) != (b.thumb == nil) ||
		!slices.Equal(a.badges, b.badges) || a.outBadge != b.outBadge || a.outColor != b.outColor || !slices.Equal(a.rms, b.rms) || !slices.Equal(a.peak, b.peak) ||
		len(a.figures) != len(b.figures) {
		return false
	}
	for i := range a.figures {
		if a.figures[i] != b.figures[i] {
			return false
		}
	}
	return true
}

// CreateRenderer builds the tile's objects once.
func (t *wallTile) CreateRenderer() fyne.WidgetRenderer {
	r := &tileRenderer{t: t}
	r.ring = canvas.NewRectangle(color.Transparent)
	r.ring.StrokeColor = tileFocus
	r.frame = canvas.NewRectangle(tileBackground)
	r.band = canvas.NewRectangle(tileNameBand)
	r.name = boldText(tileText)
	r.marker = canvas.NewRectangle(colorAmber)
	r.markerText = boldText(color.Black)
	r.markerText.Text = "HAD ALARM"
	r.picBack = canvas.NewRectangle(color.Black)
	r.pic = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 16, 9)))
	r.pic.FillMode = canvas.ImageFillContain
	r.pic.ScaleMode = canvas.ImageScaleFastest
	r.noPic = canvas.NewText("no picture", tileFigureText)
	r.noPic.Alignment = fyne.TextAlignCenter
	for i := range r.badge {
		r.badge[i] = canvas.NewRectangle(colorRed)
		r.badgeText[i] = boldText(tileText)
	}
	for i := range r.meterBack {
		r.meterBack[i] = canvas.NewRectangle(tileMeterBack)
		r.meterBar[i] = canvas.NewRectangle(colorGreen)
		r.meterPeak[i] = canvas.NewRectangle(tileText)
	}
	r.state = boldText(colorIdle)
	r.state2 = boldText(colorIdle)
	r.alarm = boldText(colorRed)
	for i := range r.figures {
		r.figures[i] = canvas.NewText("", tileFigureText)
	}
	r.layers = []fyne.CanvasObject{r.frame, r.band, r.name, r.marker, r.markerText, r.picBack, r.pic, r.noPic}
	for i := range r.badge {
		r.layers = append(r.layers, r.badge[i], r.badgeText[i])
	}
	for i := range r.meterBack {
		r.layers = append(r.layers, r.meterBack[i], r.meterBar[i], r.meterPeak[i])
	}
	r.layers = append(r.layers, r.state, r.state2, r.alarm)
	for _, f := range r.figures {
		r.layers = append(r.layers, f)
	}
	r.shot = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1)))
	r.shot.FillMode = canvas.ImageFillStretch
	r.shot.ScaleMode = canvas.ImageScaleFastest
	r.objects = []fyne.CanvasObject{r.ring, r.shot}
	r.Refresh()
	return r
}

func boldText(c color.Color) *canvas.Text {
	t := canvas.NewText("", c)
	t.TextStyle = fyne.TextStyle{Bold: true}
	return t
}

// tileRenderer lays a tile out: the name band on top, the picture with its
// badges and the stereo meter in the middle, the state, the alarm and the
// figures below. Text sizes follow the tile's size so that a big wall has
// big words. The laid out objects (layers) are painted into one image
// (shot, walldraw.go), which is what the window draws, with the focus ring
// around it.
type tileRenderer struct {
	t    *wallTile
	size fyne.Size

	ring, frame, band    *canvas.Rectangle
	name                 *canvas.Text
	marker               *canvas.Rectangle
	markerText           *canvas.Text
	picBack              *canvas.Rectangle
	pic                  *canvas.Image
	noPic                *canvas.Text
	badge                [4]*canvas.Rectangle // three media badges and an output marker
	badgeText            [4]*canvas.Text
	meterBack, meterBar  [2]*canvas.Rectangle
	meterPeak            [2]*canvas.Rectangle
	state, state2, alarm *canvas.Text
	figures              [6]*canvas.Text
	layers               []fyne.CanvasObject // laid out, painted into shot
	shot                 *canvas.Image
	painter              tilePainter
	objects              []fyne.CanvasObject // ring and shot
	nameSize, figureSize float32
}

func (r *tileRenderer) Destroy()                     {}
func (r *tileRenderer) Objects() []fyne.CanvasObject { return r.objects }

// MinSize is small: the wall's grid decides the size; the words shrink
// to a floor and are cut with an ellipsis below it.
func (r *tileRenderer) MinSize() fyne.Size { return fyne.NewSize(160, 110) }

// Layout places everything for size.
func (r *tileRenderer) Layout(size fyne.Size) {
	if size == r.size {
		return
	}
	r.size = size
	r.place()
	r.paint()
}

// paint paints the laid out layers into the image the window shows.
func (r *tileRenderer) paint() {
	if r.size.Width <= 0 || r.size.Height <= 0 {
		return
	}
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(r.t); c != nil {
		scale = c.Scale()
	}
	r.shot.Image = r.painter.paint(r.layers, r.size, scale)
	r.shot.Resize(r.size)
	r.shot.Refresh()
}

// Refresh copies the tile's state into the objects and places them.
func (r *tileRenderer) Refresh() {
	st := r.t.st
	r.frame.StrokeColor = st.frame
	r.ring.Hidden = !r.t.selected
	r.state.Color = st.stateColor
	r.state2.Color = st.stateColor
	if st.thumb == nil {
		r.pic.Image = nil
		r.noPic.Hidden = false
	} else {
		r.pic.Image = st.thumb
		r.noPic.Hidden = true
	}
	r.place()
	r.paint()
	r.ring.Refresh()
}

// textSizes are the name's and the other words' sizes for a tile size.
func textSizes(size fyne.Size) (name, text float32) {
	u := min(size.Height/11, size.Width/16)
	return clamp32(u*1.0, 14, 32), clamp32(u*0.62, 11, 20)
}

func clamp32(v, lo, hi float32) float32 { return max(lo, min(hi, v)) }

// place positions and sizes every object for r.size.
func (r *tileRenderer) place() {
	st, size := r.t.st, r.size
	if size.Width <= 0 || size.Height <= 0 {
		return
	}
	nameSize, textSize := textSizes(size)
	r.nameSize, r.figureSize = nameSize, textSize
	stroke := clamp32(textSize/4, 3, 6)
	pad := stroke + 4

	r.ring.Move(fyne.NewPos(-3, -3))
	r.ring.Resize(fyne.NewSize(size.Width+6, size.Height+6))
	r.ring.StrokeWidth = 3
	r.frame.Move(fyne.NewPos(0, 0))
	r.frame.Resize(size)
	r.frame.StrokeWidth = stroke
	inner := size.Width - 2*pad

	// Name band, with the had-an-alarm marker at its right.
	bandH := nameSize * 1.45
	r.band.Move(fyne.NewPos(stroke, stroke))
	r.band.Resize(fyne.NewSize(size.Width-2*stroke, bandH))
	markerW := float32(0)
	r.marker.Hidden, r.markerText.Hidden = !st.hadAlarm, !st.hadAlarm
	if st.hadAlarm {
		r.markerText.TextSize = textSize * 0.9
		ms := fyne.MeasureText(r.markerText.Text, r.markerText.TextSize, r.markerText.TextStyle)
		markerW = ms.Width + 10
		r.marker.Move(fyne.NewPos(size.Width-pad-markerW, stroke+(bandH-ms.Height-4)/2))
		r.marker.Resize(fyne.NewSize(markerW, ms.Height+4))
		r.marker.CornerRadius = 3
		r.markerText.Move(r.marker.Position().AddXY(5, 2))
		r.markerText.Resize(ms)
		markerW += 6
	}
	setFitted(r.name, st.name, nameSize, inner-markerW)
	r.name.Move(fyne.NewPos(pad, stroke+(bandH-r.name.MinSize().Height)/2))

	// Words and figures from the bottom up.
	lineH := textSize * 1.35
	y := size.Height - pad
	figLines := r.flowFigures(st.figures, textSize, inner)
	for i := len(figLines) - 1; i >= 0; i-- {
		y -= lineH
		x := pad
		for _, f := range figLines[i] {
			f.Move(fyne.NewPos(x, y))
			x += f.MinSize().Width + textSize*0.9
		}
	}
	r.alarm.Hidden = st.alarm == ""
	if st.alarm != "" {
		y -= lineH
		setFitted(r.alarm, st.alarm, textSize, inner)
		r.alarm.Move(fyne.NewPos(pad, y))
	}
	// A connected feed with an alarm: the alarm is the news, and a small
	// tile keeps the room for the picture.
	stateSize := textSize * 1.12
	r.state.Hidden = st.alarm != "" && st.connected && size.Height < 260
	r.state2.Hidden = true
	if !r.state.Hidden {
		first, rest := splitCause(st.state, stateSize, r.state.TextStyle, inner)
		if rest != "" {
			y -= stateSize * 1.3
			r.state2.Hidden = false
			setFitted(r.state2, rest, stateSize, inner)
			r.state2.Move(fyne.NewPos(pad, y))
		}
		y -= stateSize * 1.35
		setFitted(r.state, first, stateSize, inner)
		r.state.Move(fyne.NewPos(pad, y))
	}

	// The picture fills what is left, the meter at its right.
	top := stroke + bandH + 4
	picH := max(0, y-4-top)
	meterW := clamp32(textSize*0.6, 6, 16)
	meterGap := float32(3)
	picW := max(0, inner-2*meterW-2*meterGap)
	r.picBack.Move(fyne.NewPos(pad, top))
	r.picBack.Resize(fyne.NewSize(picW, picH))
	r.pic.Move(fyne.NewPos(pad, top))
	r.pic.Resize(fyne.NewSize(picW, picH))
	r.t.picSize = r.pic.Size()
	r.noPic.TextSize = textSize
	r.noPic.Move(fyne.NewPos(pad, top+picH/2-textSize*0.7))
	r.noPic.Resize(fyne.NewSize(picW, textSize*1.4))
	r.placeMeter(st, pad+picW+meterGap, top, meterW, meterGap, picH)

	// Badges over the picture's top left corner: the media's, then the
	// marker of an unhealthy output in its light's colour.
	badges := st.badges
	if st.outBadge != "" {
		badges = append(slices.Clip(badges), st.outBadge)
	}
	bx := pad + 4
	for i := range r.badge {
		if i >= len(badges) {
			r.badge[i].Hidden, r.badgeText[i].Hidden = true, true
			continue
		}
		r.badge[i].Hidden, r.badgeText[i].Hidden = false, false
		want := color.Color(colorRed)
		if i == len(badges)-1 && st.outBadge != "" {
			want = st.outColor
		}
		if r.badge[i].FillColor != want {
			r.badge[i].FillColor = want
			r.badge[i].Refresh()
		}
		r.badgeText[i].Text = badges[i]
		r.badgeText[i].TextSize = textSize
		bs := fyne.MeasureText(badges[i], textSize, r.badgeText[i].TextStyle)
		r.badge[i].Move(fyne.NewPos(bx, top+4))
		r.badge[i].Resize(fyne.NewSize(bs.Width+10, bs.Height+4))
		r.badge[i].CornerRadius = 3
		r.badgeText[i].Move(fyne.NewPos(bx+5, top+6))
		bx += bs.Width + 16
	}
}

// placeMeter draws the stereo meter: RMS bars on a -60..0 dBFS scale,
// green below -18, amber to -6, red above, with the held peak as a line.
func (r *tileRenderer) placeMeter(st tileState, x, top, w, gap, h float32) {
	for i := range r.meterBack {
		bx := x + float32(i)*(w+gap)
		r.meterBack[i].Move(fyne.NewPos(bx, top))
		r.meterBack[i].Resize(fyne.NewSize(w, h))
		if i >= len(st.rms) {
			r.meterBar[i].Hidden, r.meterPeak[i].Hidden = true, true
			continue
		}
		r.meterBar[i].Hidden, r.meterPeak[i].Hidden = false, false
		level := dbFraction(st.rms[i])
		bh := h * level
		r.meterBar[i].Move(fyne.NewPos(bx, top+h-bh))
		r.meterBar[i].Resize(fyne.NewSize(w, bh))
		r.meterBar[i].FillColor = meterColour(st.rms[i])
		ph := h * dbFraction(r.t.holdDB[i])
		r.meterPeak[i].Move(fyne.NewPos(bx, top+h-ph))
		r.meterPeak[i].Resize(fyne.NewSize(w, 2))
		r.meterPeak[i].FillColor = meterColour(r.t.holdDB[i])
	}
}

// dbFraction maps dBFS onto 0..1 of the meter's height.
func dbFraction(db float64) float32 {
	return float32(max(0, min(1, (db-meterFloorDB)/-meterFloorDB)))
}

func meterColour(db float64) color.Color {
	switch {
	case db > -6:
		return colorRed
	case db > -18:
		return colorAmber
	}
	return colorGreen
}

// flowFigures fills the figure texts and wraps them onto lines of width w.
func (r *tileRenderer) flowFigures(figs []tileFigure, size, w float32) [][]*canvas.Text {
	var lines [][]*canvas.Text
	x := float32(0)
	gap := size * 0.9
	for i, f := range r.figures {
		if i >= len(figs) {
			f.Hidden = true
			continue
		}
		f.Hidden = false
		f.Color = tileFigureText
		if figs[i].warn != nil {
			f.Color = figs[i].warn
		}
		setFitted(f, figs[i].text, size, w)
		fw := f.MinSize().Width
		if len(lines) == 0 || x+gap+fw > w {
			lines = append(lines, nil)
			x = fw
		} else {
			x += gap + fw
		}
		lines[len(lines)-1] = append(lines[len(lines)-1], f)
	}
	return lines
}

// splitCause breaks a state too long for one line of width w in two at
// its cause (" (" or ": "); rest is "" when it fits.
func splitCause(s string, size float32, style fyne.TextStyle, w float32) (first, rest string) {
	if fyne.MeasureText(s, size, style).Width <= w {
		return s, ""
	}
	for _, sep := range []string{" (", ": "} {
		if i := strings.Index(s, sep); i > 0 {
			return s[:i], strings.TrimPrefix(strings.TrimSuffix(s[i+len(sep):], ")"), "(")
		}
	}
	return s, ""
}

// setFitted sets t to s at size, cut with an ellipsis to fit width w.
func setFitted(t *canvas.Text, s string, size, w float32) {
	t.TextSize = size
	if fyne.MeasureText(s, size, t.TextStyle).Width <= w {
		t.Text = s
		return
	}
	runes := []rune(s)
	lo, hi := 0, len(runes)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fyne.MeasureText(string(runes[:mid])+"…", size, t.TextStyle).Width <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	t.Text = string(runes[:lo]) + "…"
}
