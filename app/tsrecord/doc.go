// Package tsrecord records a feed's received MPEG-TS to disk in segments:
// the "TS recording" output of DESIGN.md section 10.
//
// # Use
//
// New checks the Options (an *OptionError names the field, the value and
// what is allowed); FromFlags does the same for the CLI's
// `--record DIR --segment 10m|500MB`, naming the flags. The feed hands its
// TS bytes to Write, which copies them into a bounded queue and never
// blocks or fails: what does not fit is skipped and counted, like every
// output of a feed. Run is the one goroutine that owns the files; it
// returns when its context ends (nil) or when writing fails. Stats is a
// race-free snapshot (state, bytes written and skipped, the live segment,
// the finished ones); the events (SegmentOpened, SegmentClosed,
// SegmentRecovered, RecoveryFailed, DiskFull, Failed) go to
// Options.OnEvent.
//
// # Segments and names
//
// A segment is named by feed and start time, UTC to the second, so that
// names sort by time: cam1_2026-12-07T07-30-00Z.ts, with _001, _002...
// before the extension for further segments started in the same second.
// The feed name is made safe for every file system (SafeName). While a
// segment is written its name ends in ".ts.part"; it is fsynced and
// renamed to ".ts" when finished, so a ".ts" file is always complete.
//
// A new segment starts once the live one spans Segment (wall-clock time
// of arrival: when Write was handed the bytes, so a flush that comes late
// or a Run held up by the disk does not move where segments split, nor
// their start and end times) or holds SegmentBytes, at a TS packet
// boundary: preferably
// just before a packet that starts a PES with the random_access_indicator
// set (on a video PID when the PMT lists video), so each segment starts
// with a picture a decoder can show; after SplitGrace (5 s) without one,
// at the next packet. Every segment but the first starts with copies of
// the latest PAT and PMT packets, so ffprobe and players read a segment on
// its own; the copies are the last packets seen on those PIDs, so the
// continuity counters run on without an error. Bytes that are not TS
// packets (lost sync) are dropped and counted.
//
// # Crash behaviour
//
// Run hands what is queued to the OS with write(2) at least every
// FlushEvery (250 ms by default, at most 1 s) and keeps no buffer of its
// own besides the queue. A process killed with SIGKILL loses only what was
// still queued: written bytes are in the kernel's page cache, which
// outlives the process, so the live ".ts.part" file holds everything up to
// the last flush and is playable as it is. The next Run for the same feed
// and directory recovers such leftovers: each is cut back to whole packets
// and renamed to its finished name with its data (SegmentRecovered); it is
// never deleted unless it holds no whole packet. Within a process Run
// refuses a second Recorder of the same feed and directory (ErrInUse);
// two processes must not record the same feed into the same directory,
// as each would take the other's live segment for a leftover.
//
// fsync is not used on the way, because kill -9 does not need it and an
// fsync of a live file can stall for seconds on a slow or busy disk
// (the queue would overflow). A power cut or kernel crash is different:
// it loses what the kernel had not written back yet, up to about 30 s on
// Linux (vm.dirty_expire_centisecs), of the live segment only. Finished
// segments are fsynced before their rename, and the directory after it,
// so they survive a power cut whole. Options.SyncEvery adds a periodic
// fsync of the live segment for setups that must bound the power-cut loss.
// Every fsync runs on Run's goroutine: Write does not wait for it, and
// the queue (DefaultQueueBytes, 2.7 s of a 50 Mbit/s feed) takes what
// arrives meanwhile.
//
// # Full disk
//
// When the disk (or quota) is full the recording stops: the live segment
// is cut back to whole packets and finished, Run returns a *DiskFullError
// ("tsrecord: disk full: recording stopped: PATH (N bytes written)"), the
// state is failed with that cause and a DiskFull event carries the path
// and the bytes written, for the alarm. Write keeps accepting bytes (it
// counts them as unrecorded), so the feed and its other outputs go on.
//
// # Retention
//
// Prune applies the recordings' retention (keep days, at most MB; the
// same settings as the session history, see app.Pruner) to a directory:
// finished segments older than the age go first, then the oldest finished
// segments until the directory's segments use at most the size. Live
// segments are never deleted but count towards the size; other files are
// never touched.
package tsrecord
