package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/access"
	"github.com/qtriage/qtriage/internal/analysis"
	"github.com/qtriage/qtriage/internal/demo"
	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
	"github.com/qtriage/qtriage/internal/tenant"
	"github.com/qtriage/qtriage/internal/web"
)

// liveConsole is the whole path a user takes: the demo mail in m365sim,
// synced by the real pipeline (Exchange client, analysis engine), served
// by the console, with release and delete going back to the emulator.
type liveConsole struct {
	url  string
	st   store.Store
	sim  *m365sim.Sim
	ten  store.Tenant
	svc  *tenant.Service
	pipe *ingest.Service
}

func newLiveConsole(t *testing.T, dbURL string) *liveConsole {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dbURL)
	sim := entratest.NewSim(t, m365sim.Options{})
	kek, _ := keyring.GenerateKEK(nil)
	svc := &tenant.Service{Store: st, KEK: kek}
	_, cert, err := svc.Create(ctx, "contoso", "Contoso Ltd")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Create(ctx, "fabrikam", ""); err != nil {
		t.Fatal(err)
	}
	res, err := sim.Setup(m365sim.SetupOptions{TenantName: "contoso", Certificate: cert.DER})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Connect(ctx, "contoso", tenant.ConnectInput{AppID: res.AppID, DirectoryID: res.DirectoryID, Organization: res.Organization,
		Cloud: "custom", AuthorityURL: res.AuthorityURL, ExchangeURL: res.ExchangeURL, CAFile: entratest.CAFile(t, sim)}); err != nil {
		t.Fatal(err)
	}
	msgs, err := demo.Messages()
	if err != nil {
		t.Fatal(err)
	}
	// Six legitimate and six malicious demo messages.
	var pick []demo.Message
	nb, nm := 0, 0
	for _, m := range msgs {
		switch {
		case m.ExpectedVerdict == "benign" && nb < 6:
			nb++
			pick = append(pick, m)
		case m.ExpectedVerdict == "malicious" && nm < 6:
			nm++
			pick = append(pick, m)
		}
	}
	for i, m := range pick {
		if _, err := sim.AddMessage("contoso", m.Raw, m365sim.MessageMeta{Type: m365sim.QuarantineType(m.QuarantineType), Recipients: m.Recipients,
			Received: time.Now().Add(-time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	engine, err := analysis.NewEngine(analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	conn := &ingest.M365{Tenants: svc, HTTPClient: sim.HTTPClient(), Exchange: exchange.Config{RetryBase: 5 * time.Millisecond, MaxWait: 50 * time.Millisecond}}
	pipe, err := ingest.New(ctx, ingest.Options{Store: st, DB: dbURL, Connector: conn, Analyzer: ingest.Engine{Engine: engine}, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := pipe.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pipe.Stop(context.Background()) })
	ten, _ := st.Tenant(ctx, "contoso")
	if err := pipe.SyncNow(ctx, ten.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, _ := st.Counts(ctx, ten.ID)
		if c.Messages == 12 && c.Reports == 12 && c.Pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sync did not finish: %+v", c)
		}
		time.Sleep(20 * time.Millisecond)
	}
	hash, _ := web.HashPassword(testPassword)
	fab, _ := st.Tenant(ctx, "fabrikam")
	for name, roles := range map[string]map[string]store.Role{
		"ana": {ten.ID: store.RoleAnalyst}, "vic": {ten.ID: store.RoleViewer}, "fay": {fab.ID: store.RoleAdmin}, "adm": {ten.ID: store.RoleAdmin},
	} {
		if err := st.CreateUser(ctx, store.User{ID: uuid.NewString(), Username: name, PasswordHash: hash, CreatedAt: time.Now(), Roles: roles}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := web.New(web.Options{Store: st, Tenants: svc, Actions: conn, Tester: conn, Reanalyzer: pipe, WebhookAllowInsecure: true})
	if err != nil {
		t.Fatal(err)
	}
	return &liveConsole{url: httptestServer(t, h), st: st, sim: sim, ten: ten, svc: svc, pipe: pipe}
}

func TestConsoleQuarantine(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		lc := newLiveConsole(t, dbURL)
		ctx := context.Background()
		b := newBrowser(t, lc.url)
		b.login("ana", testPassword)

		resp, body := b.get("/t/contoso/")
		if resp.StatusCode != 200 || !strings.Contains(body, "<svg class=\"trend\"") || !strings.Contains(body, "Last 30 days by verdict") {
			t.Fatalf("dashboard: %d", resp.StatusCode)
		}
		_, body = b.get("/t/contoso/quarantine")
		truth, _ := lc.sim.Quarantine("contoso")
		if got := strings.Count(body, `name="id" value="`); got != min(len(truth), 50) {
			t.Fatalf("list shows %d rows, sim holds %d items", got, len(truth))
		}
		rows, _ := lc.st.Items(ctx, store.ItemFilter{TenantID: lc.ten.ID, Verdicts: []string{"malicious"}, Limit: 500})
		_, body = b.get("/t/contoso/quarantine?verdict=malicious")
		if got := strings.Count(body, `name="id" value="`); got != len(rows) || got == 0 {
			t.Fatalf("malicious filter: %d rows, store has %d", got, len(rows))
		}
		if resp, _ := b.get("/t/contoso/quarantine?verdict=nonsense"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad verdict: %d", resp.StatusCode)
		}

		// The message page shows the report and the safe preview, never the HTML.
		it := rows[0]
		resp, body = b.get("/t/contoso/quarantine/item?id=" + url.QueryEscape(it.Identity))
		if resp.StatusCode != 200 || !strings.Contains(body, "badge big v-malicious") || !strings.Contains(body, "Findings") || !strings.Contains(body, "Safe preview") {
			t.Fatalf("item page: %d", resp.StatusCode)
		}
		if strings.Contains(body, "<form action=\"http") || strings.Contains(body, "<script>") {
			t.Fatal("the message's own HTML reached the page")
		}

		// The HTML preview is the message made safe, under a CSP that runs
		// and fetches nothing, even when opened outside its sandboxed frame.
		resp, body = b.get("/t/contoso/quarantine/preview?id=" + url.QueryEscape(it.Identity))
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") {
			t.Fatalf("preview: %d, CSP %q", resp.StatusCode, csp)
		}
		for _, bad := range []string{"<script", "<img", "<form", " href=", " src=", " onload", " onclick"} {
			if strings.Contains(strings.ToLower(body), bad) {
				t.Fatalf("preview contains %q", bad)
			}
		}

		// A viewer cannot act; another tenant's user cannot see the item.
		v := newBrowser(t, lc.url)
		v.login("vic", testPassword)
		if resp, _ := v.post("/t/contoso/quarantine/actions", url.Values{"id": {it.Identity}, "action": {"delete"}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("viewer delete: %d", resp.StatusCode)
		}
		f := newBrowser(t, lc.url)
		f.login("fay", testPassword)
		if resp, _ := f.get("/t/contoso/quarantine/item?id=" + url.QueryEscape(it.Identity)); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("other tenant's user: %d", resp.StatusCode)
		}
		if resp, _ := f.post("/t/fabrikam/quarantine/actions", url.Values{"id": {it.Identity}, "action": {"delete"}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another tenant's identity through one's own tenant: %d", resp.StatusCode)
		}

		// An analyst's verdict, with a reason, beside the engine's.
		if resp, _ := b.post("/t/contoso/quarantine/override", url.Values{"id": {it.Identity}, "verdict": {"benign"}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("override without a note: %d", resp.StatusCode)
		}
		if resp, _ := v.post("/t/contoso/quarantine/override", url.Values{"id": {it.Identity}, "verdict": {"benign"}, "note": {"x"}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("viewer override: %d", resp.StatusCode)
		}
		if resp, _ := b.post("/t/contoso/quarantine/override", url.Values{"id": {it.Identity}, "verdict": {"suspicious"}, "note": {"looks like a real vendor, checking"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("override: %d", resp.StatusCode)
		}
		_, body = b.get("/t/contoso/quarantine/item?id=" + url.QueryEscape(it.Identity))
		if !strings.Contains(body, "Analyst's verdict") || !strings.Contains(body, "looks like a real vendor, checking") || !strings.Contains(body, "badge big v-malicious") {
			t.Fatal("the page does not show both verdicts")
		}

		// Release a benign message and delete a malicious one, at Microsoft.
		benign, _ := lc.st.Items(ctx, store.ItemFilter{TenantID: lc.ten.ID, Verdicts: []string{"benign"}, Limit: 1})
		if len(benign) == 0 {
			t.Fatal("no benign message in the demo set")
		}
		// First a confirmation that says what will happen, and does nothing.
		resp, body = b.post("/t/contoso/quarantine/actions", url.Values{"id": {benign[0].Identity}, "action": {"release"}, "report_false_positive": {"on"}})
		if resp.StatusCode != 200 || !strings.Contains(body, "all its recipients") || !strings.Contains(body, "false positive") || !strings.Contains(body, `name="confirm" value="yes"`) {
			t.Fatalf("confirmation page: %d", resp.StatusCode)
		}
		if evs, _ := lc.st.AuditEvents(ctx, lc.ten.ID, 10); len(evs) != 1 || evs[0].Action != "verdict.override" {
			t.Fatal("an action ran before it was confirmed")
		}
		resp, _ = b.post("/t/contoso/quarantine/actions", url.Values{"id": {benign[0].Identity}, "action": {"release"}, "report_false_positive": {"on"}, "confirm": {"yes"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("release: %d", resp.StatusCode)
		}
		if _, body := b.post("/t/contoso/quarantine/actions", url.Values{"id": {it.Identity}, "action": {"delete"}, "hard": {"on"}}); !strings.Contains(body, "hard-delete") || !strings.Contains(body, "beyond recovery") {
			t.Fatal("the hard delete confirmation does not say so")
		}
		if resp, _ := b.post("/t/contoso/quarantine/actions", url.Values{"id": {it.Identity}, "action": {"release"}, "to": {"not an address"}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("release to a malformed address: %d", resp.StatusCode)
		}
		resp, _ = b.post("/t/contoso/quarantine/actions", url.Values{"id": {it.Identity}, "action": {"delete"}, "hard": {"on"}, "confirm": {"yes"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		after, _ := lc.sim.Quarantine("contoso")
		released, deleted := false, true
		for _, q := range after {
			if q.Identity() == benign[0].Identity && strings.EqualFold(string(q.ReleaseStatus), "released") {
				released = true
			}
			if q.Identity() == it.Identity {
				deleted = false
			}
		}
		if !released || !deleted {
			t.Fatalf("at Microsoft: released %v, deleted %v", released, deleted)
		}
		evs, err := lc.st.AuditEvents(ctx, lc.ten.ID, 10)
		if err != nil || len(evs) != 3 || evs[2].Action != "verdict.override" || evs[0].Action != "quarantine.delete" || evs[0].Actor != "user:ana" || evs[0].Options["hard"] != "true" || evs[1].Options["report_false_positive"] != "true" {
			t.Fatalf("audit: %+v %v", evs, err)
		}
		_, body = b.get("/t/contoso/audit")
		if !strings.Contains(body, "quarantine.release") || !strings.Contains(body, "user:ana") {
			t.Fatal("audit page lacks the actions")
		}
		_, body = b.get("/t/contoso/audit?action=quarantine.delete&actor=ana")
		if !strings.Contains(body, "<td>quarantine.delete</td>") || strings.Contains(body, "<td>quarantine.release</td>") {
			t.Fatal("audit filter by action does not filter")
		}
		resp, csvBody := b.get("/t/contoso/audit?format=csv&outcome=ok")
		if resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(csvBody, "at,actor,action,outcome") || strings.Count(csvBody, "\n") != 4 {
			t.Fatalf("audit CSV: %q", csvBody)
		}
		if resp, _ := b.get("/t/contoso/audit?from=yesterday"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad date: %d", resp.StatusCode)
		}
		// Too many at once is refused before anything happens.
		many := url.Values{"action": {"delete"}}
		for i := range 101 {
			many.Add("id", fmt.Sprintf("x%d", i))
		}
		if resp, _ := b.post("/t/contoso/quarantine/actions", many); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("101 items: %d", resp.StatusCode)
		}
	})
}

func TestAPIQuarantine(t *testing.T) {
	t.Parallel()
	lc := newLiveConsole(t, storetest.SQLiteURL(t))
	ctx := context.Background()
	fab, _ := lc.st.Tenant(ctx, "fabrikam")
	viewer, _, _ := access.Create(ctx, lc.st, "dash", lc.ten.ID, store.RoleViewer, time.Now())
	analyst, _, _ := access.Create(ctx, lc.st, "soar", lc.ten.ID, store.RoleAnalyst, time.Now())
	other, _, _ := access.Create(ctx, lc.st, "fab", fab.ID, store.RoleAdmin, time.Now())
	call := func(method, path, token, body string) (int, map[string]any) {
		t.Helper()
		return apiCall(t, method, lc.url+path, token, body)
	}
	code, out := call("GET", "/api/v1/tenants/contoso/quarantine?verdict=malicious&limit=2", viewer, "")
	items, _ := out["items"].([]any)
	if code != 200 || len(items) != 2 || out["next"] == "" {
		t.Fatalf("list: %d %v", code, out)
	}
	code, page2 := call("GET", "/api/v1/tenants/contoso/quarantine?verdict=malicious&limit=2&after="+url.QueryEscape(out["next"].(string)), viewer, "")
	if code != 200 || len(page2["items"].([]any)) == 0 || page2["items"].([]any)[0].(map[string]any)["identity"] == items[1].(map[string]any)["identity"] {
		t.Fatalf("page 2: %d %v", code, page2)
	}
	id := items[0].(map[string]any)["identity"].(string)
	code, item := call("GET", "/api/v1/tenants/contoso/quarantine/item?id="+url.QueryEscape(id), viewer, "")
	report, _ := item["report"].(map[string]any)
	if code != 200 || item["verdict"] != "malicious" || report["summary"] == "" || report["findings"] == nil {
		t.Fatalf("item: %d %v", code, item)
	}
	if code, _ := call("GET", "/api/v1/tenants/contoso/quarantine/item?id="+url.QueryEscape(id), other, ""); code != 404 {
		t.Fatalf("other tenant's token: %d", code)
	}
	body := `{"identities":["` + strings.ReplaceAll(id, `\`, `\\`) + `"]}`
	if code, _ := call("POST", "/api/v1/tenants/contoso/quarantine/delete", viewer, body); code != 403 {
		t.Fatalf("viewer delete: %d", code)
	}
	if code, _ := call("POST", "/api/v1/tenants/contoso/quarantine/delete", analyst, `{"identities":[], "x":1}`); code != 400 {
		t.Fatalf("bad body: %d", code)
	}
	code, res := call("POST", "/api/v1/tenants/contoso/quarantine/delete", analyst, body)
	if code != 200 || res["ok"] != true {
		t.Fatalf("delete: %d %v", code, res)
	}
	for _, q := range must(lc.sim.Quarantine("contoso")) {
		if q.Identity() == id {
			t.Fatal("deleted through the API but still at Microsoft")
		}
	}
	_, audit := call("GET", "/api/v1/tenants/contoso/audit", viewer, "")
	evs, _ := audit["events"].([]any)
	if len(evs) != 1 || !strings.HasPrefix(evs[0].(map[string]any)["actor"].(string), "token:") {
		t.Fatalf("audit: %v", audit)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestConsoleConnectionTest runs the connection test from the console
// against the emulator: every step passes for the connected tenant, the
// first one fails for a tenant with no connection, and the result is kept.
func TestConsoleConnectionTest(t *testing.T) {
	t.Parallel()
	lc := newLiveConsole(t, storetest.SQLiteURL(t))
	b := newBrowser(t, lc.url)
	b.login("adm", testPassword)
	if resp, _ := b.post("/t/contoso/settings/integrations/m365/test", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("test connection: %d", resp.StatusCode)
	}
	_, body := b.get("/t/contoso/settings/integrations/m365")
	if !strings.Contains(body, "every step passed") || strings.Count(body, `class="st-ok"`) < 5 {
		t.Fatalf("connection test result not shown:\n%s", body[strings.Index(body, `id="test"`):])
	}
	ct, err := lc.st.LastConnectionTest(context.Background(), lc.ten.ID)
	if err != nil || !ct.OK {
		t.Fatalf("stored result: %+v %v", ct, err)
	}
	// An analyst may not run it; another tenant's admin gets 404.
	a := newBrowser(t, lc.url)
	a.login("ana", testPassword)
	if resp, _ := a.post("/t/contoso/settings/integrations/m365/test", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("analyst: %d", resp.StatusCode)
	}
	f := newBrowser(t, lc.url)
	f.login("fay", testPassword)
	if resp, _ := f.post("/t/fabrikam/settings/integrations/m365/test", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("fabrikam test: %d", resp.StatusCode)
	}
	_, body = f.get("/t/fabrikam/settings/integrations/m365")
	if !strings.Contains(body, "a step failed") || !strings.Contains(body, `class="st-failed"`) {
		t.Fatalf("unconnected tenant: failure not shown")
	}
}

// TestConsoleShortcuts: the tenant-less routes lead to the user's tenant.
func TestConsoleShortcuts(t *testing.T) {
	t.Parallel()
	lc := newLiveConsole(t, storetest.SQLiteURL(t))
	rows, _ := lc.st.Items(context.Background(), store.ItemFilter{TenantID: lc.ten.ID, Limit: 1})
	id := rows[0].Identity
	b := newBrowser(t, lc.url)
	b.login("ana", testPassword)
	for path, want := range map[string]string{
		"/quarantine?verdict=malicious":     "/t/contoso/quarantine?verdict=malicious",
		"/settings/integrations":            "/t/contoso/settings/integrations",
		"/audit":                            "/t/contoso/audit",
		"/quarantine/" + url.PathEscape(id): "/t/contoso/quarantine/item?id=" + url.QueryEscape(id),
		"/":                                 "/t/contoso/",
	} {
		resp, _ := b.get(path)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("%s: %d → %q, want %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	f := newBrowser(t, lc.url)
	f.login("fay", testPassword)
	if resp, _ := f.get("/quarantine/" + url.PathEscape(id)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another tenant's message: %d", resp.StatusCode)
	}
	anon := newBrowser(t, lc.url)
	if resp, _ := anon.get("/quarantine"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("anonymous: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
