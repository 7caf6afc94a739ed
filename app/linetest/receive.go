package linetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/srtscope/srtscope/probe/ts"
	"github.com/srtscope/srtscope/session"
)

// ReceiverStep is the far end's view of one step (one connection of the
// sender), from srtscope's receiver: what was delivered, what was lost and
// recovered, and what was never delivered. These are the numbers the
// sender cannot see.
type ReceiverStep struct {
	Step        int     `json:"step"`
	Mbps        float64 `json:"mbps"`      // the rate the sender announced in the stream
	RecvMbps    float64 `json:"recv_mbps"` // payload delivered over the connection's time
	PktsRecv    uint64  `json:"pkts_recv"`
	PktsLost    uint64  `json:"pkts_lost"`    // recovered + unrecovered
	PktsRetrans uint64  `json:"pkts_retrans"` // recovered by retransmission
	PktsDropped uint64  `json:"pkts_dropped"` // never delivered
	LossPct     float64 `json:"loss_pct"`     // lost / (delivered + dropped)
	RTTMs       float64 `json:"rtt_ms"`
}

// markerSink reads the step marker and the END packet out of the
// delivered TS.
type markerSink struct {
	step atomic.Int64
	mbps atomic.Uint64 // rate x 1000
	part []byte        // a packet split across writes
	ends chan int      // the steps whose END packet was delivered
}

func (m *markerSink) Write(p []byte) (int, error) {
	n := len(p)
	if len(m.part) > 0 {
		need := ts.PacketSize - len(m.part)
		if len(p) < need {
			m.part = append(m.part, p...)
			return n, nil
		}
		m.look(append(m.part, p[:need]...))
		m.part, p = m.part[:0], p[need:]
	}
	for len(p) >= ts.PacketSize {
		m.look(p[:ts.PacketSize])
		p = p[ts.PacketSize:]
	}
	m.part = append(m.part, p...)
	return n, nil
}

func (m *markerSink) look(pkt []byte) {
	if st, r, ok := ParseMarker(pkt); ok {
		m.step.Store(int64(st))
		m.mbps.Store(uint64(r * 1000))
		return
	}
	if st, ok := ParseEnd(pkt); ok {
		select {
		case m.ends <- st:
		default: // the loop has not taken the last one: a report is lost, the step still ends
		}
	}
}

// Receive receives line-test streams on cfg (usually a listener) until
// ctx ends and calls onStep with its view of each step: when the sender's
// END packet for it is delivered (the view then also goes back to the
// sender over the connection, see backchannel.go), or when the connection
// closes without one. onEvent, when set, gets every session event.
func Receive(ctx context.Context, cfg session.Config, onStep func(ReceiverStep), onEvent func(session.Event)) error {
	sink := &markerSink{ends: make(chan int, 4)}
	// The arrival tap times every packet as a libsrt receiver would: what
	// gosrt hands over after its play time counts as dropped, as it would
	// be lost to a decoder behind libsrt.
	r, err := session.NewReceiver(cfg, session.ReceiverOptions{Sink: sink, ArrivalTap: true})
	if err != nil {
		return err
	}
	sub := r.Subscribe(4, 64)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var base session.Sample
	var lastRTT float64
	var report []byte // this connection's step's report, once its END packet came
	hellos := 0       // HELLOs still to repeat on this connection
	view := func() ReceiverStep {
		now := r.Snapshot()
		st := ReceiverStep{
			Step: int(sink.step.Load()), Mbps: float64(sink.mbps.Load()) / 1000, RTTMs: round1(lastRTT),
			PktsRecv: now.PktsRecv - base.PktsRecv, PktsLost: now.PktsLost - base.PktsLost,
			PktsRetrans: now.PktsRetrans - base.PktsRetrans, PktsDropped: now.PktsDropped - base.PktsDropped,
		}
		if dt := now.Time.Sub(base.Time).Seconds(); dt > 0 {
			st.RecvMbps = round2(float64(now.BytesRecv-base.BytesRecv) * 8 / dt / 1e6)
		}
		if all := st.PktsRecv + st.PktsDropped; all > 0 {
			st.LossPct = round2(100 * float64(st.PktsLost) / float64(all))
		}
		return st
	}
	for {
		select {
		case err := <-done:
			return err
		case smp, ok := <-sub.Samples:
			if ok && smp.RTTMs > 0 {
				lastRTT = smp.RTTMs
			}
			if ok && hellos > 0 && smp.State == session.StateConnected {
				hellos--
				_ = r.Reply([]byte(helloMsg))
			}
		case n := <-sink.ends:
			if n != int(sink.step.Load()) || n == 0 {
				continue // an END of another connection's step
			}
			first := report == nil
			if first {
				st := view()
				report = reportMsg(st)
				if onStep != nil {
					onStep(st)
				}
			}
			// A repeated END means the sender has not got the report:
			// send it again.
			if err := r.Reply(report); err != nil && first && onEvent != nil {
				onEvent(session.Event{Time: time.Now(), Kind: session.EventError,
					Detail: fmt.Sprintf("could not report step %d back to the sender: %v", n, err)})
			}
		case e, ok := <-sub.Events:
			if !ok {
				return <-done
			}
			if onEvent != nil {
				onEvent(e)
			}
			switch e.Kind {
			case session.EventConnected:
				base = r.Snapshot()
				sink.step.Store(0)
				report = nil
				// Tell the sender this end reports (it waits for the
				// report only then); repeated with the first samples.
				_ = r.Reply([]byte(helloMsg))
				hellos = helloRepeats
			case session.EventDisconnected:
				if st := view(); report == nil && st.Step > 0 && onStep != nil {
					onStep(st)
				}
				report, hellos = nil, 0
			}
		}
	}
}
