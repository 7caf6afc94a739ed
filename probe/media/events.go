package media

import (
	"sort"

	"github.com/srtscope/srtscope/probe"
)

// eventLog keeps every event an analyser reported, ongoing ones included.
type eventLog struct {
	events []Event
	open   map[string]int // kind -> index of the ongoing event
}

func (l *eventLog) add(e Event) {
	if l.open == nil {
		l.open = map[string]int{}
	}
	if e.EndS == 0 {
		if _, ok := l.open[e.Kind]; ok {
			return
		}
		l.open[e.Kind] = len(l.events)
		l.events = append(l.events, e)
		return
	}
	if i, ok := l.open[e.Kind]; ok {
		l.events[i] = e
		delete(l.open, e.Kind)
		return
	}
	l.events = append(l.events, e)
}

func (l *eventLog) list() []probe.MediaEvent {
	out := make([]probe.MediaEvent, 0, len(l.events))
	for _, e := range l.events {
		out = append(out, e.MediaEvent())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartS < out[j].StartS })
	return out
}
