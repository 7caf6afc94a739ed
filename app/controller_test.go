package app

import (
	"testing"
	"time"

	"github.com/srtscope/srtscope/session"
)

// waitFeed polls the controller until cond holds for the feed or the
// timeout passes; it returns the last snapshot.
func waitFeed(t *testing.T, c *Controller, id FeedID, timeout time.Duration, what string, cond func(FeedView) bool) FeedView {
	t.Helper()
	deadline := time.After(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		v, ok := c.Feed(id)
		if !ok {
			t.Fatalf("feed %d vanished while waiting for %s", id, what)
		}
		if cond(v) {
			return v
		}
		select {
		case <-deadline:
			t.Fatalf("timed out after %s waiting for %s; last sample %+v, log %v", timeout, what, v.Sample, v.Log)
		case <-tick.C:
		}
	}
}

func TestDemoFeedThroughControllerAndOutageAlarm(t *testing.T) {
	c := NewController(t.Context(), ControllerOptions{})
	t.Cleanup(c.Close)
	d, err := StartDemo(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)

	v := waitFeed(t, c, d.FeedID, 20*time.Second, "demo connected with data", func(v FeedView) bool {
		return v.Sample.State == session.StateConnected && v.Sample.PktsRecv > 200
	})
	if v.Sample.LatencyMs < demoLatencyMs {
		t.Errorf("negotiated latency %d ms, want at least %d", v.Sample.LatencyMs, demoLatencyMs)
	}
	if !v.Running || v.ConnectedSince.IsZero() {
		t.Errorf("running=%v connectedSince=%v, want running and connected", v.Running, v.ConnectedSince)
	}
	// 2% loss on the data path: losses show up and are recovered.
	v = waitFeed(t, c, d.FeedID, 20*time.Second, "recovered losses", func(v FeedView) bool {
		return v.Sample.PktsRetrans > 0 && v.Sample.PktsLost > 0
	})
	v = waitFeed(t, c, d.FeedID, 20*time.Second, "stream inspection with H.264 and AAC", func(v FeedView) bool {
		if v.Inspection == nil || len(v.Inspection.Programs) == 0 {
			return false
		}
		codecs := map[string]bool{}
		for _, s := range v.Inspection.Programs[0].Streams {
			codecs[s.Codec] = true
		}
		return codecs["h264"] && codecs["aac"]
	})
	if v.Inspection.MediaAnalysis != v.MediaAnalysis {
		t.Errorf("the inspection (as recorded) says media analysis %q, the feed %q", v.Inspection.MediaAnalysis, v.MediaAnalysis)
	}
	// Past the loop point of the 10.24 s clip: the looping sender is one
	// clean stream, so with nothing dropped the TS is error-free.
	v = waitFeed(t, c, d.FeedID, 20*time.Second, "the demo clip looped", func(v FeedView) bool {
		return v.Inspection != nil && v.Inspection.DurationS > 11
	})
	if tr := v.Inspection.TR101290; v.Sample.PktsDropped == 0 && v.Sample.SinkSkippedBytes == 0 && (tr.CCError != 0 || tr.PCRDiscontinuityError != 0 || tr.PTSError != 0) {
		t.Errorf("demo with nothing dropped shows TS errors after its loop point: %+v", tr)
	}

	d.InjectOutage(6 * time.Second)
	v = waitFeed(t, c, d.FeedID, 15*time.Second, "no-data alarm", func(v FeedView) bool {
		for _, a := range v.Alarms {
			if a.Kind == AlarmNoData {
				return true
			}
		}
		return false
	})
	if v.Health != HealthRed || !v.Unacknowledged {
		t.Errorf("during the outage health=%s unacked=%v, want red and unacknowledged", v.Health, v.Unacknowledged)
	}
	c.Acknowledge(d.FeedID)
	if v, _ := c.Feed(d.FeedID); v.Unacknowledged {
		t.Error("acknowledge left the alarm asking for attention")
	}
	// The path comes back and so does the data.
	before := v.Sample.PktsRecv
	waitFeed(t, c, d.FeedID, 30*time.Second, "data after the outage", func(v FeedView) bool {
		return v.Sample.PktsRecv > before+100
	})
}

func TestControllerFeedManagement(t *testing.T) {
	c := NewController(t.Context(), ControllerOptions{})
	t.Cleanup(c.Close)
	cfg := session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: 9000, LatencyMs: 120}
	id, err := c.Add(FeedSpec{Name: "cam1", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	dup, err := c.Duplicate(id)
	if err != nil {
		t.Fatal(err)
	}
	feeds := c.Feeds()
	if len(feeds) != 2 || feeds[1].Spec.Name != "cam1 copy" {
		t.Fatalf("feeds %+v, want cam1 and cam1 copy", feeds)
	}
	if feeds[0].Spec.Thresholds != DefaultThresholds() {
		t.Error("a feed without thresholds must get the defaults")
	}
	bad := cfg
	bad.Port = 0
	if _, err := c.Add(FeedSpec{Config: bad}); err == nil {
		t.Error("port 0 accepted")
	}
	c.Remove(dup)
	if n := len(c.Feeds()); n != 1 {
		t.Fatalf("%d feeds after remove, want 1", n)
	}
	if err := c.Start(dup); err == nil {
		t.Error("starting a removed feed succeeded")
	}
}
