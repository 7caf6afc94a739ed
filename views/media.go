package views

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // thumbnails arrive as JPEG
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/probe"
)

// mediaPanel shows what is inside the feed: thumbnail, audio levels,
// programs and PIDs, TR 101 290 counters and black/freeze/silence state.
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
	streams   *widget.Label
	trGrid    *fyne.Container
	trTexts   []*canvas.Text
	trLast    []uint64
	trMoved   []time.Time
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
	m.thumb.SetMinSize(fyne.NewSize(320, 180))
	m.note = widget.NewLabel("")
	m.note.Wrapping = fyne.TextWrapWord
	m.mediaLine = widget.NewLabel("")
	m.meters = container.NewVBox()
	m.streams = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	m.trGrid = container.NewGridWithColumns(4)
	for _, n := range trNames {
		t := canvas.NewText(n+": 0", theme.Color(theme.ColorNameForeground))
		m.trTexts = append(m.trTexts, t)
		m.trGrid.Add(t)
	}
	m.trLast = make([]uint64, len(trNames))
	m.trMoved = make([]time.Time, len(trNames))
	left := container.NewVBox(m.thumb, m.mediaLine, widget.NewLabelWithStyle("Audio levels", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), m.meters, m.note)
	right := container.NewVBox(
		widget.NewLabelWithStyle("Programs, streams and PIDs", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), m.streams,
		widget.NewLabelWithStyle("ETSI TR 101 290 (red: moved in the last 10 s)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), m.trGrid,
	)
	m.content = container.NewHSplit(container.NewVScroll(left), container.NewVScroll(right))
	return m
}

func (m *mediaPanel) reset() {
	m.thumbLen = 0
	m.thumb.Image = image.NewRGBA(image.Rect(0, 0, 16, 9))
	m.thumb.Refresh()
	m.meters.RemoveAll()
	m.bars, m.meterText, m.peakHold, m.peakAt = nil, nil, nil, nil
	for i := range m.trLast {
		m.trLast[i], m.trMoved[i] = 0, time.Time{}
	}
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
	if v.Inspection != nil {
		m.streams.SetText(streamTable(*v.Inspection))
		m.updateTR(v.Inspection.TR101290)
	} else {
		m.streams.SetText("No stream inspection yet.")
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
		m.meters.Add(container.NewBorder(nil, nil, t, nil, b))
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
		m.meterText[i].SetText(fmt.Sprintf("ch%d %6.1f dB  peak %6.1f", i+1, clampDB(rms), clampDB(m.peakHold[i])))
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

// streamTable formats programs, streams and per-PID rates as monospace text.
func streamTable(r probe.Report) string {
	var b strings.Builder
	rates := map[uint16]probe.PIDStats{}
	for _, p := range r.PIDs {
		rates[p.PID] = p
	}
	for _, p := range r.Programs {
		fmt.Fprintf(&b, "Program %d (PMT %d)\n", p.Number, p.PMTPID)
		for _, s := range p.Streams {
			fmt.Fprintf(&b, "  PID %-5d %-6s %-6s %s  %7.0f kbit/s  CC %d\n", s.PID, s.Kind, s.Codec, s.Details(false), rates[s.PID].BitrateBps/1000, rates[s.PID].CCErrors)
		}
	}
	if b.Len() == 0 {
		return "No programs found yet."
	}
	return b.String()
}
