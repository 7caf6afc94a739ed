package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/impair"
)

// Demo is a live feed that needs no encoder: the embedded bars-and-tone clip
// sent by srtscope's own sender through the impairment relay (about 2% loss,
// 30 ms round trip) into a listener feed of the controller, on loopback.
type Demo struct {
	// FeedID is the controller feed that receives the demo.
	FeedID FeedID

	ctrl   *Controller
	relay  *impair.Relay
	cancel context.CancelFunc
	wg     sync.WaitGroup

	ctx       context.Context // ends with Close or the Controller
	black     chan time.Duration
	closeOnce sync.Once
}

// Demo path settings.
const (
	demoLossPct   = 2
	demoOneWay    = 15 * time.Millisecond
	demoLatencyMs = 200
)

// ErrNoDemo is returned by the demo injections when no demo feed runs.
var ErrNoDemo = errors.New("app: the demo feed is not running: start srtscope with --demo")

// StartDemo adds and starts one more demo feed on c. Its sender and relay
// run until c's context ends, Close, or c.Close; the feed stays in the
// controller.
func StartDemo(c *Controller) (*Demo, error) {
	c.demoMu.Lock()
	n := len(c.demos) + 1
	c.demoMu.Unlock()
	return c.startDemo(n)
}

// StartDemos starts n more demo feeds, numbered after those already
// running, and returns their feed IDs; on an error it returns those it
// started. The first demo feed is the one InjectBlack and InjectOutage act
// on.
func (c *Controller) StartDemos(n int) ([]FeedID, error) {
	var ids []FeedID
	for range n {
		d, err := StartDemo(c)
		if err != nil {
			return ids, err
		}
		ids = append(ids, d.FeedID)
	}
	return ids, nil
}

// DemoFeed returns the first demo feed's ID; ok is false without one.
func (c *Controller) DemoFeed() (id FeedID, ok bool) {
	if d := c.firstDemo(); d != nil {
		return d.FeedID, true
	}
	return 0, false
}

func (c *Controller) firstDemo() *Demo {
	c.demoMu.Lock()
	defer c.demoMu.Unlock()
	if len(c.demos) == 0 {
		return nil
	}
	return c.demos[0]
}

// InjectBlack switches the first demo feed's sender to black and silence
// for dur (ErrNoDemo without one).
func (c *Controller) InjectBlack(dur time.Duration) error {
	d := c.firstDemo()
	if d == nil {
		return ErrNoDemo
	}
	d.InjectBlack(dur)
	return nil
}

// InjectOutage cuts the first demo feed's path for dur (ErrNoDemo without
// one).
func (c *Controller) InjectOutage(dur time.Duration) error {
	d := c.firstDemo()
	if d == nil {
		return ErrNoDemo
	}
	d.InjectOutage(dur)
	return nil
}

// startDemo starts the n-th of several demo feeds (n from 1): its name
// carries the number from 2 on, and its relay loses other packets.
func (c *Controller) startDemo(n int) (*Demo, error) {
	name := "Demo: bars and tone (2% loss, 30 ms RTT)"
	if n > 1 {
		name = fmt.Sprintf("Demo %d: bars and tone (2%% loss, 30 ms RTT)", n)
	}
	port, err := freeUDPPort()
	if err != nil {
		return nil, err
	}
	lcfg := session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: demoLatencyMs}
	id, err := c.Add(FeedSpec{Name: name, Config: lcfg, Inspect: true, Media: true})
	if err != nil {
		return nil, fmt.Errorf("app: demo feed: %w", err)
	}
	if err := c.Start(id); err != nil {
		return nil, fmt.Errorf("app: demo feed: %w", err)
	}
	relay, err := impair.Listen(impair.Config{
		Listen:   "127.0.0.1:0",
		Upstream: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)).String(),
		Forward:  impair.Impairment{LossPct: demoLossPct, Delay: demoOneWay},
		Reverse:  impair.Impairment{Delay: demoOneWay},
		Seed:     int64(n),
	})
	if err != nil {
		c.Stop(id)
		return nil, fmt.Errorf("app: demo relay: %w", err)
	}
	ctx, cancel := context.WithCancel(c.ctx)
	d := &Demo{FeedID: id, ctrl: c, relay: relay, ctx: ctx, cancel: cancel, black: make(chan time.Duration)}
	c.demoMu.Lock()
	if c.ctx.Err() != nil { // the Controller closed meanwhile
		c.demoMu.Unlock()
		cancel()
		_ = relay.Close() // never fails
		c.Stop(id)
		return nil, fmt.Errorf("app: demo feed: %w", c.ctx.Err())
	}
	c.demos = append(c.demos, d)
	c.demoMu.Unlock()
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		if err := relay.Run(ctx); err != nil {
			d.logError(fmt.Errorf("demo relay stopped: %w", err))
		}
	}()
	scfg := session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: int(relay.Addr().Port()), LatencyMs: demoLatencyMs}
	go func() {
		defer d.wg.Done()
		d.sendLoop(ctx, scfg)
	}()
	return d, nil
}

// sendLoop sends bars and tone, or black and silence while an injected
// black spell lasts, until ctx ends. It owns the sender: InjectBlack asks
// it to switch through d.black.
func (d *Demo) sendLoop(ctx context.Context, cfg session.Config) {
	var (
		blackUntil time.Time
		back       <-chan time.Time // when the black spell ends
	)
	for ctx.Err() == nil {
		clip := assets.DemoTS
		if time.Now().Before(blackUntil) {
			clip = assets.DemoBlackTS
		}
		s, err := session.NewSender(cfg, bytes.NewReader(clip), int64(len(clip)), session.SenderOptions{Loop: true})
		if err != nil {
			d.logError(fmt.Errorf("demo sender stopped: %w", err))
			return
		}
		sctx, stopSender := context.WithCancel(ctx)
		done := make(chan struct{})
		var runErr error
		go func() {
			defer close(done)
			runErr = s.Run(sctx)
		}()
		select {
		case dur := <-d.black:
			blackUntil = time.Now().Add(dur)
			back = time.After(dur)
		case <-back:
			back = nil
		case <-done:
		case <-ctx.Done():
		}
		stopSender()
		<-done
		if runErr != nil && ctx.Err() == nil {
			// Started again after a pause, so a failing sender cannot spin.
			d.logError(fmt.Errorf("demo sender stopped, starting it again: %w", runErr))
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
		}
	}
}

// logError adds err to the demo feed's event log, where it says why the
// demo stream stopped; nothing else reports the sender's or relay's end.
func (d *Demo) logError(err error) {
	f, ferr := d.ctrl.get(d.FeedID)
	if ferr != nil {
		return // the feed was removed
	}
	_ = f.do(func(st *feedState) error { // fails only once the feed is gone
		st.appendLog(LogEntry{Time: time.Now(), Kind: "error", Detail: err.Error()})
		return nil
	})
}

// InjectBlack switches the sender to black picture and silence for d, to
// show the media alarms.
func (d *Demo) InjectBlack(dur time.Duration) {
	select {
	case d.black <- dur:
	case <-d.ctx.Done():
	}
}

// InjectOutage cuts the path in both directions for dur.
func (d *Demo) InjectOutage(dur time.Duration) { d.relay.Cut(dur) }

// Close stops the demo sender and relay; closing twice does nothing.
func (d *Demo) Close() {
	d.closeOnce.Do(func() {
		d.cancel()
		_ = d.relay.Close() // never fails
		d.wg.Wait()
	})
}

// freeUDPPort asks the kernel for a free loopback UDP port.
func freeUDPPort() (int, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("app: no free UDP port on loopback: %w", err)
	}
	// The socket only reserved a port number to read back; closing it frees
	// the port for the receiver, and a close error would not change that.
	defer func() { _ = pc.Close() }()
	return pc.LocalAddr().(*net.UDPAddr).Port, nil
}
