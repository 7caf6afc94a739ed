package views

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
)

// bufferGauge is the detail's receive-buffer headroom: a bar of the
// buffer's level against the latency and, beside it, the reading in words
// (app.ReadBuffer), coloured by its health. Hidden while there is nothing
// to read (a feed on a shared port has no arrival times).
type bufferGauge struct {
	row   *fyne.Container
	bar   *widget.ProgressBar
	words *widget.Label // wraps: never widens the detail
	level string        // the bar's text
}

// bufferBarWidth is the bar's width: room for "8000 / 8000 ms".
const bufferBarWidth = 170

func newBufferGauge() *bufferGauge {
	g := &bufferGauge{bar: widget.NewProgressBar(), words: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}
	g.bar.TextFormatter = func() string { return g.level }
	g.words.Wrapping = fyne.TextWrapWord
	bar := container.NewGridWrap(fyne.NewSize(bufferBarWidth, g.bar.MinSize().Height), g.bar)
	g.row = container.NewBorder(nil, nil, bar, nil, g.words)
	g.row.Hide()
	return g
}

// bufferWords is the gauge's sentence for b.
func bufferWords(b app.BufferReading) string {
	return fmt.Sprintf("receive buffer %d packets, %.0f%% of the latency: %s", b.LevelPkts, 100*b.Fill(), b.Verdict())
}

// update shows v's reading; on the UI goroutine.
func (g *bufferGauge) update(v app.FeedView) {
	b, ok := app.ReadBuffer(v)
	showIf(g.row, ok)
	if !ok {
		return
	}
	level := fmt.Sprintf("%.0f / %d ms", b.LevelMs, b.LatencyMs)
	if level != g.level || g.bar.Value != b.Fill() {
		g.level = level
		g.bar.SetValue(b.Fill())
	}
	txt, imp := bufferWords(b), healthImportance(healthColor(b.Health))
	if g.words.Text != txt || g.words.Importance != imp {
		g.words.Text, g.words.Importance = txt, imp
		g.words.Refresh()
	}
}
