package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session"
)

const watchUsage = `URL [--duration D] [--format text|json|csv] [--inspect] [--arrival-tap]

Receive from an SRT URL as caller (srt://HOST:PORT) or listener (srt://:PORT,
or mode=listener) and print one sample per second, then a summary. Counters
are cumulative over the whole watch, across reconnects. Latency in the URL is
milliseconds (libsrt style); ffmpeg/OBS URLs in microseconds are recognised.

--inspect also looks inside the stream (programs, PIDs, codecs, TR 101 290,
black/freeze/silence with ffmpeg when installed, else bitstream-only) and
prints the same report as 'srtscope inspect' after the summary: in text as
the inspect text report, in json as an "inspection" object (the inspect JSON
fields) beside "summary" in the same last line,
{"summary":{...},"inspection":{"duration_s":..,"programs":[..],..}}, and in
csv as rows after the summary rows, first column inspection, stream, pid or
event.

--arrival-tap times every packet before the SRT library sees it: that gives
pkts_late, pkts_at_risk, the recovery margins, rcv_buf_ms and pkts_backdated
(without it they stay 0). It costs CPU: a loopback hop per packet.

Examples:
  srtscope watch srt://:9000 --duration 20s
  srtscope watch "srt://192.0.2.10:9000?latency=200&passphrase=..." --format json
  srtscope watch srt://:9000 --duration 30s --inspect --format json`

// watchSummary is the last JSON line of watch --format json; Inspection is
// there with --inspect.
type watchSummary struct {
	Summary    session.Summary `json:"summary"`
	Inspection *probe.Report   `json:"inspection,omitempty"`
}

func runWatch(ctx context.Context, args []string, std IO) int {
	fs := newFlagSet("watch", watchUsage, std)
	duration := relayDurationFlag(fs, "duration", "stop after `D`, e.g. 20s (default: until interrupted)")
	format := fs.String("format", "text", "output: text, json (one object per line) or csv")
	tap := fs.Bool("arrival-tap", false, "time every packet's arrival, for the late, at-risk, recovery-margin, receive-buffer and backdated figures (costs CPU: a loopback hop per packet)")
	inspect := fs.Bool("inspect", false, "also inspect the stream (programs, PIDs, codecs, TR 101 290, black/freeze/silence) and print the report after the summary")
	pos, code, ok := parseFlags(fs, args, std)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(std, "watch", "expected one URL (srt://[host]:port?...), got %d arguments", len(pos))
	}
	if *duration < 0 {
		return usageError(std, "watch", "--duration %s: allowed a positive duration such as 20s", *duration)
	}
	switch *format {
	case "text", "json", "csv":
	default:
		return usageError(std, "watch", "--format %q: allowed text, json or csv", *format)
	}
	cfg, notes, err := session.ParseURL(pos[0])
	var fe *session.FieldError
	if errors.As(err, &fe) {
		return usageError(std, "watch", "%s", fe.Message())
	} else if err != nil {
		return usageError(std, "watch", "%v", err)
	}
	for _, n := range notes {
		fmt.Fprintf(std.Stderr, "srtscope watch: note: %s\n", n)
	}

	opts := session.ReceiverOptions{ArrivalTap: *tap}
	var ins *app.LiveInspection
	if *inspect {
		ins = newLiveInspection(ctx, false)
		opts.Sink = ins.Sink()
	}
	r, err := session.NewReceiver(cfg, opts)
	if err != nil {
		ins.Close()
		return usageError(std, "watch", "%v", err)
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	sub := r.Subscribe(0, 0)
	runErr := make(chan error, 1)
	go func() { runErr <- r.Run(ctx) }()
	fmt.Fprintf(std.Stderr, "srtscope watch: %s as %s (%s)\n", cfg.RedactedURL(), cfg.Mode, stopAfter(*duration))

	out := newSampleWriter(*format, std)
	samples, events := sub.Samples, sub.Events
	for samples != nil || events != nil {
		select {
		case s, ok := <-samples:
			if !ok {
				samples = nil
				continue
			}
			out.sample(s)
		case e, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			out.event(e)
		}
	}
	err = <-runErr
	sum := r.Summary()
	var rep *probe.Report
	if ins != nil {
		final := ins.Finish()
		rep = &final
	}
	out.summary(sum, rep)
	if rep != nil {
		out.inspection(cfg.RedactedURL(), *rep)
	}
	if err != nil {
		return failure(std, "watch", err)
	}
	if r.Connects() == 0 {
		if last := r.LastError(); last != nil {
			return failure(std, "watch", last)
		}
		if cfg.Mode == session.ModeListener {
			return failure(std, "watch", fmt.Errorf("no caller connected to UDP port %d: check the encoder's destination address, port and passphrase", cfg.Port))
		}
		return failure(std, "watch", fmt.Errorf("never connected to %s within %s: check the address and port and that the listener is running", cfg.Address(), *duration))
	}
	return ExitOK
}

// stopAfter says how the command ends.
func stopAfter(d time.Duration) string {
	if d > 0 {
		return "stops after " + d.String()
	}
	return "Ctrl-C to stop"
}

// sampleWriter prints samples, events and the summary in one format.
type sampleWriter struct {
	format string
	std    IO
	csv    *csv.Writer
	enc    *json.Encoder
}

var csvHeader = []string{"time", "state", "peer", "rtt_ms", "latency_ms", "rtt_multiplier", "recv_mbps", "pkts_recv", "pkts_lost", "pkts_retrans", "pkts_dropped", "bytes_recv",
	// Receiver detail, after the original columns so that readers by position keep working.
	"pkts_late", "pkts_at_risk", "recovery_margin_min_ms", "recovery_margin_p5_ms", "rcv_buf_ms", "rcv_buf_pkts",
	"rtt_min_ms", "rtt_max_ms", "rtt_var_ms", "recv_pkts_per_s", "since_last_packet_ms",
	// Bad input from the peer.
	"pkts_backdated", "pkts_undecryptable"}

func newSampleWriter(format string, std IO) *sampleWriter {
	w := &sampleWriter{format: format, std: std}
	switch format {
	case "csv":
		w.csv = csv.NewWriter(std.Stdout)
		w.csv.Write(csvHeader)
		w.csv.Flush()
	case "json":
		w.enc = json.NewEncoder(std.Stdout)
	}
	return w
}

func (w *sampleWriter) sample(s session.Sample) {
	s.RTTMs = round(s.RTTMs, 3)
	s.RTTMultiplier = round(s.RTTMultiplier, 2)
	s.RecvMbps = round(s.RecvMbps, 3)
	switch w.format {
	case "json":
		_ = w.enc.Encode(s)
	case "csv":
		w.csv.Write([]string{s.Time.Format(time.RFC3339Nano), string(s.State), s.Peer, ftoa(s.RTTMs), strconv.Itoa(s.LatencyMs),
			ftoa(s.RTTMultiplier), ftoa(s.RecvMbps), utoa(s.PktsRecv), utoa(s.PktsLost), utoa(s.PktsRetrans), utoa(s.PktsDropped), utoa(s.BytesRecv),
			utoa(s.PktsLate), utoa(s.PktsAtRisk), optMs(s.RecoveryMarginMinMs), optMs(s.RecoveryMarginP5Ms), ftoa(round(s.RcvBufMs, 1)), strconv.Itoa(s.RcvBufPkts),
			ftoa(round(s.RTTMinMs, 3)), ftoa(round(s.RTTMaxMs, 3)), ftoa(round(s.RTTVarMs, 3)), ftoa(round(s.RecvPktsPerS, 1)), ftoa(round(s.SinceLastPacketMs, 1)),
			utoa(s.PktsBackdated), utoa(s.PktsUndecryptable)})
		w.csv.Flush()
	default:
		peer := s.Peer
		if peer == "" {
			peer = "-"
		}
		fmt.Fprintf(w.std.Stdout, "%s %-12s %-21s rtt %6.1f ms  latency %4d ms (x%.1f)  %6.2f Mbit/s  recv %d lost %d retrans %d dropped %d at risk %d%s\n",
			s.Time.Format("15:04:05"), s.State, peer, s.RTTMs, s.LatencyMs, s.RTTMultiplier, s.RecvMbps, s.PktsRecv, s.PktsLost, s.PktsRetrans, s.PktsDropped, s.PktsAtRisk, marginText(s))
	}
}

// event prints an event: inline in text output, on stderr otherwise so
// that stdout stays one record per line.
func (w *sampleWriter) event(e session.Event) {
	dst := w.std.Stderr
	if w.format == "text" {
		dst = w.std.Stdout
	}
	fmt.Fprintf(dst, "%s event %s: %s\n", e.Time.Format("15:04:05"), e.Kind, e.Detail)
}

// summary prints the summary; rep, when not nil, joins it in the JSON line.
func (w *sampleWriter) summary(sum session.Summary, rep *probe.Report) {
	sum.RTTMs = round(sum.RTTMs, 3)
	sum.RTTMultiplier = round(sum.RTTMultiplier, 2)
	sum.ConnectedS = round(sum.ConnectedS, 3)
	if sum.Events == nil {
		sum.Events = []session.Event{}
	}
	switch w.format {
	case "json":
		_ = w.enc.Encode(watchSummary{Summary: sum, Inspection: rep})
	case "csv":
		w.csv.Write([]string{"summary", "connected_s", "reconnects", "rejections", "pkts_recv", "pkts_lost", "pkts_retrans", "pkts_dropped", "bytes_recv", "events"})
		w.csv.Write([]string{"summary", ftoa(sum.ConnectedS), strconv.Itoa(sum.Reconnects), strconv.Itoa(sum.Rejections), utoa(sum.PktsRecv),
			utoa(sum.PktsLost), utoa(sum.PktsRetrans), utoa(sum.PktsDropped), utoa(sum.BytesRecv), strconv.Itoa(len(sum.Events))})
		w.csv.Flush()
	default:
		fmt.Fprintf(w.std.Stdout, "summary: connected %.1f s, reconnects %d, rejections %d, recv %d lost %d retrans %d dropped %d (%d bytes), %d events\n",
			sum.ConnectedS, sum.Reconnects, sum.Rejections, sum.PktsRecv, sum.PktsLost, sum.PktsRetrans, sum.PktsDropped, sum.BytesRecv, len(sum.Events))
	}
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
func utoa(v uint64) string  { return strconv.FormatUint(v, 10) }

// optMs formats an optional figure in ms; "" when absent.
func optMs(v *float64) string {
	if v == nil {
		return ""
	}
	return ftoa(round(*v, 1))
}

// marginText is the text line's receiver detail: the smallest recovery
// margin of the interval and the receive buffer, when known.
func marginText(s session.Sample) string {
	var b strings.Builder
	if s.RecoveryMarginMinMs != nil {
		fmt.Fprintf(&b, " margin %.0f ms", *s.RecoveryMarginMinMs)
	}
	if s.RcvBufPkts > 0 {
		fmt.Fprintf(&b, " buffer %.0f ms", s.RcvBufMs)
	}
	return b.String()
}
