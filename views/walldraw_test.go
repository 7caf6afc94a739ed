package views

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// sameColour reports whether two colours are equal in 8-bit RGBA.
func sameColour(a, b color.Color) bool {
	return color.RGBAModel.Convert(a) == color.RGBAModel.Convert(b)
}

// The window draws a tile as one image (with the focus ring around it),
// and that image holds what the laid-out objects say: the frame in the
// worst alarm's colour, a badge over the picture, the picture, the meter
// with its held peak, and the words.
func TestTilePaintsItsObjectsIntoOneImage(t *testing.T) {
	test.NewTempApp(t)
	thumb := image.NewRGBA(image.Rect(0, 0, 160, 90))
	for i := range thumb.Pix {
		thumb.Pix[i] = 0xff // white
	}
	st := wallTestStates(1)[0]
	st.frame, st.badges, st.thumb, st.thumbKey = colorRed, []string{"BLACK"}, thumb, thumbKey{ptr: 1, n: 1}
	st.rms, st.peak, st.hold = []float64{-30, -30}, []float64{-3, -3}, [2]float64{-3, -3}
	st.alarm = "picture black for 2.5s"

	tile := newWallTile(nil)
	w := test.NewTempWindow(t, tile)
	w.SetPadded(false)
	size := fyne.NewSize(480, 300)
	w.Resize(size)
	tile.Resize(size)
	tile.set(st)
	r := test.WidgetRenderer(tile).(*tileRenderer)
	if objs := r.Objects(); len(objs) != 2 || objs[1] != r.shot {
		t.Fatalf("the window draws %d objects for a tile, want the ring and one image", len(objs))
	}
	shot, ok := r.shot.Image.(*image.RGBA)
	if !ok || shot.Bounds().Size() != image.Pt(480, 300) {
		t.Fatalf("the tile's image is a %T of %v, want a 480x300 *image.RGBA", r.shot.Image, r.shot.Image.Bounds())
	}
	at := func(p fyne.Position) color.Color { return shot.At(int(p.X), int(p.Y)) }
	center := func(o fyne.CanvasObject) fyne.Position {
		return o.Position().Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2))
	}
	tests := []struct {
		name string
		at   fyne.Position
		want color.Color
	}{
		{"the frame in the alarm's colour", fyne.NewPos(1, 150), colorRed},
		{"the name band", r.art.band.Position().AddXY(2, 2), tileNameBand},
		{"the picture", center(r.art.pic), color.White},
		{"the badge over the picture", r.art.badge[0].Position().AddXY(2, 2), colorRed},
		{"the meter's back above its bar", r.art.meterBack[0].Position().AddXY(1, 1), tileMeterBack},
		{"the meter's bar", r.art.meterBar[0].Position().AddXY(1, r.art.meterBar[0].Size().Height-2), colorGreen},
		{"the held peak, red above -6 dBFS", r.art.meterPeak[1].Position().AddXY(1, 0.5), colorRed},
	}
	for _, tt := range tests {
		if got := at(tt.at); !sameColour(got, tt.want) {
			t.Errorf("%s at %v: %v, want %v", tt.name, tt.at, got, tt.want)
		}
	}
	// Words: some pixels of the alarm's line are in its colour.
	box := pixRect(r.art.alarm.Position(), r.art.alarm.MinSize(), 1)
	inked := 0
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if sameColour(shot.At(x, y), colorRed) {
				inked++
			}
		}
	}
	if inked < 20 {
		t.Errorf("the alarm's words left %d red pixels in their box %v", inked, box)
	}
}

// A repaint rasterises only the words that changed; the others come from
// the tile's masks of the last picture.
func TestTileRepaintRasterisesOnlyChangedWords(t *testing.T) {
	test.NewTempApp(t)
	tile := newWallTile(nil)
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(480, 300))
	st := wallTestStates(1)[0]
	tile.set(st)
	r := test.WidgetRenderer(tile).(*tileRenderer)
	before := r.art.painter.rasterised
	st.figures = []tileFigure{{text: "4.98 Mbit/s"}, st.figures[1]}
	tile.set(st)
	if n := r.art.painter.rasterised - before; n != 1 {
		t.Errorf("a new bitrate rasterised %d words, want 1", n)
	}
}

// BenchmarkTilePaint is one repaint of a 16-feed wall's tile (310x200 at
// 1280x800) whose bitrate changed: what the refresh worker pays per tile
// and update (tileArtist), off the UI goroutine.
func BenchmarkTilePaint(b *testing.B) {
	test.NewTempApp(b)
	art := newTileArt()
	box := tileBox{size: fyne.NewSize(310, 200), scale: 1}
	st := wallTestStates(1)[0]
	st.thumb = image.NewRGBA(image.Rect(0, 0, 213, 120))
	st.rms, st.peak, st.hold = []float64{-20, -20}, []float64{-18, -18}, [2]float64{-18, -18}
	st.figures = append(st.figures, tileFigure{text: "latency 5.4× RTT, advised 4×"}, tileFigure{text: "dropped 0/s, 0 in all"},
		tileFigure{text: "-18.1 LUFS (target -23)", warn: colorAmber}, tileFigure{text: "peak -18 / -18 dBFS"})
	texts := []string{"0.59 Mbit/s", "0.60 Mbit/s"}
	b.ResetTimer()
	for i := range b.N {
		st.figures[0].text = texts[i%2]
		art.draw(st, box)
	}
}

// The wall's background is painted only where no tile covers it: with
// the tiles wallLayout places, the strips cover every point of the wall,
// and no strip reaches more than a pixel into a tile.
func TestBackdropCoversOnlyWhatTilesLeave(t *testing.T) {
	const pad = 4
	for _, tt := range []struct {
		n    int
		size fyne.Size
	}{{0, fyne.NewSize(1024, 600)}, {1, fyne.NewSize(1024, 600)}, {2, fyne.NewSize(1024, 600)}, {5, fyne.NewSize(1280, 700)},
		{16, fyne.NewSize(1024, 590)}, {16, fyne.NewSize(1920, 980)}, {7, fyne.NewSize(800, 1000)}} {
		strips := backdropRects(tt.n, tt.size, pad)
		if len(strips) > backdropStrips(tt.n) {
			t.Fatalf("%d tiles: %d strips, more than the %d kept", tt.n, len(strips), backdropStrips(tt.n))
		}
		objs := make([]fyne.CanvasObject, tt.n)
		for i := range objs {
			objs[i] = newWallTile(nil)
		}
		inner := fyne.NewSize(tt.size.Width-2*pad, tt.size.Height-2*pad)
		(&wallLayout{}).Layout(objs, inner)
		in := func(p fyne.Position, pos fyne.Position, size fyne.Size, shrink float32) bool {
			return p.X >= pos.X+shrink && p.X < pos.X+size.Width-shrink && p.Y >= pos.Y+shrink && p.Y < pos.Y+size.Height-shrink
		}
		for y := float32(0.5); y < tt.size.Height; y += 3 {
			for x := float32(0.5); x < tt.size.Width; x += 3 {
				p := fyne.NewPos(x, y)
				tile, bg := false, false
				for _, o := range objs {
					tile = tile || in(p, o.Position().AddXY(pad, pad), o.Size(), 0)
					if in(p, o.Position().AddXY(pad, pad), o.Size(), 1.01) {
						for _, s := range strips {
							if in(p, s.Position, s.Size, 0) {
								t.Fatalf("%d tiles at %v: strip %v+%v inside a tile at %v", tt.n, tt.size, s.Position, s.Size, p)
							}
						}
					}
				}
				for _, s := range strips {
					bg = bg || in(p, s.Position, s.Size, 0)
				}
				if !tile && !bg {
					t.Fatalf("%d tiles at %v: %v is neither tile nor background", tt.n, tt.size, p)
				}
			}
		}
	}
}
