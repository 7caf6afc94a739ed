package views

import (
	"fmt"
	"io"
	"slices"
	"time"

	"fyne.io/fyne/v2"
)

// reportUILag measures how responsive the window is: every 50 ms it queues
// an empty function on the UI goroutine and times how late it runs; every
// period it writes the median, 99th percentile and worst delay to w, until
// done is closed. Input is handled on the same goroutine, so this is how
// long a click or key press may wait.
func reportUILag(done <-chan struct{}, period time.Duration, w io.Writer) {
	probe := time.NewTicker(50 * time.Millisecond)
	defer probe.Stop()
	report := time.NewTicker(period)
	defer report.Stop()
	var lags []time.Duration
	for {
		select {
		case <-done:
			return
		case <-probe.C:
			queued := time.Now()
			ran := make(chan time.Duration, 1)
			fyne.Do(func() { ran <- time.Since(queued) })
			select {
			case lag := <-ran:
				lags = append(lags, lag)
			case <-done:
				return
			}
		case <-report.C:
			if len(lags) == 0 {
				continue
			}
			slices.Sort(lags)
			at := func(q float64) float64 {
				return float64(lags[int(q*float64(len(lags)-1))].Microseconds()) / 1000
			}
			fmt.Fprintf(w, "srtscope: ui lag p50 %.1f ms p99 %.1f ms max %.1f ms over %d probes\n", at(0.5), at(0.99), at(1), len(lags))
			lags = lags[:0]
		}
	}
}
