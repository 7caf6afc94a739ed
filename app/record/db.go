// Package record is srtscope's crash-safe session recorder and history. Every
// session's samples, events, alarms, stream inspection snapshots, wizard
// and line-test results go to an embedded SQLite database (modernc.org/sqlite, WAL,
// synchronous=NORMAL) as they arrive, in short transactions, so that a crash
// or a kill -9 of the app loses at most the last second.
package record

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// EnvDataDir names the environment variable that overrides the folder holding
// the recordings database (tests and portable installs use it).
const EnvDataDir = "SRTSCOPE_DATA_DIR"

// FileName is the name of the recordings database inside the data folder.
const FileName = "sessions.db"

// ErrNotFound is returned when a session ID is not in the database.
var ErrNotFound = errors.New("record: no such session")

// DefaultDir returns the folder that holds the recordings: $SRTSCOPE_DATA_DIR
// when set, else "srtscope" in the user's configuration folder (for example
// ~/.config/srtscope on Linux, %AppData%\srtscope on Windows).
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDataDir); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		base, err = os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("record: no user folder to keep recordings in (set %s): %w", EnvDataDir, err)
		}
	}
	return filepath.Join(base, "srtscope"), nil
}

// DefaultPath returns the full path of the recordings database.
func DefaultPath() (string, error) {
	d, err := DefaultDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, FileName), nil
}

// DB is an open recordings database. It is safe for concurrent use.
type DB struct {
	sql  *sql.DB
	path string

	mu     sync.Mutex
	active map[int64]bool // sessions being recorded by this process
}

const schema = `
CREATE TABLE IF NOT EXISTS sessions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT    NOT NULL DEFAULT '',
	url        TEXT    NOT NULL DEFAULT '',
	encrypted  INTEGER NOT NULL DEFAULT 0,
	mode       TEXT    NOT NULL DEFAULT '',
	peer       TEXT    NOT NULL DEFAULT '',
	started    INTEGER NOT NULL,
	ended      INTEGER,
	last_seen  INTEGER,
	latency_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS samples (
	session_id     INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	t              INTEGER NOT NULL,
	state          TEXT    NOT NULL,
	peer           TEXT    NOT NULL,
	rtt_ms         REAL    NOT NULL,
	latency_ms     INTEGER NOT NULL,
	rtt_multiplier REAL    NOT NULL,
	recv_mbps      REAL    NOT NULL,
	pkts_recv      INTEGER NOT NULL,
	pkts_lost      INTEGER NOT NULL,
	pkts_retrans   INTEGER NOT NULL,
	pkts_dropped   INTEGER NOT NULL,
	bytes_recv     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_by_session ON samples(session_id, t);
CREATE TABLE IF NOT EXISTS events (
	session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	t          INTEGER NOT NULL,
	kind       TEXT    NOT NULL,
	detail     TEXT    NOT NULL,
	remote     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_session ON events(session_id, t);
CREATE TABLE IF NOT EXISTS alarms (
	session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	t          INTEGER NOT NULL,
	severity   TEXT    NOT NULL,
	kind       TEXT    NOT NULL,
	message    TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS alarms_by_session ON alarms(session_id, t);
CREATE TABLE IF NOT EXISTS inspections (
	session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	t          INTEGER NOT NULL,
	report     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS inspections_by_session ON inspections(session_id, t);
CREATE TABLE IF NOT EXISTS wizard_results (
	session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	t          INTEGER NOT NULL,
	result     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS wizard_by_session ON wizard_results(session_id, t);
CREATE TABLE IF NOT EXISTS linetest_results (
	session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	t          INTEGER NOT NULL,
	result     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS linetest_by_session ON linetest_results(session_id, t);
`

// migrations upgrade a database step by step; PRAGMA user_version is the
// number of steps applied. schema above is version 1 (databases made
// before versions were counted say 0 and have it). Each step runs in one
// transaction with the version bump, so a crash leaves it done or not.
// Append only: never change a step that has shipped.
var migrations = []string{
	1: `-- the schema above`,
	2: `CREATE TABLE IF NOT EXISTS output_samples (
	session_id        INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	t                 INTEGER NOT NULL,
	output            INTEGER NOT NULL,
	url               TEXT    NOT NULL,
	kind              TEXT    NOT NULL,
	peer              TEXT    NOT NULL,
	state             TEXT    NOT NULL,
	rtt_ms            REAL    NOT NULL,
	send_mbps         REAL    NOT NULL,
	pkts_sent         INTEGER NOT NULL,
	pkts_retrans_sent INTEGER NOT NULL,
	naks_recv         INTEGER NOT NULL,
	pkts_send_dropped INTEGER NOT NULL,
	snd_buf_ms        REAL    NOT NULL,
	flight_pkts       INTEGER NOT NULL,
	skipped_bytes     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS output_samples_by_session ON output_samples(session_id, t);`,
}

// SchemaVersion is the version Open brings a database to.
var SchemaVersion = len(migrations) - 1

// migrate applies the steps a database has not had yet. A database from a
// newer srtscope is left alone when it has every table this one uses.
func migrate(db *sql.DB) error {
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	for next := max(v, 1) + 1; next <= SchemaVersion; next++ {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(migrations[next]); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("step %d: %w", next, err)
		}
		// PRAGMA takes no parameters; next is an int of ours.
		if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, next)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("step %d: %w", next, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("step %d: %w", next, err)
		}
	}
	return nil
}

// Open opens (creating it and its folder when needed) the recordings database
// at path. An empty path means DefaultPath().
func Open(path string) (*DB, error) {
	if path == "" {
		p, err := DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("record: cannot create the recordings folder %s: %w", filepath.Dir(path), err)
	}
	q := url.Values{}
	// auto_vacuum must be set before the first table exists; it lets Prune
	// give freed pages back to the file system.
	q.Add("_pragma", "auto_vacuum(INCREMENTAL)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("record: open %s: %w", path, err)
	}
	if _, err := db.Exec(schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("record: %s is not a usable srtscope recordings database (move it aside to start afresh): %w", path, err)
	}
	if err := migrate(db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("record: upgrading %s: %w", path, err)
	}
	if err := addColumns(db, "samples", sampleDetailColumns); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("record: %s: adding the receiver detail to the samples: %w", path, err)
	}
	return &DB{sql: db, path: path, active: map[int64]bool{}}, nil
}

// sampleDetailColumns are the receiver detail of a sample (session.Sample's
// fields of the same JSON names), added to the samples table of databases
// made before srtscope recorded them. Older rows read 0, or NULL for the
// margins (nothing recovered).
var sampleDetailColumns = [][2]string{
	{"pkts_late", "INTEGER NOT NULL DEFAULT 0"},
	{"pkts_at_risk", "INTEGER NOT NULL DEFAULT 0"},
	{"recovery_margin_min_ms", "REAL"},
	{"recovery_margin_p5_ms", "REAL"},
	{"rcv_buf_ms", "REAL NOT NULL DEFAULT 0"},
	{"rcv_buf_pkts", "INTEGER NOT NULL DEFAULT 0"},
	{"rtt_min_ms", "REAL NOT NULL DEFAULT 0"},
	{"rtt_max_ms", "REAL NOT NULL DEFAULT 0"},
	{"rtt_var_ms", "REAL NOT NULL DEFAULT 0"},
	{"recv_pkts_per_s", "REAL NOT NULL DEFAULT 0"},
	{"since_last_packet_ms", "REAL NOT NULL DEFAULT 0"},
	{"pkts_backdated", "INTEGER NOT NULL DEFAULT 0"},
	{"pkts_undecryptable", "INTEGER NOT NULL DEFAULT 0"},
}

// addColumns is a migration that adds the columns a table lacks, all in
// one transaction: a crash leaves the table as it was or with every
// column. It goes by the columns the table has rather than by a schema
// version number, so that it does not depend on other migrations' order.
func addColumns(db *sql.DB, table string, cols [][2]string) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // after Commit: a no-op
	have := map[string]bool{}
	rows, err := tx.Query(`SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			_ = rows.Close()
			return err
		}
		have[name] = true
	}
	if err := rows.Close(); err != nil {
		return err
	}
	added := false
	for _, c := range cols {
		if have[c[0]] {
			continue
		}
		if _, err := tx.Exec(`ALTER TABLE ` + table + ` ADD COLUMN ` + c[0] + ` ` + c[1]); err != nil {
			return fmt.Errorf("column %s: %w", c[0], err)
		}
		added = true
	}
	if !added {
		return nil
	}
	return tx.Commit()
}

// Path returns the file the database lives in.
func (d *DB) Path() string { return d.path }

// Close closes the database. Recorders must be closed first.
func (d *DB) Close() error {
	if err := d.sql.Close(); err != nil {
		return fmt.Errorf("record: close %s: %w", d.path, err)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity check and returns an error naming
// the first problem found.
func (d *DB) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := d.sql.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("record: integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("record: %s is damaged: %s", d.path, res)
	}
	return nil
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func nullNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromNanos(n.Int64)
}

func (d *DB) setActive(id int64, on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if on {
		d.active[id] = true
	} else {
		delete(d.active, id)
	}
}

func (d *DB) isActive(id int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.active[id]
}
