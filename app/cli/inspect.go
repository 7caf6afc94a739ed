package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/media"
)

const inspectUsage = "(FILE.ts | URL) [--duration D] [--format text|json] [--no-ffmpeg]"

func runInspect(ctx context.Context, args []string, std IO) int {
	fs := newFlagSet("inspect", inspectUsage, std)
	duration := fs.Duration("duration", 0, "inspect only the first D of media time (Go syntax, e.g. 20s); 0 = all")
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
		return usageError(std, "inspect", "--duration %s: must be positive, e.g. 20s", *duration)
	}
	target := pos[0]
	if strings.Contains(target, "://") {
		if !strings.HasPrefix(strings.ToLower(target), "srt://") {
			return usageError(std, "inspect", "%q: only srt:// URLs or TS files can be inspected", target)
		}
		return failure(std, "inspect", errors.New("inspect of an SRT URL arrives with the session engine; for now record the feed to a .ts file (srt-live-transmit URL file://con > feed.ts) and inspect the file"))
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

	if *format == "json" {
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

// addMediaEvents runs the media analyser over the file: ffmpeg for black,
// freeze and silence, or the bitstream reader for silence alone.
func addMediaEvents(ctx context.Context, rep *probe.Report, path string, duration time.Duration, noFFmpeg bool) {
	if len(rep.Programs) == 0 {
		return
	}
	var events []probe.MediaEvent
	var err error
	if !noFFmpeg {
		events, err = media.AnalyseFile(ctx, path, media.Config{})
		if err == nil {
			rep.MediaAnalysis = probe.MediaFFmpeg
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

// writeInspectText prints the report for a technical director.
func writeInspectText(w io.Writer, target string, r probe.Report) {
	fmt.Fprintf(w, "%s: %.2f s, %d packets", target, r.DurationS, r.Packets)
	if r.TSBitrateBps > 0 {
		fmt.Fprintf(w, ", %s", mbps(r.TSBitrateBps))
	}
	if r.PacketSize != 0 && r.PacketSize != probe.PacketSize {
		fmt.Fprintf(w, ", %d-byte packets", r.PacketSize)
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
		if p.PMTChanges > 0 {
			extra = fmt.Sprintf(", PMT changed %d time(s)", p.PMTChanges)
		}
		if !p.InPAT {
			extra += ", no longer in the PAT"
		}
		fmt.Fprintf(tw, "  program %d\tPMT PID %d\tPCR PID %d%s\n", p.Number, p.PMTPID, p.PCRPID, extra)
		for _, s := range p.Streams {
			fmt.Fprintf(tw, "    PID %d\t%s\t%s\t%s\n", s.PID, s.Kind, s.Codec, streamDetails(s))
		}
	}
	tw.Flush()

	fmt.Fprintln(w, "\nPIDs")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  PID\tcarries\tpackets\tavg rate\tlast 1 s\tCC errors\tPCR interval (max)\t")
	for _, p := range r.PIDs {
		pcr := "-"
		if p.PCR != nil {
			pcr = fmt.Sprintf("%.0f ms (%.0f ms)", p.PCR.IntervalAvgMS, p.PCR.IntervalMaxMS)
		}
		label := p.Label
		if label == "" {
			label = "?"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%s\t%s\t%d\t%s\t\n", p.PID, label, p.Packets, mbps(p.BitrateBps), mbps(p.Bitrate1sBps), p.CCErrors, pcr)
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

	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "\nProblems")
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
}

func streamDetails(s probe.Stream) string {
	var parts []string
	if s.Width > 0 {
		scan := "p"
		if s.Interlaced {
			scan = "i"
		}
		v := fmt.Sprintf("%dx%d%s", s.Width, s.Height, scan)
		if s.FPS > 0 {
			v += fmt.Sprintf(" %g fps", s.FPS)
		}
		parts = append(parts, v)
	}
	if s.Profile != "" {
		p := s.Profile
		if s.Level != "" {
			p += " @ " + s.Level
		}
		parts = append(parts, p)
	}
	if s.SampleRate > 0 {
		parts = append(parts, fmt.Sprintf("%d Hz", s.SampleRate))
	}
	if s.Channels > 0 {
		parts = append(parts, fmt.Sprintf("%d ch", s.Channels))
	}
	if s.Language != "" {
		parts = append(parts, "lang "+s.Language)
	}
	parts = append(parts, fmt.Sprintf("stream_type 0x%02x", s.StreamType))
	return strings.Join(parts, ", ")
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
