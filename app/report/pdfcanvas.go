package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	pdf "codeberg.org/go-pdf/fpdf"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// pdfCanvas is a vg.Canvas drawing into a rectangle of a page of an fpdf
// document, so that gonum plots land in the report as vector graphics next
// to fpdf's own text and tables. It follows gonum's vgpdf, which can only
// draw whole pages of its own document. Units: the document's are mm.
type pdfCanvas struct {
	doc    *pdf.Fpdf
	w, h   vg.Length
	stack  []pdfCtx
	fonts  map[string]bool // registered with the document
	images int
	err    error
}

type pdfCtx struct {
	width vg.Length
}

const mmPerPt = 25.4 / 72

// newPDFCanvas starts drawing in the rectangle at (x, y) mm (top left) of
// size w x h mm of the current page. Call done when finished.
func newPDFCanvas(doc *pdf.Fpdf, fonts map[string]bool, x, y, w, h float64) *pdfCanvas {
	c := &pdfCanvas{doc: doc, w: vg.Length(w / mmPerPt), h: vg.Length(h / mmPerPt), stack: make([]pdfCtx, 1), fonts: fonts}
	doc.TransformBegin()
	doc.TransformTranslate(x, y)
	c.Push()
	c.Translate(vg.Point{X: 0, Y: c.h})
	c.Scale(1, -1)
	vg.Initialize(c)
	return c
}

func (c *pdfCanvas) done() error {
	c.Pop()
	c.doc.TransformEnd()
	c.doc.SetDashPattern(nil, 0)
	c.doc.SetAlpha(1, "Normal")
	c.doc.SetLineWidth(0.2)
	return c.err
}

func (c *pdfCanvas) unit(l vg.Length) float64 { return l.Points() * mmPerPt }

func (c *pdfCanvas) point(p vg.Point) (float64, float64) { return c.unit(p.X), c.unit(p.Y) }

func (c *pdfCanvas) ctx() *pdfCtx { return &c.stack[len(c.stack)-1] }

// Size implements vg.Canvas.
func (c *pdfCanvas) Size() (w, h vg.Length) { return c.w, c.h }

// SetLineWidth implements vg.Canvas.
func (c *pdfCanvas) SetLineWidth(w vg.Length) {
	c.ctx().width = w
	c.doc.SetLineWidth(c.unit(w))
}

// SetLineDash implements vg.Canvas.
func (c *pdfCanvas) SetLineDash(dashes []vg.Length, offs vg.Length) {
	ds := make([]float64, len(dashes))
	for i, d := range dashes {
		ds[i] = c.unit(d)
	}
	c.doc.SetDashPattern(ds, c.unit(offs))
}

// SetColor implements vg.Canvas.
func (c *pdfCanvas) SetColor(clr color.Color) {
	if clr == nil {
		clr = color.Black
	}
	r, g, b, a := clr.RGBA()
	if a == 0 {
		c.doc.SetAlpha(0, "Normal")
		return
	}
	// un-premultiply
	r8, g8, b8 := int(r*0xff/a), int(g*0xff/a), int(b*0xff/a)
	c.doc.SetFillColor(r8, g8, b8)
	c.doc.SetDrawColor(r8, g8, b8)
	c.doc.SetTextColor(r8, g8, b8)
	c.doc.SetAlpha(float64(a)/0xffff, "Normal")
}

// Rotate implements vg.Canvas.
func (c *pdfCanvas) Rotate(r float64) { c.doc.TransformRotate(-r*180/math.Pi, 0, 0) }

// Translate implements vg.Canvas.
func (c *pdfCanvas) Translate(pt vg.Point) {
	x, y := c.point(pt)
	c.doc.TransformTranslate(x, y)
}

// Scale implements vg.Canvas.
func (c *pdfCanvas) Scale(x, y float64) { c.doc.TransformScale(x*100, y*100, 0, 0) }

// Push implements vg.Canvas.
func (c *pdfCanvas) Push() {
	c.stack = append(c.stack, *c.ctx())
	c.doc.TransformBegin()
}

// Pop implements vg.Canvas.
func (c *pdfCanvas) Pop() {
	c.doc.TransformEnd()
	c.stack = c.stack[:len(c.stack)-1]
}

// Stroke implements vg.Canvas.
func (c *pdfCanvas) Stroke(p vg.Path) {
	if c.ctx().width > 0 {
		c.path(p, "D")
	}
}

// Fill implements vg.Canvas.
func (c *pdfCanvas) Fill(p vg.Path) { c.path(p, "F") }

// FillString implements vg.Canvas.
func (c *pdfCanvas) FillString(fnt font.Face, pt vg.Point, str string) {
	if fnt.Font.Size == 0 {
		return
	}
	name := fnt.Name()
	if !c.fonts[name] {
		var raw bytes.Buffer
		if _, err := fnt.Face.WriteSourceTo(nil, &raw); err != nil {
			c.err = fmt.Errorf("report: font %s: %w", name, err)
			return
		}
		c.doc.AddUTF8FontFromBytes(name, "", raw.Bytes())
		c.fonts[name] = true
	}
	c.doc.SetFont(name, "", fnt.Font.Size.Points())
	c.Push()
	defer c.Pop()
	c.Translate(pt)
	c.Scale(1, -1) // fpdf's origin is the top left corner
	_, h := c.doc.GetFontSize()
	d := c.doc.GetFontDesc(name, "")
	top := 0.81 * h
	if d.Ascent != 0 {
		top = -float64(d.Ascent) * h / float64(d.Ascent-d.Descent)
	}
	w := c.doc.GetStringWidth(str)
	c.doc.MoveTo(-c.doc.GetCellMargin(), top)
	c.doc.CellFormat(w, h, str, "", 0, "BL", false, 0, "")
}

// DrawImage implements vg.Canvas.
func (c *pdfCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		c.err = fmt.Errorf("report: image: %w", err)
		return
	}
	c.images++
	name := fmt.Sprintf("plotimg%p-%d", c, c.images)
	opts := pdf.ImageOptions{ImageType: "png", ReadDpi: true}
	c.doc.RegisterImageOptionsReader(name, opts, &buf)
	x, y := c.point(rect.Min)
	w, h := c.point(rect.Size())
	c.doc.ImageOptions(name, x, y, w, h, false, opts, 0, "")
}

func (c *pdfCanvas) path(path vg.Path, style string) {
	var x0, y0 float64
	for _, comp := range path {
		switch comp.Type {
		case vg.MoveComp:
			x0, y0 = c.point(comp.Pos)
			c.doc.MoveTo(x0, y0)
		case vg.LineComp:
			c.doc.LineTo(c.point(comp.Pos))
		case vg.ArcComp:
			const deg = 180 / math.Pi
			sx := comp.Pos.X + comp.Radius*vg.Length(math.Cos(comp.Start))
			sy := comp.Pos.Y + comp.Radius*vg.Length(math.Sin(comp.Start))
			c.doc.LineTo(c.point(vg.Point{X: sx, Y: sy}))
			r := c.unit(comp.Radius)
			beg := comp.Start * deg
			x, y := c.point(comp.Pos)
			c.doc.Arc(x, y, r, r, comp.Angle*deg, beg, beg+comp.Angle*deg, style)
			ex := comp.Pos.X + comp.Radius*vg.Length(math.Cos(comp.Start+comp.Angle))
			ey := comp.Pos.Y + comp.Radius*vg.Length(math.Sin(comp.Start+comp.Angle))
			c.doc.MoveTo(c.point(vg.Point{X: ex, Y: ey}))
		case vg.CurveComp:
			px, py := c.point(comp.Pos)
			switch len(comp.Control) {
			case 1:
				cx, cy := c.point(comp.Control[0])
				c.doc.CurveTo(cx, cy, px, py)
			case 2:
				cx, cy := c.point(comp.Control[0])
				dx, dy := c.point(comp.Control[1])
				c.doc.CurveBezierCubicTo(cx, cy, dx, dy, px, py)
			}
		case vg.CloseComp:
			c.doc.LineTo(x0, y0)
			c.doc.ClosePath()
		}
	}
	c.doc.DrawPath(style)
}
