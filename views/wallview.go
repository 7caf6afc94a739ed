package views

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
)

// wallGap is the space between tiles.
const wallGap = 8

// wallView is the grid of tiles. Tiles are made or dropped only when the
// number of feeds changes; each tick only updates the tiles' states.
type wallView struct {
	content  fyne.CanvasObject
	backdrop *fyne.Container // the background between the tiles
	grid     *fyne.Container
	empty    *widget.Label
	tiles    []*wallTile
	focus    int // index of the tile with the focus ring
	onOpen   func(app.FeedID)
}

func newWallView(onOpen func(app.FeedID)) *wallView {
	wv := &wallView{onOpen: onOpen}
	wv.grid = container.New(&wallLayout{})
	wv.empty = widget.NewLabel("No feeds yet: add one with + (Ctrl+N).")
	wv.empty.Alignment = fyne.TextAlignCenter
	wv.backdrop = container.New(&backdropLayout{tiles: func() int { return len(wv.tiles) }}, canvas.NewRectangle(wallBackground))
	wv.content = container.NewStack(wv.backdrop, container.NewCenter(wv.empty), container.NewPadded(wv.grid))
	return wv
}

// backdropLayout paints the wall's background only where no tile covers
// it: the padding around the grid, the gaps between tiles and the empty
// cells of the last row (the whole area on an empty wall). A full-size
// rectangle under the tiles would be painted and then painted over at
// every frame, and without a GPU (llvmpipe) a frame pays per pixel per
// layer: a window-sized rectangle cost ~18 ms of a 16-tile wall's frame.
type backdropLayout struct {
	tiles func() int
}

// backdropStrips is how many rectangles a wall of n tiles needs at most:
// four sides, a gap between each two columns and rows, the empty cells.
func backdropStrips(n int) int { return 5 + 2*n }

// Layout places the strips for the tiles wallLayout places in the padded
// area; unused rectangles hide.
func (l *backdropLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	strips := backdropRects(l.tiles(), size, theme.Padding())
	for i, o := range objs {
		if i >= len(strips) {
			o.Hide()
			continue
		}
		o.Move(strips[i].Position)
		o.Resize(strips[i].Size)
		o.Show()
	}
}

// MinSize is nothing: the backdrop fills what the wall has.
func (l *backdropLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.Size{} }

// strip is one rectangle of the backdrop.
type strip struct {
	fyne.Position
	fyne.Size
}

// backdropRects are the strips of background around and between n tiles
// laid out by wallLayout in size less pad on each side. Gaps overlap the
// tiles by a pixel each side, so that no seam shows where they meet; the
// tiles are drawn over them.
func backdropRects(n int, size fyne.Size, pad float32) []strip {
	if n == 0 {
		return []strip{{fyne.Position{}, size}}
	}
	const over = 1
	w, h := size.Width-2*pad, size.Height-2*pad
	out := []strip{
		{fyne.NewPos(0, 0), fyne.NewSize(size.Width, pad+over)},
		{fyne.NewPos(0, size.Height-pad-over), fyne.NewSize(size.Width, pad+over)},
		{fyne.NewPos(0, pad), fyne.NewSize(pad+over, h)},
		{fyne.NewPos(size.Width-pad-over, pad), fyne.NewSize(pad+over, h)},
	}
	cols := wallColumns(n, w, h)
	rows := (n + cols - 1) / cols
	cw := (w - wallGap*float32(cols-1)) / float32(cols)
	ch := (h - wallGap*float32(rows-1)) / float32(rows)
	for c := 1; c < cols; c++ {
		x := pad + float32(c)*(cw+wallGap) - wallGap
		out = append(out, strip{fyne.NewPos(x-over, pad), fyne.NewSize(wallGap+2*over, h)})
	}
	for r := 1; r < rows; r++ {
		y := pad + float32(r)*(ch+wallGap) - wallGap
		out = append(out, strip{fyne.NewPos(pad, y-over), fyne.NewSize(w, wallGap+2*over)})
	}
	if last := n - (rows-1)*cols; last < cols {
		x := pad + float32(last)*(cw+wallGap) - wallGap
		y := pad + float32(rows-1)*(ch+wallGap)
		out = append(out, strip{fyne.NewPos(x-over, y-over), fyne.NewSize(pad+w-x+over, ch+2*over)})
	}
	return out
}

// wallBackground is behind the tiles: darker than a tile, so tiles stand
// out in either theme.
var wallBackground = color.NRGBA{R: 0x0b, G: 0x0d, B: 0x10, A: 0xff}

// set shows one tile per state, in order (UI goroutine).
func (wv *wallView) set(states []tileState) {
	if len(states) != len(wv.tiles) {
		for len(wv.tiles) < len(states) {
			t := newWallTile(nil)
			t.onTap = func(app.FeedID) { wv.tap(t) }
			wv.tiles = append(wv.tiles, t)
		}
		wv.tiles = wv.tiles[:len(states)]
		objs := make([]fyne.CanvasObject, len(wv.tiles))
		for i, t := range wv.tiles {
			objs[i] = t
		}
		wv.grid.Objects = objs
		wv.grid.Refresh()
		for len(wv.backdrop.Objects) < backdropStrips(len(wv.tiles)) {
			wv.backdrop.Objects = append(wv.backdrop.Objects, canvas.NewRectangle(wallBackground))
		}
		wv.backdrop.Refresh()
		wv.focus = min(max(wv.focus, 0), max(len(wv.tiles)-1, 0))
		wv.empty.Hidden = len(states) > 0
		wv.empty.Refresh()
	}
	for i, st := range states {
		wv.tiles[i].set(st)
		wv.tiles[i].setSelected(i == wv.focus)
	}
}

// tap is a tap on a tile: it takes the focus and, for a local feed, opens
// the detail (a remote feed has none here: the toolbar and Space act on
// it).
func (wv *wallView) tap(t *wallTile) {
	for i, x := range wv.tiles {
		if x == t {
			wv.setFocus(i)
		}
	}
	if wv.onOpen != nil && t.st.remote == nil {
		wv.onOpen(t.st.id)
	}
}

// focusedState is what the focused tile shows.
func (wv *wallView) focusedState() (tileState, bool) {
	if wv.focus < 0 || wv.focus >= len(wv.tiles) {
		return tileState{}, false
	}
	return wv.tiles[wv.focus].st, true
}

// focused is the local feed under the focus ring; ok is false on an
// empty wall or when the focus is on another service's feed.
func (wv *wallView) focused() (app.FeedID, bool) {
	if wv.focus < 0 || wv.focus >= len(wv.tiles) || wv.tiles[wv.focus].st.remote != nil {
		return 0, false
	}
	return wv.tiles[wv.focus].st.id, true
}

// focusID puts the focus ring on a feed's tile, if it has one.
func (wv *wallView) focusID(id app.FeedID) {
	for i, t := range wv.tiles {
		if t.st.id == id {
			wv.setFocus(i)
			return
		}
	}
}

func (wv *wallView) setFocus(i int) {
	if i < 0 || i >= len(wv.tiles) {
		return
	}
	wv.focus = i
	for j, t := range wv.tiles {
		t.setSelected(j == i)
	}
}

// move moves the focus ring by an arrow key: left and right along the
// row order, up and down by a row of the current grid.
func (wv *wallView) move(key fyne.KeyName) bool {
	n := len(wv.tiles)
	if n == 0 {
		return false
	}
	cols := wallColumns(n, wv.grid.Size().Width, wv.grid.Size().Height)
	i := wv.focus
	switch key {
	case fyne.KeyLeft:
		i--
	case fyne.KeyRight:
		i++
	case fyne.KeyUp:
		i -= cols
	case fyne.KeyDown:
		i += cols
	default:
		return false
	}
	if i >= 0 && i < n {
		wv.setFocus(i)
	}
	return true
}

// wallLayout puts the tiles on a grid whose columns suit their number and
// the space's shape (wallColumns); tiles fill their cells.
type wallLayout struct{}

// Layout places the tiles.
func (l *wallLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	n := len(objs)
	if n == 0 {
		return
	}
	cols := wallColumns(n, size.Width, size.Height)
	rows := (n + cols - 1) / cols
	cw := (size.Width - wallGap*float32(cols-1)) / float32(cols)
	ch := (size.Height - wallGap*float32(rows-1)) / float32(rows)
	for i, o := range objs {
		r, c := i/cols, i%cols
		o.Move(fyne.NewPos(float32(c)*(cw+wallGap), float32(r)*(ch+wallGap)))
		o.Resize(fyne.NewSize(cw, ch))
	}
}

// MinSize is small: the window's size decides, not the tiles.
func (l *wallLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(160, 110) }
