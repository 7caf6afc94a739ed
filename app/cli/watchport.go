package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session"
)

// portFeed is one feed of watch --by-streamid.
type portFeed struct {
	name string
	rcv  *session.Receiver
	pull *session.ListenerOutput // callers with m=request for name pull through it
	ins  *app.LiveInspection     // nil without --inspect
	out  *sampleWriter
	done chan error // Run's result
}

// portSummary is the port's own last JSON line of watch --by-streamid:
// the callers it refused before any feed took them.
type portSummary struct {
	Feed    string      `json:"feed"` // always "": the port, not a feed
	Port    string      `json:"port"`
	Summary portOutcome `json:"summary"`
}

// portOutcome is what the port itself saw.
type portOutcome struct {
	Rejections int             `json:"rejections"`
	Feeds      []string        `json:"feeds"`
	Events     []session.Event `json:"events"`
}

// watchPort is watch --by-streamid: one port, a feed per stream name, each
// printed as watch prints one feed, its name on every line.
func watchPort(ctx context.Context, spec app.PortSpec, d time.Duration, format string, inspect bool, std IO) int {
	var cancel context.CancelFunc
	if d > 0 {
		ctx, cancel = context.WithTimeout(ctx, d)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	out := newPortSampleWriter(format, std)
	var (
		mu    sync.Mutex
		feeds = map[string]*portFeed{}
		wg    sync.WaitGroup
	)
	var router *app.PortRouter
	// start makes the feed of name and starts it; the port's goroutine
	// calls it for a new name, so it only starts goroutines.
	start := func(name string) error {
		opts := session.ReceiverOptions{Handed: true}
		f := &portFeed{name: name, out: out.forFeed(name), done: make(chan error, 1)}
		f.pull = app.NewPullPoint(spec.Address(), name, spec.FeedConfig(name))
		sink := sinkTee{f.pull}
		if inspect {
			f.ins = newLiveInspection(ctx, false)
			sink = append(sink, f.ins.Sink())
		}
		opts.Sink = sink
		rcv, err := session.NewReceiver(spec.FeedConfig(name), opts)
		if err != nil {
			f.ins.Close()
			return fmt.Errorf("cli: feed %q: %w", name, err)
		}
		f.rcv = rcv
		if err := router.Attach(name, rcv); err != nil {
			f.ins.Close()
			return err
		}
		sub := rcv.Subscribe(0, 0)
		// The pull point is the feed's one output: its pullers are rows
		// of "outputs", its events the feed's.
		fwd, _ := startForwarder(ctx, nil, nil, nil)
		fwd.addRunning(f.pull, func(e session.Event) { f.out.outputEvent(1, e) })
		f.out.fwd = fwd
		mu.Lock()
		feeds[name] = f
		mu.Unlock()
		wg.Add(2)
		go func() {
			defer wg.Done()
			f.done <- rcv.Run(ctx)
		}()
		go func() {
			defer wg.Done()
			printSubscription(sub, f.out)
		}()
		return nil
	}
	// A caller with m=request for a live name pulls through its feed's pull
	// point; a name nobody publishes now is refused (REJX_NOTFOUND).
	pull := func(name string) session.PullHandler {
		mu.Lock()
		f := feeds[name]
		mu.Unlock()
		if f == nil || f.rcv.Snapshot().State != session.StateConnected {
			return nil
		}
		return func(conn session.SRTConn) { _ = f.pull.AddPuller(conn) }
	}
	router = app.NewPortRouter(spec, start, pull)
	port, err := session.NewPort(spec.Config, router)
	if err != nil {
		return usageError(std, "watch", "%v", err)
	}
	psub := port.Subscribe(0)
	for _, n := range spec.Names {
		if err := start(n); err != nil {
			return usageError(std, "watch", "%v", err)
		}
	}
	accepts := "any stream name (--accept-new)"
	if !spec.AcceptNew {
		accepts = fmt.Sprintf("the stream names %v", spec.Names)
	}
	fmt.Fprintf(std.Stderr, "srtscope watch: %s, routing callers by streamid, taking %s (%s)\n", spec.Config.RedactedURL(), accepts, stopAfter(d))
	portOut := out.forFeed("port " + spec.Address())
	portErr := make(chan error, 1)
	go func() { portErr <- port.Run(ctx) }()
	printSubscription(psub, portOut) // until the port has stopped
	runErr := <-portErr
	// The port has stopped (no feed starts any more): so do the feeds,
	// also when the port could not listen.
	cancel()
	wg.Wait()
	mu.Lock()
	for _, f := range feeds {
		f.out.fwd.stop()
	}
	mu.Unlock()

	mu.Lock()
	names := make([]string, 0, len(feeds))
	for n := range feeds {
		names = append(names, n)
	}
	mu.Unlock()
	slices.Sort(names)
	connected := false
	for _, n := range names {
		f := feeds[n]
		if err := <-f.done; err != nil {
			fmt.Fprintf(std.Stderr, "srtscope watch: feed %q: %v\n", n, err)
		}
		connected = connected || f.rcv.Connects() > 0
		var rep *probe.Report
		if f.ins != nil {
			final := f.ins.Finish()
			rep = &final
		}
		f.out.summary(f.rcv.Summary(), rep)
		if rep != nil {
			f.out.inspection(spec.Config.RedactedURL(), *rep)
		}
	}
	writePortSummary(out, spec.Address(), port, names)
	switch {
	case runErr != nil:
		return failure(std, "watch", runErr)
	case !connected:
		return failure(std, "watch", fmt.Errorf("no caller with an accepted streamid connected to UDP port %d: check the encoders' destination, port, streamid and passphrase (the port refused %d callers)", spec.Config.Port, port.Rejections()))
	}
	return ExitOK
}

// printSubscription prints a session's samples and events until both end.
func printSubscription(sub *session.Subscription, out *sampleWriter) {
	samples, events := sub.Samples, sub.Events
	for samples != nil || events != nil {
		select {
		case s, ok := <-samples:
			if !ok {
				samples = nil
				continue
			}
			out.sample(s)
		case e, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			out.event(e)
		}
	}
}

// writePortSummary prints the port's own outcome: in json its line, in
// csv and text a row and a line.
func writePortSummary(w *sampleWriter, addr string, port *session.Port, feeds []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	events := port.Events()
	if events == nil {
		events = []session.Event{}
	}
	if feeds == nil {
		feeds = []string{}
	}
	switch w.format {
	case "json":
		_ = json.NewEncoder(w.std.Stdout).Encode(portSummary{Port: addr, Summary: portOutcome{Rejections: port.Rejections(), Feeds: feeds, Events: events}})
	case "csv":
		w.csv.Write([]string{"", "port", "address", "rejections", "feeds", "events"})
		w.csv.Write([]string{"", "port", addr, fmt.Sprint(port.Rejections()), fmt.Sprint(len(feeds)), fmt.Sprint(len(events))})
		w.csv.Flush()
	default:
		fmt.Fprintf(w.std.Stdout, "port %s: feeds %s; callers refused: %d; events: %d\n", addr, strings.Join(feeds, ", "), port.Rejections(), len(events))
	}
}
