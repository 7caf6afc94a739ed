package views

import (
	"image"
	"image/color"
	"sync"
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
	frames  []chartFrame  // per kind: the image on screen and what it shows
	sizes   []image.Point // per kind: the raster's pixel size when last drawn
	busy    bool          // a background render is running
	again   bool          // something changed while busy: render once more
}

// chartFrame is one rendered chart and what it shows.
type chartFrame struct {
	img    image.Image
	size   image.Point
	lastT  time.Time
	window time.Duration
}

func newChartPanel() *chartPanel {
	p := &chartPanel{window: time.Minute, frames: make([]chartFrame, len(chart.Kinds)), sizes: make([]image.Point, len(chart.Kinds))}
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
	size := image.Pt(w, h)
	p.sizes[i] = size
	if f := p.frames[i]; f.img != nil && f.size == size {
		return f.img
	}
	img := p.render(k, w, h)
	p.frames[i] = chartFrame{img: img, size: size, lastT: p.lastT, window: p.window}
	return img
}

// render draws kind k of the current samples at w x h pixels; p.mu held.
func (p *chartPanel) render(k chart.Kind, w, h int) image.Image {
	return renderChart(k, p.samples, p.window, w, h)
}

// renderChart draws one chart; it touches nothing shared and may run on
// any goroutine.
func renderChart(k chart.Kind, samples []session.Sample, window time.Duration, w, h int) image.Image {
	if w <= 0 || h <= 0 || len(samples) == 0 {
		return image.NewUniform(color.Transparent)
	}
	end := samples[len(samples)-1].Time
	pl, err := chart.Build(k, samples, chart.Last(window, end), chart.Options{MaxPoints: 2 * w})
	if err != nil {
		return image.NewUniform(color.Transparent)
	}
	return chart.Image(pl, w, h)
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
	samples, window, lastT := p.samples, p.window, p.lastT
	p.busy = true
	go func() {
		imgs := make([]image.Image, len(chart.Kinds))
		var wg sync.WaitGroup
		for i, k := range chart.Kinds {
			if sizes[i] == (image.Point{}) {
				continue // never drawn: the raster renders it when shown
			}
			wg.Go(func() { imgs[i] = renderChart(k, samples, window, sizes[i].X, sizes[i].Y) })
		}
		wg.Wait()
		fyne.Do(func() {
			p.mu.Lock()
			p.busy = false
			for i, img := range imgs {
				if img != nil && sizes[i] == p.sizes[i] {
					p.frames[i] = chartFrame{img: img, size: sizes[i], lastT: lastT, window: window}
				} else if img == nil {
					p.frames[i] = chartFrame{}
				}
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
	last := v.History[len(v.History)-1].Time
	if last.Equal(p.lastT) {
		return
	}
	p.lastT = last
	p.samples = v.History
	p.startRenderLocked()
}
