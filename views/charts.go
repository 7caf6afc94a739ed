package views

import (
	"image"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/chart"
	"github.com/srtscope/srtscope/session"
)

// chartWindows are the spans the operator can choose.
var chartWindows = []struct {
	label string
	d     time.Duration
}{{"1 min", time.Minute}, {"5 min", 5 * time.Minute}, {"15 min", 15 * time.Minute}, {"60 min", time.Hour}}

// chartPanel draws the four live charts with gonum/plot into rasters. It
// redraws only when a new sample arrived or the window changed.
type chartPanel struct {
	content fyne.CanvasObject
	rasters []*canvas.Raster
	samples []session.Sample
	window  time.Duration
	lastT   time.Time
}

func newChartPanel() *chartPanel {
	p := &chartPanel{window: time.Minute}
	grid := container.NewGridWithColumns(2)
	for _, k := range chart.Kinds {
		k := k
		r := canvas.NewRaster(func(w, h int) image.Image { return p.render(k, w, h) })
		p.rasters = append(p.rasters, r)
		grid.Add(r)
	}
	labels := make([]string, len(chartWindows))
	for i, cw := range chartWindows {
		labels[i] = cw.label
	}
	sel := widget.NewRadioGroup(labels, func(s string) {
		for _, cw := range chartWindows {
			if cw.label == s {
				p.window = cw.d
			}
		}
		p.redraw()
	})
	sel.Horizontal = true
	sel.Selected = labels[0]
	sel.Required = true
	p.content = container.NewBorder(container.NewHBox(widget.NewLabel("Window:"), sel), nil, nil, nil, grid)
	return p
}

// render runs on the UI goroutine when a raster is drawn.
func (p *chartPanel) render(k chart.Kind, w, h int) image.Image {
	if w <= 0 || h <= 0 {
		return image.NewUniform(color.Transparent)
	}
	if len(p.samples) == 0 {
		return image.NewUniform(color.Transparent)
	}
	end := p.samples[len(p.samples)-1].Time
	pl, err := chart.Build(k, p.samples, chart.Last(p.window, end), chart.Options{MaxPoints: 2 * w})
	if err != nil {
		return image.NewUniform(color.Transparent)
	}
	return chart.Image(pl, w, h)
}

func (p *chartPanel) reset() {
	p.samples = nil
	p.lastT = time.Time{}
	p.redraw()
}

func (p *chartPanel) update(v app.FeedView) {
	if len(v.History) == 0 {
		if p.samples != nil {
			p.reset()
		}
		return
	}
	last := v.History[len(v.History)-1].Time
	if last.Equal(p.lastT) {
		return
	}
	p.lastT = last
	p.samples = v.History
	p.redraw()
}

func (p *chartPanel) redraw() {
	for _, r := range p.rasters {
		r.Refresh()
	}
}
