package views

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestPortForm: the port dialog names the wrong field, hides the
// passphrase, and opens a port whose names become tiles titled "NAME on
// PORT" on the wall.
func TestPortForm(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	url := "srt://127.0.0.1:" + strconv.Itoa(port) + "?mode=listener"
	tests := []struct {
		name, url, names, pass string
		acceptNew              bool
		want                   string // in the problem line; "" = opens
		titles                 []string
	}{
		{name: "no URL", want: "URL (empty): use the port to listen on"},
		{name: "a caller URL", url: "srt://192.0.2.1:9000", names: "cam1", want: "a listener"},
		{name: "no names", url: url, want: "Names (empty): use the streamids to take"},
		{name: "a name with a space", url: url, names: "cam 1, cam2", want: `stream name cam 1: use letters`},
		{name: "a short passphrase", url: url, names: "cam1", pass: "short", want: "passphrase"},
		{name: "names", url: url, names: "cam1, cam2", titles: []string{"cam1 on 127.0.0.1:" + strconv.Itoa(port), "cam2 on 127.0.0.1:" + strconv.Itoa(port)}},
		{name: "accept new", url: url, acceptNew: true, titles: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			w := test.NewTempWindow(t, nil)
			w.Resize(fyne.NewSize(1024, 700))
			ctrl := app.NewController(t.Context(), app.ControllerOptions{})
			t.Cleanup(ctrl.Close)
			opened := false
			form := showPortForm(w, func(spec app.PortSpec, template app.FeedSpec, _ bool) error {
				_, err := ctrl.AddPort(spec, template)
				return err
			}, func() { opened = true })
			settled := make(chan struct{})
			form.settled = func() { close(settled) }
			c := w.Canvas()
			if f, ok := c.Focused().(*field); !ok || f != form.url {
				t.Fatalf("focus on %T, want the URL field", c.Focused())
			}
			if !form.passphrase.Password {
				t.Error("the passphrase field shows what is typed")
			}
			test.Type(form.url, tt.url)
			test.Type(form.names, tt.names)
			test.Type(form.passphrase, tt.pass)
			form.acceptNew.SetChecked(tt.acceptNew)
			form.url.OnSubmitted(form.url.Text)
			if tt.want != "" {
				if !strings.Contains(form.problem.Text, tt.want) {
					t.Errorf("problem %q, want %q", form.problem.Text, tt.want)
				}
				if tt.pass != "" && strings.Contains(form.problem.Text, tt.pass) {
					t.Errorf("the problem line shows the passphrase: %q", form.problem.Text)
				}
				pressEsc(c)
				if c.Overlays().Top() != nil {
					t.Error("Esc did not close the dialog")
				}
				return
			}
			select {
			case <-settled:
			case <-time.After(10 * time.Second):
				t.Fatal("opening the port did not end within 10 s")
			}
			if !opened {
				t.Fatalf("not opened: %q", form.problem.Text)
			}
			var titles []string
			for _, v := range ctrl.Feeds() {
				titles = append(titles, tileStateOf(v).name)
			}
			if strings.Join(titles, "|") != strings.Join(tt.titles, "|") {
				t.Errorf("tiles %q, want %q", titles, tt.titles)
			}
			if ports := ctrl.Ports(); len(ports) != 1 || ports[0].AcceptNew != tt.acceptNew {
				t.Errorf("ports %+v", ports)
			}
		})
	}
}

// TestFeedTitle: a feed on a port is titled with its port everywhere.
func TestFeedTitle(t *testing.T) {
	cfg := session.Config{Mode: session.ModeListener, Port: 9000, StreamID: "cam2"}
	tests := []struct {
		spec app.FeedSpec
		want string
	}{
		{app.FeedSpec{Name: "cam2", Config: cfg, Port: ":9000"}, "cam2 on :9000"},
		{app.FeedSpec{Name: "Stage left", Config: cfg}, "Stage left"},
	}
	for _, tt := range tests {
		v := app.FeedView{Spec: tt.spec}
		if got := feedTitle(v); got != tt.want {
			t.Errorf("feedTitle = %q, want %q", got, tt.want)
		}
		if got := tileStateOf(v).name; got != tt.want {
			t.Errorf("tile name = %q, want %q", got, tt.want)
		}
	}
}

// TestPortsContent: each open port says where it listens, its names, what
// it refused (the refused streamid named in its log), and closes with its
// button.
func TestPortsContent(t *testing.T) {
	test.NewTempApp(t)
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	ports := []app.PortView{
		{Address: ":9000", Names: []string{"cam1", "cam2"}, Listening: true, Encrypted: true, Rejections: 1,
			Log: []app.LogEntry{{Time: at, Kind: "rejected", Detail: `rejected caller 192.0.2.4:5000 with streamid name "cam9": no feed named "cam9" on this port (it accepts cam1, cam2) (REJX_NOTFOUND)`}}},
		{Address: ":9002", AcceptNew: true, LastError: "session: UDP port 9002 is already in use"},
	}
	tests := []struct {
		v    app.PortView
		want string
	}{
		{ports[0], ":9000: listening, encrypted; names cam1, cam2; refused 1 caller"},
		{ports[1], ":9002: not listening: UDP port 9002 is already in use; names any name; refused 0 callers"},
	}
	for _, tt := range tests {
		if got := portSummary(tt.v); got != tt.want {
			t.Errorf("portSummary = %q, want %q", got, tt.want)
		}
	}
	var closed []string
	content := portsContent(ports, func(addr string) { closed = append(closed, addr) })
	w := test.NewTempWindow(t, content)
	w.Resize(fyne.NewSize(760, 520))
	var texts []string
	var buttons []*widget.Button
	walk(content, func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *widget.Label:
			texts = append(texts, o.Text)
		case *widget.Button:
			buttons = append(buttons, o)
		}
	})
	if all := strings.Join(texts, "\n"); !strings.Contains(all, `09:00:00 rejected caller 192.0.2.4:5000 with streamid name "cam9"`) {
		t.Errorf("the dialog does not show the refusal: %q", all)
	}
	if len(buttons) != 2 || buttons[1].Text != "Close port :9002" {
		t.Fatalf("buttons %v", buttons)
	}
	test.Tap(buttons[1])
	if strings.Join(closed, ",") != ":9002" {
		t.Errorf("closed %v", closed)
	}
}

// walk visits o and every object inside it.
func walk(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	visit(o)
	switch o := o.(type) {
	case *fyne.Container:
		for _, c := range o.Objects {
			walk(c, visit)
		}
	case *container.Scroll:
		walk(o.Content, visit)
	}
}
