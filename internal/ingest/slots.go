package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/qtriage/qtriage/internal/exchange"
)

// pgSlots bounds the requests in flight to each tenant across every process
// sharing a PostgreSQL database: a slot is a session advisory lock, keyed by
// the tenant and the slot's number, held on a connection of its own for the
// length of one request. A process that dies closes its connections, and
// PostgreSQL frees its locks at once.
type pgSlots struct {
	pool *pgxpool.Pool
	// retry is the longest wait between two tries when every slot is
	// taken.
	retry time.Duration
}

var _ exchange.Slots = (*pgSlots)(nil)

// newPGSlots opens a pool of its own: each held slot holds a connection,
// and the job queue's pool must never run dry because of them. size bounds
// the slots this process can hold at once.
func newPGSlots(ctx context.Context, dbURL string, size int) (*pgSlots, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("ingest: tenant slots: %w", err)
	}
	cfg.MaxConns = int32(size)
	cfg.MinConns = 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("ingest: tenant slots: %w", err)
	}
	return &pgSlots{pool: pool, retry: 500 * time.Millisecond}, nil
}

// Acquire takes one of n slots of key, waiting while all are held: it
// tries them all, and if none is free gives its connection back and waits
// (10 ms, doubling to half a second, with jitter) before trying again.
func (p *pgSlots) Acquire(ctx context.Context, key string, n int) (func(), error) {
	// Advisory locks are per database: the schema keeps two qtriage
	// deployments (or tests) on one database apart. hashtextextended gives
	// a 64-bit key, so two tenants do not share slots by a hash collision.
	const try = `SELECT pg_try_advisory_lock(hashtextextended('qtriage-exchange:' || current_schema() || ':' || $1 || ':' || $2, 0))`
	const unlock = `SELECT pg_advisory_unlock(hashtextextended('qtriage-exchange:' || current_schema() || ':' || $1 || ':' || $2, 0))`
	wait := 10 * time.Millisecond
	for {
		conn, err := p.pool.Acquire(ctx)
		if err != nil {
			return nil, fmt.Errorf("tenant slot: %w", err)
		}
		first := rand.IntN(max(n, 1)) // spread the holders over the slots
		for i := range n {
			slot := (first + i) % n
			var ok bool
			if err := conn.QueryRow(ctx, try, key, strconv.Itoa(slot)).Scan(&ok); err != nil {
				conn.Release()
				return nil, fmt.Errorf("tenant slot: %w", err)
			}
			if ok {
				return func() {
					uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					if _, err := conn.Exec(uctx, unlock, key, strconv.Itoa(slot)); err != nil {
						// The lock's connection is in doubt: close it, which
						// frees the lock, rather than pool it.
						_ = conn.Conn().Close(uctx)
					}
					conn.Release()
				}, nil
			}
		}
		conn.Release()
		t := time.NewTimer(wait/2 + time.Duration(rand.Int64N(int64(wait))))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, p.retry)
	}
}

func (p *pgSlots) close() { p.pool.Close() }

// OpenSlots returns the tenant slots of the database at dbURL for a process
// that runs no pipeline (the CLI's quarantine commands), holding at most
// size at once, and a function that releases them; nil slots on SQLite.
func OpenSlots(ctx context.Context, dbURL string, size int) (exchange.Slots, func(), error) {
	if !isPostgres(dbURL) {
		return nil, func() {}, nil
	}
	p, err := newPGSlots(ctx, dbURL, size)
	if err != nil {
		return nil, nil, err
	}
	return p, p.close, nil
}
