package views

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // thumbnails arrive as JPEG
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/probe"
)

// mediaPanel shows what is inside the feed: thumbnail, audio levels,
// loudness per audio PID, the latest SCTE-35 cues, programs and PIDs,
// TR 101 290 counters and black/freeze/silence state.
type mediaPanel struct {
	content fyne.CanvasObject

	thumb     *canvas.Image
	thumbLen  int
	note      *widget.Label
	mediaLine *widget.Label
	meters    *fyne.Container
	bars      []*widget.ProgressBar
	meterText []*widget.Label
	peakHold  []float64
	peakAt    []time.Time
	streams   *widget.Label   // a note above the PID table ("No programs found yet.")
	pidTable  *fyne.Container // PID, kind, codec, kbit/s, CC, details: one row each
	paramNote *widget.Label   // the encoder sends no SPS/PPS: how to fix it
	pidShown  string
	trGrid    *fyne.Container
	// Loudness per audio PID and the latest SCTE-35 cues (issue 16).
	loudBox    *fyne.Container
	loudList   *fyne.Container
	loudMeters []*loudnessMeter
	cueBox     *fyne.Container
	cueNote    *widget.Label
	cueTable   *fyne.Container
	cuesShown  string
	titles     *widget.Label // the programmes' service and provider names
	trTexts    []*canvas.Text
	trLast     []uint64
	trMoved    []time.Time
}

// trNames are the TR 101 290 counters in priority order, as shown.
var trNames = []string{
	"TS sync loss", "Sync byte", "PAT", "Continuity", "PMT", "PID",
	"Transport", "CRC", "PCR repetition", "PCR discontinuity", "PTS",
}

func trValues(t probe.TR101290) []uint64 {
	return []uint64{t.TSSyncLoss, t.SyncByteError, t.PATError, t.CCError, t.PMTError, t.PIDError,
		t.TransportError, t.CRCError, t.PCRRepetitionError, t.PCRDiscontinuityError, t.PTSError}
}

func newMediaPanel() *mediaPanel {
	m := &mediaPanel{}
	m.thumb = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 16, 9)))
	m.thumb.FillMode = canvas.ImageFillContain
	m.thumb.SetMinSize(fyne.NewSize(256, 144))
	m.note = widget.NewLabel("")
	m.note.Wrapping = fyne.TextWrapWord
	m.mediaLine = widget.NewLabel("")
	m.mediaLine.Wrapping = fyne.TextWrapWord
	m.meters = container.NewVBox()
	m.streams = widget.NewLabel("")
	m.streams.Wrapping = fyne.TextWrapWord
	m.pidTable = container.New(&pidTableLayout{cols: len(pidColumns)})
	m.paramNote = widget.NewLabel("")
	m.paramNote.Wrapping = fyne.TextWrapWord
	m.paramNote.Importance = widget.WarningImportance
	m.paramNote.Hide()
	m.trGrid = container.NewGridWithColumns(3)
	for _, n := range trNames {
		t := canvas.NewText(n+": 0", theme.Color(theme.ColorNameForeground))
		m.trTexts = append(m.trTexts, t)
		m.trGrid.Add(t)
	}
	m.trLast = make([]uint64, len(trNames))
	m.trMoved = make([]time.Time, len(trNames))
	m.loudList = container.NewVBox()
	m.loudBox = container.NewVBox(widget.NewLabelWithStyle("Loudness (EBU R128, LUFS: bars -60..0, line at the target, green within the tolerance)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), m.loudList)
	m.loudBox.Objects[0].(*widget.Label).Wrapping = fyne.TextWrapWord
	m.loudBox.Hide()
	m.cueNote = widget.NewLabel("")
	m.cueNote.Wrapping = fyne.TextWrapWord
	m.cueTable = container.New(&pidTableLayout{cols: len(cueColumns)})
	m.cueBox = container.NewVBox(widget.NewLabelWithStyle("SCTE-35 cues", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), m.cueNote, m.cueTable)
	m.cueBox.Hide()
	m.titles = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	m.titles.Wrapping = fyne.TextWrapWord
	m.titles.Hide()
	// One column that scrolls down, never sideways: the picture with the
	// sound beside it, then the PID table (its figures first, the long
	// details last, so they are what gets cut short), then TR 101 290.
	audio := container.NewVBox(m.mediaLine, widget.NewLabelWithStyle("Audio levels (dBFS)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), m.meters, m.note)
	top := container.NewBorder(nil, nil, container.NewVBox(m.thumb), nil, audio)
	body := container.NewVBox(
		top,
		m.loudBox,
		m.cueBox,
		widget.NewLabelWithStyle("Programs, streams and PIDs", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		m.titles, m.paramNote, m.streams, m.pidTable,
		widget.NewLabelWithStyle("ETSI TR 101 290 (red: moved in the last 10 s)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), m.trGrid,
	)
	// Keep the meters and the table clear of the scroll bar on the right.
	m.content = container.NewVScroll(container.New(layout.NewCustomPaddedLayout(0, 0, 0, 2*theme.ScrollBarSize()), body))
	return m
}

func (m *mediaPanel) reset() {
	m.thumbLen = 0
	m.thumb.Image = image.NewRGBA(image.Rect(0, 0, 16, 9))
	m.thumb.Refresh()
	m.meters.RemoveAll()
	m.bars, m.meterText, m.peakHold, m.peakAt = nil, nil, nil, nil
	m.pidTable.RemoveAll()
	m.pidShown = ""
	m.paramNote.Hide()
	for i := range m.trLast {
		m.trLast[i], m.trMoved[i] = 0, time.Time{}
	}
	m.loudList.RemoveAll()
	m.loudMeters = nil
	m.loudBox.Hide()
	m.cueTable.RemoveAll()
	m.cuesShown = ""
	m.cueBox.Hide()
	m.titles.Hide()
}

func (m *mediaPanel) update(v app.FeedView) {
	if len(v.Thumbnail) > 0 && len(v.Thumbnail) != m.thumbLen {
		if img, _, err := image.Decode(bytes.NewReader(v.Thumbnail)); err == nil {
			m.thumb.Image = img
			m.thumb.Refresh()
			m.thumbLen = len(v.Thumbnail)
		}
	}
	switch v.MediaAnalysis {
	case "":
		m.note.SetText("Media analysis is off for this feed.")
	default:
		m.note.SetText(v.MediaNote)
	}
	m.mediaLine.SetText(mediaState(v))
	m.updateLevels(v)
	m.updateLoudness(v)
	if v.Inspection != nil {
		m.updatePIDs(*v.Inspection)
		m.updateCues(*v.Inspection)
		m.updateTR(v.Inspection.TR101290)
		setLabel(m.titles, programmeTitles(*v.Inspection))
	} else {
		m.streams.SetText("No stream inspection yet.")
		m.streams.Show()
	}
}

func mediaState(v app.FeedView) string {
	state := map[app.AlarmKind]string{}
	for _, a := range v.Alarms {
		state[a.Kind] = a.Detail
	}
	words := []string{}
	for _, k := range []struct {
		kind app.AlarmKind
		ok   string
	}{{app.AlarmBlack, "picture not black"}, {app.AlarmFreeze, "picture moving"}, {app.AlarmSilence, "sound present"}} {
		if d, on := state[k.kind]; on {
			words = append(words, strings.ToUpper(d))
		} else {
			words = append(words, k.ok)
		}
	}
	if v.MediaAnalysis == "bitstream-only" {
		words[0], words[1] = "black: needs ffmpeg", "freeze: needs ffmpeg"
	}
	return strings.Join(words, " · ")
}

// updateLevels shows one meter per channel, -60..0 dBFS, with a 2 s peak hold.
func (m *mediaPanel) updateLevels(v app.FeedView) {
	if v.Levels == nil {
		return
	}
	l := v.Levels
	for len(m.bars) < len(l.RMSdB) {
		b := widget.NewProgressBar()
		b.TextFormatter = func() string { return "" }
		t := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		m.bars = append(m.bars, b)
		m.meterText = append(m.meterText, t)
		m.peakHold = append(m.peakHold, -144)
		m.peakAt = append(m.peakAt, time.Time{})
		m.meters.Add(container.NewVBox(t, b)) // the words above the bar: no fixed width beside it
	}
	now := time.Now()
	for i, rms := range l.RMSdB {
		peak := rms
		if i < len(l.PeakdB) {
			peak = l.PeakdB[i]
		}
		if peak >= m.peakHold[i] || now.Sub(m.peakAt[i]) > 2*time.Second {
			m.peakHold[i], m.peakAt[i] = peak, now
		}
		m.bars[i].SetValue(meterFraction(rms))
		m.meterText[i].SetText(fmt.Sprintf("ch%d  %.1f dB · peak %.1f dB", i+1, clampDB(rms), clampDB(m.peakHold[i])))
	}
}

func clampDB(db float64) float64 {
	if db < -99.9 {
		return -99.9
	}
	return db
}

func meterFraction(db float64) float64 {
	f := (db + 60) / 60
	if f < 0 {
		return 0
	}
	if f > 1 {
		return 1
	}
	return f
}

func (m *mediaPanel) updateTR(t probe.TR101290) {
	now := time.Now()
	for i, val := range trValues(t) {
		if val != m.trLast[i] {
			m.trLast[i], m.trMoved[i] = val, now
		}
		c := theme.Color(theme.ColorNameForeground)
		if !m.trMoved[i].IsZero() && now.Sub(m.trMoved[i]) < 10*time.Second {
			c = colorRed
		}
		txt := fmt.Sprintf("%s: %d", trNames[i], val)
		if m.trTexts[i].Text != txt || m.trTexts[i].Color != c {
			m.trTexts[i].Text, m.trTexts[i].Color = txt, c
			m.trTexts[i].Refresh()
		}
	}
}

// pidColumns are the PID table's headings; the last, the details, takes
// the width left and is cut short first.
var pidColumns = []string{"PID", "Kind", "Codec", "kbit/s", "CC errors", "Details"}

// pidRows is the PID table's cells, one row per stream, with the program
// it belongs to in the details of its first row.
func pidRows(r probe.Report) [][]string {
	rates := map[uint16]probe.PIDStats{}
	for _, p := range r.PIDs {
		rates[p.PID] = p
	}
	var rows [][]string
	for _, p := range r.Programs {
		for i, s := range p.Streams {
			d := s.Details(false)
			if s.NoParameterSets {
				d = "resolution unknown: no SPS/PPS in the stream"
			}
			if i == 0 {
				name := ""
				if p.ServiceName != "" {
					name = strconv.Quote(p.ServiceName) + " "
				}
				d = fmt.Sprintf("%sprogram %d (PMT %d) · %s", name, p.Number, p.PMTPID, d)
			}
			rows = append(rows, []string{strconv.Itoa(int(s.PID)), s.Kind, s.Codec,
				fmt.Sprintf("%.0f", rates[s.PID].BitrateBps/1000), strconv.FormatUint(rates[s.PID].CCErrors, 10), d})
		}
	}
	return rows
}

// parameterSetsAdvice says what to do when a video stream carries no
// parameter sets; "" when every stream has them.
func parameterSetsAdvice(r probe.Report) string {
	for _, p := range r.Programs {
		for _, s := range p.Streams {
			if s.NoParameterSets {
				return fmt.Sprintf("PID %d (%s): the encoder sends no SPS/PPS in the stream, so the resolution is unknown and a decoder that joins late shows nothing. "+
					"Set it to repeat them with every keyframe: x264 repeat-headers=1 (ffmpeg -x264-params repeat-headers=1), "+
					"NVENC/QSV -bsf:v dump_extra, OBS: x264 options repeat-headers=1 or keyframe interval 1-2 s, hardware encoders: \"repeat SPS/PPS\" or \"in-band parameter sets\".",
					s.PID, s.Codec)
			}
		}
	}
	return ""
}

// updatePIDs shows programs, streams and per-PID rates as a table.
func (m *mediaPanel) updatePIDs(r probe.Report) {
	if a := parameterSetsAdvice(r); a != "" {
		m.paramNote.SetText(a)
		m.paramNote.Show()
	} else {
		m.paramNote.Hide()
	}
	rows := pidRows(r)
	if len(rows) == 0 {
		m.streams.SetText("No programs found yet.")
		m.streams.Show()
	} else {
		m.streams.Hide()
	}
	key := fmt.Sprint(rows)
	if key == m.pidShown {
		return
	}
	m.pidShown = key
	cells := make([]fyne.CanvasObject, 0, (len(rows)+1)*len(pidColumns))
	for _, h := range pidColumns {
		cells = append(cells, widget.NewLabelWithStyle(h, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	}
	for _, row := range rows {
		for c, v := range row {
			l := widget.NewLabel(v)
			if c == len(row)-1 {
				l.Truncation = fyne.TextTruncateEllipsis
			}
			if c == 3 || c == 4 {
				l.Alignment = fyne.TextAlignTrailing
			}
			if c == 4 && v != "0" {
				l.Importance = widget.DangerImportance
			}
			cells = append(cells, l)
		}
	}
	m.pidTable.Objects = cells
	m.pidTable.Refresh()
}

// pidTableLayout lays cells out in rows of cols: every column but the last
// as wide as its widest cell, the last one the width left, so that the
// figures are never what is cut off.
type pidTableLayout struct{ cols int }

func (l *pidTableLayout) widths(objects []fyne.CanvasObject) ([]float32, []float32) {
	w := make([]float32, l.cols)
	rows := (len(objects) + l.cols - 1) / l.cols
	h := make([]float32, rows)
	for i, o := range objects {
		ms := o.MinSize()
		if c := i % l.cols; c < l.cols-1 {
			w[c] = max(w[c], ms.Width)
		} else {
			w[c] = max(w[c], 40)
		}
		h[i/l.cols] = max(h[i/l.cols], ms.Height)
	}
	return w, h
}

// MinSize implements fyne.Layout.
func (l *pidTableLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	w, h := l.widths(objects)
	var s fyne.Size
	for _, x := range w {
		s.Width += x
	}
	for _, y := range h {
		s.Height += y
	}
	return s
}

// Layout implements fyne.Layout.
func (l *pidTableLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	w, h := l.widths(objects)
	var fixed float32
	for _, x := range w[:l.cols-1] {
		fixed += x
	}
	w[l.cols-1] = max(size.Width-fixed, w[l.cols-1])
	var y float32
	for r := range h {
		var x float32
		for c := 0; c < l.cols; c++ {
			i := r*l.cols + c
			if i >= len(objects) {
				break
			}
			objects[i].Move(fyne.NewPos(x, y))
			objects[i].Resize(fyne.NewSize(w[c], h[r]))
			x += w[c]
		}
		y += h[r]
	}
}
