package ingest_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/analysis"
	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
)

// TestDetectionSettingsReachAnalysis follows a tenant admin: mail from a
// lookalike of a partner's domain, and of one of the tenant's own accepted
// domains, is synced from the emulator and analysed; neither is recognised
// until the tenant's detection settings name the real domains. Then a new
// message is (while reports made before stay as they were), and once
// re-analysed the earlier ones are too.
func TestDetectionSettingsReachAnalysis(t *testing.T) {
	engine, err := analysis.NewEngine(analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	backends(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		st := storetest.Open(t, dbURL)
		sim := entratest.NewSim(t, m365sim.Options{Seed: 11})
		svc, ten := simTenant(t, st, sim, "contoso")
		add := func(from, id string) []byte {
			t.Helper()
			raw := "From: " + from + "\r\nTo: ap@contoso.example\r\nSubject: remittance\r\nDate: Tue, 3 Nov 2026 12:00:00 +0000\r\n" +
				"Message-ID: <" + id + "@example.net>\r\n\r\nOur bank details have changed, please use the new account for the next payment.\r\n"
			items, err := sim.AddMessage("contoso", []byte(raw), m365sim.MessageMeta{Recipients: []string{"ap@contoso.example"}})
			if err != nil {
				t.Fatal(err)
			}
			sha, _ := hex.DecodeString(items[0].SHA256)
			return sha
		}
		partner := add("Fabrikam AR <ar@fabrikarn.example>", "p-1")
		own := add("IT Desk <it@tai1spin.example>", "o-1")

		conn := &ingest.M365{Tenants: svc, HTTPClient: sim.HTTPClient(), Exchange: fastExchange()}
		pipe := syncing(t, ingest.Options{Store: st, DB: dbURL, Connector: conn, Analyzer: ingest.Engine{Engine: engine}, PollInterval: 20 * time.Millisecond}, ten.ID)
		analysed := func(n int) func() bool {
			return func() bool {
				c, _ := st.Counts(ctx, ten.ID)
				return c.Reports == n && c.Pending == 0
			}
		}
		waitFor(t, "both messages analysed", analysed(2))
		if ids := findingIDs(t, st, ten.ID, partner); slices.Contains(ids, "sender.partner_lookalike") {
			t.Fatalf("partner lookalike found with no partners set: %v", ids)
		}
		if ids := findingIDs(t, st, ten.ID, own); slices.Contains(ids, "sender.tenant_lookalike") {
			t.Fatalf("lookalike of an accepted domain found with none set: %v", ids)
		}

		if err := st.SetDetectionSettings(ctx, store.DetectionSettings{TenantID: ten.ID, Partners: []string{"fabrikam.example"},
			AcceptedDomains: []string{"tailspin.example"}, UpdatedBy: "ana", UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		// A message analysed after the change is judged with the settings.
		later := add("Fabrikam <billing@f4brikam.example>", "p-2")
		// A sync still queued or running (River completes jobs in batches)
		// would absorb this one.
		db, _ := store.WriterDB(st)
		waitFor(t, "the first sync to complete", func() bool {
			var n int
			err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'qtriage.sync' AND state <> 'completed'`).Scan(&n)
			return err == nil && n == 0
		})
		if err := pipe.SyncNow(ctx, ten.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the new message analysed", analysed(3))
		if ids := findingIDs(t, st, ten.ID, later); !slices.Contains(ids, "sender.partner_lookalike") {
			t.Errorf("lookalike of a partner named in the settings not found: %v", ids)
		}
		if ids := findingIDs(t, st, ten.ID, partner); slices.Contains(ids, "sender.partner_lookalike") {
			t.Errorf("a report made before the change changed without re-analysis: %v", ids)
		}

		// Re-analysis applies them to the earlier messages.
		if _, err := pipe.Reanalyze(ctx, ten.ID, false); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the earlier messages re-analysed with the settings", func() bool {
			return slices.Contains(findingIDs(t, st, ten.ID, partner), "sender.partner_lookalike") &&
				slices.Contains(findingIDs(t, st, ten.ID, own), "sender.tenant_lookalike")
		})
	})
}

// findingIDs returns the ids of the findings in the stored report.
func findingIDs(t *testing.T, st store.Store, tenantID string, sha []byte) []string {
	t.Helper()
	r, err := st.Report(context.Background(), tenantID, sha)
	if err != nil {
		t.Fatalf("report %x: %v", sha, err)
	}
	return reportFindings(t, r.JSON)
}

// reportFindings returns the ids of the findings in a report's JSON.
func reportFindings(t *testing.T, js []byte) []string {
	t.Helper()
	var rep struct {
		Findings []struct {
			ID string `json:"id"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatalf("report: %v", err)
	}
	ids := make([]string, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

// TestDetectionSettingsUnreadable: when the settings cannot be read, the
// message is not analysed without them: the job fails and River will retry
// it.
func TestDetectionSettingsUnreadable(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		st, ten := setup(t, dbURL)
		if err := st.SetDetectionSettings(ctx, store.DetectionSettings{TenantID: ten.ID, VIPs: []string{"Jane Doe"}, UpdatedBy: "ana", UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		db, _ := store.WriterDB(st)
		// Stored lists that are not JSON: DetectionSettings fails.
		if _, err := db.ExecContext(ctx, `UPDATE detection_settings SET vips = 'not JSON' WHERE tenant_id = $1`, ten.ID); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		src := &fakeSource{raw: map[string][]byte{}, transient: map[string]int{}, gone: map[string]bool{}, exports: map[string]int{}}
		src.add(`g1\r1`, now.Add(-time.Hour), now.Add(24*time.Hour), "Subject: hello\r\n\r\nbody")
		an := &settingsAnalyzer{}
		syncing(t, ingest.Options{Store: st, DB: dbURL, Connector: fakeConnector{src}, Analyzer: an, PollInterval: 20 * time.Millisecond}, ten.ID)
		// River holds the failed job for a retry, with the error; the
		// retry itself comes after River's backoff (seconds), which this
		// test does not wait for.
		errs := failedAnalysis(ctx, t, db)
		if !bytes.Contains(errs, []byte("detection settings")) {
			t.Errorf("the job's errors do not name the settings: %s", errs)
		}
		if c, _ := st.Counts(ctx, ten.ID); c.Reports != 0 || an.calls() != 0 {
			t.Fatalf("analysed without the settings: %d reports, %d analyses", c.Reports, an.calls())
		}
	})
}

// settingsAnalyzer records the settings each analysis was given.
type settingsAnalyzer struct {
	fakeAnalyzer
	mu   sync.Mutex
	seen []store.DetectionSettings
}

func (a *settingsAnalyzer) Analyze(ctx context.Context, t store.Tenant, d store.DetectionSettings, raw []byte, h ingest.HistoryFunc) (ingest.Analysis, error) {
	a.mu.Lock()
	a.seen = append(a.seen, d)
	a.mu.Unlock()
	return a.fakeAnalyzer.Analyze(ctx, t, d, raw, h)
}

func (a *settingsAnalyzer) calls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.seen)
}

// TestEngineDetectionSettings: each list of the settings reaches the
// engine, and the tenant's Organization stays one of its domains.
func TestEngineDetectionSettings(t *testing.T) {
	t.Parallel()
	e, ten := engineFor(t)
	settings := store.DetectionSettings{
		TenantID:        ten.ID,
		AcceptedDomains: []string{"tailspin.example"},
		VIPs:            []string{"Jane Doe"},
		Partners:        []string{"fabrikam.example"},
		Allow:           []string{"vendor.example"},
		Deny:            []string{"blocked.example"},
	}
	noHistory := func(context.Context, string, string) (store.SenderHistory, error) { return store.SenderHistory{}, nil }
	for _, tc := range []struct {
		name, from, headers, finding string
		withoutToo                   bool // found without the settings as well
	}{
		{name: "accepted domain", from: "IT Desk <it@tai1spin.example>", finding: "sender.tenant_lookalike"},
		{name: "organization", from: "IT Desk <it@c0ntoso.example>", finding: "sender.tenant_lookalike", withoutToo: true},
		{name: "vips", from: "Jane Doe <jane.doe@outside.example>", finding: "sender.vip_impersonation"},
		{name: "partners", from: "Fabrikam AR <ar@fabrikarn.example>", finding: "sender.partner_lookalike"},
		{name: "allow", from: "Vendor <news@vendor.example>", finding: "auth.allowlisted",
			headers: "Authentication-Results: mx.contoso.example; spf=pass smtp.mailfrom=vendor.example; dkim=pass header.d=vendor.example; dmarc=pass header.from=vendor.example\r\n"},
		{name: "deny", from: "Someone <someone@blocked.example>", finding: "headers.deny_listed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := []byte(tc.headers + "From: " + tc.from + "\r\nTo: ap@contoso.example\r\nSubject: hello\r\nDate: Tue, 3 Nov 2026 12:00:00 +0000\r\n" +
				"Message-ID: <e-1@example.net>\r\n\r\nPlease see the attached note.\r\n")
			ids := func(d store.DetectionSettings) []string {
				a, err := e.Analyze(t.Context(), ten, d, raw, noHistory)
				if err != nil {
					t.Fatal(err)
				}
				return reportFindings(t, a.JSON)
			}
			if got := ids(settings); !slices.Contains(got, tc.finding) {
				t.Errorf("with the settings: %v, want %s", got, tc.finding)
			}
			if got := ids(store.DetectionSettings{TenantID: ten.ID}); slices.Contains(got, tc.finding) != tc.withoutToo {
				t.Errorf("without the settings: %v, want %s: %v", got, tc.finding, tc.withoutToo)
			}
		})
	}
}
