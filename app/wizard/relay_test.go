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
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
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
// makes 4x drop for real.
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
	if s, ok := stepOf(run.res, 12); !ok || s.Failed || s.PktsDropped != 0 || s.PktsRecv == 0 {
		t.Errorf("12x step %+v: want measured and clean", s)
	}
	if !run.res.BurstLoss {
		t.Error("the outages were not seen as burst loss")
	}
	checkCleanRecommendation(t, run.res)
}

// TestWizardThroughRelayLongOutage cuts the path for 1.4 s every 5 s at
// 40 ms RTT: longer than the gosrt sender keeps packets at 4x RTT
// (1.25 x 160 ms + 1.02 s = 1.22 s) but not at 12x (1.62 s) or 16x
// (1.82 s), so 4x must drop packets, 16x none, and the recommendation must
// be a clean step.
//
// The drop depends on the step's latency, which depends on the measured
// RTT: on a host so loaded that the baseline RTT reads far above 40 ms (seen
// at load average 8 on 2 cores: 85 ms), 4x lands beyond the sender's
// horizon; the test then checks what still holds and skips the 4x check,
// saying why.
func TestWizardThroughRelayLongOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 45 s over loopback SRT")
	}
	path := impair.Impairment{Delay: 20 * time.Millisecond, OutageEvery: 5 * time.Second, OutageFor: 1400 * time.Millisecond}
	run := wizardThroughRelay(t, path, relayCfg, "wizard-relay-long-outage.json")
	// Steps whose latency keeps lost packets in the sender's buffer for
	// less than the outage (1.25 x L + 1.02 s < 1.4 s + RTT) must drop.
	horizonMs := func(l int) float64 { return 1.25*float64(l) + 1020 }
	// A step must be clean when its horizon outlasts the outage plus the
	// RTT by 300 ms, room for a late timer on a busy machine: 16x here;
	// 12x (1.62 s against 1.44 s) usually is, but by too little to insist.
	cleanHorizonMs := 1400 + run.res.RTTMs + 300
	for _, s := range run.res.Steps {
		switch {
		case s.Failed:
			t.Errorf("step %dx never connected: %s", s.Multiplier, s.Error)
		case horizonMs(s.LatencyMs) >= cleanHorizonMs && s.PktsDropped != 0:
			t.Errorf("step %dx (%d ms) dropped %d packets, want none", s.Multiplier, s.LatencyMs, s.PktsDropped)
		}
	}
	if s, ok := stepOf(run.res, 16); !ok || s.Failed || s.PktsDropped != 0 || s.PktsRecv == 0 {
		t.Errorf("16x step %+v: want measured and clean", s)
	}
	checkCleanRecommendation(t, run.res)
	s4, _ := stepOf(run.res, 4)
	if horizonMs(s4.LatencyMs) > 1400 {
		t.Skipf("baseline RTT read %.0f ms (the path has 40 ms): 4x = %d ms keeps packets %.0f ms, past the outage, so it cannot be expected to drop; the host is too loaded for this check", run.res.RTTMs, s4.LatencyMs, horizonMs(s4.LatencyMs))
	}
	if s4.PktsDropped == 0 {
		t.Errorf("4x step %+v: want dropped packets", s4)
	}
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
