package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/srtscope/srtscope/app/linetest"
	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/session"
)

// EventLineTest is the kind of the recorded events a line test writes: one
// per finished step and one with the verdict.
const EventLineTest session.EventKind = "linetest"

// LineTestName is the name a line test's recorded session gets.
const LineTestName = "Line test"

// LineTestOptions are RunLineTestWith's optional parts.
type LineTestOptions struct {
	// Progress, when not nil, is called from the test's goroutine.
	Progress func(linetest.Progress)
	// OnEvent, when not nil, gets every session event of the test's
	// connections (connected, rejected, ...) from the test's goroutines.
	OnEvent func(session.Event)
}

// LineTestRun is what RunLineTestWith returns.
type LineTestRun struct {
	Result linetest.Result
	// SessionID is the recorded session holding the result, 0 when it was
	// not recorded (NotRecorded says why).
	SessionID   int64
	NotRecorded error
}

// RunLineTest runs the line test (package linetest) to the SRT receiver at
// url: generated TS at cfg's stepped rates, one connection per step. It is
// here, not in the window, because the window opens no sockets. The feeds
// are not touched: the test uses a connection of its own. A latency in cfg
// overrides the URL's; without either the session default is used, and
// cfg.LatencyMs is set to the latency the link runs at, for the verdict.
// progress, when not nil, is called from the test's goroutine. A bad URL
// is refused before anything is sent; the error wraps linetest.ErrCancelled
// when ctx ended first. With recordings open the test is recorded as a
// session of its own (see RunLineTestWith).
func (c *Controller) RunLineTest(ctx context.Context, url string, cfg linetest.Config, progress func(linetest.Progress)) (linetest.Result, error) {
	run, err := c.RunLineTestWith(ctx, url, cfg, LineTestOptions{Progress: progress})
	return run.Result, err
}

// RunLineTestWith is RunLineTest with options, and says where the result
// was recorded. With recordings open, the test is a recorded session named
// LineTestName (the URL without its passphrase, caller or listener, the
// latency): an EventLineTest event per finished step as it ends and the
// connections' events, then the result (record.LineTestResult, the JSON of
// `srtscope linetest --format json`) and the verdict as an event, so
// `srtscope sessions` lists it and its report has a line-test section. A
// test cut short (cancelled, failed) records the steps that finished.
func (c *Controller) RunLineTestWith(ctx context.Context, url string, cfg linetest.Config, opts LineTestOptions) (LineTestRun, error) {
	scfg, _, err := session.ParseURL(url)
	if err != nil {
		return LineTestRun{}, fmt.Errorf("line test URL: %w", err)
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
		return LineTestRun{}, fmt.Errorf("line test URL: %w", err)
	}
	var run LineTestRun
	var rec *record.Recorder
	peer := ""
	if scfg.Mode == session.ModeCaller {
		peer = net.JoinHostPort(scfg.Host, strconv.Itoa(scfg.Port))
	}
	if db, dbErr := c.recordings(); dbErr != nil {
		run.NotRecorded = dbErr
	} else if rec, err = db.Start(ctx, record.NewSession{Name: LineTestName, URL: scfg.RedactedURL(), Mode: string(scfg.Mode),
		Peer: peer, LatencyMs: scfg.LatencyMs}, record.Options{}); err != nil {
		run.NotRecorded, rec = err, nil
	} else {
		run.SessionID = rec.ID()
	}
	link.OnEvent = func(e session.Event) {
		if rec != nil {
			rec.Event(e)
		}
		if opts.OnEvent != nil {
			opts.OnEvent(e)
		}
	}
	res, runErr := linetest.Run(ctx, link, cfg, func(p linetest.Progress) {
		if rec != nil && p.Step != nil {
			rec.Event(session.Event{Time: time.Now(), Kind: EventLineTest, Detail: p.Message})
		}
		if opts.Progress != nil {
			opts.Progress(p)
		}
	})
	run.Result = res
	if rec != nil {
		now := time.Now()
		js, err := json.Marshal(res)
		if err == nil {
			rec.LineTestResult(now, js)
		}
		detail := "line test: " + res.Verdict
		if runErr != nil {
			detail = fmt.Sprintf("line test stopped (%v): %s", runErr, res.Verdict)
		}
		rec.Event(session.Event{Time: now, Kind: EventLineTest, Detail: detail})
		if err := rec.Close(now); err != nil && run.NotRecorded == nil {
			run.NotRecorded = err
		}
	}
	return run, runErr
}
