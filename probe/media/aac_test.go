package media

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// bitWriter builds bitstreams for the hand-made AAC frames.
type bitWriter struct {
	b []byte
	n int
}

func (w *bitWriter) put(v uint32, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>i&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> (w.n % 8)
		}
		w.n++
	}
}

// adts wraps a raw_data_block in an ADTS header (AAC LC, 48 kHz).
func adts(channels int, raw []byte) []byte {
	n := 7 + len(raw)
	h := []byte{0xff, 0xf1, 1<<6 | 3<<2 | byte(channels>>2), byte(channels&3)<<6 | byte(n>>11),
		byte(n >> 3), byte(n&7)<<5 | 0x1f, 0xfc}
	return append(h, raw...)
}

// Hand-made raw_data_blocks, each ending with ID_END.
func longSilentICS(w *bitWriter, withInfo bool) {
	w.put(100, 8) // global_gain
	if withInfo {
		w.put(0, 1)  // ics_reserved_bit
		w.put(0, 2)  // ONLY_LONG_SEQUENCE
		w.put(0, 1)  // window_shape
		w.put(49, 6) // max_sfb (all 49 bands at 48 kHz)
		w.put(0, 1)  // predictor_data_present
	}
	w.put(0, 4)  // sect_cb ZERO_HCB
	w.put(31, 5) // sect_len escape
	w.put(18, 5) // 31 + 18 = 49
	w.put(0, 1)  // pulse_data_present
	w.put(0, 1)  // tns_data_present
	w.put(0, 1)  // gain_control_data_present
}

func rawSCELong() []byte {
	var w bitWriter
	w.put(aacSCE, 3)
	w.put(0, 4)
	longSilentICS(&w, true)
	w.put(aacEND, 3)
	return w.b
}

func rawSCEShortTNS() []byte {
	var w bitWriter
	w.put(aacSCE, 3)
	w.put(0, 4)
	w.put(100, 8)       // global_gain
	w.put(0, 1)         // reserved
	w.put(2, 2)         // EIGHT_SHORT_SEQUENCE
	w.put(0, 1)         // window_shape
	w.put(14, 4)        // max_sfb (all 14 short bands at 48 kHz)
	w.put(0b1100111, 7) // scale_factor_grouping: 3 groups
	for range 3 {
		w.put(0, 4) // ZERO_HCB
		w.put(7, 3) // escape
		w.put(7, 3) // escape
		w.put(0, 3) // 7 + 7 + 0 = 14
	}
	w.put(0, 1) // pulse_data_present
	w.put(1, 1) // tns_data_present
	w.put(1, 1) // window 0: n_filt 1
	w.put(1, 1) // coef_res
	w.put(5, 4) // length
	w.put(2, 3) // order
	w.put(0, 1) // direction
	w.put(0, 1) // coef_compress
	w.put(3, 4) // coef
	w.put(5, 4) // coef
	for range 7 {
		w.put(0, 1) // windows 1..7: n_filt 0
	}
	w.put(0, 1) // gain_control_data_present
	w.put(aacEND, 3)
	return w.b
}

func rawCPECommonMS() []byte {
	var w bitWriter
	w.put(aacFIL, 3) // a fill element first
	w.put(2, 4)
	w.put(0xa5a5, 16)
	w.put(aacCPE, 3)
	w.put(0, 4)  // tag
	w.put(1, 1)  // common_window
	w.put(0, 1)  // reserved
	w.put(0, 2)  // ONLY_LONG
	w.put(0, 1)  // shape
	w.put(49, 6) // max_sfb
	w.put(0, 1)  // predictor
	w.put(1, 2)  // ms_mask_present: per band
	for range 49 {
		w.put(1, 1)
	}
	longSilentICS(&w, false)
	longSilentICS(&w, false)
	w.put(aacEND, 3)
	return w.b
}

func rawSCE(cb uint32, pulse bool) []byte {
	var w bitWriter
	w.put(aacSCE, 3)
	w.put(0, 4)
	w.put(100, 8)
	w.put(0, 4)
	w.put(1, 6) // max_sfb 1
	w.put(0, 1)
	w.put(cb, 4)
	w.put(1, 5)
	if pulse {
		w.put(1, 1)
	} else {
		w.put(0, 1)
	}
	w.put(0, 2)
	w.put(aacEND, 3)
	return w.b
}

func TestADTSFrameSilentHandMade(t *testing.T) {
	tests := []struct {
		name     string
		channels int
		raw      []byte
		silent   bool
		err      error // errors.Is target, or nil
		decodes  bool  // a valid frame ffmpeg must decode to zeros
	}{
		{"mono long windows", 1, rawSCELong(), true, nil, true},
		{"mono short windows, 3 groups, TNS", 1, rawSCEShortTNS(), true, nil, true},
		{"stereo common window with M/S and fill", 2, rawCPECommonMS(), true, nil, true},
		{"spectral codebook 1", 1, rawSCE(1, false), false, nil, false},
		{"noise substitution is not silence", 1, rawSCE(13, false), false, nil, false},
		{"pulse data", 1, rawSCE(0, true), false, nil, false},
		{"coupling channel", 1, []byte{aacCCE << 5}, false, ErrUnsupportedAAC, false},
		{"truncated", 1, rawSCELong()[:5], false, errShort, false},
		{"empty", 1, nil, false, errShort, false},
	}
	valid := map[int][]byte{} // per channel count
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frame := adts(tc.channels, tc.raw)
			silent, h, err := ADTSFrameSilent(frame)
			if silent != tc.silent || (tc.err == nil) != (err == nil) || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("silent %v err %v, want %v %v", silent, err, tc.silent, tc.err)
			}
			if h.SampleRate != 48000 || h.Channels != tc.channels || h.FrameLen != len(frame) {
				t.Errorf("header %+v", h)
			}
			if tc.decodes {
				valid[tc.channels] = append(valid[tc.channels], frame...)
			}
		})
	}
	// Cross-check the hand-made frames with ffmpeg's decoder: they must
	// decode without complaint, to digital silence.
	if !Available() {
		return
	}
	for ch, frames := range valid {
		in := filepath.Join(t.TempDir(), "made.aac")
		if err := os.WriteFile(in, bytes.Repeat(frames, 5), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "aac", "-i", in, "-f", "s16le", "-")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		pcm, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Fatalf("ffmpeg decoding the hand-made %d-channel frames: %v: %s", ch, err, stderr.String())
		}
		if len(pcm) == 0 || bytes.Count(pcm, []byte{0}) != len(pcm) {
			t.Errorf("hand-made %d-channel frames decode to %d bytes, not all zero", ch, len(pcm))
		}
	}
}
