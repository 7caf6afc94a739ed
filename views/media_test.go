package views

import (
	"image/color"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/media"
)

// mediaFeed is a connected feed with a full inspection and stereo levels.
func mediaFeed(noSPS bool) app.FeedView {
	r := probe.Report{
		Programs: []probe.Program{{Number: 1, PMTPID: 4096, ServiceName: "Main Stage", ProviderName: "Festival TV", Streams: []probe.Stream{
			{PID: 256, Kind: probe.KindVideo, Codec: "h264", Width: 1920, Height: 1080, FPS: 50, Profile: "High", Level: "4.2", NoParameterSets: noSPS},
			{PID: 257, Kind: probe.KindAudio, Codec: "aac", SampleRate: 48000, Channels: 2, Profile: "LC", Language: "eng"},
			{PID: 258, Kind: probe.KindAudio, Codec: "mp2", SampleRate: 48000, Channels: 2, Language: "deu"},
		}}},
		PIDs: []probe.PIDStats{{PID: 256, BitrateBps: 12_345_678}, {PID: 257, BitrateBps: 192_000, CCErrors: 12345}, {PID: 258, BitrateBps: 256_000}},
		Cues: []probe.Cue{
			{PID: 500, Command: "splice_insert", EventID: 1001, OutOfNetwork: true, PTSS: 12.5, DurationS: 30, PrerollS: 4, ArrivalS: 8.5, AutoReturn: true},
			{PID: 500, Command: "time_signal", EventID: 4294967295, PTSS: 43.25, PrerollS: 2.5, ArrivalS: 40.75, Segmentation: "Provider Advertisement End", Repeats: 3},
		},
	}
	if noSPS {
		r.Programs[0].Streams[0].Width, r.Programs[0].Streams[0].Height, r.Programs[0].Streams[0].FPS = 0, 0, 0
	}
	return app.FeedView{ID: 1, Running: true, Spec: app.FeedSpec{Name: "Stage left camera", Config: listenerCfg},
		Status:     app.FeedStatus{Phase: app.PhaseConnected, Listen: ":9000", Peer: "192.168.1.20:53211"},
		Inspection: &r, MediaAnalysis: "ffmpeg", Levels: &media.Levels{RMSdB: []float64{-18.5, -20.25}, PeakdB: []float64{-6, -7.5}},
		Loudness: []media.Loudness{
			{PID: 257, MomentaryLUFS: -21.4, ShortTermLUFS: -22.8, IntegratedLUFS: -23.1, RangeLU: 6.2, TruePeakDBTP: -1.25, MomentaryMaxLUFS: -14.9},
			{PID: 258, MomentaryLUFS: -12.0, ShortTermLUFS: -13.5, IntegratedLUFS: -14.2, RangeLU: 3.1, TruePeakDBTP: 0.4, MomentaryMaxLUFS: -9.5},
		}}
}

// At the 1024x700 minimum, with the feed list beside the detail, every
// column of the PID table (bitrate and CC errors included) and the audio
// meters lie inside the window, at their full width.
func TestMediaTabFitsAt1024x700(t *testing.T) {
	tests := []struct {
		name  string
		size  fyne.Size
		split float64
	}{
		{"1024x700, list at 30%", fyne.NewSize(1024, 700), 0.3},
		{"1024x700, list at 40%", fyne.NewSize(1024, 700), 0.4},
		{"1440x900", fyne.NewSize(1440, 900), 0.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			w := test.NewTempWindow(t, nil)
			d := newFeedDetail(nil, w)
			split := container.NewHSplit(widget.NewLabel("feed list"), d.content)
			split.Offset = tt.split
			w.SetContent(split)
			w.Resize(tt.size)
			d.update(mediaFeed(false), true)
			d.tabs.SelectIndex(1)
			d.update(mediaFeed(false), true)
			win := w.Canvas().Size()
			root := w.Content()
			inside := func(what string, o fyne.CanvasObject, full bool) {
				t.Helper()
				pos, ok := absPos(root, o, fyne.Position{})
				if !ok {
					t.Fatalf("%s is not on screen", what)
				}
				sz := o.Size()
				if pos.X < 0 || pos.X+sz.Width > win.Width+0.5 {
					t.Errorf("%s at x %.0f..%.0f, outside the %.0f wide window", what, pos.X, pos.X+sz.Width, win.Width)
				}
				if full && sz.Width+0.5 < o.MinSize().Width {
					t.Errorf("%s %.0f wide, cut from %.0f", what, sz.Width, o.MinSize().Width)
				}
			}
			cells := d.media.pidTable.Objects
			if len(cells) != 4*len(pidColumns) {
				t.Fatalf("%d cells in the PID table, want %d", len(cells), 4*len(pidColumns))
			}
			for i, c := range cells {
				l := c.(*widget.Label)
				inside("PID table "+pidColumns[i%len(pidColumns)]+" "+l.Text, c, i%len(pidColumns) < len(pidColumns)-1)
			}
			if got := cells[len(pidColumns)+3].(*widget.Label).Text; got != "12346" {
				t.Errorf("video kbit/s %q, want 12346", got)
			}
			if got := cells[2*len(pidColumns)+4].(*widget.Label).Text; got != "12345" {
				t.Errorf("audio CC errors %q, want 12345", got)
			}
			if len(d.media.bars) != 2 {
				t.Fatalf("%d meters, want 2", len(d.media.bars))
			}
			for i, b := range d.media.bars {
				inside("meter bar", b, false)
				inside("meter text", d.media.meterText[i], true)
				if b.Size().Width < 100 {
					t.Errorf("meter %d only %.0f wide", i, b.Size().Width)
				}
			}
			inside("thumbnail", d.media.thumb, true)
			if len(d.media.loudMeters) != 2 {
				t.Fatalf("%d loudness meters, want 2", len(d.media.loudMeters))
			}
			for _, lm := range d.media.loudMeters {
				for _, b := range []*lufsBar{lm.m, lm.s} {
					inside("loudness bar", b, false)
					if b.Size().Width < 100 {
						t.Errorf("loudness bar only %.0f wide", b.Size().Width)
					}
				}
				inside("momentary reading", lm.mText, true)
				inside("short-term reading", lm.sText, true)
				inside("loudness heading", lm.head, false)
				inside("loudness figures", lm.figures, false)
			}
			cues := d.media.cueTable.Objects
			if len(cues) != 3*len(cueColumns) {
				t.Fatalf("%d cells in the cue list, want %d", len(cues), 3*len(cueColumns))
			}
			for i, c := range cues {
				inside("cue list "+cueColumns[i%len(cueColumns)]+" "+c.(*widget.Label).Text, c, i%len(cueColumns) < len(cueColumns)-1)
			}
		})
	}
}

// The media panel shows each audio PID's loudness against the feed's
// target, in colour, with the alarm in words; the latest cues newest first;
// and the programme's service and provider as its title.
func TestMediaShowsLoudnessCuesAndService(t *testing.T) {
	tests := []struct {
		name     string
		target   float64 // the feed's configured target, 0: default
		alarm    bool
		wantHead string
		wantS    color.Color // short-term colour of PID 257
	}{
		{"EBU default", 0, false, "target -23 LUFS ± 3 LU", colorGreen},
		{"streaming target", -16, false, "target -16 LUFS ± 3 LU", colorAmber},
		{"too quiet alarm", -16, true, "TOO QUIET", colorAmber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			m := newMediaPanel()
			v := mediaFeed(false)
			v.Spec.Thresholds = app.DefaultThresholds()
			if tt.target != 0 {
				v.Spec.Thresholds.LoudnessTargetLUFS = tt.target
			}
			if tt.alarm {
				v.Alarms = []app.AlarmChange{{Kind: app.AlarmTooQuiet, Detail: "too quiet: -22.8 LUFS against -16"}}
			}
			m.update(v)
			if !m.loudBox.Visible() || len(m.loudMeters) != 2 {
				t.Fatalf("loudness shown %v with %d meters", m.loudBox.Visible(), len(m.loudMeters))
			}
			lm := m.loudMeters[0]
			for _, want := range []string{"PID 257", "aac eng", tt.wantHead} {
				if !strings.Contains(lm.head.Text, want) {
					t.Errorf("heading %q does not say %q", lm.head.Text, want)
				}
			}
			if tt.alarm != (lm.head.Importance == widget.WarningImportance) {
				t.Errorf("heading importance %v with alarm %v", lm.head.Importance, tt.alarm)
			}
			for _, want := range []string{"integrated -23.1 LUFS", "range 6.2 LU", "true peak -1.2 dBTP", "momentary max -14.9 LUFS"} {
				if !strings.Contains(lm.figures.Text, want) {
					t.Errorf("figures %q do not say %q", lm.figures.Text, want)
				}
			}
			if lm.sText.Text != "short-term -22.8 LUFS" || lm.sText.Color != tt.wantS {
				t.Errorf("short-term %q in %v, want %v", lm.sText.Text, lm.sText.Color, tt.wantS)
			}
			if lm.mText.Text != "momentary  -21.4 LUFS" {
				t.Errorf("momentary %q", lm.mText.Text)
			}
			if got := m.loudMeters[1].sText.Color; got != color.Color(colorAmber) && tt.target == 0 {
				t.Errorf("PID 258 at -13.5 against -23 in %v, want amber", got)
			}
			if !m.cueBox.Visible() {
				t.Fatal("cues hidden")
			}
			texts := func(from int) []string {
				var out []string
				for _, c := range m.cueTable.Objects[from : from+len(cueColumns)] {
					out = append(out, c.(*widget.Label).Text)
				}
				return out
			}
			newest, older := texts(len(cueColumns)), texts(2*len(cueColumns))
			if got := strings.Join(newest[:6], "|"); got != "43.250 s|time_signal|4294967295|in|–|2.5 s" {
				t.Errorf("newest cue %q", got)
			}
			if got := strings.Join(older[:6], "|"); got != "12.500 s|splice_insert|1001|OUT|30.0 s|4.0 s" {
				t.Errorf("older cue %q", got)
			}
			if !strings.Contains(newest[6], "Provider Advertisement End") || !strings.Contains(older[6], "auto return") {
				t.Errorf("details %q / %q", newest[6], older[6])
			}
			if !m.titles.Visible() || m.titles.Text != "Programme 1: Main Stage (Festival TV)" {
				t.Errorf("title %q (shown %v)", m.titles.Text, m.titles.Visible())
			}
		})
	}
}

// A feed without loudness or cues shows neither section.
func TestMediaHidesLoudnessAndCuesWithout(t *testing.T) {
	test.NewTempApp(t)
	m := newMediaPanel()
	v := mediaFeed(false)
	v.Loudness, v.Inspection.Cues = nil, nil
	m.update(v)
	if m.loudBox.Visible() || m.cueBox.Visible() {
		t.Errorf("loudness shown %v, cues shown %v", m.loudBox.Visible(), m.cueBox.Visible())
	}
}

// A stream without parameter sets says so and how to fix the encoder,
// instead of a blank resolution.
func TestMediaSaysWhenNoParameterSets(t *testing.T) {
	tests := []struct {
		name  string
		noSPS bool
		want  []string
	}{
		{"with SPS", false, nil},
		{"no SPS", true, []string{"no SPS/PPS", "repeat them with every keyframe", "repeat-headers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			m := newMediaPanel()
			m.update(mediaFeed(tt.noSPS))
			if m.paramNote.Visible() != tt.noSPS {
				t.Errorf("note shown=%v, want %v", m.paramNote.Visible(), tt.noSPS)
			}
			for _, w := range tt.want {
				if !strings.Contains(m.paramNote.Text, w) {
					t.Errorf("note %q does not say %q", m.paramNote.Text, w)
				}
			}
			details := m.pidTable.Objects[2*len(pidColumns)-1].(*widget.Label).Text
			if tt.noSPS != strings.Contains(details, "no SPS/PPS") || (!tt.noSPS && !strings.Contains(details, "1920x1080")) {
				t.Errorf("video details %q", details)
			}
		})
	}
}

// absPos finds target under o (whose parent is at origin) and returns its
// position in the window.
func absPos(o, target fyne.CanvasObject, origin fyne.Position) (fyne.Position, bool) {
	if !o.Visible() {
		return fyne.Position{}, false
	}
	at := origin.Add(o.Position())
	if o == target {
		return at, true
	}
	var kids []fyne.CanvasObject
	switch v := o.(type) {
	case *fyne.Container:
		kids = v.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(v).Objects()
	}
	for _, k := range kids {
		if p, ok := absPos(k, target, at); ok {
			return p, true
		}
	}
	return fyne.Position{}, false
}
