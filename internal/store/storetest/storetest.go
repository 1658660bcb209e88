// Package storetest is the conformance suite every store.Store
// implementation passes, and helpers that give other packages' tests a
// fresh database of either dialect.
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qtriage/qtriage/internal/store"
)

// PostgresEnv names the environment variable holding the URL of a
// PostgreSQL server for tests, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. The role must be
// allowed to create schemas in that database.
const PostgresEnv = "QTRIAGE_TEST_POSTGRES"

// SQLiteURL returns the path of a new SQLite database file in a temporary
// directory that is removed when the test ends.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "qtriage.db")
}

// PostgresURL returns a URL to the database in $QTRIAGE_TEST_POSTGRES whose
// search_path is a new, empty schema of the test's own, dropped with
// everything in it when the test ends. Tests using it can run in parallel.
// It skips the test when the variable is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", PostgresEnv)
	}
	// rand.Text is base32: upper-case letters and digits 2-7, a valid
	// identifier once lower-cased and prefixed.
	schema := "t_" + strings.ToLower(rand.Text())
	pgExec(t, base, `CREATE SCHEMA `+schema)
	t.Cleanup(func() {
		// Registered before the store's own cleanup, so it runs after the
		// store is closed.
		pgExec(t, base, `DROP SCHEMA `+schema+` CASCADE`)
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// pgExec runs one statement on a connection of its own.
func pgExec(t testing.TB, connString, sql string) {
	t.Helper()
	// Not t.Context(): it is already cancelled when cleanups run.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	cfg.ConnectTimeout = 5 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect to %s: %v", PostgresEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// Open opens the database at url (from SQLiteURL or PostgresURL), migrates
// it and closes it when the test ends.
func Open(t testing.TB, url string) store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// newID returns a random identifier, standing in for the UUIDs callers
// generate.
func newID() string {
	return strings.ToLower(rand.Text())
}

// mustNotFail is shorthand for the many steps that must simply succeed.
func mustNotFail(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// checkErr fails unless err wraps want and reads like a store error.
func checkErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, want)
	}
	if !strings.HasPrefix(err.Error(), "store: ") {
		t.Errorf("%s: error %q does not start with \"store: \"", what, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want one wrapping %v", what, err, want)
	}
}

// checkTime fails unless got is UTC and the same instant as want.
func checkTime(t testing.TB, what string, got, want time.Time) {
	t.Helper()
	if got.Location() != time.UTC {
		t.Errorf("%s: location %v, want UTC", what, got.Location())
	}
	if !got.Equal(want) {
		t.Errorf("%s: %v, want %v", what, got.Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
	}
}

func checkTimePtr(t testing.TB, what string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s: %v, want %v", what, got, want)
	default:
		checkTime(t, what, *got, *want)
	}
}
