package tsrecord

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/srtscope/srtscope/probe/ts"
)

// writer is Run's side of a Recorder: the live segment's file and where
// the stream is. Only Run's goroutine touches it.
type writer struct {
	r *Recorder
	o Options

	f        *os.File
	seg      Segment // the live segment: Path is its finished name
	name     Name    // the live segment's name (Live set)
	segLen   int64   // bytes of the live segment, those still to write included
	dueSince time.Time
	lastSync time.Time

	carry   []byte    // the start of a packet cut by the end of a batch
	arrived []arrival // when the bytes of the batch being fed arrived
	mark    int       // arrived[mark] is the latest that arrivedAt looked up
	psi     psiTracker
	start   []byte // scratch: a new segment's PAT and PMT

	written   int64 // bytes in segment files
	input     int64 // of those, the stream's (not PAT/PMT copies)
	lastCopy  bool  // the last write was PAT/PMT copies
	discarded int64
}

// arrival says that the bytes of a batch before end were handed to Write
// by at (those of the arrival before it excepted).
type arrival struct {
	end int
	at  time.Time
}

// arrivalResolution is how close in time Writes share an arrival: their
// bytes are taken to arrive with the first of them.
const arrivalResolution = time.Millisecond

// addArrival notes in a that a batch's bytes up to end arrived at at.
func addArrival(a []arrival, end int, at time.Time) []arrival {
	if n := len(a); n > 0 && at.Sub(a[n-1].at) < arrivalResolution {
		a[n-1].end = end
		return a
	}
	return append(a, arrival{end: end, at: at})
}

// arrivedAt returns when the byte at off of the batch being fed arrived;
// off does not decrease during a batch.
func (w *writer) arrivedAt(off int) time.Time {
	for w.mark < len(w.arrived)-1 && w.arrived[w.mark].end <= off {
		w.mark++
	}
	return w.arrived[w.mark].at
}

// feed writes the whole TS packets of buf, splitting segments on the way.
// arrived says when buf's bytes arrived (a packet arrives with its last
// byte): the segments' bounds, starts and ends go by it, so where a
// segment splits does not depend on when Run got to the bytes. now is
// when feed runs, for the events.
func (w *writer) feed(buf []byte, arrived []arrival, now time.Time) error {
	w.arrived, w.mark = arrived, 0
	off := 0
	if len(w.carry) > 0 {
		need := ts.PacketSize - len(w.carry)
		if len(buf) < need {
			w.carry = append(w.carry, buf...)
			return nil
		}
		w.carry = append(w.carry, buf[:need]...)
		if _, err := w.packets(w.carry, need-ts.PacketSize, now); err != nil {
			return err
		}
		w.carry = w.carry[:0]
		off = need
	}
	n, err := w.packets(buf[off:], off, now)
	if err != nil {
		return err
	}
	w.carry = append(w.carry[:0], buf[off+n:]...)
	return nil
}

// packets writes the whole packets of b, which starts at base in the
// batch, and returns where the incomplete packet at its end starts. Bytes
// out of sync are counted and dropped.
func (w *writer) packets(b []byte, base int, now time.Time) (int, error) {
	run, i := 0, 0   // b[run:i] are packets still to write
	var at time.Time // when the last packet of b[run:i] arrived
	for i+ts.PacketSize <= len(b) {
		if b[i] != ts.SyncByte {
			if err := w.write(b[run:i], at, now, false); err != nil {
				return i, err
			}
			j := bytes.IndexByte(b[i+1:], ts.SyncByte)
			if j < 0 {
				w.discarded += int64(len(b) - i)
				return len(b), nil
			}
			w.discarded += int64(j + 1)
			i += j + 1
			run = i
			continue
		}
		p := b[i : i+ts.PacketSize]
		pAt := w.arrivedAt(base + i + ts.PacketSize - 1)
		if w.splitBefore(p, pAt) {
			if err := w.write(b[run:i], at, now, false); err != nil {
				return i, err
			}
			if err := w.next(p, pAt, now); err != nil {
				return i, err
			}
			run = i
		}
		at = pAt
		w.psi.observe(p)
		w.segLen += ts.PacketSize
		i += ts.PacketSize
	}
	if err := w.write(b[run:i], at, now, false); err != nil {
		return i, err
	}
	if tail := b[i:]; len(tail) > 0 && tail[0] != ts.SyncByte {
		j := bytes.IndexByte(tail, ts.SyncByte)
		if j < 0 {
			j = len(tail)
		}
		w.discarded += int64(j)
		i += j
	}
	return i, nil
}

// splitBefore reports whether a new segment starts with packet p: the
// first one, or one whose bound is reached, at a random access point or
// once SplitGrace has passed without one; at is when p arrived.
func (w *writer) splitBefore(p []byte, at time.Time) bool {
	if w.f == nil {
		return true
	}
	if w.dueSince.IsZero() {
		byTime := w.o.Segment > 0 && at.Sub(w.seg.Start) >= w.o.Segment
		bySize := w.o.SegmentBytes > 0 && w.segLen >= w.o.SegmentBytes
		if !byTime && !bySize {
			return false
		}
		w.dueSince = at
	}
	return w.psi.randomAccess(p) || at.Sub(w.dueSince) >= SplitGrace
}

// next finishes the live segment, if any, and opens the next one, which
// starts with the latest PAT and PMT unless p starts a PAT itself. The
// new segment starts when p arrived, at.
func (w *writer) next(p []byte, at, now time.Time) error {
	if w.f != nil {
		if err := w.finish(now); err != nil {
			return err
		}
	}
	name := Name{Feed: w.o.Feed, Start: at.UTC().Truncate(time.Second), Live: true}
	if name.Start.Equal(w.name.Start) {
		name.Seq = w.name.Seq + 1
	}
	for ; ; name.Seq++ {
		if name.Seq > 999 {
			return w.fail(now, fmt.Errorf("tsrecord: more than 999 segments of %s started at %s", w.o.Feed, name.Start.Format(TimeLayout)))
		}
		if !exists(w.path(name)) && !exists(w.path(finishedName(name))) {
			break
		}
	}
	f, err := os.OpenFile(w.path(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return w.fail(now, fmt.Errorf("tsrecord: %w", err))
	}
	w.f, w.name, w.dueSince, w.lastSync = f, name, time.Time{}, now
	w.seg = Segment{Path: w.path(finishedName(name)), Start: at, End: at}
	w.r.emit(SegmentOpened{Time: now, Path: w.seg.Path})
	w.start = w.psi.appendPrefix(w.start[:0], p)
	w.segLen = int64(len(w.start))
	return w.write(w.start, at, now, true)
}

// write appends b, whose last packet arrived at at, to the live segment;
// copies says b holds PAT/PMT copies rather than the stream's own packets.
func (w *writer) write(b []byte, at, now time.Time, copies bool) error {
	if len(b) == 0 {
		return nil
	}
	n, err := w.f.Write(b)
	w.seg.Bytes += int64(n)
	w.written += int64(n)
	if !copies {
		w.input += int64(n)
	}
	w.lastCopy = copies
	w.seg.End = at
	if err != nil {
		return w.fail(now, fmt.Errorf("tsrecord: %w", err))
	}
	return nil
}

// syncIfDue fsyncs the live segment every SyncEvery, when set.
func (w *writer) syncIfDue(now time.Time) error {
	if w.o.SyncEvery <= 0 || w.f == nil || now.Sub(w.lastSync) < w.o.SyncEvery {
		return nil
	}
	w.lastSync = now
	if err := w.f.Sync(); err != nil {
		return w.fail(now, fmt.Errorf("tsrecord: %w", err))
	}
	return nil
}

// finish makes the live segment durable and gives it its finished name.
func (w *writer) finish(now time.Time) error {
	if err := w.f.Sync(); err != nil {
		return w.fail(now, fmt.Errorf("tsrecord: %w", err))
	}
	if err := w.f.Close(); err != nil {
		w.f = nil
		return w.fail(now, fmt.Errorf("tsrecord: %w", err))
	}
	w.f = nil
	if err := os.Rename(w.path(w.name), w.seg.Path); err != nil {
		return w.fail(now, fmt.Errorf("tsrecord: finishing a segment: %w", err))
	}
	syncDir(w.o.Dir)
	w.r.finished(w.seg, false)
	w.r.emit(SegmentClosed{Time: now, Segment: w.seg})
	return nil
}

// stop finishes the live segment when the recording stops; an incomplete
// last packet is dropped.
func (w *writer) stop(now time.Time) error {
	w.discarded += int64(len(w.carry))
	w.carry = w.carry[:0]
	if w.f == nil {
		return nil
	}
	return w.finish(now)
}

// fail ends the recording on err: the live segment keeps its whole
// packets and gets its finished name (or, with none, is removed). It
// returns the error Run returns: a *DiskFullError when the disk is full.
func (w *writer) fail(now time.Time, err error) error {
	path := w.seg.Path
	if w.f != nil {
		if cut := w.seg.Bytes % ts.PacketSize; cut != 0 {
			if terr := w.f.Truncate(w.seg.Bytes - cut); terr == nil {
				w.seg.Bytes -= cut
				w.written -= cut
				if !w.lastCopy {
					w.input -= cut
				}
			}
		}
		_ = w.f.Close() // the error that matters is err
		w.f = nil
		live := w.path(w.name)
		switch {
		case w.seg.Bytes == 0:
			_ = os.Remove(live) // nothing in it
		case os.Rename(live, w.seg.Path) == nil:
			w.r.finished(w.seg, false)
			w.r.emit(SegmentClosed{Time: now, Segment: w.seg})
		default:
			path = live // left for the next run to recover
		}
	}
	if isDiskFull(err) {
		if path == "" {
			path = w.o.Dir
		}
		dfe := &DiskFullError{Path: path, Written: w.written, Err: err}
		w.r.emit(DiskFull{Time: now, Path: path, BytesWritten: w.written, Err: dfe})
		return dfe
	}
	w.r.emit(Failed{Time: now, Err: err})
	return err
}

// recoverLeftovers finishes the live segments of this feed that a killed
// run left: each keeps its whole packets and gets its finished name.
func (w *writer) recoverLeftovers(now time.Time) {
	list, err := listSegments(w.o.Dir)
	if err != nil {
		w.r.emit(RecoveryFailed{Time: now, Path: w.o.Dir, Err: fmt.Errorf("tsrecord: %w", err)})
		return
	}
	for _, s := range list {
		if !s.Live || s.Feed != w.o.Feed {
			continue
		}
		if err := w.recoverOne(s, now); err != nil {
			w.r.emit(RecoveryFailed{Time: now, Path: s.path, Err: fmt.Errorf("tsrecord: recovering a segment: %w", err)})
		}
	}
}

func (w *writer) recoverOne(s found, now time.Time) error {
	keep := s.bytes - s.bytes%ts.PacketSize
	if keep == 0 {
		return os.Remove(s.path)
	}
	if keep != s.bytes {
		if err := os.Truncate(s.path, keep); err != nil {
			return err
		}
	}
	name := finishedName(s.Name)
	for exists(w.path(name)) {
		name.Seq++
		if name.Seq > 999 {
			return fmt.Errorf("no free name for %s", s.path)
		}
	}
	seg := Segment{Path: w.path(name), Bytes: keep, Start: s.Start, End: s.mod}
	if err := os.Rename(s.path, seg.Path); err != nil {
		return err
	}
	syncDir(w.o.Dir)
	w.r.finished(seg, true)
	w.r.emit(SegmentRecovered{Time: now, Segment: seg, From: s.path})
	return nil
}

func (w *writer) path(n Name) string { return filepath.Join(w.o.Dir, n.String()) }

func finishedName(n Name) Name {
	n.Live = false
	return n
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, os.ErrNotExist)
}

// syncDir makes a rename in dir durable where the system allows it
// (directories cannot be fsynced on Windows; that is not an error here).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
