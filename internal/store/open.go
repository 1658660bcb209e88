package store

import (
	"context"
	"database/sql"
	"strings"
)

// Open connects to the database that url names and checks that it answers.
// It does not migrate: call Migrate (`qtriage migrate` does).
//
//   - postgres://... or postgresql://... is PostgreSQL. A search_path
//     parameter selects the schema; connect_timeout defaults to 10 seconds.
//   - anything else is the path of a SQLite file, also written sqlite://path
//     or file:path. The file and its directory are created if missing.
//
// An unreachable or locked database gives an error wrapping ErrUnavailable.
func Open(ctx context.Context, url string) (Store, error) {
	lower := strings.ToLower(url)
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		s, err := openPostgres(ctx, url)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := openSQLite(ctx, sqlitePath(url))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// sqlitePath strips the optional sqlite:// or file: prefix from url.
// sqlite:///abs/path and file:///abs/path are absolute, sqlite://rel/path
// and file:rel/path relative.
func sqlitePath(url string) string {
	for _, prefix := range []string{"sqlite://", "file://", "sqlite:", "file:"} {
		if len(url) >= len(prefix) && strings.EqualFold(url[:len(prefix)], prefix) {
			return url[len(prefix):]
		}
	}
	return url
}

// WriterDB returns the database handle that st writes through, for a
// component that must share it rather than open its own: the job queue on
// SQLite, where the single writer connection is what keeps writers from
// failing with "database is locked". It reports false for a Store that is
// not one of this package's.
func WriterDB(st Store) (*sql.DB, bool) {
	switch s := st.(type) {
	case *sqliteStore:
		return s.w, true
	case *pgStore:
		return s.w, true
	}
	return nil, false
}
