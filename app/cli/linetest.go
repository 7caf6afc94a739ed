package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/linetest"
	"github.com/srtscope/srtscope/session"
)

const linetestUsage = `URL [--rates 2,4,8,12,16,20] [--step-duration D] [--latency MS] [--format text|json]
       --receive URL [--duration D] [--format text|json]

Line test before doors open: sends generated TS (no encoder needed) to an
SRT receiver at stepped rates (Mbit/s, --step-duration each, default 20s),
one connection per step, until a step fails (retransmission overhead above
SRT's 25% default, or packets dropped), then tries rates
between the last that passed and the first that failed. Per step it prints
loss %, retransmission overhead, RTT and its spread and dropped packets, and
at the end a verdict in words.

A step fails when the receiver dropped packets (never delivered in time).
When the far end is srtscope ("srtscope linetest --receive URL" there), it
reports its own figures of each step back over the connection, and loss_pct
and pkts_dropped are the RECEIVER's (figures_from "receiver", its whole
report under "receiver"). A libsrt receiver such as srt-live-transmit (e.g.
srt-live-transmit "srt://:9000?mode=listener" null://) reports nothing: then
they are the SENDER's (figures_from "sender"): loss_pct the share of
packets on the wire the receiver asked to have resent, pkts_dropped what the
sender dropped as too late. overhead_pct is always retransmissions /
original packets sent, and the RTT the sender's.

Examples:
  srtscope linetest "srt://venue-uplink.example:9000?mode=caller" --latency 200
  srtscope linetest "srt://127.0.0.1:9001" --rates 4,8,12,16 --step-duration 5s --format json
  srtscope linetest --receive "srt://:9000?mode=listener"`

func runLinetest(ctx context.Context, args []string, std IO) int {
	fs := newFlagSet("linetest", linetestUsage, std)
	rates := fs.String("rates", "2,4,8,12,16,20", "`LIST` of rates in Mbit/s, increasing")
	stepDur := relayDurationFlag(fs, "step-duration", "how long `D` each step sends, 1s..10m (default 20s)")
	latency := relayIntFlag(fs, "latency", 0, "20..8000 (ms)", "SRT latency `MS` (default: the URL's, else 120)")
	receive := fs.Bool("receive", false, "be the far end: receive line-test streams on URL and print each step's view")
	duration := relayDurationFlag(fs, "duration", "with --receive: stop after `D` (default: until interrupted)")
	format := fs.String("format", "text", "output: text or json (one JSON object; with --receive one per step)")
	pos, code, ok := parseFlags(fs, args, std)
	if !ok {
		return code
	}
	bad := func(format string, a ...any) int { return usageError(std, "linetest", format, a...) }
	switch {
	case len(pos) == 0:
		return bad("missing URL: allowed srt://[host]:port?mode=caller|listener&latency=MS")
	case len(pos) > 1:
		return bad("unexpected argument %q: linetest takes one URL", pos[1])
	}
	if u, err := url.Parse(pos[0]); err != nil || !strings.EqualFold(u.Scheme, "srt") {
		return bad("URL %q: allowed srt://[host]:port?mode=caller|listener&latency=MS", redactURL(pos[0]))
	}
	rateList, err := linetest.ParseRates(*rates)
	if err != nil {
		var re *linetest.RatesError
		if errors.As(err, &re) {
			return bad("--rates %q: %s: allowed %s", re.Value, re.Problem, re.Allowed)
		}
		return bad("--rates %q: %v", *rates, err)
	}
	if *stepDur == 0 {
		*stepDur = linetest.DefaultStepDuration
	}
	if *stepDur < linetest.MinStepDuration || *stepDur > linetest.MaxStepDuration {
		return bad("--step-duration %v: allowed 1s..10m, e.g. 20s", *stepDur)
	}
	if *latency != 0 && (*latency < 20 || *latency > 8000) {
		return bad("--latency %d: allowed 20..8000 (ms)", *latency)
	}
	if *duration < 0 {
		return bad("--duration %v: allowed 0s (until interrupted) or more", *duration)
	}
	if *format != "text" && *format != "json" {
		return bad("--format %q: allowed text or json", *format)
	}
	scfg, notes, err := session.ParseURL(pos[0])
	if err != nil {
		var fe *session.FieldError
		if errors.As(err, &fe) {
			return bad("URL %s", fe.Message())
		}
		return bad("URL %q: %v", redactURL(pos[0]), err)
	}
	for _, n := range notes {
		fmt.Fprintf(std.Stderr, "srtscope linetest: note: %s\n", n)
	}
	if *latency != 0 {
		scfg.LatencyMs = int(*latency)
	}
	if scfg.LatencyMs == 0 {
		scfg.LatencyMs = session.DefaultLatencyMs
	}
	if *receive {
		return runLinetestReceive(ctx, scfg, *duration, *format, std)
	}

	if _, err := linetest.NewSRTLink(scfg); err != nil {
		return bad("URL %v", err)
	}
	out := std.Stdout
	if *format == "json" {
		out = std.Stderr
	}
	// The run is recorded like a feed (srtscope sessions, report); without
	// the recordings it still runs.
	ctrl, err := openRecordings(ctx)
	if err != nil {
		fmt.Fprintf(std.Stderr, "srtscope linetest: note: not recording this line test: %v\n", err)
		ctrl = app.NewController(ctx, app.ControllerOptions{})
	}
	defer ctrl.Close()
	fmt.Fprintf(out, "srtscope linetest: %s at %d ms latency, rates %s Mbit/s, %v each (loss and drops are the receiver's when it is srtscope, else the sender's)\n",
		scfg.RedactedURL(), scfg.LatencyMs, *rates, *stepDur)
	run, runErr := ctrl.RunLineTestWith(ctx, pos[0], linetest.Config{Rates: rateList, StepDuration: *stepDur, LatencyMs: scfg.LatencyMs},
		app.LineTestOptions{
			OnEvent: func(e session.Event) {
				switch e.Kind {
				case session.EventRejected, session.EventError:
					fmt.Fprintf(std.Stderr, "srtscope linetest: %s\n", e.Detail)
				}
			},
			Progress: func(p linetest.Progress) {
				if p.Step == nil || *format == "json" {
					return
				}
				s := p.Step
				fmt.Fprintf(out, "step %d  %5s Mbit/s  loss %5.2f%%  overhead %5.2f%%  RTT %5.1f ms (%.1f..%.1f)  dropped %d (%s)  retransmitted %d of %d  NAKs %d  %s\n",
					p.StepNumber, strconv.FormatFloat(s.Mbps, 'f', -1, 64), s.LossPct, s.OverheadPct, s.RTTMs, s.RTTMinMs, s.RTTMaxMs,
					s.PktsDropped, s.FiguresFrom, s.M.PktsRetrans, s.M.PktsUnique, s.M.NaksRecv, passWord(*s))
			},
		})
	res := run.Result
	if run.SessionID != 0 {
		fmt.Fprintf(std.Stderr, "srtscope linetest: recorded as session %d (srtscope report --session %d)\n", run.SessionID, run.SessionID)
	} else if ctrl.RecordingsPath() != "" {
		fmt.Fprintf(std.Stderr, "srtscope linetest: note: not recorded: %v\n", run.NotRecorded)
	}
	if *format == "json" {
		line, _ := json.Marshal(res)
		fmt.Fprintf(std.Stdout, "%s\n", line)
	} else {
		fmt.Fprintf(out, "verdict: %s\n", res.Verdict)
	}
	if runErr != nil {
		if errors.Is(runErr, linetest.ErrCancelled) {
			return failure(std, "linetest", fmt.Errorf("stopped before the end (%w); the result covers the steps that finished", runErr))
		}
		return failure(std, "linetest", fmt.Errorf("%w; check the far end is listening (srtscope linetest --receive, or srt-live-transmit) and the URL's host, port, mode and passphrase", runErr))
	}
	return ExitOK
}

func passWord(s linetest.Step) string {
	if f := s.Failure(); f != "" {
		return "FAILED: " + f
	}
	return "carried"
}

func runLinetestReceive(ctx context.Context, cfg session.Config, d time.Duration, format string, std IO) int {
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	fmt.Fprintf(std.Stderr, "srtscope linetest: receiving line-test streams on %s (the numbers are this receiver's); %s\n", cfg.RedactedURL(), stopHint(d))
	err := linetest.Receive(ctx, cfg, func(st linetest.ReceiverStep) {
		if format == "json" {
			line, _ := json.Marshal(st)
			fmt.Fprintf(std.Stdout, "%s\n", line)
			return
		}
		fmt.Fprintf(std.Stdout, "receiver: step %d  %s Mbit/s sent, %.2f Mbit/s delivered  loss %.2f%% (%d lost, %d recovered)  never delivered %d  RTT %.1f ms\n",
			st.Step, strconv.FormatFloat(st.Mbps, 'f', -1, 64), st.RecvMbps, st.LossPct, st.PktsLost, st.PktsRetrans, st.PktsDropped, st.RTTMs)
	}, func(e session.Event) {
		switch e.Kind {
		case session.EventRejected, session.EventError:
			fmt.Fprintf(std.Stderr, "srtscope linetest: %s\n", e.Detail)
		}
	})
	if err != nil {
		return failure(std, "linetest", fmt.Errorf("%w; check the port is free and the URL is a listener like srt://:9000?mode=listener", err))
	}
	return ExitOK
}
