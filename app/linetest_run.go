package app

import (
	"context"
	"fmt"

	"github.com/srtscope/srtscope/app/linetest"
	"github.com/srtscope/srtscope/session"
)

// RunLineTest runs the line test (package linetest) to the SRT receiver at
// url: generated TS at cfg's stepped rates, one connection per step. It is
// here, not in the window, because the window opens no sockets. The feeds
// are not touched: the test uses a connection of its own. A latency in cfg
// overrides the URL's; without either the session default is used, and
// cfg.LatencyMs is set to the latency the link runs at, for the verdict.
// progress, when not nil, is called from the test's goroutine. A bad URL
// is refused before anything is sent; the error wraps linetest.ErrCancelled
// when ctx ended first.
func (c *Controller) RunLineTest(ctx context.Context, url string, cfg linetest.Config, progress func(linetest.Progress)) (linetest.Result, error) {
	scfg, _, err := session.ParseURL(url)
	if err != nil {
		return linetest.Result{}, fmt.Errorf("line test URL: %w", err)
	}
	if cfg.LatencyMs != 0 {
		scfg.LatencyMs = cfg.LatencyMs
	}
	if scfg.LatencyMs == 0 {
		scfg.LatencyMs = session.DefaultLatencyMs
	}
	cfg.LatencyMs = scfg.LatencyMs
	link, err := linetest.NewSRTLink(scfg)
	if err != nil {
		return linetest.Result{}, fmt.Errorf("line test URL: %w", err)
	}
	return linetest.Run(ctx, link, cfg, progress)
}
