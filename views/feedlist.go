package views

import (
	"fmt"
	"image/color"
	"net"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
)

// Traffic-light colours, readable on dark and light themes.
var (
	colorGreen = color.NRGBA{R: 0x2e, G: 0xb8, B: 0x5c, A: 0xff}
	colorAmber = color.NRGBA{R: 0xf5, G: 0xa6, B: 0x23, A: 0xff}
	colorRed   = color.NRGBA{R: 0xe5, G: 0x39, B: 0x35, A: 0xff}
	colorIdle  = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
)

func healthColor(h app.Health) color.Color {
	switch h {
	case app.HealthAmber:
		return colorAmber
	case app.HealthRed:
		return colorRed
	}
	return colorGreen
}

// feedList shows every feed as a row: light, name, mode and state, and the
// live figures.
type feedList struct {
	list     *widget.List
	feeds    []app.FeedView
	onSelect func(app.FeedID)
}

func newFeedList(onSelect func(app.FeedID)) *feedList {
	fl := &feedList{onSelect: onSelect}
	fl.list = widget.NewList(
		func() int { return len(fl.feeds) },
		func() fyne.CanvasObject {
			light := canvas.NewCircle(colorIdle)
			lightBox := container.NewGridWrap(fyne.NewSize(14, 14), light)
			name := widget.NewLabelWithStyle("feed", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name.Truncation = fyne.TextTruncateEllipsis
			line := widget.NewLabel("")
			line.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, container.NewCenter(lightBox), nil, container.NewVBox(name, line))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(fl.feeds) {
				return
			}
			v := fl.feeds[i]
			row := o.(*fyne.Container)
			texts := row.Objects[0].(*fyne.Container)
			light := row.Objects[1].(*fyne.Container).Objects[0].(*fyne.Container).Objects[0].(*canvas.Circle)
			name := texts.Objects[0].(*widget.Label)
			line := texts.Objects[1].(*widget.Label)
			name.SetText(feedTitle(v))
			line.SetText(feedLine(v))
			c := tileStateOf(v).frame // the wall's colour: phase, or the worst alarm
			if light.FillColor != c {
				light.FillColor = c
				light.Refresh()
			}
		},
	)
	fl.list.OnSelected = func(i widget.ListItemID) {
		if i < len(fl.feeds) {
			fl.onSelect(fl.feeds[i].ID)
		}
	}
	return fl
}

// feedLine is the second line of a row: mode, where it listens or what it
// calls, its state and figures. A listener shows the port it listens on:
// the caller's ephemeral port says nothing (the detail names the peer).
func feedLine(v app.FeedView) string {
	cfg := v.Spec.Config
	where := cfg.Address()
	if cfg.Mode == session.ModeListener {
		where = net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	}
	if v.Tuning {
		return fmt.Sprintf("%s %s · latency wizard running", cfg.Mode, where)
	}
	if !v.Running && v.Status.Phase != app.PhaseFailed {
		return fmt.Sprintf("%s %s · stopped", cfg.Mode, where)
	}
	s := v.Sample
	if v.Status.Phase != app.PhaseConnected || s.State != session.StateConnected {
		words, _ := stateWords(v)
		return fmt.Sprintf("%s %s · %s", cfg.Mode, where, words)
	}
	return fmt.Sprintf("%s %s · %.2f Mbit/s · RTT %.0f ms", cfg.Mode, where, s.RecvMbps, s.RTTMs)
}

func (fl *feedList) widget() fyne.CanvasObject {
	return container.New(layout.NewStackLayout(), fl.list)
}

// update replaces the rows with fresh snapshots (UI goroutine).
func (fl *feedList) update(feeds []app.FeedView) {
	fl.feeds = feeds
	fl.list.Refresh()
}

// selectID selects the row of a feed (UI goroutine).
func (fl *feedList) selectID(id app.FeedID) {
	for i, f := range fl.feeds {
		if f.ID == id {
			fl.list.Select(i)
			return
		}
	}
}
