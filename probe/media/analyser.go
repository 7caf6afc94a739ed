package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/srtscope/srtscope/probe"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("media: analyser closed")

// Stats counts what an Analyser did with its input.
type Stats struct {
	BytesIn      uint64   // bytes given to Write
	BytesSkipped uint64   // bytes dropped because ffmpeg could not keep up or was down
	Restarts     int      // times ffmpeg was restarted after exiting
	LastError    string   // why ffmpeg last exited, if it did
	VideoPID     uint16   // analysed video PID, 0 if none
	AudioPIDs    []uint16 // analysed audio PIDs
	Running      bool     // an ffmpeg process is running
}

// Analyser watches one live feed with an ffmpeg subprocess. Feed it TS bytes
// with Write (which never blocks), run it with Run or Start, and stop it by
// cancelling the context or with Close.
type Analyser struct {
	cfg  Config
	path string
	q    *byteQueue

	mu       sync.Mutex
	log      eventLog
	levels   Levels
	hasLv    bool
	loud     map[uint16]Loudness
	thumb    Thumbnail
	hasThumb bool
	stats    Stats

	runOnce sync.Once
	closing bool
	cancel  context.CancelFunc
	done    chan struct{}
	runErr  error
}

// New makes an analyser. It fails with ErrNoFFmpeg when ffmpeg cannot be
// found; the caller then reports "bitstream-only" analysis.
func New(cfg Config) (*Analyser, error) {
	cfg = cfg.withDefaults()
	path, err := FFmpegPath(cfg.FFmpegPath)
	if err != nil {
		return nil, err
	}
	return &Analyser{cfg: cfg, path: path, q: newByteQueue(cfg.QueueBytes), done: make(chan struct{})}, nil
}

// Write queues TS bytes for ffmpeg. It never blocks: bytes that do not fit
// in the queue are skipped and counted in Stats. It copies p.
func (a *Analyser) Write(p []byte) (int, error) {
	a.q.mu.Lock()
	closed := a.q.closed
	a.q.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	a.q.push(p)
	return len(p), nil
}

// CloseInput marks the end of the input: ffmpeg gets what is queued, then
// end of file, and Run returns once it has finished, with every open event
// closed at the last media time.
func (a *Analyser) CloseInput() { a.q.close() }

// Start runs the analyser in its own goroutine until ctx is done, Close is
// called or the input ends.
func (a *Analyser) Start(ctx context.Context) {
	go func() { _ = a.Run(ctx) }()
}

// Close stops the analyser, kills ffmpeg and waits for it to be gone. It
// returns the error Run ended with, if any.
func (a *Analyser) Close() error {
	started := true
	a.runOnce.Do(func() { started = false; close(a.done) })
	a.mu.Lock()
	a.closing = true
	cancel := a.cancel
	a.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	a.q.close() // after cancel, so Run sees a stop rather than end of input
	if started {
		<-a.done
	}
	return a.runErr
}

// Wait blocks until Run has returned and returns its error.
func (a *Analyser) Wait() error {
	<-a.done
	return a.runErr
}

// Events returns every event so far, ongoing ones with EndS 0.
func (a *Analyser) Events() []probe.MediaEvent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.log.list()
}

// Levels returns the latest audio levels.
func (a *Analyser) Levels() (Levels, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.levels, a.hasLv
}

// Loudness returns the latest EBU R128 reading of every audio PID, by PID.
func (a *Analyser) Loudness() []Loudness {
	a.mu.Lock()
	defer a.mu.Unlock()
	return sortedLoudness(a.loud)
}

func sortedLoudness(m map[uint16]Loudness) []Loudness {
	out := make([]Loudness, 0, len(m))
	for _, l := range m {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

// Thumbnail returns the latest thumbnail.
func (a *Analyser) Thumbnail() (Thumbnail, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.thumb, a.hasThumb
}

// Stats returns the input and restart counters.
func (a *Analyser) Stats() Stats {
	a.mu.Lock()
	s := a.stats
	s.AudioPIDs = append([]uint16(nil), a.stats.AudioPIDs...)
	a.mu.Unlock()
	s.BytesIn, s.BytesSkipped = a.q.counts()
	return s
}

func (a *Analyser) event(e Event) {
	a.mu.Lock()
	a.log.add(e)
	a.mu.Unlock()
	if a.cfg.OnEvent != nil {
		a.cfg.OnEvent(e)
	}
}

func (a *Analyser) level(l Levels) {
	a.mu.Lock()
	a.levels, a.hasLv = l, true
	a.mu.Unlock()
	if a.cfg.OnLevels != nil {
		a.cfg.OnLevels(l)
	}
}

func (a *Analyser) loudness(l Loudness) {
	a.mu.Lock()
	if a.loud == nil {
		a.loud = map[uint16]Loudness{}
	}
	a.loud[l.PID] = l
	a.mu.Unlock()
	if a.cfg.OnLoudness != nil {
		a.cfg.OnLoudness(l)
	}
}

func (a *Analyser) thumbnail(t Thumbnail) {
	a.mu.Lock()
	a.thumb, a.hasThumb = t, true
	a.mu.Unlock()
	if a.cfg.OnThumbnail != nil {
		a.cfg.OnThumbnail(t)
	}
}

// Run analyses the feed until ctx is done (returns nil), Close is called
// (nil) or the input ends (nil, or the error ffmpeg ended with). Events
// still going on when it stops are closed at the last media time seen. It
// may be called once.
func (a *Analyser) Run(ctx context.Context) error {
	first := false
	a.runOnce.Do(func() { first = true })
	if !first {
		return errors.New("media: analyser already run or closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	a.mu.Lock()
	a.cancel = cancel
	if a.closing {
		cancel()
	}
	a.mu.Unlock()
	err := a.run(ctx)
	cancel()
	a.mu.Lock()
	a.stats.Running = false
	a.mu.Unlock()
	a.runErr = err
	close(a.done)
	return err
}

func (a *Analyser) run(ctx context.Context) error {
	pre, video, audio, err := a.scan(ctx)
	if err != nil || (video == nil && len(audio) == 0) {
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = ErrNoStreams
		}
		return err
	}
	a.mu.Lock()
	if video != nil {
		a.stats.VideoPID = video.PID
	}
	for _, s := range audio {
		a.stats.AudioPIDs = append(a.stats.AudioPIDs, s.PID)
	}
	a.mu.Unlock()
	args := buildArgs(a.cfg, "pipe:0", video, audio)
	var vpid uint16
	if video != nil {
		vpid = video.PID
	}

	epoch := time.Now()
	backoff := a.cfg.RestartMin
	offset := 0.0
	for {
		var pmu sync.Mutex
		p := newOutputParser(a.cfg, vpid, a.event, a.level)
		p.loudness = a.loudness
		p.offset = offset
		p.clock = offset
		feed := func(fctx context.Context, w io.Writer) {
			for _, c := range pre {
				if _, err := w.Write(c); err != nil {
					return
				}
			}
			for {
				c := a.q.pop(fctx)
				if c == nil {
					return
				}
				if _, err := w.Write(c); err != nil {
					a.q.mu.Lock()
					a.q.skipped += uint64(len(c))
					a.q.mu.Unlock()
					return
				}
			}
		}
		a.mu.Lock()
		a.stats.Running = true
		a.mu.Unlock()
		began := time.Now()
		err := runFFmpeg(ctx, a.path, args, feed, p, &pmu, func(j []byte, t float64) {
			a.thumbnail(Thumbnail{PID: vpid, TimeS: t, JPEG: j})
		})
		a.mu.Lock()
		a.stats.Running = false
		a.mu.Unlock()
		pre = nil // whatever the first run did not take is stale now
		pmu.Lock()
		if ctx.Err() != nil {
			p.finish() // stopped: what was going on ends now
			pmu.Unlock()
			return nil
		}
		a.q.mu.Lock()
		ended := a.q.closed && len(a.q.chunks) == 0
		a.q.mu.Unlock()
		if ended {
			p.finish()
			pmu.Unlock()
			return err
		}
		// ffmpeg went away while the feed goes on: report a gap, back off,
		// restart on fresh data.
		p.finish()
		gapStart := p.clock
		pmu.Unlock()
		a.mu.Lock()
		a.stats.Restarts++
		if err != nil {
			a.stats.LastError = err.Error()
		} else {
			a.stats.LastError = "ffmpeg exited"
		}
		a.mu.Unlock()
		a.event(Event{Kind: KindGap, PID: vpid, StartS: gapStart})
		if time.Since(began) > 30*time.Second {
			backoff = a.cfg.RestartMin
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			a.event(Event{Kind: KindGap, PID: vpid, StartS: gapStart, EndS: max(time.Since(epoch).Seconds(), gapStart)})
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, a.cfg.RestartMax)
		a.q.drain()
		offset = max(time.Since(epoch).Seconds(), gapStart)
		a.event(Event{Kind: KindGap, PID: vpid, StartS: gapStart, EndS: offset})
	}
}

// scan holds the first bytes of the feed until the PAT and PMT show which
// streams to analyse. It returns the held chunks for ffmpeg.
func (a *Analyser) scan(ctx context.Context) (pre [][]byte, video *streamInfo, audio []streamInfo, err error) {
	if a.cfg.VideoPID != 0 && a.cfg.AudioPID != 0 {
		video = explicit(a.cfg.VideoPID)
		if s := explicit(a.cfg.AudioPID); s != nil {
			audio = []streamInfo{*s}
		}
		return nil, video, audio, nil
	}
	sc := newPSIScanner()
	var tp tsPackets
	held := 0
	for !sc.done() {
		c := a.q.pop(ctx)
		if c == nil {
			break
		}
		pre = append(pre, c)
		held += len(c)
		tp.feed(c, sc.packet)
		if held > a.cfg.ScanBytes {
			if len(sc.streams) > 0 {
				break
			}
			a.q.mu.Lock()
			a.q.skipped += uint64(held)
			a.q.mu.Unlock()
			pre, held = nil, 0
		}
	}
	if ctx.Err() != nil {
		return nil, nil, nil, ctx.Err()
	}
	video, audio = pick(a.cfg, sc.streams)
	return pre, video, audio, nil
}

func explicit(pid int) *streamInfo {
	if pid <= 0 || pid > 0x1fff {
		return nil
	}
	return &streamInfo{PID: uint16(pid)}
}

// maxAudio bounds the audio streams one ffmpeg analyses.
const maxAudio = 8

// pick chooses the analysed streams from the PMT and the configuration:
// the first video stream and every audio stream unless told otherwise.
func pick(c Config, streams []streamInfo) (video *streamInfo, audio []streamInfo) {
	byPID := func(want int) *streamInfo {
		for _, s := range streams {
			if int(s.PID) == want {
				return &s
			}
		}
		return explicit(want)
	}
	switch {
	case c.VideoPID > 0:
		video = byPID(c.VideoPID)
	case c.VideoPID == 0:
		if s, ok := firstOf(streams, "video"); ok {
			video = &s
		}
	}
	switch {
	case c.AudioPID > 0:
		if s := byPID(c.AudioPID); s != nil {
			audio = []streamInfo{*s}
		}
	case c.AudioPID == 0:
		for _, s := range streams {
			if s.Kind == "audio" && len(audio) < maxAudio {
				audio = append(audio, s)
			}
		}
	}
	return video, audio
}

// AnalyseFile runs ffmpeg over a whole TS file as fast as it can and returns
// its black, freeze and silence events, every one closed by the end of the
// input. Levels, loudness and thumbnails go to cfg's callbacks, if set: the
// last Loudness of each PID holds the file's integrated loudness, range,
// true peak and momentary maximum.
func AnalyseFile(ctx context.Context, path string, cfg Config) ([]probe.MediaEvent, error) {
	cfg = cfg.withDefaults()
	ffpath, err := FFmpegPath(cfg.FFmpegPath)
	if err != nil {
		return nil, err
	}
	streams, err := scanFile(path, cfg.ScanBytes)
	if err != nil {
		return nil, err
	}
	video, audio := pick(cfg, streams)
	if video == nil && len(audio) == 0 {
		return nil, ErrNoStreams
	}
	var vpid uint16
	if video != nil {
		vpid = video.PID
	}
	var log eventLog
	emit := func(e Event) {
		log.add(e)
		if cfg.OnEvent != nil {
			cfg.OnEvent(e)
		}
	}
	var pmu sync.Mutex
	p := newOutputParser(cfg, vpid, emit, cfg.OnLevels)
	if cfg.OnLoudness != nil {
		p.loudness = cfg.OnLoudness
	}
	err = runFFmpeg(ctx, ffpath, buildArgs(cfg, path, video, audio), nil, p, &pmu, func(j []byte, t float64) {
		if cfg.OnThumbnail != nil {
			cfg.OnThumbnail(Thumbnail{PID: vpid, TimeS: t, JPEG: j})
		}
	})
	pmu.Lock()
	defer pmu.Unlock()
	if err != nil {
		return nil, err
	}
	p.finish()
	return log.list(), nil
}

// scanFile reads the PAT and PMT from the start of a TS file.
func scanFile(path string, limit int) ([]streamInfo, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	defer func() { _ = f.Close() }()
	sc := newPSIScanner()
	var tp tsPackets
	buf := make([]byte, 64*1024)
	read := 0
	for !sc.done() && read < limit {
		n, err := f.Read(buf)
		read += n
		tp.feed(buf[:n], sc.packet)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("media: reading %s: %w", path, err)
		}
	}
	return sc.streams, nil
}
