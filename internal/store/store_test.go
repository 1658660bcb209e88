package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, storetest.SQLiteURL(t))
	})
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skip(storetest.PostgresEnv + " is not set")
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, storetest.PostgresURL(t))
	})
}

// TestMigrateConcurrently starts several processes' worth of stores on one
// database at once: every Migrate succeeds, the migrations run once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		url  func(testing.TB) string
	}{
		// SQLite has no migration lock: one process migrates it (see Migrate).
		{"postgres", storetest.PostgresURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := tc.url(t)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() {
					s, err := store.Open(t.Context(), url)
					if err != nil {
						errs <- err
						return
					}
					defer s.Close()
					errs <- s.Migrate(t.Context())
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			storetest.Open(t, url)
		})
	}
}

// open opens url without migrating, as storetest.Run wants.
func open(t *testing.T, url string) store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func TestOpenSQLiteForms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct{ name, url, file string }{
		{"plain path in a missing directory", filepath.Join(dir, "a", "b", "q.db"), filepath.Join(dir, "a", "b", "q.db")},
		{"sqlite scheme", "sqlite://" + filepath.Join(dir, "s.db"), filepath.Join(dir, "s.db")},
		{"file scheme", "file:" + filepath.Join(dir, "f.db"), filepath.Join(dir, "f.db")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := storetest.Open(t, tc.url)
			if s.Dialect() != "sqlite" {
				t.Errorf("Dialect() = %q, want sqlite", s.Dialect())
			}
			if _, err := os.Stat(tc.file); err != nil {
				t.Errorf("database file: %v", err)
			}
		})
	}
}

func TestOpenSQLiteErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("this is not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, url, want string }{
		{"error/not a database", notDB, "not a SQLite database"},
		{"error/in memory", ":memory:", "in-memory"},
		{"error/empty", "", "empty database path"},
		{"error/query in path", filepath.Join(dir, "x.db?mode=ro"), "must not contain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := store.Open(t.Context(), tc.url)
			if err == nil {
				_ = s.Close()
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "store: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want a store error saying %q", err, tc.want)
			}
		})
	}
}

// TestOpenDoesNotMigrate: the CLI decides when to migrate.
func TestOpenDoesNotMigrate(t *testing.T) {
	t.Parallel()
	s := open(t, storetest.SQLiteURL(t))
	defer s.Close()
	if _, err := s.Tenants(t.Context()); err == nil {
		t.Error("tenants before migrating: no error, want no such table")
	}
}

// TestSQLitePragmas checks what the file itself records: WAL mode, which
// the store's writer connection set.
func TestSQLitePragmas(t *testing.T) {
	t.Parallel()
	path := storetest.SQLiteURL(t)
	storetest.Open(t, path)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}

// TestSQLiteTwoStores writes to one file from two stores at once, as
// `qtriage serve` and a CLI command would from two processes: the busy
// timeout, not the single writer connection, keeps them apart.
func TestSQLiteTwoStores(t *testing.T) {
	t.Parallel()
	path := storetest.SQLiteURL(t)
	stores := []store.Store{storetest.Open(t, path), storetest.Open(t, path)}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for w := range 8 {
		s := stores[w%2]
		wg.Go(func() {
			for i := range 5 {
				id := fmt.Sprintf("%d-%d", w, i)
				err := s.CreateTenant(t.Context(),
					store.Tenant{ID: "t" + id, Slug: "tenant-" + id, Name: id, CreatedAt: time.Now()},
					store.Certificate{ID: "c" + id, DER: []byte{1}, KeyBlob: []byte{2}, CreatedAt: time.Now()})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, s := range stores {
		ts, err := s.Tenants(t.Context())
		if err != nil || len(ts) != 40 {
			t.Errorf("tenants: %d, %v; want 40", len(ts), err)
		}
	}
}

// TestSQLiteLockedByAnotherProcess holds the write lock from a connection
// outside the store, as another process would, and expects ErrUnavailable
// once the busy timeout has passed.
func TestSQLiteLockedByAnotherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 5s busy timeout")
	}
	t.Parallel()
	path := storetest.SQLiteURL(t)
	s := storetest.Open(t, path)
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), `ROLLBACK`)

	start := time.Now()
	err = s.CreateAPIToken(t.Context(), store.APIToken{ID: "t1", Name: "n", Hash: make([]byte, 32),
		Role: store.RoleAdmin, CreatedAt: time.Now()})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("write while locked: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d < 4*time.Second {
		t.Errorf("gave up after %v, want the busy timeout", d)
	}
	// Readers are not blocked by a writer in WAL mode.
	if _, err := s.Tenants(t.Context()); err != nil {
		t.Errorf("read while locked: %v", err)
	}
}

func TestOpenPostgresUnreachable(t *testing.T) {
	t.Parallel()
	silent := silentServer(t)
	for _, tc := range []struct{ name, url string }{
		{"refused", "postgres://qtriage@127.0.0.1:1/qtriage?sslmode=disable&connect_timeout=2"},
		// A server that accepts the connection and never answers: the
		// connect timeout ends the wait.
		{"no answer", "postgresql://qtriage@" + silent + "/qtriage?sslmode=disable&connect_timeout=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			s, err := store.Open(t.Context(), tc.url)
			if err == nil {
				_ = s.Close()
				t.Fatal("no error")
			}
			if !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("error %v, want one wrapping ErrUnavailable", err)
			}
			if !strings.HasPrefix(err.Error(), "store: ") {
				t.Errorf("error %q does not start with \"store: \"", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v, want a few seconds at most", d)
			}
		})
	}
}

func TestOpenPostgresContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	// No connect_timeout: the context alone bounds Open.
	s, err := store.Open(ctx, "postgres://qtriage@"+silentServer(t)+"/qtriage?sslmode=disable")
	if err == nil {
		_ = s.Close()
		t.Fatal("no error")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want one wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v, want about the context's 500ms", d)
	}
}

// silentServer listens on a local port, accepts connections and never
// answers, like a server behind a black-holing firewall. It returns the
// host:port.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

func TestOpenPostgresBadURL(t *testing.T) {
	t.Parallel()
	_, err := store.Open(t.Context(), "postgres://qtriage:secret@127.0.0.1:5432/qtriage?sslmode=bogus")
	if err == nil {
		t.Fatal("no error")
	}
	if errors.Is(err, store.ErrUnavailable) {
		t.Errorf("a bad URL is not transient: %v", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the password: %v", err)
	}
}
