// Package probe analyses MPEG transport streams: its own 188-byte packet loop
// (continuity, rates, PCR), ETSI TR 101 290 priority 1 and 2 checks, PSI/PES
// through go-astits and codec details through mediacommon. It never imports
// session, app or Fyne.
package probe

import (
	"fmt"
	"strconv"
	"strings"
)

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

	// Added by the analyser (new fields only; the ones above are the contract).
	Packets        uint64        `json:"packets"`                   // 188-byte packets analysed
	Bytes          uint64        `json:"bytes"`                     // input bytes, including any skipped
	PacketSize     int           `json:"packet_size,omitempty"`     // 188, 192 (M2TS) or 204 (with Reed-Solomon bytes)
	TSBitrateBps   float64       `json:"ts_bitrate_bps"`            // whole multiplex, average over the inspected span
	TR101290Detail []CheckDetail `json:"tr101290_detail,omitempty"` // indicators that fired, with first/last occurrence

	// Issue 16: SCTE-35 cues, the PID history and the stuffing share.
	Cues          []Cue      `json:"cues"`            // SCTE-35 splice_insert and time_signal, in arrival order
	PIDHistory    []PIDEvent `json:"pid_history"`     // PIDs starting and stopping, PMT versions, scrambling changes
	NullPacketPct float64    `json:"null_packet_pct"` // share of null packets (PID 0x1FFF) in the multiplex, percent

	// Issue 16: EBU R128 loudness per audio PID (filled in by the media
	// analyser with ffmpeg; empty without it).
	Loudness []Loudness `json:"loudness"`
}

// Loudness is the EBU R128 / ITU-R BS.1770 summary of one audio PID over
// the inspected span: integrated loudness (LUFS), loudness range (LU), the
// highest true peak (dBTP) and the highest momentary loudness (LUFS) are
// the contract (DESIGN.md section 8); the momentary (400 ms) and short-term
// (3 s) loudness at the end of the span are added, so a live inspection
// snapshot also carries the meters.
type Loudness struct {
	PID              uint16  `json:"pid"`
	IntegratedLUFS   float64 `json:"integrated_lufs"`
	RangeLU          float64 `json:"range_lu"`
	TruePeakDBTP     float64 `json:"true_peak_dbtp"`
	MomentaryMaxLUFS float64 `json:"momentary_max_lufs"`

	MomentaryLUFS float64 `json:"momentary_lufs"`
	ShortTermLUFS float64 `json:"short_term_lufs"`
}

// Program is one MPEG program (a PMT) and its elementary streams.
type Program struct {
	Number  uint16   `json:"number"`
	PMTPID  uint16   `json:"pmt_pid"`
	PCRPID  uint16   `json:"pcr_pid,omitempty"`
	Streams []Stream `json:"streams"`

	ServiceName  string `json:"service_name"`  // from the SDT's service_descriptor, "" without one
	ProviderName string `json:"provider_name"` // service_provider_name of the same descriptor

	PMTVersion int  `json:"pmt_version"`           // version_number of the last PMT, -1 if none arrived
	PMTChanges int  `json:"pmt_changes,omitempty"` // PMT version changes seen mid-stream
	InPAT      bool `json:"in_pat"`                // still listed in the latest PAT
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
	// NoParameterSets: an H.264 or HEVC stream in which no sequence
	// parameter set was seen in the PES packets the probe reads for codec
	// details (Options.DetectPES): the encoder sends its SPS/PPS only once,
	// at the start, so a receiver that joins later cannot decode it.
	NoParameterSets bool `json:"no_parameter_sets,omitempty"`
}

// Details describes the stream's format in a few words for people, e.g.
// "1280x720p 25 fps, Main @ 3.1" or "48000 Hz, 2 ch, lang eng"; the stream
// type ends it when withType is set. Empty when nothing is known.
func (s Stream) Details(withType bool) string {
	var parts []string
	if s.Width > 0 {
		scan := "p"
		if s.Interlaced {
			scan = "i"
		}
		v := fmt.Sprintf("%dx%d%s", s.Width, s.Height, scan)
		if s.FPS > 0 {
			v += " " + strconv.FormatFloat(s.FPS, 'f', -1, 64) + " fps"
		}
		parts = append(parts, v)
	}
	if s.Profile != "" {
		p := s.Profile
		if s.Level != "" {
			p += " @ " + s.Level
		}
		parts = append(parts, p)
	}
	if s.SampleRate > 0 {
		parts = append(parts, fmt.Sprintf("%d Hz", s.SampleRate))
	}
	if s.Channels > 0 {
		parts = append(parts, fmt.Sprintf("%d ch", s.Channels))
	}
	if s.Language != "" {
		parts = append(parts, "lang "+s.Language)
	}
	if withType {
		parts = append(parts, fmt.Sprintf("stream type 0x%02X", s.StreamType))
	}
	return strings.Join(parts, ", ")
}

// PIDStats is what the packet loop counted on one PID.
type PIDStats struct {
	PID        uint16  `json:"pid"`
	Packets    uint64  `json:"packets"`
	BitrateBps float64 `json:"bitrate_bps"` // average over the inspected span
	CCErrors   uint64  `json:"cc_errors"`

	BitrateMinBps    float64 `json:"bitrate_min_bps,omitempty"`   // lowest over the complete 1 s windows of the stream clock
	BitrateMaxBps    float64 `json:"bitrate_max_bps,omitempty"`   // highest over the same windows
	ScrambledPackets uint64  `json:"scrambled_packets,omitempty"` // packets with transport_scrambling_control set

	Label           string      `json:"label,omitempty"`             // what the PID carries: PAT, PMT program 1, h264 video, null...
	Bitrate1sBps    float64     `json:"bitrate_1s_bps"`              // over the last complete 1 s window
	TransportErrors uint64      `json:"transport_errors,omitempty"`  // packets with the transport error indicator
	PESLengthErrors uint64      `json:"pes_length_errors,omitempty"` // PES whose data did not match PES_packet_length
	LastS           float64     `json:"last_s"`                      // media time of the last packet
	PCR             *PCRStats   `json:"pcr,omitempty"`
	Tables          *TableStats `json:"tables,omitempty"` // PAT/PMT PIDs: section arrivals
}

// PCRStats describes the PCRs carried on one PID.
type PCRStats struct {
	Count         uint64  `json:"count"`
	IntervalMinMS float64 `json:"interval_min_ms"`
	IntervalAvgMS float64 `json:"interval_avg_ms"`
	IntervalMaxMS float64 `json:"interval_max_ms"`
	// JitterMaxMS is the largest difference between a PCR step and the time
	// the bytes in between take at the average multiplex rate. It is PCR
	// accuracy for constant-bitrate streams; on a variable-bitrate file it
	// mostly measures the bitrate swings.
	JitterMaxMS float64 `json:"jitter_max_ms"`
}

// TableStats describes the arrivals of good (CRC-checked) PAT or PMT
// sections on one PID.
type TableStats struct {
	Sections      uint64  `json:"sections"`
	LastS         float64 `json:"last_s"`          // media time of the last arrival
	IntervalMaxMS float64 `json:"interval_max_ms"` // longest gap between arrivals
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
