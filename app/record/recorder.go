package record

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session"
)

// DefaultFlushInterval is how long a recorded item may wait in memory before
// it is committed. A kill -9 loses at most this much (plus one commit).
const DefaultFlushInterval = 500 * time.Millisecond

// insertSample writes one sample; the columns are named, as migrations
// append columns to the table.
const insertSample = `INSERT INTO samples (session_id, t, state, peer, rtt_ms, latency_ms, rtt_multiplier, recv_mbps,
	pkts_recv, pkts_lost, pkts_retrans, pkts_dropped, bytes_recv,
	pkts_late, pkts_at_risk, recovery_margin_min_ms, recovery_margin_p5_ms, rcv_buf_ms, rcv_buf_pkts,
	rtt_min_ms, rtt_max_ms, rtt_var_ms, recv_pkts_per_s, since_last_packet_ms, pkts_backdated, pkts_undecryptable)
	VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

// maxPending forces an early flush when this many items are queued.
const maxPending = 2000

// Severity is how bad an alarm is.
type Severity string

// Alarm severities, from least to most severe.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// Rank orders severities: higher is worse; unknown severities rank 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityInfo:
		return 1
	case SeverityWarning:
		return 2
	case SeverityCritical:
		return 3
	}
	return 0
}

// Alarm is one alarm raised during a session (RTT too high, loss above the
// threshold, no packets...). Message says in words what happened.
type Alarm struct {
	Time     time.Time `json:"time"`
	Severity Severity  `json:"severity"`
	Kind     string    `json:"kind"`
	Message  string    `json:"message"`
}

// Inspection is one stream inspection snapshot.
type Inspection struct {
	Time   time.Time    `json:"time"`
	Report probe.Report `json:"report"`
}

// WizardResult is one latency wizard run, stored as the wizard's own JSON
// (the object printed by `srtscope wizard --format json`).
type WizardResult struct {
	Time   time.Time       `json:"time"`
	Result json.RawMessage `json:"result"`
}

// LineTestResult is one line test run, stored as the line test's own JSON
// (the object printed by `srtscope linetest --format json`).
type LineTestResult struct {
	Time   time.Time       `json:"time"`
	Result json.RawMessage `json:"result"`
}

// NewSession describes a session about to be recorded.
type NewSession struct {
	Name      string    // what the operator called the feed
	URL       string    // as typed; the passphrase is removed before storing
	Mode      string    // caller or listener
	Peer      string    // remote address when known
	LatencyMs int       // configured latency
	Started   time.Time // zero means now
}

// Options tune a Recorder.
type Options struct {
	// FlushInterval is the longest time an item waits before it is
	// committed; 0 means DefaultFlushInterval. At most 1 s.
	FlushInterval time.Duration
}

// Recorder writes one session as it happens. Its methods are safe for
// concurrent use and never block on the disk: items are queued and a
// background goroutine commits them in one transaction per FlushInterval.
type Recorder struct {
	db      *DB
	id      int64
	secrets []string
	every   time.Duration

	fmu  sync.Mutex // serialises flushes (loop, Flush, Close); guards last
	last time.Time

	mu      sync.Mutex
	pending []item
	err     error // first write error, reported by Err and Close
	closed  bool

	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

type item struct {
	sample *session.Sample
	event  *session.Event
	alarm  *Alarm
	insp   *Inspection
	wizard *WizardResult
	line   *LineTestResult
	output *OutputSample
}

// OutputSample is one output's (or one puller's) state and sender
// statistics at a sample time, with libsrt's meanings (session.SenderSample).
type OutputSample struct {
	Time   time.Time `json:"time"`
	Output int       `json:"output"` // 1-based position among the feed's outputs
	URL    string    `json:"url"`    // passphrase removed
	Kind   string    `json:"kind"`
	Peer   string    `json:"peer"` // the destination, or a puller's address
	State  string    `json:"state"`
	session.SenderFigures
	SkippedBytes uint64 `json:"skipped_bytes"`
}

// Start creates a session row and returns its recorder.
func (d *DB) Start(ctx context.Context, ns NewSession, opts Options) (*Recorder, error) {
	if ns.Started.IsZero() {
		ns.Started = time.Now()
	}
	redacted, secrets := RedactURL(ns.URL)
	every := opts.FlushInterval
	if every <= 0 || every > time.Second {
		every = DefaultFlushInterval
	}
	res, err := d.sql.ExecContext(ctx,
		`INSERT INTO sessions(name, url, encrypted, mode, peer, started, last_seen, latency_ms) VALUES(?,?,?,?,?,?,?,?)`,
		Scrub(ns.Name, secrets), redacted, len(secrets) > 0, ns.Mode, ns.Peer, nanos(ns.Started), nanos(ns.Started), ns.LatencyMs)
	if err != nil {
		return nil, fmt.Errorf("record: cannot start recording in %s: %w", d.path, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, fmt.Errorf("record: start: %w", err)
	}
	r := &Recorder{
		db: d, id: id, secrets: secrets, every: every,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	d.setActive(id, true)
	go r.loop()
	return r, nil
}

// ID returns the session's ID in the database.
func (r *Recorder) ID() int64 { return r.id }

// Sample records one statistics sample.
func (r *Recorder) Sample(s session.Sample) { r.add(item{sample: &s}) }

// Event records one session event; any passphrase in its text is masked.
func (r *Recorder) Event(e session.Event) {
	e.Detail = Scrub(e.Detail, r.secrets)
	r.add(item{event: &e})
}

// Output records one output's (or puller's) sample; any passphrase in its
// URL is masked.
func (r *Recorder) Output(o OutputSample) {
	o.URL = Scrub(o.URL, r.secrets)
	r.add(item{output: &o})
}

// Alarm records one alarm; any passphrase in its text is masked.
func (r *Recorder) Alarm(a Alarm) {
	a.Message = Scrub(a.Message, r.secrets)
	r.add(item{alarm: &a})
}

// Inspection records one stream inspection snapshot.
func (r *Recorder) Inspection(t time.Time, rep probe.Report) {
	r.add(item{insp: &Inspection{Time: t, Report: rep}})
}

// WizardResult records one latency wizard result (its JSON object).
func (r *Recorder) WizardResult(t time.Time, result json.RawMessage) {
	cp := append(json.RawMessage(nil), result...)
	r.add(item{wizard: &WizardResult{Time: t, Result: cp}})
}

// LineTestResult records one line test result (its JSON object); any
// passphrase in it is masked.
func (r *Recorder) LineTestResult(t time.Time, result json.RawMessage) {
	cp := json.RawMessage(Scrub(string(result), r.secrets))
	r.add(item{line: &LineTestResult{Time: t, Result: cp}})
}

func (r *Recorder) add(it item) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.pending = append(r.pending, it)
	n := len(r.pending)
	r.mu.Unlock()
	if n >= maxPending {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// Err returns the first error met while writing, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Flush commits everything queued so far.
func (r *Recorder) Flush() error {
	r.flush()
	return r.Err()
}

// Close commits what is queued, marks the session as ended at end (zero
// means now) and stops the recorder.
func (r *Recorder) Close(end time.Time) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return r.Err()
	}
	r.closed = true
	r.mu.Unlock()
	close(r.stop)
	<-r.done
	r.flush()
	if end.IsZero() {
		end = time.Now()
	}
	_, err := r.db.sql.Exec(`UPDATE sessions SET ended=?, last_seen=MAX(COALESCE(last_seen,0), ?) WHERE id=?`, nanos(end), nanos(end), r.id)
	r.db.setActive(r.id, false)
	if err != nil {
		return fmt.Errorf("record: closing session %d: %w", r.id, err)
	}
	return r.Err()
}

func (r *Recorder) loop() {
	defer close(r.done)
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		case <-r.kick:
		}
		r.flush()
	}
}

func (r *Recorder) flush() {
	r.fmu.Lock()
	defer r.fmu.Unlock()
	batch := r.takePending()
	if len(batch) == 0 {
		return
	}
	if err := r.write(batch); err != nil {
		r.setErr(err)
	}
}

// takePending returns what is queued and empties the queue.
func (r *Recorder) takePending() []item {
	r.mu.Lock()
	defer r.mu.Unlock()
	batch := r.pending
	r.pending = nil
	return batch
}

// setErr keeps the first error met while writing.
func (r *Recorder) setErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

func (r *Recorder) write(batch []item) (err error) {
	tx, err := r.db.sql.Begin()
	if err != nil {
		return fmt.Errorf("record: writing session %d: %w", r.id, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var stmts [7]*sql.Stmt
	prep := func(i int, q string) (*sql.Stmt, error) {
		if stmts[i] == nil {
			s, err := tx.Prepare(q)
			if err != nil {
				return nil, err
			}
			stmts[i] = s
		}
		return stmts[i], nil
	}
	defer func() {
		for _, s := range stmts {
			if s != nil {
				_ = s.Close()
			}
		}
	}()
	last := r.last
	peer := ""
	for _, it := range batch {
		var (
			st *sql.Stmt
			t  time.Time
		)
		switch {
		case it.sample != nil:
			s := it.sample
			if st, err = prep(0, insertSample); err != nil {
				break
			}
			t = s.Time
			if s.Peer != "" {
				peer = s.Peer
			}
			_, err = st.Exec(r.id, nanos(s.Time), string(s.State), s.Peer, s.RTTMs, s.LatencyMs, s.RTTMultiplier,
				s.RecvMbps, int64(s.PktsRecv), int64(s.PktsLost), int64(s.PktsRetrans), int64(s.PktsDropped), int64(s.BytesRecv),
				int64(s.PktsLate), int64(s.PktsAtRisk), s.RecoveryMarginMinMs, s.RecoveryMarginP5Ms, s.RcvBufMs, s.RcvBufPkts,
				s.RTTMinMs, s.RTTMaxMs, s.RTTVarMs, s.RecvPktsPerS, s.SinceLastPacketMs, int64(s.PktsBackdated), int64(s.PktsUndecryptable))
		case it.event != nil:
			e := it.event
			if st, err = prep(1, `INSERT INTO events VALUES(?,?,?,?,?)`); err != nil {
				break
			}
			t = e.Time
			_, err = st.Exec(r.id, nanos(e.Time), string(e.Kind), e.Detail, e.Remote)
		case it.alarm != nil:
			a := it.alarm
			if st, err = prep(2, `INSERT INTO alarms VALUES(?,?,?,?,?)`); err != nil {
				break
			}
			t = a.Time
			_, err = st.Exec(r.id, nanos(a.Time), string(a.Severity), a.Kind, a.Message)
		case it.insp != nil:
			var js []byte
			if js, err = json.Marshal(it.insp.Report); err != nil {
				break
			}
			if st, err = prep(3, `INSERT INTO inspections VALUES(?,?,?)`); err != nil {
				break
			}
			t = it.insp.Time
			_, err = st.Exec(r.id, nanos(t), string(js))
		case it.wizard != nil:
			if st, err = prep(4, `INSERT INTO wizard_results VALUES(?,?,?)`); err != nil {
				break
			}
			t = it.wizard.Time
			_, err = st.Exec(r.id, nanos(t), string(it.wizard.Result))
		case it.line != nil:
			if st, err = prep(5, `INSERT INTO linetest_results VALUES(?,?,?)`); err != nil {
				break
			}
			t = it.line.Time
			_, err = st.Exec(r.id, nanos(t), string(it.line.Result))
		case it.output != nil:
			o := it.output
			if st, err = prep(6, `INSERT INTO output_samples VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`); err != nil {
				break
			}
			t = o.Time
			_, err = st.Exec(r.id, nanos(t), o.Output, o.URL, o.Kind, o.Peer, o.State, o.RTTMs, o.SendMbps, int64(o.PktsSent), int64(o.PktsRetransSent),
				int64(o.NaksRecv), int64(o.PktsSendDropped), o.SndBufMs, int64(o.FlightPkts), int64(o.SkippedBytes))
		}
		if err != nil {
			return fmt.Errorf("record: writing session %d: %w", r.id, err)
		}
		if t.After(last) {
			last = t
		}
	}
	if _, err = tx.Exec(`UPDATE sessions SET last_seen=MAX(COALESCE(last_seen,0), ?), peer=CASE WHEN ?='' THEN peer ELSE ? END WHERE id=?`,
		nanos(last), peer, peer, r.id); err != nil {
		return fmt.Errorf("record: writing session %d: %w", r.id, err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("record: committing session %d (disk full?): %w", r.id, err)
	}
	r.last = last
	return nil
}
