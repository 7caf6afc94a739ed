package views

import (
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
		Programs: []probe.Program{{Number: 1, PMTPID: 4096, Streams: []probe.Stream{
			{PID: 256, Kind: probe.KindVideo, Codec: "h264", Width: 1920, Height: 1080, FPS: 50, Profile: "High", Level: "4.2", NoParameterSets: noSPS},
			{PID: 257, Kind: probe.KindAudio, Codec: "aac", SampleRate: 48000, Channels: 2, Profile: "LC", Language: "eng"},
			{PID: 258, Kind: probe.KindAudio, Codec: "mp2", SampleRate: 48000, Channels: 2, Language: "deu"},
		}}},
		PIDs: []probe.PIDStats{{PID: 256, BitrateBps: 12_345_678}, {PID: 257, BitrateBps: 192_000, CCErrors: 12345}, {PID: 258, BitrateBps: 256_000}},
	}
	if noSPS {
		r.Programs[0].Streams[0].Width, r.Programs[0].Streams[0].Height, r.Programs[0].Streams[0].FPS = 0, 0, 0
	}
	return app.FeedView{ID: 1, Running: true, Spec: app.FeedSpec{Name: "Stage left camera", Config: listenerCfg},
		Status:     app.FeedStatus{Phase: app.PhaseConnected, Listen: ":9000", Peer: "192.168.1.20:53211"},
		Inspection: &r, MediaAnalysis: "ffmpeg", Levels: &media.Levels{RMSdB: []float64{-18.5, -20.25}, PeakdB: []float64{-6, -7.5}}}
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
		})
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
