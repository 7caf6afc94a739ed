package app

import (
	"bytes"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// statusController is a controller recording into a fresh database, with
// alarms quick enough for a test.
func statusController(t *testing.T) (*Controller, *record.DB) {
	t.Helper()
	db, err := record.Open(filepath.Join(t.TempDir(), "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c := NewController(t.Context(), ControllerOptions{Recorder: db})
	t.Cleanup(c.Close) // registered after db.Close: runs first
	return c, db
}

// quickAlarms raise no-data after 2 s.
func quickAlarms() Thresholds {
	th := DefaultThresholds()
	th.NoDataFor = 2 * time.Second
	return th
}

func hasAlarm(v FeedView, k AlarmKind) (AlarmChange, bool) {
	for _, a := range v.Alarms {
		if a.Kind == k {
			return a, true
		}
	}
	return AlarmChange{}, false
}

// TestListenerStatusNamesTheCause follows one listener feed through the
// states an operator sees: waiting for its first caller (no alarm, however
// long), an encoder calling with the wrong passphrase (the state and the
// no-data alarm say so), stopped (its alarm clears but stays latched until
// acknowledged, and the acknowledgement is in the log).
func TestListenerStatusNamesTheCause(t *testing.T) {
	c, _ := statusController(t)
	port := sessiontest.FreeUDPPort(t)
	cfg := session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: 120,
		Passphrase: "the-right-passphrase", PBKeyLen: 16}
	id, err := c.Add(FeedSpec{Name: "cam1", Config: cfg, Thresholds: quickAlarms()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(id); err != nil {
		t.Fatal(err)
	}
	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	v := waitFeed(t, c, id, 10*time.Second, "waiting for a caller", func(v FeedView) bool {
		return v.Status.Phase == PhaseWaiting && len(v.History) >= 3 // past the no-data threshold
	})
	if want := "waiting for the encoder on " + listen; v.Status.Describe() != want {
		t.Errorf("status %q, want %q", v.Status.Describe(), want)
	}
	if len(v.Alarms) != 0 || v.Health != HealthGreen {
		t.Errorf("a listener waiting for its first caller has alarms %+v (health %s), want none", v.Alarms, v.Health)
	}

	// An encoder calls with the wrong passphrase, again and again.
	bad := session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: port, LatencyMs: 120,
		Passphrase: "a-wrong-passphrase", PBKeyLen: 16}
	sender, err := session.NewSender(bad, bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	stopSender := sessiontest.RunInBackground(t, "sender", sender.Run)
	v = waitFeed(t, c, id, 20*time.Second, "the no-data alarm naming the wrong passphrase", func(v FeedView) bool {
		_, on := hasAlarm(v, AlarmNoData)
		return on && v.Status.WrongPassphrase()
	})
	a, _ := hasAlarm(v, AlarmNoData)
	if !errors.Is(a.Cause, session.ErrWrongPassphrase) || !strings.Contains(a.Detail, "wrong passphrase") {
		t.Errorf("no-data alarm %q (cause %v), want it to name the wrong passphrase", a.Detail, a.Cause)
	}
	if d := v.Status.Describe(); !strings.HasPrefix(d, "rejecting callers on "+listen+": wrong passphrase") {
		t.Errorf("status %q, want it to say callers are rejected for the wrong passphrase", d)
	}
	if err := stopSender(); err != nil {
		t.Logf("sender: %v", err)
	}

	c.Stop(id)
	v, _ = c.Feed(id)
	if v.Status.Phase != PhaseStopped || len(v.Alarms) != 0 || v.Health != HealthGreen {
		t.Errorf("stopped feed: phase %s, alarms %+v, health %s; want stopped, none, green", v.Status.Phase, v.Alarms, v.Health)
	}
	if !v.HadAlarm || !v.Unacknowledged {
		t.Errorf("stopped feed: had=%v unacked=%v, want the alarm still latched", v.HadAlarm, v.Unacknowledged)
	}
	c.Acknowledge(id)
	v, _ = c.Feed(id)
	if v.HadAlarm || v.Unacknowledged {
		t.Errorf("after Acknowledge had=%v unacked=%v, want both false", v.HadAlarm, v.Unacknowledged)
	}
	last := v.Log[len(v.Log)-1]
	if last.Kind != string(EventAcknowledged) || !strings.Contains(last.Detail, string(AlarmNoData)) {
		t.Errorf("last log line %+v, want the acknowledgement of the no-data alarm", last)
	}
	if h := v.AlarmHistory; len(h) == 0 || h[0].Acked.IsZero() || h[0].Cleared.IsZero() {
		t.Errorf("alarm history %+v, want the no-data alarm cleared and acknowledged", h)
	}
}

// TestFailedStartIsNotASession starts a listener on a port another socket
// holds: the feed says it could not start and why, with the port, and no
// recorded session is left behind.
func TestFailedStartIsNotASession(t *testing.T) {
	c, db := statusController(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	port := pc.LocalAddr().(*net.UDPAddr).Port
	id, err := c.Add(FeedSpec{Name: "busy port", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(id); err != nil {
		t.Fatal(err)
	}
	v := waitFeed(t, c, id, 10*time.Second, "the feed failed", func(v FeedView) bool { return v.Status.Phase == PhaseFailed })
	if v.Running {
		t.Error("a feed that could not start is still running")
	}
	if !errors.Is(v.Status.Cause, session.ErrPortInUse) || !strings.Contains(v.Status.Describe(), strconv.Itoa(port)) {
		t.Errorf("status %q (cause %v), want port %d in use", v.Status.Describe(), v.Status.Cause, port)
	}
	ss, err := db.Sessions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 0 {
		t.Errorf("%d recorded sessions %+v, want none for a feed that failed to start", len(ss), ss)
	}
}

// TestCallerStatusCountsAttempts dials a port nobody listens on: the feed
// is connecting, counts its attempts, says why they fail, and raises the
// no-data alarm with that reason.
func TestCallerStatusCountsAttempts(t *testing.T) {
	c, _ := statusController(t)
	port := sessiontest.FreeUDPPort(t)
	id, err := c.Add(FeedSpec{Name: "studio", Thresholds: quickAlarms(),
		Config: session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: port, LatencyMs: 120}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(id); err != nil {
		t.Fatal(err)
	}
	v := waitFeed(t, c, id, 30*time.Second, "a second attempt", func(v FeedView) bool {
		return v.Status.Phase == PhaseConnecting && v.Status.Attempt >= 2 && v.Status.Cause != nil
	})
	d := v.Status.Describe()
	if !strings.HasPrefix(d, "calling 127.0.0.1:"+strconv.Itoa(port)+", attempt ") {
		t.Errorf("status %q, want it to say which attempt is calling where", d)
	}
	waitFeed(t, c, id, 20*time.Second, "the no-data alarm with the reason", func(v FeedView) bool {
		a, on := hasAlarm(v, AlarmNoData)
		return on && a.Cause != nil && strings.Contains(a.Detail, failureWords(a.Cause, 1))
	})
}
