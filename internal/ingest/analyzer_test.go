package ingest_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/analysis"
	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/store"
)

// errLocked is what a busy SQLite database answers.
var errLocked = errors.New("database is locked (5) (SQLITE_BUSY)")

// lockedHistory is the real analyzer, given a sender history that fails
// while locked is set.
type lockedHistory struct {
	ingest.Engine
	mu     sync.Mutex
	locked bool
}

func (a *lockedHistory) Analyze(ctx context.Context, t store.Tenant, d store.DetectionSettings, raw []byte, h ingest.HistoryFunc) (ingest.Analysis, error) {
	a.mu.Lock()
	locked := a.locked
	a.mu.Unlock()
	if locked {
		h = func(context.Context, string, string) (store.SenderHistory, error) {
			return store.SenderHistory{}, errLocked
		}
	}
	return a.Engine.Analyze(ctx, t, d, raw, h)
}

func (a *lockedHistory) unlock() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.locked = false
}

// vipMail impersonates the tenant's VIP Jane Doe from outside.
const vipMail = "From: Jane Doe <jane.doe@outside.example>\r\nTo: ap@contoso.example\r\nSubject: urgent\r\n" +
	"Date: Tue, 3 Nov 2026 12:00:00 +0000\r\nMessage-ID: <vip-1@outside.example>\r\n\r\nPlease wire the payment today.\r\n"

// TestEngineHistoryError: when the sender history cannot be read, the
// engine gives no report (the sender detector's findings would be missing
// from it) but ErrDetectorFailed, naming the detector and the cause.
func TestEngineHistoryError(t *testing.T) {
	t.Parallel()
	e, ten := engineFor(t)
	settings := store.DetectionSettings{TenantID: ten.ID, VIPs: []string{"Jane Doe"}}
	failing := func(context.Context, string, string) (store.SenderHistory, error) {
		return store.SenderHistory{}, errLocked
	}
	a, err := e.Analyze(t.Context(), ten, settings, []byte(vipMail), failing)
	if !errors.Is(err, ingest.ErrDetectorFailed) || !strings.Contains(err.Error(), "sender: analysis: sender history: "+errLocked.Error()) || len(a.JSON) != 0 {
		t.Fatalf("with the history failing: %v (report %s); want %v naming the sender detector and %q", err, a.JSON, ingest.ErrDetectorFailed, errLocked)
	}
	working := func(context.Context, string, string) (store.SenderHistory, error) { return store.SenderHistory{}, nil }
	a, err = e.Analyze(t.Context(), ten, settings, []byte(vipMail), working)
	if err != nil || !slices.Contains(reportFindings(t, a.JSON), "sender.vip_impersonation") {
		t.Fatalf("with the history working: %v, findings %v", err, reportFindings(t, a.JSON))
	}
}

// TestHistoryErrorRetried follows a mail that impersonates a VIP through
// the pipeline while the sender history cannot be read: no report is
// stored without the sender detector's findings; the analysis job fails
// and River retries it, and once the history can be read the report
// carries them.
func TestHistoryErrorRetried(t *testing.T) {
	engine, err := analysis.NewEngine(analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	backends(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		st, ten := setup(t, dbURL)
		db, _ := store.WriterDB(st)
		if err := st.SetDetectionSettings(ctx, store.DetectionSettings{TenantID: ten.ID, VIPs: []string{"Jane Doe"}, UpdatedBy: "ana", UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		src := &fakeSource{raw: map[string][]byte{}, transient: map[string]int{}, gone: map[string]bool{}, exports: map[string]int{}}
		src.add(`v1\r1`, now.Add(-time.Hour), now.Add(24*time.Hour), vipMail)
		an := &lockedHistory{Engine: ingest.Engine{Engine: engine}, locked: true}
		syncing(t, ingest.Options{Store: st, DB: dbURL, Connector: fakeConnector{src}, Analyzer: an, PollInterval: 20 * time.Millisecond}, ten.ID)

		errs := failedAnalysis(ctx, t, db)
		if !bytes.Contains(errs, []byte("sender history")) || !bytes.Contains(errs, []byte("database is locked")) {
			t.Errorf("the job's errors do not name the history and its error: %s", errs)
		}
		if c, _ := st.Counts(ctx, ten.ID); c.Reports != 0 {
			t.Fatalf("a report was stored without the sender detector: %+v", c)
		}

		// River's scheduler makes the job available again when its backoff
		// ends (16 s for a second attempt); the test does it now.
		an.unlock()
		dbNow := `datetime('now', 'subsec')`
		if strings.HasPrefix(dbURL, "postgres") {
			dbNow = `now()`
		}
		if _, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = `+dbNow+` WHERE kind = 'qtriage.analyze' AND state = 'retryable'`); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the retried analysis", func() bool {
			c, _ := st.Counts(ctx, ten.ID)
			return c.Reports == 1
		})
		item, err := st.Item(ctx, ten.ID, `v1\r1`)
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.Report(ctx, ten.ID, item.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if ids := reportFindings(t, r.JSON); !slices.Contains(ids, "sender.vip_impersonation") {
			t.Errorf("the report lacks the sender detector's finding: %v", ids)
		}
		var rep struct {
			Detectors []analysis.DetectorRun `json:"detectors"`
		}
		if err := json.Unmarshal(r.JSON, &rep); err != nil {
			t.Fatal(err)
		}
		for _, d := range rep.Detectors {
			if d.Status != analysis.StatusOK {
				t.Errorf("detector %s: %s (%s)", d.Name, d.Status, d.Error)
			}
		}
	})
}

// failedAnalysis waits until the one analysis job has failed and waits for
// its retry, and returns the errors River recorded for it.
func failedAnalysis(ctx context.Context, t *testing.T, db *sql.DB) []byte {
	t.Helper()
	waitFor(t, "the analysis job to fail", func() bool {
		var n int
		err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'qtriage.analyze' AND state = 'retryable'`).Scan(&n)
		return err == nil && n == 1
	})
	var errs []byte
	if err := db.QueryRowContext(ctx, `SELECT errors FROM river_job WHERE kind = 'qtriage.analyze'`).Scan(&errs); err != nil {
		t.Fatal(err)
	}
	return errs
}

// engineFor is the real analyzer and a tenant connected as contoso, for
// tests that call Engine.Analyze directly.
func engineFor(t *testing.T) (ingest.Engine, store.Tenant) {
	t.Helper()
	engine, err := analysis.NewEngine(analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ingest.Engine{Engine: engine}, store.Tenant{ID: "t-1", Slug: "contoso", Connection: &store.Connection{Organization: "contoso.onmicrosoft.com"}}
}
