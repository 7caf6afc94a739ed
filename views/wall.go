package views

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // thumbnails arrive as JPEG
	"math"
	"net"
	"strings"
	"sync"
	"time"
	"unsafe"

	xdraw "golang.org/x/image/draw"

	"fyne.io/fyne/v2"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/remote"
	"github.com/srtscope/srtscope/session"
)

// The wall (DESIGN.md section 12) is a multiviewer: one tile per feed that
// answers from across a room which feed is in trouble and why. This file
// holds what a tile says, worked out from a FeedView without Fyne objects,
// and the grid arithmetic; walltile.go draws it.

// tileState is everything one wall tile shows, in words and colours.
type tileState struct {
	id   app.FeedID
	name string

	// state is where the feed stands with its cause; alarm is the worst
	// active alarm in words ("" when none), with how many more there are.
	state, alarm string
	frame        color.Color // worst active alarm, else the phase's colour
	stateColor   color.Color

	// figures are the numbers, each with its own colour (the latency
	// against the advice is amber or red when short); empty while not
	// connected.
	figures []tileFigure

	connected bool     // a caller is connected: the state is not news
	badges    []string // "BLACK", "FROZEN", "SILENT": what the audience sees now
	// outBadge marks the worst unhealthy output ("OUT 2") in its light's
	// colour (outColor); "" when every output is healthy.
	outBadge string
	outColor color.Color
	hadAlarm bool // an alarm cleared that nobody acknowledged yet

	// rms and peak are the first two audio channels in dBFS; nil when the
	// feed has no levels. hold is the peak the meter holds (peakHolds).
	rms, peak []float64
	hold      [2]float64

	thumb    image.Image // decoded thumbnail, nil when none
	thumbKey thumbKey

	// remote is set on a feed of another srtscope service (remote.go);
	// id is then 0.
	remote *remoteRef

	// shot is the tile painted ahead for shotBox by the refresh worker
	// (tileArtist), with its picture's box; nil when not painted ahead.
	shot    *image.RGBA
	shotBox tileBox
	shotPic fyne.Size
}

// tileFigure is one figure on a tile.
type tileFigure struct {
	text string
	warn color.Color // nil: the theme's foreground
}

// tileStateOf works out what the tile of v shows (without its thumbnail).
func tileStateOf(v app.FeedView) tileState {
	t := tileState{id: v.ID, name: feedTitle(v), hadAlarm: v.HadAlarm, connected: v.Running && v.Status.Phase == app.PhaseConnected}
	t.state, t.stateColor = stateWords(v)
	t.frame = t.stateColor
	if len(v.Alarms) > 0 {
		t.frame = healthColor(v.Health)
		worst := v.Alarms[0]
		for _, a := range v.Alarms[1:] {
			if alarmHealth(a.Kind) > alarmHealth(worst.Kind) {
				worst = a
			}
		}
		t.alarm = worst.Detail
		if t.alarm == "" {
			t.alarm = worst.Describe()
		}
		if n := len(v.Alarms) - 1; n > 0 {
			t.alarm = fmt.Sprintf("%s (+%d more)", t.alarm, n)
		}
	}
	t.badges = mediaBadges(v)
	if badge, why, c := outputBadge(v); badge != "" {
		t.outBadge, t.outColor = badge, c
		if t.alarm == "" {
			t.alarm = why
		}
	}
	if v.Running && v.Sample.State == session.StateConnected {
		t.figures = tileFigures(v)
		if f, ok := loudnessFigure(v); ok {
			t.figures = append(t.figures, f)
		}
	}
	if v.Levels != nil && v.Running {
		n := min(len(v.Levels.RMSdB), len(v.Levels.PeakdB), 2)
		t.rms = append([]float64(nil), v.Levels.RMSdB[:n]...)
		t.peak = append([]float64(nil), v.Levels.PeakdB[:n]...)
		if n > 0 && len(t.figures) > 0 {
			t.figures = append(t.figures, tileFigure{text: "peak " + peakWords(t.peak) + " dBFS"})
		}
	}
	return t
}

// peakWords writes channel peaks as "-12 / -14".
func peakWords(peaks []float64) string {
	parts := make([]string, len(peaks))
	for i, p := range peaks {
		if p <= meterFloorDB {
			parts[i] = "-inf"
			continue
		}
		parts[i] = fmt.Sprintf("%.0f", p)
	}
	return strings.Join(parts, " / ")
}

// alarmHealth is how bad an alarm kind is: red kinds beat amber ones.
func alarmHealth(k app.AlarmKind) app.Health {
	if h := k.Severity(); h != app.HealthGreen {
		return h
	}
	return app.HealthRed
}

// stateWords is the feed's state with its cause, in the phase's colour
// (phaseLook: the same colours as the detail's header).
func stateWords(v app.FeedView) (string, color.Color) {
	_, c := phaseLook(v)
	st := v.Status
	switch {
	case v.Tuning || st.Phase == app.PhaseTuning:
		return "latency wizard tuning it", c
	case !v.Running && st.Phase != app.PhaseFailed:
		return "stopped", c
	case st.WrongPassphrase() && st.Phase == app.PhaseWaiting:
		words := "encoder's passphrase is wrong"
		if st.Rejections > 1 {
			words += fmt.Sprintf(" (%d calls rejected on %s)", st.Rejections, st.Listen)
		}
		return words, colorRed
	case st.WrongPassphrase():
		return "passphrase does not match " + st.Remote + "'s", colorRed
	case st.Phase == app.PhaseConnected:
		// The peer's port is an ephemeral one: its host says who called.
		if host, _, err := net.SplitHostPort(st.Peer); err == nil {
			return "connected to " + host, c
		}
	}
	return st.Describe(), c
}

// tileFigures are Mbit/s, RTT, latency against the advice and dropped
// packets, per second (from the last two samples) and in all.
func tileFigures(v app.FeedView) []tileFigure {
	s := v.Sample
	figs := []tileFigure{
		{text: fmt.Sprintf("%.2f Mbit/s", s.RecvMbps)},
		{text: fmt.Sprintf("RTT %.0f ms", s.RTTMs)},
	}
	if a, ok := app.AdviseLatency(v); ok {
		f := tileFigure{text: fmt.Sprintf("latency %.1f× RTT, advised %d×", a.Multiplier, a.Advice.Multiplier)}
		if a.Health != app.HealthGreen {
			f.warn = healthColor(a.Health)
		}
		figs = append(figs, f)
	}
	perS := droppedPerSecond(v.History)
	f := tileFigure{text: fmt.Sprintf("dropped %s/s, %d in all", trimFloat(perS), s.PktsDropped)}
	if perS > 0 {
		f.warn = colorRed
	}
	return append(figs, f)
}

// droppedPerSecond is the rate of dropped packets between the last two
// samples; 0 with fewer than two or when the counter went back (a new
// session).
func droppedPerSecond(h []session.Sample) float64 {
	if len(h) < 2 {
		return 0
	}
	a, b := h[len(h)-2], h[len(h)-1]
	dt := b.Time.Sub(a.Time).Seconds()
	if dt <= 0 || b.PktsDropped < a.PktsDropped {
		return 0
	}
	return float64(b.PktsDropped-a.PktsDropped) / dt
}

// trimFloat writes a rate with at most one decimal, none when whole.
func trimFloat(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.1f", f)
}

// mediaBadges are the black / frozen / silent conditions of the feed:
// raised alarms, and conditions the media analyser reports that have not
// lasted long enough to alarm yet.
func mediaBadges(v app.FeedView) []string {
	on := map[string]bool{}
	for _, a := range v.Alarms {
		switch a.Kind {
		case app.AlarmBlack:
			on["black"] = true
		case app.AlarmFreeze:
			on["freeze"] = true
		case app.AlarmSilence:
			on["silence"] = true
		}
	}
	if v.Running {
		seen := map[string]bool{}
		for i := len(v.Log) - 1; i >= 0 && i >= len(v.Log)-64; i-- {
			e := v.Log[i]
			if e.Kind != "black" && e.Kind != "freeze" && e.Kind != "silence" || seen[e.Kind] {
				continue
			}
			seen[e.Kind] = true
			if strings.HasSuffix(e.Detail, "started") {
				on[e.Kind] = true
			}
		}
	}
	var out []string
	for _, k := range []struct{ kind, badge string }{{"black", "BLACK"}, {"freeze", "FROZEN"}, {"silence", "SILENT"}} {
		if on[k.kind] {
			out = append(out, k.badge)
		}
	}
	return out
}

// thumbKey identifies one thumbnail as a tile shows it: the JPEG, without
// hashing it (the app replaces the slice for every new picture and never
// writes into one it has published), and the size it was scaled to.
type thumbKey struct {
	ptr uintptr
	n   int
	px  image.Point // the prepared image's size in pixels
}

func keyOf(b []byte) thumbKey {
	if len(b) == 0 {
		return thumbKey{}
	}
	return thumbKey{ptr: uintptr(unsafe.Pointer(unsafe.SliceData(b))), n: len(b)}
}

// pictureRound says how the refresh worker prepares the thumbnails of one
// tick: the tile picture's box in pixels (zero: the picture's own size),
// and whether new pictures are taken now. A busy wall takes them once a
// second, all in the same frame, while its numbers move more often.
type pictureRound struct {
	box   image.Point
	fresh bool
}

// thumbCache prepares each feed's thumbnail for its tile, off the UI
// goroutine: it decodes each new JPEG once and scales it to the tile's
// picture box as an *image.RGBA, which Fyne's GL painter uploads as it is.
// The UI goroutine then neither decodes, converts nor scales. It is used
// from the refresh worker and the UI goroutine, hence the lock.
type thumbCache struct {
	mu      sync.Mutex
	entries map[app.FeedID]thumbEntry
	decodes int // how many JPEGs it decoded, for tests
	scales  int // how many pictures it prepared, for tests
}

type thumbEntry struct {
	key thumbKey    // the JPEG's; px is that of img
	src image.Image // decoded, nil when none or undecodable
	img image.Image // src prepared for box
	box image.Point
}

// image returns v's thumbnail ready for round's box. A new JPEG is
// decoded when the round takes new pictures (or the tile has none yet);
// otherwise the tile keeps the picture it has. A picture is scaled again
// only when it or the box changed.
func (c *thumbCache) image(v app.FeedView, round pictureRound) (image.Image, thumbKey) {
	k := keyOf(v.Thumbnail)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[app.FeedID]thumbEntry{}
	}
	e, ok := c.entries[v.ID]
	switch {
	case ok && (e.key.ptr != k.ptr || e.key.n != k.n) && k.n > 0 && !round.fresh && e.src != nil:
		// A new picture waits for the next round; a picture that went
		// away goes at once.
	case !ok || e.key.ptr != k.ptr || e.key.n != k.n:
		e = thumbEntry{key: k}
		if k.n > 0 {
			if m, _, err := image.Decode(bytes.NewReader(v.Thumbnail)); err == nil {
				e.src = m
			}
			c.decodes++
		}
	}
	if e.src != nil && (e.img == nil || e.box != round.box) {
		e.img, e.box = fitPicture(e.src, round.box), round.box
		e.key.px = e.img.Bounds().Size()
		c.scales++
	}
	if e.src == nil {
		e.img, e.key.px = nil, image.Point{}
	}
	c.entries[v.ID] = e
	return e.img, e.key
}

// fitPicture scales src down to fit box, keeping its shape, into an RGBA
// image; it never enlarges (the GPU does that for free), and a zero box
// keeps the size.
func fitPicture(src image.Image, box image.Point) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if box.X > 0 && box.Y > 0 && (w > box.X || h > box.Y) {
		if w*box.Y > h*box.X { // wider than the box: its width decides
			w, h = box.X, max(1, h*box.X/w)
		} else {
			w, h = max(1, w*box.Y/h), box.Y
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		xdraw.Draw(dst, dst.Rect, src, b.Min, xdraw.Src)
	} else {
		xdraw.ApproxBiLinear.Scale(dst, dst.Rect, src, b, xdraw.Src, nil)
	}
	return dst
}

// forget drops the entries of feeds that are gone.
func (c *thumbCache) forget(keep []app.FeedView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	live := map[app.FeedID]bool{}
	for _, v := range keep {
		live[v.ID] = true
	}
	for id := range c.entries {
		if !live[id] {
			delete(c.entries, id)
		}
	}
}

// peakHolds holds each tile's audio peaks for peakHoldFor, as a meter's
// peak line does, so that a short peak stays readable. The refresh worker
// and the UI goroutine both work out tiles, hence the lock.
type peakHolds struct {
	mu   sync.Mutex
	now  func() time.Time // time.Now; tests set it
	held map[holdKey]heldPeaks
}

// holdKey is a tile's feed: a local one by id, another service's by
// service and name.
type holdKey struct {
	id      app.FeedID
	service remote.ServiceID
	feed    string
}

type heldPeaks struct {
	db [2]float64
	at [2]time.Time
}

// hold sets each state's held peaks, and forgets the feeds that are gone.
func (p *peakHolds) hold(states []tileState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.now != nil {
		now = p.now()
	}
	old := p.held
	p.held = make(map[holdKey]heldPeaks, len(states))
	for i, st := range states {
		k := holdKey{id: st.id}
		if st.remote != nil {
			k.service, k.feed = st.remote.service, st.remote.feed
		}
		h, ok := old[k]
		if !ok {
			h.db = [2]float64{meterFloorDB, meterFloorDB}
		}
		for c := range 2 {
			level := float64(meterFloorDB)
			if c < len(st.peak) {
				level = st.peak[c]
			}
			if level >= h.db[c] || now.Sub(h.at[c]) > peakHoldFor {
				h.db[c], h.at[c] = level, now
			}
		}
		p.held[k] = h
		states[i].hold = h.db
	}
}

// wallStates works out every tile, thumbnails included. It may run off the
// UI goroutine (the refresh worker), so the UI goroutine only copies the
// results into the tiles.
func wallStates(feeds []app.FeedView, cache *thumbCache, round pictureRound) []tileState {
	out := make([]tileState, len(feeds))
	for i, v := range feeds {
		out[i] = tileStateOf(v)
		out[i].thumb, out[i].thumbKey = cache.image(v, round)
	}
	cache.forget(feeds)
	return out
}

// tileAspect is the shape the grid aims each tile at: a 16:9 picture with
// the name above and three lines of words and figures below.
const tileAspect = 1.4

// wallColumns is how many columns n tiles take in a w x h area: the count
// that gives each tile the largest tileAspect-shaped box.
func wallColumns(n int, w, h float32) int {
	if n <= 1 || w <= 0 || h <= 0 {
		return 1
	}
	best, bestArea := 1, float32(-1)
	for cols := 1; cols <= n; cols++ {
		rows := (n + cols - 1) / cols
		tw, th := w/float32(cols), h/float32(rows)
		fw := min(tw, th*tileAspect)
		area := fw * (fw / tileAspect)
		if area > bestArea*1.001 {
			best, bestArea = cols, area
		}
	}
	return best
}
