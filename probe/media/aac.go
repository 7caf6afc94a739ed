package media

import (
	"errors"
	"fmt"
)

// ErrUnsupportedAAC is returned for AAC syntax the minimal reader does not
// follow (coupling channels, program config elements, prediction, gain
// control). Such frames are treated as not silent.
var ErrUnsupportedAAC = errors.New("media: AAC syntax not supported by the bitstream reader")

var aacSampleRates = [...]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// ADTSHeader is the fixed and variable header of one ADTS frame.
type ADTSHeader struct {
	Profile    int  // audio object type - 1 (1 is AAC LC)
	SampleRate int  // Hz
	Channels   int  // channel_configuration (0: defined in the stream)
	FrameLen   int  // bytes, header included
	Blocks     int  // raw data blocks in the frame (1..4)
	CRC        bool // protection present
}

// HeaderLen is the length of the header, CRC included.
func (h ADTSHeader) HeaderLen() int {
	if h.CRC {
		return 9
	}
	return 7
}

// ParseADTSHeader reads the ADTS header at the start of b.
func ParseADTSHeader(b []byte) (ADTSHeader, error) {
	var h ADTSHeader
	if len(b) < 7 {
		return h, fmt.Errorf("media: ADTS header: %w", errShort)
	}
	if b[0] != 0xff || b[1]&0xf6 != 0xf0 {
		return h, errors.New("media: no ADTS sync word")
	}
	h.CRC = b[1]&1 == 0
	h.Profile = int(b[2] >> 6)
	sfi := int(b[2] >> 2 & 0x0f)
	if sfi >= len(aacSampleRates) {
		return h, fmt.Errorf("media: ADTS sampling frequency index %d", sfi)
	}
	h.SampleRate = aacSampleRates[sfi]
	h.Channels = int(b[2]&1)<<2 | int(b[3]>>6)
	h.FrameLen = int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5]>>5)
	h.Blocks = int(b[6]&3) + 1
	if h.FrameLen < h.HeaderLen() {
		return h, fmt.Errorf("media: ADTS frame length %d", h.FrameLen)
	}
	return h, nil
}

// AAC syntactic element ids and window sequences.
const (
	aacSCE, aacCPE, aacCCE, aacLFE, aacDSE, aacPCE, aacFIL, aacEND = 0, 1, 2, 3, 4, 5, 6, 7
	eightShortSequence                                             = 2
)

// ADTSFrameSilent reports whether one complete ADTS frame (header included)
// is digital silence: every section of every channel is coded with the zero
// codebook (ZERO_HCB), so all spectral data is zero, and no pulse data is
// added. It returns the header as well.
func ADTSFrameSilent(frame []byte) (bool, ADTSHeader, error) {
	h, err := ParseADTSHeader(frame)
	if err != nil {
		return false, h, err
	}
	if len(frame) < h.FrameLen {
		return false, h, fmt.Errorf("media: ADTS frame of %d bytes, have %d: %w", h.FrameLen, len(frame), errShort)
	}
	if h.Blocks > 1 && h.CRC {
		return false, h, fmt.Errorf("%w: several blocks with CRC", ErrUnsupportedAAC)
	}
	r := &bitReader{b: frame[h.HeaderLen():h.FrameLen]}
	for range h.Blocks {
		silent, err := rawDataBlockSilent(r)
		if err != nil || !silent {
			return false, h, err
		}
		r.align()
	}
	return true, h, nil
}

// rawDataBlockSilent walks one raw_data_block. It stops early, with false,
// at the first section coded with a codebook other than ZERO_HCB.
func rawDataBlockSilent(r *bitReader) (bool, error) {
	for elements := 0; ; elements++ {
		if elements > 64 {
			return false, fmt.Errorf("media: AAC raw data block: too many elements")
		}
		id, err := r.read(3)
		if err != nil {
			return false, err
		}
		switch id {
		case aacEND:
			return true, nil
		case aacSCE, aacLFE:
			if err := r.skip(4); err != nil { // element_instance_tag
				return false, err
			}
			if silent, err := icsSilent(r, nil); err != nil || !silent {
				return false, err
			}
		case aacCPE:
			if err := r.skip(4); err != nil {
				return false, err
			}
			common, err := r.read(1)
			if err != nil {
				return false, err
			}
			var info *icsInfo
			if common == 1 {
				info = &icsInfo{}
				if err := info.read(r); err != nil {
					return false, err
				}
				ms, err := r.read(2)
				if err != nil {
					return false, err
				}
				if ms == 1 {
					if err := r.skip(info.groups * info.maxSFB); err != nil {
						return false, err
					}
				}
			}
			for range 2 {
				if silent, err := icsSilent(r, info); err != nil || !silent {
					return false, err
				}
			}
		case aacDSE:
			if err := r.skip(4); err != nil {
				return false, err
			}
			align, err := r.read(1)
			if err != nil {
				return false, err
			}
			n, err := r.read(8)
			if err != nil {
				return false, err
			}
			if n == 255 {
				esc, err := r.read(8)
				if err != nil {
					return false, err
				}
				n += esc
			}
			if align == 1 {
				r.align()
			}
			if err := r.skip(int(n) * 8); err != nil {
				return false, err
			}
		case aacFIL:
			n, err := r.read(4)
			if err != nil {
				return false, err
			}
			if n == 15 {
				esc, err := r.read(8)
				if err != nil {
					return false, err
				}
				n += esc - 1
			}
			if err := r.skip(int(n) * 8); err != nil {
				return false, err
			}
		default: // CCE, PCE
			return false, fmt.Errorf("%w: element %d", ErrUnsupportedAAC, id)
		}
	}
}

// icsInfo is the part of ics_info the silence check needs.
type icsInfo struct {
	windowSequence int
	maxSFB         int
	groups         int
}

func (i *icsInfo) short() bool { return i.windowSequence == eightShortSequence }

func (i *icsInfo) read(r *bitReader) error {
	v, err := r.read(4) // ics_reserved_bit, window_sequence, window_shape
	if err != nil {
		return err
	}
	i.windowSequence = int(v >> 1 & 3)
	if i.short() {
		v, err := r.read(4 + 7) // max_sfb, scale_factor_grouping
		if err != nil {
			return err
		}
		i.maxSFB = int(v >> 7)
		i.groups = 1
		for b := 6; b >= 0; b-- {
			if v>>b&1 == 0 {
				i.groups++
			}
		}
		if i.maxSFB > 15 {
			return fmt.Errorf("media: AAC max_sfb %d for short windows", i.maxSFB)
		}
		return nil
	}
	v, err = r.read(6 + 1) // max_sfb, predictor_data_present
	if err != nil {
		return err
	}
	i.maxSFB = int(v >> 1)
	i.groups = 1
	if i.maxSFB > 51 {
		return fmt.Errorf("media: AAC max_sfb %d for long windows", i.maxSFB)
	}
	if v&1 == 1 {
		return fmt.Errorf("%w: predictor data", ErrUnsupportedAAC)
	}
	return nil
}

// icsSilent walks one individual_channel_stream. common is the shared
// ics_info of a channel pair, or nil.
func icsSilent(r *bitReader, common *icsInfo) (bool, error) {
	if err := r.skip(8); err != nil { // global_gain
		return false, err
	}
	info := common
	if info == nil {
		info = &icsInfo{}
		if err := info.read(r); err != nil {
			return false, err
		}
	}
	// section_data
	sectBits, esc := 5, uint32(31)
	if info.short() {
		sectBits, esc = 3, 7
	}
	for range info.groups {
		for k := 0; k < info.maxSFB; {
			cb, err := r.read(4)
			if err != nil {
				return false, err
			}
			if cb != 0 { // not ZERO_HCB: there is spectral data
				return false, nil
			}
			n := 0
			for {
				inc, err := r.read(sectBits)
				if err != nil {
					return false, err
				}
				n += int(inc)
				if inc != esc {
					break
				}
			}
			if n == 0 {
				// A zero-length section is legal only in theory; it
				// cannot advance, so treat the stream as broken.
				return false, errors.New("media: AAC empty section")
			}
			k += n
			if k > info.maxSFB {
				return false, fmt.Errorf("media: AAC section past max_sfb (%d > %d)", k, info.maxSFB)
			}
		}
	}
	// scale_factor_data is empty when every band is ZERO_HCB.
	pulse, err := r.read(1)
	if err != nil {
		return false, err
	}
	if pulse == 1 {
		return false, nil // pulses add non-zero coefficients
	}
	tns, err := r.read(1)
	if err != nil {
		return false, err
	}
	if tns == 1 {
		if err := skipTNS(r, info); err != nil {
			return false, err
		}
	}
	gain, err := r.read(1)
	if err != nil {
		return false, err
	}
	if gain == 1 {
		return false, fmt.Errorf("%w: gain control", ErrUnsupportedAAC)
	}
	// spectral_data is empty when every band is ZERO_HCB.
	return true, nil
}

// skipTNS skips tns_data (temporal noise shaping filters act on zero data
// and cannot make it non-zero).
func skipTNS(r *bitReader, info *icsInfo) error {
	windows, nFiltBits, lenBits, orderBits := 1, 2, 6, 5
	if info.short() {
		windows, nFiltBits, lenBits, orderBits = 8, 1, 4, 3
	}
	for range windows {
		nFilt, err := r.read(nFiltBits)
		if err != nil {
			return err
		}
		if nFilt == 0 {
			continue
		}
		coefRes, err := r.read(1)
		if err != nil {
			return err
		}
		for range nFilt {
			if err := r.skip(lenBits); err != nil {
				return err
			}
			order, err := r.read(orderBits)
			if err != nil {
				return err
			}
			if order == 0 {
				continue
			}
			v, err := r.read(2) // direction, coef_compress
			if err != nil {
				return err
			}
			coefBits := 3 + int(coefRes) - int(v&1)
			if err := r.skip(int(order) * coefBits); err != nil {
				return err
			}
		}
	}
	return nil
}
