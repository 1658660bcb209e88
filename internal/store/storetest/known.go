package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"

	"github.com/qtriage/qtriage/internal/store"
)

// testKnownSenderDomains checks the domains a tenant knows from benign
// reports: counted per tenant, benign only, with a minimum.
func testKnownSenderDomains(t *testing.T, ctx context.Context, s store.Store) {
	alpha, _ := createTenant(t, ctx, s, "alpha", at(0))
	bravo, _ := createTenant(t, ctx, s, "bravo", at(0))
	n := 0
	report := func(tenantID, domain, verdict string) {
		t.Helper()
		n++
		id := fmt.Sprintf("k%d", n)
		_, err := s.UpsertItems(ctx, []store.QuarantineItem{item(tenantID, id, 100)})
		mustNotFail(t, "upsert", err)
		h := sha256.Sum256([]byte(id))
		_, err = s.StoreMessage(ctx, store.Message{TenantID: tenantID, SHA256: h[:], Size: 1, RawZstd: []byte("x"), StoredAt: at(2)}, id)
		mustNotFail(t, "store message", err)
		mustNotFail(t, "put report", s.PutReport(ctx, store.Report{TenantID: tenantID, SHA256: h[:], AnalyzerVersion: "1", Verdict: verdict,
			Category: "legitimate", Sender: "a@" + domain, SenderDomain: domain, JSON: []byte(`{}`), AnalyzedAt: at(3)}))
	}
	for range 3 {
		report(alpha.ID, "partner.example", "benign")
		report(bravo.ID, "bravo-partner.example", "benign")
	}
	report(alpha.ID, "once.example", "benign")
	report(alpha.ID, "bad.example", "malicious")
	report(alpha.ID, "bad.example", "malicious")

	got, err := s.KnownSenderDomains(ctx, alpha.ID, 2, 100)
	mustNotFail(t, "known domains", err)
	if !slices.Equal(got, []string{"partner.example"}) {
		t.Fatalf("known domains, at least 2 benign: %v", got)
	}
	got, _ = s.KnownSenderDomains(ctx, alpha.ID, 1, 100)
	if !slices.Equal(got, []string{"partner.example", "once.example"}) {
		t.Fatalf("known domains, at least 1 benign, most first: %v", got)
	}
	if got, _ = s.KnownSenderDomains(ctx, alpha.ID, 1, 1); len(got) != 1 {
		t.Fatalf("known domains, limit 1: %v", got)
	}
	if got, _ = s.KnownSenderDomains(ctx, bravo.ID, 1, 100); !slices.Equal(got, []string{"bravo-partner.example"}) {
		t.Fatalf("known domains cross tenants: %v", got)
	}
}
