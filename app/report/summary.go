// Package report exports a recorded session as PDF, HTML, CSV or JSON. Every
// export is written atomically (a temporary file in the same folder renamed
// into place) and never contains a passphrase.
package report

import (
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/srtscope/srtscope/app/chart"
	"github.com/srtscope/srtscope/app/guidance"
	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session"
)

// Stats are the minimum, mean, 95th percentile and maximum of a series.
type Stats struct {
	Min float64 `json:"min"`
	Avg float64 `json:"avg"`
	P95 float64 `json:"p95"`
	Max float64 `json:"max"`
	N   int     `json:"n"`
}

func stats(v []float64) Stats {
	if len(v) == 0 {
		return Stats{}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	i := int(math.Ceil(0.95*float64(len(s)))) - 1
	return Stats{Min: s[0], Avg: sum / float64(len(s)), P95: s[max(i, 0)], Max: s[len(s)-1], N: len(s)}
}

// Summary is the cover page of a report: what a client or a network
// provider wants to know about one session.
type Summary struct {
	Name        string        `json:"name"`
	URL         string        `json:"url"`
	Mode        string        `json:"mode"`
	Peer        string        `json:"peer"`
	Encrypted   bool          `json:"encrypted"`
	Start       time.Time     `json:"start"`
	End         time.Time     `json:"end"`
	Duration    time.Duration `json:"-"`
	DurationS   float64       `json:"duration_s"`
	Interrupted bool          `json:"interrupted"` // the recording was never closed (crash or kill)
	Samples     int           `json:"samples"`

	LatencyMinMs int   `json:"latency_min_ms"` // negotiated latency; min and max differ when reconnects changed it
	LatencyMaxMs int   `json:"latency_max_ms"`
	RTTMs        Stats `json:"rtt_ms"`
	Headroom     Stats `json:"rtt_multiplier"`
	Mbps         Stats `json:"recv_mbps"`

	PktsRecv      uint64  `json:"pkts_recv"`
	PktsLost      uint64  `json:"pkts_lost"`      // detected missing (recovered + dropped)
	PktsRecovered uint64  `json:"pkts_recovered"` // lost then retransmitted in time
	PktsDropped   uint64  `json:"pkts_dropped"`   // not delivered in time
	PktsRetrans   uint64  `json:"pkts_retrans"`
	LossPct       float64 `json:"loss_pct"`               // lost / (received + dropped) over the whole session (app/guidance.LossPct)
	DroppedPct    float64 `json:"dropped_pct"`            // dropped / (received + dropped)
	Advised       int     `json:"advised_rtt_multiplier"` // the SRT guide's multiplier for LossPct (app/guidance)
	DropBursts    int     `json:"drop_bursts"`            // separate seconds-long runs with dropped packets

	// The receiver detail (present when the arrival tap was on, see
	// ReceiverDetail): late and at-risk packets, the smallest recovery
	// margin and the receive buffer level over the session.
	ReceiverDetail      bool     `json:"receiver_detail"`
	PktsLate            uint64   `json:"pkts_late"`
	PktsAtRisk          uint64   `json:"pkts_at_risk"`
	RecoveryMarginMinMs *float64 `json:"recovery_margin_min_ms,omitempty"`
	RcvBufMs            Stats    `json:"rcv_buf_ms"`

	Reconnects int           `json:"reconnects"`
	OnAir      time.Duration `json:"-"`
	OnAirS     float64       `json:"on_air_s"`
	OnAirPct   float64       `json:"on_air_pct"` // of the time since the feed first connected

	Alarms      []record.AlarmCount     `json:"alarms"`
	AlarmsBySev map[record.Severity]int `json:"alarms_by_severity"`
	MediaEvents []MediaInterval         `json:"media_events"`
	Inspection  *record.Inspection      `json:"-"`
	Wizard      []Wizard                `json:"-"`
	// LineTests are the line tests recorded in the session (usually a
	// session of its own, named "Line test"), as run.
	LineTests []LineTest `json:"line_tests,omitempty"`

	// Loudness is the EBU R128 summary per audio PID of the last recorded
	// inspection: integrated loudness and range since the analysis began,
	// highest true peak and momentary loudness. LoudnessTrend is the
	// programme's (first audio PID's) short-term and integrated loudness
	// at each recorded inspection, about every 10 s, for the chart.
	Loudness      []probe.Loudness `json:"loudness,omitempty"`
	LoudnessTrend []LoudnessPoint  `json:"-"`

	// Outputs are where the feed was forwarded, one per output and per
	// puller of a listener output.
	Outputs []OutputSummary `json:"outputs,omitempty"`
	// Recordings are the events of the feed's recording outputs that
	// matter afterwards: each finished (or recovered) segment, a full
	// disk, a failure; oldest first.
	Recordings []session.Event `json:"recordings,omitempty"`
}

// LoudnessPoint is the programme's loudness at one recorded inspection.
type LoudnessPoint struct {
	Time           time.Time
	PID            uint16
	ShortTermLUFS  float64
	IntegratedLUFS float64
}

// MediaInterval is a black, frozen or silent stretch with its wall-clock
// start when it can be placed.
type MediaInterval struct {
	probe.MediaEvent
	At time.Time `json:"at,omitempty"`
}

// LineTest is a line test result as printed by `srtscope linetest --format
// json` (DESIGN.md section 8), with when it ended.
type LineTest struct {
	Time      time.Time `json:"time"`
	RTTMs     float64   `json:"rtt_ms"`
	LatencyMs int       `json:"latency_ms"`
	MaxMbps   float64   `json:"max_mbps"`
	Verdict   string    `json:"verdict"`
	Steps     []struct {
		Mbps        float64 `json:"mbps"`
		LossPct     float64 `json:"loss_pct"`
		OverheadPct float64 `json:"overhead_pct"`
		RTTMs       float64 `json:"rtt_ms"`
		RTTMinMs    float64 `json:"rtt_min_ms"`
		RTTMaxMs    float64 `json:"rtt_max_ms"`
		PktsDropped uint64  `json:"pkts_dropped"`
		FiguresFrom string  `json:"figures_from"` // "receiver" or "sender"
		Outcome     string  `json:"outcome"`      // "carried" or why not
	} `json:"steps"`
}

// Wizard is a latency wizard result as printed by `srtscope wizard
// --format json` (DESIGN.md section 8).
type Wizard struct {
	Time  time.Time `json:"-"`
	RTTMs float64   `json:"rtt_ms"`
	Loss  float64   `json:"loss_pct"`
	Steps []struct {
		Multiplier  float64 `json:"multiplier"`
		LatencyMs   int     `json:"latency_ms"`
		DurationS   float64 `json:"duration_s"`
		PktsLost    uint64  `json:"pkts_lost"`
		PktsRetrans uint64  `json:"pkts_retrans"`
		PktsDropped uint64  `json:"pkts_dropped"`
		RTTMs       float64 `json:"rtt_ms"`
		Failed      bool    `json:"failed,omitempty"`
		Error       string  `json:"error,omitempty"` // why a failed step never connected
	} `json:"steps"`
	Error       string `json:"error,omitempty"` // why there is no recommendation (cancelled, failed)
	Recommended struct {
		Multiplier float64 `json:"multiplier"`
		LatencyMs  int     `json:"latency_ms"`
		Reason     string  `json:"reason"`
	} `json:"recommended"`
}

func live(s session.Sample) bool { return s.State == session.StateConnected || s.State == "" }

// counter totals a cumulative counter robustly: the first value plus every
// increase; a counter that went backwards restarted from zero, so its new
// value is added.
func counter(samples []session.Sample, f func(session.Sample) uint64) uint64 {
	if len(samples) == 0 {
		return 0
	}
	total := f(samples[0])
	for i := 1; i < len(samples); i++ {
		switch a, b := f(samples[i-1]), f(samples[i]); {
		case b >= a:
			total += b - a
		default:
			total += b
		}
	}
	return total
}

// Summarize computes the cover summary of a session.
func Summarize(s *record.Session) Summary {
	info := s.Info
	url, _ := record.RedactURL(info.URL)
	sum := Summary{
		Name: info.Name, URL: url, Mode: info.Mode, Peer: info.Peer, Encrypted: info.Encrypted,
		Start: info.Started, End: info.End(), Interrupted: info.Ended.IsZero(), Samples: len(s.Samples),
		AlarmsBySev: map[record.Severity]int{},
	}
	sum.Duration = sum.End.Sub(sum.Start)
	sum.DurationS = sum.Duration.Seconds()
	var rtt, head, mbps, buf []float64
	sum.LatencyMinMs = math.MaxInt
	for _, x := range s.Samples {
		if !live(x) {
			continue
		}
		buf = append(buf, x.RcvBufMs)
		if m := x.RecoveryMarginMinMs; m != nil && (sum.RecoveryMarginMinMs == nil || *m < *sum.RecoveryMarginMinMs) {
			sum.RecoveryMarginMinMs = m
		}
		if x.RTTMs > 0 {
			rtt = append(rtt, x.RTTMs)
		}
		if m := x.RTTMultiplier; m > 0 {
			head = append(head, m)
		} else if x.RTTMs > 0 && x.LatencyMs > 0 {
			head = append(head, float64(x.LatencyMs)/x.RTTMs)
		}
		mbps = append(mbps, x.RecvMbps)
		if x.LatencyMs > 0 {
			sum.LatencyMinMs = min(sum.LatencyMinMs, x.LatencyMs)
			sum.LatencyMaxMs = max(sum.LatencyMaxMs, x.LatencyMs)
		}
	}
	if sum.LatencyMinMs == math.MaxInt {
		sum.LatencyMinMs, sum.LatencyMaxMs = info.LatencyMs, info.LatencyMs
	}
	sum.RTTMs, sum.Headroom, sum.Mbps = stats(rtt), stats(head), stats(mbps)
	sum.PktsRecv = counter(s.Samples, func(x session.Sample) uint64 { return x.PktsRecv })
	sum.PktsLost = counter(s.Samples, func(x session.Sample) uint64 { return x.PktsLost })
	sum.PktsDropped = counter(s.Samples, func(x session.Sample) uint64 { return x.PktsDropped })
	sum.PktsRetrans = counter(s.Samples, func(x session.Sample) uint64 { return x.PktsRetrans })
	if sum.ReceiverDetail = chart.HasReceiverDetail(s.Samples); sum.ReceiverDetail {
		sum.PktsLate = counter(s.Samples, func(x session.Sample) uint64 { return x.PktsLate })
		sum.PktsAtRisk = counter(s.Samples, func(x session.Sample) uint64 { return x.PktsAtRisk })
		sum.RcvBufMs = stats(buf)
	}
	if sum.PktsLost > sum.PktsDropped {
		sum.PktsRecovered = sum.PktsLost - sum.PktsDropped
	}
	// A report covers the session: loss over all its connections.
	loss := guidance.NewLoss(guidance.SpanSession, sum.PktsRecv, sum.PktsLost, sum.PktsDropped)
	sum.LossPct = loss.Pct
	sum.DroppedPct = guidance.LossPct(sum.PktsRecv, sum.PktsDropped, sum.PktsDropped) // dropped of the packets sent
	sum.Advised = guidance.For(sum.LossPct).Multiplier
	inBurst := false
	for i := 1; i < len(s.Samples); i++ {
		d := s.Samples[i].PktsDropped > s.Samples[i-1].PktsDropped
		if d && !inBurst {
			sum.DropBursts++
		}
		inBurst = d
	}

	// Time on air: sampling intervals with both ends connected.
	gap := 3 * time.Second
	if n := len(s.Samples); n > 2 {
		if g := s.Samples[n-1].Time.Sub(s.Samples[0].Time) / time.Duration(n-1) * 3; g > gap {
			gap = g
		}
	}
	for i := 1; i < len(s.Samples); i++ {
		a, b := s.Samples[i-1], s.Samples[i]
		if dt := b.Time.Sub(a.Time); live(a) && live(b) && dt > 0 && dt <= gap {
			sum.OnAir += dt
		}
	}
	sum.OnAirS = sum.OnAir.Seconds()
	// The share counts from the first connection: waiting for the encoder
	// to call before the show is not time off air.
	for _, smp := range s.Samples {
		if live(smp) {
			if span := s.Samples[len(s.Samples)-1].Time.Sub(smp.Time); span > 0 {
				sum.OnAirPct = math.Min(100, 100*sum.OnAir.Seconds()/span.Seconds())
			}
			break
		}
	}

	// Reconnects: connections after the first.
	conns := 0
	for _, e := range s.Events {
		if e.Kind == session.EventConnected {
			conns++
		}
	}
	if conns == 0 { // no events recorded: count from the samples
		was := false
		for _, x := range s.Samples {
			if l := x.State == session.StateConnected; l && !was {
				conns++
			}
			was = x.State == session.StateConnected
		}
	}
	sum.Reconnects = max(conns-1, 0)

	counts := map[[2]string]int{}
	for _, a := range s.Alarms {
		counts[[2]string{string(a.Severity), a.Kind}]++
		sum.AlarmsBySev[a.Severity]++
	}
	for k, n := range counts {
		sum.Alarms = append(sum.Alarms, record.AlarmCount{Severity: record.Severity(k[0]), Kind: k[1], Count: n})
	}
	record.SortAlarmCounts(sum.Alarms)

	if n := len(s.Inspections); n > 0 {
		in := s.Inspections[n-1]
		sum.Inspection = &in
		sum.Loudness = in.Report.Loudness
	}
	for _, in := range s.Inspections {
		if len(in.Report.Loudness) == 0 {
			continue
		}
		l := in.Report.Loudness[0] // by PID: the programme's main sound
		sum.LoudnessTrend = append(sum.LoudnessTrend, LoudnessPoint{Time: in.Time, PID: l.PID,
			ShortTermLUFS: l.ShortTermLUFS, IntegratedLUFS: l.IntegratedLUFS})
	}
	seen := map[[3]float64]bool{}
	for _, in := range s.Inspections {
		origin := in.Time.Add(-time.Duration(in.Report.DurationS * float64(time.Second)))
		for _, e := range in.Report.Events {
			key := [3]float64{float64(e.PID), e.StartS, float64(len(e.Kind))}
			if seen[key] {
				continue
			}
			seen[key] = true
			mi := MediaInterval{MediaEvent: e}
			if in.Report.DurationS > 0 {
				mi.At = origin.Add(time.Duration(e.StartS * float64(time.Second)))
			}
			sum.MediaEvents = append(sum.MediaEvents, mi)
		}
	}
	sort.SliceStable(sum.MediaEvents, func(a, b int) bool { return sum.MediaEvents[a].StartS < sum.MediaEvents[b].StartS })
	for _, w := range s.WizardResults {
		var wz Wizard
		if json.Unmarshal(w.Result, &wz) == nil {
			wz.Time = w.Time
			sum.Wizard = append(sum.Wizard, wz)
		}
	}
	for _, l := range s.LineTests {
		var lt LineTest
		if json.Unmarshal(l.Result, &lt) == nil {
			lt.Time = l.Time
			sum.LineTests = append(sum.LineTests, lt)
		}
	}
	sum.Outputs = summarizeOutputs(s.Outputs)
	sum.Recordings = recordingEvents(s.Events)
	return sum
}

// Verdict is a one-line plain-words judgement of the session and whether it
// is good news.
func (s Summary) Verdict() (text string, ok bool) {
	switch {
	case s.Samples == 0:
		return "No statistics were recorded for this session.", false
	case s.PktsDropped > 0:
		return plural(int(s.PktsDropped), "packet") + " never reached the decoder (" + plural(s.DropBursts, "burst") + "): the latency was too short for the loss on this path.", false
	case s.Reconnects > 0:
		return "No packets were dropped, but the link reconnected " + plural(s.Reconnects, "time") + ".", false
	case s.PktsLost > 0:
		return "Every lost packet was recovered in time: the latency covered the loss on this path.", true
	}
	return "Clean session: no packet loss.", true
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return itoa(n) + " " + word + "s"
}
