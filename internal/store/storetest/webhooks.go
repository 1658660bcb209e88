package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/store"
)

func webhook(tenantID, id string, created time.Time, events ...string) store.Webhook {
	return store.Webhook{ID: id, TenantID: tenantID, URL: "https://hooks.example.test/" + id, Description: "SIEM",
		Events: events, SecretBlob: []byte("sealed " + id), KEKID: "kek-1", CreatedAt: created}
}

func testWebhooks(t *testing.T, ctx context.Context, s store.Store) {
	alpha, _ := createTenant(t, ctx, s, "alpha", at(0))
	bravo, _ := createTenant(t, ctx, s, "bravo", at(0))
	const (
		reports = "00000000-0000-4000-8000-000000000001"
		actions = "00000000-0000-4000-8000-000000000002"
		other   = "00000000-0000-4000-8000-000000000003"
	)
	mustNotFail(t, "create reports hook", s.CreateWebhook(ctx, webhook(alpha.ID, reports, at(1), store.EventReportReady)))
	mustNotFail(t, "create actions hook", s.CreateWebhook(ctx, webhook(alpha.ID, actions, at(2), store.EventActionTaken, store.EventReportReady)))
	mustNotFail(t, "create bravo's hook", s.CreateWebhook(ctx, webhook(bravo.ID, other, at(3), store.EventActionTaken)))
	checkErr(t, "unknown event type", s.CreateWebhook(ctx, webhook(alpha.ID, newID(), at(4), "mail.read")), nil)
	checkErr(t, "no event type", s.CreateWebhook(ctx, webhook(alpha.ID, newID(), at(4))), nil)
	checkErr(t, "unknown tenant", s.CreateWebhook(ctx, webhook("no-such-tenant", newID(), at(4), store.EventReportReady)), store.ErrNotFound)
	checkErr(t, "duplicate id", s.CreateWebhook(ctx, webhook(alpha.ID, reports, at(4), store.EventReportReady)), store.ErrConflict)

	// AddWebhook: the cap and the audit entry in the same transaction.
	audit := func(action string) store.AuditEvent {
		return store.AuditEvent{ID: newID(), TenantID: bravo.ID, At: at(5), Actor: "user:root", Action: action, Outcome: store.AuditOK, Detail: "x"}
	}
	capped := webhook(bravo.ID, newID(), at(4), store.EventReportReady)
	checkErr(t, "over the cap", s.AddWebhook(ctx, capped, 1, audit("webhook.create")), store.ErrConflict)
	mustNotFail(t, "add under the cap", s.AddWebhook(ctx, capped, 2, audit("webhook.create")))
	bad := audit("webhook.create")
	bad.Outcome = "maybe"
	checkErr(t, "a bad audit entry stores nothing", s.AddWebhook(ctx, webhook(bravo.ID, newID(), at(4), store.EventReportReady), 0, bad), nil)
	mustNotFail(t, "remove", s.RemoveWebhook(ctx, bravo.ID, capped.ID, audit("webhook.delete")))
	checkErr(t, "remove again", s.RemoveWebhook(ctx, bravo.ID, capped.ID, audit("webhook.delete")), store.ErrNotFound)
	evs, _ := s.AuditEvents(ctx, bravo.ID, 0)
	if len(evs) != 2 || evs[0].Action != "webhook.delete" || evs[1].Action != "webhook.create" {
		t.Fatalf("bravo's audit after add and remove: %+v", evs)
	}
	if hs, _ := s.Webhooks(ctx, bravo.ID); len(hs) != 1 {
		t.Fatalf("bravo's webhooks: %d, want 1 (the refused ones were not stored)", len(hs))
	}

	hooks, err := s.Webhooks(ctx, alpha.ID)
	mustNotFail(t, "webhooks", err)
	if len(hooks) != 2 || hooks[0].ID != reports || hooks[1].ID != actions || len(hooks[1].Events) != 2 ||
		string(hooks[0].SecretBlob) != "sealed "+reports || !hooks[0].CreatedAt.Equal(at(1)) {
		t.Fatalf("alpha's webhooks: %+v", hooks)
	}
	if _, err := s.Webhook(ctx, bravo.ID, reports); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another tenant's webhook: %v", err)
	}
	checkErr(t, "delete another tenant's webhook", s.DeleteWebhook(ctx, bravo.ID, reports), store.ErrNotFound)

	// A report: one delivery for each of alpha's two subscribed webhooks,
	// written with the report, with the event's data.
	h := sha256.Sum256([]byte("webhook message"))
	_, err = s.UpsertItems(ctx, []store.QuarantineItem{item(alpha.ID, `w1\r1`, 300)})
	mustNotFail(t, "upsert", err)
	_, err = s.StoreMessage(ctx, store.Message{TenantID: alpha.ID, SHA256: h[:], Size: 3, RawZstd: []byte("raw"), StoredAt: at(5)}, `w1\r1`)
	mustNotFail(t, "store message", err)
	mustNotFail(t, "put report", s.PutReport(ctx, store.Report{TenantID: alpha.ID, SHA256: h[:], AnalyzerVersion: "9.9.9", Verdict: "malicious",
		Confidence: 0.9, Category: "credential_phishing", Sender: "bad@phish.example", SenderDomain: "phish.example",
		JSON: []byte(`{"summary":"This message impersonates a bank.","priority":"high"}`), AnalyzedAt: at(6)}))
	// An audited action; and one that is not announced.
	mustNotFail(t, "audit release", s.AddAudit(ctx, auditEvent(alpha.ID, 7, "quarantine.release")))
	mustNotFail(t, "audit other", s.AddAudit(ctx, auditEvent(alpha.ID, 8, "tenant.connect")))
	mustNotFail(t, "audit bravo", s.AddAudit(ctx, auditEvent(bravo.ID, 8, "quarantine.delete")))

	ds, err := s.Deliveries(ctx, alpha.ID, 10)
	mustNotFail(t, "deliveries", err)
	count := map[string]int{}
	for _, d := range ds {
		count[d.Webhook.ID+" "+d.EventType]++
		if d.State != store.DeliveryPending || d.Attempts != 0 || d.TenantID != alpha.ID || d.Webhook.SecretBlob != nil {
			t.Errorf("new delivery: %+v", d)
		}
	}
	if len(ds) != 3 || count[reports+" report.ready"] != 1 || count[actions+" report.ready"] != 1 || count[actions+" action.taken"] != 1 {
		t.Fatalf("alpha's deliveries: %v", count)
	}
	var ev struct {
		ID     string            `json:"id"`
		Type   string            `json:"type"`
		Tenant store.EventTenant `json:"tenant"`
		Data   store.ReportEvent `json:"data"`
	}
	for _, d := range ds {
		if d.EventType != store.EventReportReady {
			continue
		}
		mustNotFail(t, "decode", json.Unmarshal(d.Body, &ev))
		if ev.ID != d.EventID || ev.Tenant.Slug != "alpha" || ev.Data.SHA256 != hex.EncodeToString(h[:]) || ev.Data.Verdict != "malicious" ||
			ev.Data.Summary != "This message impersonates a bank." || ev.Data.Priority != "high" || ev.Data.Subject != "Verify your account" ||
			len(ev.Data.Items) != 1 || ev.Data.Items[0].Identity != `w1\r1` || len(ev.Data.Items[0].Recipients) != 2 {
			t.Errorf("report.ready body: %s", d.Body)
		}
	}
	if ds[0].EventID == "" || (ds[1].EventType == ds[2].EventType && ds[1].EventID != ds[2].EventID) {
		t.Errorf("one event, one id for every webhook: %+v", ds)
	}

	// Claim: due deliveries, at most one per webhook at a time (bravo's
	// too), each with its webhook and secret; a second claim within the
	// lease gets nothing: the actions hook's second delivery waits for its
	// first.
	got, err := s.ClaimDeliveries(ctx, at(10), time.Minute, 10)
	mustNotFail(t, "claim", err)
	if len(got) != 3 {
		t.Fatalf("claimed %d, want 3 (one per webhook)", len(got))
	}
	seenHook := map[string]bool{}
	for _, d := range got {
		if d.Attempts != 1 || len(d.Webhook.SecretBlob) == 0 || d.Webhook.URL == "" || seenHook[d.Webhook.ID] {
			t.Errorf("claimed delivery: %+v", d)
		}
		seenHook[d.Webhook.ID] = true
	}
	if again, err := s.ClaimDeliveries(ctx, at(10), time.Minute, 10); err != nil || len(again) != 0 {
		t.Fatalf("claimed again within the lease: %d %v", len(again), err)
	}
	// One delivered, one to retry later, one failed for good.
	retry := at(30)
	mustNotFail(t, "finish delivered", s.FinishDelivery(ctx, got[0].ID, store.DeliveryResult{Attempt: 1, At: at(10), Status: 204}))
	mustNotFail(t, "finish retry", s.FinishDelivery(ctx, got[1].ID, store.DeliveryResult{Attempt: 1, At: at(10), Status: 503, Error: "HTTP 503", Retry: &retry}))
	mustNotFail(t, "finish failed", s.FinishDelivery(ctx, got[2].ID, store.DeliveryResult{Attempt: 1, At: at(10), Status: 400, Error: "HTTP 400"}))
	w, err := s.Webhook(ctx, got[2].Webhook.TenantID, got[2].Webhook.ID)
	mustNotFail(t, "webhook after failure", err)
	if w.LastStatus != 400 || w.LastError != "HTTP 400" || w.LastDeliveryAt == nil || !w.LastDeliveryAt.Equal(at(10)) {
		t.Errorf("webhook's last delivery: %+v", w)
	}
	checkErr(t, "finish unknown", s.FinishDelivery(ctx, "nope", store.DeliveryResult{At: at(10)}), store.ErrNotFound)
	// The waiting delivery now; its process "dies": the lease runs out and
	// it is claimed again.
	next, err := s.ClaimDeliveries(ctx, at(12), time.Minute, 10)
	mustNotFail(t, "claim the waiting one", err)
	if len(next) != 1 || next[0].Attempts != 1 {
		t.Fatalf("the waiting delivery: %d claimed", len(next))
	}
	if again, _ := s.ClaimDeliveries(ctx, at(12), time.Minute, 10); len(again) != 0 {
		t.Fatalf("claimed within its lease: %d", len(again))
	}
	again, err := s.ClaimDeliveries(ctx, at(14), time.Minute, 10)
	mustNotFail(t, "claim after lease", err)
	if len(again) != 1 || again[0].ID != next[0].ID || again[0].Attempts != 2 {
		t.Fatalf("after the lease ran out: %d claimed", len(again))
	}
	// The first claimer, late, cannot overwrite the second's attempt.
	checkErr(t, "finish a lost claim", s.FinishDelivery(ctx, again[0].ID, store.DeliveryResult{Attempt: 1, At: at(14), Status: 500, Error: "late"}), store.ErrNotFound)
	mustNotFail(t, "finish the reclaimed", s.FinishDelivery(ctx, again[0].ID, store.DeliveryResult{Attempt: 2, At: at(14), Status: 200}))
	again, err = s.ClaimDeliveries(ctx, at(31), time.Minute, 10)
	mustNotFail(t, "claim retry", err)
	if len(again) != 1 || again[0].ID != got[1].ID || again[0].Attempts != 2 {
		t.Fatalf("the retry: %d claimed", len(again))
	}
	mustNotFail(t, "finish the retry", s.FinishDelivery(ctx, again[0].ID, store.DeliveryResult{Attempt: 2, At: at(31), Status: 200}))

	// A ping goes to one webhook, subscribed or not.
	id, err := s.PingWebhook(ctx, alpha.ID, reports, at(40))
	mustNotFail(t, "ping", err)
	if _, err := s.PingWebhook(ctx, bravo.ID, reports, at(40)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ping another tenant's webhook: %v", err)
	}
	pinged, err := s.ClaimDeliveries(ctx, at(41), time.Minute, 10)
	mustNotFail(t, "claim ping", err)
	if len(pinged) != 1 || pinged[0].ID != id || pinged[0].EventType != store.EventPing {
		t.Fatalf("ping delivery: %+v", pinged)
	}

	// Pruning keeps pending deliveries; deleting a webhook removes its own.
	n, err := s.PruneDeliveries(ctx, at(100))
	mustNotFail(t, "prune", err)
	if n != 4 {
		t.Errorf("pruned %d, want 4 (three delivered and the failed)", n)
	}
	mustNotFail(t, "delete", s.DeleteWebhook(ctx, alpha.ID, actions))
	hooks, _ = s.Webhooks(ctx, alpha.ID)
	ds, _ = s.Deliveries(ctx, alpha.ID, 10)
	if len(hooks) != 1 || hooks[0].ID != reports {
		t.Errorf("webhooks after delete: %+v", hooks)
	}
	for _, d := range ds {
		if d.Webhook.ID == actions {
			t.Errorf("a deleted webhook's delivery is left: %+v", d)
		}
	}
}
