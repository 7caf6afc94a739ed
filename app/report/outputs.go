package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/session"
)

// OutputSummary is one output of the session (or one puller of a listener
// output) over the whole recording: its last counters (cumulative), its
// worst send buffer and its RTT, with libsrt's sender meanings.
type OutputSummary struct {
	Output          int     `json:"output"` // 1-based position among the feed's outputs
	URL             string  `json:"url"`
	Kind            string  `json:"kind"`
	Peer            string  `json:"peer"`
	LastState       string  `json:"last_state"`
	Samples         int     `json:"samples"`
	ConnectedPct    float64 `json:"connected_pct"` // of its samples
	PktsSent        uint64  `json:"pkts_sent"`
	PktsRetransSent uint64  `json:"pkts_retrans_sent"`
	NaksRecv        uint64  `json:"naks_recv"`
	PktsSendDropped uint64  `json:"pkts_send_dropped"`
	SkippedBytes    uint64  `json:"skipped_bytes"`
	RTTMs           Stats   `json:"rtt_ms"`
	SndBufMaxMs     float64 `json:"snd_buf_max_ms"`
	SendMbps        Stats   `json:"send_mbps"`
}

// summarizeOutputs groups the recorded output samples by output and peer,
// in the order they first appear.
func summarizeOutputs(samples []record.OutputSample) []OutputSummary {
	type key struct {
		out  int
		url  string
		peer string
	}
	idx := map[key]int{}
	var out []OutputSummary
	rtts := map[int][]float64{}
	mbps := map[int][]float64{}
	connected := map[int]int{}
	for _, s := range samples {
		// A caller's own row keeps one key across reconnects: its peer is
		// the destination; a listener's pullers are one row each.
		k := key{s.Output, s.URL, s.Peer}
		if s.Kind != "srt-listener" {
			k.peer = ""
		}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, OutputSummary{Output: s.Output, URL: s.URL, Kind: s.Kind, Peer: s.Peer})
		}
		o := &out[i]
		o.Samples++
		o.LastState = s.State
		if s.Peer != "" {
			o.Peer = s.Peer
		}
		o.PktsSent, o.PktsRetransSent, o.NaksRecv = max(o.PktsSent, s.PktsSent), max(o.PktsRetransSent, s.PktsRetransSent), max(o.NaksRecv, s.NaksRecv)
		o.PktsSendDropped, o.SkippedBytes = max(o.PktsSendDropped, s.PktsSendDropped), max(o.SkippedBytes, s.SkippedBytes)
		o.SndBufMaxMs = max(o.SndBufMaxMs, s.SndBufMs)
		if s.State == "connected" {
			connected[i]++
			if s.RTTMs > 0 {
				rtts[i] = append(rtts[i], s.RTTMs)
			}
			mbps[i] = append(mbps[i], s.SendMbps)
		}
	}
	for i := range out {
		out[i].RTTMs, out[i].SendMbps = stats(rtts[i]), stats(mbps[i])
		if out[i].Samples > 0 {
			out[i].ConnectedPct = 100 * float64(connected[i]) / float64(out[i].Samples)
		}
	}
	return out
}

// recordingKinds are the recorded event kinds of a recording output the
// report lists (app's EventSegmentClosed and the others, as the feed
// records them: "output " and the kind).
var recordingKinds = map[session.EventKind]bool{
	"output segment-closed": true, "output segment-recovered": true, "output disk-full": true, "output record-failed": true,
}

// recordingEvents picks the recording outputs' events.
func recordingEvents(events []session.Event) []session.Event {
	var out []session.Event
	for _, e := range events {
		if recordingKinds[e.Kind] {
			out = append(out, e)
		}
	}
	return out
}

// outputsSection is the table of the session's outputs.
func outputsSection(sum Summary) section {
	sec := section{Title: "Outputs", Note: "Where the feed was forwarded or recorded. Counters are totals for the session; a listener output has a row per puller; a recording's segments and a full disk are in the events."}
	t := table{Header: []string{"#", "Output", "Peer", "Connected", "Sent", "Retrans", "NAKs", "Send-dropped", "Skipped bytes", "RTT avg ms", "Send buffer max ms"},
		Num:    []bool{true, false, false, true, true, true, true, true, true, true, true},
		Widths: []float64{0.4, 3.2, 1.6, 0.9, 0.9, 0.8, 0.7, 0.9, 1, 0.8, 0.9}}
	for _, o := range sum.Outputs {
		name := readableURL(o.URL)
		if o.Kind == "record" {
			name = "record to " + o.URL // its segments are in the events
		}
		t.Rows = append(t.Rows, []string{strconv.Itoa(o.Output), name, orDash(o.Peer), fmt.Sprintf("%.0f%%", o.ConnectedPct),
			fmtInt(o.PktsSent), fmtInt(o.PktsRetransSent), fmtInt(o.NaksRecv), fmtInt(o.PktsSendDropped), fmtInt(o.SkippedBytes),
			fmtF(o.RTTMs.Avg, 1), fmtF(o.SndBufMaxMs, 0)})
		t.Bad = append(t.Bad, o.PktsSendDropped > 0 || o.SkippedBytes > 0 || (o.Kind != "srt-listener" && o.ConnectedPct < 99))
	}
	sec.Tables = []table{t}
	if len(sum.Recordings) > 0 {
		rt := table{Title: "Recording", Header: []string{"Time", "Event", "Detail"}, Widths: []float64{1.6, 1.6, 8}}
		for _, e := range sum.Recordings {
			rt.Rows = append(rt.Rows, []string{fmtTime(e.Time), strings.TrimPrefix(string(e.Kind), "output "), e.Detail})
			rt.Bad = append(rt.Bad, e.Kind == "output disk-full" || e.Kind == "output record-failed")
		}
		sec.Tables = append(sec.Tables, rt)
	}
	return sec
}
