package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/qtriage/qtriage/internal/store"
)

func item(tenantID, identity string, expiresIn int) store.QuarantineItem {
	return store.QuarantineItem{
		TenantID: tenantID, Identity: identity, MessageID: "<" + identity + "@mail.example>",
		ReceivedAt: at(0), ExpiresAt: at(expiresIn), Type: "Phish", PolicyType: "AntiPhishPolicy", PolicyName: "Standard",
		Direction: "Inbound", Sender: "bad@phish.example", Recipients: []string{"a@contoso.example", "b@contoso.example"},
		Subject: "Verify your account", Size: 1234, ReleaseStatus: "NotReleased", LastSeenAt: at(1),
	}
}

func testQuarantine(t *testing.T, ctx context.Context, s store.Store) {
	alpha, _ := createTenant(t, ctx, s, "alpha", at(0))
	bravo, _ := createTenant(t, ctx, s, "bravo", at(0))

	created, err := s.UpsertItems(ctx, []store.QuarantineItem{item(alpha.ID, `g1\r1`, 300), item(alpha.ID, `g1\r2`, 100), item(alpha.ID, `g2\r1`, 200)})
	mustNotFail(t, "upsert", err)
	if len(created) != 3 {
		t.Fatalf("created %v, want 3", created)
	}
	// Listing again (an overlapping window) creates nothing and updates the
	// mutable fields only.
	again := item(alpha.ID, `g1\r1`, 400)
	again.ReleaseStatus, again.Subject, again.LastSeenAt = "Released", "changed", at(5)
	created, err = s.UpsertItems(ctx, []store.QuarantineItem{again, item(bravo.ID, `g1\r1`, 50)})
	mustNotFail(t, "upsert again", err)
	if len(created) != 1 || created[0] != `g1\r1` {
		t.Fatalf("second upsert created %v, want only bravo's", created)
	}
	got, err := s.Item(ctx, alpha.ID, `g1\r1`)
	mustNotFail(t, "item", err)
	if got.ReleaseStatus != "Released" || got.Subject != "Verify your account" || !got.ExpiresAt.Equal(at(400)) ||
		!got.FirstSeenAt.Equal(at(1)) || !got.LastSeenAt.Equal(at(5)) || got.State != store.ItemListed || len(got.Recipients) != 2 {
		t.Fatalf("item after re-list: %+v", got)
	}

	// Pending: closest to expiry first, per tenant.
	pending, err := s.PendingItems(ctx, alpha.ID, 10)
	mustNotFail(t, "pending", err)
	if len(pending) != 3 || pending[0].Identity != `g1\r2` || pending[1].Identity != `g2\r1` {
		t.Fatalf("pending order: %v", identities(pending))
	}

	// The next exports: never tried, closest to expiry first.
	mustNotFail(t, "fail g1\\r2", s.FailItem(ctx, alpha.ID, `g1\r2`, "503", false))
	next, err := s.NextExports(ctx, alpha.ID, 10)
	mustNotFail(t, "next exports", err)
	if len(next) != 2 || next[0].Identity != `g2\r1` || next[1].Identity != `g1\r1` {
		t.Fatalf("next exports: %v", identities(next))
	}
	if next, _ := s.NextExports(ctx, alpha.ID, 1); len(next) != 1 {
		t.Fatalf("next exports, limit 1: %v", identities(next))
	}

	// One message for two items of the same mail.
	raw := []byte("compressed bytes")
	h := sha256.Sum256([]byte("the raw message"))
	m := store.Message{TenantID: alpha.ID, SHA256: h[:], Size: 15, RawZstd: raw, StoredAt: at(2)}
	isNew, err := s.StoreMessage(ctx, m, `g1\r1`)
	mustNotFail(t, "store message", err)
	isNew2, err := s.StoreMessage(ctx, m, `g1\r2`)
	mustNotFail(t, "store message again", err)
	if !isNew || isNew2 {
		t.Fatalf("created flags %v %v, want true false", isNew, isNew2)
	}
	// Idempotent: storing again for an exported item is fine.
	if _, err := s.StoreMessage(ctx, m, `g1\r1`); err != nil {
		t.Fatalf("repeat store: %v", err)
	}
	if _, err := s.StoreMessage(ctx, m, `nope`); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("store for unknown item: %v", err)
	}
	if same, err := s.ItemsOfMessage(ctx, alpha.ID, h[:]); err != nil || len(same) != 2 || same[0].Identity != `g1\r1` || same[1].Identity != `g1\r2` {
		t.Fatalf("items of message: %v %v", identities(same), err)
	}
	if same, _ := s.ItemsOfMessage(ctx, bravo.ID, h[:]); len(same) != 0 {
		t.Fatal("items of message cross tenants")
	}
	got, _ = s.Item(ctx, alpha.ID, `g1\r2`)
	if got.State != store.ItemExported || !bytes.Equal(got.SHA256, h[:]) {
		t.Fatalf("exported item: %+v", got)
	}
	msg, err := s.Message(ctx, alpha.ID, h[:])
	mustNotFail(t, "message", err)
	if !bytes.Equal(msg.RawZstd, raw) || msg.Size != 15 {
		t.Fatalf("message: %+v", msg)
	}
	if _, err := s.Message(ctx, bravo.ID, h[:]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another tenant's message: %v", err)
	}

	// Failures: transient keeps it pending, permanent does not.
	mustNotFail(t, "transient failure", s.FailItem(ctx, alpha.ID, `g2\r1`, "503", false))
	got, _ = s.Item(ctx, alpha.ID, `g2\r1`)
	if got.State != store.ItemListed || got.Attempts != 1 || got.LastError != "503" {
		t.Fatalf("after transient failure: %+v", got)
	}
	mustNotFail(t, "permanent failure", s.FailItem(ctx, alpha.ID, `g2\r1`, "not found", true))
	if p, _ := s.PendingItems(ctx, alpha.ID, 10); len(p) != 0 {
		t.Fatalf("pending after export and failure: %v", identities(p))
	}
	mustNotFail(t, "expire", s.SetItemState(ctx, bravo.ID, `g1\r1`, store.ItemExpired))
	if err := s.SetItemState(ctx, alpha.ID, `g1\r1`, store.ItemExpired); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expiring an exported item: %v", err)
	}

	// Reports and the sender history they give.
	if list, _ := s.Unanalysed(ctx, alpha.ID, "", 10); len(list) != 1 || !bytes.Equal(list[0], h[:]) {
		t.Fatalf("unanalysed: %x", list)
	}
	r := store.Report{TenantID: alpha.ID, SHA256: h[:], AnalyzerVersion: "1", Verdict: "benign", Confidence: 0.9, Category: "legitimate",
		Sender: "bad@phish.example", SenderDomain: "phish.example", JSON: []byte(`{"verdict":"benign"}`), AnalyzedAt: at(3)}
	mustNotFail(t, "put report", s.PutReport(ctx, r))
	if list, _ := s.Unanalysed(ctx, alpha.ID, "", 10); len(list) != 0 {
		t.Fatal("analysed message still listed")
	}
	if list, _ := s.Unanalysed(ctx, alpha.ID, "2", 10); len(list) != 1 {
		t.Fatal("outdated report not listed for reanalysis")
	}
	r.AnalyzerVersion, r.Verdict = "2", "malicious"
	mustNotFail(t, "replace report", s.PutReport(ctx, r))
	gotR, err := s.Report(ctx, alpha.ID, h[:])
	mustNotFail(t, "report", err)
	if gotR.Verdict != "malicious" || gotR.AnalyzerVersion != "2" || string(gotR.JSON) != `{"verdict":"benign"}` || !gotR.AnalyzedAt.Equal(at(3)) {
		t.Fatalf("report: %+v", gotR)
	}
	hist, err := s.SenderHistory(ctx, alpha.ID, "bad@phish.example", "phish.example")
	mustNotFail(t, "history", err)
	if hist != (store.SenderHistory{FromAddress: 1, FromAddressBenign: 0, FromDomain: 1, FromDomainBenign: 0, FromDomainMalicious: 1}) {
		t.Fatalf("history: %+v", hist)
	}
	if hist, _ := s.SenderHistory(ctx, bravo.ID, "bad@phish.example", "phish.example"); hist.FromDomain != 0 {
		t.Fatal("sender history crosses tenants")
	}

	c, err := s.Counts(ctx, alpha.ID)
	mustNotFail(t, "counts", err)
	if c != (store.TenantCounts{Items: 3, Messages: 1, Reports: 1, Pending: 0, Failed: 1, ExpiredUnexported: 0}) {
		t.Fatalf("counts: %+v", c)
	}
	if c, _ := s.Counts(ctx, bravo.ID); c.ExpiredUnexported != 1 || c.Items != 1 {
		t.Fatalf("bravo counts: %+v", c)
	}

	// Sync state round trip.
	st, err := s.SyncState(ctx, alpha.ID)
	mustNotFail(t, "empty sync state", err)
	if st.Backfilled || st.LastStartedAt != nil {
		t.Fatalf("zero sync state: %+v", st)
	}
	started := at(10)
	st.Backfilled, st.LastStartedAt, st.LastError = true, &started, "boom"
	mustNotFail(t, "put sync state", s.PutSyncState(ctx, st))
	mustNotFail(t, "put sync state again", s.PutSyncState(ctx, st))
	st2, _ := s.SyncState(ctx, alpha.ID)
	if !st2.Backfilled || st2.LastStartedAt == nil || !st2.LastStartedAt.Equal(started) || st2.LastError != "boom" {
		t.Fatalf("sync state: %+v", st2)
	}
}

func identities(items []store.QuarantineItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Identity)
	}
	return out
}

// testMessageHashes: a tenant's messages page by page, in hash order, all
// of them or those an analyzer version has not judged, and their count;
// and the report.ready events of reports written again.
func testMessageHashes(t *testing.T, ctx context.Context, s store.Store) {
	alpha, _ := createTenant(t, ctx, s, "alpha", at(0))
	bravo, _ := createTenant(t, ctx, s, "bravo", at(0))
	stored := func(tenantID string, n int) [][]byte {
		t.Helper()
		var hs [][]byte
		for i := range n {
			id := fmt.Sprintf(`p%d\r1`, i)
			h := sha256.Sum256([]byte(tenantID + id))
			_, err := s.UpsertItems(ctx, []store.QuarantineItem{item(tenantID, id, 300)})
			mustNotFail(t, "upsert", err)
			_, err = s.StoreMessage(ctx, store.Message{TenantID: tenantID, SHA256: h[:], Size: 3, RawZstd: []byte("raw"), StoredAt: at(i)}, id)
			mustNotFail(t, "store message", err)
			hs = append(hs, h[:])
		}
		return hs
	}
	mine, _ := stored(alpha.ID, 7), stored(bravo.ID, 2)
	report := func(h []byte, version, verdict string) {
		t.Helper()
		mustNotFail(t, "put report", s.PutReport(ctx, store.Report{TenantID: alpha.ID, SHA256: h, AnalyzerVersion: version, Verdict: verdict,
			Category: "test", JSON: []byte(`{}`), AnalyzedAt: at(20)}))
	}
	report(mine[0], "1", "benign")
	report(mine[1], "1", "benign")
	report(mine[2], "2", "benign")

	// Every page in turn, from no hash to past the last.
	all := func(outdated string, size int) [][]byte {
		t.Helper()
		var out, after [][]byte
		for range 20 {
			var from []byte
			if len(after) > 0 {
				from = after[len(after)-1]
			}
			page, err := s.MessageHashes(ctx, alpha.ID, outdated, from, size)
			mustNotFail(t, "message hashes", err)
			if len(page) > size {
				t.Fatalf("a page of %d holds %d", size, len(page))
			}
			if len(page) == 0 {
				return out
			}
			out = append(out, page...)
			after = page
		}
		t.Fatal("pages never end")
		return nil
	}
	want := slices.SortedFunc(slices.Values(mine), bytes.Compare)
	for _, size := range []int{1, 3, 7, 100} {
		if got := all("", size); !slices.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("every message in pages of %d: %x, want %x", size, got, want)
		}
	}
	notV2 := slices.DeleteFunc(slices.Clone(want), func(h []byte) bool { return bytes.Equal(h, mine[2]) })
	if got := all("2", 3); !slices.EqualFunc(got, notV2, bytes.Equal) {
		t.Fatalf("messages without a report of version 2: %x, want %x", got, notV2)
	}
	for _, tc := range []struct {
		tenantID, outdated string
		want               int
	}{{alpha.ID, "", 7}, {alpha.ID, "2", 6}, {alpha.ID, "1", 5}, {bravo.ID, "", 2}, {"no-such-tenant", "", 0}} {
		n, err := s.CountMessageHashes(ctx, tc.tenantID, tc.outdated)
		mustNotFail(t, "count message hashes", err)
		if n != tc.want {
			t.Errorf("count of %s outdated for %q: %d, want %d", tc.tenantID, tc.outdated, n, tc.want)
		}
	}

	// report.ready: for a first report and a changed verdict, not for a
	// report written again with the same verdict.
	mustNotFail(t, "create hook", s.CreateWebhook(ctx, webhook(alpha.ID, newID(), at(1), store.EventReportReady)))
	events := func() int {
		t.Helper()
		ds, err := s.Deliveries(ctx, alpha.ID, 100)
		mustNotFail(t, "deliveries", err)
		return len(ds)
	}
	for _, step := range []struct {
		what             string
		version, verdict string
		want             int
	}{
		{"first report", "2", "suspicious", 1},
		{"same verdict", "2", "suspicious", 1},
		{"same verdict, other analyzer", "3", "suspicious", 1},
		{"verdict changed", "3", "malicious", 2},
		{"changed back", "3", "suspicious", 3},
	} {
		report(mine[5], step.version, step.verdict)
		if n := events(); n != step.want {
			t.Errorf("%s: %d report.ready events in all, want %d", step.what, n, step.want)
		}
	}
	if r, _ := s.Report(ctx, alpha.ID, mine[5]); r.Verdict != "suspicious" || r.AnalyzerVersion != "3" {
		t.Errorf("report written again: %+v", r)
	}
}
