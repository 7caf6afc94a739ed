package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/app/record"
)

// csvColumns are the CSV columns (DESIGN.md section 3 names) and the libsrt
// statistic each one corresponds to.
var csvColumns = [][2]string{
	{"time", "timestamp (RFC 3339)"},
	{"state", "connection state"},
	{"peer", "peer address"},
	{"rtt_ms", "msRTT"},
	{"latency_ms", "msRcvTsbPdDelay"},
	{"rtt_multiplier", "msRcvTsbPdDelay / msRTT"},
	{"recv_mbps", "mbpsRecvRate (10^6 bit/s)"},
	{"pkts_recv", "pktRecvTotal"},
	{"pkts_lost", "pktRcvLossTotal"},
	{"pkts_retrans", "pktRcvRetransTotal"},
	{"pkts_dropped", "pktRcvDropTotal"},
	{"bytes_recv", "byteRecvTotal"},
	{"pkts_late", "of pktRcvDropTotal, delivered by gosrt after libsrt would have skipped them"},
	{"pkts_at_risk", "recovered with less margin than libsrt's recovery needs"},
	{"recovery_margin_min_ms", "smallest time left before play when a retransmission arrived (empty: none recovered)"},
	{"recovery_margin_p5_ms", "5th percentile of the same"},
	{"rcv_buf_ms", "msRcvBuf"},
	{"rcv_buf_pkts", "pktRcvBuf"},
	{"rtt_min_ms", "smallest msRTT in the sample"},
	{"rtt_max_ms", "largest msRTT in the sample"},
	{"rtt_var_ms", "mean deviation of msRTT in the sample"},
	{"recv_pkts_per_s", "pktRecv per second"},
	{"since_last_packet_ms", "time since the last data packet arrived"},
	{"pkts_backdated", "timestamps from before the connection started, mended"},
	{"pkts_undecryptable", "pktRcvUndecryptTotal, plus payloads decrypted with a stale key"},
}

func writeCSV(w io.Writer, s *record.Session, o Options) error {
	sum := Summarize(s)
	head := fmt.Sprintf("# %s session report: %q, %s, peer %s, %s to %s\n", generator(), sum.Name, sum.URL, sum.Peer,
		sum.Start.Format(time.RFC3339), sum.End.Format(time.RFC3339))
	head += "# one row per sample; counters are cumulative over the session, across reconnects\n# columns and their libsrt names:"
	for _, c := range csvColumns {
		head += " " + c[0] + "=" + c[1] + ";"
	}
	if _, err := io.WriteString(w, head[:len(head)-1]+"\n"); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	cw := csv.NewWriter(w)
	row := make([]string, len(csvColumns))
	for i, c := range csvColumns {
		row[i] = c[0]
	}
	cw.Write(row)
	f := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	for i, x := range s.Samples {
		row[0] = x.Time.Format(time.RFC3339Nano)
		row[1] = string(x.State)
		row[2] = x.Peer
		row[3] = f(x.RTTMs, 3)
		row[4] = strconv.Itoa(x.LatencyMs)
		row[5] = f(x.RTTMultiplier, 3)
		row[6] = f(x.RecvMbps, 4)
		row[7], row[8], row[9], row[10], row[11] = u(x.PktsRecv), u(x.PktsLost), u(x.PktsRetrans), u(x.PktsDropped), u(x.BytesRecv)
		row[12], row[13] = u(x.PktsLate), u(x.PktsAtRisk)
		row[14], row[15] = "", ""
		if x.RecoveryMarginMinMs != nil {
			row[14] = f(*x.RecoveryMarginMinMs, 3)
		}
		if x.RecoveryMarginP5Ms != nil {
			row[15] = f(*x.RecoveryMarginP5Ms, 3)
		}
		row[16], row[17] = f(x.RcvBufMs, 3), strconv.Itoa(x.RcvBufPkts)
		row[18], row[19], row[20] = f(x.RTTMinMs, 3), f(x.RTTMaxMs, 3), f(x.RTTVarMs, 3)
		row[21], row[22] = f(x.RecvPktsPerS, 1), f(x.SinceLastPacketMs, 3)
		row[23], row[24] = u(x.PktsBackdated), u(x.PktsUndecryptable)
		cw.Write(row)
		if i%4096 == 0 {
			o.progress(float64(i) / float64(len(s.Samples)+1))
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	return writeLineTestsCSV(w, sum.LineTests)
}

// writeLineTestsCSV appends the line tests after the samples as comment
// lines (so a reader of the sample table skips them): per run a verdict
// line, then a header and a CSV row per step behind "# ".
func writeLineTestsCSV(w io.Writer, tests []LineTest) error {
	var b strings.Builder
	for _, lt := range tests {
		fmt.Fprintf(&b, "# line test ended %s at %d ms latency, max_mbps=%s: %s\n", lt.Time.Format(time.RFC3339), lt.LatencyMs,
			strconv.FormatFloat(lt.MaxMbps, 'f', -1, 64), strings.ReplaceAll(lt.Verdict, "\n", " "))
		var rows strings.Builder
		cw := csv.NewWriter(&rows)
		cw.Write([]string{"mbps", "loss_pct", "overhead_pct", "rtt_ms", "rtt_min_ms", "rtt_max_ms", "pkts_dropped", "figures_from", "outcome"})
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		for _, st := range lt.Steps {
			cw.Write([]string{f(st.Mbps), f(st.LossPct), f(st.OverheadPct), f(st.RTTMs), f(st.RTTMinMs), f(st.RTTMaxMs),
				strconv.FormatUint(st.PktsDropped, 10), st.FiguresFrom, st.Outcome})
		}
		cw.Flush()
		for _, line := range strings.SplitAfter(rows.String(), "\n") {
			if line != "" {
				b.WriteString("# " + line)
			}
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	return nil
}

// jsonDoc is the JSON export: the whole session plus its summary.
type jsonDoc struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	Generator string    `json:"generator"`
	Generated time.Time `json:"generated"`
	Summary   Summary   `json:"summary"`
	*record.Session
}

func writeJSON(w io.Writer, s *record.Session, o Options) error {
	doc := jsonDoc{Format: "srtscope-session", Version: 1, Generator: generator(), Generated: o.generated(), Summary: Summarize(s), Session: s}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return nil
}
