package media

import (
	"sort"

	"github.com/srtscope/srtscope/probe"
)

// eventLog keeps every event an analyser reported, ongoing ones included.
type eventLog struct {
	events []Event
	open   map[eventKey]int // index of the ongoing event per kind and PID
}

type eventKey struct {
	kind string
	pid  uint16
}

func (l *eventLog) add(e Event) {
	if l.open == nil {
		l.open = map[eventKey]int{}
	}
	k := eventKey{e.Kind, e.PID}
	if e.EndS == 0 {
		if _, ok := l.open[k]; ok {
			return
		}
		l.open[k] = len(l.events)
		l.events = append(l.events, e)
		return
	}
	if i, ok := l.open[k]; ok {
		l.events[i] = e
		delete(l.open, k)
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
