package app

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestPIDBandAlarmLive receives the demo clip over loopback SRT on an
// inspected feed whose video PID has a band it cannot meet (at least 500
// Mbit/s): after the band's hold the feed raises the alarm naming the PID
// and its codec, amber, and the recording keeps it.
func TestPIDBandAlarmLive(t *testing.T) {
	if testing.Short() {
		t.Skip("receives for about 10 s")
	}
	rep, err := probe.Inspect(context.Background(), bytes.NewReader(assets.DemoTS), probe.Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var video probe.Stream
	for _, p := range rep.Programs {
		for _, s := range p.Streams {
			if s.Kind == "video" && video.PID == 0 {
				video = s
			}
		}
	}
	if video.PID == 0 {
		t.Fatalf("no video PID in the demo clip: %+v", rep.Programs)
	}
	bands, err := NewPIDBands([]PIDBand{{PID: video.PID, MinMbps: 500}})
	if err != nil {
		t.Fatal(err)
	}
	th := DefaultThresholds()
	th.PIDBands = bands
	c, db := statusController(t)
	port := sessiontest.FreeUDPPort(t)
	id, err := c.Add(FeedSpec{Name: "cam1", Inspect: true, Thresholds: th,
		Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: 120}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(id); err != nil {
		t.Fatal(err)
	}
	sender, err := session.NewSender(session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: port, LatencyMs: 120},
		bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS)), session.SenderOptions{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	stopSender := sessiontest.RunInBackground(t, "sender", sender.Run)
	defer func() {
		if err := stopSender(); err != nil {
			t.Logf("sender: %v", err)
		}
	}()
	v := waitFeed(t, c, id, 30*time.Second, "the per-PID bitrate alarm", func(v FeedView) bool {
		_, on := hasAlarm(v, AlarmPIDBitrate)
		return on
	})
	a, _ := hasAlarm(v, AlarmPIDBitrate)
	prefix := fmt.Sprintf("PID %d (%s) at ", video.PID, video.Codec)
	if !strings.HasPrefix(a.Detail, prefix) || !strings.HasSuffix(a.Detail, "Mbit/s is below 500.0") || a.For < PIDBandHold {
		t.Errorf("alarm %q after %v; want %q... Mbit/s is below 500.0 after %v", a.Detail, a.For, prefix, PIDBandHold)
	}
	if v.Health != HealthAmber {
		t.Errorf("health %s, want amber", v.Health)
	}
	if err := stopSender(); err != nil {
		t.Logf("sender: %v", err)
	}
	c.Stop(id)
	list, err := db.Sessions(t.Context())
	if err != nil || len(list) == 0 {
		t.Fatalf("sessions %v: %v", list, err)
	}
	s, err := db.Load(t.Context(), list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, al := range s.Alarms {
		found = found || (al.Kind == string(AlarmPIDBitrate) && strings.HasPrefix(al.Message, prefix))
	}
	if !found {
		t.Errorf("recorded alarms %+v; want the per-PID bitrate alarm", s.Alarms)
	}
}
