package wizard

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/impair"
	"github.com/srtscope/srtscope/session/sessiontest"
)

func TestBurstSeen(t *testing.T) {
	tests := []struct {
		name string
		per  []uint64
		want bool
	}{
		{"nothing", nil, false},
		{"no loss", []uint64{0, 0, 0, 0}, false},
		{"random 1%", []uint64{4, 6, 5, 3, 7, 5}, false},
		{"random 10%", []uint64{45, 52, 48, 50, 47}, false},
		{"one 200 ms outage", []uint64{0, 0, 0, 94, 0, 0}, true},
		{"two outages", []uint64{94, 0, 0, 0, 0, 90}, true},
		{"outage over random loss", []uint64{5, 4, 120, 6, 5}, true},
		{"a few packets", []uint64{0, 0, 4, 0}, false},
		{"200 ms outage at 0.6 Mbit/s", []uint64{0, 0, 9, 0}, true},
	}
	for _, tc := range tests {
		if got := burstSeen(tc.per); got != tc.want {
			t.Errorf("%s %v: %v, want %v", tc.name, tc.per, got, tc.want)
		}
	}
}

// relayRun is what one wizard run through the impairment relay gave.
type relayRun struct {
	res   Result
	err   error
	json  []byte
	relay impair.Stats
}

// wizardThroughRelay runs the wizard for real: the project's sender
// (listener, looping the demo clip) behind the impairment relay, which
// applies path in both directions; the wizard's receiver calls the relay.
// The JSON it produced is saved as build/<save>.
func wizardThroughRelay(t *testing.T, path impair.Impairment, cfg Config, save string) relayRun {
	t.Helper()
	sendPort := sessiontest.FreeUDPPort(t)
	sender, err := session.NewSender(session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: sendPort, LatencyMs: session.MinLatencyMs},
		bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	senderEvents := sender.Subscribe(256)
	sessiontest.RunInBackground(t, "sender", sender.Run)
	waitEvent(t, senderEvents, session.EventConnecting) // listening

	relay, err := impair.Listen(impair.Config{
		Listen: "127.0.0.1:0", Upstream: net.JoinHostPort("127.0.0.1", strconv.Itoa(sendPort)),
		Forward: path, Reverse: path, Seed: 1,
	})
	if err != nil {
		t.Fatalf("impair.Listen: %v", err)
	}
	sessiontest.RunInBackground(t, "relay", relay.Run)

	link := &SRTLink{
		Config:         session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: int(relay.Addr().Port()), LatencyMs: cfg.OriginalLatencyMs},
		ConnectTimeout: 20 * time.Second,
		OnEvent:        func(ev session.Event) { t.Logf("receiver %s: %s", ev.Kind, ev.Detail) },
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, link, cfg, func(p Progress) {
		if !p.Tick {
			t.Logf("[%3.0f%%] %s", p.Fraction*100, p.Message)
		}
	})
	out, jerr := json.Marshal(res)
	if jerr != nil {
		t.Fatal(jerr)
	}
	st := relay.Stats()
	t.Logf("relay %s: forward %d received, %d dropped in %d outages; reverse %d received, %d dropped",
		path, st.Forward.Received, st.Forward.DroppedOutage, st.Forward.OutageWindows, st.Reverse.Received, st.Reverse.DroppedOutage)
	t.Logf("wizard JSON: %s", out)
	if dir := filepath.Join("..", "..", "build"); os.MkdirAll(dir, 0o755) == nil {
		if werr := os.WriteFile(filepath.Join(dir, save), append(out, '\n'), 0o644); werr != nil {
			t.Logf("saving the JSON: %v", werr)
		}
	}
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.RTTMs < 35 || res.RTTMs > 120 {
		t.Errorf("baseline RTT %.1f ms, want about 40 ms", res.RTTMs)
	}
	if st.Forward.DroppedOutage == 0 {
		t.Errorf("the relay dropped nothing: the outage did not happen")
	}
	return relayRun{res: res, err: err, json: out, relay: st}
}

// checkCleanRecommendation fails unless the recommendation is a step that
// was measured clean.
func checkCleanRecommendation(t *testing.T, res Result) {
	t.Helper()
	rec := res.Recommended
	if rec == nil {
		t.Fatal("no recommendation")
	}
	i := slices.IndexFunc(res.Steps, func(s StepResult) bool { return s.Multiplier == rec.Multiplier && s.LatencyMs == rec.LatencyMs })
	if i < 0 || !res.Steps[i].Clean || !rec.Tested {
		t.Errorf("recommended %+v is not a clean measured step", rec)
	}
}

// checkRecommendationAboveDrops fails unless the recommendation is at or
// above the lowest clean step, and clean if it was measured; with no clean
// step, it must be the top step. When only the top step is clean under
// burst loss, the wizard recommends one step beyond the plan, not
// measured: right, but not a measured clean step.
func checkRecommendationAboveDrops(t *testing.T, res Result) {
	t.Helper()
	rec := res.Recommended
	if rec == nil || len(res.Steps) == 0 {
		t.Fatalf("recommended %+v after %d steps", rec, len(res.Steps))
	}
	first := slices.IndexFunc(res.Steps, func(s StepResult) bool { return s.Clean })
	if first < 0 {
		if top := res.Steps[len(res.Steps)-1]; rec.Multiplier != top.Multiplier {
			t.Errorf("no step was clean: recommended %+v, want the top step %dx", rec, top.Multiplier)
		}
		return
	}
	if rec.LatencyMs < res.Steps[first].LatencyMs {
		t.Errorf("recommended %+v, below the lowest clean step %dx (%d ms)", rec, res.Steps[first].Multiplier, res.Steps[first].LatencyMs)
	}
	if i := slices.IndexFunc(res.Steps, func(s StepResult) bool { return s.LatencyMs == rec.LatencyMs }); rec.Tested && (i < 0 || !res.Steps[i].Clean) {
		t.Errorf("recommended %+v: measured, but not clean", rec)
	}
}

func stepOf(res Result, mult int) (StepResult, bool) {
	i := slices.IndexFunc(res.Steps, func(s StepResult) bool { return s.Multiplier == mult })
	if i < 0 {
		return StepResult{}, false
	}
	return res.Steps[i], true
}

// relayCfg has short steps: 4 s baseline and 6 s per step, so that every
// step sees at least one outage of a 5 s cycle.
var relayCfg = Config{OriginalLatencyMs: 120, Multipliers: []int{4, 8, 12, 16}, StepDuration: 6 * time.Second, BaselineDuration: 4 * time.Second}

// TestWizardThroughRelay is the setup: 40 ms RTT (20 ms each way)
// and a 200 ms outage every 5 s.
//
// SRT recovers that outage even at 4x RTT: its too-late drop skips a gap
// only when the first packet after the gap is due for delivery, and that
// packet was sent after the outage, so the retransmissions (one RTT after
// the outage) are in time whatever the outage length; the gosrt sender
// keeps packets for 1.25 x latency + 1 s. So this run checks that every
// step sees the outage as (recovered) burst loss, that 12x is clean and
// that the recommendation is a clean step; TestWizardThroughRelayLongOutage
// makes the low steps drop for real.
func TestWizardThroughRelay(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 35 s over loopback SRT")
	}
	path := impair.Impairment{Delay: 20 * time.Millisecond, OutageEvery: 5 * time.Second, OutageFor: 200 * time.Millisecond}
	run := wizardThroughRelay(t, path, relayCfg, "wizard-relay.json")
	s4, ok := stepOf(run.res, 4)
	if !ok || s4.Failed || s4.LatencyMs != clampLatency(4, run.res.Baseline.RTTMs, DefaultFloorMs, DefaultCeilingMs) || s4.PktsLost == 0 {
		t.Errorf("4x step %+v: want measured, with the outage seen as lost packets", s4)
	}
	t.Logf("4x (%d ms): %d lost, %d recovered, %d dropped", s4.LatencyMs, s4.PktsLost, s4.PktsRecovered, s4.PktsDropped)
	// Only the arrival tap's times give a recovery margin, and the verdicts
	// (dropped, late and at-risk packets) need them.
	if s4.PktsRecovered > 0 && s4.RecoveryMarginMinMs == nil {
		t.Errorf("4x step recovered %d packets but has no recovery margin: measured without the arrival tap", s4.PktsRecovered)
	}
	if s, ok := stepOf(run.res, 12); !ok || s.Failed || s.PktsDropped != 0 || s.PktsRecv == 0 {
		t.Errorf("12x step %+v: want measured and clean", s)
	}
	if !run.res.BurstLoss {
		t.Error("the outages were not seen as burst loss")
	}
	checkCleanRecommendation(t, run.res)
}

// Outage of TestWizardThroughRelayLongOutage, and what decides which of
// its steps drop. The gosrt sender forgets a packet it has not had
// acknowledged horizonMs(L) after sending it (1.25 x latency + its 1 s
// SendDropDelay + 20 ms). The first packets lost in an outage cannot be
// asked for again before the outage is over plus one path RTT (the relay's
// 2 x 20 ms, which no load on the host shortens): a step whose horizon ends
// lateTickMs before that has forgotten them and must drop, even if the
// sender's drop timer runs late.
const (
	longOutageMs = 1400
	pathRTTMs    = 40
	lateTickMs   = 100
)

func horizonMs(latencyMs int) float64 { return 1.25*float64(latencyMs) + 1020 }

// longOutageCfg steps from 2x: 2x RTT stays at or below 240 ms (horizon
// 1320 ms, within the 1340 ms that must drop) at every baseline RTT that
// wizardThroughRelay accepts (up to 120 ms), while 16x of an RTT that is
// at least the path's 40 ms is at least 640 ms (horizon 1820 ms, beyond the
// 1700 ms + RTT that must recover, see below). 4x and 12x may fall on
// either side, depending on the RTT the wizard measured.
var longOutageCfg = Config{OriginalLatencyMs: 120, Multipliers: []int{2, 4, 12, 16}, StepDuration: 6 * time.Second, BaselineDuration: 4 * time.Second}

// TestWizardThroughRelayLongOutage cuts the path for 1.4 s every 5 s at
// 40 ms RTT: longer than the gosrt sender keeps packets at low multiples of
// the RTT, shorter than at 16x. Steps that must drop, must recover, or may
// go either way are told apart by each step's own latency (which follows
// the measured RTT; on a loaded host the baseline RTT reads high, 85 ms seen
// at load average 8 on 2 cores, and so do the step latencies), so the
// expectations hold whatever the load. The steps are chosen so that at
// least one step must drop and one must recover at any RTT the test
// accepts; if either class is empty the test fails rather than checking
// less. It never skips.
func TestWizardThroughRelayLongOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 45 s over loopback SRT")
	}
	path := impair.Impairment{Delay: pathRTTMs / 2 * time.Millisecond, OutageEvery: 5 * time.Second, OutageFor: longOutageMs * time.Millisecond}
	run := wizardThroughRelay(t, path, longOutageCfg, "wizard-relay-long-outage.json")
	// A step keeps every lost packet when its horizon outlasts the outage
	// plus the measured RTT (what a retransmission request really takes,
	// load included) by 300 ms. It is then clean on an idle host; with a
	// busy loop on the other core 16x (horizon 1855 ms) was seen to drop 20
	// of 80 packets, so what is asserted whatever the load is that it
	// recovered lost packets (the sender still had them when asked) and
	// dropped fewer than it lost; drops are logged.
	cleanHorizonMs := longOutageMs + run.res.RTTMs + 300
	var mustDrop, mustBeClean int
	for _, s := range run.res.Steps {
		l := max(s.LatencyMs, s.NegotiatedLatencyMs) // what the sender's horizon follows
		h := horizonMs(l)
		switch {
		case s.Failed:
			t.Errorf("step %dx never connected: %s", s.Multiplier, s.Error)
		case h+lateTickMs <= longOutageMs+pathRTTMs:
			mustDrop++
			if s.PktsDropped == 0 || s.PktsRecv == 0 {
				t.Errorf("step %dx (%d ms, sender keeps packets %.0f ms, outage %d ms): %d received, %d dropped; want drops",
					s.Multiplier, l, h, longOutageMs, s.PktsRecv, s.PktsDropped)
			}
		case h >= cleanHorizonMs:
			mustBeClean++
			if s.PktsRecovered == 0 || s.PktsDropped >= s.PktsLost || s.PktsRecv == 0 {
				t.Errorf("step %dx (%d ms, sender keeps packets %.0f ms, outage %d ms): %d received, %d lost, %d recovered, %d dropped; want lost packets recovered",
					s.Multiplier, l, h, longOutageMs, s.PktsRecv, s.PktsLost, s.PktsRecovered, s.PktsDropped)
			} else if s.PktsDropped != 0 {
				t.Logf("step %dx (%d ms, sender keeps packets %.0f ms): recovered %d but dropped %d: timers late on a loaded host",
					s.Multiplier, l, h, s.PktsRecovered, s.PktsDropped)
			}
		default:
			t.Logf("step %dx (%d ms, sender keeps packets %.0f ms): too close to the outage to expect either; %d dropped",
				s.Multiplier, l, h, s.PktsDropped)
		}
	}
	t.Logf("at baseline RTT %.0f ms: %d steps had to drop, %d had to recover", run.res.RTTMs, mustDrop, mustBeClean)
	if mustDrop == 0 || mustBeClean == 0 {
		t.Errorf("at baseline RTT %.0f ms, %d steps must drop and %d must recover: the steps %v no longer bracket the outage, so this run checked nothing",
			run.res.RTTMs, mustDrop, mustBeClean, longOutageCfg.Multipliers)
	}
	// 12x may drop too (seen at load average 7.5: 37 of 80 lost packets),
	// leaving 16x the only clean step and the recommendation 20x, unmeasured.
	checkRecommendationAboveDrops(t, run.res)
}

func waitEvent(t *testing.T, sub *session.Subscription, kind session.EventKind) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case ev, ok := <-sub.Events:
			if !ok {
				t.Fatalf("events closed before %s", kind)
			}
			if ev.Kind == kind {
				return
			}
		case <-timeout.C:
			t.Fatalf("no %s event within 10 s", kind)
		}
	}
}
