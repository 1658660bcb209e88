package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// pgStore is the PostgreSQL store, for several qtriage processes on several
// machines sharing one database.
//
// It goes through pgx's database/sql driver (pgx/v5/stdlib) rather than
// pgxpool: every query, transaction and scan is then the very code SQLite
// runs (sqlStore), goose needs a *sql.DB anyway, and nothing here needs
// pgx-only features (COPY, batches, LISTEN). The price, a little
// reflection per row, does not matter at qtriage's row counts.
type pgStore struct {
	sqlStore
}

var _ Store = (*pgStore)(nil)

// pgConnectTimeout bounds each connection attempt when the URL does not set
// connect_timeout, so an unreachable server fails fast with ErrUnavailable
// instead of waiting for the operating system's TCP timeout.
const pgConnectTimeout = 10 * time.Second

// openPostgres connects to the database at rawURL (postgres://...). The
// schema is the first one of search_path, which the URL may set as a
// parameter (?search_path=name).
func openPostgres(ctx context.Context, rawURL string) (*pgStore, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		// pgconn redacts the password from its parse errors.
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	// Leave room on the server for the job queue's own pool and for other
	// processes; recycle connections so a failover or a server restart is
	// picked up.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		kind := classifyPostgres(err)
		if kind == nil && ctx.Err() == nil {
			// Whatever stopped the first connection (a refused login, a
			// database that does not exist), the database is not usable.
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		if kind == nil {
			kind = ctx.Err()
		}
		return nil, &dbError{op: "open postgres", kind: kind, err: err}
	}
	return &pgStore{sqlStore{
		dialect:      "postgres",
		r:            db,
		w:            db,
		timeArg:      pgTime,
		classify:     classifyPostgres,
		migrations:   "migrations/postgres",
		gooseDialect: goose.DialectPostgres,
		locker: func(ctx context.Context) (lock.SessionLocker, error) {
			return pgMigrationLocker(ctx, db)
		},
	}}, nil
}

// pgTime is t in UTC at the microsecond precision of timestamptz, truncated
// here rather than left to the driver so that both dialects agree.
func pgTime(t time.Time) any {
	return t.UTC().Truncate(time.Microsecond)
}

// pgMigrationLocker returns an advisory lock that serialises migrations of
// the current schema, so that processes starting together do not apply the
// same migration twice. The lock id is derived from the schema name: goose's
// default single id would make instances living in different schemas of one
// database (and parallel tests) wait for one another.
func pgMigrationLocker(ctx context.Context, db *sql.DB) (lock.SessionLocker, error) {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, err
	}
	if !schema.Valid {
		return nil, errors.New("no schema of search_path exists")
	}
	h := fnv.New64a()
	_, _ = io.WriteString(h, "qtriage migrations "+schema.String)
	// Retry every second for up to five minutes: a long migration in another
	// process is waited for, a crashed one releases its session lock.
	return lock.NewPostgresSessionLocker(
		lock.WithLockID(int64(h.Sum64())),
		lock.WithLockTimeout(1, 300),
	)
}

func classifyPostgres(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return ErrConflict
		case pe.Code == "23503": // foreign_key_violation: only inserts reference other rows
			return ErrNotFound
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),                           // insufficient resources (too many connections, ...)
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // shutting down, starting up
			return ErrUnavailable
		}
		// Any other answer from the server (a bad password, a syntax error)
		// is not cured by retrying.
		return nil
	}
	var (
		ce *pgconn.ConnectError
		ne net.Error
	)
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return ErrUnavailable
	}
	return nil
}
