package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/qtriage/qtriage/internal/store"
)

// queue is the part of a River client ingest uses. River's client is
// generic over the driver's transaction type, which differs between SQLite
// (*sql.Tx) and PostgreSQL (pgx.Tx); this interface hides that.
type queue interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobUpdate(ctx context.Context, id int64, params *river.JobUpdateParams) (*rivertype.JobRow, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
}

// openQueue migrates River's tables and builds a client on the same
// database as the store: the store's single writer connection on SQLite
// (River's advice, and ours), a pgx pool on PostgreSQL.
func openQueue(ctx context.Context, st store.Store, dbURL string, cfg *river.Config) (queue, func(), error) {
	lower := strings.ToLower(dbURL)
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		pool, err := pgxpool.New(ctx, dbURL)
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: job queue: %w", err)
		}
		// Several processes starting at once on a fresh database would
		// race in River's migrations; an advisory lock (per schema) makes
		// them take turns.
		conn, err := pool.Acquire(ctx)
		if err != nil {
			pool.Close()
			return nil, nil, fmt.Errorf("ingest: job queue: %w", err)
		}
		const lock = `SELECT pg_advisory_lock(hashtext('qtriage-river-migrate:' || current_schema()))`
		if _, err := conn.Exec(ctx, lock); err != nil {
			conn.Release()
			pool.Close()
			return nil, nil, fmt.Errorf("ingest: job queue: %w", err)
		}
		q, err := newQueue(ctx, riverpgxv5.New(pool), cfg)
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('qtriage-river-migrate:' || current_schema()))`)
		conn.Release()
		if err != nil {
			pool.Close()
			return nil, nil, err
		}
		return q, pool.Close, nil
	}
	db, ok := store.WriterDB(st)
	if !ok {
		return nil, nil, fmt.Errorf("ingest: job queue needs one of the store package's stores")
	}
	q, err := newQueue[*sql.Tx](ctx, riversqlite.New(db), cfg)
	if err != nil {
		return nil, nil, err
	}
	return q, func() {}, nil
}

func newQueue[TTx any](ctx context.Context, drv riverdriver.Driver[TTx], cfg *river.Config) (queue, error) {
	m, err := rivermigrate.New(drv, nil)
	if err != nil {
		return nil, fmt.Errorf("ingest: job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("ingest: job queue migrations: %w", err)
	}
	c, err := river.NewClient(drv, cfg)
	if err != nil {
		return nil, fmt.Errorf("ingest: job queue: %w", err)
	}
	return c, nil
}

// uniqueWhileQueued makes a job unique among jobs that are not finished:
// a second insert while one waits or runs is dropped, but once it has
// completed (or was discarded) the same job may be queued again.
func uniqueWhileQueued() river.UniqueOpts {
	return river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled,
		},
	}
}
