package media

import (
	"errors"
	"fmt"
	"math"
	"os/exec"
	"runtime"
	"time"

	"github.com/srtscope/srtscope/probe"
)

// Event kinds. Black, freeze and silence match probe.MediaEvent; gap marks a
// span the analyser could not see because ffmpeg had exited and was being
// restarted.
const (
	KindBlack   = "black"
	KindFreeze  = "freeze"
	KindSilence = "silence"
	KindGap     = "gap"
)

// Analysis modes as reported in probe.Report.MediaAnalysis.
const (
	AnalysisFFmpeg    = "ffmpeg"
	AnalysisBitstream = "bitstream-only"
)

// FloorDB is the level reported for digital silence instead of -Inf, so
// levels always encode as JSON numbers.
const FloorDB = -144.0

// MinEventS is the shortest black, frozen or silent span, in seconds, that
// the analysers report as an event: the default of BlackMinS, FreezeMinS and
// SilenceMinS. A 0.6 s drop of picture and sound matters on an event day, so
// it is shorter than ffmpeg's own 2 s defaults; how long a condition must
// last before it raises an alarm is a separate setting of the app.
const MinEventS = 0.5

// ErrNoFFmpeg is returned when no ffmpeg executable can be found; callers
// fall back to bitstream-only analysis (see BitstreamAnalyser).
var ErrNoFFmpeg = errors.New("media: ffmpeg not found: black and freeze detection needs ffmpeg")

// ErrNoStreams is returned when the input has no video or audio stream the
// analyser can look at.
var ErrNoStreams = errors.New("media: no video or audio stream found in the PMT")

// Event is a span of black picture, frozen picture, silence or an analysis
// gap, in seconds of media time from the start of the input. EndS is 0 while
// the condition is still going on. An analyser reports each event twice: once
// when it starts (EndS 0) and once when it ends.
type Event struct {
	Kind   string  `json:"kind"`
	PID    uint16  `json:"pid"`
	StartS float64 `json:"start_s"`
	EndS   float64 `json:"end_s"`
}

// MediaEvent converts the event to the report form of package probe.
func (e Event) MediaEvent() probe.MediaEvent {
	return probe.MediaEvent{Kind: e.Kind, PID: e.PID, StartS: e.StartS, EndS: e.EndS}
}

// Levels are per-channel audio levels over a short window (about 100 ms), in
// dBFS. Digital silence reads FloorDB.
type Levels struct {
	PID    uint16    `json:"pid"`
	TimeS  float64   `json:"time_s"`
	RMSdB  []float64 `json:"rms_db"`
	PeakdB []float64 `json:"peak_db"`
}

// LoudnessFloorLUFS stands for the loudness of silence (ffmpeg's ebur128
// says -inf or about -120.7 LUFS), so values always encode as JSON numbers.
const LoudnessFloorLUFS = -120.7

// Loudness is the EBU R128 (ITU-R BS.1770) loudness of one audio PID, as
// ffmpeg's ebur128 filter measures it in the analyser's own ffmpeg (no
// second decode), about 10 times a second. TimeS is the media time of the
// reading. Momentary is over 400 ms, short-term over 3 s; integrated and
// the loudness range are gated and run from the start of the analysis
// (from the last restart of ffmpeg on a live feed); true peak (4x
// oversampled, dBTP, loudest channel) and the momentary maximum are the
// highest since then.
type Loudness struct {
	PID              uint16  `json:"pid"`
	TimeS            float64 `json:"time_s"`
	MomentaryLUFS    float64 `json:"momentary_lufs"`
	ShortTermLUFS    float64 `json:"short_term_lufs"`
	IntegratedLUFS   float64 `json:"integrated_lufs"`
	RangeLU          float64 `json:"range_lu"`
	TruePeakDBTP     float64 `json:"true_peak_dbtp"`
	MomentaryMaxLUFS float64 `json:"momentary_max_lufs"`
}

// Summary converts the reading to the report form of package probe.
func (l Loudness) Summary() probe.Loudness {
	return probe.Loudness{PID: l.PID, IntegratedLUFS: l.IntegratedLUFS, RangeLU: l.RangeLU,
		TruePeakDBTP: math.Round(l.TruePeakDBTP*1000) / 1000, MomentaryMaxLUFS: l.MomentaryMaxLUFS,
		MomentaryLUFS: l.MomentaryLUFS, ShortTermLUFS: l.ShortTermLUFS}
}

// Thumbnail is one JPEG picture of the analysed video, about one a second.
// TimeS is approximate: the media time of the latest thumbnail frame ffmpeg
// reported when the picture arrived.
type Thumbnail struct {
	PID   uint16
	TimeS float64
	JPEG  []byte
}

// Config tunes an Analyser or AnalyseFile. The zero value is usable: every
// zero field takes the default named in its comment.
type Config struct {
	// FFmpegPath is the ffmpeg executable; "" looks "ffmpeg" up on PATH.
	FFmpegPath string
	// Light decodes video keyframes only (-skip_frame nokey): far cheaper,
	// but black and freeze are only seen at keyframe granularity.
	Light bool
	// VideoPID and AudioPID choose the streams to analyse: VideoPID 0 picks
	// the first video stream of the PMT, AudioPID 0 every audio stream (up
	// to 8); -1 analyses none.
	VideoPID, AudioPID int

	// BlackMinS is blackdetect's d (default MinEventS), BlackPixTh its pix_th
	// (default 0.10) and BlackPicTh its pic_th (default 0.98).
	BlackMinS, BlackPixTh, BlackPicTh float64
	// FreezeNoiseDB is freezedetect's n (default -45 dB; -50 dB splits at
	// every keyframe) and FreezeMinS its d (default MinEventS).
	FreezeNoiseDB, FreezeMinS float64
	// SilenceNoiseDB is silencedetect's n (default -60 dB) and SilenceMinS
	// its d (default MinEventS).
	SilenceNoiseDB, SilenceMinS float64
	// LevelSamples is the audio window per level reading (default 4800,
	// 10 readings a second at 48 kHz).
	LevelSamples int
	// ThumbnailWidth is the thumbnail width in pixels (default 320); -1
	// turns thumbnails off.
	ThumbnailWidth int
	// NoLoudness leaves out the EBU R128 meter (ebur128 with 4x oversampled
	// true peak: about 0.5% of a core per stereo 48 kHz stream, measured
	// as 0.55 s of CPU over 120 s of audio here).
	NoLoudness bool

	// FromStart makes a live Analyser see the feed from its first byte:
	// ffmpeg keeps the packets it reads while probing the input instead of
	// dropping them (-fflags +nobuffer). On a pipe, +nobuffer loses up to the
	// first GOP (about 1 s of picture, 0.4 s of sound), so a span that starts
	// with the feed is reported late; FromStart costs at most the 0.5 s
	// analyzeduration once, before the first result. Bounded inspections
	// (srtscope inspect URL, watch --inspect) set it.
	FromStart bool

	// Duration, when positive, limits AnalyseFile to the first Duration of
	// media (ffmpeg -t); events still open then are closed at that time.
	Duration time.Duration

	// QueueBytes bounds the bytes waiting for ffmpeg (default 4 MiB); what
	// does not fit is skipped and counted.
	QueueBytes int
	// ScanBytes bounds the bytes held while looking for the PAT and PMT
	// before ffmpeg starts (default 4 MiB).
	ScanBytes int
	// RestartMin and RestartMax bound the backoff before ffmpeg is restarted
	// (defaults 500 ms and 10 s).
	RestartMin, RestartMax time.Duration

	// OnEvent, OnLevels, OnLoudness and OnThumbnail, when set, are called
	// from the analyser's goroutines; they must return quickly.
	OnEvent     func(Event)
	OnLevels    func(Levels)
	OnLoudness  func(Loudness)
	OnThumbnail func(Thumbnail)
}

func (c Config) withDefaults() Config {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.BlackMinS, MinEventS)
	def(&c.BlackPixTh, 0.10)
	def(&c.BlackPicTh, 0.98)
	def(&c.FreezeNoiseDB, -45)
	def(&c.FreezeMinS, MinEventS)
	def(&c.SilenceNoiseDB, -60)
	def(&c.SilenceMinS, MinEventS)
	if c.LevelSamples <= 0 {
		c.LevelSamples = 4800
	}
	if c.ThumbnailWidth == 0 {
		c.ThumbnailWidth = 320
	}
	if c.QueueBytes <= 0 {
		c.QueueBytes = 4 << 20
	}
	if c.ScanBytes <= 0 {
		c.ScanBytes = 4 << 20
	}
	if c.RestartMin <= 0 {
		c.RestartMin = 500 * time.Millisecond
	}
	if c.RestartMax <= 0 {
		c.RestartMax = 10 * time.Second
	}
	return c
}

// wellKnownFFmpeg lists, per GOOS, where package managers put ffmpeg
// outside the PATH a desktop app inherits: an app opened from the macOS
// Finder does not see Homebrew's or MacPorts' PATH.
var wellKnownFFmpeg = map[string][]string{
	"darwin": {"/opt/homebrew/bin/ffmpeg", "/usr/local/bin/ffmpeg", "/opt/local/bin/ffmpeg"},
}

// FFmpegPath resolves the ffmpeg executable: path itself when not empty,
// otherwise "ffmpeg" on PATH, then the usual install places of the OS.
func FFmpegPath(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("%w (%w)", ErrNoFFmpeg, err)
		}
		return p, nil
	}
	p, err := exec.LookPath("ffmpeg")
	if err == nil {
		return p, nil
	}
	for _, known := range wellKnownFFmpeg[runtime.GOOS] {
		if p, kerr := exec.LookPath(known); kerr == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w (%w)", ErrNoFFmpeg, err)
}

// Available reports whether ffmpeg can be found on PATH. When it is false,
// callers report "bitstream-only" media analysis.
func Available() bool {
	_, err := FFmpegPath("")
	return err == nil
}

// dB converts a linear amplitude to dBFS, floored at FloorDB.
func dB(v float64) float64 {
	if v <= 0 {
		return FloorDB
	}
	d := 20 * math.Log10(v)
	if d < FloorDB {
		return FloorDB
	}
	return d
}
