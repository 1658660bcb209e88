package ingest_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
	"github.com/qtriage/qtriage/internal/tenant"
)

// simTenant creates a qtriage tenant, performs the customer's setup for it
// in the emulator and connects the two, as a customer would.
func simTenant(t *testing.T, st store.Store, sim *m365sim.Sim, slug string, skip ...m365sim.SetupStep) (*tenant.Service, store.Tenant) {
	t.Helper()
	ctx := context.Background()
	kek, _ := keyring.GenerateKEK(nil)
	svc := &tenant.Service{Store: st, KEK: kek}
	_, cert, err := svc.Create(ctx, slug, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Setup(m365sim.SetupOptions{TenantName: slug, Certificate: cert.DER, Skip: skip})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Connect(ctx, slug, tenant.ConnectInput{AppID: res.AppID, DirectoryID: res.DirectoryID, Organization: res.Organization,
		Cloud: "custom", AuthorityURL: res.AuthorityURL, ExchangeURL: res.ExchangeURL, CAFile: entratest.CAFile(t, sim)}); err != nil {
		t.Fatal(err)
	}
	ten, err := st.Tenant(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	return svc, ten
}

func fastExchange() exchange.Config {
	return exchange.Config{RetryBase: 5 * time.Millisecond, MaxWait: 100 * time.Millisecond, ExportTimeout: time.Second, ThrottleCooldown: 10 * time.Millisecond, MaxAttempts: 8}
}

// TestSyncAgainstM365sim: with faults on, every item of the emulator's
// ground truth ends with exactly one stored message (byte for byte) and one
// report, and the emulator never sees more concurrency than the limit.
func TestSyncAgainstM365sim(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		st := storetest.Open(t, dbURL)
		sim := entratest.NewSim(t, m365sim.Options{Seed: 7})
		svc, ten := simTenant(t, st, sim, "contoso")

		const mails = 60
		for i := range mails {
			raw := fmt.Sprintf("From: sender%d@mail.example\r\nTo: a@contoso.example, b@contoso.example\r\nSubject: mail %d\r\nMessage-ID: <%d@mail.example>\r\n\r\nbody %d\r\n", i%7, i, i, i)
			if i%10 == 0 {
				raw = strings.Replace(raw, "body", "phish body", 1)
			}
			if _, err := sim.AddMessage("contoso", []byte(raw), m365sim.MessageMeta{Received: time.Now().Add(-time.Duration(i) * time.Hour), Recipients: []string{"a@contoso.example", "b@contoso.example"}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sim.SetFaults("contoso", m365sim.Faults{Rate429: 0.1, RetryAfter: 0.02, Rate503: 0.05, DropRate: 0.02, ConcurrencyLimit: 3}); err != nil {
			t.Fatal(err)
		}
		conn := &ingest.M365{Tenants: svc, HTTPClient: sim.HTTPClient(), Exchange: fastExchange()}
		reg := prometheus.NewRegistry()
		pipe, err := ingest.New(ctx, ingest.Options{Store: st, DB: dbURL, Connector: conn, Analyzer: &fakeAnalyzer{}, Diagnose: conn.Diagnose,
			PollInterval: 20 * time.Millisecond, Workers: 6, Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		conn.Observer = pipe
		if err := pipe.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer pipe.Stop(ctx)
		if err := pipe.SyncNow(ctx, ten.ID); err != nil {
			t.Fatal(err)
		}
		truth, err := sim.Quarantine("contoso")
		if err != nil {
			t.Fatal(err)
		}
		if len(truth) != 2*mails {
			t.Fatalf("ground truth has %d items", len(truth))
		}
		waitFor(t, "every item stored and analysed", func() bool {
			c, _ := st.Counts(ctx, ten.ID)
			return c.Items == 2*mails && c.Messages == mails && c.Reports == mails && c.Pending == 0
		})
		for _, it := range truth {
			got, err := st.Item(ctx, ten.ID, it.Identity())
			if err != nil {
				t.Fatalf("%s: %v", it.Identity(), err)
			}
			if got.State != store.ItemExported || fmt.Sprintf("%x", got.SHA256) != it.SHA256 {
				t.Fatalf("%s: state %s, hash %x, want %s", it.Identity(), got.State, got.SHA256, it.SHA256)
			}
		}
		stats := sim.Stats()
		if stats.MaxConcurrency > 3 {
			t.Fatalf("concurrency reached %d", stats.MaxConcurrency)
		}
		if stats.TokensIssued != 1 {
			t.Fatalf("%d tokens issued for one token lifetime", stats.TokensIssued)
		}
		// The metrics count what the sim saw: every token, every 429.
		if n, _ := metricValue(t, reg, "qtriage_m365_tokens_fetched_total", "tenant", "contoso"); n != float64(stats.TokensIssued) {
			t.Errorf("tokens fetched metric %v, the sim issued %d", n, stats.TokensIssued)
		}
		n429, _ := metricValue(t, reg, "qtriage_m365_throttled_responses_total", "tenant", "contoso")
		t.Logf("the sim answered 429 %d times; the metric says %v", stats.ByStatus["429"], n429)
		if stats.ByStatus["429"] == 0 || n429 != float64(stats.ByStatus["429"]) {
			t.Errorf("throttled answers metric %v, the sim sent %d", n429, stats.ByStatus["429"])
		}
		// Byte for byte: the stored message decompresses to what the sim holds.
		raw, err := exchangeExport(t, svc, sim, truth[0].Identity())
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		if fmt.Sprintf("%x", sum) != truth[0].SHA256 {
			t.Fatal("export differs from the sim's message")
		}
		if c, _ := st.Counts(ctx, ten.ID); c.Failed != 0 {
			t.Fatalf("failed items: %+v", c)
		}
	})
}

func exchangeExport(t *testing.T, svc *tenant.Service, sim *m365sim.Sim, identity string) ([]byte, error) {
	t.Helper()
	conn := &ingest.M365{Tenants: svc, HTTPClient: sim.HTTPClient(), Exchange: fastExchange()}
	ten, err := svc.Get(context.Background(), "contoso")
	if err != nil {
		return nil, err
	}
	src, err := conn.Connect(context.Background(), ten)
	if err != nil {
		return nil, err
	}
	return src.Export(context.Background(), identity)
}

// TestBrokenSetupRecordsDiagnosis: a tenant whose admin consent is missing
// stops syncing with the connection test's diagnosis recorded.
func TestBrokenSetupRecordsDiagnosis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := storetest.SQLiteURL(t)
	st := storetest.Open(t, dbURL)
	sim := entratest.NewSim(t, m365sim.Options{})
	svc, ten := simTenant(t, st, sim, "fabrikam", m365sim.StepConsent)
	conn := &ingest.M365{Tenants: svc, HTTPClient: sim.HTTPClient(), Exchange: fastExchange()}
	syncing(t, ingest.Options{Store: st, DB: dbURL, Connector: conn, Analyzer: &fakeAnalyzer{}, Diagnose: conn.Diagnose, PollInterval: 20 * time.Millisecond}, ten.ID)
	waitFor(t, "the diagnosis", func() bool {
		s, _ := st.SyncState(ctx, ten.ID)
		return s.Diagnosis != ""
	})
	s, _ := st.SyncState(ctx, ten.ID)
	if !strings.Contains(s.Diagnosis, "consent") {
		t.Fatalf("diagnosis does not name the consent step:\n%s", s.Diagnosis)
	}
}
