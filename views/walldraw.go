package views

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sync"

	"github.com/go-text/render"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"

	xdraw "golang.org/x/image/draw"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
)

// A wall tile reaches the window as one picture. Its rectangles, words,
// meter and thumbnail are laid out as canvas objects (tileRenderer.place)
// but painted here, into one RGBA image the GL painter uploads as it is:
// one textured quad per tile instead of some twenty draws with their
// overdraw. On a machine without a GPU (Mesa's llvmpipe, Xvfb) a frame
// costs what its fragments and draw calls cost, and a 16-tile wall of
// separate objects took ~45 ms a frame, all of it on the UI goroutine.
// Only rectangles (fill, inside stroke, round corners), texts and images
// occur on a tile, so only those are painted.

// tilePainter paints a tile's objects into an image. It keeps the words it
// rasterised for the last picture as alpha masks, so that a repaint only
// rasterises the words that changed (usually a figure or two). One per
// tileArt, used by one goroutine at a time.
type tilePainter struct {
	masks map[textMaskKey]*image.Alpha
	used  map[textMaskKey]*image.Alpha
	rend  render.Renderer
	seg   shaping.Segmenter
	shape shaping.HarfbuzzShaper
	// rasterised counts words rasterised, for tests.
	rasterised int
}

type textMaskKey struct {
	text        string
	size, scale float32
	bold        bool
}

// tileFaces are the theme's regular and bold faces, parsed once.
var tileFaces struct {
	sync.Mutex
	res  [2]fyne.Resource
	face [2]*font.Face
}

// faceFor is the theme's face for a text style (regular or bold).
func faceFor(style fyne.TextStyle) *font.Face {
	i := 0
	if style.Bold {
		i = 1
	}
	th := theme.DefaultTheme()
	if a := fyne.CurrentApp(); a != nil && a.Settings().Theme() != nil {
		th = a.Settings().Theme()
	}
	res := th.Font(fyne.TextStyle{Bold: style.Bold})
	tileFaces.Lock()
	defer tileFaces.Unlock()
	if tileFaces.face[i] == nil || tileFaces.res[i] != res {
		f, err := font.ParseTTF(bytes.NewReader(res.Content()))
		if err != nil {
			fyne.LogError("wall tile font", err)
			return tileFaces.face[i]
		}
		tileFaces.face[i], tileFaces.res[i] = f, res
	}
	return tileFaces.face[i]
}

// paint draws objs, laid out in a tile of size (in Fyne units), into an
// image of size x scale pixels.
func (p *tilePainter) paint(objs []fyne.CanvasObject, size fyne.Size, scale float32) *image.RGBA {
	w, h := int(math.Ceil(float64(size.Width*scale))), int(math.Ceil(float64(size.Height*scale)))
	dst := image.NewRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	p.used = make(map[textMaskKey]*image.Alpha, len(p.masks))
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		switch obj := o.(type) {
		case *canvas.Rectangle:
			paintRect(dst, obj, scale)
		case *canvas.Text:
			p.paintText(dst, obj, scale)
		case *canvas.Image:
			paintPicture(dst, obj, scale)
		}
	}
	p.masks, p.used = p.used, nil
	return dst
}

// pixRect is an object's box in pixels.
func pixRect(pos fyne.Position, size fyne.Size, scale float32) image.Rectangle {
	px := func(v float32) int { return int(math.Round(float64(v * scale))) }
	return image.Rect(px(pos.X), px(pos.Y), px(pos.X+size.Width), px(pos.Y+size.Height))
}

func opaque(c color.Color) bool {
	if c == nil {
		return false
	}
	_, _, _, a := c.RGBA()
	return a == 0xffff
}

func visible(c color.Color) bool {
	if c == nil {
		return false
	}
	_, _, _, a := c.RGBA()
	return a > 0
}

// paintRect fills a rectangle and strokes it inside its edges, as Fyne's
// painter does; round corners are cut with antialiasing.
func paintRect(dst *image.RGBA, r *canvas.Rectangle, scale float32) {
	box := pixRect(r.Position(), r.Size(), scale)
	if visible(r.FillColor) {
		if r.CornerRadius > 0 {
			fillRound(dst, box, float64(r.CornerRadius*scale), r.FillColor)
		} else {
			fillRect(dst, box, r.FillColor)
		}
	}
	if r.StrokeWidth > 0 && visible(r.StrokeColor) {
		sw := max(1, int(math.Round(float64(r.StrokeWidth*scale))))
		sw = min(sw, box.Dx()/2, box.Dy()/2)
		for _, edge := range []image.Rectangle{
			{box.Min, image.Pt(box.Max.X, box.Min.Y+sw)},
			{image.Pt(box.Min.X, box.Max.Y-sw), box.Max},
			{image.Pt(box.Min.X, box.Min.Y+sw), image.Pt(box.Min.X+sw, box.Max.Y-sw)},
			{image.Pt(box.Max.X-sw, box.Min.Y+sw), image.Pt(box.Max.X, box.Max.Y-sw)},
		} {
			fillRect(dst, edge, r.StrokeColor)
		}
	}
}

func fillRect(dst *image.RGBA, r image.Rectangle, c color.Color) {
	op := draw.Over
	if opaque(c) {
		op = draw.Src
	}
	draw.Draw(dst, r.Intersect(dst.Rect), image.NewUniform(c), image.Point{}, op)
}

// fillRound fills r with corners of radius rad, their edge pixels covered
// by how much of them lies inside the arc.
func fillRound(dst *image.RGBA, r image.Rectangle, rad float64, c color.Color) {
	rad = math.Min(rad, float64(min(r.Dx(), r.Dy()))/2)
	k := int(math.Ceil(rad))
	if k <= 0 {
		fillRect(dst, r, c)
		return
	}
	fillRect(dst, image.Rect(r.Min.X+k, r.Min.Y, r.Max.X-k, r.Max.Y), c)
	fillRect(dst, image.Rect(r.Min.X, r.Min.Y+k, r.Min.X+k, r.Max.Y-k), c)
	fillRect(dst, image.Rect(r.Max.X-k, r.Min.Y+k, r.Max.X, r.Max.Y-k), c)
	src := image.NewUniform(c)
	mask := image.NewAlpha(image.Rect(0, 0, 1, 1))
	for _, corner := range []struct {
		x0, y0 int     // the corner square's top left pixel
		cx, cy float64 // the arc's centre
	}{
		{r.Min.X, r.Min.Y, float64(r.Min.X) + rad, float64(r.Min.Y) + rad},
		{r.Max.X - k, r.Min.Y, float64(r.Max.X) - rad, float64(r.Min.Y) + rad},
		{r.Min.X, r.Max.Y - k, float64(r.Min.X) + rad, float64(r.Max.Y) - rad},
		{r.Max.X - k, r.Max.Y - k, float64(r.Max.X) - rad, float64(r.Max.Y) - rad},
	} {
		for y := corner.y0; y < corner.y0+k; y++ {
			for x := corner.x0; x < corner.x0+k; x++ {
				d := math.Hypot(float64(x)+0.5-corner.cx, float64(y)+0.5-corner.cy)
				cover := math.Max(0, math.Min(1, rad+0.5-d))
				// Pixels beside the arc's centre lie inside on one axis.
				if (float64(x)+0.5-corner.cx)*(float64(corner.x0)+0.5-corner.cx) < 0 ||
					(float64(y)+0.5-corner.cy)*(float64(corner.y0)+0.5-corner.cy) < 0 {
					cover = 1
				}
				if cover <= 0 {
					continue
				}
				mask.Pix[0] = uint8(cover * 0xff)
				pt := image.Pt(x, y)
				if pt.In(dst.Rect) {
					draw.DrawMask(dst, image.Rectangle{pt, pt.Add(image.Pt(1, 1))}, src, image.Point{}, mask, image.Point{}, draw.Over)
				}
			}
		}
	}
}

// paintText draws a text where Fyne's painter would: its glyphs on a
// baseline at the ascent from the top of its box, moved for its
// alignment inside a box larger than the words.
func (p *tilePainter) paintText(dst *image.RGBA, t *canvas.Text, scale float32) {
	if t.Text == "" || t.Text == " " {
		return
	}
	key := textMaskKey{text: t.Text, size: t.TextSize, scale: scale, bold: t.TextStyle.Bold}
	mask, ok := p.masks[key]
	if !ok {
		mask = p.rasterise(key)
	}
	p.used[key] = mask
	pos, minSize, box := t.Position(), t.MinSize(), t.Size()
	switch t.Alignment {
	case fyne.TextAlignTrailing:
		pos.X += box.Width - minSize.Width
	case fyne.TextAlignCenter:
		pos.X += (box.Width - minSize.Width) / 2
	}
	if box.Height > minSize.Height {
		pos.Y += (box.Height - minSize.Height) / 2
	}
	at := image.Pt(int(math.Round(float64(pos.X*scale))), int(math.Round(float64(pos.Y*scale))))
	r := mask.Rect.Add(at).Intersect(dst.Rect)
	if r.Empty() {
		return
	}
	c := t.Color
	if c == nil {
		c = tileText
	}
	draw.DrawMask(dst, r, image.NewUniform(c), image.Point{}, mask, r.Min.Sub(at), draw.Over)
}

// rasterise shapes and rasterises a text into an alpha mask, as Fyne's
// text painter does (shaped at its point size, drawn at the pixel scale,
// the baseline at the runs' largest ascent).
func (p *tilePainter) rasterise(k textMaskKey) *image.Alpha {
	p.rasterised++
	face := faceFor(fyne.TextStyle{Bold: k.bold})
	if face == nil {
		return image.NewAlpha(image.Rect(0, 0, 1, 1))
	}
	runes := []rune(k.text)
	in := shaping.Input{Text: runes, RunEnd: len(runes), Face: face, Size: fixed.Int26_6(float64(k.size) * 64)}
	var runs []shaping.Output
	ascent, width := fixed.Int26_6(0), float32(0)
	for _, run := range p.seg.Split(in, singleFace{face}) {
		out := p.shape.Shape(run)
		ascent = max(ascent, out.LineBounds.Ascent)
		width += float32(out.Advance) / 64
		runs = append(runs, out)
	}
	minSize := fyne.MeasureText(k.text, k.size, fyne.TextStyle{Bold: k.bold})
	w := int(math.Ceil(float64(max(width, minSize.Width)*k.scale))) + 2
	h := int(math.Ceil(float64((minSize.Height + 1) * k.scale)))
	mask := image.NewAlpha(image.Rect(0, 0, max(w, 1), max(h, 1)))
	p.rend.FontSize, p.rend.PixScale, p.rend.Color = k.size, k.scale, color.Alpha{A: 0xff}
	x, y := 0, int(math.Ceil(float64(ascent)/64*float64(k.scale)))
	for _, out := range runs {
		x = p.rend.DrawShapedRunAt(out, mask, x, y)
	}
	return mask
}

// singleFace answers every rune with one face.
type singleFace struct{ face *font.Face }

func (s singleFace) ResolveFace(rune) *font.Face { return s.face }

// paintPicture draws an image as canvas.ImageFillContain shows it: whole,
// centred in its box, scaled only when its size is not the box's (the
// wall prepares thumbnails at the box's size).
func paintPicture(dst *image.RGBA, img *canvas.Image, scale float32) {
	src := img.Image
	if src == nil {
		return
	}
	box := pixRect(img.Position(), img.Size(), scale)
	sb := src.Bounds()
	if box.Empty() || sb.Empty() {
		return
	}
	w, h := box.Dx(), box.Dy()
	if sb.Dx()*h > sb.Dy()*w {
		h = max(1, sb.Dy()*w/sb.Dx())
	} else {
		w = max(1, sb.Dx()*h/sb.Dy())
	}
	// Within a pixel of its own size: drawn as it is.
	if abs(w-sb.Dx()) <= 1 && abs(h-sb.Dy()) <= 1 {
		w, h = sb.Dx(), sb.Dy()
	}
	at := image.Pt(box.Min.X+(box.Dx()-w)/2, box.Min.Y+(box.Dy()-h)/2)
	r := image.Rectangle{at, at.Add(image.Pt(w, h))}
	if w == sb.Dx() && h == sb.Dy() {
		draw.Draw(dst, r.Intersect(dst.Rect), src, sb.Min.Add(r.Intersect(dst.Rect).Min.Sub(at)), draw.Over)
		return
	}
	xdraw.ApproxBiLinear.Scale(dst, r, src, sb, xdraw.Over, nil)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
