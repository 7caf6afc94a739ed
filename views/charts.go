package views

import (
	"image"
	"image/color"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/chart"
	"github.com/srtscope/srtscope/app/guidance"
	"github.com/srtscope/srtscope/session"
)

// chartWindows are the spans the operator can choose.
var chartWindows = []struct {
	label string
	d     time.Duration
}{{"1 min", time.Minute}, {"5 min", 5 * time.Minute}, {"15 min", 15 * time.Minute}, {"60 min", time.Hour}}

// chartPanel draws the four live charts with gonum/plot into rasters. When
// a new sample arrives (or the operator picks another window) the four are
// rendered in parallel off the UI goroutine, which only swaps the finished
// images in: a 60-minute chart at full-HD size takes tens of milliseconds,
// too long to spend on the goroutine that handles input. The rasters draw
// synchronously only when they have no image of their size yet (first
// draw, resize).
type chartPanel struct {
	content fyne.CanvasObject
	rasters []*canvas.Raster

	// mu guards what follows. In the app all of it is touched on the UI
	// goroutine, but Fyne's test driver runs fyne.Do on the caller's.
	mu      sync.Mutex
	samples []session.Sample
	window  time.Duration
	lastT   time.Time
	look    chartLook     // the theme and guidance the charts are drawn with
	frames  []chartFrame  // per kind: the image on screen and what it shows
	sizes   []image.Point // per kind: the raster's pixel size when last drawn
	busy    bool          // a background render is running
	again   bool          // something changed while busy: render once more
}

// chartLook is what the charts take from outside their samples: the UI
// theme's colours and the header's loss, which the guidance line is
// advised for (so that the chart and the header show the same multiple).
type chartLook struct {
	theme     chart.Theme
	guideLoss *guidance.Loss
}

// currentChartTheme is the chart theme for the app's Fyne theme now (dark
// or light): background, text and grid colours from the theme, series
// shades to suit it.
func currentChartTheme() chart.Theme {
	return chart.ScreenTheme(theme.Color(theme.ColorNameBackground), theme.Color(theme.ColorNameForeground), theme.Color(theme.ColorNameSeparator))
}

// chartFrame is one rendered chart and what it shows.
type chartFrame struct {
	img    image.Image
	size   image.Point
	lastT  time.Time
	window time.Duration
}

func newChartPanel() *chartPanel {
	p := &chartPanel{window: time.Minute, frames: make([]chartFrame, len(chart.Kinds)), sizes: make([]image.Point, len(chart.Kinds)),
		look: chartLook{theme: currentChartTheme()}}
	grid := container.NewGridWithColumns(2)
	for i, k := range chart.Kinds {
		r := canvas.NewRaster(func(w, h int) image.Image { return p.draw(i, k, w, h) })
		p.rasters = append(p.rasters, r)
		grid.Add(r)
	}
	labels := make([]string, len(chartWindows))
	for i, cw := range chartWindows {
		labels[i] = cw.label
	}
	sel := widget.NewRadioGroup(labels, func(s string) {
		p.mu.Lock()
		for _, cw := range chartWindows {
			if cw.label == s {
				p.window = cw.d
			}
		}
		p.mu.Unlock()
		p.renderInBackground()
	})
	sel.Horizontal = true
	sel.Selected = labels[0]
	sel.Required = true
	p.content = container.NewBorder(container.NewHBox(widget.NewLabel("Window:"), sel), nil, nil, nil, grid)
	return p
}

// draw is raster i's generator; it runs on the UI goroutine. It returns the
// latest image of the right size, even when a newer one is being rendered.
func (p *chartPanel) draw(i int, k chart.Kind, w, h int) image.Image {
	p.mu.Lock()
	defer p.mu.Unlock()
	if th := currentChartTheme(); !sameChartTheme(th, p.look.theme) { // the operator switched dark/light
		p.look.theme = th
		for j := range p.frames {
			p.frames[j] = chartFrame{}
		}
	}
	size := image.Pt(w, h)
	p.sizes[i] = size
	if f := p.frames[i]; f.img != nil && f.size == size {
		return f.img
	}
	// The four charts show one moment, or their time axes would not line
	// up: draw the others again too, at the sizes they last had.
	others := false
	for j, kj := range chart.Kinds {
		if j == i || p.sizes[j] == (image.Point{}) {
			continue
		}
		p.frames[j] = chartFrame{img: p.render(kj, p.sizes[j].X, p.sizes[j].Y), size: p.sizes[j], lastT: p.lastT, window: p.window}
		others = true
	}
	img := p.render(k, w, h)
	p.frames[i] = chartFrame{img: img, size: size, lastT: p.lastT, window: p.window}
	if others {
		go fyne.Do(p.refreshRasters) // after this draw: p.mu is held here
	}
	return img
}

// render draws kind k of the current samples at w x h pixels; p.mu held.
func (p *chartPanel) render(k chart.Kind, w, h int) image.Image {
	return renderChart(k, p.samples, p.window, p.look, w, h)
}

// sameChartTheme reports whether two chart themes draw alike.
func sameChartTheme(a, b chart.Theme) bool {
	return a == b
}

// buildCharts builds the four charts of samples over the window before
// the last one, with the same time range and, aligned, the same left-axis
// width, so that their plotting areas line up in the grid. Nil when there
// is nothing to draw. It touches nothing shared.
func buildCharts(samples []session.Sample, window time.Duration, look chartLook, w int) []*plot.Plot {
	if w <= 0 || len(samples) == 0 {
		return nil
	}
	end := samples[len(samples)-1].Time
	th := look.theme
	o := chart.Options{MaxPoints: 2 * w, Theme: &th, GuideLoss: look.guideLoss}
	plots := make([]*plot.Plot, len(chart.Kinds))
	for i, k := range chart.Kinds {
		pl, err := chart.Build(k, samples, chart.Last(window, end), o)
		if err != nil {
			return nil
		}
		plots[i] = pl
	}
	chart.AlignY(plots...)
	return plots
}

// renderChart draws one chart (aligned with the other three); it touches
// nothing shared and may run on any goroutine.
func renderChart(k chart.Kind, samples []session.Sample, window time.Duration, look chartLook, w, h int) image.Image {
	plots := buildCharts(samples, window, look, w)
	if h <= 0 || plots == nil {
		return image.NewUniform(color.Transparent)
	}
	return chart.Image(plots[k], w, h)
}

// renderInBackground renders the four charts for the current samples and
// window on their own goroutines and swaps them in on the UI goroutine.
func (p *chartPanel) renderInBackground() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.startRenderLocked()
}

func (p *chartPanel) startRenderLocked() {
	if p.busy {
		p.again = true
		return
	}
	sizes := append([]image.Point(nil), p.sizes...)
	samples, window, lastT, look := p.samples, p.window, p.lastT, p.look
	p.busy = true
	go func() {
		imgs := make([]image.Image, len(chart.Kinds))
		var wg sync.WaitGroup
		for i, k := range chart.Kinds {
			if sizes[i] == (image.Point{}) {
				continue // never drawn: the raster renders it when shown
			}
			wg.Go(func() { imgs[i] = renderChart(k, samples, window, look, sizes[i].X, sizes[i].Y) })
		}
		wg.Wait()
		fyne.Do(func() {
			p.mu.Lock()
			p.busy = false
			// Swap in all four or none: a raster resized meanwhile has
			// drawn itself and the others for a newer moment.
			fits := true
			for i := range imgs {
				fits = fits && sizes[i] == p.sizes[i]
			}
			for i, img := range imgs {
				switch {
				case !fits:
				case img != nil:
					p.frames[i] = chartFrame{img: img, size: sizes[i], lastT: lastT, window: window}
				default:
					p.frames[i] = chartFrame{}
				}
			}
			if !fits {
				p.again = true
			}
			if p.again {
				p.again = false
				p.startRenderLocked()
			}
			p.mu.Unlock()
			p.refreshRasters()
		})
	}()
}

// refreshRasters asks Fyne to redraw the charts; p.mu must not be held, as
// a raster may draw at once.
func (p *chartPanel) refreshRasters() {
	for _, r := range p.rasters {
		r.Refresh()
	}
}

func (p *chartPanel) reset() {
	p.mu.Lock()
	p.samples = nil
	p.lastT = time.Time{}
	for i := range p.frames {
		p.frames[i] = chartFrame{}
	}
	p.mu.Unlock()
	p.refreshRasters()
}

func (p *chartPanel) update(v app.FeedView) {
	if len(v.History) == 0 {
		p.mu.Lock()
		had := p.samples != nil
		p.mu.Unlock()
		if had {
			p.reset()
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// The guidance line follows the header's loss (this connection's), so
	// that both advise the same multiple; until there is one, the session's.
	var guideLoss *guidance.Loss
	if a, ok := app.AdviseLatency(v); ok {
		guideLoss = &a.Loss
	}
	last := v.History[len(v.History)-1].Time
	if last.Equal(p.lastT) {
		return
	}
	p.lastT = last
	p.look.guideLoss = guideLoss
	p.samples = v.History
	p.startRenderLocked()
}

// guide is the guidance line the latency chart draws now: the advised
// multiple of RTT and its label.
func (p *chartPanel) guide() (int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return chart.Guide(p.samples, chart.Options{GuideLoss: p.look.guideLoss})
}
