package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/access"
	"github.com/qtriage/qtriage/internal/demo"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
	"github.com/qtriage/qtriage/internal/webhook"
)

// hookReceiver is a SIEM's endpoint: it keeps the events whose signature
// checks out with the secret it was given, and counts the others.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	events []map[string]any
	forged int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := webhook.Verify(h.secret, r.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
		h.forged++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		h.forged++
		return
	}
	h.events = append(h.events, ev)
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) count(eventType string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, ev := range h.events {
		if ev["type"] == eventType {
			n++
		}
	}
	return n
}

// A tenant admin registers a webhook through the API; a report re-made by
// the pipeline and a release through the API each reach the receiver,
// signed with the secret the API returned once.
func TestWebhooksEndToEnd(t *testing.T) {
	t.Parallel()
	lc := newLiveConsole(t, storetest.SQLiteURL(t))
	ctx := context.Background()
	rcv := &hookReceiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()

	fab, _ := lc.st.Tenant(ctx, "fabrikam")
	admin, _, _ := access.Create(ctx, lc.st, "siem-admin", lc.ten.ID, store.RoleAdmin, time.Now())
	analyst, _, _ := access.Create(ctx, lc.st, "soar", lc.ten.ID, store.RoleAnalyst, time.Now())
	other, _, _ := access.Create(ctx, lc.st, "fab", fab.ID, store.RoleAdmin, time.Now())
	call := func(method, path, token, body string) (int, map[string]any) {
		t.Helper()
		return apiCall(t, method, lc.url+path, token, body)
	}
	hookBody := `{"url":"` + srv.URL + `/qtriage","description":"SOC SIEM","events":["report.ready","action.taken"]}`
	if code, _ := call("POST", "/api/v1/tenants/contoso/webhooks", analyst, hookBody); code != http.StatusForbidden {
		t.Fatalf("analyst creates a webhook: %d", code)
	}
	if code, _ := call("POST", "/api/v1/tenants/contoso/webhooks", other, hookBody); code != http.StatusNotFound {
		t.Fatalf("another tenant's admin creates a webhook: %d", code)
	}
	if code, out := call("POST", "/api/v1/tenants/contoso/webhooks", admin, `{"url":"ftp://x.example/"}`); code != http.StatusUnprocessableEntity || out["code"] != "invalid" {
		t.Fatalf("bad URL: %d %v", code, out)
	}
	code, created := call("POST", "/api/v1/tenants/contoso/webhooks", admin, hookBody)
	secret, _ := created["secret"].(string)
	if code != http.StatusCreated || !strings.HasPrefix(secret, "whsec_") || created["id"] == "" {
		t.Fatalf("create: %d %v", code, created)
	}
	rcv.secret = secret
	hookID := created["id"].(string)
	code, list := call("GET", "/api/v1/tenants/contoso/webhooks", admin, "")
	if raw, _ := json.Marshal(list); code != 200 || strings.Contains(string(raw), secret) || !strings.Contains(string(raw), hookID) {
		t.Fatalf("list: %d %s (must list the webhook, never its secret)", code, raw)
	}
	if code, list := call("GET", "/api/v1/tenants/contoso/webhooks", other, ""); code != http.StatusNotFound {
		t.Fatalf("other tenant lists: %d %v", code, list)
	}

	// Events: two new messages analysed (a re-analysis that changes no
	// verdict announces nothing), and one release.
	msgs, _ := demo.Messages()
	added := 0
	for _, m := range msgs {
		if m.ExpectedVerdict != "spam" || added == 2 {
			continue
		}
		if _, err := lc.sim.AddMessage("contoso", m.Raw, m365sim.MessageMeta{Type: m365sim.QuarantineType(m.QuarantineType),
			Recipients: m.Recipients, Received: time.Now()}); err != nil {
			t.Fatal(err)
		}
		added++
	}
	if err := lc.pipe.SyncNow(ctx, lc.ten.ID); err != nil {
		t.Fatal(err)
	}
	items, _ := lc.st.Items(ctx, store.ItemFilter{TenantID: lc.ten.ID, Verdicts: []string{"benign"}, Limit: 1})
	id := items[0].Identity
	if code, res := call("POST", "/api/v1/tenants/contoso/quarantine/release", analyst, `{"identities":["`+strings.ReplaceAll(id, `\`, `\\`)+`"]}`); code != 200 {
		t.Fatalf("release: %d %v", code, res)
	}
	if code, _ := call("POST", "/api/v1/tenants/contoso/webhooks/"+hookID+"/test", admin, ""); code != http.StatusAccepted {
		t.Fatalf("test: %d", code)
	}

	d, err := webhook.NewDispatcher(webhook.Options{Store: lc.st, KEK: lc.svc.KEK, AllowInsecure: true, Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	dctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(dctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for rcv.count("report.ready") < 2 || rcv.count("action.taken") < 1 || rcv.count("ping") < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("received %d report.ready, %d action.taken, %d ping", rcv.count("report.ready"), rcv.count("action.taken"), rcv.count("ping"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	<-done
	if rcv.forged != 0 || rcv.count("report.ready") != 2 || rcv.count("action.taken") != 1 {
		t.Fatalf("%d bad signatures; %d report.ready, %d action.taken", rcv.forged, rcv.count("report.ready"), rcv.count("action.taken"))
	}
	for _, ev := range rcv.events {
		data, _ := ev["data"].(map[string]any)
		tenant, _ := ev["tenant"].(map[string]any)
		if tenant["slug"] != "contoso" {
			t.Errorf("event of tenant %v", tenant)
		}
		switch ev["type"] {
		case "report.ready":
			if items, _ := data["items"].([]any); data["verdict"] == "" || data["summary"] == "" || len(items) == 0 {
				t.Errorf("report.ready data: %v", data)
			}
		case "action.taken":
			if ids, _ := data["identities"].([]any); data["action"] != "quarantine.release" || data["outcome"] != "ok" || len(ids) != 1 || ids[0] != id {
				t.Errorf("action.taken data: %v", data)
			}
		}
	}
	code, ds := call("GET", "/api/v1/tenants/contoso/webhooks/deliveries?limit=100", admin, "")
	if dl, _ := ds["deliveries"].([]any); code != 200 || len(dl) != 4 { // 2 report.ready, 1 action.taken, 1 ping
		t.Fatalf("deliveries: %d, %d of them", code, len(dl))
	}
	// The webhook's creation is in the audit trail; deleting it stops it.
	if code, _ := call("DELETE", "/api/v1/tenants/contoso/webhooks/"+hookID, other, ""); code != http.StatusNotFound {
		t.Fatalf("other tenant deletes: %d", code)
	}
	if code, _ := call("DELETE", "/api/v1/tenants/contoso/webhooks/"+hookID, admin, ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	evs, _ := lc.st.AuditEvents(ctx, lc.ten.ID, 0)
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); got != "webhook.delete quarantine.release webhook.create" {
		t.Fatalf("audit: %s", got)
	}
}

// The console: only a tenant admin sees the page; the secret is shown once,
// after creation; plain http is refused unless the server allows it.
func TestConsoleWebhooks(t *testing.T) {
	t.Parallel()
	c := newConsole(t, storetest.SQLiteURL(t))
	viewer := newBrowser(t, c.url)
	viewer.login("victor", testPassword)
	if resp, _ := viewer.get("/t/alpha/settings/integrations/webhooks"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer: %d", resp.StatusCode)
	}
	b := newBrowser(t, c.url)
	b.login("alice", testPassword)
	if resp, _ := b.get("/t/bravo/settings/integrations/webhooks"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another tenant's page: %d", resp.StatusCode)
	}
	_, body := b.get("/t/alpha/settings/integrations?q=siem")
	if !strings.Contains(body, "/t/alpha/settings/integrations/webhooks") {
		t.Fatal("searching integrations for siem does not find webhooks")
	}
	resp, body := b.post("/t/alpha/settings/integrations/webhooks", url.Values{"url": {"http://siem.example.com/hook"}, "event": {"report.ready"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must use https") {
		t.Fatalf("http URL: %d", resp.StatusCode)
	}
	resp, body = b.post("/t/alpha/settings/integrations/webhooks", url.Values{"url": {"https://siem.example.com/hook"}, "description": {"Splunk"}, "event": {"action.taken"}})
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9_-]+`).FindString(body)
	if resp.StatusCode != 200 || secret == "" || !strings.Contains(body, "not shown again") {
		t.Fatalf("create: %d, secret %q", resp.StatusCode, secret)
	}
	_, body = b.get("/t/alpha/settings/integrations/webhooks")
	if strings.Contains(body, secret) || !strings.Contains(body, "https://siem.example.com/hook") || !strings.Contains(body, "Splunk") {
		t.Fatal("the page after creation must list the webhook without its secret")
	}
	hooks, _ := c.st.Webhooks(context.Background(), mustTenant(t, c, "alpha").ID)
	if len(hooks) != 1 || len(hooks[0].Events) != 1 || hooks[0].Events[0] != "action.taken" {
		t.Fatalf("stored: %+v", hooks)
	}
	if resp, _ := b.post("/t/alpha/settings/integrations/webhooks/"+hooks[0].ID+"/test", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("test: %d", resp.StatusCode)
	}
	_, body = b.get("/t/alpha/settings/integrations/webhooks?flash=webhook-pinged")
	if !strings.Contains(body, "<code>ping</code>") || !strings.Contains(body, "pending") {
		t.Fatal("the test delivery is not listed as pending")
	}
	if resp, _ := b.post("/t/alpha/settings/integrations/webhooks/"+hooks[0].ID+"/delete", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if hooks, _ := c.st.Webhooks(context.Background(), mustTenant(t, c, "alpha").ID); len(hooks) != 0 {
		t.Fatal("not deleted")
	}
}

func mustTenant(t *testing.T, c *console, slug string) store.Tenant {
	t.Helper()
	ten, err := c.st.Tenant(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return ten
}
