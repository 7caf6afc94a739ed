// Command scte35cues copies an MPEG-TS file (one program, ffmpeg's layout)
// and adds an SCTE-35 cue PID: a PMT entry of stream_type 0x86 on PID 500
// and a few splice_info_sections at known splice times, so that the cues
// the probe must find are known exactly. It writes the sections with its
// own bit packing, from the syntax tables of ANSI/SCTE 35, independently of
// package probe/scte35.
//
// Times are media time: seconds from the smallest first PTS of the input's
// elementary streams (the origin the probe's events use). A section goes
// in right after the first PCR packet whose PCR is at or after the splice
// time minus the cue's pre-roll. The table it prints is the ground truth in
// ../README.md.
//
// Usage: go run ./probe/testdata/scte35cues IN.ts OUT.ts
package main

import (
	"fmt"
	"os"
)

const (
	cuePID  = 500
	ptsMask = 1<<33 - 1
)

// cue is one section to insert.
type cue struct {
	kind       string  // splice_null, splice_insert, time_signal
	eventID    uint32  // splice_event_id or segmentation_event_id
	out        bool    // out_of_network_indicator
	ptsS       float64 // splice time, media seconds
	durS       float64 // break_duration or segmentation_duration, 0 none
	prerollS   float64 // how long before the splice time the section arrives
	adjS       float64 // pts_adjustment, seconds (pts_time = splice - adjustment, mod 2^33)
	segType    uint8   // time_signal: segmentation_type_id
	corruptCRC bool    // flip a CRC bit: the probe must count a crc_error, not a cue
}

var cues = []cue{
	{kind: "splice_null", ptsS: 0.2, prerollS: 0},
	{kind: "splice_insert", eventID: 101, out: true, ptsS: 1.0, durS: 1.5, prerollS: 0.5},
	{kind: "splice_insert", eventID: 102, out: false, ptsS: 2.5, prerollS: 1.0, adjS: 5},
	{kind: "time_signal", eventID: 201, ptsS: 3.0, durS: 0.5, prerollS: 0.25, segType: 0x34},
	{kind: "splice_insert", eventID: 103, out: true, ptsS: 3.6, durS: 0.2, prerollS: 0.4, corruptCRC: true},
}

// crc32 is CRC-32/MPEG-2, bit by bit.
func crc32(b []byte) uint32 {
	c := uint32(0xffffffff)
	for _, x := range b {
		c ^= uint32(x) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
	}
	return c
}

// bits packs fields most significant bit first.
type bits struct {
	b []byte
	n int // bits written
}

func (w *bits) put(v uint64, width int) {
	for i := width - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

func spliceTime(w *bits, pts int64) {
	w.put(1, 1) // time_specified_flag
	w.put(0x3f, 6)
	w.put(uint64(pts), 33)
}

// section builds the splice_info_section of c, splice PTS given in 90 kHz.
func section(c cue, splicePTS int64) []byte {
	adj := int64(c.adjS*90000) & ptsMask
	ptsTime := (splicePTS - adj) & ptsMask
	cmd := &bits{}
	var cmdType uint64
	switch c.kind {
	case "splice_null":
		cmdType = 0x00
	case "splice_insert":
		cmdType = 0x05
		cmd.put(uint64(c.eventID), 32)
		cmd.put(0, 1) // splice_event_cancel_indicator
		cmd.put(0x7f, 7)
		cmd.put(b2u(c.out), 1)
		cmd.put(1, 1) // program_splice_flag
		cmd.put(b2u(c.durS > 0), 1)
		cmd.put(0, 1) // splice_immediate_flag
		cmd.put(0xf, 4)
		spliceTime(cmd, ptsTime)
		if c.durS > 0 {
			cmd.put(1, 1) // auto_return
			cmd.put(0x3f, 6)
			cmd.put(uint64(c.durS*90000), 33)
		}
		cmd.put(1, 16) // unique_program_id
		cmd.put(1, 8)  // avail_num
		cmd.put(1, 8)  // avails_expected
	case "time_signal":
		cmdType = 0x06
		spliceTime(cmd, ptsTime)
	}
	desc := &bits{}
	if c.kind == "time_signal" {
		seg := &bits{}
		seg.put(0x43554549, 32) // "CUEI"
		seg.put(uint64(c.eventID), 32)
		seg.put(0, 1) // segmentation_event_cancel_indicator
		seg.put(0x7f, 7)
		seg.put(1, 1)               // program_segmentation_flag
		seg.put(b2u(c.durS > 0), 1) // segmentation_duration_flag
		seg.put(1, 1)               // delivery_not_restricted_flag
		seg.put(0x1f, 5)
		if c.durS > 0 {
			seg.put(uint64(c.durS*90000), 40)
		}
		seg.put(0, 8) // segmentation_upid_type: not used
		seg.put(0, 8) // segmentation_upid_length
		seg.put(uint64(c.segType), 8)
		seg.put(1, 8) // segment_num
		seg.put(1, 8) // segments_expected
		desc.put(0x02, 8)
		desc.put(uint64(len(seg.b)), 8)
		desc.b = append(desc.b, seg.b...)
	}
	n := 10 + 1 + len(cmd.b) + 2 + len(desc.b) + 4 // section_length
	s := &bits{}
	s.put(0xfc, 8)
	s.put(0, 1) // section_syntax_indicator
	s.put(0, 1) // private_indicator
	s.put(3, 2) // sap_type: not specified
	s.put(uint64(n), 12)
	s.put(0, 8) // protocol_version
	s.put(0, 1) // encrypted_packet
	s.put(0, 6) // encryption_algorithm
	s.put(uint64(adj), 33)
	s.put(0, 8)      // cw_index
	s.put(0xfff, 12) // tier
	s.put(uint64(len(cmd.b)), 12)
	s.put(cmdType, 8)
	s.b = append(s.b, cmd.b...)
	s.put(uint64(len(desc.b)), 16)
	s.b = append(s.b, desc.b...)
	crc := crc32(s.b)
	if c.corruptCRC {
		crc ^= 1
	}
	return append(s.b, byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc))
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func pidOf(p []byte) uint16 { return uint16(p[1]&0x1f)<<8 | uint16(p[2]) }

// pcrOf returns the PCR of packet p in 27 MHz ticks, or -1.
func pcrOf(p []byte) int64 {
	if p[3]&0x20 == 0 || p[4] < 7 || p[5]&0x10 == 0 {
		return -1
	}
	base := int64(p[6])<<25 | int64(p[7])<<17 | int64(p[8])<<9 | int64(p[9])<<1 | int64(p[10]>>7)
	return base*300 + (int64(p[10]&1)<<8 | int64(p[11]))
}

// payload returns the payload of p.
func payload(p []byte) []byte {
	off := 4
	if p[3]&0x20 != 0 {
		off += 1 + int(p[4])
	}
	if p[3]&0x10 == 0 || off >= 188 {
		return nil
	}
	return p[off:]
}

// addToPMT returns PMT packet p with an ES entry for the cue PID (stream
// type 0x86 with a "CUEI" registration descriptor) and a new CRC.
func addToPMT(p []byte) ([]byte, error) {
	pl := payload(p)
	if p[1]&0x40 == 0 || pl == nil || pl[0] != 0 {
		return nil, fmt.Errorf("PMT packet without a section start at offset 0")
	}
	sec := pl[1:]
	n := 3 + (int(sec[1]&0x0f)<<8 | int(sec[2]))
	if sec[0] != 0x02 || n > len(sec) {
		return nil, fmt.Errorf("not a one-packet PMT section")
	}
	entry := []byte{0x86, 0xe0 | cuePID>>8, cuePID & 0xff, 0xf0, 6, 0x05, 4, 'C', 'U', 'E', 'I'}
	body := append(append([]byte(nil), sec[:n-4]...), entry...)
	if len(body)+4 > len(sec) {
		return nil, fmt.Errorf("no room in the PMT packet for the cue PID")
	}
	sl := len(body) + 4 - 3
	body[1] = body[1]&0xf0 | byte(sl>>8)
	body[2] = byte(sl)
	c := crc32(body)
	body = append(body, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
	out := append([]byte(nil), p...)
	start := 188 - len(sec)
	copy(out[start:], body)
	for i := start + len(body); i < 188; i++ {
		out[i] = 0xff
	}
	return out, nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: scte35cues IN.ts OUT.ts")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "scte35cues:", err)
		os.Exit(1)
	}
}

func run(inPath, outPath string) error {
	in, err := os.ReadFile(inPath)
	if err != nil {
		return err
	}
	if len(in)%188 != 0 {
		return fmt.Errorf("input is not a whole number of 188-byte packets")
	}
	// Pass 1: PMT PID from the PAT, PCR PID from the PMT, first PTS per ES.
	var pmtPID, pcrPID int = -1, -1
	firstPTS := map[uint16]int64{}
	for off := 0; off < len(in); off += 188 {
		p := in[off : off+188]
		pid, pl := pidOf(p), payload(p)
		if pl == nil || p[1]&0x40 == 0 {
			continue
		}
		switch {
		case pid == 0 && pmtPID < 0:
			s := pl[1+pl[0]:]
			pmtPID = int(s[10]&0x1f)<<8 | int(s[11]) // first program of the PAT
		case int(pid) == pmtPID && pcrPID < 0:
			s := pl[1+pl[0]:]
			pcrPID = int(s[8]&0x1f)<<8 | int(s[9])
		case pl[0] == 0 && pl[1] == 0 && pl[2] == 1 && pl[7]&0x80 != 0:
			if _, ok := firstPTS[pid]; !ok {
				h := pl[9:14]
				firstPTS[pid] = int64(h[0]>>1&7)<<30 | int64(h[1])<<22 | int64(h[2]>>1)<<15 | int64(h[3])<<7 | int64(h[4]>>1)
			}
		}
	}
	if pmtPID < 0 || pcrPID < 0 || len(firstPTS) == 0 {
		return fmt.Errorf("no PAT, PMT or PTS found")
	}
	origin := int64(-1)
	for _, v := range firstPTS {
		if origin < 0 || v < origin {
			origin = v
		}
	}
	// Pass 2: copy, rewriting the PMT and inserting the cues.
	out := make([]byte, 0, len(in)+188*len(cues))
	next, cc := 0, 0
	type placed struct {
		c       cue
		pts     int64
		arrival int64 // PCR of the packet before, 27 MHz
	}
	var done []placed
	for off := 0; off < len(in); off += 188 {
		p := in[off : off+188]
		if int(pidOf(p)) == pmtPID && p[1]&0x40 != 0 {
			if p, err = addToPMT(p); err != nil {
				return err
			}
		}
		out = append(out, p...)
		pcr := pcrOf(p)
		if int(pidOf(p)) != pcrPID || pcr < 0 || next >= len(cues) {
			continue
		}
		c := cues[next]
		splice := (origin + int64(c.ptsS*90000+0.5)) & ptsMask
		if pcr < (splice-int64(c.prerollS*90000))*300 {
			continue
		}
		sec := section(c, splice)
		pkt := make([]byte, 188)
		pkt[0], pkt[1], pkt[2], pkt[3] = 0x47, 0x40|cuePID>>8, cuePID&0xff, 0x10|byte(cc&0xf)
		cc++
		pkt[4] = 0 // pointer_field
		copy(pkt[5:], sec)
		for i := 5 + len(sec); i < 188; i++ {
			pkt[i] = 0xff
		}
		out = append(out, pkt...)
		done = append(done, placed{c, splice, pcr})
		next++
	}
	if next != len(cues) {
		return fmt.Errorf("placed %d of %d cues: input too short", next, len(cues))
	}
	if err := os.WriteFile(outPath, out, 0o644); err != nil {
		return err
	}
	fmt.Printf("origin PTS %d, PMT PID %d, PCR PID %d, cue PID %d\n", origin, pmtPID, pcrPID, cuePID)
	fmt.Println("| command | event_id | out_of_network | pts_s | duration_s | preroll_s | arrival_pcr | crc |")
	for _, d := range done {
		pre := float64(d.pts-d.arrival/300) / 90000
		crc := "ok"
		if d.c.corruptCRC {
			crc = "bad"
		}
		fmt.Printf("| %s | %d | %t | %.3f | %.3f | %.4f | %d | %s |\n", d.c.kind, d.c.eventID, d.c.out, d.c.ptsS, d.c.durS, pre, d.arrival, crc)
	}
	return nil
}
