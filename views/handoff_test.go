package views

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
)

// handoffTexts returns the hand-off rows' headings, URL labels and copy
// buttons.
func handoffTexts(h *handoffPanel) (headings []string, urls []*widget.Label, copies []*widget.Button) {
	for _, o := range test.LaidOutObjects(h.rows) {
		switch v := o.(type) {
		case *widget.Label:
			if v.TextStyle.Bold {
				headings = append(headings, v.Text)
			} else {
				urls = append(urls, v)
			}
		case *widget.Button:
			copies = append(copies, v)
		}
	}
	return headings, urls, copies
}

// Hand-off URLs respect the bind address, carry who can reach them, and
// are readable, selectable text with a copy button each, not disabled
// fields.
func TestHandoffPanel(t *testing.T) {
	tests := []struct {
		name        string
		host        string
		wantReach   []string
		wantNoReach []string
	}{
		{"bound to loopback", "127.0.0.1", []string{app.ReachThisMachine}, []string{app.ReachLAN}},
		{"every address", "", []string{app.ReachThisMachine}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			w := test.NewTempWindow(t, nil)
			h := newHandoffPanel(w)
			w.SetContent(h.content)
			w.Resize(fyne.NewSize(700, 500))
			h.update(app.FeedView{Spec: app.FeedSpec{Config: session.Config{Mode: session.ModeListener, Host: tt.host, Port: 9000, LatencyMs: 200}}})
			headings, urls, copies := handoffTexts(h)
			if len(urls) == 0 || len(urls) != len(copies) || len(urls) != len(headings) {
				t.Fatalf("%d headings, %d URLs, %d copy buttons: want one of each per URL", len(headings), len(urls), len(copies))
			}
			all := strings.Join(headings, "\n")
			for _, r := range tt.wantReach {
				if !strings.Contains(all, r) {
					t.Errorf("headings %q lack %q", all, r)
				}
			}
			for _, r := range tt.wantNoReach {
				if strings.Contains(all, r) {
					t.Errorf("headings %q offer %q for a listener bound to %s", all, r, tt.host)
				}
			}
			for _, u := range urls {
				if !strings.HasPrefix(u.Text, "srt://") || !u.Selectable {
					t.Errorf("URL %q: selectable=%v, want readable selectable srt:// text", u.Text, u.Selectable)
				}
				if u.Size().Width < 200 {
					t.Errorf("URL %q squeezed to %.0f px", u.Text, u.Size().Width)
				}
			}
			for _, o := range test.LaidOutObjects(h.rows) {
				if e, ok := o.(*widget.Entry); ok && e.Disabled() {
					t.Errorf("disabled field %q: a URL must be readable text", e.Text)
				}
			}
			test.Tap(copies[0])
			if got := fyne.CurrentApp().Clipboard().Content(); got != urls[0].Text {
				t.Errorf("copied %q, want %q", got, urls[0].Text)
			}
		})
	}
}
