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
// changed. Its picture is painted on the refresh worker when it can be
// (tileArtist), so that the UI goroutine only swaps the picture in.
type wallTile struct {
	widget.BaseWidget

	st       tileState
	selected bool
	onTap    func(app.FeedID)

	// picSize is the picture's box as last laid out (UI goroutine): the
	// refresh worker scales thumbnails to it.
	picSize fyne.Size
	// redraws counts the refreshes set asked for (and tests read it).
	redraws int
}

func newWallTile(onTap func(app.FeedID)) *wallTile {
	t := &wallTile{onTap: onTap}
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
	if sameTile(t.st, st) {
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

// sameTile reports whether two states draw the same tile (a picture
// painted ahead, shot, is not part of what is drawn).
func sameTile(a, b tileState) bool {
	if a.id != b.id || a.name != b.name || a.state != b.state || a.alarm != b.alarm ||
		a.frame != b.frame || a.stateColor != b.stateColor || a.hadAlarm != b.hadAlarm || a.connected != b.connected ||
		a.thumbKey != b.thumbKey || (a.thumb == nil) != (b.thumb == nil) ||
		!slices.Equal(a.badges, b.badges) || a.outBadge != b.outBadge || a.outColor != b.outColor || !slices.Equal(a.rms, b.rms) || !slices.Equal(a.peak, b.peak) ||
		a.hold != b.hold ||
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
	r := &tileRenderer{t: t, art: newTileArt()}
	r.ring = canvas.NewRectangle(color.Transparent)
	r.ring.StrokeColor = tileFocus
	r.ring.StrokeWidth = 3
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

// tileBox is the size a tile is laid out at and the canvas scale its
// picture is painted at.
type tileBox struct {
	size  fyne.Size
	scale float32
}

// tileRenderer shows a tile as one picture (shot) with the focus ring
// around it. The picture comes painted with the state when the refresh
// worker could paint it for the tile's box; otherwise (a new size, a state
// the UI goroutine set itself) the renderer paints it with its own art.
type tileRenderer struct {
	t    *wallTile
	size fyne.Size

	ring    *canvas.Rectangle
	shot    *canvas.Image
	art     *tileArt
	objects []fyne.CanvasObject // ring and shot

	// shown says what shot shows: the tile's redraw count and the box.
	shown       bool
	shownRedraw int
	shownBox    tileBox
}

func (r *tileRenderer) Destroy()                     {}
func (r *tileRenderer) Objects() []fyne.CanvasObject { return r.objects }

// MinSize is small: the wall's grid decides the size; the words shrink
// to a floor and are cut with an ellipsis below it.
func (r *tileRenderer) MinSize() fyne.Size { return fyne.NewSize(160, 110) }

// Layout places the ring and the picture for size.
func (r *tileRenderer) Layout(size fyne.Size) {
	if size == r.size {
		return
	}
	r.size = size
	r.ring.Move(fyne.NewPos(-3, -3))
	r.ring.Resize(fyne.NewSize(size.Width+6, size.Height+6))
	r.show()
}

// Refresh shows the tile's state and its focus ring.
func (r *tileRenderer) Refresh() {
	r.ring.Hidden = !r.t.selected
	r.show()
	r.ring.Refresh()
}

// box is the tile's box on its canvas.
func (r *tileRenderer) box() tileBox {
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(r.t); c != nil {
		scale = c.Scale()
	}
	return tileBox{size: r.size, scale: scale}
}

// show puts the picture of the tile's state into shot: the one painted
// ahead when it fits the box, else one painted here. A refresh that
// changed neither (the focus ring moved) paints nothing.
func (r *tileRenderer) show() {
	if r.size.Width <= 0 || r.size.Height <= 0 {
		return
	}
	box := r.box()
	if r.shown && r.shownRedraw == r.t.redraws && r.shownBox == box {
		return
	}
	st := r.t.st
	if st.shot != nil && st.shotBox == box {
		r.shot.Image, r.t.picSize = st.shot, st.shotPic
	} else {
		r.shot.Image, r.t.picSize = r.art.draw(st, box)
	}
	r.shown, r.shownRedraw, r.shownBox = true, r.t.redraws, box
	r.shot.Resize(r.size)
	r.shot.Refresh()
}

// tileArt lays a tile out and paints it into one picture (walldraw.go):
// the name band on top, the picture with its badges and the stereo meter
// in the middle, the state, the alarm and the figures below. Text sizes
// follow the tile's size so that a big wall has big words. Its objects
// never go on a canvas: they carry positions, sizes, colours and words to
// the painter, so a tileArt works on any goroutine, used by one at a time.
type tileArt struct {
	frame, band          *canvas.Rectangle
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
	layers               []fyne.CanvasObject // laid out, painted in this order
	painter              tilePainter
	nameSize, figureSize float32
}

func newTileArt() *tileArt {
	a := &tileArt{}
	a.frame = canvas.NewRectangle(tileBackground)
	a.band = canvas.NewRectangle(tileNameBand)
	a.name = boldText(tileText)
	a.marker = canvas.NewRectangle(colorAmber)
	a.markerText = boldText(color.Black)
	a.markerText.Text = "HAD ALARM"
	a.picBack = canvas.NewRectangle(color.Black)
	a.pic = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 16, 9)))
	a.pic.FillMode = canvas.ImageFillContain
	a.pic.ScaleMode = canvas.ImageScaleFastest
	a.noPic = canvas.NewText("no picture", tileFigureText)
	a.noPic.Alignment = fyne.TextAlignCenter
	for i := range a.badge {
		a.badge[i] = canvas.NewRectangle(colorRed)
		a.badgeText[i] = boldText(tileText)
	}
	for i := range a.meterBack {
		a.meterBack[i] = canvas.NewRectangle(tileMeterBack)
		a.meterBar[i] = canvas.NewRectangle(colorGreen)
		a.meterPeak[i] = canvas.NewRectangle(tileText)
	}
	a.state = boldText(colorIdle)
	a.state2 = boldText(colorIdle)
	a.alarm = boldText(colorRed)
	for i := range a.figures {
		a.figures[i] = canvas.NewText("", tileFigureText)
	}
	a.layers = []fyne.CanvasObject{a.frame, a.band, a.name, a.marker, a.markerText, a.picBack, a.pic, a.noPic}
	for i := range a.badge {
		a.layers = append(a.layers, a.badge[i], a.badgeText[i])
	}
	for i := range a.meterBack {
		a.layers = append(a.layers, a.meterBack[i], a.meterBar[i], a.meterPeak[i])
	}
	a.layers = append(a.layers, a.state, a.state2, a.alarm)
	for _, f := range a.figures {
		a.layers = append(a.layers, f)
	}
	return a
}

// draw lays st out in box and paints it; pic is the picture's box as laid
// out (the thumbnails are scaled to it).
func (a *tileArt) draw(st tileState, box tileBox) (img *image.RGBA, pic fyne.Size) {
	a.frame.StrokeColor = st.frame
	a.state.Color = st.stateColor
	a.state2.Color = st.stateColor
	a.pic.Image = st.thumb
	a.noPic.Hidden = st.thumb != nil
	a.place(st, box.size)
	return a.painter.paint(a.layers, box.size, box.scale), a.pic.Size()
}

// tileArtist paints the wall's tile pictures on the refresh worker, so
// that the UI goroutine only swaps each changed tile's picture in: painting
// sixteen tiles there took about 4 ms of CPU per update, and every click
// waited for it. It keeps one art per tile position and repaints a tile
// only when its state or box changed. One goroutine uses it.
type tileArtist struct {
	slots []artSlot
}

type artSlot struct {
	art  *tileArt
	st   tileState // what shot shows
	shot *image.RGBA
	box  tileBox
	pic  fyne.Size
}

// paint gives each state the picture of its tile in box (the wall's tiles
// all have one size).
func (a *tileArtist) paint(states []tileState, box tileBox) {
	if box.size.Width <= 0 || box.size.Height <= 0 {
		return
	}
	for len(a.slots) < len(states) {
		a.slots = append(a.slots, artSlot{art: newTileArt()})
	}
	a.slots = a.slots[:len(states)]
	for i := range states {
		s := &a.slots[i]
		if s.shot == nil || s.box != box || !sameTile(s.st, states[i]) {
			s.shot, s.pic = s.art.draw(states[i], box)
			s.st, s.box = states[i], box
		}
		states[i].shot, states[i].shotBox, states[i].shotPic = s.shot, box, s.pic
	}
}

// textSizes are the name's and the other words' sizes for a tile size.
func textSizes(size fyne.Size) (name, text float32) {
	u := min(size.Height/11, size.Width/16)
	return clamp32(u*1.0, 14, 32), clamp32(u*0.62, 11, 20)
}

func clamp32(v, lo, hi float32) float32 { return max(lo, min(hi, v)) }

// place positions and sizes every object for st in a tile of size.
func (a *tileArt) place(st tileState, size fyne.Size) {
	nameSize, textSize := textSizes(size)
	a.nameSize, a.figureSize = nameSize, textSize
	stroke := clamp32(textSize/4, 3, 6)
	pad := stroke + 4

	a.frame.Move(fyne.NewPos(0, 0))
	a.frame.Resize(size)
	a.frame.StrokeWidth = stroke
	inner := size.Width - 2*pad

	// Name band, with the had-an-alarm marker at its right.
	bandH := nameSize * 1.45
	a.band.Move(fyne.NewPos(stroke, stroke))
	a.band.Resize(fyne.NewSize(size.Width-2*stroke, bandH))
	markerW := float32(0)
	a.marker.Hidden, a.markerText.Hidden = !st.hadAlarm, !st.hadAlarm
	if st.hadAlarm {
		a.markerText.TextSize = textSize * 0.9
		ms := fyne.MeasureText(a.markerText.Text, a.markerText.TextSize, a.markerText.TextStyle)
		markerW = ms.Width + 10
		a.marker.Move(fyne.NewPos(size.Width-pad-markerW, stroke+(bandH-ms.Height-4)/2))
		a.marker.Resize(fyne.NewSize(markerW, ms.Height+4))
		a.marker.CornerRadius = 3
		a.markerText.Move(a.marker.Position().AddXY(5, 2))
		a.markerText.Resize(ms)
		markerW += 6
	}
	setFitted(a.name, st.name, nameSize, inner-markerW)
	a.name.Move(fyne.NewPos(pad, stroke+(bandH-a.name.MinSize().Height)/2))

	// Words and figures from the bottom up.
	lineH := textSize * 1.35
	y := size.Height - pad
	figLines := a.flowFigures(st.figures, textSize, inner)
	for i := len(figLines) - 1; i >= 0; i-- {
		y -= lineH
		x := pad
		for _, f := range figLines[i] {
			f.Move(fyne.NewPos(x, y))
			x += f.MinSize().Width + textSize*0.9
		}
	}
	a.alarm.Hidden = st.alarm == ""
	if st.alarm != "" {
		y -= lineH
		setFitted(a.alarm, st.alarm, textSize, inner)
		a.alarm.Move(fyne.NewPos(pad, y))
	}
	// A connected feed with an alarm: the alarm is the news, and a small
	// tile keeps the room for the picture.
	stateSize := textSize * 1.12
	a.state.Hidden = st.alarm != "" && st.connected && size.Height < 260
	a.state2.Hidden = true
	if !a.state.Hidden {
		first, rest := splitCause(st.state, stateSize, a.state.TextStyle, inner)
		if rest != "" {
			y -= stateSize * 1.3
			a.state2.Hidden = false
			setFitted(a.state2, rest, stateSize, inner)
			a.state2.Move(fyne.NewPos(pad, y))
		}
		y -= stateSize * 1.35
		setFitted(a.state, first, stateSize, inner)
		a.state.Move(fyne.NewPos(pad, y))
	}

	// The picture fills what is left, the meter at its right.
	top := stroke + bandH + 4
	picH := max(0, y-4-top)
	meterW := clamp32(textSize*0.6, 6, 16)
	meterGap := float32(3)
	picW := max(0, inner-2*meterW-2*meterGap)
	a.picBack.Move(fyne.NewPos(pad, top))
	a.picBack.Resize(fyne.NewSize(picW, picH))
	a.pic.Move(fyne.NewPos(pad, top))
	a.pic.Resize(fyne.NewSize(picW, picH))
	a.noPic.TextSize = textSize
	a.noPic.Move(fyne.NewPos(pad, top+picH/2-textSize*0.7))
	a.noPic.Resize(fyne.NewSize(picW, textSize*1.4))
	a.placeMeter(st, pad+picW+meterGap, top, meterW, meterGap, picH)

	// Badges over the picture's top left corner: the media's, then the
	// marker of an unhealthy output in its light's colour.
	badges := st.badges
	if st.outBadge != "" {
		badges = append(slices.Clip(badges), st.outBadge)
	}
	bx := pad + 4
	for i := range a.badge {
		if i >= len(badges) {
			a.badge[i].Hidden, a.badgeText[i].Hidden = true, true
			continue
		}
		a.badge[i].Hidden, a.badgeText[i].Hidden = false, false
		want := color.Color(colorRed)
		if i == len(badges)-1 && st.outBadge != "" {
			want = st.outColor
		}
		a.badge[i].FillColor = want
		a.badgeText[i].Text = badges[i]
		a.badgeText[i].TextSize = textSize
		bs := fyne.MeasureText(badges[i], textSize, a.badgeText[i].TextStyle)
		a.badge[i].Move(fyne.NewPos(bx, top+4))
		a.badge[i].Resize(fyne.NewSize(bs.Width+10, bs.Height+4))
		a.badge[i].CornerRadius = 3
		a.badgeText[i].Move(fyne.NewPos(bx+5, top+6))
		bx += bs.Width + 16
	}
}

// placeMeter draws the stereo meter: RMS bars on a -60..0 dBFS scale,
// green below -18, amber to -6, red above, with the held peak as a line.
func (a *tileArt) placeMeter(st tileState, x, top, w, gap, h float32) {
	for i := range a.meterBack {
		bx := x + float32(i)*(w+gap)
		a.meterBack[i].Move(fyne.NewPos(bx, top))
		a.meterBack[i].Resize(fyne.NewSize(w, h))
		if i >= len(st.rms) {
			a.meterBar[i].Hidden, a.meterPeak[i].Hidden = true, true
			continue
		}
		a.meterBar[i].Hidden, a.meterPeak[i].Hidden = false, false
		level := dbFraction(st.rms[i])
		bh := h * level
		a.meterBar[i].Move(fyne.NewPos(bx, top+h-bh))
		a.meterBar[i].Resize(fyne.NewSize(w, bh))
		a.meterBar[i].FillColor = meterColour(st.rms[i])
		ph := h * dbFraction(st.hold[i])
		a.meterPeak[i].Move(fyne.NewPos(bx, top+h-ph))
		a.meterPeak[i].Resize(fyne.NewSize(w, 2))
		a.meterPeak[i].FillColor = meterColour(st.hold[i])
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
func (a *tileArt) flowFigures(figs []tileFigure, size, w float32) [][]*canvas.Text {
	var lines [][]*canvas.Text
	x := float32(0)
	gap := size * 0.9
	for i, f := range a.figures {
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
