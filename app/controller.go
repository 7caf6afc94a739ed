package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
}

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
	Health         Health
	Unacknowledged bool
	Started        time.Time // when the operator last started it
	ConnectedSince time.Time // zero while not connected
	Inspection     *probe.Report
	MediaAnalysis  string // "ffmpeg", "bitstream-only" or "" when off
	MediaNote      string // why media analysis is limited, in words
	Levels         *media.Levels
	Thumbnail      []byte // latest JPEG, nil when none
	LastError      string
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
	opts   ControllerOptions
	mu     sync.Mutex
	next   FeedID
	order  []FeedID
	feeds  map[FeedID]*feed
	closed bool

	stores // recordings, presets, retention, demos (stores.go)
}

// NewController returns an empty controller with no stores that lives
// until Close. Callers that hold a context (main, the window, the CLI)
// use Open, which ties the Controller to it and opens the stores.
func NewController(opts ControllerOptions) *Controller {
	return newController(context.TODO(), opts)
}

func newController(ctx context.Context, opts ControllerOptions) *Controller {
	c := &Controller{opts: opts, next: 1, feeds: map[FeedID]*feed{}}
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

// Add registers a feed without starting it.
func (c *Controller) Add(spec FeedSpec) (FeedID, error) {
	if err := spec.Config.Validate(); err != nil {
		return 0, err
	}
	if spec.Name == "" {
		spec.Name = spec.Config.RedactedURL()
	}
	if spec.Thresholds == (Thresholds{}) {
		spec.Thresholds = DefaultThresholds()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next++
	c.feeds[id] = &feed{id: id, spec: spec, alarms: NewAlarms(spec.Thresholds), opts: &c.opts}
	c.order = append(c.order, id)
	return id, nil
}

// Update replaces a stopped feed's settings.
func (c *Controller) Update(id FeedID, spec FeedSpec) error {
	if err := spec.Config.Validate(); err != nil {
		return err
	}
	f, err := c.get(id)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tuning != nil {
		return errTuning(f.spec.Name)
	}
	if f.cancel != nil {
		return fmt.Errorf("app: stop feed %q before changing it", f.spec.Name)
	}
	if spec.Thresholds == (Thresholds{}) {
		spec.Thresholds = DefaultThresholds()
	}
	f.spec = spec
	f.alarms = NewAlarms(spec.Thresholds)
	return nil
}

// Duplicate adds a stopped copy of a feed, named "<name> copy".
func (c *Controller) Duplicate(id FeedID) (FeedID, error) {
	f, err := c.get(id)
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	spec := f.spec
	f.mu.Unlock()
	spec.Name += " copy"
	return c.Add(spec)
}

// Remove stops a feed and forgets it.
func (c *Controller) Remove(id FeedID) {
	c.Stop(id)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.feeds, id)
	for i, o := range c.order {
		if o == id {
			c.order = append(c.order[:i:i], c.order[i+1:]...)
			break
		}
	}
}

// Start opens the feed's session in the background. Starting a running feed
// does nothing.
func (c *Controller) Start(id FeedID) error {
	f, err := c.get(id)
	if err != nil {
		return err
	}
	return f.start()
}

// Stop closes the feed's session and waits for it to finish.
func (c *Controller) Stop(id FeedID) {
	if f, err := c.get(id); err == nil {
		f.stop()
	}
}

// Acknowledge marks the feed's active alarms as seen.
func (c *Controller) Acknowledge(id FeedID) {
	if f, err := c.get(id); err == nil {
		f.mu.Lock()
		f.alarms.Acknowledge()
		f.mu.Unlock()
	}
}

// Feeds returns a snapshot of every feed in the order they were added.
func (c *Controller) Feeds() []FeedView {
	c.mu.Lock()
	fs := make([]*feed, 0, len(c.order))
	for _, id := range c.order {
		fs = append(fs, c.feeds[id])
	}
	c.mu.Unlock()
	out := make([]FeedView, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.view(false))
	}
	return out
}

// Feed returns one feed's snapshot with its full history.
func (c *Controller) Feed(id FeedID) (FeedView, bool) {
	f, err := c.get(id)
	if err != nil {
		return FeedView{}, false
	}
	return f.view(true), true
}

// Close stops every feed, then the demo feeds' senders, the retention
// goroutine, and closes the recordings database Open opened.
func (c *Controller) Close() {
	c.mu.Lock()
	c.closed = true
	fs := make([]*feed, 0, len(c.feeds))
	for _, f := range c.feeds {
		fs = append(fs, f)
	}
	c.mu.Unlock()
	for _, f := range fs {
		f.stop()
	}
	c.closeStores()
}

func (c *Controller) get(id FeedID) (*feed, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.feeds[id]
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrNoFeed, id)
	}
	return f, nil
}
