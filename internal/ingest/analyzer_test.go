package ingest_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/analysis"
	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/store"
)

// knownStore answers KnownSenderDomains and counts the calls; the pipeline
// never calls anything else of it here.
type knownStore struct {
	store.Store
	calls atomic.Int32
}

func (s *knownStore) KnownSenderDomains(context.Context, string, int, int) ([]string, error) {
	s.calls.Add(1)
	return []string{"fabrikam.example"}, nil
}

// TestEngineKnownDomains: a lookalike of a domain the tenant receives
// legitimate mail from is a partner impersonation, and the known domains
// are read once per tenant while cached.
func TestEngineKnownDomains(t *testing.T) {
	engine, err := analysis.NewEngine(analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := &knownStore{}
	e := ingest.Engine{Engine: engine, KnownDomains: ingest.KnownDomainsFrom(st, time.Minute)}
	raw := []byte(strings.ReplaceAll(`From: Fabrikam Accounts <ar@fabrikarn.example>
To: ap@contoso.example
Subject: Updated remittance details
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <r-1@fabrikarn.example>

Please pay open invoices to our new bank account from today.
`, "\n", "\r\n"))
	none := func(context.Context, string, string) (store.SenderHistory, error) { return store.SenderHistory{}, nil }
	for range 2 {
		a, err := e.Analyze(context.Background(), store.Tenant{ID: "t1", Slug: "contoso"}, raw, none)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(a.JSON), "sender.partner_lookalike") || a.Verdict != "malicious" {
			t.Fatalf("verdict %s, report %s", a.Verdict, a.JSON)
		}
	}
	if n := st.calls.Load(); n != 1 {
		t.Errorf("known domains read %d times for one tenant, want 1 (cached)", n)
	}
}
