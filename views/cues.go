package views

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/probe"
)

// cuesShown is how many of the latest SCTE-35 cues the media panel lists.
const cuesShown = 6

// cueColumns are the cue list's headings; the details, last, take the
// width left and are cut short first.
var cueColumns = []string{"Splice at", "Command", "Event ID", "Out/in", "Duration", "Pre-roll", "Details"}

// cueRows are the latest cues, newest first: the splice time (media
// seconds), command, event id, out of network or back in, break duration,
// pre-roll, and the rest in words.
func cueRows(cues []probe.Cue) [][]string {
	var rows [][]string
	for i := len(cues) - 1; i >= 0 && len(rows) < cuesShown; i-- {
		c := cues[i]
		at := fmt.Sprintf("%.3f s", c.PTSS)
		if c.Immediate {
			at = "immediate"
		}
		dir := "in"
		if c.OutOfNetwork {
			dir = "OUT"
		}
		dur, pre := "–", "–"
		if c.DurationS > 0 {
			dur = fmt.Sprintf("%.1f s", c.DurationS)
		}
		if !c.Immediate {
			pre = fmt.Sprintf("%.1f s", c.PrerollS)
		}
		var d []string
		d = append(d, fmt.Sprintf("PID %d, arrived %.1f s", c.PID, c.ArrivalS))
		if c.Segmentation != "" {
			d = append(d, c.Segmentation)
		}
		if c.Cancel {
			d = append(d, "CANCELLED")
		}
		if c.AutoReturn {
			d = append(d, "auto return")
		}
		if c.Repeats > 0 {
			d = append(d, fmt.Sprintf("sent %d more times", c.Repeats))
		}
		rows = append(rows, []string{at, c.Command, strconv.FormatUint(uint64(c.EventID), 10), dir, dur, pre, strings.Join(d, " · ")})
	}
	return rows
}

// updateCues lists the latest SCTE-35 cues; the section is hidden while
// the feed has carried none.
func (m *mediaPanel) updateCues(r probe.Report) {
	if len(r.Cues) == 0 {
		m.cueBox.Hide()
		return
	}
	m.cueBox.Show()
	m.cueNote.SetText(fmt.Sprintf("%d cues in all; the latest %d, newest first. Times are media seconds.", len(r.Cues), min(len(r.Cues), cuesShown)))
	rows := cueRows(r.Cues)
	key := fmt.Sprint(rows)
	if key == m.cuesShown {
		return
	}
	m.cuesShown = key
	cells := make([]fyne.CanvasObject, 0, (len(rows)+1)*len(cueColumns))
	for _, h := range cueColumns {
		cells = append(cells, widget.NewLabelWithStyle(h, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	}
	for _, row := range rows {
		for c, v := range row {
			l := widget.NewLabel(v)
			switch {
			case c == len(row)-1:
				l.Truncation = fyne.TextTruncateEllipsis
			case c == 3 && v == "OUT":
				l.Importance = widget.WarningImportance
				l.TextStyle.Bold = true
			case c == 2 || c == 4 || c == 5:
				l.Alignment = fyne.TextAlignTrailing
			}
			cells = append(cells, l)
		}
	}
	m.cueTable.Objects = cells
	m.cueTable.Refresh()
}

// programmeTitles are the programmes' names from the SDT, one a line:
// "Programme 1: Service (Provider)"; "" when the stream has no SDT names.
func programmeTitles(r probe.Report) string {
	var lines []string
	for _, p := range r.Programs {
		if p.ServiceName == "" && p.ProviderName == "" {
			continue
		}
		t := fmt.Sprintf("Programme %d: %s", p.Number, p.ServiceName)
		if p.ProviderName != "" {
			t += " (" + p.ProviderName + ")"
		}
		lines = append(lines, t)
	}
	return strings.Join(lines, "\n")
}
