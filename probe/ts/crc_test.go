package ts

import "testing"

func TestCRC32(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want uint32
	}{
		{"check value of CRC-32/MPEG-2", []byte("123456789"), 0x0376e6e7},
		{"empty", nil, 0xffffffff},
		// A PAT (program 1 on PMT PID 0x1000) followed by its CRC_32: 0.
		{"a section with its CRC", []byte{0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00, 0x2a, 0xb1, 0x04, 0xb2}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CRC32(tt.in); got != tt.want {
				t.Errorf("CRC32 = %#x, want %#x", got, tt.want)
			}
		})
	}
}
