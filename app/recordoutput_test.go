package app

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/tsrecord"
	"github.com/srtscope/srtscope/session"
)

// TestRecordBoundsMatchTsrecord: session checks a record output's segment
// with its own copy of tsrecord's bounds.
func TestRecordBoundsMatchTsrecord(t *testing.T) {
	tests := []struct {
		name      string
		got, want int64
	}{
		{"min segment", int64(session.MinRecordSegment), int64(tsrecord.MinSegment)},
		{"max segment", int64(session.MaxRecordSegment), int64(tsrecord.MaxSegment)},
		{"min bytes", session.MinRecordSegmentBytes, tsrecord.MinSegmentBytes},
		{"max bytes", session.MaxRecordSegmentBytes, tsrecord.MaxSegmentBytes},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: session %d, tsrecord %d", tt.name, tt.got, tt.want)
		}
	}
}

// TestFeedRecordOutput: the demo feed records to a directory in 2 s
// segments as one of its outputs; its state, bytes and segments reach the
// view, segment events the log, the finished segments play in ffprobe,
// and the retention covers the directory.
func TestFeedRecordOutput(t *testing.T) {
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("ffprobe not installed")
	}
	dir := filepath.Join(t.TempDir(), "rec")
	c := NewController(t.Context(), ControllerOptions{})
	t.Cleanup(c.Close)
	d, err := StartDemo(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	waitFeed(t, c, d.FeedID, 20*time.Second, "demo receiving", func(v FeedView) bool { return v.Sample.PktsRecv > 0 })
	rc := session.OutputConfig{Kind: session.OutputRecord, Record: session.RecordConfig{Dir: dir, Segment: 2 * time.Second}}
	if err := c.AddOutput(d.FeedID, rc); err != nil {
		t.Fatal(err)
	}
	v := waitFeed(t, c, d.FeedID, 30*time.Second, "two finished segments", func(v FeedView) bool {
		return len(v.Outputs) == 1 && v.Outputs[0].Recording != nil && len(v.Outputs[0].Recording.Segments) >= 2
	})
	o := v.Outputs[0]
	if o.Kind != session.OutputRecord || o.Recording.State != RecordRecording || o.Recording.Current == nil || o.BytesSent == 0 {
		t.Errorf("record output %+v, recording %+v: want kind record, recording, a live segment, bytes", o.OutputSample, *o.Recording)
	}
	if h, why := o.Health(); h != HealthGreen {
		t.Errorf("health %s (%s), want green", h, why)
	}
	for _, s := range o.Recording.Segments {
		fi, err := os.Stat(s.Path)
		if err != nil || fi.Size() != s.Bytes {
			t.Errorf("segment %s: %v, size on disk vs listed %d", s.Path, err, s.Bytes)
		}
		out, err := exec.Command(ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", s.Path).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) == "" {
			t.Errorf("ffprobe %s: %v %s", s.Path, err, out)
		}
	}
	var kinds []string
	for _, e := range v.Log {
		kinds = append(kinds, e.Kind)
	}
	for _, k := range []string{"output segment-opened", "output segment-closed"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("log kinds %v: no %q", kinds, k)
		}
	}
	abs, _ := filepath.Abs(dir)
	if got := c.RecordDirs(); !slices.Equal(got, []string{abs}) {
		t.Errorf("RecordDirs %v, want [%s]", got, abs)
	}
	if err := c.RemoveOutput(d.FeedID, 1); err != nil {
		t.Fatal(err)
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "*"+tsrecord.LiveSuffix))
	if len(parts) != 0 {
		t.Errorf("live segments left after the output was removed: %v", parts)
	}
}

// TestDiskFullAlarm: a recording that stopped on a full disk raises the
// disk-full alarm naming the segment; it clears when the recording goes.
func TestDiskFullAlarm(t *testing.T) {
	tests := []struct {
		name     string
		diskFull string
		want     bool
	}{
		{"room", "", false},
		{"full", "/rec/cam1_2026-12-07T07-30-00Z.ts", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAlarms(Thresholds{}) // every other rule off
			changes := a.Observe(Observation{Sample: session.Sample{Time: time.Now(), State: session.StateConnected}, Running: true, DiskFull: tt.diskFull})
			on := len(changes) == 1 && changes[0].Kind == AlarmDiskFull
			if on != tt.want {
				t.Fatalf("changes %+v, want disk-full %v", changes, tt.want)
			}
			if on && (!strings.Contains(changes[0].Detail, tt.diskFull) || AlarmDiskFull.Severity() != HealthAmber) {
				t.Errorf("detail %q severity %s: want the path, amber", changes[0].Detail, AlarmDiskFull.Severity())
			}
		})
	}
}

// TestRecordingViewStates: a recording's stats become its state in words,
// a full disk names the segment, and the output's health follows.
func TestRecordingViewStates(t *testing.T) {
	full := &tsrecord.DiskFullError{Path: "/srv/rec/cam1_2026-12-07T07-30-00Z.ts", Written: 42, Err: syscall.ENOSPC}
	tests := []struct {
		name       string
		st         tsrecord.Stats
		sessState  session.State
		wantState  string
		wantHealth Health
		wantWhy    string
	}{
		{"recording", tsrecord.Stats{State: tsrecord.StateRecording}, session.StateConnected, RecordRecording, HealthGreen, ""},
		{"waiting for bytes", tsrecord.Stats{State: tsrecord.StateIdle}, session.StateConnecting, RecordWaiting, HealthGreen, ""},
		{"disk full", tsrecord.Stats{State: tsrecord.StateFailed, Err: full, Cause: full.Error()}, session.StateDisconnected, RecordDiskFull, HealthRed, "disk full: recording stopped: " + full.Path},
		{"failed", tsrecord.Stats{State: tsrecord.StateFailed, Err: errors.New("EIO"), Cause: "EIO"}, session.StateDisconnected, RecordFailed, HealthRed, "recording stopped: EIO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv := recordingView(session.RecordConfig{Dir: "/srv/rec", Segment: time.Minute}, tt.st)
			if rv.State != tt.wantState || rv.Segment != "1m0s" {
				t.Errorf("view %+v: want state %q, segment 1m0s", *rv, tt.wantState)
			}
			v := OutputView{Index: 1, Recording: rv}
			v.Kind, v.State = session.OutputRecord, tt.sessState
			h, why := v.Health()
			if h != tt.wantHealth || !strings.Contains(why, tt.wantWhy) {
				t.Errorf("health %s (%s), want %s (%s)", h, why, tt.wantHealth, tt.wantWhy)
			}
		})
	}
}
