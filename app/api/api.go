// Package api is srtscope's HTTP API, the adapter `srtscope serve` puts
// over the Controller: JSON snapshots of the feeds with the field names of
// the watch contract, Server-Sent Events of samples, events and alarms,
// control (start, stop, latency, acknowledge), thumbnails and Prometheus
// metrics. Like the window and the command line it only reads the
// Controller's snapshots and calls its methods; the only socket it opens is
// its own HTTP listener.
//
// Routes (the OpenAPI document, served at /api/v1/openapi.yaml, has the
// schemas):
//
//	GET  /api/v1/service                    the service: name, version, recording, control
//	GET  /api/v1/feeds                      every feed's snapshot
//	GET  /api/v1/feeds/{id}                 one feed (id: its name or its number)
//	GET  /api/v1/feeds/{id}/inspection      the whole inspection report (inspect --format json)
//	GET  /api/v1/feeds/{id}/thumbnail.jpg   the latest picture, 404 when none
//	GET  /api/v1/events                     Server-Sent Events: sample, event, alarm, status, feed
//	POST /api/v1/feeds/{id}/start|stop|acknowledge
//	POST /api/v1/feeds/{id}/latency         {"latency_ms": 200}
//	GET  /metrics                           Prometheus exposition format
//
// Access: without tokens every GET is open and control is off. With a
// control token (--token-file) POST needs "Authorization: Bearer TOKEN";
// once any token is set, GET needs the control or the read-only token.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/app"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns the API's OpenAPI 3 document (YAML).
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// Options configure a Server.
type Options struct {
	// Token is the control token: POST requests need it. "" turns
	// control off.
	Token string
	// ReadToken, when set, is a second token that may only GET.
	ReadToken string
	// Name is the service's name in /api/v1/service ("" = the host name).
	Name string
	// PollInterval is how often the event stream looks at the snapshots
	// (0 = 1 s, the samples' rate).
	PollInterval time.Duration
	// KeepAlive is how long the event stream may stay silent before it
	// sends a comment line (0 = 15 s).
	KeepAlive time.Duration
	// MaxStreams bounds the event streams open at once (0 = 64).
	MaxStreams int
}

// Server serves the API over one Controller.
type Server struct {
	c       *app.Controller
	opts    Options
	streams chan struct{} // one slot per open event stream
	metrics http.Handler  // /metrics
	handler http.Handler
}

// New returns the API over c.
func New(c *app.Controller, opts Options) *Server {
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = 15 * time.Second
	}
	if opts.MaxStreams <= 0 {
		opts.MaxStreams = 64
	}
	if opts.Name == "" {
		opts.Name, _ = os.Hostname()
	}
	s := &Server{c: c, opts: opts, streams: make(chan struct{}, opts.MaxStreams)}
	s.metrics = newMetricsHandler(c)
	s.handler = s.routes()
	return s
}

// Handler returns the API's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers requests on ln until ctx ends, then closes the listener
// and the open event streams and waits up to 5 s for requests in flight.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		// Request contexts end with ctx: that ends the event streams.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("api: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(shut)
	if serr := <-done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("api: stopping the HTTP server: %w", err)
	}
	return nil
}

// access is what a request may do.
type access int

const (
	accessRead access = iota
	accessControl
)

// endpoint is one method of a route.
type endpoint struct {
	need access
	fn   http.HandlerFunc
}

// routeTable maps each path to its methods.
func (s *Server) routeTable() map[string]map[string]endpoint {
	get := func(fn http.HandlerFunc) map[string]endpoint {
		return map[string]endpoint{http.MethodGet: {accessRead, fn}}
	}
	post := func(fn http.HandlerFunc) map[string]endpoint {
		return map[string]endpoint{http.MethodPost: {accessControl, fn}}
	}
	return map[string]map[string]endpoint{
		"/api/v1/service":                  get(s.getService),
		"/api/v1/openapi.yaml":             get(s.getOpenAPI),
		"/api/v1/feeds":                    get(s.listFeeds),
		"/api/v1/feeds/{id}":               get(s.getFeed),
		"/api/v1/feeds/{id}/inspection":    get(s.getInspection),
		"/api/v1/feeds/{id}/thumbnail.jpg": get(s.getThumbnail),
		"/api/v1/events":                   get(s.events),
		"/api/v1/feeds/{id}/start":         post(s.start),
		"/api/v1/feeds/{id}/stop":          post(s.stop),
		"/api/v1/feeds/{id}/latency":       post(s.latency),
		"/api/v1/feeds/{id}/acknowledge":   post(s.acknowledge),
		"/metrics":                         get(s.serveMetrics),
	}
}

// routes builds the handler. Each path takes its methods from a table, so
// that a wrong method gets a JSON 405 naming the allowed ones.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for path, methods := range s.routeTable() {
		mux.Handle(path, s.dispatch(methods))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such path %q: the API is under /api/v1/ (see /api/v1/openapi.yaml) and metrics are at /metrics", r.URL.Path))
	})
	return mux
}

// Routes lists every path the API serves with its methods (lower case, as
// OpenAPI writes them).
func Routes() map[string][]string {
	out := map[string][]string{}
	for path, methods := range (&Server{}).routeTable() {
		for m := range methods {
			out[path] = append(out[path], strings.ToLower(m))
		}
		sort.Strings(out[path])
	}
	return out
}

// dispatch checks the method, then the token, then runs the endpoint.
func (s *Server) dispatch(methods map[string]endpoint) http.Handler {
	var allowed []string
	for m := range methods {
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		ep, ok := methods[method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s on %s: allowed %s", r.Method, r.URL.Path, strings.Join(allowed, ", ")))
			return
		}
		if !s.authorize(w, r, ep.need) {
			return
		}
		ep.fn(w, r)
	})
}

// errorBody is every error's JSON.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client may have gone: nothing to do about it
}

// Service is GET /api/v1/service.
type Service struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Feeds   int    `json:"feeds"`
	// Recording is false when sessions are not recorded; RecordingNote
	// says why.
	Recording     bool   `json:"recording"`
	RecordingNote string `json:"recording_note,omitempty"`
	// Control says whether POST requests can be made at all (a control
	// token is set).
	Control bool `json:"control"`
}

func (s *Server) getService(w http.ResponseWriter, _ *http.Request) {
	svc := Service{Name: s.opts.Name, Version: app.Version, Feeds: len(s.c.Feeds()), Recording: true, Control: s.opts.Token != ""}
	if err := s.c.RecordingsStatus(); err != nil {
		svc.Recording, svc.RecordingNote = false, err.Error()
	}
	writeJSON(w, http.StatusOK, svc)
}

func (s *Server) getOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(openAPI)
}

func (s *Server) listFeeds(w http.ResponseWriter, _ *http.Request) {
	views := s.c.Feeds()
	out := make([]Feed, 0, len(views))
	for _, v := range views {
		out = append(out, FeedOf(v))
	}
	writeJSON(w, http.StatusOK, out)
}

// lookup finds the feed {id} names: a feed's name first, else its number.
// It answers 404 itself when there is none.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (app.FeedView, bool) {
	return s.lookupByKey(w, r.PathValue("id"))
}

// lookupByKey finds the feed key names, as lookup does.
func (s *Server) lookupByKey(w http.ResponseWriter, key string) (app.FeedView, bool) {
	views := s.c.Feeds()
	for _, v := range views {
		if v.Spec.Name == key {
			return v, true
		}
	}
	if n, err := strconv.Atoi(key); err == nil {
		for _, v := range views {
			if int(v.ID) == n {
				return v, true
			}
		}
	}
	known := make([]string, 0, len(views))
	for i, v := range views {
		if i == 10 {
			known = append(known, fmt.Sprintf("and %d more", len(views)-10))
			break
		}
		known = append(known, fmt.Sprintf("%q (%d)", v.Spec.Name, v.ID))
	}
	allowed := "this service has no feeds"
	if len(known) > 0 {
		allowed = "allowed a feed's name or number: " + strings.Join(known, ", ")
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("feed %q: no such feed; %s", key, allowed))
	return app.FeedView{}, false
}

func (s *Server) getFeed(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.lookup(w, r); ok {
		writeJSON(w, http.StatusOK, FeedOf(v))
	}
}

func (s *Server) getInspection(w http.ResponseWriter, r *http.Request) {
	v, ok := s.lookup(w, r)
	if !ok {
		return
	}
	if v.Inspection == nil {
		why := "it has not been inspected yet"
		if !v.Spec.Inspect && !v.Spec.Media {
			why = "inspection is off for it (inspect = true in the workspace turns it on)"
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("feed %q has no inspection: %s", v.Spec.Name, why))
		return
	}
	writeJSON(w, http.StatusOK, v.Inspection)
}

func (s *Server) getThumbnail(w http.ResponseWriter, r *http.Request) {
	v, ok := s.lookup(w, r)
	if !ok {
		return
	}
	if len(v.Thumbnail) == 0 {
		why := "none has been decoded yet"
		if !v.Spec.Media {
			why = `media analysis is off for it (media = "light" or "full" in the workspace turns it on)`
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("feed %q has no thumbnail: %s", v.Spec.Name, why))
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(v.Thumbnail)))
	_, _ = w.Write(v.Thumbnail)
}

// control runs a command on the feed {id} and answers with its snapshot
// after the command; a refusal (the latency wizard has the feed) is 409.
func (s *Server) control(w http.ResponseWriter, r *http.Request, run func(id app.FeedID) error) {
	v, ok := s.lookup(w, r)
	if !ok {
		return
	}
	if err := run(v.ID); err != nil {
		status := http.StatusConflict
		if errors.Is(err, app.ErrNoFeed) {
			status = http.StatusNotFound
		}
		writeError(w, status, fmt.Sprintf("feed %q: %s", v.Spec.Name, strings.TrimPrefix(err.Error(), "app: ")))
		return
	}
	after, ok := s.c.Feed(v.ID)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("feed %q was removed meanwhile", v.Spec.Name))
		return
	}
	writeJSON(w, http.StatusOK, FeedOf(after))
}

func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	s.control(w, r, s.c.Start)
}

func (s *Server) stop(w http.ResponseWriter, r *http.Request) {
	s.control(w, r, func(id app.FeedID) error { s.c.Stop(id); return nil })
}

func (s *Server) acknowledge(w http.ResponseWriter, r *http.Request) {
	s.control(w, r, func(id app.FeedID) error { s.c.Acknowledge(id); return nil })
}

func (s *Server) latency(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err == nil {
		var ms int
		if ms, err = ParseLatencyBody(body); err == nil {
			s.control(w, r, func(id app.FeedID) error { return s.c.ApplyLatency(id, ms) })
			return
		}
	}
	var be *BodyError
	if errors.As(err, &be) {
		writeError(w, http.StatusBadRequest, be.Message())
		return
	}
	writeError(w, http.StatusBadRequest, err.Error())
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	s.metrics.ServeHTTP(w, r)
}
