package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/srtscope/srtscope/app/wizard"
	"github.com/srtscope/srtscope/session"
)

const wizardUsage = `URL [--steps 4,8,12,16,20] [--step-duration D] [--baseline D] [--connect-timeout D] [--stop-on-fail] [--format text|json]

Latency tuning wizard. Measures RTT and loss at the URL's latency (the
baseline), then reconnects at each step's latency (steps x RTT, 80..8000 ms),
soaks for --step-duration and recommends the smallest step that dropped no
packets. Each step interrupts the feed briefly: run this before going on air.
For a listener URL the remote caller must reconnect by itself.

Examples:
  srtscope wizard "srt://10.0.0.5:9000?mode=caller&latency=120"
  srtscope wizard "srt://:9000?mode=listener" --steps 4,8,12 --step-duration 20s --format json`

// wizardFlags are the parsed and checked flags of the wizard command.
type wizardFlags struct {
	url            string
	cfg            wizard.Config
	connectTimeout time.Duration
	format         string
}

// parseWizardFlags parses args; ok=false means stop with code.
func parseWizardFlags(args []string, std IO) (wf wizardFlags, code int, ok bool) {
	fs := newFlagSet("wizard", wizardUsage, std)
	steps := fs.String("steps", wizard.DefaultMultipliersInput, "`LIST` of RTT multipliers to try, positive and increasing")
	stepDur := relayDurationFlag(fs, "step-duration", "how long `D` each step soaks once connected, "+wizard.StepDurationRange+" (default 10s)")
	baseline := relayDurationFlag(fs, "baseline", "length `D` of the baseline measurement at the URL's latency (default: the step duration)")
	connectTimeout := relayDurationFlag(fs, "connect-timeout", "how long `D` to wait for each step to connect before marking it failed (default 15s)")
	stop := fs.Bool("stop-on-fail", false, "stop the wizard when a step never connects (default: mark it failed and go on)")
	format := fs.String("format", "text", "output: text or json (one JSON object)")
	pos, code, ok := parseFlags(fs, args, std)
	if !ok {
		return wf, code, false
	}
	bad := func(format string, a ...any) (wizardFlags, int, bool) {
		return wf, usageError(std, "wizard", format, a...), false
	}
	switch {
	case len(pos) == 0:
		return bad("missing URL: allowed srt://[host]:port?mode=caller|listener&latency=MS")
	case len(pos) > 1:
		return bad("unexpected argument %q: the wizard takes one URL", pos[1])
	}
	if u, err := url.Parse(pos[0]); err != nil || !strings.EqualFold(u.Scheme, "srt") {
		return bad("URL %q: allowed srt://[host]:port?mode=caller|listener&latency=MS", redactURL(pos[0]))
	}
	mults, err := wizard.ParseMultipliers(*steps)
	if err != nil {
		var ce *wizard.ConfigError
		if errors.As(err, &ce) {
			return bad("--steps %q: allowed %s", *steps, ce.Allowed)
		}
		return bad("--steps %q: %v", *steps, err)
	}
	if *stepDur == 0 {
		*stepDur = wizard.DefaultStepDuration
	}
	if *stepDur < wizard.MinStepDuration || *stepDur > wizard.MaxStepDuration {
		return bad("--step-duration %v: allowed %s, e.g. 10s", *stepDur, wizard.StepDurationRange)
	}
	if *baseline != 0 && (*baseline < wizard.MinStepDuration || *baseline > wizard.MaxStepDuration) {
		return bad("--baseline %v: allowed %s, e.g. 10s", *baseline, wizard.StepDurationRange)
	}
	if *connectTimeout < 0 || (*connectTimeout > 0 && *connectTimeout < time.Second) {
		return bad("--connect-timeout %v: allowed 1s or more, e.g. 15s", *connectTimeout)
	}
	if *format != "text" && *format != "json" {
		return bad("--format %q: allowed text or json", *format)
	}
	wf = wizardFlags{
		url:            pos[0],
		cfg:            wizard.Config{Multipliers: mults, StepDuration: *stepDur, BaselineDuration: *baseline, StopOnFailedStep: *stop},
		connectTimeout: *connectTimeout,
		format:         *format,
	}
	return wf, ExitOK, true
}

// redactURL hides a passphrase in a URL that is printed back.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.Index(raw, "passphrase="); i >= 0 {
			return raw[:i] + "passphrase=..."
		}
		return raw
	}
	q := u.Query()
	if q.Has("passphrase") {
		q.Set("passphrase", "...")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func runWizard(ctx context.Context, args []string, std IO) int {
	wf, code, ok := parseWizardFlags(args, std)
	if !ok {
		return code
	}
	scfg, notes, err := session.ParseURL(wf.url)
	if err != nil {
		var fe *session.FieldError
		if errors.As(err, &fe) {
			return usageError(std, "wizard", "URL %s", fe.Message())
		}
		return usageError(std, "wizard", "URL %q: %v", redactURL(wf.url), err)
	}
	for _, n := range notes {
		fmt.Fprintf(std.Stderr, "srtscope wizard: note: %s\n", n)
	}
	wf.cfg.OriginalLatencyMs = scfg.LatencyMs
	if wf.cfg.OriginalLatencyMs == 0 {
		wf.cfg.OriginalLatencyMs = session.DefaultLatencyMs
	}
	// Progress goes to stdout in text mode; in json mode stdout carries
	// only the result object and progress goes to stderr.
	out := std.Stdout
	if wf.format == "json" {
		out = std.Stderr
	}
	warn := "each step reconnects the feed and interrupts it briefly: run this before going on air"
	if scfg.Mode == session.ModeListener {
		warn += "; the remote caller must reconnect by itself after each step"
	}
	fmt.Fprintf(out, "srtscope wizard: %s (%s)\n", warn, scfg.RedactedURL())

	link := &wizard.SRTLink{Config: scfg, ConnectTimeout: wf.connectTimeout}
	res, runErr := wizard.Run(ctx, link, wf.cfg, func(p wizard.Progress) {
		if p.Tick || p.Action.Kind == wizard.ActionFinish {
			return // soak ticks are for progress bars; the result follows
		}
		fmt.Fprintf(out, "[%3.0f%%] %s\n", p.Fraction*100, p.Message)
		if p.Step != nil && p.Action.Phase == wizard.PhaseBaseline && p.Guidance != nil {
			fmt.Fprintf(out, "       guide: %s\n", p.Guidance.Reason)
		}
	})
	if wf.format == "json" {
		line, err := json.Marshal(res)
		if err != nil {
			return failure(std, "wizard", fmt.Errorf("wizard: encoding the result: %w", err))
		}
		fmt.Fprintf(std.Stdout, "%s\n", line)
	} else if err := res.WriteText(std.Stdout); err != nil {
		return failure(std, "wizard", fmt.Errorf("wizard: writing the result: %w", err))
	}
	if runErr != nil {
		return failure(std, "wizard", errors.New(strings.TrimPrefix(runErr.Error(), "wizard: ")))
	}
	return ExitOK
}
