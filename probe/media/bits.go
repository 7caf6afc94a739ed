package media

import "errors"

// errShort is returned when a bitstream ends inside a field.
var errShort = errors.New("media: bitstream truncated")

// bitReader reads big-endian bit fields.
type bitReader struct {
	b   []byte
	pos int // in bits
}

func (r *bitReader) left() int { return len(r.b)*8 - r.pos }

// read returns the next n (<= 32) bits.
func (r *bitReader) read(n int) (uint32, error) {
	if n == 0 {
		return 0, nil
	}
	if n > 32 || r.left() < n {
		r.pos = len(r.b) * 8
		return 0, errShort
	}
	var v uint32
	for n > 0 {
		byt := r.b[r.pos>>3]
		off := r.pos & 7
		take := min(8-off, n)
		v = v<<take | uint32(byt>>(8-off-take))&(1<<take-1)
		r.pos += take
		n -= take
	}
	return v, nil
}

func (r *bitReader) skip(n int) error {
	if n < 0 || r.left() < n {
		r.pos = len(r.b) * 8
		return errShort
	}
	r.pos += n
	return nil
}

func (r *bitReader) align() { r.pos = (r.pos + 7) &^ 7 }
