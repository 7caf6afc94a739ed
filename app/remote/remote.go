// Package remote is the window's client of other srtscope services (`srtscope
// serve` and its HTTP API, app/api): it follows a service's feeds, shows
// them as app.FeedView snapshots the wall can draw next to local feeds, and
// sends the operator's start, stop and acknowledge through the API with the
// service's token. It opens only HTTP connections to the services it is
// given, and never logs, prints or puts the token in an error.
package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/api"
	"github.com/srtscope/srtscope/session"
)

// ErrRemote is wrapped by every error this package returns.
var ErrRemote = errors.New("remote")

// Error is what failed, in words, for one service.
type Error struct {
	What string // "connecting to http://host:8080", "starting cam1 on venue-a"
	Err  error
}

func (e *Error) Error() string { return "remote: " + e.What + ": " + e.Err.Error() }

// Unwrap gives the cause and ErrRemote.
func (e *Error) Unwrap() []error { return []error{ErrRemote, e.Err} }

// State is whether a service answers.
type State string

// Service states.
const (
	StateConnected State = "connected"
	StateLost      State = "lost" // it stopped answering; the client retries with backoff
)

// Feed is one feed of a service.
type Feed struct {
	// View is the feed as the API carries it: name, sample, status phase,
	// health, alarms, had-alarm, recent samples and the latest thumbnail.
	// Its ID is the service's own number for the feed.
	View app.FeedView
	// Description is the service's own words for where the feed stands.
	Description string
}

// Snapshot is a service as last seen. It is never changed once published.
type Snapshot struct {
	URL     string // the base URL, as given
	Name    string // the service's name (/api/v1/service), the host until it answered
	Version string
	Control bool  // the service accepts control (it has a control token)
	State   State // connected or lost
	// Reason says, when lost, why in words.
	Reason string
	Since  time.Time // when State last changed
	Feeds  []Feed    // in the service's order
}

// Options tune a Service; zero values are the defaults.
type Options struct {
	// Poll is how often the feeds are fetched (0 = 1 s).
	Poll time.Duration
	// MaxBackoff bounds the wait between attempts while lost (0 = 10 s);
	// the wait starts at Poll and doubles.
	MaxBackoff time.Duration
	// Timeout bounds each request (0 = 5 s).
	Timeout time.Duration
	// Client makes the requests (nil = a client of its own).
	Client *http.Client
}

// historyLen is how many samples a remote feed keeps: enough for the
// tile's per-second figures.
const historyLen = 60

// Service follows one srtscope service. Its one goroutine polls the feeds
// and thumbnails; Snapshot may be called from any goroutine.
type Service struct {
	base   *url.URL
	token  string
	opts   Options
	client *http.Client

	ctx     context.Context // ends with Close
	snap    atomic.Pointer[Snapshot]
	kick    chan struct{} // poll now (after a command)
	cancel  context.CancelFunc
	done    chan struct{}
	closeMu sync.Once

	// Owned by the goroutine.
	history map[string][]session.Sample
	thumbs  map[string]thumb
}

type thumb struct {
	jpeg []byte
	at   time.Time
}

// ParseURL checks a service's base URL: http or https with a host, and no
// query. It returns the URL without a trailing slash.
func ParseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &Error{What: "the service URL", Err: errors.New("it is empty; allowed http://host:port or https://host:port")}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &Error{What: fmt.Sprintf("the service URL %q", raw), Err: errors.New("allowed http://host:port or https://host:port")}
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, &Error{What: fmt.Sprintf("the service URL %q", u.Redacted()), Err: errors.New("it may have no query, fragment or user; the token goes in its own field")}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// Connect asks the service at baseURL who it is, with the token (""
// for a service without tokens), and then follows it until ctx ends or
// Close. It fails only when the URL is wrong or the first contact fails,
// so that the operator hears of a wrong address or token at once; after
// that a lost service is retried by itself.
func Connect(ctx context.Context, baseURL, token string, opts Options) (*Service, error) {
	u, err := ParseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	s := &Service{base: u, token: strings.TrimSpace(token), opts: opts, client: opts.Client,
		kick: make(chan struct{}, 1), done: make(chan struct{}),
		history: map[string][]session.Sample{}, thumbs: map[string]thumb{}}
	if s.client == nil {
		s.client = &http.Client{}
	}
	first := &Snapshot{URL: u.String(), Name: u.Host, State: StateLost, Since: time.Now()}
	if err := s.poll(ctx, first); err != nil {
		return nil, &Error{What: "connecting to " + u.Redacted(), Err: errors.New(s.snap.Load().Reason)}
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.ctx = ctx
	go s.run(ctx)
	return s, nil
}

// Snapshot is the service as last seen.
func (s *Service) Snapshot() Snapshot { return *s.snap.Load() }

// Close stops following the service and waits for its goroutine.
func (s *Service) Close() {
	s.closeMu.Do(s.cancel)
	<-s.done
}

// run polls until ctx ends: every Poll while the service answers, with a
// doubling wait while it is lost.
func (s *Service) run(ctx context.Context) {
	defer close(s.done)
	wait := s.opts.Poll
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
			t.Stop()
		}
		if err := s.poll(ctx, s.snap.Load()); err != nil {
			if ctx.Err() != nil {
				return
			}
			wait = min(wait*2, s.opts.MaxBackoff)
		} else {
			wait = s.opts.Poll
		}
		t.Reset(wait)
	}
}

// poll fetches the service (when it was lost or unnamed), its feeds and
// the thumbnails that are due, and publishes the result. On failure it
// publishes the service as lost with the reason and returns the error.
func (s *Service) poll(ctx context.Context, prev *Snapshot) error {
	next := *prev
	if prev.State != StateConnected {
		var svc api.Service
		if err := s.get(ctx, "/api/v1/service", &svc); err != nil {
			return s.lost(prev, err)
		}
		next.Name, next.Version, next.Control = svc.Name, svc.Version, svc.Control
	}
	var feeds []api.Feed
	if err := s.get(ctx, "/api/v1/feeds", &feeds); err != nil {
		return s.lost(prev, err)
	}
	next.Feeds = s.convert(ctx, feeds)
	if next.State != StateConnected {
		next.State, next.Reason, next.Since = StateConnected, "", time.Now()
	}
	s.snap.Store(&next)
	return nil
}

// lost publishes the service as lost (keeping its feeds as last seen).
func (s *Service) lost(prev *Snapshot, err error) error {
	next := *prev
	if next.State != StateLost || next.Reason != reasonOf(err) {
		next.Since = time.Now()
	}
	next.State, next.Reason = StateLost, reasonOf(err)
	s.snap.Store(&next)
	return &Error{What: "following " + next.Name, Err: err}
}

// reasonOf says why a request failed, in words, without Go's wrapping.
func reasonOf(err error) string {
	var he *httpError
	if errors.As(err, &he) {
		return he.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "connection refused"):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "timeout"):
		return "no answer in time"
	case strings.Contains(msg, "no such host"):
		return "no such host"
	case errors.Is(err, io.EOF) || strings.Contains(msg, "EOF"):
		return "connection closed"
	}
	return msg
}

// httpError is an answer other than 200, with the API's own message.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string {
	switch e.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return "the token was refused (" + e.msg + ")"
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, e.msg)
}

// request sends one request with the token and returns the body of a 200.
func (s *Service) request(ctx context.Context, method, path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	u := *s.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			e.Error = http.StatusText(resp.StatusCode)
		}
		return nil, &httpError{status: resp.StatusCode, msg: e.Error}
	}
	return body, nil
}

// get fetches path and decodes its JSON into v.
func (s *Service) get(ctx context.Context, path string, v any) error {
	body, err := s.request(ctx, http.MethodGet, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s is not the API's JSON: %w", path, err)
	}
	return nil
}

// convert turns the API's feeds into snapshots, keeping a short history
// per feed and fetching each thumbnail at most once per Poll.
func (s *Service) convert(ctx context.Context, feeds []api.Feed) []Feed {
	out := make([]Feed, 0, len(feeds))
	seen := map[string]bool{}
	for _, f := range feeds {
		seen[f.Name] = true
		h := s.history[f.Name]
		if f.Time.IsZero() || len(h) == 0 || !h[len(h)-1].Time.Equal(f.Time) {
			h = append(h, f.Sample)
			if len(h) > historyLen {
				h = append([]session.Sample(nil), h[len(h)-historyLen:]...)
			}
		}
		s.history[f.Name] = h
		v := viewOf(f)
		v.History = append([]session.Sample(nil), h...)
		v.Thumbnail = s.thumbnail(ctx, f)
		out = append(out, Feed{View: v, Description: f.Status.Description})
	}
	for name := range s.history {
		if !seen[name] {
			delete(s.history, name)
			delete(s.thumbs, name)
		}
	}
	return out
}

// thumbnail returns the feed's latest picture, fetching it when the last
// fetch is a Poll old. A failed fetch keeps the last picture.
func (s *Service) thumbnail(ctx context.Context, f api.Feed) []byte {
	th := s.thumbs[f.Name]
	if f.Thumbnail == "" {
		delete(s.thumbs, f.Name)
		return nil
	}
	if time.Since(th.at) < s.opts.Poll*9/10 {
		return th.jpeg
	}
	th.at = time.Now()
	if b, err := s.request(ctx, http.MethodGet, "/api/v1/feeds/"+url.PathEscape(f.Name)+"/thumbnail.jpg"); err == nil {
		th.jpeg = b // a new slice: the wall decodes it once
	}
	s.thumbs[f.Name] = th
	return th.jpeg
}

// viewOf is the FeedView of an API feed, as far as the API carries it.
func viewOf(f api.Feed) app.FeedView {
	v := app.FeedView{ID: f.ID, Spec: app.FeedSpec{Name: f.Name, Inspect: f.Inspect, Media: f.Media != "off", LightMedia: f.Media == "light"},
		Running: f.Running, Tuning: f.Tuning, Sample: f.Sample, Unacknowledged: f.Unacknowledged, HadAlarm: f.HadAlarm,
		LastError: f.LastError}
	v.Spec.Config.Mode = session.Mode(f.Mode)
	switch f.Health {
	case "red":
		v.Health = app.HealthRed
	case "amber":
		v.Health = app.HealthAmber
	}
	st := f.Status
	v.Status = app.FeedStatus{Phase: st.Phase, Since: st.Since, Listen: st.Listen, Remote: st.Remote, Peer: st.Peer,
		Attempt: st.Attempt, Rejections: st.Rejections}
	if st.Cause != "" {
		v.Status.Cause = errors.New(st.Cause)
	}
	for _, a := range f.Alarms {
		v.Alarms = append(v.Alarms, app.AlarmChange{Time: a.Since, Kind: a.Kind, Raised: true, Value: a.Value, Limit: a.Limit,
			Count: a.Count, For: time.Duration(a.ForS * float64(time.Second)), Detail: a.Detail})
	}
	if f.Started != nil {
		v.Started = *f.Started
	}
	if f.ConnectedSince != nil {
		v.ConnectedSince = *f.ConnectedSince
	}
	if m := f.MediaState; m != nil {
		v.MediaAnalysis, v.MediaNote = m.Analysis, m.Note
	}
	return v
}

// Start starts the service's feed (its name).
func (s *Service) Start(feed string) error { return s.command(feed, "start", "starting") }

// Stop stops the service's feed.
func (s *Service) Stop(feed string) error { return s.command(feed, "stop", "stopping") }

// Acknowledge acknowledges the service's feed's alarms.
func (s *Service) Acknowledge(feed string) error {
	return s.command(feed, "acknowledge", "acknowledging the alarms of")
}

// command POSTs a control command, then has the goroutine poll at once so
// the next snapshot shows its effect.
func (s *Service) command(feed, verb, words string) error {
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.Timeout)
	defer cancel()
	name := s.Snapshot().Name
	if _, err := s.request(ctx, http.MethodPost, "/api/v1/feeds/"+url.PathEscape(feed)+"/"+verb); err != nil {
		return &Error{What: fmt.Sprintf("%s %s on %s", words, feed, name), Err: errors.New(reasonOf(err))}
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}
