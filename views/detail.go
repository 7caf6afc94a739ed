package views

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
)

// feedDetail is the right-hand side: one feed in depth.
type feedDetail struct {
	ctrl    *app.Controller
	w       fyne.Window
	content fyne.CanvasObject

	placeholder *widget.Label
	body        *fyne.Container

	id        app.FeedID
	title     *widget.Label
	light     *canvas.Circle
	state     *widget.Label
	figures   *widget.Label
	headroom  *canvas.Text
	alarms    *widget.Label
	ackButton *widget.Button
	runButton *widget.Button
	charts    *chartPanel
	media     *mediaPanel
	events    *eventLog
	handoff   *handoffPanel
	tabs      *container.AppTabs

	// tuneButton opens the latency wizard through onTune (set by the
	// window); wasTuning remembers the run button was disabled for it.
	tuneButton *widget.Button
	onTune     func()
	wasTuning  bool
}

func newFeedDetail(ctrl *app.Controller, w fyne.Window) *feedDetail {
	d := &feedDetail{ctrl: ctrl, w: w}
	d.placeholder = widget.NewLabel("Select a feed on the left, or add one with + (Ctrl+N).")
	d.placeholder.Alignment = fyne.TextAlignCenter

	d.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.light = canvas.NewCircle(colorIdle)
	d.state = widget.NewLabel("")
	d.state.Wrapping = fyne.TextWrapWord
	d.figures = widget.NewLabel("")
	d.figures.Wrapping = fyne.TextWrapWord
	d.headroom = canvas.NewText("", colorGreen)
	d.headroom.TextStyle = fyne.TextStyle{Bold: true}
	d.alarms = widget.NewLabel("")
	d.alarms.Wrapping = fyne.TextWrapWord
	d.ackButton = widget.NewButton("Acknowledge", func() { d.ctrl.Acknowledge(d.id) })
	d.runButton = widget.NewButton("Stop", d.toggleRun)
	d.tuneButton = widget.NewButton("Tune latency…", func() {
		if d.onTune != nil {
			d.onTune()
		}
	})

	header := container.NewVBox(
		container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(18, 18), d.light), container.NewHBox(d.ackButton, d.tuneButton, d.runButton), d.title),
		d.state,
		d.figures,
		container.NewPadded(d.headroom),
		d.alarms,
	)
	d.charts = newChartPanel()
	d.media = newMediaPanel()
	d.events = newEventLog()
	d.handoff = newHandoffPanel(w)
	d.tabs = container.NewAppTabs(
		container.NewTabItem("Charts", d.charts.content),
		container.NewTabItem("Media", d.media.content),
		container.NewTabItem("Events", d.events.content),
		container.NewTabItem("Encoder hand-off", d.handoff.content),
	)
	d.body = container.NewBorder(header, nil, nil, nil, d.tabs)
	d.body.Hide()
	d.content = container.NewStack(container.NewCenter(d.placeholder), d.body)
	return d
}

func (d *feedDetail) toggleRun() {
	id := d.id
	d.runButton.Disable()
	go func() {
		v, _ := d.ctrl.Feed(id)
		var err error
		if v.Running {
			d.ctrl.Stop(id)
		} else {
			err = d.ctrl.Start(id)
		}
		fyne.Do(func() {
			d.runButton.Enable()
			if err != nil {
				showError(d.w, err)
			}
		})
	}()
}

// update shows v (UI goroutine); ok is false when no feed is selected.
func (d *feedDetail) update(v app.FeedView, ok bool) {
	if !ok {
		d.placeholder.Show()
		d.body.Hide()
		d.id = 0
		return
	}
	if d.id != v.ID {
		d.id = v.ID
		d.charts.reset()
		d.media.reset()
	}
	d.placeholder.Hide()
	d.body.Show()
	d.title.SetText(v.Spec.Name)
	c := healthColor(v.Health)
	if !v.Running {
		c = colorIdle
	}
	if d.light.FillColor != c {
		d.light.FillColor = c
		d.light.Refresh()
	}
	d.state.SetText(stateLine(v))
	d.figures.SetText(figuresLine(v))
	d.headroom.Text, d.headroom.Color = headroomLine(v)
	d.headroom.Refresh()
	d.alarms.SetText(alarmLine(v))
	if v.Unacknowledged {
		d.ackButton.Enable()
	} else {
		d.ackButton.Disable()
	}
	if v.Running {
		d.runButton.SetText("Stop")
	} else {
		d.runButton.SetText("Start")
	}
	if v.Tuning {
		d.runButton.Disable()
		d.tuneButton.Disable()
	} else if d.wasTuning {
		d.runButton.Enable()
		d.tuneButton.Enable()
	}
	d.wasTuning = v.Tuning
	d.charts.update(v)
	d.media.update(v)
	d.events.update(v)
	d.handoff.update(v)
}

func stateLine(v app.FeedView) string {
	cfg := v.Spec.Config
	enc := "not encrypted"
	if cfg.Passphrase != "" {
		enc = fmt.Sprintf("AES-%d encrypted", 8*keyLen(cfg.PBKeyLen))
	}
	if v.Tuning {
		return fmt.Sprintf("Latency wizard running: the feed reconnects at each step · %s on %s · %s", cfg.Mode, cfg.Address(), enc)
	}
	if !v.Running {
		return fmt.Sprintf("Stopped · %s on %s · %s", cfg.Mode, cfg.Address(), enc)
	}
	s := v.Sample
	peer := s.Peer
	if peer == "" {
		peer = "no peer yet"
	}
	up := ""
	if !v.ConnectedSince.IsZero() {
		up = " for " + time.Since(v.ConnectedSince).Round(time.Second).String()
	}
	line := fmt.Sprintf("%s%s · %s %s · peer %s · %s", s.State, up, cfg.Mode, cfg.Address(), peer, enc)
	if v.LastError != "" && s.State != "connected" {
		line += "\n" + v.LastError
	}
	return line
}

func keyLen(n int) int {
	if n == 0 {
		return 16
	}
	return n
}

func figuresLine(v app.FeedView) string {
	s := v.Sample
	return fmt.Sprintf("%.2f Mbit/s · RTT %.1f ms · latency %d ms · lost %d · recovered %d · dropped %d",
		s.RecvMbps, s.RTTMs, s.LatencyMs, s.PktsLost, s.PktsRetrans, s.PktsDropped)
}

// headroomLine is the RTT multiplier coloured against the loss guidance.
func headroomLine(v app.FeedView) (string, color.Color) {
	a, ok := app.AdviseLatency(v)
	if !ok {
		return "", colorIdle
	}
	return fmt.Sprintf("latency = %.1f× RTT (advised ≥ %d× for %s)", a.Multiplier, a.Advice.Multiplier, a.Loss), healthColor(a.Health)
}

func alarmLine(v app.FeedView) string {
	if len(v.Alarms) == 0 {
		if v.Running {
			return "No alarms."
		}
		return ""
	}
	s := "ALARM: "
	for i, a := range v.Alarms {
		if i > 0 {
			s += " · "
		}
		s += a.Detail
	}
	return s
}
