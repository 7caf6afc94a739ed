package linetest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/srtscope/srtscope/session"
)

// connectWait is how long a step waits for its connection before it gives
// up: the connect timeout plus a margin (a caller retries meanwhile).
const connectWait = 15 * time.Second

// SRTLink is the Link over a real SRT session: each step is one connection
// of a session.Sender sending the step's generated stream, paced by its
// PCRs. The figures are the sender's own (session.SenderSample): it sees
// the retransmissions it sent, the NAKs it got, what it dropped as too
// late, and the RTT. What the receiver dropped on its own only the far end
// sees: an srtscope receiver (Receive) sends its report of the step back
// over the connection (backchannel.go), and the Measurement carries it.
type SRTLink struct {
	cfg session.Config
	// OnEvent, when set, gets every session event (connected, rejected,
	// ...) from the goroutine that runs the step.
	OnEvent func(session.Event)
}

// NewSRTLink returns a link sending to cfg (caller or listener).
func NewSRTLink(cfg session.Config) (*SRTLink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &SRTLink{cfg: cfg}, nil
}

// Measure implements Link.
func (l *SRTLink) Measure(ctx context.Context, step int, mbps float64, d time.Duration) (Measurement, error) {
	stream := NewStream(step, mbps, d)
	var hello atomic.Bool
	reports := make(chan ReceiverStep, 1)
	var report *ReceiverStep // set by the epilogue, on snd.Run's goroutine
	opts := session.SenderOptions{
		Interval: 250 * time.Millisecond,
		Replies: func(msg []byte) {
			r, ok := ParseReply(msg)
			switch {
			case !ok:
			case r.Hello:
				hello.Store(true)
			case r.Report.Step == step:
				select {
				case reports <- *r.Report:
				default:
				}
			}
		},
		Epilogue: func(ctx context.Context, write func([]byte) error) {
			if !hello.Load() {
				return // a libsrt receiver: it reports nothing
			}
			// The END packet is resent until the report comes: on a lossy
			// link with a short latency, one lost END (or one lost report)
			// would leave the step judged on the sender's figures alone.
			end := EndPacket(step)
			if write(end[:]) != nil {
				return
			}
			t := time.NewTimer(reportWait(l.cfg.LatencyMs))
			defer t.Stop()
			again := time.NewTicker(endRepeat)
			defer again.Stop()
			for {
				select {
				case r := <-reports:
					report = &r
					return
				case <-again.C:
					if write(end[:]) != nil {
						return
					}
				case <-t.C:
					return
				case <-ctx.Done():
					return
				}
			}
		},
	}
	snd, err := session.NewSender(l.cfg, stream, stream.Size(), opts)
	if err != nil {
		return Measurement{}, err
	}
	samples := snd.SenderSamples(256)
	sub := snd.Subscribe(64)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- snd.Run(ctx) }()

	var rtts []float64
	var latency int
	connected := false
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for smp := range samples {
			if smp.State == session.StateConnected && smp.RTTMs > 0 {
				mu.Lock()
				rtts = append(rtts, smp.RTTMs)
				latency = smp.LatencyMs
				mu.Unlock()
			}
		}
	}()
	giveUp := time.NewTimer(connectWait)
	defer giveUp.Stop()
	events := sub.Events
	var err2 error
	for done := false; !done; {
		select {
		case e, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if l.OnEvent != nil {
				l.OnEvent(e)
			}
			if e.Kind == session.EventConnected {
				connected = true
				giveUp.Stop()
			}
		case <-giveUp.C:
			if !connected {
				cancel()
			}
		case err2 = <-runErr:
			done = true
		}
	}
	wg.Wait()
	final := snd.Snapshot()
	switch {
	case err2 != nil:
		return Measurement{}, err2
	case !connected:
		if parent.Err() != nil {
			return Measurement{}, parent.Err()
		}
		why := "no answer"
		if le := snd.LastError(); le != nil {
			why = le.Error()
		}
		return Measurement{}, fmt.Errorf("could not connect within %v: %s", connectWait, why)
	}
	m := Measurement{
		PktsSent: final.PktsSent, PktsUnique: final.PktsUniqueSent, PktsRetrans: final.PktsRetransSent,
		NaksRecv: final.NaksRecv, PktsSendDropped: final.PktsSendDropped, LatencyMs: latency,
		SendMbps: float64(final.BytesSent) * 8 / d.Seconds() / 1e6, Receiver: report,
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rtts) > 0 {
		m.RTTMinMs, m.RTTMaxMs = math.Inf(1), 0
		sum := 0.0
		for _, r := range rtts {
			sum += r
			m.RTTMinMs, m.RTTMaxMs = min(m.RTTMinMs, r), max(m.RTTMaxMs, r)
		}
		m.RTTMs = sum / float64(len(rtts))
	}
	return m, nil
}
