package tsrecord

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/srtscope/srtscope/probe/ts"
)

// PIDs of the synthetic stream.
const (
	pmtPID   = 0x1000
	videoPID = 0x100
	audioPID = 0x101
)

// tsGen makes a synthetic single-program TS (H.264 on videoPID, AAC on
// audioPID) with running continuity counters.
type tsGen struct{ cc [ts.NumPIDs]uint8 }

// packet makes one packet on pid; rai adds an adaptation field with the
// random_access_indicator.
func (g *tsGen) packet(pid uint16, pusi, rai bool, payload []byte) []byte {
	p := make([]byte, ts.PacketSize)
	afc := uint8(1)
	off := ts.HeaderSize
	if rai {
		afc = 3
		p[4], p[5] = 1, ts.FlagRandomAccess
		off = 6
	}
	ts.NewHeader(pid, pusi, afc, g.cc[pid]).Put(p)
	g.cc[pid] = (g.cc[pid] + 1) & 0x0f
	n := copy(p[off:], payload)
	for i := off + n; i < ts.PacketSize; i++ {
		p[i] = 0xff
	}
	return p
}

// psi makes the packet of a one-packet PSI section with its CRC.
func (g *tsGen) psi(pid uint16, tableID uint8, body []byte) []byte {
	sec := []byte{tableID, 0xb0, 0, 0, 1, 0xc1, 0, 0} // syntax, id 1, version 0, current
	sec = append(sec, body...)
	binary.BigEndian.PutUint16(sec[1:], 0xb000|uint16(len(sec)-3+4))
	sec = binary.BigEndian.AppendUint32(sec, ts.CRC32(sec))
	return g.packet(pid, true, false, append([]byte{0}, sec...))
}

func (g *tsGen) pat() []byte {
	return g.psi(0, 0x00, []byte{0, 1, 0xe0 | pmtPID>>8, pmtPID & 0xff})
}

func (g *tsGen) pmt() []byte {
	return g.psi(pmtPID, 0x02, []byte{
		0xe0 | videoPID>>8, videoPID & 0xff, 0xf0, 0, // PCR PID, no program info
		0x1b, 0xe0 | videoPID>>8, videoPID & 0xff, 0xf0, 0,
		0x0f, 0xe0 | audioPID>>8, audioPID & 0xff, 0xf0, 0,
	})
}

// pes makes the first packet of a PES on pid (with the RAI when key).
func (g *tsGen) pes(pid uint16, key bool) []byte {
	return g.packet(pid, true, key, []byte{0, 0, 1, 0xe0, 0, 0, 0x80, 0, 0})
}

// gop makes PAT, PMT, a video key frame's first packet and n-3 other
// packets (video and audio, with an audio PES start with the RAI too).
func (g *tsGen) gop(n int) []byte {
	out := slices.Concat(g.pat(), g.pmt(), g.pes(videoPID, true))
	for i := 3; i < n; i++ {
		switch {
		case i == 5:
			out = append(out, g.pes(audioPID, true)...) // audio RAI: not a split point
		case i%40 == 0:
			out = append(out, g.pes(videoPID, false)...) // a picture that is not a key frame
		case i%7 == 0:
			out = append(out, g.packet(audioPID, false, false, nil)...)
		default:
			out = append(out, g.packet(videoPID, false, false, nil)...)
		}
	}
	return out
}

// events collects a Recorder's events.
type events chan Event

func (e events) on(ev Event) { e <- ev }

// wait returns the first event for which ok holds, failing the test after
// timeout.
func (e events) wait(t testing.TB, timeout time.Duration, what string, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case ev := <-e:
			if ok(ev) {
				return ev
			}
		case <-deadline.C:
			t.Fatalf("no %s within %v", what, timeout)
			return nil
		}
	}
}

// start runs r until the test ends (or stop is called) and returns stop,
// which cancels Run and returns its error.
func start(t testing.TB, r *Recorder) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var err error
	stopped := false
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			err = <-done
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// segmentFiles lists the segment files in dir, sorted by name.
func segmentFiles(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if _, ok := ParseName(e.Name()); ok {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// ccErrors counts continuity errors in b per PID (payload packets only;
// a repeated counter is a duplicate, not an error).
func ccErrors(b []byte) map[uint16]int {
	last := map[uint16]uint8{}
	errs := map[uint16]int{}
	for off := 0; off+ts.PacketSize <= len(b); off += ts.PacketSize {
		h := ts.HeaderOf(b[off:])
		if !h.HasPayload() {
			continue
		}
		pid := h.PID()
		if prev, ok := last[pid]; ok && h.CC() != (prev+1)&0x0f && h.CC() != prev {
			errs[pid]++
		}
		last[pid] = h.CC()
	}
	return errs
}
