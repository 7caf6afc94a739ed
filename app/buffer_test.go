package app

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/impair"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// bufferHistory is a connected feed's view whose last len(levels)
// samples hold levels packets in the buffer (-1: no packets came that
// second), after older samples of an earlier connection at 0.
func bufferHistory(levels []int) FeedView {
	since := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	v := FeedView{ConnectedSince: since}
	for i := range 5 { // an earlier connection, always empty: not this one's
		v.History = append(v.History, session.Sample{Time: since.Add(time.Duration(i-10) * time.Second), State: session.StateConnected, RecvPktsPerS: 50})
	}
	for i, n := range levels {
		s := session.Sample{Time: since.Add(time.Duration(i+1) * time.Second), State: session.StateConnected, LatencyMs: 500,
			RecvPktsPerS: 50, RcvBufPkts: n, RcvBufMs: float64(n) * 10}
		if n < 0 {
			s.RecvPktsPerS, s.RcvBufPkts, s.RcvBufMs = 0, 0, 0
		}
		v.History = append(v.History, s)
	}
	v.Sample = v.History[len(v.History)-1]
	return v
}

// repeatLevel is n samples at level.
func repeatLevel(level, n int) []int {
	l := make([]int, n)
	for i := range l {
		l[i] = level
	}
	return l
}

func TestReadBuffer(t *testing.T) {
	full := repeatLevel(48, 70)
	touched := repeatLevel(48, 60)
	touched[20], touched[41] = 0, 0
	starved := repeatLevel(48, 60)
	for i := 0; i < 60; i += 4 {
		starved[i] = 0
	}
	starved[59] = 12
	short := []int{48, 0, 0, 48}
	silent := append(repeatLevel(-1, 10), 48, 48, 0, 48)
	tests := []struct {
		name         string
		v            FeedView
		ok           bool
		judged, zero int
		health       Health
		words        string
	}{
		{"full for 70 s", bufferHistory(full), true, 60, 0, HealthGreen, "never empty in the last 60 s"},
		{"empty twice in a minute", bufferHistory(touched), true, 60, 2, HealthAmber, "ran empty 2 times in the last 60 s: raise the latency"},
		{"empty every 4 s", bufferHistory(starved), true, 60, 15, HealthRed, "empty 15 of the last 60 s: the bitrate is too high"},
		{"too few samples to call it often", bufferHistory(short), true, 4, 2, HealthAmber, "raise the latency"},
		{"seconds without packets are not judged", bufferHistory(silent), true, 4, 1, HealthAmber, "ran empty once in the last 4 s"},
		{"a feed on a shared port has no arrival times", func() FeedView { v := bufferHistory(full); v.Spec.Port = "127.0.0.1:9000"; return v }(), false, 0, 0, 0, ""},
		{"not connected", func() FeedView { v := bufferHistory(full); v.Sample.State = session.StateDisconnected; return v }(), false, 0, 0, 0, ""},
		{"no samples", FeedView{Sample: session.Sample{State: session.StateConnected, LatencyMs: 120}}, false, 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ok := ReadBuffer(tt.v)
			if ok != tt.ok {
				t.Fatalf("ok %v, want %v: %+v", ok, tt.ok, b)
			}
			if !ok {
				return
			}
			if b.Judged != tt.judged || b.Empty != tt.zero || b.Health != tt.health || !strings.Contains(b.Verdict(), tt.words) {
				t.Errorf("judged %d empty %d %s %q; want %d, %d, %s, %q", b.Judged, b.Empty, b.Health, b.Verdict(), tt.judged, tt.zero, tt.health, tt.words)
			}
			if last := tt.v.Sample; b.LevelPkts != last.RcvBufPkts || b.Fill() != min(last.RcvBufMs/500, 1) {
				t.Errorf("level %d pkts, fill %v; the last sample holds %d pkts, %v ms of 500", b.LevelPkts, b.Fill(), last.RcvBufPkts, last.RcvBufMs)
			}
		})
	}
}

// TestBufferGaugeOnALink receives the demo clip (~0.6 Mbit/s) in a feed
// through the impairment relay: on a clean path the receive buffer holds
// about the latency and never empties; through a bottleneck below the
// clip's bitrate it is often empty, and the reading says so. Before the
// feed timed arrivals its buffer read 0 throughout, and there was no
// reading at all.
func TestBufferGaugeOnALink(t *testing.T) {
	tests := []struct {
		name    string
		forward impair.Impairment
		check   func(BufferReading) bool
		want    string
	}{
		{"clean path", impair.Impairment{Delay: 10 * time.Millisecond},
			func(b BufferReading) bool {
				return b.Empty == 0 && b.Health == HealthGreen && b.LevelMs > 0.5*float64(b.LatencyMs) && b.LevelMs < 1.2*float64(b.LatencyMs)
			}, "never empty, about the latency buffered"},
		{"bottleneck at half the bitrate", impair.Impairment{Delay: 10 * time.Millisecond, RateLimitMbps: 0.3},
			func(b BufferReading) bool { return b.Empty >= 3 && b.Health != HealthGreen },
			"empty at least 3 times, amber or red"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewController(t.Context(), ControllerOptions{})
			t.Cleanup(c.Close)
			port := sessiontest.FreeUDPPort(t)
			id, err := c.Add(FeedSpec{Name: "buffer", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: 300}})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(id); err != nil {
				t.Fatal(err)
			}
			relay, err := impair.Listen(impair.Config{
				Listen:   "127.0.0.1:0",
				Upstream: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)).String(),
				Forward:  tt.forward, Reverse: impair.Impairment{Delay: 10 * time.Millisecond}, Seed: 1,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = relay.Close() })
			stopRelay := sessiontest.RunInBackground(t, "relay", relay.Run)
			snd, err := session.NewSender(session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: int(relay.Addr().Port()), LatencyMs: 300},
				bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
			if err != nil {
				t.Fatal(err)
			}
			stopSender := sessiontest.RunInBackground(t, "sender", snd.Run)
			defer func() {
				_ = stopSender()
				_ = stopRelay()
			}()
			var b BufferReading
			waitFeed(t, c, id, 60*time.Second, "a buffer reading over 12 s of packets", func(v FeedView) bool {
				var ok bool
				b, ok = ReadBuffer(v)
				return ok && b.Judged >= 12
			})
			t.Logf("%+v: %s", b, b.Verdict())
			if !tt.check(b) {
				t.Errorf("reading %+v (%s); want %s", b, b.Verdict(), tt.want)
			}
		})
	}
}
