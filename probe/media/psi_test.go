package media

import (
	"reflect"
	"testing"
)

// psiHeader is a PAT (program 1 -> PMT PID 0x1000) and a PMT listing an
// H.264 stream on 0x100, AAC on 0x101 and MP2 on 0x102 (CRCs not checked).
var psiHeader = func() []byte {
	pkt := func(pid uint16, section []byte) []byte {
		p := make([]byte, 188)
		for i := range p {
			p[i] = 0xff
		}
		p[0], p[1], p[2], p[3] = 0x47, 0x40|byte(pid>>8), byte(pid), 0x10
		p[4] = 0 // pointer field
		copy(p[5:], section)
		return p
	}
	pat := []byte{0x00, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1, 0xf0, 0x00, 0, 0, 0, 0}
	pmt := []byte{0x02, 0xb0, 28, 0, 1, 0xc1, 0, 0, 0xe1, 0x00, 0xf0, 0x00,
		0x1b, 0xe1, 0x00, 0xf0, 0x00,
		0x0f, 0xe1, 0x01, 0xf0, 0x00,
		0x03, 0xe1, 0x02, 0xf0, 0x00,
		0, 0, 0, 0}
	return append(pkt(0, pat), pkt(0x1000, pmt)...)
}()

func TestPSIScanner(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  []streamInfo
		done  bool
	}{
		{"pat and pmt", psiHeader, []streamInfo{
			{0x100, 0x1b, "video", "h264"}, {0x101, 0x0f, "audio", "aac"}, {0x102, 0x03, "audio", "mp2"}}, true},
		{"pat only", psiHeader[:188], nil, false},
		{"garbage", []byte("not a transport stream at all"), nil, false},
		{"misaligned", append([]byte{1, 2, 3}, psiHeader...), []streamInfo{
			{0x100, 0x1b, "video", "h264"}, {0x101, 0x0f, "audio", "aac"}, {0x102, 0x03, "audio", "mp2"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newPSIScanner()
			var tp tsPackets
			tp.feed(tc.input, s.packet)
			if !reflect.DeepEqual(s.streams, tc.want) || s.done() != tc.done {
				t.Errorf("streams %+v done %v, want %+v %v", s.streams, s.done(), tc.want, tc.done)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		st          uint8
		desc        []byte
		kind, codec string
	}{
		{0x24, nil, "video", "hevc"},
		{0x06, []byte{0x6a, 1, 0}, "audio", "ac3"},
		{0x06, []byte{0x05, 4, 'O', 'p', 'u', 's'}, "audio", "opus"},
		{0x06, []byte{0x59, 8}, "", ""}, // truncated descriptor
		{0x86, nil, "", ""},
	}
	for _, tc := range tests {
		if k, c := classify(tc.st, tc.desc); k != tc.kind || c != tc.codec {
			t.Errorf("classify(%#x, %x) = %s %s, want %s %s", tc.st, tc.desc, k, c, tc.kind, tc.codec)
		}
	}
}
