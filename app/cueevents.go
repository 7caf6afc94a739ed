package app

import (
	"strconv"
	"time"

	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session"
)

// EventCue is the kind of the feed log lines, recorded events and `watch
// --inspect` events that announce an SCTE-35 cue as it arrives.
const EventCue session.EventKind = "cue"

// CueWords says a cue in words for the log: "SCTE-35 cue: splice_insert
// OUT event 101, 1.5 s, pre-roll 0.2 s".
func CueWords(c probe.Cue) string {
	s := "SCTE-35 cue: " + c.Command
	switch {
	case c.Cancel:
		s += " cancels"
	case c.OutOfNetwork:
		s += " OUT"
	default:
		s += " IN"
	}
	s += " event " + strconv.FormatUint(uint64(c.EventID), 10)
	if c.Segmentation != "" {
		s += " (" + c.Segmentation + ")"
	}
	if c.Cancel {
		return s
	}
	if c.DurationS > 0 {
		s += ", " + secs(c.DurationS)
	}
	if c.Immediate {
		s += ", immediate"
	} else {
		s += ", pre-roll " + secs(c.PrerollS)
	}
	return s
}

// secs writes seconds with at most one decimal: "1.5 s", "30 s".
func secs(v float64) string {
	return strconv.FormatFloat(float64(int64(v*10+0.5))/10, 'f', -1, 64) + " s"
}

// CueTracker turns the cues of successive inspection reports of one
// stream into events, once each. The analyser appends cues in arrival
// order (a repeated section counts on the cue it repeats), so the new ones
// are those past the count seen. Not safe for concurrent use.
type CueTracker struct {
	seen int
}

// New returns an event for each cue in rep that the tracker has not seen,
// stamped at.
func (t *CueTracker) New(rep probe.Report, at time.Time) []session.Event {
	if len(rep.Cues) < t.seen { // a new inspection (restart): start over
		t.seen = 0
	}
	var out []session.Event
	for _, c := range rep.Cues[t.seen:] {
		out = append(out, session.Event{Time: at, Kind: EventCue, Detail: CueWords(c)})
	}
	t.seen = len(rep.Cues)
	return out
}
