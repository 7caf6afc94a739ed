package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/media"
	"github.com/srtscope/srtscope/session"
)

// FeedID identifies a feed within one Controller.
type FeedID int

// FeedSpec is what the operator set up for a feed.
type FeedSpec struct {
	Name       string
	Config     session.Config
	Thresholds Thresholds
	Inspect    bool // look inside the TS (PIDs, codecs, TR 101 290)
	Media      bool // black / freeze / silence analysis with ffmpeg when available
	LightMedia bool // decode video keyframes only
	// Port, when set, is the address of the port (AddPort) whose callers
	// with the stream name Config.StreamID are this feed's publisher: the
	// feed then neither listens nor calls itself.
	Port string
	// Outputs forward the received TS unchanged (SRT caller, SRT listener
	// that decoders pull from, UDP); they start and stop with the feed.
	Outputs []session.OutputConfig
}

// ArrivalTimed reports whether the feed's receiver times every packet's
// arrival (session.ReceiverOptions.ArrivalTap): a feed with a port of its
// own does, so its dropped packets are those a libsrt decoder would lose
// and its receive buffer is known; a feed on a shared port (Port set)
// cannot, for the tap needs the port to itself.
func (s FeedSpec) ArrivalTimed() bool { return s.Port == "" }

// LogEntry is one line of a feed's event log: a session event or an alarm.
type LogEntry struct {
	Time   time.Time
	Kind   string
	Detail string
	Alarm  bool
}

// FeedView is an immutable snapshot of a feed for the window and the CLI.
type FeedView struct {
	ID             FeedID
	Spec           FeedSpec
	Running        bool
	Tuning         bool // the latency wizard has the feed
	Sample         session.Sample
	History        []session.Sample // oldest first, at most HistoryLen
	Log            []LogEntry       // newest last, at most LogLen
	Alarms         []AlarmChange    // active now
	Health         Health           // the worst active alarm's colour
	Unacknowledged bool             // an alarm, active or cleared, waits for the operator
	HadAlarm       bool             // an alarm cleared without being acknowledged
	AlarmHistory   []AlarmRecord    // oldest first: raised, cleared, acknowledged at
	Status         FeedStatus       // where the feed stands and why
	Started        time.Time        // when the operator last started it
	ConnectedSince time.Time        // zero while not connected
	Inspection     *probe.Report
	MediaAnalysis  string // "ffmpeg", "bitstream-only" or "" when off
	MediaNote      string // why media analysis is limited, in words
	Levels         *media.Levels
	Loudness       []media.Loudness // latest EBU R128 reading per audio PID, by PID
	Thumbnail      []byte           // latest JPEG, nil when none
	LastError      string
	Outputs        []OutputView // each output as last sampled, in the spec's order
}

// History and log limits per feed: an hour of samples at 1 Hz.
const (
	HistoryLen = 3600
	LogLen     = 500
)

// ControllerOptions wire a Controller to its surroundings.
type ControllerOptions struct {
	// Recorder, when set, receives every feed's samples, events and alarms.
	Recorder *record.DB
	// OnAlarm is called (from a feed goroutine) when an alarm is raised.
	OnAlarm func(FeedID, string, AlarmChange)
	// FFmpegPath is passed to the media analyser ("" = look on PATH).
	FFmpegPath string
	// FFmpegPathFunc, when set, is asked each time a feed starts and
	// overrides FFmpegPath, so a changed setting applies to feeds started
	// afterwards. It is called from feed goroutines.
	FFmpegPathFunc func() string
	// Stores say which stores Open opens (recordings, presets) and how
	// retention runs; NewController ignores them.
	Stores StoreOptions
}

// Controller owns every feed: its session, probe, media analyser, alarms,
// history and recording. Views and the CLI read snapshots and call its
// methods; they never touch a connection.
type Controller struct {
	opts ControllerOptions

	mu    sync.Mutex // serialises changes to the list of feeds
	next  FeedID
	feeds atomic.Pointer[[]*feed]    // in the order they were added; replaced, never changed
	ports atomic.Pointer[[]*portRun] // likewise, the ports serving many feeds

	stores // lifetime, recordings, presets, retention, demos (stores.go)
}

// NewController returns a controller with no stores (recordings, presets)
// whose feeds live until ctx ends or Close. Open also opens the stores.
func NewController(ctx context.Context, opts ControllerOptions) *Controller {
	c := &Controller{opts: opts, next: 1}
	c.feeds.Store(&[]*feed{})
	c.ports.Store(&[]*portRun{})
	c.ctx, c.cancel = context.WithCancel(ctx)
	c.dbErr = errors.New("app: recordings were not asked for")
	c.presetsErr = errors.New("app: presets were not asked for")
	if opts.Recorder != nil {
		c.db, c.dbErr = opts.Recorder, nil
	}
	return c
}

// ErrNoFeed is returned for an unknown feed ID.
var ErrNoFeed = errors.New("app: no such feed")

// withDefaults fills in what the operator left out.
func withDefaults(spec FeedSpec) FeedSpec {
	if spec.Name == "" {
		spec.Name = spec.Config.RedactedURL()
	}
	if spec.Thresholds == (Thresholds{}) {
		spec.Thresholds = DefaultThresholds()
	}
	return spec
}

// Add registers a feed without starting it.
func (c *Controller) Add(spec FeedSpec) (FeedID, error) {
	if err := validateSpec(spec); err != nil {
		return 0, err
	}
	spec = withDefaults(spec)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx.Err() != nil {
		return 0, fmt.Errorf("app: feed %q not added: srtscope is shutting down", spec.Name)
	}
	id := c.next
	c.next++
	old := *c.feeds.Load()
	// A new slice: readers may still hold the old one.
	list := slices.Concat(old, []*feed{newFeed(c.ctx, id, spec, &c.opts, c.attachToPort)})
	c.feeds.Store(&list)
	return id, nil
}

// Update replaces a stopped feed's settings.
func (c *Controller) Update(id FeedID, spec FeedSpec) error {
	if err := validateSpec(spec); err != nil {
		return err
	}
	f, err := c.get(id)
	if err != nil {
		return err
	}
	return f.do(func(st *feedState) error {
		switch {
		case st.tune != nil:
			return errTuning(st.spec.Name)
		case st.run != nil:
			return fmt.Errorf("app: stop feed %q before changing it", st.spec.Name)
		}
		st.setSpec(spec)
		return nil
	})
}

// ApplySpec gives a feed new settings: a running feed is stopped, updated
// and started again in one step of its loop (it reconnects); a stopped one
// stays stopped. Refused while the latency wizard has the feed.
func (c *Controller) ApplySpec(id FeedID, spec FeedSpec) error {
	if err := validateSpec(spec); err != nil {
		return err
	}
	f, err := c.get(id)
	if err != nil {
		return err
	}
	return f.do(func(st *feedState) error { return st.reconfigure(spec, "") })
}

// reconfigure stops a running feed, takes spec and starts it again; logLine,
// when not empty, goes into the feed's log between the two.
func (st *feedState) reconfigure(spec FeedSpec, logLine string) error {
	if st.tune != nil {
		return errTuning(st.spec.Name)
	}
	running := st.run != nil
	st.stopRun(true)
	st.setSpec(spec)
	if logLine != "" {
		st.appendLog(LogEntry{Time: time.Now(), Kind: "latency", Detail: logLine})
	}
	if !running {
		return nil
	}
	return st.startRun()
}

// setSpec takes new settings; the alarms start afresh with their thresholds.
func (st *feedState) setSpec(spec FeedSpec) {
	if spec.Thresholds == (Thresholds{}) {
		spec.Thresholds = DefaultThresholds()
	}
	st.spec = spec
	st.alarms = NewAlarms(spec.Thresholds)
}

// Duplicate adds a stopped copy of a feed, named "<name> copy".
func (c *Controller) Duplicate(id FeedID) (FeedID, error) {
	f, err := c.get(id)
	if err != nil {
		return 0, err
	}
	spec := f.view().Spec
	spec.Name += " copy"
	return c.Add(spec)
}

// Remove stops a feed and forgets it.
func (c *Controller) Remove(id FeedID) {
	c.mu.Lock()
	old := *c.feeds.Load()
	var gone *feed
	list := make([]*feed, 0, len(old))
	for _, f := range old {
		if f.id == id {
			gone = f
			continue
		}
		list = append(list, f)
	}
	c.feeds.Store(&list)
	c.mu.Unlock()
	if gone != nil {
		gone.close()
	}
}

// Start opens the feed's session in the background. Starting a running feed
// does nothing.
func (c *Controller) Start(id FeedID) error {
	f, err := c.get(id)
	if err != nil {
		return err
	}
	return f.do(func(st *feedState) error {
		if st.tune != nil {
			return errTuning(st.spec.Name)
		}
		return st.startRun()
	})
}

// Stop closes the feed's session and waits for it to finish. A latency
// wizard running on the feed is cancelled and the feed stays stopped.
func (c *Controller) Stop(id FeedID) {
	f, err := c.get(id)
	if err != nil {
		return
	}
	_ = f.call(func(st *feedState, answer answer) {
		if t := st.tune; t != nil {
			t.stopped = true
			t.waiting = append(t.waiting, answer)
			t.cancel()
			return
		}
		st.stopRun(true)
		answer(nil)
	})
}

// Acknowledge marks the feed's active alarms as seen.
func (c *Controller) Acknowledge(id FeedID) {
	if f, err := c.get(id); err == nil {
		_ = f.do(func(st *feedState) error {
			st.acknowledge(time.Now())
			return nil
		})
	}
}

// Feeds returns a snapshot of every feed in the order they were added.
func (c *Controller) Feeds() []FeedView {
	list := *c.feeds.Load()
	out := make([]FeedView, 0, len(list))
	for _, f := range list {
		out = append(out, f.view())
	}
	return out
}

// Feed returns one feed's snapshot.
func (c *Controller) Feed(id FeedID) (FeedView, bool) {
	f, err := c.get(id)
	if err != nil {
		return FeedView{}, false
	}
	return f.view(), true
}

// Close stops every feed and waits for them, then the demo feeds' senders
// and the retention goroutine, and closes the recordings database Open
// opened.
func (c *Controller) Close() {
	c.mu.Lock()
	c.cancel()
	list := *c.feeds.Load()
	ports := *c.ports.Load()
	c.mu.Unlock()
	for _, p := range ports {
		<-p.done
	}
	for _, f := range list {
		f.close()
	}
	c.closeStores()
}

func (c *Controller) get(id FeedID) (*feed, error) {
	for _, f := range *c.feeds.Load() {
		if f.id == id {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%w: %d", ErrNoFeed, id)
}
