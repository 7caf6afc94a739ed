package record

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/srtscope/srtscope/session"
)

// Info describes one recorded session.
type Info struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	URL       string    `json:"url"` // never holds the passphrase
	Encrypted bool      `json:"encrypted"`
	Mode      string    `json:"mode"`
	Peer      string    `json:"peer"`
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended"` // zero when the recording was interrupted or is still going
	LastSeen  time.Time `json:"last_seen"`
	LatencyMs int       `json:"latency_ms"`
}

// End returns when the session ended: Ended when it was closed properly,
// else the time of the last thing recorded.
func (i Info) End() time.Time {
	if !i.Ended.IsZero() {
		return i.Ended
	}
	if i.LastSeen.After(i.Started) {
		return i.LastSeen
	}
	return i.Started
}

// Duration returns how long the session lasted.
func (i Info) Duration() time.Duration { return i.End().Sub(i.Started) }

// AlarmCount is how many alarms of one kind and severity a session raised.
type AlarmCount struct {
	Severity Severity `json:"severity"`
	Kind     string   `json:"kind"`
	Count    int      `json:"count"`
}

// Summary is one line of the session history.
type Summary struct {
	Info
	Recording   bool         `json:"recording"`   // being recorded by this process right now
	Interrupted bool         `json:"interrupted"` // never closed: the app crashed or was killed
	Samples     int          `json:"samples"`
	Worst       Severity     `json:"worst_alarm,omitempty"`
	Alarms      []AlarmCount `json:"alarms"`     // worst first
	LineTests   int          `json:"line_tests"` // line test results recorded
}

const infoCols = `id, name, url, encrypted, mode, peer, started, ended, last_seen, latency_ms`

func scanInfo(sc interface{ Scan(...any) error }) (Info, error) {
	var (
		i               Info
		started         int64
		ended, lastSeen sql.NullInt64
		encrypted       int
	)
	if err := sc.Scan(&i.ID, &i.Name, &i.URL, &encrypted, &i.Mode, &i.Peer, &started, &ended, &lastSeen, &i.LatencyMs); err != nil {
		return i, err
	}
	i.Encrypted = encrypted != 0
	i.Started = fromNanos(started)
	i.Ended = nullNanos(ended)
	i.LastSeen = nullNanos(lastSeen)
	return i, nil
}

// Sessions lists every recorded session, newest first.
func (d *DB) Sessions(ctx context.Context) ([]Summary, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT `+infoCols+` FROM sessions ORDER BY started DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("record: listing sessions in %s: %w", d.path, err)
	}
	var out []Summary
	byID := map[int64]int{}
	for rows.Next() {
		i, err := scanInfo(rows)
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("record: listing sessions: %w", err)
		}
		s := Summary{Info: i, Recording: d.isActive(i.ID)}
		s.Interrupted = i.Ended.IsZero() && !s.Recording
		byID[i.ID] = len(out)
		out = append(out, s)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("record: listing sessions: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	rows, err = d.sql.QueryContext(ctx, `SELECT session_id, COUNT(*) FROM samples GROUP BY session_id`)
	if err != nil {
		return nil, fmt.Errorf("record: counting samples: %w", err)
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("record: counting samples: %w", err)
		}
		if k, ok := byID[id]; ok {
			out[k].Samples = n
		}
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("record: counting samples: %w", err)
	}
	rows, err = d.sql.QueryContext(ctx, `SELECT session_id, COUNT(*) FROM linetest_results GROUP BY session_id`)
	if err != nil {
		return nil, fmt.Errorf("record: counting line tests: %w", err)
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("record: counting line tests: %w", err)
		}
		if k, ok := byID[id]; ok {
			out[k].LineTests = n
		}
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("record: counting line tests: %w", err)
	}
	rows, err = d.sql.QueryContext(ctx, `SELECT session_id, severity, kind, COUNT(*) FROM alarms GROUP BY session_id, severity, kind`)
	if err != nil {
		return nil, fmt.Errorf("record: counting alarms: %w", err)
	}
	for rows.Next() {
		var (
			id int64
			c  AlarmCount
		)
		if err := rows.Scan(&id, &c.Severity, &c.Kind, &c.Count); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("record: counting alarms: %w", err)
		}
		if k, ok := byID[id]; ok {
			out[k].Alarms = append(out[k].Alarms, c)
		}
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("record: counting alarms: %w", err)
	}
	for k := range out {
		SortAlarmCounts(out[k].Alarms)
		if len(out[k].Alarms) > 0 {
			out[k].Worst = out[k].Alarms[0].Severity
		}
	}
	return out, nil
}

// SortAlarmCounts orders counts worst first: by severity, then count, then kind.
func SortAlarmCounts(cs []AlarmCount) {
	sort.Slice(cs, func(a, b int) bool {
		x, y := cs[a], cs[b]
		if x.Severity.Rank() != y.Severity.Rank() {
			return x.Severity.Rank() > y.Severity.Rank()
		}
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return x.Kind < y.Kind
	})
}

// Latest returns the ID of the most recently started session.
func (d *DB) Latest(ctx context.Context) (int64, error) {
	var id int64
	err := d.sql.QueryRowContext(ctx, `SELECT id FROM sessions ORDER BY started DESC, id DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%w: nothing has been recorded in %s yet", ErrNotFound, d.path)
	}
	if err != nil {
		return 0, fmt.Errorf("record: finding the latest session: %w", err)
	}
	return id, nil
}

// Session is everything recorded for one session, in time order.
type Session struct {
	Info          Info             `json:"session"`
	Samples       []session.Sample `json:"samples"`
	Events        []session.Event  `json:"events"`
	Alarms        []Alarm          `json:"alarms"`
	Inspections   []Inspection     `json:"inspections"`
	WizardResults []WizardResult   `json:"wizard_results"`
	LineTests     []LineTestResult `json:"line_tests"`
	Outputs       []OutputSample   `json:"outputs"` // every output's and puller's samples
}

// Load reads one whole session.
func (d *DB) Load(ctx context.Context, id int64) (*Session, error) {
	row := d.sql.QueryRowContext(ctx, `SELECT `+infoCols+` FROM sessions WHERE id=?`, id)
	info, err := scanInfo(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %d is not in %s", ErrNotFound, id, d.path)
	}
	if err != nil {
		return nil, fmt.Errorf("record: reading session %d: %w", id, err)
	}
	s := &Session{Info: info, Samples: []session.Sample{}, Events: []session.Event{}, Alarms: []Alarm{},
		Inspections: []Inspection{}, WizardResults: []WizardResult{}, LineTests: []LineTestResult{}, Outputs: []OutputSample{}}
	wrap := func(what string, err error) error {
		return fmt.Errorf("record: reading the %s of session %d: %w", what, id, err)
	}
	err = d.each(ctx, `SELECT t, state, peer, rtt_ms, latency_ms, rtt_multiplier, recv_mbps, pkts_recv, pkts_lost, pkts_retrans, pkts_dropped, bytes_recv,
		pkts_late, pkts_at_risk, recovery_margin_min_ms, recovery_margin_p5_ms, rcv_buf_ms, rcv_buf_pkts,
		rtt_min_ms, rtt_max_ms, rtt_var_ms, recv_pkts_per_s, since_last_packet_ms, pkts_backdated, pkts_undecryptable
		FROM samples WHERE session_id=? ORDER BY t, rowid`, id,
		func(rows *sql.Rows) error {
			var (
				x                         session.Sample
				t                         int64
				state                     string
				recv, lost, rtx, drop, by int64
				late, risk, back, undec   int64
				marginMin, marginP5       sql.NullFloat64
			)
			if err := rows.Scan(&t, &state, &x.Peer, &x.RTTMs, &x.LatencyMs, &x.RTTMultiplier, &x.RecvMbps, &recv, &lost, &rtx, &drop, &by,
				&late, &risk, &marginMin, &marginP5, &x.RcvBufMs, &x.RcvBufPkts,
				&x.RTTMinMs, &x.RTTMaxMs, &x.RTTVarMs, &x.RecvPktsPerS, &x.SinceLastPacketMs, &back, &undec); err != nil {
				return err
			}
			x.Time, x.State = fromNanos(t), session.State(state)
			x.PktsRecv, x.PktsLost, x.PktsRetrans, x.PktsDropped, x.BytesRecv = uint64(recv), uint64(lost), uint64(rtx), uint64(drop), uint64(by)
			x.PktsLate, x.PktsAtRisk = uint64(late), uint64(risk)
			x.PktsBackdated, x.PktsUndecryptable = uint64(back), uint64(undec)
			if marginMin.Valid {
				x.RecoveryMarginMinMs = &marginMin.Float64
			}
			if marginP5.Valid {
				x.RecoveryMarginP5Ms = &marginP5.Float64
			}
			s.Samples = append(s.Samples, x)
			return nil
		})
	if err != nil {
		return nil, wrap("samples", err)
	}
	err = d.each(ctx, `SELECT t, kind, detail, remote FROM events WHERE session_id=? ORDER BY t, rowid`, id,
		func(rows *sql.Rows) error {
			var e session.Event
			var t int64
			var kind string
			if err := rows.Scan(&t, &kind, &e.Detail, &e.Remote); err != nil {
				return err
			}
			e.Time, e.Kind = fromNanos(t), session.EventKind(kind)
			s.Events = append(s.Events, e)
			return nil
		})
	if err != nil {
		return nil, wrap("events", err)
	}
	err = d.each(ctx, `SELECT t, severity, kind, message FROM alarms WHERE session_id=? ORDER BY t, rowid`, id,
		func(rows *sql.Rows) error {
			var a Alarm
			var t int64
			if err := rows.Scan(&t, &a.Severity, &a.Kind, &a.Message); err != nil {
				return err
			}
			a.Time = fromNanos(t)
			s.Alarms = append(s.Alarms, a)
			return nil
		})
	if err != nil {
		return nil, wrap("alarms", err)
	}
	err = d.each(ctx, `SELECT t, report FROM inspections WHERE session_id=? ORDER BY t, rowid`, id,
		func(rows *sql.Rows) error {
			var in Inspection
			var t int64
			var js string
			if err := rows.Scan(&t, &js); err != nil {
				return err
			}
			in.Time = fromNanos(t)
			if err := json.Unmarshal([]byte(js), &in.Report); err != nil {
				return fmt.Errorf("stored inspection is not valid JSON: %w", err)
			}
			s.Inspections = append(s.Inspections, in)
			return nil
		})
	if err != nil {
		return nil, wrap("inspections", err)
	}
	err = d.each(ctx, `SELECT t, result FROM wizard_results WHERE session_id=? ORDER BY t, rowid`, id,
		func(rows *sql.Rows) error {
			var w WizardResult
			var t int64
			var js string
			if err := rows.Scan(&t, &js); err != nil {
				return err
			}
			w.Time, w.Result = fromNanos(t), json.RawMessage(js)
			s.WizardResults = append(s.WizardResults, w)
			return nil
		})
	if err != nil {
		return nil, wrap("wizard results", err)
	}
	err = d.each(ctx, `SELECT t, result FROM linetest_results WHERE session_id=? ORDER BY t, rowid`, id,
		func(rows *sql.Rows) error {
			var l LineTestResult
			var t int64
			var js string
			if err := rows.Scan(&t, &js); err != nil {
				return err
			}
			l.Time, l.Result = fromNanos(t), json.RawMessage(js)
			s.LineTests = append(s.LineTests, l)
			return nil
		})
	if err != nil {
		return nil, wrap("line test results", err)
	}
	err = d.each(ctx, `SELECT t, output, url, kind, peer, state, rtt_ms, send_mbps, pkts_sent, pkts_retrans_sent, naks_recv, pkts_send_dropped, snd_buf_ms, flight_pkts, skipped_bytes
		FROM output_samples WHERE session_id=? ORDER BY t, rowid`, id,
		func(rows *sql.Rows) error {
			var o OutputSample
			var t, sent, rtx, naks, drop, flight, skipped int64
			if err := rows.Scan(&t, &o.Output, &o.URL, &o.Kind, &o.Peer, &o.State, &o.RTTMs, &o.SendMbps, &sent, &rtx, &naks, &drop, &o.SndBufMs, &flight, &skipped); err != nil {
				return err
			}
			o.Time = fromNanos(t)
			o.PktsSent, o.PktsRetransSent, o.NaksRecv, o.PktsSendDropped = uint64(sent), uint64(rtx), uint64(naks), uint64(drop)
			o.FlightPkts, o.SkippedBytes = uint64(flight), uint64(skipped)
			s.Outputs = append(s.Outputs, o)
			return nil
		})
	if err != nil {
		return nil, wrap("output samples", err)
	}
	return s, nil
}

func (d *DB) each(ctx context.Context, q string, id int64, fn func(*sql.Rows) error) error {
	rows, err := d.sql.QueryContext(ctx, q, id)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Delete removes one session and everything recorded for it. A session being
// recorded right now cannot be deleted.
func (d *DB) Delete(ctx context.Context, id int64) error {
	if d.isActive(id) {
		return fmt.Errorf("record: session %d is being recorded right now: stop it before deleting it", id)
	}
	res, err := d.sql.ExecContext(ctx, `DELETE FROM sessions WHERE id=?`, id)
	if err != nil {
		return fmt.Errorf("record: deleting session %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %d is not in %s", ErrNotFound, id, d.path)
	}
	return nil
}

// Retention bounds the history. Zero fields mean no limit.
type Retention struct {
	MaxAge   time.Duration // delete sessions that started longer ago than this
	MaxBytes int64         // then delete the oldest sessions until the data fits
}

// UsedBytes returns how many bytes of the database hold data.
func (d *DB) UsedBytes(ctx context.Context) (int64, error) {
	var pages, free, size int64
	if err := d.sql.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return 0, fmt.Errorf("record: measuring %s: %w", d.path, err)
	}
	if err := d.sql.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
		return 0, fmt.Errorf("record: measuring %s: %w", d.path, err)
	}
	if err := d.sql.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		return 0, fmt.Errorf("record: measuring %s: %w", d.path, err)
	}
	return (pages - free) * size, nil
}

// Prune deletes sessions older than r.MaxAge, then the oldest sessions until
// the data takes at most r.MaxBytes, and gives the freed space back to the
// file system. Sessions being recorded are never deleted. It returns the IDs
// it deleted.
func (d *DB) Prune(ctx context.Context, r Retention, now time.Time) ([]int64, error) {
	all, err := d.Sessions(ctx)
	if err != nil {
		return nil, err
	}
	// Oldest first.
	sort.Slice(all, func(a, b int) bool { return all[a].Started.Before(all[b].Started) })
	var deleted []int64
	kept := all[:0]
	for _, s := range all {
		if r.MaxAge > 0 && !s.Recording && now.Sub(s.Started) > r.MaxAge {
			if err := d.Delete(ctx, s.ID); err != nil {
				return deleted, err
			}
			deleted = append(deleted, s.ID)
			continue
		}
		kept = append(kept, s)
	}
	if r.MaxBytes > 0 {
		for _, s := range kept {
			used, err := d.UsedBytes(ctx)
			if err != nil {
				return deleted, err
			}
			if used <= r.MaxBytes {
				break
			}
			if s.Recording {
				continue
			}
			if err := d.Delete(ctx, s.ID); err != nil {
				return deleted, err
			}
			deleted = append(deleted, s.ID)
		}
	}
	if len(deleted) > 0 {
		if _, err := d.sql.ExecContext(ctx, `PRAGMA incremental_vacuum`); err != nil {
			return deleted, fmt.Errorf("record: compacting %s: %w", d.path, err)
		}
		if _, err := d.sql.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return deleted, fmt.Errorf("record: compacting %s: %w", d.path, err)
		}
	}
	return deleted, nil
}
