package store

import (
	"context"
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
