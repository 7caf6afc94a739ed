package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/srtscope/srtscope/app"
)

// Metric names. They follow libsrt's statistics (DESIGN.md section 3) with
// Prometheus's conventions: the srtscope_ prefix, base units in the name,
// _total for counters. Every feed metric has the labels feed (its name) and
// role (input; output for outputs when they come).
const (
	MetricFeedUp               = "srtscope_feed_up"
	MetricFeedRunning          = "srtscope_feed_running"
	MetricFeedHealth           = "srtscope_feed_health"
	MetricRTT                  = "srtscope_rtt_seconds"
	MetricLatency              = "srtscope_latency_seconds"
	MetricRTTMultiplier        = "srtscope_rtt_multiplier"
	MetricAdvisedMultiplier    = "srtscope_latency_advised_rtt_multiplier"
	MetricAdvisedLatency       = "srtscope_latency_advised_seconds"
	MetricBitrate              = "srtscope_bitrate_bits_per_second"
	MetricReceivedPackets      = "srtscope_received_packets_total"
	MetricLostPackets          = "srtscope_lost_packets_total"
	MetricRetransmittedPackets = "srtscope_retransmitted_packets_total"
	MetricDroppedPackets       = "srtscope_dropped_packets_total"
	MetricReceivedBytes        = "srtscope_received_bytes_total"
	MetricSinkSkippedBytes     = "srtscope_sink_skipped_bytes_total"
	MetricTR101290Errors       = "srtscope_tr101290_errors_total"
	MetricMediaBlack           = "srtscope_media_black"
	MetricMediaFrozen          = "srtscope_media_frozen"
	MetricMediaSilent          = "srtscope_media_silent"
	MetricAlarmActive          = "srtscope_alarm_active"
	MetricAlarmUnacknowledged  = "srtscope_alarm_unacknowledged"
	MetricBuildInfo            = "srtscope_build_info"

	// Outputs: labels feed, role="output" and output (the output's 1-based
	// position in the feed; never a peer's address). A listener output's
	// counters are the sums over its pullers, its gauges the worst puller's.
	MetricOutputUp            = "srtscope_output_up"
	MetricOutputHealth        = "srtscope_output_health"
	MetricOutputPullers       = "srtscope_output_pullers"
	MetricOutputRTT           = "srtscope_output_rtt_seconds"
	MetricOutputBitrate       = "srtscope_output_bitrate_bits_per_second"
	MetricOutputSentPackets   = "srtscope_output_sent_packets_total"
	MetricOutputRetransmitted = "srtscope_output_retransmitted_packets_total"
	MetricOutputNAKs          = "srtscope_output_naks_received_total"
	MetricOutputSendDropped   = "srtscope_output_send_dropped_packets_total"
	MetricOutputSendBuffer    = "srtscope_output_send_buffer_seconds"
	MetricOutputFlight        = "srtscope_output_flight_packets"
	MetricOutputSkippedBytes  = "srtscope_output_skipped_bytes_total"
)

var feedLabels = []string{"feed", "role"}

func desc(name, help string, extra ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, append(append([]string{}, feedLabels...), extra...), nil)
}

// The collector's descriptions.
var (
	descFeedUp      = desc(MetricFeedUp, "1 while the feed's SRT connection is up, else 0.")
	descFeedRunning = desc(MetricFeedRunning, "1 while the feed is started (listening, calling or connected), 0 when stopped.")
	descFeedHealth  = desc(MetricFeedHealth, "The feed's light: 0 green, 1 amber (headroom gone), 2 red (viewers see it now).")
	descRTT         = desc(MetricRTT, "Smoothed round-trip time (libsrt msRTT), in seconds.")
	descLatency     = desc(MetricLatency, "Negotiated receive latency, the TSBPD delay (libsrt msRcvTsbPdDelay), in seconds.")
	descMultiplier  = desc(MetricRTTMultiplier, "Latency as a multiple of the RTT: the headroom for retransmission.")
	descAdvisedMul  = desc(MetricAdvisedMultiplier, "The RTT multiplier the SRT deployment guide advises for the current connection's loss (3..20).")
	descAdvisedLat  = desc(MetricAdvisedLatency, "The latency the SRT deployment guide advises for the current connection's loss and RTT, in seconds.")
	descBitrate     = desc(MetricBitrate, "Received payload rate over the last second, in bits per second.")
	descRecv        = desc(MetricReceivedPackets, "Data packets delivered (libsrt pktRecv), since the feed started.")
	descLost        = desc(MetricLostPackets, "Packets detected missing, recovered or not (libsrt pktRcvLoss), since the feed started.")
	descRetrans     = desc(MetricRetransmittedPackets, "Retransmitted packets received (libsrt pktRcvRetrans), since the feed started.")
	descDropped     = desc(MetricDroppedPackets, "Packets never delivered in time: unrecovered or later than their play time (libsrt pktRcvDrop), since the feed started.")
	descBytes       = desc(MetricReceivedBytes, "Payload bytes delivered (libsrt byteRecv), since the feed started.")
	descSkipped     = desc(MetricSinkSkippedBytes, "Received bytes the inspection could not take in time (reception never waits for it), since the feed started.")
	descTR101290    = desc(MetricTR101290Errors, "TR 101 290 indicator counts of the inspected transport stream, since the feed started.", "check")
	descBlack       = desc(MetricMediaBlack, "1 while the picture is black (media analysis with ffmpeg).")
	descFrozen      = desc(MetricMediaFrozen, "1 while the picture is frozen (media analysis with ffmpeg).")
	descSilent      = desc(MetricMediaSilent, "1 while the sound is silent (media analysis).")
	descAlarm       = desc(MetricAlarmActive, "1 while the alarm's condition lasts on the feed, else 0.", "alarm")
	descUnacked     = desc(MetricAlarmUnacknowledged, "1 while an alarm of the feed, active or cleared, waits to be acknowledged.")
	descBuild       = prometheus.NewDesc(MetricBuildInfo, "srtscope's version, always 1.", []string{"version"}, nil)

	descOutUp      = desc(MetricOutputUp, "1 while the output sends: a caller connected, a UDP socket open, a listener listening; else 0.", "output")
	descOutHealth  = desc(MetricOutputHealth, "The output's light: 0 green, 1 amber (send buffer at or above the latency), 2 red (not sending, dropping or skipping).", "output")
	descOutPullers = desc(MetricOutputPullers, "Decoders pulling from a listener output now.", "output")
	descOutRTT     = desc(MetricOutputRTT, "Smoothed round-trip time to the destination (libsrt msRTT), in seconds; a listener output's worst puller.", "output")
	descOutBitrate = desc(MetricOutputBitrate, "Sent over the last second, retransmissions and headers included (libsrt mbpsSendRate), in bits per second.", "output")
	descOutSent    = desc(MetricOutputSentPackets, "Data packets sent, retransmissions included (libsrt pktSent), since the feed started.", "output")
	descOutRetrans = desc(MetricOutputRetransmitted, "Retransmitted packets sent (libsrt pktRetrans), since the feed started.", "output")
	descOutNAKs    = desc(MetricOutputNAKs, "NAK reports received from the destination (libsrt pktRecvNAK), since the feed started.", "output")
	descOutDropped = desc(MetricOutputSendDropped, "Packets the sender dropped too late to be played (libsrt pktSndDrop), since the feed started.", "output")
	descOutSndBuf  = desc(MetricOutputSendBuffer, "Time span of the unacknowledged packets in the send buffer (libsrt msSndBuf), in seconds: about the RTT when healthy, at or above the latency = not enough bandwidth.", "output")
	descOutFlight  = desc(MetricOutputFlight, "Packets sent and not yet acknowledged (libsrt pktFlightSize).", "output")
	descOutSkipped = desc(MetricOutputSkippedBytes, "Received bytes the output could not send (not connected, or slower than the input), since the feed started.", "output")
)

// Collector exports the Controller's feeds as Prometheus metrics. It reads
// the feeds' snapshots at scrape time: nothing is counted per sample, and
// the labels are the feeds' names, the alarm kinds and the TR 101 290
// checks, so they never grow without bound.
type Collector struct {
	c *app.Controller
}

// NewCollector returns a collector over c.
func NewCollector(c *app.Controller) *Collector { return &Collector{c: c} }

// Describe implements prometheus.Collector.
func (m *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFeedUp, descFeedRunning, descFeedHealth, descRTT, descLatency, descMultiplier,
		descAdvisedMul, descAdvisedLat, descBitrate, descRecv, descLost, descRetrans, descDropped, descBytes, descSkipped,
		descTR101290, descBlack, descFrozen, descSilent, descAlarm, descUnacked, descBuild,
		descOutUp, descOutHealth, descOutPullers, descOutRTT, descOutBitrate, descOutSent, descOutRetrans, descOutNAKs,
		descOutDropped, descOutSndBuf, descOutFlight, descOutSkipped} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *Collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descBuild, prometheus.GaugeValue, 1, app.Version)
	names := map[string]bool{}
	for _, v := range m.c.Feeds() {
		name := v.Spec.Name
		if names[name] {
			// Two feeds of one name (not from a workspace file, which
			// refuses it): keep both series apart.
			name = fmt.Sprintf("%s (%d)", name, v.ID)
		}
		names[name] = true
		collectFeed(ch, v, name, RoleInput)
		for _, o := range v.Outputs {
			collectOutput(ch, o, name)
		}
	}
}

// collectOutput exports one output of a feed.
func collectOutput(ch chan<- prometheus.Metric, o app.OutputView, feed string) {
	labels := []string{feed, RoleOutput, strconv.Itoa(o.Index)}
	gauge := func(d *prometheus.Desc, val float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, val, labels...)
	}
	counter := func(d *prometheus.Desc, val uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(val), labels...)
	}
	h, _ := o.Health()
	up := o.State == "connected" || (o.Kind == "srt-listener" && o.State == "connecting")
	gauge(descOutUp, b2f(up && o.Failed == ""))
	gauge(descOutHealth, float64(h))
	counter(descOutSent, o.PktsSent)
	counter(descOutRetrans, o.PktsRetransSent)
	counter(descOutNAKs, o.NaksRecv)
	counter(descOutDropped, o.PktsSendDropped)
	counter(descOutSkipped, o.SkippedBytes)
	gauge(descOutBitrate, o.SendMbps*1e6)
	rtt, sndBuf, flight := o.RTTMs, o.SndBufMs, o.FlightPkts
	if o.Kind == "srt-listener" {
		gauge(descOutPullers, float64(len(o.Pullers)))
		rtt, sndBuf, flight = 0, 0, 0
		for _, p := range o.Pullers {
			rtt, sndBuf, flight = max(rtt, p.RTTMs), max(sndBuf, p.SndBufMs), max(flight, p.FlightPkts)
		}
	}
	if o.Kind != "udp" && rtt > 0 {
		gauge(descOutRTT, rtt/1000)
		gauge(descOutSndBuf, sndBuf/1000)
		gauge(descOutFlight, float64(flight))
	}
}

func collectFeed(ch chan<- prometheus.Metric, v app.FeedView, feed, role string) {
	gauge := func(d *prometheus.Desc, val float64, extra ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, val, append([]string{feed, role}, extra...)...)
	}
	counter := func(d *prometheus.Desc, val uint64, extra ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(val), append([]string{feed, role}, extra...)...)
	}
	s := v.Sample
	gauge(descFeedUp, b2f(v.Running && s.State == "connected"))
	gauge(descFeedRunning, b2f(v.Running))
	gauge(descFeedHealth, float64(v.Health))
	gauge(descUnacked, b2f(v.Unacknowledged))
	active := map[app.AlarmKind]bool{}
	for _, a := range v.Alarms {
		active[a.Kind] = true
	}
	for _, k := range app.AlarmKinds() {
		gauge(descAlarm, b2f(active[k]), string(k))
	}
	counter(descRecv, s.PktsRecv)
	counter(descLost, s.PktsLost)
	counter(descRetrans, s.PktsRetrans)
	counter(descDropped, s.PktsDropped)
	counter(descBytes, s.BytesRecv)
	counter(descSkipped, s.SinkSkippedBytes)
	gauge(descBitrate, s.RecvMbps*1e6)
	// RTT and latency exist only while connected: no series beats a
	// made-up zero.
	if v.Running && s.State == "connected" {
		if s.RTTMs > 0 {
			gauge(descRTT, s.RTTMs/1000)
		}
		if s.LatencyMs > 0 {
			gauge(descLatency, float64(s.LatencyMs)/1000)
		}
		if adv, ok := app.AdviseLatency(v); ok {
			gauge(descMultiplier, adv.Multiplier)
			gauge(descAdvisedMul, float64(adv.Advice.Multiplier))
			gauge(descAdvisedLat, float64(adv.Advice.LatencyMs)/1000)
		}
	}
	if r := v.Inspection; r != nil {
		t := r.TR101290
		for _, c := range []struct {
			check string
			n     uint64
		}{
			{"ts_sync_loss", t.TSSyncLoss}, {"sync_byte_error", t.SyncByteError}, {"pat_error", t.PATError},
			{"cc_error", t.CCError}, {"pmt_error", t.PMTError}, {"pid_error", t.PIDError},
			{"transport_error", t.TransportError}, {"crc_error", t.CRCError}, {"pcr_repetition_error", t.PCRRepetitionError},
			{"pcr_discontinuity_error", t.PCRDiscontinuityError}, {"pts_error", t.PTSError},
		} {
			counter(descTR101290, c.n, c.check)
		}
	}
	if v.MediaAnalysis != "" {
		now := v.MediaNow()
		if v.MediaAnalysis == "ffmpeg" { // the bitstream reader sees no pictures
			gauge(descBlack, b2f(now.Black))
			gauge(descFrozen, b2f(now.Frozen))
		}
		gauge(descSilent, b2f(now.Silent))
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// newMetricsHandler serves the feeds' metrics with the Go runtime's and
// the process's (CPU, memory, open files), from a registry of its own.
func newMetricsHandler(c *app.Controller) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(c), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
