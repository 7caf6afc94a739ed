package report

import (
	"errors"
	"fmt"
	"io"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	pdf "codeberg.org/go-pdf/fpdf"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/srtscope/srtscope/app/chart"
	"github.com/srtscope/srtscope/app/record"
)

// Page geometry (A4, mm).
const (
	pageW   = 210.0
	pageH   = 297.0
	margin  = 15.0
	bodyW   = pageW - 2*margin
	bottomY = pageH - 18
	lineH   = 4.6
)

// Palette (matches the HTML report and the charts).
var (
	colBlue   = [3]int{0x1f, 0x5f, 0xbf}
	colText   = [3]int{0x1d, 0x24, 0x30}
	colMuted  = [3]int{0x5a, 0x63, 0x70}
	colRule   = [3]int{0xd5, 0xdb, 0xe3}
	colHead   = [3]int{0xee, 0xf2, 0xf7}
	colBad    = [3]int{0xb3, 0x14, 0x1b}
	colOKBg   = [3]int{0xe6, 0xf4, 0xec}
	colOKFg   = [3]int{0x1d, 0x6b, 0x3f}
	colWarnBg = [3]int{0xfd, 0xec, 0xec}
)

type pdfDoc struct {
	*pdf.Fpdf
	fonts map[string]bool
}

func (d *pdfDoc) text(c [3]int) { d.SetTextColor(c[0], c[1], c[2]) }
func (d *pdfDoc) fill(c [3]int) { d.SetFillColor(c[0], c[1], c[2]) }
func (d *pdfDoc) draw(c [3]int) { d.SetDrawColor(c[0], c[1], c[2]) }
func (d *pdfDoc) font(bold bool, size float64) {
	if bold {
		d.SetFont("Sans", "B", size)
	} else {
		d.SetFont("Sans", "", size)
	}
}

// need starts a new page when h mm do not fit on this one.
func (d *pdfDoc) need(h float64) bool {
	if d.GetY()+h > bottomY {
		d.AddPage()
		return true
	}
	return false
}

func (d *pdfDoc) heading(title string) {
	d.need(20)
	d.Ln(3)
	d.font(true, 13)
	d.text(colBlue)
	d.SetX(margin)
	d.CellFormat(bodyW, 7, title, "", 1, "L", false, 0, "")
	d.draw(colRule)
	d.SetLineWidth(0.3)
	d.Line(margin, d.GetY(), margin+bodyW, d.GetY())
	d.Ln(2)
	d.text(colText)
}

func (d *pdfDoc) note(s string) {
	if s == "" {
		return
	}
	d.font(false, 9)
	d.text(colMuted)
	d.SetX(margin)
	d.MultiCell(bodyW, lineH, s, "", "L", false)
	d.Ln(1)
	d.text(colText)
}

// table draws t across the body width, repeating the header on new pages
// and wrapping long cells.
func (d *pdfDoc) table(t table) {
	const pad = 1.2
	if t.Title != "" {
		d.need(8 + 3*lineH)
		d.font(true, 10)
		d.SetX(margin)
		d.CellFormat(bodyW, 6, t.Title, "", 1, "L", false, 0, "")
	}
	total := 0.0
	widths := make([]float64, len(t.Header))
	for i := range t.Header {
		w := 1.0
		if i < len(t.Widths) {
			w = t.Widths[i]
		}
		widths[i] = w
		total += w
	}
	for i := range widths {
		widths[i] *= bodyW / total
	}
	align := func(i int) string {
		if i < len(t.Num) && t.Num[i] {
			return "R"
		}
		return "L"
	}
	header := func() {
		d.font(true, 8.5)
		d.fill(colHead)
		d.text(colText)
		d.SetX(margin)
		for i, h := range t.Header {
			d.CellFormat(widths[i], lineH+2*pad, h, "", 0, align(i), true, 0, "")
		}
		d.Ln(-1)
	}
	d.need(lineH*3 + 4)
	header()
	d.font(false, 8.5)
	for r, row := range t.Rows {
		lines := make([][]string, len(row))
		n := 1
		for i, c := range row {
			lines[i] = d.SplitText(c, widths[i])
			if len(lines[i]) == 0 {
				lines[i] = []string{""}
			}
			n = max(n, len(lines[i]))
		}
		h := float64(n)*lineH + 2*pad
		if d.need(h) {
			header()
			d.font(false, 8.5)
		}
		y := d.GetY()
		if r < len(t.Bad) && t.Bad[r] {
			d.text(colBad)
		} else {
			d.text(colText)
		}
		x := margin
		for i := range row {
			for k, l := range lines[i] {
				d.SetXY(x, y+pad+float64(k)*lineH)
				d.CellFormat(widths[i], lineH, l, "", 0, align(i), false, 0, "")
			}
			x += widths[i]
		}
		d.draw(colRule)
		d.SetLineWidth(0.15)
		d.Line(margin, y+h, margin+bodyW, y+h)
		d.SetXY(margin, y+h)
	}
	d.text(colText)
	d.Ln(2)
	if t.Note != "" {
		d.font(true, 9)
		d.SetX(margin)
		d.MultiCell(bodyW, lineH, t.Note, "", "L", false)
		d.Ln(1)
	}
}

// kvGroup draws one block of the cover summary in a column at x, width w,
// starting at y; it returns the y below it.
func (d *pdfDoc) kvGroup(g group, x, y, w float64) float64 {
	d.SetXY(x, y)
	d.font(true, 10)
	d.text(colBlue)
	d.CellFormat(w, 6, g.Title, "", 0, "L", false, 0, "")
	y += 6.5
	keyW := w * 0.47
	for _, r := range g.Rows {
		d.font(false, 9)
		vals := d.SplitText(r.Value, w-keyW)
		if len(vals) == 0 {
			vals = []string{""}
		}
		d.text(colMuted)
		d.SetXY(x, y)
		d.CellFormat(keyW, lineH+0.4, r.Key, "", 0, "L", false, 0, "")
		if r.Bad {
			d.text(colBad)
			d.font(true, 9)
		} else {
			d.text(colText)
		}
		for k, v := range vals {
			d.SetXY(x+keyW, y+float64(k)*(lineH+0.4))
			d.CellFormat(w-keyW, lineH+0.4, v, "", 0, "L", false, 0, "")
		}
		y += float64(len(vals)) * (lineH + 0.4)
		d.draw(colRule)
		d.SetLineWidth(0.1)
		d.Line(x, y+0.3, x+w, y+0.3)
		y += 0.8
	}
	d.text(colText)
	return y + 3
}

func writePDF(w io.Writer, s *record.Session, o Options) error {
	c, _ := build(s, o)
	doc := &pdfDoc{Fpdf: pdf.New("P", "mm", "A4", ""), fonts: map[string]bool{}}
	doc.SetCompression(true)
	doc.AddUTF8FontFromBytes("Sans", "", liberationsansregular.TTF)
	doc.AddUTF8FontFromBytes("Sans", "B", liberationsansbold.TTF)
	doc.SetTitle(c.Title+": "+c.Subtitle, true)
	doc.SetCreator(generator(), true)
	doc.SetMargins(margin, margin, margin)
	doc.SetAutoPageBreak(false, 0)
	doc.SetCellMargin(1.2)
	doc.AliasNbPages("{nb}")
	doc.SetFooterFunc(func() {
		doc.SetY(pageH - 12)
		doc.font(false, 8)
		doc.text(colMuted)
		doc.SetX(margin)
		doc.CellFormat(bodyW/2, 5, c.Title+" · "+c.Subtitle, "", 0, "L", false, 0, "")
		doc.CellFormat(bodyW/2, 5, fmt.Sprintf("page %d of {nb}", doc.PageNo()), "", 0, "R", false, 0, "")
	})

	// Cover.
	doc.AddPage()
	doc.fill(colBlue)
	doc.Rect(0, 0, pageW, 30, "F")
	doc.SetTextColor(255, 255, 255)
	doc.SetXY(margin, 7)
	doc.font(true, 20)
	doc.CellFormat(bodyW, 9, c.Title, "", 1, "L", false, 0, "")
	doc.SetX(margin)
	doc.font(false, 12)
	doc.CellFormat(bodyW, 7, c.Subtitle, "", 1, "L", false, 0, "")
	doc.SetXY(margin, 33)
	doc.font(false, 8.5)
	doc.text(colMuted)
	doc.CellFormat(bodyW, 5, c.Generated, "", 1, "L", false, 0, "")

	// Verdict.
	doc.font(true, 10.5)
	lines := doc.SplitText(c.Verdict, bodyW-8)
	vh := float64(len(lines))*5.2 + 5
	y := doc.GetY() + 2
	bg, fg := colWarnBg, colBad
	if c.VerdictOK {
		bg, fg = colOKBg, colOKFg
	}
	doc.fill(bg)
	doc.Rect(margin, y, bodyW, vh, "F")
	doc.fill(fg)
	doc.Rect(margin, y, 1.6, vh, "F")
	doc.text(fg)
	for k, l := range lines {
		doc.SetXY(margin+5, y+2.5+float64(k)*5.2)
		doc.CellFormat(bodyW-8, 5.2, l, "", 0, "L", false, 0, "")
	}
	y += vh + 6

	// Summary in two columns.
	colW := (bodyW - 8) / 2
	left, right := y, y
	for i, g := range c.Groups {
		if i%2 == 0 {
			left = doc.kvGroup(g, margin, left, colW)
		} else {
			right = doc.kvGroup(g, margin+colW+8, right, colW)
		}
	}
	doc.SetXY(margin, max(left, right))
	doc.note("Lost = packets detected missing (recovered + dropped); recovered = retransmitted in time; dropped = not delivered to the decoder in time (unrecovered, or too late to play). Loss % is of packets sent (received + dropped). Mbit/s are 10^6 bit/s.")
	o.progress(0.2)

	if !c.NoCharts {
		// Charts: all four (six with the receiver detail, one more with the
		// loudness) on one page.
		doc.AddPage()
		doc.SetY(margin)
		doc.heading("Charts over the whole session")
		doc.note("Shaded red: the feed was off air.")
		// One canvas for the charts so that plot.Align lines up their
		// plotting areas (tick labels of different widths would not).
		kinds := reportKinds(s)
		plots := make([][]*plot.Plot, len(kinds))
		for i, k := range kinds {
			p, err := chart.Build(k, s.Samples, chart.Window{}, chart.Options{})
			if err != nil && !errors.Is(err, chart.ErrEmpty) {
				return fmt.Errorf("report: pdf: %w", err)
			}
			plots[i] = []*plot.Plot{p}
		}
		if sum := Summarize(s); len(sum.LoudnessTrend) > 0 {
			p, err := chart.BuildLoudness(loudnessChartPoints(sum), ReferenceLUFS, sessionWindow(s), chart.Options{})
			if err != nil && !errors.Is(err, chart.ErrEmpty) {
				return fmt.Errorf("report: pdf: %w", err)
			}
			plots = append(plots, []*plot.Plot{p})
		}
		y = doc.GetY() // drawing text moves fpdf's cursor: keep our own
		cv := newPDFCanvas(doc.Fpdf, doc.fonts, margin, y, bodyW, bottomY-y)
		tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Millimeter * 4}
		for i, dc := range plot.Align(plots, tiles, draw.New(cv)) {
			plots[i][0].Draw(dc[0])
			o.progress(0.2 + 0.6*float64(i+1)/float64(len(plots)))
		}
		if err := cv.done(); err != nil {
			return fmt.Errorf("report: pdf: %w", err)
		}
	}

	// Inspection, media, log, wizard.
	doc.AddPage()
	doc.SetY(margin)
	for i, sec := range c.Sections {
		if i > 0 {
			doc.Ln(3)
		}
		doc.heading(sec.Title)
		doc.note(sec.Note)
		for _, t := range sec.Tables {
			doc.table(t)
		}
	}
	if err := doc.Error(); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	if err := doc.Output(w); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	return nil
}
