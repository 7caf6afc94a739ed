package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/media"
	"github.com/srtscope/srtscope/session"
)

// LiveInspectionOptions tune a LiveInspection. The zero value inspects with
// the probe's defaults and ffmpeg from PATH when it is installed.
type LiveInspectionOptions struct {
	Probe probe.Options
	// Media configures the media analyser (ffmpeg path, light mode,
	// detector thresholds, callbacks).
	Media media.Config
	// NoFFmpeg uses the pure-Go bitstream reader (silence, MP2 levels) even
	// when ffmpeg is installed.
	NoFFmpeg bool
	// FinishWait bounds how long Finish lets ffmpeg work through the bytes
	// it was already given (default 10 s).
	FinishWait time.Duration
	// NoMedia runs the probe only: no black, freeze or silence analysis.
	NoMedia bool
	// MissingFFmpegNote replaces the words that say black and freeze need
	// ffmpeg when it is not found (a GUI can point at its settings).
	MissingFFmpegNote string
}

// LiveInspection looks inside a received feed while it arrives: the probe's
// packet loop, PSI, codec details and TR 101 290 counters, and the media
// analyser (ffmpeg, or the AAC/MP2 bitstream reader without it) for black,
// frozen and silent spans. Give Sink to session.ReceiverOptions; call Finish
// once the receiver's Run has returned for the report of the whole feed.
type LiveInspection struct {
	analyzer *probe.Analyzer
	ff       *media.Analyser
	bs       *lockedWriter // wraps a *media.BitstreamAnalyser
	bsa      *media.BitstreamAnalyser
	sink     teeSink
	mode     string
	note     string
	wait     time.Duration

	once  sync.Once
	final probe.Report
}

// NewLiveInspection starts the analysers. ffmpeg, when used, runs until ctx
// ends, Finish or Close.
func NewLiveInspection(ctx context.Context, opts LiveInspectionOptions) *LiveInspection {
	l := &LiveInspection{analyzer: probe.NewAnalyzer(ctx, opts.Probe), wait: opts.FinishWait}
	if l.wait <= 0 {
		l.wait = 10 * time.Second
	}
	l.sink = teeSink{l.analyzer}
	if opts.NoMedia {
		return l
	}
	if !opts.NoFFmpeg {
		if m, err := media.New(opts.Media); err == nil {
			l.ff, l.mode = m, media.AnalysisFFmpeg
			l.sink = append(l.sink, m)
			m.Start(ctx)
			return l
		}
		l.note = "black and freeze detection needs ffmpeg, which was not found: install it (silence and MP2 levels still come from the bitstream)"
		if opts.MissingFFmpegNote != "" {
			l.note = opts.MissingFFmpegNote
		}
	}
	l.mode = media.AnalysisBitstream
	l.bsa = media.NewBitstreamAnalyser(opts.Media)
	l.bs = &lockedWriter{w: l.bsa}
	l.sink = append(l.sink, l.bs)
	return l
}

// Sink is what the receiver hands the TS bytes to.
func (l *LiveInspection) Sink() session.Sink { return l.sink }

// MediaAnalysis says how media is analysed ("ffmpeg" or "bitstream-only")
// and, when limited, why in words.
func (l *LiveInspection) MediaAnalysis() (mode, note string) { return l.mode, l.note }

// Thumbnail returns the latest JPEG thumbnail ffmpeg made, if any.
func (l *LiveInspection) Thumbnail() ([]byte, bool) {
	if l.ff == nil {
		return nil, false
	}
	t, ok := l.ff.Thumbnail()
	return t.JPEG, ok
}

// Report is a snapshot of the inspection so far; media events still going
// on have EndS 0.
func (l *LiveInspection) Report() probe.Report {
	rep := l.analyzer.Report()
	rep.MediaAnalysis = l.mode
	switch {
	case l.ff != nil:
		rep.Events = append(rep.Events, mediaEvents(l.ff.Events())...)
		for _, ld := range l.ff.Loudness() {
			rep.Loudness = append(rep.Loudness, ld.Summary())
		}
	case l.bs != nil:
		l.bs.mu.Lock()
		rep.Events = append(rep.Events, l.bsa.Events()...)
		l.bs.mu.Unlock()
	}
	if l.note != "" {
		rep.Problems = append(rep.Problems, l.note)
	}
	return rep
}

// Finish ends the input: the packet loop flushes its last partial PES,
// ffmpeg gets what is queued and end of file (for at most FinishWait), and
// media spans still going on are closed at the last media time. Call it once
// nothing writes to Sink any more (after the receiver's Run returned); later
// calls return the same report.
func (l *LiveInspection) Finish() probe.Report {
	l.once.Do(func() {
		l.analyzer.Flush()
		var extra []string
		if l.ff != nil {
			l.ff.CloseInput()
			done := make(chan struct{})
			// Wait's error is the one Close returns below, where it is used.
			go func() { _ = l.ff.Wait(); close(done) }()
			t := time.NewTimer(l.wait)
			select {
			case <-done:
			case <-t.C:
				extra = append(extra, fmt.Sprintf("ffmpeg had not finished the media analysis %s after the end of the input: spans near the end may be missing", l.wait))
			}
			t.Stop()
			err := l.ff.Close()
			<-done
			extra = append(extra, ffmpegProblems(l.ff, err)...)
		} else if l.bs != nil {
			l.bs.mu.Lock()
			l.bsa.Finish()
			l.bs.mu.Unlock()
		}
		rep := l.Report()
		if len(rep.Programs) > 0 {
			rep.Problems = append(rep.Problems, extra...)
		}
		l.final = rep
	})
	return l.final
}

// Close stops the media analyser without waiting for it to finish the
// input. It is safe to call after Finish and on a nil LiveInspection.
func (l *LiveInspection) Close() {
	if l != nil && l.ff != nil {
		// A stop on purpose; a failed run is reported by Finish.
		_ = l.ff.Close()
	}
}

// mediaEvents keeps the black, freeze and silence spans; analysis gaps
// (ffmpeg restarts) are reported as problems instead.
func mediaEvents(all []probe.MediaEvent) []probe.MediaEvent {
	out := make([]probe.MediaEvent, 0, len(all))
	for _, e := range all {
		if e.Kind != media.KindGap {
			out = append(out, e)
		}
	}
	return out
}

// ffmpegProblems says in words what kept ffmpeg from seeing all the feed.
func ffmpegProblems(m *media.Analyser, runErr error) []string {
	var out []string
	for _, e := range m.Events() {
		if e.Kind == media.KindGap {
			out = append(out, fmt.Sprintf("media analysis gap from %.2f s to %.2f s: ffmpeg stopped and was restarted", e.StartS, e.EndS))
		}
	}
	st := m.Stats()
	if st.BytesSkipped > 0 {
		out = append(out, fmt.Sprintf("%d bytes were not analysed for black, freeze and silence: ffmpeg could not keep up", st.BytesSkipped))
	}
	switch {
	case errors.Is(runErr, media.ErrNoStreams):
		out = append(out, "no video or audio stream for the media analysis: black, freeze and silence were not checked")
	case runErr != nil:
		out = append(out, fmt.Sprintf("media analysis: %v", runErr))
	case st.Restarts > 0 && st.LastError != "":
		out = append(out, fmt.Sprintf("ffmpeg was restarted %d time(s); last exit: %s", st.Restarts, st.LastError))
	}
	return out
}
