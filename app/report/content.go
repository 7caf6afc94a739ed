package report

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/app/chart"
	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/probe"
)

// kv is one labelled value of the cover summary.
type kv struct {
	Key, Value string
	Bad        bool // shown in red: needs attention
}

// group is a titled block of the cover summary.
type group struct {
	Title string
	Rows  []kv
}

// table is a titled table; Num marks right-aligned (numeric) columns and
// Widths are relative column widths for the PDF.
type table struct {
	Title  string
	Note   string
	Header []string
	Num    []bool
	Widths []float64
	Rows   [][]string
	Bad    []bool // per row: highlight
}

// content is everything a PDF or HTML report shows, in order.
type content struct {
	Title     string
	Subtitle  string
	Generated string
	Verdict   string
	VerdictOK bool
	Groups    []group
	Sections  []section
	// NoCharts: the session received nothing to chart (a line test's own
	// session), so the charts are left out.
	NoCharts bool
}

// section is a titled part after the charts, made of tables.
type section struct {
	Title  string
	Note   string
	Tables []table
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

func fmtClock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("15:04:05")
}

func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %02dm %02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// fmtInt groups thousands with commas: 1,234,567.
func fmtInt(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func fmtF(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// build lays out the report's content from a session.
func build(s *record.Session, o Options) (content, Summary) {
	sum := Summarize(s)
	c := content{
		Title:     "SRT session report",
		Subtitle:  orDash(sum.Name),
		Generated: "Generated " + fmtTime(o.generated()) + " by " + generator(),
	}
	c.Verdict, c.VerdictOK = sum.Verdict()

	latency := fmt.Sprintf("%d ms", sum.LatencyMaxMs)
	if sum.LatencyMinMs != sum.LatencyMaxMs {
		latency = fmt.Sprintf("%d–%d ms (changed on reconnect)", sum.LatencyMinMs, sum.LatencyMaxMs)
	}
	enc := "no"
	if sum.Encrypted {
		enc = "yes (passphrase not shown)"
	}
	end := fmtTime(sum.End)
	if sum.Interrupted {
		end += " (recording interrupted)"
	}
	c.Groups = []group{
		{"Feed", []kv{
			{Key: "Feed", Value: orDash(sum.Name)},
			{Key: "URL", Value: orDash(readableURL(sum.URL))},
			{Key: "Mode", Value: orDash(sum.Mode)},
			{Key: "Peer", Value: orDash(sum.Peer)},
			{Key: "Encrypted", Value: enc},
		}},
		{"Time", []kv{
			{Key: "Start", Value: fmtTime(sum.Start)},
			{Key: "End", Value: end, Bad: sum.Interrupted},
			{Key: "Duration", Value: fmtDur(sum.Duration)},
			{Key: "On air since connected", Value: fmt.Sprintf("%s (%.1f%%)", fmtDur(sum.OnAir), sum.OnAirPct), Bad: sum.OnAirPct < 99 && sum.Samples > 0},
			{Key: "Reconnects", Value: strconv.Itoa(sum.Reconnects), Bad: sum.Reconnects > 0},
		}},
		{"Latency and round trip", []kv{
			{Key: "Negotiated latency", Value: latency},
			{Key: "RTT min / avg / p95 / max", Value: fmt.Sprintf("%s / %s / %s / %s ms", fmtF(sum.RTTMs.Min, 1), fmtF(sum.RTTMs.Avg, 1), fmtF(sum.RTTMs.P95, 1), fmtF(sum.RTTMs.Max, 1))},
			{Key: "Latency ÷ RTT (min / avg)", Value: fmt.Sprintf("%s× / %s×", fmtF(sum.Headroom.Min, 1), fmtF(sum.Headroom.Avg, 1)), Bad: sum.Headroom.N > 0 && sum.Advised > 0 && sum.Headroom.Min < float64(sum.Advised)},
			{Key: "Advised (SRT guide)", Value: fmt.Sprintf("%d× RTT for %s%% loss over the session", sum.Advised, fmtF(sum.LossPct, 1))},
		}},
		{"Packets", []kv{
			{Key: "Received", Value: fmtInt(sum.PktsRecv)},
			{Key: "Lost (detected missing)", Value: fmt.Sprintf("%s (%s%% of packets sent, whole session)", fmtInt(sum.PktsLost), fmtF(sum.LossPct, 3))},
			{Key: "Recovered in time", Value: fmtInt(sum.PktsRecovered)},
			{Key: "Dropped (not delivered in time)", Value: fmt.Sprintf("%s (%s%%, %s)", fmtInt(sum.PktsDropped), fmtF(sum.DroppedPct, 3), plural(sum.DropBursts, "burst")), Bad: sum.PktsDropped > 0},
			{Key: "Retransmitted", Value: fmtInt(sum.PktsRetrans)},
		}},
		{"Bitrate", []kv{
			{Key: "Received min / avg / max", Value: fmt.Sprintf("%s / %s / %s Mbit/s", fmtF(sum.Mbps.Min, 2), fmtF(sum.Mbps.Avg, 2), fmtF(sum.Mbps.Max, 2))},
		}},
	}
	if sum.ReceiverDetail {
		margin := "none recovered"
		if m := sum.RecoveryMarginMinMs; m != nil {
			margin = fmtF(*m, 1) + " ms"
		}
		c.Groups = append(c.Groups, group{"Receiver", []kv{
			{Key: "Late (of dropped: a libsrt decoder would have skipped them)", Value: fmtInt(sum.PktsLate), Bad: sum.PktsLate > 0},
			{Key: "At risk (recovered with little time to spare)", Value: fmtInt(sum.PktsAtRisk), Bad: sum.PktsAtRisk > 0},
			{Key: "Smallest recovery margin", Value: margin, Bad: sum.RecoveryMarginMinMs != nil && *sum.RecoveryMarginMinMs < 0},
			{Key: "Receive buffer min / avg / max", Value: fmt.Sprintf("%s / %s / %s ms", fmtF(sum.RcvBufMs.Min, 0), fmtF(sum.RcvBufMs.Avg, 0), fmtF(sum.RcvBufMs.Max, 0))},
		}})
	}
	alarms := group{Title: "Alarms"}
	if len(sum.Alarms) == 0 {
		alarms.Rows = append(alarms.Rows, kv{Key: "Alarms", Value: "none"})
	}
	for _, sev := range []record.Severity{record.SeverityCritical, record.SeverityWarning, record.SeverityInfo} {
		n := sum.AlarmsBySev[sev]
		if n == 0 {
			continue
		}
		var kinds []string
		for _, a := range sum.Alarms {
			if a.Severity == sev {
				kinds = append(kinds, fmt.Sprintf("%s ×%d", a.Kind, a.Count))
			}
		}
		alarms.Rows = append(alarms.Rows, kv{Key: strings.ToUpper(string(sev[:1])) + string(sev[1:]), Value: fmt.Sprintf("%d: %s", n, strings.Join(kinds, ", ")), Bad: sev == record.SeverityCritical})
	}
	c.Groups = append(c.Groups, alarms)

	c.Sections = append(c.Sections, inspectionSection(sum))
	c.Sections = append(c.Sections, mediaSection(sum))
	if len(sum.Loudness) > 0 {
		c.Sections = append(c.Sections, loudnessSection(sum))
	}
	if len(sum.Outputs) > 0 {
		c.Sections = append(c.Sections, outputsSection(sum))
	}
	c.Sections = append(c.Sections, logSection(s))
	if len(sum.Wizard) > 0 {
		c.Sections = append(c.Sections, wizardSection(sum))
	}
	if len(sum.LineTests) > 0 {
		c.Sections = append(c.Sections, lineTestSection(sum))
		if sum.Samples == 0 { // a line test's own session: its verdict is the point
			lineTestCover(&c, sum)
		}
	}
	return c, sum
}

func inspectionSection(sum Summary) section {
	sec := section{Title: "Stream inspection"}
	if sum.Inspection == nil {
		sec.Note = "No stream inspection was recorded for this session."
		return sec
	}
	r := sum.Inspection.Report
	sec.Note = fmt.Sprintf("Snapshot at %s covering %s of stream; media analysis: %s.", fmtTime(sum.Inspection.Time),
		fmtDur(time.Duration(r.DurationS*float64(time.Second))), orDash(r.MediaAnalysis))
	if len(r.Problems) > 0 {
		sec.Note += " Problems: " + strings.Join(r.Problems, "; ") + "."
	}
	progs := table{Title: "Programs and streams", Header: []string{"Program", "PMT PID", "PID", "Type", "Codec", "Details"},
		Num: []bool{true, true, true, false, false, false}, Widths: []float64{1.2, 1.3, 1, 1.2, 1.2, 5}}
	for _, p := range r.Programs {
		for _, st := range p.Streams {
			progs.Rows = append(progs.Rows, []string{strconv.Itoa(int(p.Number)), strconv.Itoa(int(p.PMTPID)), strconv.Itoa(int(st.PID)),
				orDash(st.Kind), orDash(st.Codec), orDash(st.Details(st.StreamType != 0))})
		}
		if len(p.Streams) == 0 {
			progs.Rows = append(progs.Rows, []string{strconv.Itoa(int(p.Number)), strconv.Itoa(int(p.PMTPID)), "—", "—", "—", "no streams"})
		}
	}
	pids := table{Title: "PIDs", Header: []string{"PID", "Packets", "Bitrate", "CC errors"}, Num: []bool{true, true, true, true}, Widths: []float64{1, 2, 2, 1.5}}
	for _, p := range r.PIDs {
		pids.Rows = append(pids.Rows, []string{strconv.Itoa(int(p.PID)), fmtInt(p.Packets), fmtF(p.BitrateBps/1e6, 3) + " Mbit/s", fmtInt(p.CCErrors)})
		pids.Bad = append(pids.Bad, p.CCErrors > 0)
	}
	t := r.TR101290
	tr := table{Title: "ETSI TR 101 290", Header: []string{"Priority", "Check", "Count"}, Num: []bool{true, false, true}, Widths: []float64{1, 4, 1.5}}
	for _, c := range []struct {
		p    int
		name string
		n    uint64
	}{
		{1, "TS sync loss", t.TSSyncLoss}, {1, "Sync byte error", t.SyncByteError}, {1, "PAT error", t.PATError},
		{1, "Continuity count error", t.CCError}, {1, "PMT error", t.PMTError}, {1, "PID error", t.PIDError},
		{2, "Transport error", t.TransportError}, {2, "CRC error", t.CRCError}, {2, "PCR repetition error", t.PCRRepetitionError},
		{2, "PCR discontinuity error", t.PCRDiscontinuityError}, {2, "PTS error", t.PTSError},
	} {
		tr.Rows = append(tr.Rows, []string{strconv.Itoa(c.p), c.name, fmtInt(c.n)})
		tr.Bad = append(tr.Bad, c.n > 0)
	}
	sec.Tables = []table{progs, pids, tr}
	sec.Tables = append(sec.Tables, serviceCueTables(r)...)
	return sec
}

// serviceCueTables are the issue-16 tables of the inspection: the SDT's
// service names, the SCTE-35 cues and the PID changes. Each appears only
// when there is something to show.
func serviceCueTables(r probe.Report) []table {
	var out []table
	svc := table{Title: "Services (SDT)", Header: []string{"Program", "Service", "Provider"}, Num: []bool{true, false, false}, Widths: []float64{1, 3, 3}}
	for _, p := range r.Programs {
		if p.ServiceName != "" || p.ProviderName != "" {
			svc.Rows = append(svc.Rows, []string{strconv.Itoa(int(p.Number)), orDash(p.ServiceName), orDash(p.ProviderName)})
		}
	}
	if len(svc.Rows) > 0 {
		out = append(out, svc)
	}
	if len(r.Cues) > 0 {
		cues := table{Title: "SCTE-35 cues", Note: "Media time from the start of the inspected stream; pre-roll is how long before the splice the cue arrived.",
			Header: []string{"Arrived", "PID", "Command", "Event", "Direction", "Splice at", "Duration", "Pre-roll"},
			Num:    []bool{true, true, false, true, false, true, true, true}, Widths: []float64{1.2, 0.8, 1.6, 1.2, 2.6, 1.2, 1.2, 1.2}}
		for _, c := range r.Cues {
			dir := "in to network"
			if c.OutOfNetwork {
				dir = "out of network"
			}
			if c.Command == "time_signal" {
				dir = orDash(c.Segmentation)
			}
			if c.Cancel {
				dir = "cancelled"
			}
			at := fmtF(c.PTSS, 3) + " s"
			if c.Immediate {
				at = "immediate"
			}
			dur := "—"
			if c.DurationS > 0 {
				dur = fmtF(c.DurationS, 2) + " s"
			}
			cues.Rows = append(cues.Rows, []string{fmtF(c.ArrivalS, 3) + " s", strconv.Itoa(int(c.PID)), c.Command, strconv.FormatUint(uint64(c.EventID), 10),
				dir, at, dur, fmtF(c.PrerollS, 2) + " s"})
			cues.Bad = append(cues.Bad, false)
		}
		out = append(out, cues)
	}
	hist := table{Title: "PID changes", Note: "Stream clock from the first PCR.", Header: []string{"Time", "Change", "PID", "Detail"},
		Num: []bool{true, false, true, false}, Widths: []float64{1.2, 1.6, 1, 5}}
	for _, e := range r.PIDHistory {
		if e.Kind == probe.PIDStart && e.Detail == "" {
			continue // first appearances
		}
		if len(hist.Rows) == 100 {
			break
		}
		hist.Rows = append(hist.Rows, []string{fmtF(e.TimeS, 2) + " s", e.Kind, strconv.Itoa(int(e.PID)), orDash(e.Detail)})
		hist.Bad = append(hist.Bad, e.Kind == probe.PIDStop || e.Kind == probe.Scrambled)
	}
	if len(hist.Rows) > 0 {
		out = append(out, hist)
	}
	return out
}

func mediaSection(sum Summary) section {
	sec := section{Title: "Black, frozen and silent media"}
	if len(sum.MediaEvents) == 0 {
		sec.Note = "None detected."
		if sum.Inspection == nil {
			sec.Note = "No stream inspection was recorded, so black, frozen and silent media were not checked."
		} else if sum.Inspection.Report.MediaAnalysis == "bitstream-only" {
			sec.Note = "None detected. Black and frozen picture need ffmpeg, which was not used: only silence was checked."
		}
		return sec
	}
	t := table{Header: []string{"Kind", "PID", "Starts at", "Media time", "Lasted"}, Num: []bool{false, true, false, true, true}, Widths: []float64{1.5, 1, 2, 2, 1.5}}
	for _, e := range sum.MediaEvents {
		lasted := "still going"
		if e.EndS > e.StartS {
			lasted = fmtF(e.EndS-e.StartS, 1) + " s"
		}
		t.Rows = append(t.Rows, []string{e.Kind, strconv.Itoa(int(e.PID)), fmtClock(e.At), fmtF(e.StartS, 2) + " s", lasted})
		t.Bad = append(t.Bad, true)
	}
	sec.Tables = []table{t}
	return sec
}

// ReferenceLUFS is the loudness target the report measures against: EBU
// R128's -23 LUFS.
const ReferenceLUFS = -23.0

// loudnessSection gives the integrated loudness of each audio PID at the
// last inspection, against the EBU R128 target.
func loudnessSection(sum Summary) section {
	sec := section{Title: "Loudness (EBU R128)",
		Note: fmt.Sprintf("Measured by ffmpeg's ebur128 filter (ITU-R BS.1770) from the start of the analysis to the last inspection; the reference is EBU R128's %.0f LUFS (ATSC A/85: -24; streaming platforms: -14 to -16). A row is marked when the integrated loudness is more than 1 LU from the reference or the true peak is above -1 dBTP.", ReferenceLUFS)}
	t := table{Header: []string{"PID", "Integrated", "From -23", "Range (LRA)", "True peak", "Momentary max"},
		Num: []bool{true, true, true, true, true, true}, Widths: []float64{1, 1.8, 1.5, 1.8, 1.8, 2}}
	for _, l := range sum.Loudness {
		t.Rows = append(t.Rows, []string{strconv.Itoa(int(l.PID)), fmtF(l.IntegratedLUFS, 1) + " LUFS",
			fmt.Sprintf("%+.1f LU", l.IntegratedLUFS-ReferenceLUFS), fmtF(l.RangeLU, 1) + " LU",
			fmtF(l.TruePeakDBTP, 1) + " dBTP", fmtF(l.MomentaryMaxLUFS, 1) + " LUFS"})
		t.Bad = append(t.Bad, math.Abs(l.IntegratedLUFS-ReferenceLUFS) > 1 || l.TruePeakDBTP > -1)
	}
	sec.Tables = []table{t}
	return sec
}

// loudnessChartPoints turns the summary's trend into chart points.
func loudnessChartPoints(sum Summary) []chart.LoudnessPoint {
	out := make([]chart.LoudnessPoint, 0, len(sum.LoudnessTrend))
	for _, p := range sum.LoudnessTrend {
		out = append(out, chart.LoudnessPoint{Time: p.Time, ShortTermLUFS: p.ShortTermLUFS, IntegratedLUFS: p.IntegratedLUFS})
	}
	return out
}

func logSection(s *record.Session) section {
	sec := section{Title: "Events and alarms"}
	type line struct {
		t    time.Time
		row  []string
		bad  bool
		prio int
	}
	var lines []line
	for _, e := range s.Events {
		d := e.Detail
		if e.Remote != "" && !strings.Contains(d, e.Remote) {
			d += " (" + e.Remote + ")"
		}
		kind := strings.TrimPrefix(string(e.Kind), "output ")
		bad := kind == "disconnected" || kind == "rejected" || kind == "error" || kind == "idle" || kind == "skipping"
		lines = append(lines, line{e.Time, []string{fmtClock(e.Time), "event", string(e.Kind), orDash(d)}, bad, 0})
	}
	for _, a := range s.Alarms {
		lines = append(lines, line{a.Time, []string{fmtClock(a.Time), string(a.Severity), a.Kind, orDash(a.Message)}, a.Severity == record.SeverityCritical, 1})
	}
	sort.SliceStable(lines, func(a, b int) bool {
		if !lines[a].t.Equal(lines[b].t) {
			return lines[a].t.Before(lines[b].t)
		}
		return lines[a].prio < lines[b].prio
	})
	if len(lines) == 0 {
		sec.Note = "Nothing was logged."
		return sec
	}
	t := table{Header: []string{"Time", "Type", "What", "Detail"}, Widths: []float64{1.1, 1.1, 1.5, 6.3}}
	for _, l := range lines {
		t.Rows = append(t.Rows, l.row)
		t.Bad = append(t.Bad, l.bad)
	}
	sec.Tables = []table{t}
	return sec
}

func wizardSection(sum Summary) section {
	sec := section{Title: "Latency wizard"}
	for _, w := range sum.Wizard {
		t := table{
			Title:  fmt.Sprintf("Run at %s: measured RTT %s ms, loss %s%%", fmtTime(w.Time), fmtF(w.RTTMs, 1), fmtF(w.Loss, 2)),
			Header: []string{"Step", "Latency", "Soak", "Lost", "Retransmitted", "Dropped", "RTT"},
			Num:    []bool{true, true, true, true, true, true, true},
			Widths: []float64{1, 1.4, 1, 1.2, 1.6, 1.3, 1.2},
		}
		for _, st := range w.Steps {
			drop := fmtInt(st.PktsDropped)
			if st.Failed {
				drop = "failed: " + st.Error
			}
			t.Rows = append(t.Rows, []string{fmtF(st.Multiplier, 0) + "× RTT", strconv.Itoa(st.LatencyMs) + " ms", fmtF(st.DurationS, 0) + " s",
				fmtInt(st.PktsLost), fmtInt(st.PktsRetrans), drop, fmtF(st.RTTMs, 1) + " ms"})
			t.Bad = append(t.Bad, st.PktsDropped > 0 || st.Failed)
		}
		if w.Recommended.LatencyMs > 0 {
			t.Note = fmt.Sprintf("Recommended: %s× RTT = %d ms. %s", fmtF(w.Recommended.Multiplier, 0), w.Recommended.LatencyMs, w.Recommended.Reason)
		} else if w.Error != "" {
			t.Note = "No recommendation: " + strings.TrimPrefix(w.Error, "wizard: ")
		}
		sec.Tables = append(sec.Tables, t)
	}
	return sec
}

// lineTestCover makes the cover of a line test's own session: the last
// run's verdict, and in place of the receiving figures (there are none:
// it sent) the line test's, with its steps' connections not counted as
// reconnects.
func lineTestCover(c *content, sum Summary) {
	lt := sum.LineTests[len(sum.LineTests)-1]
	c.Title = "SRT line test report"
	c.Verdict, c.VerdictOK = "Line test: "+lt.Verdict, lt.MaxMbps > 0
	c.NoCharts = true
	failed := 0
	for _, st := range lt.Steps {
		if st.Outcome != "carried" {
			failed++
		}
	}
	var kept []group
	for _, g := range c.Groups {
		switch g.Title {
		case "Feed":
			kept = append(kept, g)
		case "Time":
			g.Rows = []kv{{Key: "Start", Value: fmtTime(sum.Start)}, {Key: "End", Value: fmtTime(sum.End)}, {Key: "Duration", Value: fmtDur(sum.Duration)}}
			kept = append(kept, g)
		}
	}
	carried := fmtF(lt.MaxMbps, -1) + " Mbit/s"
	if lt.MaxMbps == 0 {
		carried = "no rate"
	}
	kept = append(kept, group{"Line test", []kv{
		{Key: "Carried", Value: carried, Bad: lt.MaxMbps == 0},
		{Key: "Latency", Value: fmt.Sprintf("%d ms", lt.LatencyMs)},
		{Key: "RTT at the first step", Value: fmtF(lt.RTTMs, 1) + " ms"},
		{Key: "Steps", Value: fmt.Sprintf("%d, %d failed", len(lt.Steps), failed)},
	}})
	c.Groups = kept
}

// lineTestSection has a table per line test: each step's rate, loss,
// retransmission overhead, RTT and its spread, drops and outcome, with the
// verdict sentence as its note.
func lineTestSection(sum Summary) section {
	sec := section{Title: "Line test",
		Note: "Generated TS sent at stepped rates, one connection per step. Loss and dropped are the receiver's own figures when the far end was srtscope's line-test receiver, else the sender's; overhead is retransmissions ÷ original packets, and a step fails above SRT's 25% default or with packets dropped."}
	for _, lt := range sum.LineTests {
		t := table{
			Title:  fmt.Sprintf("Run ended %s at %d ms latency: carries %s Mbit/s", fmtTime(lt.Time), lt.LatencyMs, fmtF(lt.MaxMbps, -1)),
			Header: []string{"Rate", "Loss", "Overhead", "RTT (min–max)", "Dropped", "Result"},
			Num:    []bool{true, true, true, true, true, false},
			Widths: []float64{1, 1, 1.1, 1.7, 1.3, 3.6},
		}
		if lt.MaxMbps == 0 {
			t.Title = fmt.Sprintf("Run ended %s at %d ms latency: no rate carried", fmtTime(lt.Time), lt.LatencyMs)
		}
		for _, st := range lt.Steps {
			drop := fmtInt(st.PktsDropped)
			if st.FiguresFrom != "" {
				drop += " (" + st.FiguresFrom + ")"
			}
			outcome := orDash(st.Outcome)
			t.Rows = append(t.Rows, []string{fmtF(st.Mbps, -1) + " Mbit/s", fmtF(st.LossPct, 2) + "%", fmtF(st.OverheadPct, 1) + "%",
				fmt.Sprintf("%s ms (%s–%s)", fmtF(st.RTTMs, 1), fmtF(st.RTTMinMs, 1), fmtF(st.RTTMaxMs, 1)), drop, outcome})
			t.Bad = append(t.Bad, st.Outcome != "carried")
		}
		t.Note = "Verdict: " + lt.Verdict
		sec.Tables = append(sec.Tables, t)
	}
	return sec
}

// readableURL undoes percent-encoding for display (streamids are easier to
// read as typed); the raw form stays in the CSV and JSON exports.
func readableURL(u string) string {
	if d, err := url.QueryUnescape(u); err == nil {
		return d
	}
	return u
}
