package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteStore is the embedded default: one database file, used by one
// process (a second one, such as the CLI next to `serve`, works too and
// waits on the file lock up to the busy timeout).
type sqliteStore struct {
	sqlStore
}

var _ Store = (*sqliteStore)(nil)

// sqliteBusyTimeout is how long a connection waits for another process's
// lock before giving up with SQLITE_BUSY (ErrUnavailable).
const sqliteBusyTimeout = 5 * time.Second

// openSQLite opens the database file at path, creating it and its parent
// directory if missing.
//
// It opens two pools on the file. Writes and transactions go through a pool
// of exactly one connection: SQLite allows one writer at a time anyway, and
// queueing writers on database/sql's pool is fair and honours contexts,
// where several connections competing for the write lock would poll in the
// busy handler and could still fail with SQLITE_BUSY when a read
// transaction cannot be upgraded. Reads outside transactions go through a
// second pool of several read-only connections, which WAL lets run
// alongside the writer.
func openSQLite(ctx context.Context, path string) (*sqliteStore, error) {
	switch {
	case path == "":
		return nil, errors.New("store: open sqlite: empty database path")
	case path == ":memory:" || strings.HasPrefix(path, "file::memory:"):
		// Each of the two pools would get its own, different, database.
		return nil, errors.New("store: open sqlite: in-memory databases are not supported, give a file path")
	case strings.ContainsAny(path, "?#"):
		// The driver reads everything after '?' as its parameters.
		return nil, fmt.Errorf("store: open sqlite %s: the path must not contain '?' or '#'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}

	// Pragmas go in the DSN so that the driver runs them on every new
	// connection of the pool, not only on the first.
	busy := fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds())
	wq := url.Values{"_pragma": {
		busy,
		"journal_mode(WAL)",
		"foreign_keys(1)",
		// With WAL, NORMAL is durable across application crashes and only
		// risks the last transactions on power loss; FULL fsyncs every commit.
		"synchronous(NORMAL)",
	}}
	// BEGIN IMMEDIATE takes the write lock up front, so a transaction never
	// has to upgrade a read lock, the one case busy_timeout cannot wait out.
	wq.Set("_txlock", "immediate")
	rq := url.Values{"_pragma": {busy, "foreign_keys(1)", "query_only(1)"}}

	w, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	// Open the writer first: its first connection switches the file to
	// WAL, which persists, before any reader connects.
	if err := w.PingContext(ctx); err != nil {
		_ = w.Close()
		return nil, sqliteOpenError(path, err)
	}
	r, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		_ = errors.Join(w.Close(), r.Close())
		return nil, sqliteOpenError(path, err)
	}
	return &sqliteStore{sqlStore{
		dialect:      "sqlite",
		r:            r,
		w:            w,
		timeArg:      sqliteTime,
		classify:     classifySQLite,
		migrations:   "migrations/sqlite",
		gooseDialect: goose.DialectSQLite3,
	}}, nil
}

func sqliteOpenError(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_NOTADB {
		return fmt.Errorf("store: open sqlite %s: not a SQLite database: %w", path, err)
	}
	if kind := classifySQLite(err); kind != nil {
		return &dbError{op: "open sqlite " + path, kind: kind, err: err}
	}
	return fmt.Errorf("store: open sqlite %s: %w", path, err)
}

// sqliteTime stores t as fixed-width UTC text (see timeLayout).
func sqliteTime(t time.Time) any {
	return t.UTC().Format(timeLayout)
}

func classifySQLite(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	// Extended result codes are on: match the exact constraint first.
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return ErrConflict
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		// Only inserts reference other rows: the parent is missing.
		return ErrNotFound
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN:
		return ErrUnavailable
	}
	return nil
}
