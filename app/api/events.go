package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
)

// The event stream's event types (the SSE "event:" field).
const (
	EventSample = "sample" // a feed's new 1 Hz sample
	EventEvent  = "event"  // a line of a feed's log that is not an alarm
	EventAlarm  = "alarm"  // an alarm raised or cleared
	EventStatus = "status" // a feed's phase or its description changed
	EventFeed   = "feed"   // a feed was added or removed
)

// SampleEvent is the data of a "sample" event: the watch contract's sample
// fields with the feed's id and name.
type SampleEvent struct {
	ID   app.FeedID `json:"id"`
	Name string     `json:"name"`
	session.Sample
}

// LogEvent is the data of an "event" or "alarm" event. For an alarm, Kind
// is the alarm's kind (no-data, dropped, black, ...) and Raised says
// whether it started or ended.
type LogEvent struct {
	ID     app.FeedID `json:"id"`
	Name   string     `json:"name"`
	Time   time.Time  `json:"time"`
	Kind   string     `json:"kind"`
	Detail string     `json:"detail"`
	Raised *bool      `json:"raised,omitempty"`
}

// StatusEvent is the data of a "status" event.
type StatusEvent struct {
	ID     app.FeedID `json:"id"`
	Name   string     `json:"name"`
	Status Status     `json:"status"`
	Health string     `json:"health"`
}

// FeedEvent is the data of a "feed" event: change is "added" or "removed".
type FeedEvent struct {
	ID     app.FeedID `json:"id"`
	Name   string     `json:"name"`
	Change string     `json:"change"`
}

// follow is what one stream has sent of one feed.
type follow struct {
	name     string
	sampleAt time.Time
	lastLog  *app.LogEntry // the newest log line sent; nil = none yet
	phase    app.Phase
	words    string
	health   app.Health
}

// events streams samples, log lines, alarms, status changes and feeds
// coming and going as Server-Sent Events. The Controller has no push: the
// stream looks at the snapshots every PollInterval and sends what changed.
// ?feed=NAME|ID follows one feed. A new stream starts with every feed's
// latest sample and status and no past log lines.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	only := r.URL.Query().Get("feed")
	if only != "" && !s.feedExists(only) {
		s.lookupByKey(w, only) // answers 404 naming the known feeds
		return
	}
	select {
	case s.streams <- struct{}{}:
		defer func() { <-s.streams }()
	default:
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("%d event streams are open, the most this service allows: close one or poll /api/v1/feeds", cap(s.streams)))
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	seen := map[app.FeedID]*follow{}
	first := true
	lastWrite := time.Now()
	tick := time.NewTicker(s.opts.PollInterval)
	defer tick.Stop()
	for {
		var buf strings.Builder
		s.changes(&buf, seen, only, first)
		first = false
		if buf.Len() == 0 && time.Since(lastWrite) >= s.opts.KeepAlive {
			buf.WriteString(": keep-alive\n\n")
		}
		if buf.Len() > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := w.Write([]byte(buf.String())); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
			lastWrite = time.Now()
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}

// changes writes the events for what changed since the last look.
func (s *Server) changes(buf *strings.Builder, seen map[app.FeedID]*follow, only string, first bool) {
	present := map[app.FeedID]bool{}
	for _, v := range s.c.Feeds() {
		if only != "" && v.Spec.Name != only && strconv.Itoa(int(v.ID)) != only {
			continue
		}
		present[v.ID] = true
		fw, ok := seen[v.ID]
		if !ok {
			fw = &follow{name: v.Spec.Name}
			seen[v.ID] = fw
			if first {
				// Start at the end of the log: a stream shows what happens
				// from now on.
				if n := len(v.Log); n > 0 {
					e := v.Log[n-1]
					fw.lastLog = &e
				}
			} else {
				writeEvent(buf, EventFeed, FeedEvent{ID: v.ID, Name: v.Spec.Name, Change: "added"})
			}
		}
		if st := v.Status; st.Phase != fw.phase || st.Describe() != fw.words || v.Health != fw.health {
			fw.phase, fw.words, fw.health = st.Phase, st.Describe(), v.Health
			f := FeedOf(v)
			writeEvent(buf, EventStatus, StatusEvent{ID: v.ID, Name: v.Spec.Name, Status: f.Status, Health: f.Health})
		}
		for _, e := range newLogLines(v.Log, fw.lastLog) {
			le := LogEvent{ID: v.ID, Name: v.Spec.Name, Time: e.Time, Kind: e.Kind, Detail: e.Detail}
			kind := EventEvent
			if k, ok := strings.CutPrefix(e.Kind, "alarm "); ok {
				raised := e.Alarm
				le.Kind, le.Raised, kind = k, &raised, EventAlarm
			}
			writeEvent(buf, kind, le)
		}
		if n := len(v.Log); n > 0 {
			e := v.Log[n-1]
			fw.lastLog = &e
		}
		if !v.Sample.Time.IsZero() && !v.Sample.Time.Equal(fw.sampleAt) {
			fw.sampleAt = v.Sample.Time
			writeEvent(buf, EventSample, SampleEvent{ID: v.ID, Name: v.Spec.Name, Sample: FeedOf(v).Sample})
		}
	}
	for id, fw := range seen {
		if !present[id] {
			delete(seen, id)
			writeEvent(buf, EventFeed, FeedEvent{ID: id, Name: fw.name, Change: "removed"})
		}
	}
}

// newLogLines returns the lines of log after last. The log is bounded:
// when last has scrolled out of it, the whole log is new.
func newLogLines(log []app.LogEntry, last *app.LogEntry) []app.LogEntry {
	if last == nil {
		return log
	}
	for i := len(log) - 1; i >= 0; i-- {
		if log[i] == *last {
			return log[i+1:]
		}
	}
	return log
}

// writeEvent writes one SSE event with JSON data.
func writeEvent(buf *strings.Builder, kind string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		return
	}
	fmt.Fprintf(buf, "event: %s\ndata: %s\n\n", kind, b)
}

func (s *Server) feedExists(key string) bool {
	for _, v := range s.c.Feeds() {
		if v.Spec.Name == key || strconv.Itoa(int(v.ID)) == key {
			return true
		}
	}
	return false
}
