package views

import (
	"fmt"
	"image/color"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/tsrecord"
	"github.com/srtscope/srtscope/session"
)

// outputsPanel is the detail's Outputs tab: the input's figures on top,
// then a row per output and per puller of a listener output, each with its
// light, state and sender statistics, and the buttons to add and remove
// outputs.
type outputsPanel struct {
	ctrl    *app.Controller
	w       fyne.Window
	content fyne.CanvasObject

	id    app.FeedID
	input *widget.Label
	note  *widget.Label
	rows  *fyne.Container
	keys  []string // what each row stands for: rebuilt only when they change
	items []*outputRow
}

// outputRow is the widgets of one output or puller row.
type outputRow struct {
	light  *canvas.Circle
	title  *widget.Label
	stats  *widget.Label
	remove *widget.Button
}

func newOutputsPanel(ctrl *app.Controller, w fyne.Window) *outputsPanel {
	p := &outputsPanel{ctrl: ctrl, w: w}
	p.input = widget.NewLabel("")
	p.input.Wrapping = fyne.TextWrapWord
	p.note = widget.NewLabel("No outputs: the feed is only watched. Add one to forward it unchanged to a studio (SRT caller), to decoders that pull it (SRT listener) or to UDP, or to record it to disk.")
	p.note.Wrapping = fyne.TextWrapWord
	p.rows = container.NewVBox()
	add := widget.NewButton("Add output…", func() { showAddOutput(p.ctrl, p.w, p.id) })
	add.Importance = widget.HighImportance
	top := container.NewVBox(p.input, widget.NewSeparator())
	p.content = container.NewBorder(top, container.NewHBox(add), nil, nil,
		container.NewVScroll(container.NewVBox(p.note, p.rows)))
	return p
}

// rowKey names a row: the output's index, and the puller's peer.
func rowKey(o app.OutputView, peer string) string {
	return strconv.Itoa(o.Index) + "|" + o.URL + "|" + peer
}

// update shows v's outputs (UI goroutine).
func (p *outputsPanel) update(v app.FeedView) {
	p.id = v.ID
	s := v.Sample
	p.input.SetText(fmt.Sprintf("Input %s: %s · %.2f Mbit/s · RTT %.1f ms · latency %d ms · received %d · dropped %d · skipped by outputs' tee %d bytes",
		v.Spec.Config.RedactedURL(), s.State, s.RecvMbps, s.RTTMs, s.LatencyMs, s.PktsRecv, s.PktsDropped, s.SinkSkippedBytes))
	outs := v.Outputs
	if len(outs) == 0 && len(v.Spec.Outputs) > 0 {
		// Stopped and never run: show the configured outputs.
		for i, oc := range v.Spec.Outputs {
			ov := app.OutputView{Index: i + 1}
			ov.URL, ov.Kind, ov.State = oc.RedactedURL(), oc.Kind, session.StateDisconnected
			outs = append(outs, ov)
		}
	}
	type line struct {
		key   string
		out   app.OutputView
		title string
		stats string
		h     app.Health
		why   string
		isOut bool
	}
	var lines []line
	for _, o := range outs {
		h, why := o.Health()
		lines = append(lines, line{key: rowKey(o, ""), out: o, title: outputTitle(o), stats: outputStats(o, v.Running), h: h, why: why, isOut: true})
		for _, pl := range o.Pullers {
			ph, pwhy := pl.Health()
			lines = append(lines, line{key: rowKey(o, pl.Peer), out: pl, title: "      · puller " + pl.Peer, stats: "      " + outputStats(pl, v.Running), h: ph, why: pwhy})
		}
	}
	showIf(p.note, len(lines) == 0)
	keys := make([]string, len(lines))
	for i, l := range lines {
		keys[i] = l.key
	}
	if !equalStrings(keys, p.keys) {
		p.keys = keys
		p.items = p.items[:0]
		p.rows.RemoveAll()
		for _, l := range lines {
			r := &outputRow{light: canvas.NewCircle(colorIdle), title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), stats: widget.NewLabel("")}
			r.title.Truncation = fyne.TextTruncateEllipsis
			r.stats.Wrapping = fyne.TextWrapWord
			var right fyne.CanvasObject
			if l.isOut && !l.out.PullPoint { // the pull point comes with the port
				index, url := l.out.Index, l.out.URL
				r.remove = widget.NewButton("Remove", func() { p.confirmRemove(index, url) })
				right = r.remove
			}
			head := container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(14, 14), r.light), right, r.title)
			p.rows.Add(container.NewVBox(head, r.stats))
			p.items = append(p.items, r)
		}
	}
	for i, l := range lines {
		r := p.items[i]
		c := healthColor(l.h)
		if !v.Running {
			c = colorIdle
		}
		if r.light.FillColor != c {
			r.light.FillColor = c
			r.light.Refresh()
		}
		r.title.SetText(l.title)
		st := l.stats
		if l.why != "" && v.Running {
			st += "\n" + capitalise(l.why) + "."
		}
		r.stats.SetText(st)
		imp := widget.MediumImportance
		if v.Running {
			imp = healthImportance(c)
			if imp == widget.SuccessImportance {
				imp = widget.MediumImportance
			}
		}
		if r.stats.Importance != imp {
			r.stats.Importance = imp
			r.stats.Refresh()
		}
	}
}

// outputTitle is an output's row title: number, kind and URL (a
// recording's directory).
func outputTitle(o app.OutputView) string {
	kind := map[session.OutputKind]string{session.OutputSRTCaller: "SRT caller", session.OutputSRTListener: "SRT listener (pull)", session.OutputUDP: "UDP",
		session.OutputRecord: "Record to disk"}[o.Kind]
	if o.PullPoint {
		kind = "Pull point on the port (m=request)"
	}
	return fmt.Sprintf("%d · %s · %s", o.Index, kind, o.URL)
}

// recordStats is a recording's state, live segment, bytes and finished
// segments.
func recordStats(o app.OutputView) string {
	r := o.Recording
	state := r.State
	switch {
	case r.State == app.RecordDiskFull:
		state = "disk full: recording stopped in " + r.DiskFullPath
	case r.State == app.RecordFailed && r.Cause != "":
		state = "failed: " + r.Cause
	case r.LivePath() != "":
		state += " to " + filepath.Base(r.LivePath())
	}
	parts := []string{state, fmt.Sprintf("%.2f Mbit/s", o.SendMbps), "written " + byteCount(r.BytesWritten),
		fmt.Sprintf("%d segments finished", len(r.Segments))}
	if n := len(r.Segments); n > 0 {
		parts = append(parts, "last "+filepath.Base(r.Segments[n-1].Path))
	}
	if r.Segment != "" {
		parts = append(parts, "a new segment every "+r.Segment)
	}
	parts = append(parts, fmt.Sprintf("skipped %d bytes", r.SkippedBytes))
	return strings.Join(parts, " · ")
}

// byteCount writes n bytes in decimal units, as disks are labelled.
func byteCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%d bytes", n)
}

// outputStats is an output's (or puller's) state and sender figures.
func outputStats(o app.OutputView, running bool) string {
	state := string(o.State)
	switch {
	case !running:
		return "stopped with the feed"
	case o.Recording != nil:
		return recordStats(o)
	case o.Failed != "":
		return "failed: " + o.Failed
	case o.Kind == session.OutputSRTListener && len(o.Pullers) == 0 && o.State == session.StateConnecting:
		state = "listening, nobody pulling"
	case o.Kind == session.OutputSRTListener && len(o.Pullers) > 0:
		state = fmt.Sprintf("%d pulling", len(o.Pullers))
	case o.State != session.StateConnected && o.Attempt > 0:
		state = fmt.Sprintf("calling (attempt %d)", o.Attempt)
	}
	parts := []string{state}
	if o.Peer != "" && o.Kind != session.OutputSRTListener {
		parts = append(parts, "to "+o.Peer)
	}
	parts = append(parts, fmt.Sprintf("%.2f Mbit/s", o.SendMbps))
	if o.Kind != session.OutputUDP {
		if o.State == session.StateConnected && o.Kind != session.OutputSRTListener || o.Peer != "" {
			parts = append(parts, fmt.Sprintf("RTT %.1f ms", o.RTTMs), fmt.Sprintf("buffer %.0f ms", o.SndBufMs), fmt.Sprintf("flight %d", o.FlightPkts))
		}
		parts = append(parts, fmt.Sprintf("sent %d", o.PktsSent), fmt.Sprintf("retrans %d", o.PktsRetransSent),
			fmt.Sprintf("NAKs %d", o.NaksRecv), fmt.Sprintf("send-dropped %d", o.PktsSendDropped))
	} else {
		parts = append(parts, fmt.Sprintf("sent %d datagrams", o.PktsSent))
	}
	parts = append(parts, fmt.Sprintf("skipped %d bytes", o.SkippedBytes))
	return strings.Join(parts, " · ")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// confirmRemove asks before removing output index of the feed.
func (p *outputsPanel) confirmRemove(index int, url string) {
	id := p.id
	showConfirm("Remove output", fmt.Sprintf("Stop forwarding to output %d (%s) and remove it?", index, url), func(ok bool) {
		if !ok {
			return
		}
		go func() {
			err := p.ctrl.RemoveOutput(id, index)
			if err != nil {
				fyne.Do(func() { showError(p.w, err) })
			}
		}()
	}, p.w)
}

// recordOutputConfig is the record output of the dialog's directory and
// segment length ("" for the default 10m); the error names the field,
// the value and what is allowed.
func recordOutputConfig(dir, segment string) (session.OutputConfig, error) {
	cfg := session.OutputConfig{Kind: session.OutputRecord, Record: session.RecordConfig{Dir: strings.TrimSpace(dir)}}
	if seg := strings.TrimSpace(segment); seg != "" {
		b, err := tsrecord.ParseSegment(seg)
		if err != nil {
			return cfg, &session.FieldError{Field: "segment", Value: strconv.Quote(seg), Allowed: "a duration from 1s to 24h (10m, 30s) or a size from 1MB to 1TB (500MB, 2GiB)"}
		}
		cfg.Record.Segment, cfg.Record.SegmentBytes = b.Duration, b.Bytes
	}
	return cfg, cfg.Validate()
}

// Choices of the add dialog.
const (
	addSend   = "Send to a URL (SRT or UDP)"
	addRecord = "Record to disk"
)

// showAddOutput asks for an output URL, or a directory and segment length
// to record to, checks them as they are typed, and adds the output to the
// feed (a running feed starts it at once).
func showAddOutput(ctrl *app.Controller, w fyne.Window, id app.FeedID) {
	url := newField()
	url.SetPlaceHolder("srt://ingest.example.net:9000?streamid=studio  ·  srt://:9100  ·  udp://239.1.1.1:5000?ttl=4")
	problem := widget.NewLabel("")
	problem.Wrapping = fyne.TextWrapWord
	problem.Importance = widget.DangerImportance
	help := widget.NewLabel("srt://HOST:PORT calls a studio or cloud ingest (its own latency, passphrase and streamid, as for inputs); " +
		"srt://:PORT lets decoders, vMix, OBS or ffmpeg pull the feed, several at once; udp://HOST:PORT sends plain UDP, unicast or multicast (?ttl=N).")
	help.Wrapping = fyne.TextWrapWord
	dir, segment := newField(), newField()
	dir.SetPlaceHolder("/srv/recordings/cam1")
	segment.SetPlaceHolder("10m (the default) · 30s · 1h · 500MB · 2GiB")
	recHelp := widget.NewLabel("The feed's TS is written unchanged to the directory in segments named by feed and start time (UTC), " +
		"cam1_2026-12-07T07-30-00Z.ts; the live one ends in .ts.part. Each segment starts at a picture a decoder can show and plays on its own. " +
		"The retention in Settings (keep days, max MB) also prunes these segments.")
	recHelp.Wrapping = fyne.TextWrapWord
	choice := widget.NewRadioGroup([]string{addSend, addRecord}, nil)
	choice.Horizontal = true
	choice.SetSelected(addSend)
	sendForm := widget.NewForm(widget.NewFormItem("Output URL", url))
	var recForm *widget.Form
	var d dialog.Dialog
	var add *widget.Button
	check := func() (session.OutputConfig, bool) {
		if choice.Selected == addRecord {
			cfg, err := recordOutputConfig(dir.Text, segment.Text)
			if err != nil {
				problem.Importance = widget.DangerImportance
				problem.SetText(errorText(err))
				return cfg, false
			}
			problem.SetText("")
			return cfg, true
		}
		cfg, notes, err := session.ParseOutputURL(url.Text)
		if err != nil {
			problem.Importance = widget.DangerImportance
			problem.SetText(errorText(err))
			return cfg, false
		}
		problem.Importance = widget.MediumImportance
		problem.SetText(strings.Join(notes, "\n"))
		return cfg, true
	}
	recheck := func(string) {
		if _, ok := check(); ok {
			add.Enable()
		} else {
			add.Disable()
		}
	}
	url.OnChanged, dir.OnChanged, segment.OnChanged = recheck, recheck, recheck
	add = widget.NewButton("Add output", func() {
		cfg, ok := check()
		if !ok {
			return
		}
		add.Disable()
		go func() {
			err := ctrl.AddOutput(id, cfg)
			fyne.Do(func() {
				add.Enable()
				if err != nil {
					problem.Importance = widget.DangerImportance
					problem.SetText(errorText(err))
					return
				}
				d.Hide()
			})
		}()
	})
	add.Importance = widget.HighImportance
	add.Disable()
	url.OnSubmitted = func(string) { add.OnTapped() }
	segment.OnSubmitted = url.OnSubmitted
	browse := widget.NewButton("Choose…", func() {
		dialog.ShowFolderOpen(func(u fyne.ListableURI, err error) {
			if err == nil && u != nil {
				dir.SetText(u.Path())
			}
		}, w)
	})
	recForm = widget.NewForm(widget.NewFormItem("Directory", container.NewBorder(nil, nil, nil, browse, dir)), widget.NewFormItem("Segment length", segment))
	choice.OnChanged = func(string) {
		rec := choice.Selected == addRecord
		showIf(sendForm, !rec)
		showIf(help, !rec)
		showIf(recForm, rec)
		showIf(recHelp, rec)
		recheck("")
	}
	showIf(recForm, false)
	showIf(recHelp, false)
	body := container.NewBorder(nil, container.NewHBox(widget.NewButton("Cancel", func() { d.Hide() }), add), nil, nil,
		container.NewVBox(choice, sendForm, recForm, problem, help, recHelp))
	d = dialog.NewCustomWithoutButtons("Add output", body, w)
	d.Resize(dialogSize(w, fyne.NewSize(720, 320)))
	showDialog(d, w, url)
}

// outputBadge is the wall tile's marker for the feed's worst unhealthy
// output ("OUT 2"), and its reason; "" when every output is fine.
func outputBadge(v app.FeedView) (string, string, color.Color) {
	if !v.Running {
		return "", "", nil
	}
	h, why, idx := app.WorstOutput(v.Outputs)
	if h == app.HealthGreen {
		return "", "", nil
	}
	return "OUT " + strconv.Itoa(idx), fmt.Sprintf("output %d: %s", idx, why), healthColor(h)
}
