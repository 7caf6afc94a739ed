package session

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/impair"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// startRelay starts an impairment relay in front of upstreamPort.
func startRelay(t *testing.T, upstreamPort int, fwd, rev impair.Impairment, seed int64) *impair.Relay {
	t.Helper()
	relay, err := impair.Listen(impair.Config{Listen: "127.0.0.1:0", Upstream: fmt.Sprintf("127.0.0.1:%d", upstreamPort), Forward: fwd, Reverse: rev, Seed: seed, BySRTSequence: true})
	if err != nil {
		t.Fatalf("relay: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := relay.Run(ctx); err != nil {
			t.Errorf("relay: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); _ = relay.Close(); <-done })
	return relay
}

// TestReconnectAfterOutage: the relay cuts the path for 6 s; the calling
// receiver notices the silence, reconnects, and its counters carry on.
func TestReconnectAfterOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 10 s")
	}
	port := sessiontest.FreeUDPPort(t)
	_, ssub, _ := startSender(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, true)
	waitEvent(t, ssub, EventConnecting, 5*time.Second, "listening")
	relay := startRelay(t, port, impair.Impairment{}, impair.Impairment{}, 1)
	r, sub, _ := startReceiver(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: int(relay.Addr().Port()), ConnectTimeout: time.Second},
		ReceiverOptions{Interval: 250 * time.Millisecond})
	waitEvent(t, sub, EventConnected, 10*time.Second)
	before := waitSample(t, sub, 10*time.Second, "100 packets", func(s Sample) bool { return s.PktsRecv >= 100 })

	relay.Cut(6 * time.Second)
	cutAt := time.Now()
	waitEvent(t, sub, EventIdle, 5*time.Second, "no packets")
	waitEvent(t, sub, EventDisconnected, 10*time.Second, "went silent")
	waitEvent(t, sub, EventConnecting, 5*time.Second, "attempt 1")
	waitEvent(t, sub, EventConnected, 20*time.Second)
	if gap := time.Since(cutAt); gap < 6*time.Second {
		t.Errorf("reconnected %s after a 6 s cut", gap)
	}
	after := waitSample(t, sub, 10*time.Second, "counters continuing", func(s Sample) bool {
		return s.State == StateConnected && s.PktsRecv >= before.PktsRecv+100
	})
	// The session's counters carry on; this connection's start again.
	if c := after.Conn; c.Since.Before(cutAt) || c.PktsRecv == 0 || c.PktsRecv > after.PktsRecv-before.PktsRecv || c.PktsLost > after.PktsLost {
		t.Errorf("this connection's counters %+v after the reconnect; session %d received, %d before the cut", c, after.PktsRecv, before.PktsRecv)
	}
	if c := before.Conn; c.PktsRecv != before.PktsRecv || c.PktsLost != before.PktsLost {
		t.Errorf("first connection's counters %+v, want the session's (%d received, %d lost)", c, before.PktsRecv, before.PktsLost)
	}
	sum := r.Summary()
	if sum.Reconnects != 1 || sum.PktsRecv < after.PktsRecv {
		t.Errorf("summary after reconnect: %+v", sum)
	}
	var kinds []string
	for _, e := range sum.Events {
		kinds = append(kinds, string(e.Kind))
	}
	if got := strings.Join(kinds, ","); !strings.Contains(got, "connected,idle,disconnected,connecting") {
		t.Errorf("events %s do not record the gap", got)
	}
}
