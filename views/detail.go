package views

import (
	"fmt"
	"image/color"
	"net"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
)

// feedDetail is the right-hand side: one feed in depth.
type feedDetail struct {
	ctrl    *app.Controller
	w       fyne.Window
	content fyne.CanvasObject

	placeholder *widget.Label
	body        *fyne.Container

	id         app.FeedID
	title      *widget.Label
	light      *canvas.Circle
	phase      *canvas.Text // the phase in capitals, in its colour
	phaseRow   *fyne.Container
	status     *widget.Label // where the feed stands and why, in words
	state      *widget.Label // mode, where it listens or calls, peer, encryption
	figures    *widget.Label
	headroom   *widget.Label // wraps: never widens the detail
	buffer     *bufferGauge
	alarms     *widget.Label
	latched    *widget.Label // "had an alarm" until acknowledged; wraps
	latchedRow *fyne.Container
	history    *alarmHistory
	ackButton  *widget.Button
	runButton  *widget.Button
	charts     *chartPanel
	media      *mediaPanel
	events     *eventLog
	handoff    *handoffPanel
	outputs    *outputsPanel
	tabs       *container.AppTabs

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
	d.phase = canvas.NewText("", colorIdle)
	d.phase.TextStyle = fyne.TextStyle{Bold: true}
	d.status = widget.NewLabel("")
	d.status.Wrapping = fyne.TextWrapWord
	d.latched = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.latched.Wrapping = fyne.TextWrapWord
	d.latched.Importance = widget.WarningImportance
	d.state = widget.NewLabel("")
	d.state.Wrapping = fyne.TextWrapWord
	d.figures = widget.NewLabel("")
	d.figures.Wrapping = fyne.TextWrapWord
	d.headroom = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.headroom.Wrapping = fyne.TextWrapWord
	d.buffer = newBufferGauge()
	d.title.Truncation = fyne.TextTruncateEllipsis // a long name never pushes the buttons out
	d.alarms = widget.NewLabel("")
	d.alarms.Wrapping = fyne.TextWrapWord
	d.ackButton = widget.NewButton("Acknowledge", func() { d.ctrl.Acknowledge(d.id) })
	d.runButton = widget.NewButton("Stop", d.toggleRun)
	d.tuneButton = widget.NewButton("Tune latency…", func() {
		if d.onTune != nil {
			d.onTune()
		}
	})

	d.phaseRow = container.NewBorder(nil, nil, container.NewPadded(d.phase), nil, d.status)
	d.latchedRow = container.NewStack(d.latched)
	d.latchedRow.Hide()
	header := container.NewVBox(
		container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(18, 18), d.light), container.NewHBox(d.ackButton, d.tuneButton, d.runButton), d.title),
		d.phaseRow,
		d.state,
		d.figures,
		d.headroom,
		d.buffer.row,
		d.latchedRow,
		d.alarms,
	)
	d.charts = newChartPanel()
	d.media = newMediaPanel()
	d.events = newEventLog()
	d.handoff = newHandoffPanel(w)
	d.history = newAlarmHistory()
	d.outputs = newOutputsPanel(ctrl, w)
	d.tabs = container.NewAppTabs(
		container.NewTabItem("Charts", d.charts.content),
		container.NewTabItem("Media", d.media.content),
		container.NewTabItem("Alarms", d.history.content),
		container.NewTabItem("Events", d.events.content),
		container.NewTabItem("Encoder hand-off", d.handoff.content),
		container.NewTabItem("Outputs", d.outputs.content),
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
	d.title.SetText(feedTitle(v))
	word, pc := phaseLook(v)
	c := pc
	if v.Running && len(v.Alarms) > 0 {
		c = healthColor(v.Health)
	}
	if d.light.FillColor != c {
		d.light.FillColor = c
		d.light.Refresh()
	}
	if d.phase.Text != word || d.phase.Color != pc {
		d.phase.Text, d.phase.Color = word, pc
		d.phaseRow.Refresh() // lays out again for the word's width
	}
	d.status.SetText(statusWords(v))
	if t := latchedLine(v); d.latched.Text != t {
		d.latched.Text = t
		d.latched.Refresh()
		if t == "" {
			d.latchedRow.Hide()
		} else {
			d.latchedRow.Show()
		}
	}
	d.history.update(v)
	d.state.SetText(stateLine(v))
	d.figures.SetText(figuresLine(v))
	// Zeros say nothing before the first packet (waiting, failed to
	// start): the status line above says why there are none.
	showIf(d.figures, v.Status.EverConnected || v.Sample.PktsRecv > 0)
	txt, c := headroomLine(v)
	if imp := healthImportance(c); d.headroom.Text != txt || d.headroom.Importance != imp {
		d.headroom.Text, d.headroom.Importance = txt, imp
		d.headroom.Refresh()
	}
	showIf(d.headroom, txt != "")
	d.buffer.update(v)
	d.alarms.SetText(alarmLine(v))
	if imp := alarmImportance(v); d.alarms.Importance != imp {
		d.alarms.Importance = imp
		d.alarms.Refresh()
	}
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
	d.outputs.update(v)
}

// stateLine is the feed's set-up: its mode, where it listens (the port
// a listener listens on, never a caller's ephemeral port) or whom it
// calls, the peer connected now, and its encryption.
func stateLine(v app.FeedView) string {
	cfg := v.Spec.Config
	enc := "not encrypted"
	if cfg.Passphrase != "" {
		enc = fmt.Sprintf("AES-%d encrypted", 8*keyLen(cfg.PBKeyLen))
	}
	parts := []string{placeWords(v)}
	if v.Status.Peer != "" {
		parts = append(parts, "peer "+v.Status.Peer)
	}
	if v.Status.Phase == app.PhaseConnected && !v.ConnectedSince.IsZero() {
		parts = append(parts, "connected for "+time.Since(v.ConnectedSince).Round(time.Second).String())
	}
	parts = append(parts, enc)
	return strings.Join(parts, " · ")
}

// placeWords says where a feed listens or whom it calls: "listener on
// :9000" (the port it listens on), "caller to 10.0.0.5:9000".
func placeWords(v app.FeedView) string {
	cfg := v.Spec.Config
	if cfg.Mode == session.ModeListener {
		at := v.Status.Listen
		if at == "" {
			at = net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
		}
		return "listener on " + at
	}
	return "caller to " + cfg.Address()
}

// Phase colours: each phase its own, so that waiting for an encoder never
// looks like being connected or like a fault (DESIGN.md section 12).
var (
	colorWaiting    = color.NRGBA{R: 0x4a, G: 0x90, B: 0xe2, A: 0xff} // blue
	colorConnecting = color.NRGBA{R: 0x26, G: 0xb5, B: 0xc9, A: 0xff} // cyan
	colorTuning     = color.NRGBA{R: 0xa7, G: 0x7b, B: 0xe8, A: 0xff} // violet
)

// phaseLook is the phase in one or two capitalised words and its colour.
func phaseLook(v app.FeedView) (string, color.Color) {
	st := v.Status
	if v.Tuning {
		return "TUNING", colorTuning
	}
	if !v.Running && st.Phase != app.PhaseFailed {
		return "STOPPED", colorIdle
	}
	switch st.Phase {
	case app.PhaseFailed:
		return "FAILED TO START", colorRed
	case app.PhaseWaiting:
		if st.WrongPassphrase() {
			return "WRONG PASSPHRASE", colorRed
		}
		if st.Cause != nil {
			return "REJECTING CALLERS", colorRed
		}
		return "WAITING", colorWaiting
	case app.PhaseConnecting:
		return "CONNECTING", colorConnecting
	case app.PhaseReconnecting:
		return "RECONNECTING", colorAmber
	case app.PhaseConnected:
		return "CONNECTED", colorGreen
	case app.PhaseTuning:
		return "TUNING", colorTuning
	}
	return "STOPPED", colorIdle
}

// statusWords is where the feed stands and why, as a sentence.
func statusWords(v app.FeedView) string {
	st := v.Status
	if !v.Running && !v.Tuning && st.Phase != app.PhaseFailed {
		st.Phase = app.PhaseStopped
	}
	if v.Tuning {
		st.Phase = app.PhaseTuning
	}
	words := st.Describe()
	if st.Phase == app.PhaseTuning {
		words += ": the feed reconnects at each step"
	}
	if st.WrongPassphrase() {
		words += ". Give the encoder the same passphrase as this feed"
	}
	return capitalise(words) + "."
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// latchedLine says that an alarm cleared but waits to be acknowledged.
func latchedLine(v app.FeedView) string {
	if !v.HadAlarm || len(v.Alarms) > 0 {
		return ""
	}
	for i := len(v.AlarmHistory) - 1; i >= 0; i-- {
		r := v.AlarmHistory[i]
		if r.Latched() && !r.Active() {
			return fmt.Sprintf("Had an alarm: %s (%s, cleared %s). Acknowledge when seen.", r.Last.Detail, r.Kind, r.Cleared.Format("15:04:05"))
		}
	}
	return "Had an alarm. Acknowledge when seen."
}

// showIf shows o when show holds, else hides it (no empty rows).
func showIf(o fyne.CanvasObject, show bool) {
	if show && !o.Visible() {
		o.Show()
	} else if !show && o.Visible() {
		o.Hide()
	}
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

// alarmImportance colours the alarm line as the worst active alarm: red
// or amber.
func alarmImportance(v app.FeedView) widget.Importance {
	if len(v.Alarms) == 0 {
		return widget.MediumImportance
	}
	if v.Health == app.HealthRed {
		return widget.DangerImportance
	}
	return widget.WarningImportance
}

// healthImportance is the label importance of a traffic-light colour.
func healthImportance(c color.Color) widget.Importance {
	switch c {
	case healthColor(app.HealthRed):
		return widget.DangerImportance
	case healthColor(app.HealthAmber):
		return widget.WarningImportance
	case healthColor(app.HealthGreen):
		return widget.SuccessImportance
	}
	return widget.MediumImportance
}

func alarmLine(v app.FeedView) string {
	if len(v.Alarms) == 0 {
		if v.Running {
			return "No alarms."
		}
		return ""
	}
	s := "ALARM: "
	if len(v.Alarms) > 1 {
		s = "ALARMS: "
	}
	for i, a := range v.Alarms {
		if i > 0 {
			s += " · "
		}
		s += a.Detail
	}
	return s
}
