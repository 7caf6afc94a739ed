package ts

// crcTable drives CRC32: polynomial 0x04C11DB7, most significant bit first.
var crcTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return
}()

// CRC32 is the CRC-32/MPEG-2 of PSI and SCTE-35 sections (ISO/IEC 13818-1
// Annex A): polynomial 0x04C11DB7, initial value 0xFFFFFFFF, not reflected.
// The CRC of a whole section including its CRC_32 field is 0.
func CRC32(b []byte) uint32 {
	c := uint32(0xffffffff)
	for _, x := range b {
		c = c<<8 ^ crcTable[byte(c>>24)^x]
	}
	return c
}
