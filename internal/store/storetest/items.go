package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/store"
)

func testItems(t *testing.T, ctx context.Context, s store.Store) {
	alpha, _ := createTenant(t, ctx, s, "alpha", at(0))
	bravo, _ := createTenant(t, ctx, s, "bravo", at(0))
	var items []store.QuarantineItem
	for i := range 23 {
		it := item(alpha.ID, fmt.Sprintf(`g%02d\r1`, i), 1000)
		it.ReceivedAt = at(i / 2) // pairs share a received time: the identity breaks ties
		it.Sender = fmt.Sprintf("user%d@sender%d.example", i, i%3)
		it.Subject = fmt.Sprintf("Invoice 100%% paid #%d", i)
		if i%4 == 0 {
			it.Type = "Spam"
		}
		items = append(items, it)
	}
	_, err := s.UpsertItems(ctx, items)
	mustNotFail(t, "upsert", err)
	_, err = s.UpsertItems(ctx, []store.QuarantineItem{item(bravo.ID, `gb\r1`, 100)})
	mustNotFail(t, "upsert bravo", err)
	// Analyse three of them: two malicious, one benign.
	for i, v := range map[int]string{0: "malicious", 5: "malicious", 9: "benign"} {
		h := sha256.Sum256([]byte{byte(i)})
		id := fmt.Sprintf(`g%02d\r1`, i)
		_, err := s.StoreMessage(ctx, store.Message{TenantID: alpha.ID, SHA256: h[:], Size: 1, RawZstd: []byte{1}, StoredAt: at(0)}, id)
		mustNotFail(t, "store", err)
		brand := ""
		if v == "malicious" {
			brand = "Microsoft"
		}
		mustNotFail(t, "report", s.PutReport(ctx, store.Report{TenantID: alpha.ID, SHA256: h[:], AnalyzerVersion: "1", Verdict: v, Confidence: 0.8,
			Category: "c", Brand: brand, JSON: []byte("{}"), AnalyzedAt: at(0)}))
	}

	// Keyset pages cover everything once, newest first.
	seen := map[string]bool{}
	var prev *store.ItemRow
	after := ""
	for pages := 0; ; pages++ {
		rows, err := s.Items(ctx, store.ItemFilter{TenantID: alpha.ID, Limit: 5, After: after})
		mustNotFail(t, "items", err)
		for i := range rows {
			r := rows[i]
			if seen[r.Identity] {
				t.Fatalf("%s listed twice", r.Identity)
			}
			seen[r.Identity] = true
			if prev != nil && (r.ReceivedAt.After(prev.ReceivedAt) || (r.ReceivedAt.Equal(prev.ReceivedAt) && r.Identity > prev.Identity)) {
				t.Fatalf("order: %s after %s", r.Identity, prev.Identity)
			}
			prev = &r
		}
		if len(rows) < 5 {
			break
		}
		after = rows[len(rows)-1].Cursor()
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 23 {
		t.Fatalf("pages listed %d items, want 23", len(seen))
	}

	count := func(f store.ItemFilter) int {
		t.Helper()
		f.TenantID, f.Limit = alpha.ID, 500
		rows, err := s.Items(ctx, f)
		mustNotFail(t, "items", err)
		return len(rows)
	}
	cases := []struct {
		name string
		f    store.ItemFilter
		want int
	}{
		{"verdict", store.ItemFilter{Verdicts: []string{"malicious"}}, 2},
		{"verdicts", store.ItemFilter{Verdicts: []string{"malicious", "benign"}}, 3},
		{"unanalysed", store.ItemFilter{Verdicts: []string{"unanalysed"}}, 20},
		{"type", store.ItemFilter{Types: []string{"Spam"}}, 6},
		{"sender substring, any case", store.ItemFilter{Sender: "SENDER1.example"}, 8},
		{"subject with a LIKE wildcard taken literally", store.ItemFilter{Subject: "100%"}, 23},
		{"subject", store.ItemFilter{Subject: "#12"}, 1},
		{"recipient", store.ItemFilter{Recipient: "b@contoso"}, 23},
		{"received window", store.ItemFilter{From: at(2), To: at(4)}, 4},
		{"combined", store.ItemFilter{Verdicts: []string{"malicious"}, Types: []string{"Spam"}}, 1},
	}
	for _, c := range cases {
		if got := count(c.f); got != c.want {
			t.Errorf("%s: %d items, want %d", c.name, got, c.want)
		}
	}
	if rows, _ := s.Items(ctx, store.ItemFilter{TenantID: alpha.ID, Oldest: true, Limit: 1}); len(rows) != 1 || rows[0].Identity != `g00\r1` || rows[0].Verdict != "malicious" {
		t.Fatalf("oldest first: %+v", rows)
	}
	mustNotFail(t, "set release status", s.SetReleaseStatus(ctx, alpha.ID, []string{`g01\r1`, `g02\r1`}, "Released"))
	if got := count(store.ItemFilter{ReleaseStatus: []string{"Released"}}); got != 2 {
		t.Errorf("released: %d items, want 2", got)
	}
	// An analyst's verdict sits beside the engine's.
	h0 := sha256.Sum256([]byte{0})
	if _, err := s.Override(ctx, alpha.ID, h0[:]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no override yet: %v", err)
	}
	mustNotFail(t, "override", s.SetOverride(ctx, store.Override{TenantID: alpha.ID, SHA256: h0[:], Verdict: "benign", Note: "known sender, checked by phone", By: "ana", At: at(3)}))
	if o, err := s.Override(ctx, alpha.ID, h0[:]); err != nil || o.Verdict != "benign" || o.By != "ana" || !o.At.Equal(at(3)) {
		t.Fatalf("override: %+v %v", o, err)
	}
	if err := s.SetOverride(ctx, store.Override{TenantID: alpha.ID, SHA256: h0[:], Verdict: "harmless", Note: "x", By: "ana", At: at(3)}); err == nil {
		t.Fatal("an unknown verdict was accepted")
	}
	if rows, _ := s.Items(ctx, store.ItemFilter{TenantID: alpha.ID, Oldest: true, Limit: 1}); rows[0].Override != "benign" || rows[0].Verdict != "malicious" {
		t.Fatalf("list: engine %q, analyst %q", rows[0].Verdict, rows[0].Override)
	}
	if _, err := s.Items(ctx, store.ItemFilter{TenantID: alpha.ID, After: "garbage"}); err == nil {
		t.Fatal("bad cursor accepted")
	}
	byVerdict, byType, err := s.ItemCounts(ctx, alpha.ID, at(-1))
	mustNotFail(t, "counts", err)
	got := map[string]int{}
	for _, c := range append(byVerdict, byType...) {
		got[c.Key] += c.Count
	}
	if got[""] != 20 || got["malicious"] != 2 || got["benign"] != 1 || got["Spam"] != 6 || got["Phish"] != 17 {
		t.Fatalf("counts: %v %v", byVerdict, byType)
	}
	brands, err := s.Top(ctx, alpha.ID, "brand", at(-1), 5)
	mustNotFail(t, "top brands", err)
	if len(brands) != 1 || brands[0] != (store.VerdictCount{Key: "Microsoft", Count: 2}) {
		t.Fatalf("top brands: %v", brands)
	}
	domains, err := s.Top(ctx, alpha.ID, "sender_domain", at(-1), 2)
	mustNotFail(t, "top sender domains", err)
	if len(domains) != 2 || domains[0] != (store.VerdictCount{Key: "sender0.example", Count: 8}) {
		t.Fatalf("top sender domains: %v", domains)
	}
	if _, err := s.Top(ctx, alpha.ID, "subject; DROP TABLE", at(-1), 2); err == nil {
		t.Fatal("unknown top accepted")
	}
	days, err := s.Daily(ctx, alpha.ID, at(-1))
	mustNotFail(t, "daily", err)
	if len(days) != 1 || days[0].Key != at(0).UTC().Format("2006-01-02") || days[0].Count != 23 {
		t.Fatalf("daily: %v", days)
	}
	if v, _, _ := s.ItemCounts(ctx, alpha.ID, at(0).Add(time.Hour)); len(v) != 0 {
		t.Fatalf("counts since the future: %v", v)
	}
}
