package views

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/srtscope/srtscope/app"
)

// jpegOf is a w x h JPEG of one colour, like the analyser's thumbnails.
func jpegOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A thumbnail is scaled down to the tile's picture box, keeping its shape,
// into an RGBA image the GL painter uploads as it is; never enlarged.
func TestFitPicture(t *testing.T) {
	src := image.NewYCbCr(image.Rect(0, 0, 320, 180), image.YCbCrSubsampleRatio420)
	tests := []struct {
		name string
		box  image.Point
		want image.Point
	}{
		{"16 tiles at 1280x780: the height decides", image.Pt(262, 120), image.Pt(213, 120)},
		{"a narrow box: the width decides", image.Pt(160, 160), image.Pt(160, 90)},
		{"a big tile: not enlarged", image.Pt(900, 500), image.Pt(320, 180)},
		{"no box yet: as it is", image.Point{}, image.Pt(320, 180)},
		{"a sliver keeps a pixel", image.Pt(400, 0), image.Pt(320, 180)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fitPicture(src, tt.box)
			if got.Bounds().Size() != tt.want {
				t.Errorf("box %v: %v, want %v", tt.box, got.Bounds().Size(), tt.want)
			}
		})
	}
}

// The cache decodes a new picture only in a round that takes pictures
// (the first one at once), drops a picture that went away at once, and
// scales again for a new box without decoding again.
func TestThumbCacheTakesPicturesByRound(t *testing.T) {
	first, second := jpegOf(t, 320, 180), jpegOf(t, 320, 180)
	box, fit := image.Pt(262, 120), image.Pt(213, 120)
	type step struct {
		thumb       []byte
		round       pictureRound
		wantPic     []byte // the JPEG whose picture the tile shows, nil: none
		wantSize    image.Point
		wantDecodes int
		wantScales  int
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"the first picture shows at once, scaled", []step{
			{first, pictureRound{box: box}, first, fit, 1, 1},
			{first, pictureRound{box: box}, first, fit, 1, 1},
		}},
		{"a new picture waits for a round that takes pictures", []step{
			{first, pictureRound{box: box, fresh: true}, first, fit, 1, 1},
			{second, pictureRound{box: box}, first, fit, 1, 1},
			{second, pictureRound{box: box, fresh: true}, second, fit, 2, 2},
		}},
		{"a picture that went away goes at once", []step{
			{first, pictureRound{box: box, fresh: true}, first, fit, 1, 1},
			{nil, pictureRound{box: box}, nil, image.Point{}, 1, 1},
		}},
		{"a new box scales again without decoding", []step{
			{first, pictureRound{box: box, fresh: true}, first, fit, 1, 1},
			{first, pictureRound{box: image.Pt(160, 160)}, first, image.Pt(160, 90), 1, 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c thumbCache
			for i, s := range tt.steps {
				img, key := c.image(app.FeedView{ID: 1, Thumbnail: s.thumb}, s.round)
				if s.wantPic == nil {
					if img != nil || key != (thumbKey{}) {
						t.Fatalf("step %d: a picture (%v) where there is none", i, key)
					}
				} else {
					if _, ok := img.(*image.RGBA); !ok {
						t.Fatalf("step %d: a %T, want an *image.RGBA ready for the GPU", i, img)
					}
					if want := keyOf(s.wantPic); key.ptr != want.ptr {
						t.Errorf("step %d: the tile shows the other picture", i)
					}
					if img.Bounds().Size() != s.wantSize || key.px != s.wantSize {
						t.Errorf("step %d: picture %v (key %v), want %v", i, img.Bounds().Size(), key.px, s.wantSize)
					}
				}
				if c.decodes != s.wantDecodes || c.scales != s.wantScales {
					t.Errorf("step %d: %d decodes and %d scales, want %d and %d", i, c.decodes, c.scales, s.wantDecodes, s.wantScales)
				}
			}
		})
	}
}

// A wall of more than busyWallTiles tiles updates once a second, with new
// pictures; a small wall and the detail update at
// every tick with their pictures.
func TestRefreshPacer(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		tiles       int
		wantUpdates int // of 8 ticks, 2 s
		wantFresh   int
	}{
		{"the detail", 0, 8, 8},
		{"a wall of 4", 4, 8, 8},
		{"a wall of 16", 16, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p refreshPacer
			updates, fresh := 0, 0
			for i := 1; i <= 8; i++ {
				// Ticks come a little late, as they do on a busy machine.
				u, f := p.tick(t0.Add(time.Duration(i)*refreshEvery+time.Duration(i%3)*time.Millisecond), tt.tiles)
				if f && !u {
					t.Fatalf("tick %d: pictures without an update", i)
				}
				if u {
					updates++
				}
				if f {
					fresh++
				}
			}
			if updates != tt.wantUpdates || fresh != tt.wantFresh {
				t.Errorf("%d updates, %d with pictures; want %d and %d", updates, fresh, tt.wantUpdates, tt.wantFresh)
			}
		})
	}
}

// wallTestStates are n tiles' states, each with its figures.
func wallTestStates(n int) []tileState {
	states := make([]tileState, n)
	for i := range states {
		states[i] = tileState{id: app.FeedID(i + 1), name: "cam", state: "connected to 192.0.2.1", frame: colorGreen,
			stateColor: colorGreen, connected: true, figures: []tileFigure{{text: "5.00 Mbit/s"}, {text: "RTT 30 ms"}}}
	}
	return states
}

// Each tick gives every tile a fresh state; a tile redraws only when what
// it shows changed, so a tick that changes one tile's figure redraws that
// tile alone.
func TestWallRedrawsOnlyChangedTiles(t *testing.T) {
	test.NewTempApp(t)
	wv := newWallView(nil)
	w := test.NewTempWindow(t, wv.content)
	w.Resize(fyne.NewSize(1280, 780))
	tests := []struct {
		name   string
		change func(states []tileState)
		want   []int // redraws per tile after the step
	}{
		{"first states", func([]tileState) {}, []int{1, 1, 1, 1}},
		{"the same states again", func([]tileState) {}, []int{1, 1, 1, 1}},
		{"tile 3's bitrate moves", func(s []tileState) { s[2].figures[0].text = "4.98 Mbit/s" }, []int{1, 1, 2, 1}},
		{"tile 1 goes red", func(s []tileState) { s[0].frame = colorRed }, []int{2, 1, 2, 1}},
		{"new copies of the same states", func([]tileState) {}, []int{2, 1, 2, 1}},
	}
	states := wallTestStates(4)
	for _, tt := range tests {
		// Every tick brings new values, never the shown ones.
		next := wallTestStates(4)
		for i := range next {
			next[i].frame, next[i].figures[0] = states[i].frame, states[i].figures[0]
		}
		tt.change(next)
		states = next
		wv.set(states)
		for i, tile := range wv.tiles {
			if tile.redraws != tt.want[i] {
				t.Errorf("%s: tile %d redrew %d times, want %d", tt.name, i+1, tile.redraws, tt.want[i])
			}
		}
	}
}

// On a 16-tile wall the window hands each tile a picture scaled to the
// tile's picture box, and a new picture redraws only its tile.
func TestWallPicturesFitTheirTiles(t *testing.T) {
	ui, _, _ := newTestUI(t, fyne.NewSize(1280, 780), feedSpecs(16)...)
	if ui.mode != viewWall || len(ui.wall.tiles) != 16 {
		t.Fatalf("16 feeds: mode %v with %d tiles, want the wall", ui.mode, len(ui.wall.tiles))
	}
	box := ui.pictureBox()
	if box.X < 100 || box.Y < 50 || box.X >= 320 {
		t.Fatalf("picture box %v for 16 tiles at 1280x780", box)
	}
	feeds := make([]app.FeedView, 16)
	for i := range feeds {
		feeds[i] = app.FeedView{ID: app.FeedID(i + 1), Spec: listenerSpec("cam", 9000+i), Thumbnail: jpegOf(t, 320, 180)}
	}
	ui.wall.set(ui.tileStates(feeds, pictureRound{box: box, fresh: true}))
	redraws := make([]int, 16)
	for i, tile := range ui.wall.tiles {
		r := test.WidgetRenderer(tile).(*tileRenderer)
		img, ok := r.art.pic.Image.(*image.RGBA)
		if !ok {
			t.Fatalf("tile %d shows a %T, want an *image.RGBA", i+1, r.art.pic.Image)
		}
		if sz := img.Bounds().Size(); sz.X > box.X || sz.Y > box.Y || (sz.X != box.X && sz.Y != box.Y) {
			t.Errorf("tile %d: a %v picture for a %v box", i+1, sz, box)
		}
		redraws[i] = tile.redraws
	}
	feeds[5].Thumbnail = jpegOf(t, 320, 180)
	ui.wall.set(ui.tileStates(feeds, pictureRound{box: box, fresh: true}))
	for i, tile := range ui.wall.tiles {
		want := redraws[i]
		if i == 5 {
			want++
		}
		if tile.redraws != want {
			t.Errorf("a new picture on tile 6: tile %d redrew %d times, want %d", i+1, tile.redraws-redraws[i], want-redraws[i])
		}
	}
}

// The refresh worker paints the wall's tiles (tileArtist): a tile whose
// state comes painted for its box swaps that picture in and rasterises
// nothing on the UI goroutine; one painted for another box (the window
// was resized meanwhile) is painted again by the tile. The artist paints a
// tile again only when its state or the box changed.
func TestWorkerPaintsTheWallsTiles(t *testing.T) {
	test.NewTempApp(t)
	wv := newWallView(nil)
	w := test.NewTempWindow(t, wv.content)
	w.Resize(fyne.NewSize(1280, 780))
	wv.set(wallTestStates(4))
	box := tileBox{size: wv.tiles[0].Size(), scale: w.Canvas().Scale()}
	if box.size.Width < 100 {
		t.Fatalf("tiles laid out at %v", box.size)
	}
	var artist tileArtist
	renderers := make([]*tileRenderer, 4)
	for i, tile := range wv.tiles {
		renderers[i] = test.WidgetRenderer(tile).(*tileRenderer)
	}
	tests := []struct {
		name        string
		change      func(s []tileState)
		box         tileBox
		wantPainted []int // pictures the artist painted anew, per tile
		wantOwn     []int // words each tile's renderer rasterised itself
	}{
		{"every tile's bitrate moves", func(s []tileState) {
			for i := range s {
				s[i].figures[0].text = "4.99 Mbit/s"
			}
		}, box, []int{1, 1, 1, 1}, []int{0, 0, 0, 0}},
		{"tile 2 goes red", func(s []tileState) {
			for i := range s {
				s[i].figures[0].text = "4.99 Mbit/s"
			}
			s[1].frame = colorRed
		}, box, []int{0, 1, 0, 0}, []int{0, 0, 0, 0}},
		{"painted for a box the tiles no longer have", func(s []tileState) {
			for i := range s {
				s[i].figures[0].text = "4.98 Mbit/s"
			}
		}, tileBox{size: box.size.AddWidthHeight(-20, -10), scale: box.scale}, []int{1, 1, 1, 1}, []int{1, 1, 1, 1}},
	}
	for _, tt := range tests {
		states := wallTestStates(4)
		tt.change(states)
		before := make([]*image.RGBA, 4)
		own := make([]int, 4)
		for i := range artist.slots {
			before[i] = artist.slots[i].shot
		}
		for i, r := range renderers {
			own[i] = r.art.painter.rasterised
		}
		artist.paint(states, tt.box)
		wv.set(states)
		for i, r := range renderers {
			painted := 0
			if states[i].shot != before[i] {
				painted = 1
			}
			if painted != tt.wantPainted[i] {
				t.Errorf("%s: tile %d painted %d times by the artist, want %d", tt.name, i+1, painted, tt.wantPainted[i])
			}
			if n := r.art.painter.rasterised - own[i]; (n > 0) != (tt.wantOwn[i] > 0) {
				t.Errorf("%s: tile %d rasterised %d words itself, want %d", tt.name, i+1, n, tt.wantOwn[i])
			}
			if tt.wantOwn[i] == 0 && r.shot.Image != states[i].shot {
				t.Errorf("%s: tile %d does not show the picture painted for it", tt.name, i+1)
			}
		}
	}
}
