package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
	"github.com/qtriage/qtriage/internal/tenant"
)

// fakeSource is an in-memory quarantine. The end-to-end tests against
// m365sim drive the real Exchange client; this one exercises the
// pipeline's bookkeeping with exact control over failures.
type fakeSource struct {
	mu        sync.Mutex
	items     []store.QuarantineItem
	raw       map[string][]byte // identity → message
	transient map[string]int    // identity → failures left
	gone      map[string]bool
	exports   map[string]int
	setupErr  error
	exportErr error // every export fails with it
}

func (f *fakeSource) List(ctx context.Context, w ingest.Window, fn func([]store.QuarantineItem) error) error {
	f.mu.Lock()
	if f.setupErr != nil {
		f.mu.Unlock()
		return f.setupErr
	}
	var page []store.QuarantineItem
	for _, it := range f.items {
		if !it.ReceivedAt.Before(w.Start) && !it.ReceivedAt.After(w.End) {
			page = append(page, it)
		}
	}
	f.mu.Unlock()
	for len(page) > 0 {
		n := min(len(page), 7) // small pages: several calls
		if err := fn(page[:n]); err != nil {
			return err
		}
		page = page[n:]
	}
	return nil
}

func (f *fakeSource) Export(ctx context.Context, identity string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exports[identity]++
	if f.exportErr != nil {
		return nil, f.exportErr
	}
	if f.gone[identity] {
		return nil, fmt.Errorf("export %s: %w", identity, ingest.ErrItemGone)
	}
	if f.transient[identity] > 0 {
		f.transient[identity]--
		return nil, errors.New("503 service unavailable")
	}
	return f.raw[identity], nil
}

func (f *fakeSource) add(identity string, received, expires time.Time, raw string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, store.QuarantineItem{Identity: identity, MessageID: "<m@x.example>", ReceivedAt: received, ExpiresAt: expires,
		Type: "Phish", Sender: "s@x.example", Recipients: []string{"r@contoso.example"}, Subject: "s", ReleaseStatus: "NotReleased"})
	f.raw[identity] = []byte(raw)
}

type fakeConnector struct{ src *fakeSource }

func (c fakeConnector) Connect(ctx context.Context, t store.Tenant) (ingest.Source, error) {
	return c.src, nil
}

type fakeAnalyzer struct {
	mu    sync.Mutex
	calls int
}

func (a *fakeAnalyzer) Version() string { return "test-1" }
func (a *fakeAnalyzer) Analyze(ctx context.Context, t store.Tenant, _ store.DetectionSettings, raw []byte, h ingest.HistoryFunc) (ingest.Analysis, error) {
	a.mu.Lock()
	a.calls++
	a.mu.Unlock()
	if _, err := h(ctx, "s@x.example", "x.example"); err != nil {
		return ingest.Analysis{}, err
	}
	v := "benign"
	if bytes.Contains(raw, []byte("phish")) {
		v = "malicious"
	}
	return ingest.Analysis{AnalyzerVersion: "test-1", Verdict: v, Confidence: 0.9, Category: "test", Sender: "S@x.example", SenderDomain: "x.example",
		JSON: []byte(`{"verdict":"` + v + `"}`)}, nil
}

func setup(t *testing.T, dbURL string) (store.Store, store.Tenant) {
	t.Helper()
	st := storetest.Open(t, dbURL)
	kek, _ := keyring.GenerateKEK(nil)
	svc := &tenant.Service{Store: st, KEK: kek}
	if _, _, err := svc.Create(context.Background(), "contoso", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Connect(context.Background(), "contoso", tenant.ConnectInput{
		AppID: "11111111-1111-1111-1111-111111111111", DirectoryID: "22222222-2222-2222-2222-222222222222", Organization: "contoso.onmicrosoft.com"}); err != nil {
		t.Fatal(err)
	}
	ten, err := st.Tenant(context.Background(), "contoso")
	if err != nil {
		t.Fatal(err)
	}
	return st, ten
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func backends(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, storetest.SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, storetest.PostgresURL(t)) })
}

func TestPipeline(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		st, ten := setup(t, dbURL)
		now := time.Now().UTC()
		src := &fakeSource{raw: map[string][]byte{}, transient: map[string]int{}, gone: map[string]bool{}, exports: map[string]int{}}
		// One mail quarantined for three recipients, shares its first GUID.
		for _, r := range []string{"r1", "r2", "r3"} {
			src.add(`g1\`+r, now.Add(-time.Hour), now.Add(10*24*time.Hour), "Subject: phish\r\n\r\nclick")
		}
		for i := range 20 {
			src.add(fmt.Sprintf(`g%d\r1`, i+2), now.Add(-time.Duration(i)*time.Hour), now.Add(time.Duration(20-i)*24*time.Hour), fmt.Sprintf("Subject: hello %d\r\n\r\nbody", i))
		}
		src.transient[`g5\r1`] = 2 // retried
		src.gone[`g6\r1`] = true   // permanent
		src.add(`g99\r1`, now.Add(-29*24*time.Hour), now.Add(-time.Minute), "expired before we came")

		an := &fakeAnalyzer{}
		svc := syncing(t, ingest.Options{Store: st, DB: dbURL, Connector: fakeConnector{src}, Analyzer: an, PollInterval: 20 * time.Millisecond, Workers: 4}, ten.ID)
		// 24 items: 3 share a message, g6 is gone, g99 expired → 20 messages.
		waitFor(t, "the pipeline to drain", func() bool {
			c, _ := st.Counts(ctx, ten.ID)
			return c.Items == 24 && c.Messages == 20 && c.Reports == 20 && c.Pending == 0
		})
		c, _ := st.Counts(ctx, ten.ID)
		if c.Failed != 1 || c.ExpiredUnexported != 1 {
			t.Fatalf("counts: %+v", c)
		}
		gone, _ := st.Item(ctx, ten.ID, `g6\r1`)
		if gone.State != store.ItemFailed || !strings.Contains(gone.LastError, "no longer exists") {
			t.Fatalf("gone item: %+v", gone)
		}
		retried, _ := st.Item(ctx, ten.ID, `g5\r1`)
		if retried.State != store.ItemExported || retried.Attempts != 2 {
			t.Fatalf("retried item: %+v", retried)
		}
		a, _ := st.Item(ctx, ten.ID, `g1\r1`)
		b, _ := st.Item(ctx, ten.ID, `g1\r3`)
		if !bytes.Equal(a.SHA256, b.SHA256) {
			t.Fatal("one mail for three recipients stored more than once")
		}
		r, err := st.Report(ctx, ten.ID, a.SHA256)
		if err != nil || r.Verdict != "malicious" || r.Sender != "s@x.example" {
			t.Fatalf("report: %+v %v", r, err)
		}
		an.mu.Lock()
		calls := an.calls
		an.mu.Unlock()
		if calls != 20 {
			t.Fatalf("analyzed %d times for 20 messages", calls)
		}

		// A second sync over an overlapping window finds nothing new and
		// does no work twice; a new item arriving is picked up.
		src.add(`g50\r1`, time.Now().UTC(), time.Now().Add(30*24*time.Hour), "Subject: new mail\r\n\r\nhi")
		if err := svc.SyncNow(ctx, ten.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the new item", func() bool {
			c, _ := st.Counts(ctx, ten.ID)
			return c.Items == 25 && c.Reports == 21
		})
		src.mu.Lock()
		defer src.mu.Unlock()
		for id, n := range src.exports {
			want := 1
			switch id {
			case `g5\r1`:
				want = 3
			}
			if n != want {
				t.Errorf("%s exported %d times, want %d", id, n, want)
			}
		}
		state, _ := st.SyncState(ctx, ten.ID)
		if !state.Backfilled || state.LastFinishedAt == nil || state.LastError != "" {
			t.Fatalf("sync state: %+v", state)
		}
	})
}

func TestSetupErrorStopsTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := storetest.SQLiteURL(t)
	st, ten := setup(t, dbURL)
	src := &fakeSource{raw: map[string][]byte{}, exports: map[string]int{}, setupErr: fmt.Errorf("token refused: AADSTS700027: %w", ingest.ErrSetup)}
	syncing(t, ingest.Options{Store: st, DB: dbURL, Connector: fakeConnector{src}, Analyzer: &fakeAnalyzer{}, PollInterval: 20 * time.Millisecond}, ten.ID)
	waitFor(t, "the setup error to be recorded", func() bool {
		s, _ := st.SyncState(ctx, ten.ID)
		return strings.Contains(s.LastError, "AADSTS700027")
	})
}

// TestSetupErrorOnExportDoesNotLoop: when exports fail because the tenant's
// setup is broken, the jobs stop there and queue no others; the next sync
// tries again.
func TestSetupErrorOnExportDoesNotLoop(t *testing.T) {
	t.Parallel()
	dbURL := storetest.SQLiteURL(t)
	st, ten := setup(t, dbURL)
	src := &fakeSource{raw: map[string][]byte{}, exports: map[string]int{}, exportErr: fmt.Errorf("403: %w", ingest.ErrSetup)}
	now := time.Now().UTC()
	for i := range 40 {
		src.add(fmt.Sprintf(`g%d\r1`, i), now.Add(-time.Hour), now.Add(10*24*time.Hour), "Subject: s\r\n\r\nb")
	}
	const workers = 1 // a window of 2
	// Exports take a while, so that each ends after the one before it was
	// cancelled and recorded.
	slow := &slowSource{fakeSource: src, delay: 150 * time.Millisecond}
	syncing(t, ingest.Options{Store: st, DB: dbURL, Connector: perTenant{"contoso": slow}, Analyzer: &fakeAnalyzer{},
		PollInterval: 20 * time.Millisecond, Workers: workers}, ten.ID)
	total := func() int {
		src.mu.Lock()
		defer src.mu.Unlock()
		n := 0
		for _, c := range src.exports {
			n += c
		}
		return n
	}
	waitFor(t, "the window's exports to fail", func() bool { return total() >= 2*workers })
	time.Sleep(1500 * time.Millisecond) // a loop would go on meanwhile
	if n := total(); n != 2*workers {
		t.Fatalf("%d export attempts for a tenant whose setup is broken; want the window's %d, then nothing until the next sync", n, 2*workers)
	}
}

// syncing starts a pipeline with opts, stops it when the test ends, and
// asks it to sync tenantID now.
func syncing(t *testing.T, opts ingest.Options, tenantID string) *ingest.Service {
	t.Helper()
	ctx := context.Background()
	svc, err := ingest.New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop(ctx) })
	if err := svc.SyncNow(ctx, tenantID); err != nil {
		t.Fatal(err)
	}
	return svc
}
