package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/tsrecord"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session"
)

const watchUsage = `URL [--duration D] [--format text|json|csv] [--inspect] [--forward URL2 ...] [--record DIR [--segment D|SIZE]] [--arrival-tap]
       srtscope watch "srt://:PORT?mode=listener" --by-streamid [--accept NAME,NAME | --accept-new] [--duration D] [--format text|json|csv] [--inspect]

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

--by-streamid listens on one port for many feeds and routes each caller by
its streamid, "#!::r=NAME,m=publish" or a plain NAME: --accept takes the
listed names only, --accept-new (the default) any name at its first
publish. A second publisher of a live name is refused (REJX_CONFLICT), an
unknown name with REJX_NOTFOUND; every rejection is an event naming the
streamid. Every line names its feed: "feed":"NAME" in json (samples and one
summary per feed; the port's own line, with the callers it refused, has
"feed":"" and "port"), a first column in csv, a first word in text. A
caller with "#!::r=NAME,m=request" (a decoder, ffmpeg, vMix) pulls NAME
through the same port while NAME is published, starting at a picture it
can decode; each puller is a row of that feed's "outputs". Pulling a name
nobody publishes now is refused with REJX_NOTFOUND naming it.

--forward URL2 (repeatable) forwards the received TS unchanged: to an SRT
listener (srt://HOST:PORT, a studio or cloud ingest, with its own latency,
passphrase and streamid; it reconnects on its own), as an SRT listener that
decoders, vMix, OBS or ffmpeg pull from (srt://:PORT, several at once), or
as UDP (udp://HOST:PORT, unicast or multicast, ?ttl=N). Each output has its
own queue: a slow or dead one skips (skipped_bytes) and never slows the
input. JSON sample lines and the summary gain "outputs":[{"url":..,"kind":..,
"peer":..,"state":..,"rtt_ms":..,"send_mbps":..,"pkts_sent":..,
"pkts_retrans_sent":..,"naks_recv":..,"pkts_send_dropped":..,"snd_buf_ms":..,
"flight_pkts":..,"skipped_bytes":..}], one row per output and per puller of
a listener output; text shows a line per output; csv keeps its columns.

--record DIR writes the received TS to DIR in segments (DIR is created
when missing): a new one every --segment, a duration (10m, the default;
30s; 1h) or a size (500MB, 2GiB), cut where a decoder can start, each
beginning with the PAT and PMT so it plays on its own. A segment is named
by the stream and its start in UTC, STREAM_2026-12-07T07-30-00Z.ts (the
streamid's name, else srt-PORT), and ends in .ts.part while it is written:
a .ts file is always complete. A run killed with SIGKILL leaves its
.ts.part playable up to the last second; the next --record into the same
directory finishes it. Recording never slows the input: what the disk
cannot take is skipped and counted. The recording is one more row of
"outputs" (kind "record", state recording/disk full/failed/stopped,
"bytes", "skipped_bytes", "segment": the live file) and the JSON summary
lists every segment, the last one included, as
"recordings":[{"path":..,"bytes":..,"start":..,"end":..}]. The window's
retention (keep days, max MB) also prunes the recording directories of
its feeds; a directory of watch --record is yours to clean.

--arrival-tap times every packet before the SRT library sees it: that gives
pkts_late, pkts_at_risk, the recovery margins, rcv_buf_ms and pkts_backdated
(without it they stay 0), and makes pkts_dropped count what a libsrt decoder
would lose (without it, only what the SRT library never delivered). It costs
CPU: a loopback hop per packet, about a quarter more. The window's feeds with
a port of their own always use it.

Examples:
  srtscope watch srt://:9000 --duration 20s
  srtscope watch "srt://:9000?mode=listener" --by-streamid --accept cam1,cam2 --format json
  srtscope watch "srt://192.0.2.10:9000?latency=200&passphrase=..." --format json
  srtscope watch srt://:9000 --duration 30s --inspect --format json
  srtscope watch srt://:9000 --forward "srt://ingest.example.net:9000?passphrase=...&streamid=studio" --forward srt://:9100 --forward udp://239.1.1.1:5000?ttl=4
  srtscope watch srt://:9000 --record /srv/rec --segment 10m --format json`

// watchSummary is the last JSON line of watch --format json; Inspection is
// there with --inspect.
type watchSummary struct {
	Feed       string        `json:"feed,omitempty"` // with --by-streamid: the feed's name
	Summary    summaryBody   `json:"summary"`
	Inspection *probe.Report `json:"inspection,omitempty"`
}

// summaryBody is the summary, with the outputs under --forward and the
// segments under --record.
type summaryBody struct {
	session.Summary
	Outputs    []watchOutput      `json:"outputs,omitempty"`
	Recordings []tsrecord.Segment `json:"recordings,omitempty"`
}

// watchSample is a JSON sample line: with --by-streamid it names its feed,
// with --forward it carries the outputs.
type watchSample struct {
	Feed string `json:"feed,omitempty"`
	session.Sample
	Outputs []watchOutput `json:"outputs,omitempty"`
}

func runWatch(ctx context.Context, args []string, std IO) int {
	fs := newFlagSet("watch", watchUsage, std)
	duration := relayDurationFlag(fs, "duration", "stop after `D`, e.g. 20s (default: until interrupted)")
	format := fs.String("format", "text", "output: text, json (one object per line) or csv")
	tap := fs.Bool("arrival-tap", false, "time every packet's arrival, for the late, at-risk, recovery-margin, receive-buffer and backdated figures (costs CPU: a loopback hop per packet)")
	inspect := fs.Bool("inspect", false, "also inspect the stream (programs, PIDs, codecs, TR 101 290, black/freeze/silence) and print the report after the summary")
	byStreamID := fs.Bool("by-streamid", false, "listen for many feeds on one port, routed by the callers' streamids")
	accept := fs.String("accept", "", "with --by-streamid: the stream `NAMES` to take, comma-separated (cam1,cam2)")
	acceptNew := fs.Bool("accept-new", false, "with --by-streamid: take any stream name, a new feed at its first publish (the default)")
	var forwards forwardFlag
	fs.Var(&forwards, "forward", "forward the TS to `URL2`: srt://HOST:PORT (call), srt://:PORT (decoders pull) or udp://HOST:PORT[?ttl=N]; repeatable")
	recordDir := fs.String("record", "", "record the TS to `DIR` in segments (STREAM_TIME.ts; .ts.part while written)")
	segment := fs.String("segment", "", "with --record: start a new segment every `D`, a duration (30s, 1h) or a size (500MB, 2GiB) (default 10m)")
	pos, code, ok := parseFlags(fs, args, std)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(std, "watch", "expected one URL (srt://[host]:port?...), got %d arguments", len(pos))
	}
	acceptSet := false
	fs.Visit(func(f *flag.Flag) { acceptSet = acceptSet || f.Name == "accept" })
	switch {
	case acceptSet && !*byStreamID:
		return usageError(std, "watch", "--accept %q needs --by-streamid: allowed only when routing callers by streamid", *accept)
	case *acceptNew && !*byStreamID:
		return usageError(std, "watch", "--accept-new needs --by-streamid: allowed only when routing callers by streamid")
	case acceptSet && *acceptNew:
		return usageError(std, "watch", "--accept and --accept-new together: allowed one of them (the listed names, or any name)")
	case *byStreamID && *tap:
		return usageError(std, "watch", "--arrival-tap with --by-streamid: allowed only for a single feed (the tap needs the port to itself)")
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
	outCfgs, outNotes, err := parseForwards(forwards)
	if err != nil {
		return usageError(std, "watch", "%v", err)
	}
	segmentSet := false
	fs.Visit(func(f *flag.Flag) { segmentSet = segmentSet || f.Name == "segment" })
	var rec *app.RecordOutput
	switch {
	case segmentSet && *recordDir == "":
		return usageError(std, "watch", "--segment %q needs --record DIR: allowed only when recording", *segment)
	case *recordDir != "" && *byStreamID:
		return usageError(std, "watch", "--record with --by-streamid: allowed only for a single feed (record a port's feeds in the window)")
	case *recordDir != "":
		if rec, err = newWatchRecording(*recordDir, *segment, cfg); err != nil {
			return usageError(std, "watch", "%v", err)
		}
	}
	for _, oc := range outCfgs {
		if oc.Kind == session.OutputSRTListener && cfg.Mode == session.ModeListener && oc.SRT.Port == cfg.Port {
			return usageError(std, "watch", "--forward %s: port %d is the input's own: allowed another port", oc.RedactedURL(), oc.SRT.Port)
		}
	}
	for _, n := range append(notes, outNotes...) {
		fmt.Fprintf(std.Stderr, "srtscope watch: note: %s\n", n)
	}
	if *byStreamID {
		if len(outCfgs) > 0 {
			return usageError(std, "watch", "--forward with --by-streamid: allowed only for a single feed (add outputs to a port's feeds in the window)")
		}
		if cfg.Mode != session.ModeListener {
			return usageError(std, "watch", "--by-streamid with the caller URL %q: allowed a listener URL, srt://:PORT?mode=listener", cfg.RedactedURL())
		}
		spec := app.PortSpec{Config: cfg, AcceptNew: !acceptSet}
		if acceptSet {
			names, err := app.ParsePortNames(*accept)
			var fe *app.FieldError
			if errors.As(err, &fe) {
				return usageError(std, "watch", "--accept %q: stream name %q not allowed: allowed %s", *accept, fe.Value, fe.Allowed)
			} else if err != nil {
				return usageError(std, "watch", "--accept %q: %v", *accept, err)
			}
			spec.Names = names
		}
		return watchPort(ctx, spec, *duration, *format, *inspect, std)
	}

	opts := session.ReceiverOptions{ArrivalTap: *tap}
	var ins *app.LiveInspection
	var tee sinkTee
	if *inspect {
		ins = newLiveInspection(ctx, false)
		tee = append(tee, ins.Sink())
	}
	out := newSampleWriter(*format, std)
	var fwd *forwarder
	// The outputs' events are printed by this goroutine, like the input's.
	outEvents := make(chan outputEvent, 1024)
	if len(outCfgs) > 0 || rec != nil {
		toMain := func(i int, e session.Event) {
			select {
			case outEvents <- outputEvent{i, e}:
			default: // a flood: the summary still counts what happened
			}
		}
		if fwd, err = startForwarder(ctx, outCfgs, rec, toMain); err != nil {
			ins.Close()
			return usageError(std, "watch", "%v", err)
		}
		tee = append(tee, fwd.sinks()...)
		out.fwd = fwd
	}
	if len(tee) > 0 {
		opts.Sink = tee
	}
	r, err := session.NewReceiver(cfg, opts)
	if err != nil {
		ins.Close()
		fwd.stop()
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

	var cues app.CueTracker // SCTE-35 cues as they arrive, with --inspect
	var cueEvents []session.Event
	samples, events := sub.Samples, sub.Events
	for samples != nil || events != nil {
		select {
		case s, ok := <-samples:
			if !ok {
				samples = nil
				continue
			}
			out.sample(s)
			if ins != nil {
				for _, e := range cues.New(ins.Report(), s.Time) {
					out.event(e)
					cueEvents = append(cueEvents, e)
				}
			}
		case e, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			out.event(e)
		case oe := <-outEvents:
			out.outputEvent(oe.index, oe.e)
		}
	}
	err = <-runErr
	fwd.stop()
	for len(outEvents) > 0 {
		oe := <-outEvents
		out.outputEvent(oe.index, oe.e)
	}
	sum := r.Summary()
	var rep *probe.Report
	if ins != nil {
		final := ins.Finish()
		rep = &final
		for _, e := range cues.New(final, time.Now()) { // the last second's
			out.event(e)
			cueEvents = append(cueEvents, e)
		}
		sum.Events = mergeEvents(sum.Events, cueEvents)
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

// mergeEvents adds the cue events to the session's, in time order.
func mergeEvents(events, cues []session.Event) []session.Event {
	out := append(append([]session.Event(nil), events...), cues...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// outputEvent is an output's event on its way to watch's goroutine.
type outputEvent struct {
	index int
	e     session.Event
}

// stopAfter says how the command ends.
func stopAfter(d time.Duration) string {
	if d > 0 {
		return "stops after " + d.String()
	}
	return "Ctrl-C to stop"
}

// sampleWriter prints samples, events and the summary in one format.
// With --by-streamid each feed has its own, made by forFeed: it names the
// feed on every line and shares the output (and its lock) with the others.
type sampleWriter struct {
	format string
	std    IO
	csv    *csv.Writer
	enc    *json.Encoder
	feed   string      // "" for a single feed
	mu     *sync.Mutex // serialises the lines of concurrent feeds
	fwd    *forwarder  // nil without --forward
}

var csvHeader = []string{"time", "state", "peer", "rtt_ms", "latency_ms", "rtt_multiplier", "recv_mbps", "pkts_recv", "pkts_lost", "pkts_retrans", "pkts_dropped", "bytes_recv",
	// Receiver detail, after the original columns so that readers by position keep working.
	"pkts_late", "pkts_at_risk", "recovery_margin_min_ms", "recovery_margin_p5_ms", "rcv_buf_ms", "rcv_buf_pkts",
	"rtt_min_ms", "rtt_max_ms", "rtt_var_ms", "recv_pkts_per_s", "since_last_packet_ms",
	// Bad input from the peer.
	"pkts_backdated", "pkts_undecryptable"}

func newSampleWriter(format string, std IO) *sampleWriter {
	return newSampleWriterHeader(format, std, csvHeader)
}

// newPortSampleWriter is the writer of watch --by-streamid, whose CSV
// rows start with the feed's name.
func newPortSampleWriter(format string, std IO) *sampleWriter {
	return newSampleWriterHeader(format, std, append([]string{"feed"}, csvHeader...))
}

func newSampleWriterHeader(format string, std IO, header []string) *sampleWriter {
	w := &sampleWriter{format: format, std: std, mu: &sync.Mutex{}}
	switch format {
	case "csv":
		w.csv = csv.NewWriter(std.Stdout)
		w.csv.Write(header)
		w.csv.Flush()
	case "json":
		w.enc = json.NewEncoder(std.Stdout)
	}
	return w
}

// forFeed returns the writer of one feed of a port.
func (w *sampleWriter) forFeed(name string) *sampleWriter {
	c := *w
	c.feed = name
	return &c
}

// row is a CSV row, after the feed's name when there is one.
func (w *sampleWriter) row(cols []string) []string {
	if w.feed == "" {
		return cols
	}
	return append([]string{w.feed}, cols...)
}

// prefix is the text lines' feed name and a space, "" for a single feed.
func (w *sampleWriter) prefix() string {
	if w.feed == "" {
		return ""
	}
	return w.feed + " "
}

func (w *sampleWriter) sample(s session.Sample) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s.RTTMs = round(s.RTTMs, 3)
	s.RTTMultiplier = round(s.RTTMultiplier, 2)
	s.RecvMbps = round(s.RecvMbps, 3)
	switch w.format {
	case "json":
		_ = w.enc.Encode(watchSample{Feed: w.feed, Sample: s, Outputs: w.fwd.rows()})
	case "csv":
		w.csv.Write(w.row([]string{s.Time.Format(time.RFC3339Nano), string(s.State), s.Peer, ftoa(s.RTTMs), strconv.Itoa(s.LatencyMs),
			ftoa(s.RTTMultiplier), ftoa(s.RecvMbps), utoa(s.PktsRecv), utoa(s.PktsLost), utoa(s.PktsRetrans), utoa(s.PktsDropped), utoa(s.BytesRecv),
			utoa(s.PktsLate), utoa(s.PktsAtRisk), optMs(s.RecoveryMarginMinMs), optMs(s.RecoveryMarginP5Ms), ftoa(round(s.RcvBufMs, 1)), strconv.Itoa(s.RcvBufPkts),
			ftoa(round(s.RTTMinMs, 3)), ftoa(round(s.RTTMaxMs, 3)), ftoa(round(s.RTTVarMs, 3)), ftoa(round(s.RecvPktsPerS, 1)), ftoa(round(s.SinceLastPacketMs, 1)),
			utoa(s.PktsBackdated), utoa(s.PktsUndecryptable)}))
		w.csv.Flush()
	default:
		peer := s.Peer
		if peer == "" {
			peer = "-"
		}
		fmt.Fprintf(w.std.Stdout, "%s%s %-12s %-21s rtt %6.1f ms  latency %4d ms (x%.1f)  %6.2f Mbit/s  recv %d lost %d retrans %d dropped %d at risk %d%s\n",
			w.prefix(), s.Time.Format("15:04:05"), s.State, peer, s.RTTMs, s.LatencyMs, s.RTTMultiplier, s.RecvMbps, s.PktsRecv, s.PktsLost, s.PktsRetrans, s.PktsDropped, s.PktsAtRisk, marginText(s))
		w.outputLines()
	}
}

// outputLines prints a text line per output (and puller).
func (w *sampleWriter) outputLines() {
	for _, o := range w.fwd.rows() {
		if o.Kind == string(session.OutputRecord) {
			fmt.Fprintf(w.std.Stdout, "%s  -> record %s %-10s %d bytes written, skipped %d bytes, segment %s\n", w.prefix(), o.URL, o.State, o.Bytes, o.SkippedBytes, orDash(o.Segment))
			continue
		}
		if o.Kind == string(session.OutputSRTListener) && o.Peer == "" && o.State == string(session.StateConnecting) {
			continue // a listener nobody pulls from: nothing to say every second
		}
		peer := o.Peer
		if peer == "" {
			peer = "-"
		}
		fmt.Fprintf(w.std.Stdout, "%s  -> %s %-12s %-21s rtt %6.1f ms  %6.2f Mbit/s  sent %d retrans %d naks %d send-dropped %d buffer %.0f ms skipped %d bytes\n",
			w.prefix(), o.URL, o.State, peer, o.RTTMs, o.SendMbps, o.PktsSent, o.PktsRetransSent, o.NaksRecv, o.PktsSendDropped, o.SndBufMs, o.SkippedBytes)
	}
}

// outputEvent prints an output's event like the input's, with its number.
func (w *sampleWriter) outputEvent(index int, e session.Event) {
	e.Kind = session.EventKind("output " + string(e.Kind))
	e.Detail = fmt.Sprintf("output %d: %s", index, e.Detail)
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	w.event(e)
}

// event prints an event: inline in text output, on stderr otherwise so
// that stdout stays one record per line.
func (w *sampleWriter) event(e session.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	dst := w.std.Stderr
	if w.format == "text" {
		dst = w.std.Stdout
	}
	fmt.Fprintf(dst, "%s%s event %s: %s\n", w.prefix(), e.Time.Format("15:04:05"), e.Kind, e.Detail)
}

// summary prints the summary; rep, when not nil, joins it in the JSON line.
func (w *sampleWriter) summary(sum session.Summary, rep *probe.Report) {
	w.mu.Lock()
	defer w.mu.Unlock()
	sum.RTTMs = round(sum.RTTMs, 3)
	sum.RTTMultiplier = round(sum.RTTMultiplier, 2)
	sum.ConnectedS = round(sum.ConnectedS, 3)
	if sum.Events == nil {
		sum.Events = []session.Event{}
	}
	switch w.format {
	case "json":
		_ = w.enc.Encode(watchSummary{Feed: w.feed, Summary: summaryBody{Summary: sum, Outputs: w.fwd.rows(), Recordings: w.fwd.recordings()}, Inspection: rep})
	case "csv":
		w.csv.Write(w.row([]string{"summary", "connected_s", "reconnects", "rejections", "pkts_recv", "pkts_lost", "pkts_retrans", "pkts_dropped", "bytes_recv", "events"}))
		w.csv.Write(w.row([]string{"summary", ftoa(sum.ConnectedS), strconv.Itoa(sum.Reconnects), strconv.Itoa(sum.Rejections), utoa(sum.PktsRecv),
			utoa(sum.PktsLost), utoa(sum.PktsRetrans), utoa(sum.PktsDropped), utoa(sum.BytesRecv), strconv.Itoa(len(sum.Events))}))
		w.csv.Flush()
	default:
		fmt.Fprintf(w.std.Stdout, "%ssummary: connected %.1f s, reconnects %d, rejections %d, recv %d lost %d retrans %d dropped %d (%d bytes), %d events\n",
			w.prefix(), sum.ConnectedS, sum.Reconnects, sum.Rejections, sum.PktsRecv, sum.PktsLost, sum.PktsRetrans, sum.PktsDropped, sum.BytesRecv, len(sum.Events))
		w.outputLines()
		for _, s := range w.fwd.recordings() {
			fmt.Fprintf(w.std.Stdout, "  recorded %s: %d bytes, %s to %s\n", s.Path, s.Bytes, s.Start.UTC().Format(time.TimeOnly), s.End.UTC().Format(time.TimeOnly))
		}
	}
}

// round rounds v to digits decimals, half away from zero (a negative
// recovery margin rounds as its size does).
func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
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
