package linetest

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/probe/ts"
)

// The generated stream: one program whose PMT (PID pmtPID) lists a private
// data stream on dataPID, which also carries the PCR. Its packets are
// padding with a marker at the start of each payload naming the step, so
// the far end (Receive) can tell the steps apart.
const (
	pmtPID  = 0x1000
	dataPID = 0x100
	// markerPrefix starts each data packet's payload, followed by
	// "<step> <mbps> " and padding.
	markerPrefix = "SRTSCOPE-LINETEST "
	pcrEvery     = 20 * time.Millisecond
	psiEvery     = 100 * time.Millisecond
)

// Stream is a constant-bitrate TS of a given rate and length, made on
// demand: ReadAt computes any packet from its index, so a 20 Mbit/s step
// of minutes costs no memory. Its PCRs pace session.Sender at the rate.
type Stream struct {
	step     int
	mbps     float64
	packets  int64
	pcrEvery int64 // packets between PCRs
	psiEvery int64 // packets between PAT+PMT pairs
	pat, pmt [ts.PacketSize]byte
}

// NewStream returns a stream of d at mbps (TS bitrate, Mbit/s) for step
// number step (from 1).
func NewStream(step int, mbps float64, d time.Duration) *Stream {
	pps := mbps * 1e6 / (8 * ts.PacketSize) // packets per second
	s := &Stream{
		step:     step,
		mbps:     mbps,
		packets:  max(int64(math.Ceil(pps*d.Seconds())), 16),
		pcrEvery: max(int64(pps*pcrEvery.Seconds()), 3),
	}
	s.psiEvery = max(int64(pps*psiEvery.Seconds()), 2*s.pcrEvery)
	s.pat = psiPacket(0, []byte{0x00, 0x00, 0xB0, 0, 0x00, 0x01, 0xC1, 0x00, 0x00,
		0x00, 0x01, 0xE0 | pmtPID>>8, pmtPID & 0xff})
	s.pmt = psiPacket(pmtPID, []byte{0x00, 0x02, 0xB0, 0, 0x00, 0x01, 0xC1, 0x00, 0x00,
		0xE0 | dataPID>>8, dataPID & 0xff, 0xF0, 0x00,
		0x06, 0xE0 | dataPID>>8, dataPID & 0xff, 0xF0, 0x00})
	return s
}

// psiPacket wraps a section (pointer field first, length and CRC filled
// in here) in one TS packet on pid with CC 0 (the same packet each time:
// a repeated section with the same CC would be a duplicate, so the caller
// sets the CC).
func psiPacket(pid uint16, sec []byte) [ts.PacketSize]byte {
	var p [ts.PacketSize]byte
	for i := range p {
		p[i] = 0xff
	}
	ts.NewHeader(pid, true, 1, 0).Put(p[:])
	// section_length counts from after the length field to the CRC's end.
	n := len(sec) - 4 + 4
	sec[2] = 0xB0 | byte(n>>8)
	sec[3] = byte(n)
	copy(p[ts.HeaderSize:], sec)
	crc := ts.CRC32(sec[1:])
	binary.BigEndian.PutUint32(p[ts.HeaderSize+len(sec):], crc)
	return p
}

// Size is the stream's length in bytes.
func (s *Stream) Size() int64 { return s.packets * ts.PacketSize }

// Duration is the stream's media time.
func (s *Stream) Duration() time.Duration {
	return time.Duration(float64(s.Size()) * 8 / (s.mbps * 1e6) * float64(time.Second))
}

// ReadAt implements io.ReaderAt.
func (s *Stream) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("linetest: negative offset %d", off)
	}
	var pkt [ts.PacketSize]byte
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= s.Size() {
			return n, io.EOF
		}
		k := pos / ts.PacketSize
		s.packet(k, &pkt)
		n += copy(p[n:], pkt[pos%ts.PacketSize:])
	}
	return n, nil
}

// packet writes packet number k.
func (s *Stream) packet(k int64, pkt *[ts.PacketSize]byte) {
	round, idx := k/s.psiEvery, k%s.psiEvery
	switch idx {
	case 0, 1:
		if idx == 0 {
			*pkt = s.pat
		} else {
			*pkt = s.pmt
		}
		h := ts.HeaderOf(pkt[:])
		ts.NewHeader(h.PID(), true, 1, uint8(round)).Put(pkt[:])
		return
	}
	data := k - 2*(round+1) // data packets before this one
	cc := uint8(data)
	for i := range pkt {
		pkt[i] = 0xff
	}
	payload := ts.HeaderSize
	if k%s.pcrEvery == 2 {
		ts.NewHeader(dataPID, false, 3, cc).Put(pkt[:])
		pkt[4] = 7    // adaptation_field_length
		pkt[5] = 0x10 // PCR flag
		ts.PutPCR(pkt[6:12], ts.PCR(float64(k)*ts.PacketSize*8/(s.mbps*1e6)*ts.PCRHz))
		payload = 12
	} else {
		ts.NewHeader(dataPID, false, 1, cc).Put(pkt[:])
	}
	copy(pkt[payload:], markerPrefix+strconv.Itoa(s.step)+" "+num(s.mbps)+" ")
}

// ParseMarker reads the step number and rate from a data packet of a
// generated stream; ok is false for any other packet.
func ParseMarker(pkt []byte) (step int, mbps float64, ok bool) {
	if len(pkt) != ts.PacketSize || pkt[0] != ts.SyncByte || ts.HeaderOf(pkt).PID() != dataPID {
		return 0, 0, false
	}
	payload := ts.Payload(pkt)
	rest, found := strings.CutPrefix(string(payload[:min(len(payload), 64)]), markerPrefix)
	if !found {
		return 0, 0, false
	}
	f := strings.Fields(rest)
	if len(f) < 2 {
		return 0, 0, false
	}
	st, err1 := strconv.Atoi(f[0])
	r, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return st, r, true
}
