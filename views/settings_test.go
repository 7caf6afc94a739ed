package views

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/srtscope/srtscope/app"
)

// noStoresCtrl is a Controller without recordings or presets.
func noStoresCtrl(t *testing.T) *app.Controller {
	c := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(c.Close)
	return c
}

func TestSettingsPersistAndCheckFFmpeg(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	prefs := a.Preferences()
	s := newSettingsView(t.Context(), prefs, noStoresCtrl(t), w)
	w.SetContent(s.content)

	onPath, lookErr := exec.LookPath("ffmpeg")
	if lookErr == nil && s.ffStatus.Text != "found on PATH: "+onPath {
		t.Errorf("with ffmpeg on PATH the settings say %q", s.ffStatus.Text)
	}
	if s.keepDays.Text != "90" || s.maxMB.Text != "1024" {
		t.Errorf("defaults shown as %q days, %q MB", s.keepDays.Text, s.maxMB.Text)
	}

	tests := []struct {
		name, ffmpeg, days, mb string
		wantProblem            string // "" = saved
		wantFF                 string // substring of the ffmpeg line
	}{
		{name: "missing ffmpeg file", ffmpeg: "/nonexistent/ffmpeg", days: "30", mb: "500", wantFF: "“/nonexistent/ffmpeg”: file does not exist", wantProblem: "ffmpeg path “/nonexistent/ffmpeg” cannot be used"},
		{name: "ffmpeg path is a folder", ffmpeg: "/usr/bin", days: "30", mb: "500", wantFF: "is a folder", wantProblem: "is a folder"},
		{name: "days not a number", ffmpeg: "", days: "thirty", mb: "500", wantProblem: `keep recordings (days) "thirty" is not a whole number`},
		{name: "negative size", ffmpeg: "", days: "30", mb: "-1", wantProblem: "-1 MB: use 0 (no limit)"},
		{name: "valid", ffmpeg: onPath, days: "30", mb: "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.ffPath.SetText(tt.ffmpeg)
			s.keepDays.SetText(tt.days)
			s.maxMB.SetText(tt.mb)
			if tt.wantFF != "" && !strings.Contains(s.ffStatus.Text, tt.wantFF) {
				t.Errorf("ffmpeg line %q, want %q", s.ffStatus.Text, tt.wantFF)
			}
			ok := s.apply()
			if tt.wantProblem != "" {
				if ok || !strings.Contains(s.problem.Text, tt.wantProblem) {
					t.Errorf("saved=%v, problem %q; want %q", ok, s.problem.Text, tt.wantProblem)
				}
				return
			}
			if !ok || s.problem.Text != "" {
				t.Fatalf("not saved: %q", s.problem.Text)
			}
		})
	}
	// What the last valid save stored is what the app uses.
	if got := ffmpegPathSetting(prefs)(); got != onPath {
		t.Errorf("ffmpeg path setting %q, want %q", got, onPath)
	}
	if r := retentionSetting(prefs); r.MaxAge != 30*24*time.Hour || r.MaxBytes != 500<<20 {
		t.Errorf("retention %+v, want 30 days and 500 MB", r)
	}
	// A new dialog shows the stored values.
	s2 := newSettingsView(t.Context(), prefs, noStoresCtrl(t), w)
	if s2.keepDays.Text != "30" || s2.maxMB.Text != "500" || s2.ffPath.Text != onPath {
		t.Errorf("reopened settings show %q days, %q MB, ffmpeg %q", s2.keepDays.Text, s2.maxMB.Text, s2.ffPath.Text)
	}
}

func TestRetentionPrunesAtStartAndFromSettings(t *testing.T) {
	a := test.NewTempApp(t)
	settled, wait := settledChan(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(900, 600))
	prefs := a.Preferences()
	prefs.SetInt(prefKeepDays, 30)
	prefs.SetInt(prefMaxMB, 0)
	db := openDB(t)
	now := time.Now()
	recordSession(t, db, "Last season", "", now.Add(-45*24*time.Hour), 20)
	recordSession(t, db, "Last month", "", now.Add(-20*24*time.Hour), 20)
	recordSession(t, db, "Tonight", "", now.Add(-time.Hour), 20)

	// At start-up: the Controller's retention pass runs at once.
	passed := make(chan struct{}, 1)
	ctrl, err := app.Open(t.Context(), app.ControllerOptions{Recorder: db, Stores: app.StoreOptions{
		Retention: func() app.Retention { return retentionSetting(prefs) },
		OnPrune: func(app.PruneResult, error) {
			select {
			case passed <- struct{}{}:
			default:
			}
		}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctrl.Close)
	select {
	case <-passed:
	case <-time.After(15 * time.Second):
		t.Fatal("no retention pass at start-up")
	}
	if got := lastPassText(ctrl); !strings.Contains(got, `"Last season"`) || !strings.Contains(got, "keep 30 days") {
		t.Errorf("the start-up pass says %q, want the deleted session and the rule", got)
	}

	// From the settings: 7 days now.
	s := newSettingsView(t.Context(), prefs, ctrl, w)
	s.settled = settled
	w.SetContent(s.content)
	s.keepDays.SetText("7")
	s.applyAndPrune()
	wait("prune")
	if !strings.Contains(s.usage.Text, `"Last month"`) || strings.Contains(s.usage.Text, "Tonight") {
		t.Errorf("prune from settings says %q, want only Last month deleted", s.usage.Text)
	}
	left, err := db.Sessions(context.Background())
	if err != nil || len(left) != 1 || left[0].Name != "Tonight" {
		t.Errorf("sessions left %+v (err %v), want only Tonight", left, err)
	}
	if prefs.Int(prefKeepDays) != 7 {
		t.Errorf("keep days stored as %d, want 7", prefs.Int(prefKeepDays))
	}
}
