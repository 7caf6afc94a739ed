package app

import (
	"bytes"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/guidance"
	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/impair"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestHeaderLossAgreesWithCounters receives the demo clip first straight
// from srtscope's sender, then, after a reconnect, through the impairment
// relay losing a share of the data path, as an operator does when a link
// turns bad. The loss % the window's header shows (AdviseLatency, the
// function the view calls) must agree with the counters of this connection
// (lost since it began over what the sender sent on it) and with the relay.
// Before the fix the header took the session's cumulative counters, so the
// clean first connection diluted the loss beside the current latency.
func TestHeaderLossAgreesWithCounters(t *testing.T) {
	tests := []struct {
		name    string
		lossPct float64
		seed    int64
		sent    uint64  // packets to send through the relay (~57 per second)
		within  float64 // points the header and the counters may differ
	}{
		{"3% random loss", 3, 3, 1000, 0.3},
		// Heavy loss: the few packets in flight when the sender is read
		// weigh more, so a little more slack.
		{"10% random loss", 10, 5, 1000, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewController(t.Context(), ControllerOptions{})
			t.Cleanup(c.Close)
			port := sessiontest.FreeUDPPort(t)
			id, err := c.Add(FeedSpec{Name: "header loss", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: 200}})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(id); err != nil {
				t.Fatal(err)
			}
			send := func(port int) (*session.Sender, func() error) {
				s, err := session.NewSender(session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: port, LatencyMs: 200},
					bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
				if err != nil {
					t.Fatal(err)
				}
				return s, sessiontest.RunInBackground(t, "sender", s.Run)
			}

			// A clean first connection, straight to the feed.
			_, stopClean := send(port)
			waitFeed(t, c, id, 30*time.Second, "the clean connection carrying data", func(v FeedView) bool {
				return v.Sample.State == session.StateConnected && v.Sample.PktsRecv >= 300
			})
			if err := stopClean(); err != nil {
				t.Errorf("clean sender: %v", err)
			}
			clean := waitFeed(t, c, id, 15*time.Second, "the clean connection to end", func(v FeedView) bool {
				return v.Sample.State != session.StateConnected
			}).Sample

			// Then the lossy path.
			relay, err := impair.Listen(impair.Config{
				Listen:        "127.0.0.1:0",
				Upstream:      netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)).String(),
				Forward:       impair.Impairment{LossPct: tt.lossPct, Delay: 15 * time.Millisecond},
				Reverse:       impair.Impairment{Delay: 15 * time.Millisecond},
				Seed:          tt.seed,
				BySRTSequence: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = relay.Close() })
			stopRelay := sessiontest.RunInBackground(t, "relay", relay.Run)
			lossy, stopLossy := send(int(relay.Addr().Port()))
			defer func() {
				// The sender before its relay; RunInBackground's cleanup
				// logs an error either ended with.
				_ = stopLossy()
				_ = stopRelay()
			}()
			waitFeed(t, c, id, 30*time.Second, "the lossy connection", func(v FeedView) bool {
				return v.Sample.State == session.StateConnected && v.Sample.Conn.Since.After(clean.Time)
			})
			v := waitFeed(t, c, id, 60*time.Second, "enough packets through the relay", func(v FeedView) bool {
				return v.Sample.Conn.PktsRecv >= tt.sent
			})
			// A fresh sample, then at once the sender's count: both cover
			// the same packets but the few still in flight.
			last := v.Sample.Time
			v = waitFeed(t, c, id, 10*time.Second, "a fresh sample", func(v FeedView) bool { return v.Sample.Time.After(last) })
			sent := lossy.Stats().PktsSent

			a, ok := AdviseLatency(v)
			if !ok {
				t.Fatalf("no latency advice for a connected feed: %+v", v.Sample)
			}
			if a.Loss.Span != guidance.SpanConnection {
				t.Errorf("the header's loss covers %s, want this connection", a.Loss.Span)
			}
			s := v.Sample
			lost := s.PktsLost - clean.PktsLost
			counted := 100 * float64(lost) / float64(sent)
			whole := guidance.SessionLoss(s)
			fwd := relay.Stats().Forward
			t.Logf("header: %s (%d lost of %d); counters: %d lost of %d sent = %.2f%%; whole session %.2f%% (%d of %d); relay dropped %.2f%% of all datagrams",
				a.Loss, a.Loss.Lost, a.Loss.Sent, lost, sent, counted, whole.Pct, whole.Lost, whole.Sent, fwd.DroppedPct())
			if d := math.Abs(a.Loss.Pct - counted); d > tt.within {
				t.Errorf("header says %.2f%% loss, the counters %.2f%%: %.2f points apart, want at most %v", a.Loss.Pct, counted, d, tt.within)
			}
			for _, got := range []float64{a.Loss.Pct, counted} {
				if got < tt.lossPct/2 || got > tt.lossPct*1.5 {
					t.Errorf("loss %.2f%%, want near the relay's %v%%", got, tt.lossPct)
				}
			}
			if want := guidance.For(a.Loss.Pct).Multiplier; a.Advice.Multiplier != want {
				t.Errorf("advised %dx, the table says %dx for %.2f%%", a.Advice.Multiplier, want, a.Loss.Pct)
			}
		})
	}
}
