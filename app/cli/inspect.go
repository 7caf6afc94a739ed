package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/media"
	"github.com/srtscope/srtscope/session"
)

const inspectUsage = `(FILE.ts | URL) [--duration D] [--format text|json] [--no-ffmpeg]

Show the programs, PIDs, codecs, bit rates, TR 101 290 counters and black,
frozen and silent spans of an MPEG-TS file or of a live SRT feed. A URL is
received as caller (srt://HOST:PORT) or listener (srt://:PORT, or
mode=listener) for --duration of wall-clock time (default 10s for a URL,
counted from the start, so include the time the peer needs to connect),
then the same report as for a file is printed. For a file, --duration limits
the media time inspected (default: the whole file). Media times are seconds
from the first byte received. Black and freeze detection needs ffmpeg; with
--no-ffmpeg (or without ffmpeg on PATH) the media analysis is
"bitstream-only": silence from AAC/MP2 frames only.

Examples:
  srtscope inspect feed.ts --format json
  srtscope inspect srt://:9000 --duration 20s
  srtscope inspect "srt://192.0.2.10:9000?passphrase=..." --no-ffmpeg`

// defaultURLDuration is how long inspect receives from a URL without --duration.
const defaultURLDuration = 10 * time.Second

func runInspect(ctx context.Context, args []string, std IO) int {
	fs := newFlagSet("inspect", inspectUsage, std)
	duration := fs.Duration("duration", 0, "file: inspect only the first `D` of media time (default all); URL: receive for D (default 10s); Go syntax, e.g. 20s")
	format := fs.String("format", "text", "output format: text or json")
	noFFmpeg := fs.Bool("no-ffmpeg", false, "skip the ffmpeg media analysis (black/freeze); silence still comes from the AAC/MP2 bitstream")
	pos, code, ok := parseFlags(fs, args, std)
	if !ok {
		return code
	}
	switch {
	case len(pos) == 0:
		return usageError(std, "inspect", "missing FILE.ts or URL (form: %s)", inspectUsage)
	case len(pos) > 1:
		return usageError(std, "inspect", "unexpected argument %q: give one FILE.ts or URL", pos[1])
	case *format != "text" && *format != "json":
		return usageError(std, "inspect", "--format %q: allowed forms are text or json", *format)
	case *duration < 0:
		return usageError(std, "inspect", "--duration %s: allowed a positive duration such as 20s", *duration)
	}
	target := pos[0]
	if strings.Contains(target, "://") {
		if !strings.HasPrefix(strings.ToLower(target), "srt://") {
			return usageError(std, "inspect", "%q: only srt:// URLs or TS files can be inspected; allowed srt://[host]:port?... or a file path", target)
		}
		return inspectURL(ctx, target, *duration, *format, *noFFmpeg, std)
	}
	if st, err := os.Stat(target); err != nil {
		return failure(std, "inspect", fmt.Errorf("cannot open %s: %w (check the path)", target, err))
	} else if st.IsDir() {
		return failure(std, "inspect", fmt.Errorf("%s is a folder, not a TS file", target))
	}

	rep, err := probe.InspectFile(ctx, target, probe.Options{}, *duration)
	if err != nil {
		return failure(std, "inspect", err)
	}
	addMediaEvents(ctx, &rep, target, *duration, *noFFmpeg)

	return printInspection(std, target, *format, rep)
}

// printInspection prints the report as one JSON object or as text.
func printInspection(std IO, target, format string, rep probe.Report) int {
	if format == "json" {
		b, err := json.Marshal(rep)
		if err != nil {
			return failure(std, "inspect", fmt.Errorf("encoding the report: %w", err))
		}
		fmt.Fprintf(std.Stdout, "%s\n", b)
		return ExitOK
	}
	writeInspectText(std.Stdout, target, rep)
	return ExitOK
}

// inspectURL receives an SRT feed for duration (defaultURLDuration when 0)
// and inspects what arrived: the probe and the media analyser are fed from
// the receiver's bounded payload queue.
func inspectURL(ctx context.Context, raw string, duration time.Duration, format string, noFFmpeg bool, std IO) int {
	cfg, notes, err := session.ParseURL(raw)
	var fe *session.FieldError
	if errors.As(err, &fe) {
		return usageError(std, "inspect", "%s", fe.Message())
	} else if err != nil {
		return usageError(std, "inspect", "%v", err)
	}
	if err := cfg.Validate(); errors.As(err, &fe) {
		return usageError(std, "inspect", "%s", fe.Message())
	}
	for _, n := range notes {
		fmt.Fprintf(std.Stderr, "srtscope inspect: note: %s\n", n)
	}
	if duration == 0 {
		duration = defaultURLDuration
	}

	ins := newLiveInspection(ctx, noFFmpeg)
	r, err := session.NewReceiver(cfg, session.ReceiverOptions{Sink: ins.Sink()})
	if err != nil {
		ins.Close()
		if errors.As(err, &fe) {
			return usageError(std, "inspect", "%s", fe.Message())
		}
		return usageError(std, "inspect", "%v", err)
	}
	fmt.Fprintf(std.Stderr, "srtscope inspect: %s as %s, receiving for %s\n", cfg.RedactedURL(), cfg.Mode, duration)
	sub := r.Subscribe(1, 64)
	eventsDone := make(chan struct{})
	go func() { // session events as progress on stderr; stdout is the report
		defer close(eventsDone)
		for e := range sub.Events {
			fmt.Fprintf(std.Stderr, "srtscope inspect: %s: %s\n", e.Kind, e.Detail)
		}
	}()
	rctx, cancel := context.WithTimeout(ctx, duration)
	runErr := r.Run(rctx)
	cancel()
	<-eventsDone
	rep := ins.Finish()
	sum := r.Summary()

	switch {
	case runErr != nil:
		return failure(std, "inspect", runErr)
	case r.Connects() == 0:
		return failure(std, "inspect", neverConnected(cfg, duration, r.LastError()))
	case sum.BytesRecv == 0:
		return failure(std, "inspect", fmt.Errorf("connected but no data arrived within %s: check the encoder is sending", duration))
	}
	if sum.SinkSkippedBytes > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d received bytes were not inspected because the analysis fell behind: counters may show errors the feed does not have", sum.SinkSkippedBytes))
	}
	if sum.PktsDropped > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("SRT could not recover %d packets (latency %d ms too short for the link?): CC errors at those points come from the link, not the source", sum.PktsDropped, sum.LatencyMs))
	}
	return printInspection(std, cfg.RedactedURL(), format, rep)
}

// newLiveInspection starts the inspection of a received feed for inspect
// URL and watch --inspect. Both look at a bounded stretch of the feed, so
// ffmpeg keeps its probe packets and sees the feed from its first byte.
func newLiveInspection(ctx context.Context, noFFmpeg bool) *app.LiveInspection {
	return app.NewLiveInspection(ctx, app.LiveInspectionOptions{NoFFmpeg: noFFmpeg, Media: media.Config{FromStart: true}})
}

// neverConnected says why no session came up and what to check.
func neverConnected(cfg session.Config, d time.Duration, last error) error {
	if cfg.Mode == session.ModeListener {
		if last != nil {
			return fmt.Errorf("no caller connected to UDP port %d within %s: %w", cfg.Port, d, last)
		}
		return fmt.Errorf("no caller connected to UDP port %d within %s: check the encoder's destination address, port and passphrase", cfg.Port, d)
	}
	if last != nil {
		return fmt.Errorf("never connected to %s within %s: %w", cfg.Address(), d, last)
	}
	return fmt.Errorf("never connected to %s within %s: check the address and port and that the listener is running", cfg.Address(), d)
}

// addMediaEvents runs the media analyser over the file: ffmpeg for black,
// freeze and silence, or the bitstream reader for silence alone.
func addMediaEvents(ctx context.Context, rep *probe.Report, path string, duration time.Duration, noFFmpeg bool) {
	if len(rep.Programs) == 0 {
		return
	}
	var events []probe.MediaEvent
	var err error
	if !noFFmpeg {
		// The callback runs on the analyser's goroutine; AnalyseFile has
		// returned (and so has every callback) before loud is read.
		var mu sync.Mutex
		loud := map[uint16]media.Loudness{}
		events, err = media.AnalyseFile(ctx, path, media.Config{Duration: duration, OnLoudness: func(l media.Loudness) {
			mu.Lock()
			loud[l.PID] = l
			mu.Unlock()
		}})
		if err == nil {
			rep.MediaAnalysis = probe.MediaFFmpeg
			mu.Lock()
			rep.Loudness = loudnessSummaries(loud)
			mu.Unlock()
		} else {
			rep.Problems = append(rep.Problems, fmt.Sprintf("black/freeze detection did not run: %v", err))
		}
	}
	if noFFmpeg || err != nil {
		events, err = media.AnalyseFileBitstream(path, media.Config{})
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("silence detection from the bitstream did not run: %v", err))
		}
	}
	limit := duration.Seconds()
	for _, e := range events {
		if limit > 0 && e.StartS >= limit {
			continue
		}
		if limit > 0 && e.EndS > limit {
			e.EndS = limit
		}
		rep.Events = append(rep.Events, e)
	}
}

// loudnessSummaries turns the last reading of each audio PID into the
// report's loudness list, by PID.
func loudnessSummaries(m map[uint16]media.Loudness) []probe.Loudness {
	out := make([]probe.Loudness, 0, len(m))
	for _, l := range m {
		out = append(out, l.Summary())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

// writeInspectText prints the report for a technical director.
func writeInspectText(w io.Writer, target string, r probe.Report) {
	fmt.Fprintf(w, "%s: %.2f s, %d packets", target, r.DurationS, r.Packets)
	if r.TSBitrateBps > 0 {
		fmt.Fprintf(w, ", %s", mbps(r.TSBitrateBps))
	}
	if r.PacketSize != 0 && r.PacketSize != probe.PacketSize {
		fmt.Fprintf(w, ", %d-byte packets", r.PacketSize)
	}
	if r.NullPacketPct > 0 {
		fmt.Fprintf(w, ", %.1f%% null packets", r.NullPacketPct)
	}
	fmt.Fprintln(w)

	verdict := "OK: no TR 101 290 priority 1 errors"
	if p1 := r.TR101290.TSSyncLoss + r.TR101290.SyncByteError + r.TR101290.PATError + r.TR101290.CCError + r.TR101290.PMTError + r.TR101290.PIDError; p1 > 0 {
		verdict = fmt.Sprintf("ATTENTION: %d TR 101 290 priority 1 errors", p1)
	}
	fmt.Fprintf(w, "%s\n", verdict)

	fmt.Fprintln(w, "\nPrograms")
	if len(r.Programs) == 0 {
		fmt.Fprintln(w, "  (none found)")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range r.Programs {
		extra := ""
		if p.ServiceName != "" || p.ProviderName != "" {
			extra = fmt.Sprintf(", service %q from %q", p.ServiceName, p.ProviderName)
		}
		if p.PMTChanges > 0 {
			extra += fmt.Sprintf(", PMT changed %d time(s)", p.PMTChanges)
		}
		if !p.InPAT {
			extra += ", no longer in the PAT"
		}
		fmt.Fprintf(tw, "  program %d\tPMT PID %d\tPCR PID %d%s\n", p.Number, p.PMTPID, p.PCRPID, extra)
		for _, s := range p.Streams {
			fmt.Fprintf(tw, "    PID %d\t%s\t%s\t%s\n", s.PID, s.Kind, s.Codec, s.Details(true))
		}
	}
	tw.Flush()

	fmt.Fprintln(w, "\nPIDs")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  PID\tcarries\tpackets\tavg rate\tlast 1 s\tCC errors\tPCR interval (max)\t1 s min\t1 s max\t")
	for _, p := range r.PIDs {
		pcr := "-"
		if p.PCR != nil {
			pcr = fmt.Sprintf("%.0f ms (%.0f ms)", p.PCR.IntervalAvgMS, p.PCR.IntervalMaxMS)
		}
		label := p.Label
		if label == "" {
			label = "?"
		}
		if p.ScrambledPackets > 0 {
			label += fmt.Sprintf(" (%d scrambled)", p.ScrambledPackets)
		}
		lo, hi := "-", "-"
		if p.BitrateMaxBps > 0 {
			lo, hi = mbps(p.BitrateMinBps), mbps(p.BitrateMaxBps)
			if p.BitrateMinBps == 0 {
				lo = "0"
			}
		}
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t\n", p.PID, label, p.Packets, mbps(p.BitrateBps), mbps(p.Bitrate1sBps), p.CCErrors, pcr, lo, hi)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nTR 101 290")
	t := r.TR101290
	rows := []struct {
		prio, name string
		n          uint64
	}{
		{"1.1", "TS sync loss", t.TSSyncLoss}, {"1.2", "sync byte error", t.SyncByteError},
		{"1.3", "PAT error", t.PATError}, {"1.4", "CC error", t.CCError},
		{"1.5", "PMT error", t.PMTError}, {"1.6", "PID error", t.PIDError},
		{"2.1", "transport error", t.TransportError}, {"2.2", "CRC error", t.CRCError},
		{"2.3", "PCR repetition error", t.PCRRepetitionError}, {"2.3", "PCR discontinuity error", t.PCRDiscontinuityError},
		{"2.5", "PTS error", t.PTSError},
	}
	detail := map[string]probe.CheckDetail{}
	for _, d := range r.TR101290Detail {
		detail[d.Check] = d
	}
	names := []string{"ts_sync_loss", "sync_byte_error", "pat_error", "cc_error", "pmt_error", "pid_error",
		"transport_error", "crc_error", "pcr_repetition_error", "pcr_discontinuity_error", "pts_error"}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, row := range rows {
		when := ""
		if d, ok := detail[names[i]]; ok {
			when = fmt.Sprintf("first %.2f s, last %.2f s: %s", d.FirstS, d.LastS, d.Meaning)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", row.prio, row.name, row.n, when)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nMedia (%s)\n", r.MediaAnalysis)
	if len(r.Events) == 0 {
		fmt.Fprintln(w, "  no black, frozen or silent spans found")
	}
	events := append([]probe.MediaEvent(nil), r.Events...)
	sort.Slice(events, func(i, j int) bool { return events[i].StartS < events[j].StartS })
	for _, e := range events {
		end := "still going at the end"
		if e.EndS > 0 {
			end = fmt.Sprintf("to %.2f s (%.2f s)", e.EndS, e.EndS-e.StartS)
		}
		fmt.Fprintf(w, "  %-7s PID %d from %.2f s %s\n", e.Kind, e.PID, e.StartS, end)
	}

	writeLoudnessText(w, r)
	writeCuesText(w, r)

	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "\nProblems")
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
}

// writeLoudnessText prints the EBU R128 summary of each audio PID, with
// how far the integrated loudness is from the EBU R128 target.
func writeLoudnessText(w io.Writer, r probe.Report) {
	if len(r.Loudness) == 0 {
		return
	}
	fmt.Fprintln(w, "\nLoudness (EBU R128)")
	for _, l := range r.Loudness {
		fmt.Fprintf(w, "  PID %d  integrated %.1f LUFS (%+.1f LU from -23), range %.1f LU, true peak %.1f dBTP, momentary max %.1f LUFS\n",
			l.PID, l.IntegratedLUFS, l.IntegratedLUFS+23, l.RangeLU, l.TruePeakDBTP, l.MomentaryMaxLUFS)
	}
}

func mbps(bps float64) string {
	switch {
	case bps >= 1e6:
		return fmt.Sprintf("%.2f Mbit/s", bps/1e6)
	case bps > 0:
		return fmt.Sprintf("%.0f kbit/s", bps/1e3)
	}
	return "-"
}

// inspection prints the stream inspection of watch --inspect after the
// summary: the inspect text report, or csv rows tagged inspection, stream,
// pid and event. In json it is part of the summary line (see summary).
func (w *sampleWriter) inspection(target string, r probe.Report) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch w.format {
	case "json":
	case "csv":
		t := r.TR101290
		w.csv.Write(w.row([]string{"inspection", "duration_s", "media_analysis", "ts_sync_loss", "sync_byte_error", "pat_error", "cc_error", "pmt_error", "pid_error",
			"transport_error", "crc_error", "pcr_repetition_error", "pcr_discontinuity_error", "pts_error", "problems"}))
		w.csv.Write(w.row([]string{"inspection", ftoa(round(r.DurationS, 3)), r.MediaAnalysis, utoa(t.TSSyncLoss), utoa(t.SyncByteError), utoa(t.PATError), utoa(t.CCError),
			utoa(t.PMTError), utoa(t.PIDError), utoa(t.TransportError), utoa(t.CRCError), utoa(t.PCRRepetitionError), utoa(t.PCRDiscontinuityError), utoa(t.PTSError),
			strings.Join(r.Problems, "; ")}))
		w.csv.Write(w.row([]string{"stream", "program", "pmt_pid", "pid", "stream_type", "kind", "codec", "width", "height", "fps", "interlaced", "profile", "level", "sample_rate", "channels"}))
		for _, p := range r.Programs {
			for _, s := range p.Streams {
				w.csv.Write(w.row([]string{"stream", strconv.Itoa(int(p.Number)), strconv.Itoa(int(p.PMTPID)), strconv.Itoa(int(s.PID)), strconv.Itoa(int(s.StreamType)),
					s.Kind, s.Codec, strconv.Itoa(s.Width), strconv.Itoa(s.Height), ftoa(s.FPS), strconv.FormatBool(s.Interlaced), s.Profile, s.Level,
					strconv.Itoa(s.SampleRate), strconv.Itoa(s.Channels)}))
			}
		}
		w.csv.Write(w.row([]string{"pid", "pid", "packets", "bitrate_bps", "cc_errors", "label"}))
		for _, p := range r.PIDs {
			w.csv.Write(w.row([]string{"pid", strconv.Itoa(int(p.PID)), utoa(p.Packets), ftoa(round(p.BitrateBps, 0)), utoa(p.CCErrors), p.Label}))
		}
		w.csv.Write(w.row([]string{"event", "kind", "pid", "start_s", "end_s"}))
		for _, e := range r.Events {
			w.csv.Write(w.row([]string{"event", e.Kind, strconv.Itoa(int(e.PID)), ftoa(e.StartS), ftoa(e.EndS)}))
		}
		w.csv.Flush()
	default:
		fmt.Fprintln(w.std.Stdout)
		if w.feed != "" {
			target = w.feed + " (" + target + ")"
		}
		writeInspectText(w.std.Stdout, target, r)
	}
}

// writeCuesText prints the SCTE-35 cues and the PID history.
func writeCuesText(w io.Writer, r probe.Report) {
	if len(r.Cues) > 0 {
		fmt.Fprintln(w, "\nSCTE-35 cues (media time)")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, c := range r.Cues {
			fmt.Fprintf(tw, "  %s\n", cueWords(c))
		}
		tw.Flush()
	}
	var changes []probe.PIDEvent
	for _, e := range r.PIDHistory {
		if e.Kind != probe.PIDStart || e.Detail != "" { // first appearances are in the PID table
			changes = append(changes, e)
		}
	}
	if len(changes) == 0 {
		return
	}
	fmt.Fprintln(w, "\nPID history (stream clock)")
	for i, e := range changes {
		if i == 50 {
			fmt.Fprintf(w, "  ... %d more\n", len(changes)-i)
			break
		}
		d := e.Detail
		if d != "" {
			d = ": " + d
		}
		fmt.Fprintf(w, "  %7.2f s  %-11s PID %d%s\n", e.TimeS, e.Kind, e.PID, d)
	}
}

// cueWords says what one cue asks for, e.g. "splice_insert 101 OUT of
// network at 1.000 s for 1.50 s (pre-roll 0.47 s), PID 500".
func cueWords(c probe.Cue) string {
	dir := "back IN to network"
	if c.OutOfNetwork {
		dir = "OUT of network"
	}
	if c.Command == "time_signal" {
		dir = c.Segmentation
		if dir == "" {
			dir = "no segmentation"
		}
	}
	if c.Cancel {
		dir = "CANCELLED"
	}
	at := fmt.Sprintf("at %.3f s", c.PTSS)
	if c.Immediate {
		at = fmt.Sprintf("immediately (%.3f s)", c.PTSS)
	}
	s := fmt.Sprintf("%.3f s\t%s %d\t%s %s", c.ArrivalS, c.Command, c.EventID, dir, at)
	if c.DurationS > 0 {
		s += fmt.Sprintf(" for %.2f s", c.DurationS)
	}
	if !c.Immediate {
		s += fmt.Sprintf(" (pre-roll %.2f s)", c.PrerollS)
	}
	s += fmt.Sprintf("\tPID %d", c.PID)
	if c.Repeats > 0 {
		s += fmt.Sprintf(", sent %d times", c.Repeats+1)
	}
	return s
}
