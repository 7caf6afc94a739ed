// Package probe analyses MPEG transport streams: its own 188-byte packet loop
// (continuity, rates, PCR), ETSI TR 101 290 priority 1 and 2 checks, PSI/PES
// through go-astits and codec details through mediacommon. It never imports
// session, app or Fyne.
package probe

// Report is the result of inspecting a stream. Its JSON form is the output of
// `srtscope inspect --format json` and its field names are a contract.
type Report struct {
	DurationS     float64      `json:"duration_s"`
	Programs      []Program    `json:"programs"`
	PIDs          []PIDStats   `json:"pids"`
	TR101290      TR101290     `json:"tr101290"`
	Events        []MediaEvent `json:"events"`
	MediaAnalysis string       `json:"media_analysis"`     // "ffmpeg" or "bitstream-only"
	Problems      []string     `json:"problems,omitempty"` // plain-words notes on what was wrong with the input
}

// Program is one MPEG program (a PMT) and its elementary streams.
type Program struct {
	Number  uint16   `json:"number"`
	PMTPID  uint16   `json:"pmt_pid"`
	PCRPID  uint16   `json:"pcr_pid,omitempty"`
	Streams []Stream `json:"streams"`
}

// Stream is one elementary stream with what could be learnt of its codec.
type Stream struct {
	PID        uint16  `json:"pid"`
	StreamType uint8   `json:"stream_type"`
	Kind       string  `json:"kind"` // video, audio, data, subtitle
	Codec      string  `json:"codec"`
	Width      int     `json:"width,omitempty"`
	Height     int     `json:"height,omitempty"`
	FPS        float64 `json:"fps,omitempty"`
	Interlaced bool    `json:"interlaced,omitempty"`
	Profile    string  `json:"profile,omitempty"`
	Level      string  `json:"level,omitempty"`
	SampleRate int     `json:"sample_rate,omitempty"`
	Channels   int     `json:"channels,omitempty"`
	Language   string  `json:"language,omitempty"`
}

// PIDStats is what the packet loop counted on one PID.
type PIDStats struct {
	PID        uint16  `json:"pid"`
	Packets    uint64  `json:"packets"`
	BitrateBps float64 `json:"bitrate_bps"` // average over the inspected span
	CCErrors   uint64  `json:"cc_errors"`
}

// TR101290 holds the ETSI TR 101 290 priority 1 and 2 error counters.
type TR101290 struct {
	TSSyncLoss            uint64 `json:"ts_sync_loss"`
	SyncByteError         uint64 `json:"sync_byte_error"`
	PATError              uint64 `json:"pat_error"`
	CCError               uint64 `json:"cc_error"`
	PMTError              uint64 `json:"pmt_error"`
	PIDError              uint64 `json:"pid_error"`
	TransportError        uint64 `json:"transport_error"`
	CRCError              uint64 `json:"crc_error"`
	PCRRepetitionError    uint64 `json:"pcr_repetition_error"`
	PCRDiscontinuityError uint64 `json:"pcr_discontinuity_error"`
	PTSError              uint64 `json:"pts_error"`
}

// MediaEvent is a span of black picture, frozen picture or silence, in
// seconds of media time from the start of the input. EndS is 0 while the
// condition is still going on.
type MediaEvent struct {
	Kind   string  `json:"kind"` // black, freeze, silence
	PID    uint16  `json:"pid"`
	StartS float64 `json:"start_s"`
	EndS   float64 `json:"end_s"`
}
