package media

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestOutputParser(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []Event // after finish
	}{
		{"black confirmed by the clock, ended by metadata", []string{
			"[Parsed_metadata_1 @ 0x1] frame:25   pts:181920  pts_time:2.02",
			"[Parsed_metadata_1 @ 0x1] lavfi.black_start=2.02",
			"[Parsed_ametadata_8 @ 0x2] frame:40   pts:1  pts_time:4.1",
			"[Parsed_metadata_2 @ 0x3] frame:125   pts:1  pts_time:5.02",
			"[Parsed_metadata_2 @ 0x3] lavfi.black_end=5.02",
			"[blackdetect @ 0x4] black_start:2.02 black_end:5.02 black_duration:3",
		}, []Event{{KindBlack, 256, 2.02, 0}, {KindBlack, 256, 2.02, 5.02}}},
		{"black under MinEventS is not reported", []string{
			"[Parsed_metadata_1 @ 0x1] lavfi.black_start=1",
			"[Parsed_metadata_2 @ 0x3] lavfi.black_end=1.3",
		}, nil},
		{"black of 1.5 s is reported (issue 16)", []string{
			"[Parsed_metadata_1 @ 0x1] lavfi.black_start=1",
			"[Parsed_metadata_2 @ 0x3] lavfi.black_end=2.5",
		}, []Event{{KindBlack, 256, 1, 0}, {KindBlack, 256, 1, 2.5}}},
		{"black only from blackdetect's report", []string{
			"[blackdetect @ 0x4] black_start:0 black_end:3 black_duration:3",
		}, []Event{{KindBlack, 256, 0, 0}, {KindBlack, 256, 0, 3}}},
		{"black open at end of input", []string{
			"[Parsed_metadata_1 @ 0x1] lavfi.black_start=1",
			"[Parsed_ametadata_8 @ 0x2] frame:40   pts:1  pts_time:4",
		}, []Event{{KindBlack, 256, 1, 0}, {KindBlack, 256, 1, 4}}},
		{"freeze", []string{
			"[freezedetect @ 0x5] lavfi.freezedetect.freeze_start: 2.02133",
			"[freezedetect @ 0x5] lavfi.freezedetect.freeze_duration: 3",
			"[freezedetect @ 0x5] lavfi.freezedetect.freeze_end: 5.02133",
		}, []Event{{KindFreeze, 256, 2.02133, 0}, {KindFreeze, 256, 2.02133, 5.02133}}},
		{"silence, negative start clamped", []string{
			"[ametadata@a257 @ 0x6] frame:20   pts:96000  pts_time:2",
			"[ametadata@a257 @ 0x6] lavfi.silence_start=-0.01",
			"[ametadata@a257 @ 0x6] frame:70   pts:96000  pts_time:7",
			"[ametadata@a257 @ 0x6] lavfi.silence_end=7.04",
			"[ametadata@a257 @ 0x6] lavfi.silence_duration=7.05",
		}, []Event{{KindSilence, 257, 0, 0}, {KindSilence, 257, 0, 7.04}}},
		{"silence per audio stream, open at end", []string{
			"[ametadata@a257 @ 0x6] lavfi.silence_start=1",
			"[ametadata@a258 @ 0x7] lavfi.silence_start=2",
			"[ametadata@a257 @ 0x6] lavfi.silence_end=4",
			"[ametadata@a258 @ 0x7] frame:70   pts:96000  pts_time:6",
		}, []Event{{KindSilence, 257, 1, 0}, {KindSilence, 258, 2, 0}, {KindSilence, 257, 1, 4}, {KindSilence, 258, 2, 6}}},
		{"garbage is ignored", []string{
			"", "[", "] ", "frame:x pts_time:", "silence_start: 1", "lavfi.black_end=",
			"[ametadata@a99999 @ 0x6] lavfi.silence_start=1", "[ametadata@a257 @ 0x6] lavfi.silence_start=nan",
			"[x @ 1] lavfi.astats.0.RMS_level=1", "[x @ 1] lavfi.astats.999999999999.RMS_level=1",
			"black_start:1 black_end:", "[freezedetect @ 0x5] lavfi.freezedetect.freeze_end: 5",
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []Event
			p := newOutputParser(Config{}.withDefaults(), 256, func(e Event) { got = append(got, e) }, nil)
			for _, l := range tc.lines {
				p.line(l)
			}
			p.finish()
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestOutputParserLevels(t *testing.T) {
	lines := []string{
		"[ametadata@a257 @ 0x1] frame:30   pts:144000  pts_time:3",
		"[ametadata@a257 @ 0x1] lavfi.astats.1.Peak_level=-17.0",
		"[ametadata@a257 @ 0x1] lavfi.astats.1.RMS_level=-20.0",
		"[ametadata@a257 @ 0x1] lavfi.astats.2.Peak_level=-inf",
		"[ametadata@a257 @ 0x1] lavfi.astats.2.RMS_level=-inf",
		"[ametadata@a257 @ 0x1] frame:31   pts:148800  pts_time:3.1",
		"[ametadata@a257 @ 0x1] lavfi.astats.1.RMS_level=-6",
	}
	var got []Levels
	p := newOutputParser(Config{}.withDefaults(), 0, nil, func(l Levels) { got = append(got, l) })
	p.offset = 10
	for _, l := range lines {
		p.line(l)
	}
	p.finish()
	want := []Levels{
		{PID: 257, TimeS: 13, RMSdB: []float64{-20, FloorDB}, PeakdB: []float64{-17, FloorDB}},
		{PID: 257, TimeS: 13.1, RMSdB: []float64{-6}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestMPJPEGReader(t *testing.T) {
	jpg := []byte{0xff, 0xd8, 1, 2, 3, '\n', '-', '-', 0xff, 0xd9}
	tests := []struct {
		name  string
		input string
		want  [][]byte
		err   bool
	}{
		{"with lengths", "--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: 10\r\n\r\n" + string(jpg) +
			"\r\n--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: 10\r\n\r\n" + string(jpg) + "\r\n",
			[][]byte{jpg, jpg}, false},
		{"without length", "--ffmpeg\r\nContent-type: image/jpeg\r\n\r\n" + string(jpg) + "\r\n", [][]byte{jpg}, false},
		{"empty", "", nil, false},
		{"truncated body", "--ffmpeg\r\nContent-length: 10\r\n\r\n\xff\xd8", nil, true},
		{"bad length", "--ffmpeg\r\nContent-length: -3\r\n\r\n", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newMPJPEGReader(strings.NewReader(tc.input))
			var got [][]byte
			for {
				b, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					if !tc.err {
						t.Fatal(err)
					}
					break
				}
				got = append(got, b)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d pictures, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if !bytes.Equal(got[i], tc.want[i]) {
					t.Errorf("picture %d = %x, want %x", i, got[i], tc.want[i])
				}
			}
		})
	}
}
