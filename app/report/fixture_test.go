package report

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session"
)

// secretPass is the passphrase of the synthetic feed: no export may hold it.
const secretPass = "Sup3r-Secret-Passphrase!"

// synthetic records, through the real recorder, a session of n one-second
// samples: a caller feed at ~5 Mbit/s, ~45 ms RTT and 200 ms latency with a
// recovered loss burst at 2:00, a burst with dropped packets at 5:30 and an
// 8-second outage with a reconnect at 7:00 (positions scale with n).
func synthetic(tb testing.TB, n int) *record.Session {
	tb.Helper()
	return syntheticIn(tb, filepath.Join(tb.TempDir(), record.FileName), n)
}

// syntheticIn is synthetic recording into the database at dbPath.
func syntheticIn(tb testing.TB, dbPath string, n int) *record.Session {
	tb.Helper()
	ctx := context.Background()
	db, err := record.Open(dbPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	t0 := time.Date(2025, 6, 14, 19, 30, 0, 0, time.UTC)
	rec, err := db.Start(ctx, record.NewSession{
		Name: "Main stage → OB truck", Mode: "caller", LatencyMs: 200, Started: t0,
		URL: "srt://203.0.113.7:9000?mode=caller&latency=200&passphrase=" + secretPass + "&pbkeylen=32&streamid=%23%21%3A%3Ar%3Dmain%2Cm%3Dpublish",
	}, record.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	at := func(frac float64) int { return int(frac * float64(n)) }
	burst1, burst2, outage := at(0.2), at(0.55), at(0.7)
	peer := "203.0.113.7:9000"
	sec := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	rec.Event(session.Event{Time: t0, Kind: session.EventConnecting, Detail: "dialling 203.0.113.7:9000 with passphrase " + secretPass})
	rec.Event(session.Event{Time: t0.Add(300 * time.Millisecond), Kind: session.EventConnected, Detail: "connected, latency 200 ms", Remote: peer})
	rng := rand.New(rand.NewPCG(7, 9))
	var recv, lost, retrans, drop, bytes, late, risk uint64
	for i := range n {
		st := session.StateConnected
		if i >= outage && i < outage+8 {
			st = session.StateDisconnected
		}
		rtt := 44 + 3*math.Sin(float64(i)/40) + rng.Float64()*2
		mbps := 0.0
		if st == session.StateConnected {
			pk := uint64(470 + rng.IntN(20))
			l := uint64(0)
			if rng.Float64() < 0.05 {
				l = uint64(rng.IntN(3))
			}
			d := uint64(0)
			switch {
			case i >= burst1 && i < burst1+10:
				l = uint64(25 + rng.IntN(30))
				rtt += 15
			case i >= burst2 && i < burst2+5:
				l = uint64(60 + rng.IntN(40))
				d = uint64(5 + rng.IntN(10))
				rtt += 40
			case i == outage+8:
				l = 120
				d = 40
			}
			recv += pk - d
			lost += l
			retrans += l - d + uint64(rng.IntN(2))
			drop += d
			bytes += (pk - d) * 1316
			mbps = float64((pk-d)*1316*8) / 1e6
		}
		if i == outage {
			rec.Event(session.Event{Time: sec(i), Kind: session.EventIdle, Detail: "no packets for 5 s: check the encoder is sending", Remote: peer})
			rec.Event(session.Event{Time: sec(i), Kind: session.EventDisconnected, Detail: "peer closed the connection", Remote: peer})
			rec.Alarm(record.Alarm{Time: sec(i), Severity: record.SeverityCritical, Kind: "off_air", Message: "feed lost: reconnecting"})
			rec.Event(session.Event{Time: sec(i + 1), Kind: session.EventConnecting, Detail: "reconnecting to 203.0.113.7:9000"})
		}
		if i == outage+8 {
			rec.Event(session.Event{Time: sec(i), Kind: session.EventConnected, Detail: "connected again, latency 200 ms", Remote: peer})
		}
		if i == burst1+1 {
			rec.Alarm(record.Alarm{Time: sec(i), Severity: record.SeverityWarning, Kind: "loss", Message: "loss 9.8% over 5 s (threshold 2%)"})
		}
		if i == burst2+1 {
			rec.Alarm(record.Alarm{Time: sec(i), Severity: record.SeverityCritical, Kind: "dropped", Message: "packets dropped: latency too short for this loss"})
			rec.Alarm(record.Alarm{Time: sec(i), Severity: record.SeverityWarning, Kind: "rtt", Message: "RTT 88 ms above 80 ms"})
		}
		x := session.Sample{Time: sec(i), State: st, Peer: peer, RTTMs: rtt, LatencyMs: 200, RTTMultiplier: 200 / rtt,
			RecvMbps: mbps, PktsRecv: recv, PktsLost: lost, PktsRetrans: retrans, PktsDropped: drop, BytesRecv: bytes}
		if st == session.StateConnected {
			// The arrival tap's detail: a buffer a little under the
			// latency, margins where packets were recovered, late ones in
			// the burst that dropped.
			x.RcvBufMs, x.RcvBufPkts = 190-rng.Float64()*15, 450
			x.RTTMinMs, x.RTTMaxMs, x.RTTVarMs, x.RecvPktsPerS, x.SinceLastPacketMs = rtt-1, rtt+1.5, 0.6, mbps*1e6/8/1316, 2+rng.Float64()*3
			if i >= burst2 && i < burst2+5 {
				late++
				risk += 2
			}
			if retrans > 0 && lost > 0 && i%7 == 0 || i >= burst1 && i < burst1+10 || i >= burst2 && i < burst2+5 {
				minM, p5 := 200-2*rtt-rng.Float64()*60, 200-2*rtt
				if i >= burst2 && i < burst2+5 {
					minM = -20
				}
				x.RecoveryMarginMinMs, x.RecoveryMarginP5Ms = &minM, &p5
			}
		}
		x.PktsLate, x.PktsAtRisk = late, risk
		rec.Sample(x)
	}
	rec.Inspection(sec(n-1), probe.Report{
		DurationS: float64(n - 1), MediaAnalysis: "ffmpeg",
		Programs: []probe.Program{{Number: 1, PMTPID: 4096, PCRPID: 256, ServiceName: "Main stage", ProviderName: "Venue AV", Streams: []probe.Stream{
			{PID: 256, StreamType: 0x1b, Kind: "video", Codec: "h264", Width: 1920, Height: 1080, FPS: 25, Profile: "High", Level: "4.0"},
			{PID: 257, StreamType: 0x0f, Kind: "audio", Codec: "aac", SampleRate: 48000, Channels: 2, Language: "eng"},
		}}},
		PIDs: []probe.PIDStats{{PID: 0, Packets: 6000, BitrateBps: 15000}, {PID: 256, Packets: 1580000, BitrateBps: 4.5e6, CCErrors: 14},
			{PID: 257, Packets: 45000, BitrateBps: 128000, CCErrors: 2}, {PID: 4096, Packets: 6000, BitrateBps: 15000}},
		TR101290: probe.TR101290{CCError: 16, PCRDiscontinuityError: 1},
		Events: []probe.MediaEvent{{Kind: "freeze", PID: 256, StartS: float64(outage) + 8, EndS: float64(outage) + 10.5},
			{Kind: "silence", PID: 257, StartS: float64(outage) + 8, EndS: float64(outage) + 11}},
		Cues: []probe.Cue{{PID: 500, Command: "splice_insert", EventID: 101, OutOfNetwork: true, PTSS: 120, DurationS: 30, PrerollS: 4, ArrivalS: 116, PTS: 10_926_000}},
		PIDHistory: []probe.PIDEvent{{TimeS: 0, Kind: probe.PIDStart, PID: 256},
			{TimeS: float64(outage) + 3, Kind: probe.PIDStop, PID: 257, Detail: "no packet for 2.00 s since"}},
	})
	wiz, _ := json.Marshal(map[string]any{"rtt_ms": 44.8, "loss_pct": 0.6, "steps": []map[string]any{
		{"multiplier": 4, "latency_ms": 180, "duration_s": 30, "pkts_lost": 95, "pkts_retrans": 90, "pkts_dropped": 12, "rtt_ms": 45.1},
		{"multiplier": 8, "latency_ms": 360, "duration_s": 30, "pkts_lost": 101, "pkts_retrans": 103, "pkts_dropped": 0, "rtt_ms": 44.7},
		{"multiplier": 12, "latency_ms": 540, "duration_s": 30, "pkts_lost": 88, "pkts_retrans": 88, "pkts_dropped": 0, "rtt_ms": 44.9},
	}, "recommended": map[string]any{"multiplier": 8, "latency_ms": 360, "reason": "8× RTT is the smallest step with no dropped packets."}})
	rec.WizardResult(t0.Add(-10*time.Minute), wiz)
	if err := rec.Close(sec(n - 1)); err != nil {
		tb.Fatal(err)
	}
	s, err := db.Load(ctx, rec.ID())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
