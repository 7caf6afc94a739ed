package media

import (
	"errors"
	"fmt"
	"math"
)

// MP2Header is the header of one MPEG audio Layer II frame.
type MP2Header struct {
	LSF         bool // MPEG-2 low sampling frequencies (16, 22.05, 24 kHz)
	CRC         bool // a 16-bit CRC follows the header
	BitrateKbps int
	SampleRate  int
	Padding     bool
	Mode        int // 0 stereo, 1 joint stereo, 2 dual channel, 3 mono
	ModeExt     int
	Channels    int
	FrameLen    int // bytes, header included
}

var (
	mp2Bitrates    = [2][16]int{{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, -1}, {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1}}
	mp2SampleRates = [2][3]int{{44100, 48000, 32000}, {22050, 24000, 16000}}
)

// ParseMP2Header reads an MPEG-1 or MPEG-2 (LSF) Layer II frame header at
// the start of b. Free-format frames (bitrate index 0) are not supported.
func ParseMP2Header(b []byte) (MP2Header, error) {
	var h MP2Header
	if len(b) < 4 {
		return h, fmt.Errorf("media: MP2 header: %w", errShort)
	}
	if b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return h, errors.New("media: no MPEG audio sync word")
	}
	switch b[1] >> 3 & 3 {
	case 3:
	case 2:
		h.LSF = true
	default:
		return h, errors.New("media: not MPEG-1 or MPEG-2 audio")
	}
	if b[1]>>1&3 != 2 {
		return h, errors.New("media: not Layer II")
	}
	h.CRC = b[1]&1 == 0
	v := 0
	if h.LSF {
		v = 1
	}
	h.BitrateKbps = mp2Bitrates[v][b[2]>>4]
	if h.BitrateKbps <= 0 {
		return h, errors.New("media: MP2 free-format or bad bitrate index")
	}
	sri := int(b[2] >> 2 & 3)
	if sri == 3 {
		return h, errors.New("media: MP2 reserved sampling frequency")
	}
	h.SampleRate = mp2SampleRates[v][sri]
	h.Padding = b[2]&2 != 0
	h.Mode = int(b[3] >> 6)
	h.ModeExt = int(b[3] >> 4 & 3)
	h.Channels = 2
	if h.Mode == 3 {
		h.Channels = 1
	}
	h.FrameLen = 144000 * h.BitrateKbps / h.SampleRate
	if h.Padding {
		h.FrameLen++
	}
	return h, nil
}

// nbalTable returns the bit-allocation field width per subband (ISO 11172-3
// tables B.2a-d, ISO 13818-3 table B.1) for the frame.
func nbalTable(h MP2Header) []uint8 {
	if h.LSF {
		t := make([]uint8, 30)
		for sb := range t {
			switch {
			case sb < 4:
				t[sb] = 4
			case sb < 11:
				t[sb] = 3
			default:
				t[sb] = 2
			}
		}
		return t
	}
	perCh := h.BitrateKbps / h.Channels
	var sblimit int
	switch {
	case (h.SampleRate == 48000 && perCh >= 56) || (perCh >= 56 && perCh <= 80):
		sblimit = 27 // table a
	case h.SampleRate != 48000 && perCh >= 96:
		sblimit = 30 // table b
	case h.SampleRate != 32000 && perCh <= 48:
		sblimit = 8 // table c
	default:
		sblimit = 12 // table d
	}
	t := make([]uint8, sblimit)
	for sb := range t {
		if sblimit <= 12 {
			if sb < 2 {
				t[sb] = 4
			} else {
				t[sb] = 3
			}
			continue
		}
		switch {
		case sb < 11:
			t[sb] = 4
		case sb < 23:
			t[sb] = 3
		default:
			t[sb] = 2
		}
	}
	return t
}

// MP2Level is the level of one Layer II frame per channel, estimated from
// its scalefactors, in dBFS. Silent channels (no bits allocated to any
// subband) read FloorDB.
type MP2Level struct {
	PeakdB []float64
	RMSdB  []float64
}

// Silent reports whether every channel is digital silence.
func (l MP2Level) Silent() bool {
	for _, p := range l.PeakdB {
		if p > FloorDB {
			return false
		}
	}
	return true
}

// mp2ScaleFactor is the amplitude of scalefactor index i (2.0 * 2^(-i/3)).
func mp2ScaleFactor(i uint32) float64 { return 2 * math.Exp2(-float64(i)/3) }

// MP2FrameLevel estimates the per-channel level of one Layer II frame from
// its bit allocation and scalefactors. A scalefactor bounds the largest
// sample of its subband over 12 granules, so the peak estimate is the
// largest scalefactor (at most about 2 dB high) and the RMS estimate sums
// the subband energies as sines (peak - 3 dB).
func MP2FrameLevel(frame []byte) (MP2Header, MP2Level, error) {
	h, err := ParseMP2Header(frame)
	if err != nil {
		return h, MP2Level{}, err
	}
	if len(frame) < 4 {
		return h, MP2Level{}, errShort
	}
	body := frame[4:min(len(frame), h.FrameLen)]
	if h.CRC {
		if len(body) < 2 {
			return h, MP2Level{}, fmt.Errorf("media: MP2 frame: %w", errShort)
		}
		body = body[2:]
	}
	r := &bitReader{b: body}
	nbal := nbalTable(h)
	sblimit := len(nbal)
	bound := sblimit
	if h.Mode == 1 {
		bound = min(4+4*h.ModeExt, sblimit)
	}
	nch := h.Channels
	var alloc [2][32]uint32
	for sb := range sblimit {
		if sb < bound {
			for ch := range nch {
				if alloc[ch][sb], err = r.read(int(nbal[sb])); err != nil {
					return h, MP2Level{}, err
				}
			}
		} else {
			v, err := r.read(int(nbal[sb]))
			if err != nil {
				return h, MP2Level{}, err
			}
			alloc[0][sb], alloc[1][sb] = v, v
		}
	}
	var scfsi [2][32]uint32
	for sb := range sblimit {
		for ch := range nch {
			if alloc[ch][sb] != 0 {
				if scfsi[ch][sb], err = r.read(2); err != nil {
					return h, MP2Level{}, err
				}
			}
		}
	}
	lv := MP2Level{PeakdB: make([]float64, nch), RMSdB: make([]float64, nch)}
	var peak, energy [2]float64
	for sb := range sblimit {
		for ch := range nch {
			if alloc[ch][sb] == 0 {
				continue
			}
			n := 3
			switch scfsi[ch][sb] {
			case 1, 3:
				n = 2
			case 2:
				n = 1
			}
			var e float64
			for range n {
				idx, err := r.read(6)
				if err != nil {
					return h, MP2Level{}, err
				}
				if idx >= 62 {
					// The smallest scalefactor (-118 dBFS, far below the
					// 16-bit floor) is how encoders code digital silence.
					continue
				}
				sf := mp2ScaleFactor(idx)
				peak[ch] = math.Max(peak[ch], sf)
				e += sf * sf / 2
			}
			energy[ch] += e / float64(n)
		}
	}
	for ch := range nch {
		lv.PeakdB[ch] = dB(peak[ch])
		lv.RMSdB[ch] = dB(math.Sqrt(energy[ch]))
	}
	return h, lv, nil
}
