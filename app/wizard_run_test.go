package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/app/report"
	"github.com/srtscope/srtscope/app/wizard"
	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/impair"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// wizardPeer is a controller feed and srtscope's own sender looping the
// demo clip, joined through the impairment relay (10 ms each way, so the
// wizard's 4x and 8x steps differ).
type wizardPeer struct {
	ctrl *Controller
	db   *record.DB
	id   FeedID
}

const wizardTestLatencyMs = 200

func newWizardPeer(t *testing.T, feedMode session.Mode) wizardPeer {
	t.Helper()
	db, err := record.Open(filepath.Join(t.TempDir(), "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c := NewController(t.Context(), ControllerOptions{Recorder: db})
	t.Cleanup(c.Close) // registered after db.Close: runs first

	// The sender asks for less latency than the feed, so the negotiated
	// latency is the feed's own.
	sendCfg := session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", LatencyMs: 80}
	feedCfg := session.Config{Mode: feedMode, Host: "127.0.0.1", LatencyMs: wizardTestLatencyMs}
	// The listener side gets a fixed port; the relay sits in front of it
	// and the caller side dials the relay.
	listenPort := sessiontest.FreeUDPPort(t)
	listener, caller := &feedCfg, &sendCfg
	if feedMode == session.ModeCaller {
		listener, caller = &sendCfg, &feedCfg
	}
	listener.Mode, listener.Port = session.ModeListener, listenPort
	caller.Mode = session.ModeCaller

	relay, err := impair.Listen(impair.Config{
		Listen: "127.0.0.1:0", Upstream: net.JoinHostPort("127.0.0.1", strconv.Itoa(listenPort)),
		Forward: impair.Impairment{Delay: 10 * time.Millisecond}, Reverse: impair.Impairment{Delay: 10 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	sessiontest.RunInBackground(t, "relay", relay.Run)
	caller.Port = int(relay.Addr().Port())

	id, err := c.Add(FeedSpec{Name: "wizard " + string(feedMode), Config: feedCfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(id); err != nil {
		t.Fatal(err)
	}
	sender, err := session.NewSender(sendCfg, bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	sessiontest.RunInBackground(t, "sender", sender.Run)
	waitFeed(t, c, id, 20*time.Second, "feed connected with data", func(v FeedView) bool {
		return v.Sample.State == session.StateConnected && v.Sample.PktsRecv > 100
	})
	return wizardPeer{ctrl: c, db: db, id: id}
}

// shortWizard is two 2 s steps after a 2 s baseline.
var shortWizard = wizard.Config{Multipliers: []int{4, 8}, StepDuration: 2 * time.Second, BaselineDuration: 2 * time.Second}

func wizardLines(v FeedView) []string {
	var out []string
	for _, l := range v.Log {
		if l.Kind == string(EventWizard) {
			out = append(out, l.Detail)
		}
	}
	return out
}

// TestRunWizardOnLoopbackFeeds runs the wizard on a live feed as listener
// (the sender calls it again by itself at every step) and as caller (it
// dials the sender's listener again, which may answer "peer busy" for a
// moment), checks the feed comes back at its original latency, the result
// is in the feed's log and in its recorded session (and that session's
// report), and that Apply sets the recommended latency.
func TestRunWizardOnLoopbackFeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs about 25 s of loopback SRT")
	}
	for _, mode := range []session.Mode{session.ModeListener, session.ModeCaller} {
		t.Run(string(mode), func(t *testing.T) {
			p := newWizardPeer(t, mode)
			c, id := p.ctrl, p.id
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			var stepsSeen int
			res, err := c.RunWizard(ctx, id, shortWizard, func(pr wizard.Progress) {
				if pr.Step != nil {
					stepsSeen++
				}
				if !pr.Tick {
					t.Logf("[%3.0f%%] %s", pr.Fraction*100, pr.Message)
				}
			})
			js, _ := json.Marshal(res)
			t.Logf("wizard JSON: %s", js)
			if err != nil {
				t.Fatalf("RunWizard: %v", err)
			}
			if res.Status != wizard.PhaseDone || res.Recommended == nil || len(res.Steps) != 2 {
				t.Fatalf("result %s: want done with a recommendation after 2 steps", js)
			}
			for _, s := range res.Steps {
				if s.Failed || s.PktsRecv == 0 {
					t.Errorf("step %dx: %+v, want measured with packets", s.Multiplier, s)
				}
			}
			if res.RTTMs < 15 || res.RTTMs > 100 {
				t.Errorf("baseline RTT %.1f ms, want about 20 ms", res.RTTMs)
			}
			if stepsSeen != 3 {
				t.Errorf("progress reported %d finished steps, want 3 (baseline and two steps)", stepsSeen)
			}

			// Back at the original latency, connected again.
			v := waitFeed(t, c, id, 20*time.Second, "feed reconnected at its original latency", func(v FeedView) bool {
				return v.Running && !v.Tuning && v.Sample.State == session.StateConnected && v.Sample.LatencyMs == wizardTestLatencyMs && v.Sample.PktsRecv > 0
			})
			if v.Spec.Config.LatencyMs != wizardTestLatencyMs {
				t.Errorf("feed latency %d ms after the wizard, want the original %d", v.Spec.Config.LatencyMs, wizardTestLatencyMs)
			}
			lines := strings.Join(wizardLines(v), "\n")
			for _, want := range []string{"latency wizard started", "baseline at 200 ms", "step 4x RTT", "step 8x RTT", "recommends", "restarting the feed with its original latency 200 ms"} {
				if !strings.Contains(lines, want) {
					t.Errorf("feed log lacks %q; wizard lines:\n%s", want, lines)
				}
			}

			// Apply: the feed reconnects at the recommended latency.
			want := res.Recommended.LatencyMs
			if err := c.ApplyLatency(id, want); err != nil {
				t.Fatalf("ApplyLatency(%d): %v", want, err)
			}
			waitFeed(t, c, id, 20*time.Second, "feed reconnected at the applied latency", func(v FeedView) bool {
				return v.Running && v.Spec.Config.LatencyMs == want && v.Sample.State == session.StateConnected && v.Sample.LatencyMs == want
			})

			// One recording ran through the wizard and holds its result;
			// Apply started the next one.
			c.Stop(id)
			sessions, err := p.db.Sessions(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(sessions) != 2 {
				t.Fatalf("%d recorded sessions, want 2 (before and through the wizard, after Apply)", len(sessions))
			}
			first := sessions[len(sessions)-1] // newest first
			s, err := p.db.Load(context.Background(), first.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.WizardResults) != 1 {
				t.Fatalf("the session through the wizard holds %d wizard results, want 1", len(s.WizardResults))
			}
			var stored wizard.Result
			if err := json.Unmarshal(s.WizardResults[0].Result, &stored); err != nil || stored.Recommended == nil || stored.Recommended.LatencyMs != want {
				t.Errorf("recorded wizard result %s (%v), want the recommendation %d ms", s.WizardResults[0].Result, err, want)
			}
			var recorded []string
			var after bool
			for _, e := range s.Events {
				if e.Kind == EventWizard {
					recorded = append(recorded, e.Detail)
				}
				if e.Kind == session.EventConnected && e.Time.After(s.WizardResults[0].Time) {
					after = true
				}
			}
			if all := strings.Join(recorded, "\n"); !strings.Contains(all, "started") || !strings.Contains(all, "step 8x") || !strings.Contains(all, "recommends") || !strings.Contains(all, "restarting") || !after {
				t.Errorf("recorded session has wizard events %q and a connection after the wizard: %v; want start, steps, recommendation, restart and a connection", recorded, after)
			}
			sum := report.Summarize(s)
			if len(sum.Wizard) != 1 || len(sum.Wizard[0].Steps) != 2 {
				t.Errorf("report summary of the recorded session has %d wizard results, want 1 with 2 steps", len(sum.Wizard))
			}
		})
	}
}

// TestRunWizardRefusesFeedNotConnected: the wizard says so and touches
// nothing when the feed is stopped or waiting for its peer.
func TestRunWizardRefusesFeedNotConnected(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	tests := []struct {
		name  string
		start bool
	}{
		{"stopped", false},
		{"listening without a caller", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewController(t.Context(), ControllerOptions{})
			t.Cleanup(c.Close)
			id, err := c.Add(FeedSpec{Name: "cam1", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: 300}})
			if err != nil {
				t.Fatal(err)
			}
			if tc.start {
				if err := c.Start(id); err != nil {
					t.Fatal(err)
				}
			}
			called := false
			_, err = c.RunWizard(context.Background(), id, shortWizard, func(wizard.Progress) { called = true })
			if !errors.Is(err, wizard.ErrNotConnected) || !strings.Contains(err.Error(), "not connected") || !strings.Contains(err.Error(), "cam1") {
				t.Fatalf("RunWizard on a feed that is not connected: %v; want the feed named and ErrNotConnected", err)
			}
			v, _ := c.Feed(id)
			if called || v.Running != tc.start || v.Tuning || v.Spec.Config.LatencyMs != 300 || len(wizardLines(v)) != 0 {
				t.Errorf("after the refusal: progress called %v, running %v (want %v), tuning %v, latency %d, wizard log %q",
					called, v.Running, tc.start, v.Tuning, v.Spec.Config.LatencyMs, wizardLines(v))
			}
		})
	}
	t.Run("unknown feed", func(t *testing.T) {
		c := NewController(t.Context(), ControllerOptions{})
		t.Cleanup(c.Close)
		if _, err := c.RunWizard(context.Background(), 42, shortWizard, nil); !errors.Is(err, ErrNoFeed) {
			t.Errorf("RunWizard on feed 42: %v, want ErrNoFeed", err)
		}
	})
}

// TestRunWizardCancelRestoresOriginalLatency cancels during the first step
// (which runs at a lower latency) and checks the feed is back at its
// original latency; while the wizard has the feed, starting or changing it
// is refused.
func TestRunWizardCancelRestoresOriginalLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("runs about 8 s of loopback SRT")
	}
	p := newWizardPeer(t, session.ModeListener)
	c, id := p.ctrl, p.id
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var startErr, updateErr error
	var stepLatency int
	res, err := c.RunWizard(ctx, id, shortWizard, func(pr wizard.Progress) {
		if pr.Action.Phase == wizard.PhaseStep && pr.Tick && stepLatency == 0 {
			stepLatency = pr.Action.LatencyMs
			startErr = c.Start(id)
			v, _ := c.Feed(id)
			updateErr = c.Update(id, v.Spec)
			cancel()
		}
	})
	if !errors.Is(err, wizard.ErrCancelled) || res.Status != wizard.PhaseCancelled {
		t.Fatalf("RunWizard cancelled: status %s, err %v; want cancelled", res.Status, err)
	}
	if stepLatency == 0 || stepLatency == wizardTestLatencyMs {
		t.Fatalf("cancelled during a step at %d ms; want a step at another latency than %d ms", stepLatency, wizardTestLatencyMs)
	}
	if !errors.Is(startErr, ErrTuning) || !errors.Is(updateErr, ErrTuning) {
		t.Errorf("during the wizard Start gave %v and Update %v; want both refused with ErrTuning", startErr, updateErr)
	}
	if res.RestoreLatencyMs != wizardTestLatencyMs {
		t.Errorf("result says restore %d ms, want %d", res.RestoreLatencyMs, wizardTestLatencyMs)
	}
	v := waitFeed(t, c, id, 20*time.Second, "feed reconnected at its original latency", func(v FeedView) bool {
		return v.Running && !v.Tuning && v.Sample.State == session.StateConnected && v.Sample.LatencyMs == wizardTestLatencyMs
	})
	if v.Spec.Config.LatencyMs != wizardTestLatencyMs {
		t.Errorf("feed latency %d ms after cancel, want %d", v.Spec.Config.LatencyMs, wizardTestLatencyMs)
	}
	if lines := strings.Join(wizardLines(v), "\n"); !strings.Contains(lines, "cancelled") {
		t.Errorf("feed log does not say the wizard was cancelled:\n%s", lines)
	}
}

// TestStopDuringWizardLeavesFeedStopped: stopping the feed while the
// wizard runs ends the wizard and does not restart the feed.
func TestStopDuringWizardLeavesFeedStopped(t *testing.T) {
	if testing.Short() {
		t.Skip("runs about 6 s of loopback SRT")
	}
	p := newWizardPeer(t, session.ModeListener)
	c, id := p.ctrl, p.id
	stopDone := make(chan struct{})
	asked := false
	res, err := c.RunWizard(context.Background(), id, shortWizard, func(pr wizard.Progress) {
		if pr.Tick && !asked {
			asked = true
			go func() { c.Stop(id); close(stopDone) }()
		}
	})
	select {
	case <-stopDone:
	case <-time.After(15 * time.Second):
		t.Fatal("Stop did not return within 15 s of the wizard ending")
	}
	if !errors.Is(err, wizard.ErrCancelled) || !errors.Is(err, ErrNotRestarted) || res.Status != wizard.PhaseCancelled {
		t.Fatalf("RunWizard with the feed stopped: status %s, err %v; want cancelled and not restarted", res.Status, err)
	}
	v, _ := c.Feed(id)
	if v.Running || v.Tuning {
		t.Errorf("after Stop during the wizard: running %v, tuning %v; want stopped", v.Running, v.Tuning)
	}
	sessions, err := p.db.Sessions(context.Background())
	if err != nil || len(sessions) != 1 || sessions[0].Recording || sessions[0].Ended.IsZero() {
		t.Errorf("recorded sessions %+v (%v): want one, closed", sessions, err)
	}
}

func TestApplyLatencyValidates(t *testing.T) {
	c := NewController(t.Context(), ControllerOptions{})
	t.Cleanup(c.Close)
	id, err := c.Add(FeedSpec{Name: "cam1", Config: session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: 9000, LatencyMs: 120}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ms      int
		wantErr string
	}{
		{300, ""},
		{5, "latency"},
		{9000, "latency"},
	}
	for _, tc := range tests {
		err := c.ApplyLatency(id, tc.ms)
		v, _ := c.Feed(id)
		switch {
		case tc.wantErr == "" && (err != nil || v.Spec.Config.LatencyMs != tc.ms):
			t.Errorf("ApplyLatency(%d): %v, latency now %d", tc.ms, err, v.Spec.Config.LatencyMs)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), strconv.Itoa(tc.ms))):
			t.Errorf("ApplyLatency(%d): %v, want an error naming %s and the value", tc.ms, err, tc.wantErr)
		}
		if v.Running {
			t.Errorf("ApplyLatency(%d) started a stopped feed", tc.ms)
		}
	}
}

// TestRecordedWizardResultReachesReport: every wizard outcome the GUI
// records (done, a failed step, cancelled) shows in the session's report.
func TestRecordedWizardResultReachesReport(t *testing.T) {
	tests := []struct {
		name     string
		res      wizard.Result
		wantRows int
		wantRow  string // text of the first step's dropped cell
	}{
		{"done", wizard.Result{RTTMs: 40, Status: wizard.PhaseDone, Steps: []wizard.StepResult{{Multiplier: 4, LatencyMs: 160, PktsDropped: 3}, {Multiplier: 8, LatencyMs: 320, Clean: true}},
			Recommended: &wizard.Recommendation{Multiplier: 8, LatencyMs: 320, Reason: "8x RTT (320 ms) is the smallest step that dropped no packets."}}, 2, "3"},
		{"failed step", wizard.Result{RTTMs: 40, Status: wizard.PhaseDone, Steps: []wizard.StepResult{{Multiplier: 4, LatencyMs: 160, Failed: true, Error: "no caller connected within 15s"}, {Multiplier: 8, LatencyMs: 320, Clean: true}}}, 2, "failed: no caller connected within 15s"},
		{"cancelled", wizard.Result{RTTMs: 40, Status: wizard.PhaseCancelled, RestoreLatencyMs: 200, Error: "wizard: cancelled; the original latency 200 ms stays"}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js, err := json.Marshal(tc.res)
			if err != nil {
				t.Fatal(err)
			}
			sum := report.Summarize(&record.Session{WizardResults: []record.WizardResult{{Time: time.Now(), Result: js}}})
			if len(sum.Wizard) != 1 || len(sum.Wizard[0].Steps) != tc.wantRows {
				t.Fatalf("report summary of %s: %+v, want one wizard run with %d steps", js, sum.Wizard, tc.wantRows)
			}
			if w := sum.Wizard[0]; tc.res.Recommended == nil && !strings.Contains(w.Error, "cancelled") && tc.res.Error != "" {
				t.Errorf("report summary lost why there is no recommendation: %+v", w)
			}
			if tc.wantRows > 0 {
				st := sum.Wizard[0].Steps[0]
				got := strconv.FormatUint(st.PktsDropped, 10)
				if st.Failed {
					got = "failed: " + st.Error
				}
				if got != tc.wantRow {
					t.Errorf("first step reads %q, want %q", got, tc.wantRow)
				}
			}
		})
	}
}
