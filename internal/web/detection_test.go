package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/access"
	"github.com/qtriage/qtriage/internal/demo"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
)

// detectionJSON is the API's view of a tenant's detection settings.
type detectionJSON struct {
	AcceptedDomains []string   `json:"accepted_domains"`
	VIPs            []string   `json:"vips"`
	Partners        []string   `json:"partners"`
	Allow           []string   `json:"allow"`
	Deny            []string   `json:"deny"`
	UpdatedBy       string     `json:"updated_by"`
	UpdatedAt       *time.Time `json:"updated_at"`
}

func decodeDetection(t *testing.T, m map[string]any) detectionJSON {
	t.Helper()
	b, _ := json.Marshal(m)
	var d detectionJSON
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("detection settings %s: %v", b, err)
	}
	return d
}

func (d detectionJSON) lists() [][]string {
	return [][]string{d.AcceptedDomains, d.VIPs, d.Partners, d.Allow, d.Deny}
}

func TestAPIDetectionSettings(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		c := newConsole(t, dbURL)
		ctx := context.Background()
		alpha, _ := c.st.Tenant(ctx, "alpha")
		bravo, _ := c.st.Tenant(ctx, "bravo")
		token := func(name, tenantID string, role store.Role) string {
			t.Helper()
			secret, _, err := access.Create(ctx, c.st, name, tenantID, role, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return secret
		}
		admin, analyst, viewer := token("alpha admin", alpha.ID, store.RoleAdmin), token("alpha analyst", alpha.ID, store.RoleAnalyst), token("alpha viewer", alpha.ID, store.RoleViewer)
		bravoAdmin := token("bravo admin", bravo.ID, store.RoleAdmin)
		api := c.url + "/api/v1/tenants/alpha/detection-settings"

		// Never set: empty lists, never null.
		status, got := apiCall(t, "GET", api, viewer, "")
		if status != 200 {
			t.Fatalf("GET: %d %v", status, got)
		}
		for _, k := range []string{"accepted_domains", "vips", "partners", "allow", "deny"} {
			if l, ok := got[k].([]any); !ok || len(l) != 0 {
				t.Errorf("%s = %#v, want []", k, got[k])
			}
		}
		if got["updated_by"] != "" || got["updated_at"] != nil {
			t.Errorf("never saved, yet updated_by %v, updated_at %v", got["updated_by"], got["updated_at"])
		}

		// A PUT returns the settings normalized, as a GET then does.
		status, got = apiCall(t, "PUT", api, admin, `{"accepted_domains": [" Contoso.COM ", "contoso.com", ""],
			"vips": ["  Jane   Doe ", "jane doe"], "partners": ["Fabrikam.com"],
			"allow": ["Invoices@Fabrikam.com", "@northwind.example"], "deny": ["phish.example"]}`)
		if status != 200 {
			t.Fatalf("PUT: %d %v", status, got)
		}
		put := decodeDetection(t, got)
		want := [][]string{{"contoso.com"}, {"Jane Doe"}, {"fabrikam.com"}, {"invoices@fabrikam.com", "northwind.example"}, {"phish.example"}}
		if !slices.EqualFunc(put.lists(), want, slices.Equal) {
			t.Fatalf("PUT answered %+v, want the lists %q", put, want)
		}
		if !strings.HasPrefix(put.UpdatedBy, "token:") || !strings.Contains(put.UpdatedBy, "alpha admin") || put.UpdatedAt == nil {
			t.Fatalf("PUT answered updated_by %q, updated_at %v", put.UpdatedBy, put.UpdatedAt)
		}
		_, got = apiCall(t, "GET", api, viewer, "")
		if g := decodeDetection(t, got); !slices.EqualFunc(g.lists(), want, slices.Equal) || g.UpdatedBy != put.UpdatedBy || !g.UpdatedAt.Equal(*put.UpdatedAt) {
			t.Fatalf("GET after PUT: %+v, PUT answered %+v", g, put)
		}
		stored, err := c.st.DetectionSettings(ctx, alpha.ID)
		if err != nil || !slices.Equal(stored.Partners, []string{"fabrikam.com"}) {
			t.Fatalf("store holds %+v, %v", stored, err)
		}
		if other, _ := c.st.DetectionSettings(ctx, bravo.ID); len(other.Partners) != 0 {
			t.Fatalf("bravo got alpha's settings: %+v", other)
		}

		// Refused requests change nothing.
		cases := []struct {
			name, token, path, body string
			status                  int
			code                    string
			says                    []string // in the error message
		}{
			{"error/bad domain", admin, api, `{"partners": ["fabrikam.com", "not a domain"]}`, 400, "invalid", []string{"partners", `"not a domain"`}},
			{"error/bad address", admin, api, `{"deny": ["x@@example.com"]}`, 400, "invalid", []string{"deny", "x@@example.com"}},
			{"error/too many", admin, api, `{"vips": [` + manyNames(501) + `]}`, 400, "invalid", []string{"vips", "500"}},
			{"error/unknown field", admin, api, `{"partner": ["fabrikam.com"]}`, 400, "invalid", nil},
			{"error/not JSON", admin, api, `partners=fabrikam.com`, 400, "invalid", nil},
			{"error/null would clear every list", admin, api, `null`, 400, "invalid", nil},
			{"error/trailing data", admin, api, `{"vips": ["A B"]} {"deny": [`, 400, "invalid", nil},
			{"error/not UTF-8", admin, api, "{\"vips\": [\"Jos\xe9 Doe\"]}", 400, "invalid", nil},
			{"error/viewer", viewer, api, `{"partners": []}`, 403, "forbidden", nil},
			{"error/analyst", analyst, api, `{"partners": []}`, 403, "forbidden", nil},
			{"error/other tenant's admin", bravoAdmin, api, `{"partners": []}`, 404, "not_found", nil},
			{"error/unknown tenant", bravoAdmin, c.url + "/api/v1/tenants/nosuch/detection-settings", `{"partners": []}`, 404, "not_found", nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, got := apiCall(t, "PUT", tc.path, tc.token, tc.body)
				if status != tc.status || got["code"] != tc.code {
					t.Fatalf("%d %v, want %d %s", status, got, tc.status, tc.code)
				}
				msg, _ := got["message"].(string)
				for _, s := range tc.says {
					if !strings.Contains(msg, s) {
						t.Errorf("message %q does not say %s", msg, s)
					}
				}
			})
		}
		if after, _ := c.st.DetectionSettings(ctx, alpha.ID); !slices.EqualFunc([][]string{after.AcceptedDomains, after.VIPs, after.Partners, after.Allow, after.Deny}, want, slices.Equal) {
			t.Fatalf("a refused PUT changed the settings: %+v", after)
		}

		// A server without the pipeline offers no re-analysis.
		if status, got := apiCall(t, "POST", c.url+"/api/v1/tenants/alpha/reanalyze", admin, ""); status != http.StatusServiceUnavailable {
			t.Errorf("re-analysis without a pipeline: %d %v, want 503", status, got)
		}

		// Another tenant's user learns nothing: the same answer as for a
		// tenant that does not exist.
		s1, other := apiCall(t, "GET", api, bravoAdmin, "")
		s2, none := apiCall(t, "GET", c.url+"/api/v1/tenants/nosuch/detection-settings", bravoAdmin, "")
		if s1 != 404 || s2 != 404 || other["code"] != "not_found" || other["message"] != none["message"] {
			t.Fatalf("other tenant: %d %v; unknown tenant: %d %v", s1, other, s2, none)
		}

		// One audit event, for the one change made, entry by entry.
		evs, err := c.st.AuditEvents(ctx, alpha.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		var found []store.AuditEvent
		for _, e := range evs {
			if e.Action == "detection_settings.update" {
				found = append(found, e)
			}
		}
		if len(found) != 1 || found[0].Actor != put.UpdatedBy || found[0].Outcome != store.AuditOK ||
			found[0].Detail != "accepted_domains: +contoso.com; vips: +Jane Doe; partners: +fabrikam.com; allow: +invoices@fabrikam.com, +northwind.example; deny: +phish.example" {
			t.Fatalf("audit events: %+v", found)
		}
		if evs, _ := c.st.AuditEvents(ctx, bravo.ID, 100); len(evs) != 0 {
			t.Fatalf("bravo's audit trail got %+v", evs)
		}
	})
}

// manyNames is n distinct VIP names as JSON strings, comma-separated.
func manyNames(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf(`"Person %d"`, i)
	}
	return strings.Join(names, ",")
}

func TestConsoleDetectionSettings(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		c := newConsole(t, dbURL)
		ctx := context.Background()
		alpha, _ := c.st.Tenant(ctx, "alpha")
		b := newBrowser(t, c.url)
		b.login("alice", testPassword)

		if _, body := b.get("/t/alpha/"); !strings.Contains(body, `href="/t/alpha/settings/detection"`) {
			t.Fatal("the tenant's page does not link to its detection settings")
		}
		resp, body := b.get("/t/alpha/settings/detection")
		if resp.StatusCode != 200 || !strings.Contains(body, "Never saved.") || !strings.Contains(body, "apply to messages analysed after saving") ||
			strings.Count(body, "<textarea") != 5 || !strings.Contains(body, `action="/t/alpha/settings/detection"`) {
			t.Fatalf("settings page: %d\n%s", resp.StatusCode, body)
		}

		// Saved, then shown as stored.
		resp, _ = b.post("/t/alpha/settings/detection", url.Values{
			"accepted_domains": {"Contoso.com\r\n\r\ncontoso.co.uk"}, "vips": {"  Jane   Doe\r\n"}, "partners": {"Fabrikam.COM"},
			"allow": {""}, "deny": {"@Phish.example"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/t/alpha/settings/detection?flash=detection-saved" {
			t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = b.get(resp.Header.Get("Location"))
		for _, want := range []string{"Detection settings saved.", ">contoso.com\ncontoso.co.uk</textarea>", ">Jane Doe</textarea>", ">fabrikam.com</textarea>", ">phish.example</textarea>", "by user:alice"} {
			if !strings.Contains(body, want) {
				t.Errorf("after saving, the page lacks %q", want)
			}
		}
		saved, _ := c.st.DetectionSettings(ctx, alpha.ID)
		if !slices.Equal(saved.AcceptedDomains, []string{"contoso.com", "contoso.co.uk"}) || saved.UpdatedBy != "user:alice" {
			t.Fatalf("stored: %+v", saved)
		}

		// A bad entry: the error names it, the typed text stays, nothing is stored.
		resp, body = b.post("/t/alpha/settings/detection", url.Values{
			"vips": {"Typed Name\r\nOther Person"}, "partners": {"fabrikam.com\r\nnot a domain"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad entry: %d", resp.StatusCode)
		}
		for _, want := range []string{`role="alert"`, "Partner and supplier domains: “not a domain”: not a valid domain name",
			">Typed Name\r\nOther Person</textarea>", ">fabrikam.com\r\nnot a domain</textarea>", `aria-invalid="true"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		if strings.Count(body, `aria-invalid="true"`) != 1 {
			t.Error("more than the partners list is marked invalid")
		}
		if now, _ := c.st.DetectionSettings(ctx, alpha.ID); !slices.Equal(now.VIPs, []string{"Jane Doe"}) || !slices.Equal(now.Partners, []string{"fabrikam.com"}) {
			t.Fatalf("a refused form changed the settings: %+v", now)
		}

		// A cross-site POST is refused.
		resp, _ = b.do("POST", "/t/alpha/settings/detection", url.Values{"partners": {"evil.example"}}, map[string]string{"Sec-Fetch-Site": "cross-site"})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-site POST: %d", resp.StatusCode)
		}

		// A viewer reads the settings, is offered no form and cannot save.
		v := newBrowser(t, c.url)
		v.login("victor", testPassword)
		resp, body = v.get("/t/alpha/settings/detection")
		if resp.StatusCode != 200 || strings.Contains(body, "<textarea") || !strings.Contains(body, "fabrikam.com") {
			t.Fatalf("viewer page: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := v.post("/t/alpha/settings/detection", url.Values{"partners": {"evil.example"}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("viewer save: %d", resp.StatusCode)
		}

		// Another tenant's settings do not exist for alice.
		for _, path := range []string{"/t/bravo/settings/detection", "/t/nosuch/settings/detection"} {
			if resp, body := b.get(path); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Bravo") {
				t.Errorf("GET %s: %d", path, resp.StatusCode)
			}
			if resp, _ := b.post(path, url.Values{"partners": {"evil.example"}}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: %d", path, resp.StatusCode)
			}
		}
		if now, _ := c.st.DetectionSettings(ctx, alpha.ID); !slices.Equal(now.Partners, []string{"fabrikam.com"}) {
			t.Fatalf("a refused request changed the settings: %+v", now)
		}

		// The save is in the audit trail, once.
		_, body = b.get("/t/alpha/audit?action=detection_settings.update")
		if strings.Count(body, "<td>detection_settings.update</td>") != 1 || !strings.Contains(html.UnescapeString(body), "accepted_domains: +contoso.com, +contoso.co.uk; vips: +Jane Doe; partners: +fabrikam.com; deny: +phish.example") {
			t.Fatalf("audit page:\n%s", body)
		}
	})
}

// TestReanalyzeWithNewSettings goes the way an admin does when a supplier
// look-alike was released as benign: name the partner on the settings page,
// ask for every message to be analysed again, and see the look-alike turn
// malicious; the API offers the same to admins only.
func TestReanalyzeWithNewSettings(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		lc := newLiveConsole(t, dbURL)
		ctx := context.Background()
		msgs, _ := demo.Messages()
		var lookalike demo.Message
		for _, m := range msgs {
			if strings.Contains(m.File, "vendor-bank-change-lookalike") {
				lookalike = m
			}
		}
		if _, err := lc.sim.AddMessage("contoso", lookalike.Raw, m365sim.MessageMeta{Type: m365sim.QuarantineType(lookalike.QuarantineType),
			Recipients: lookalike.Recipients, Received: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := lc.pipe.SyncNow(ctx, lc.ten.ID); err != nil {
			t.Fatal(err)
		}
		verdict := func() string {
			// One quarantine item per recipient, one message and report.
			items, err := lc.st.Items(ctx, store.ItemFilter{TenantID: lc.ten.ID, Sender: "fabrikarn", Limit: 5})
			if err != nil || len(items) == 0 {
				return fmt.Sprintf("%d items, %v", len(items), err)
			}
			for _, it := range items[1:] {
				if it.Verdict != items[0].Verdict {
					return "mixed"
				}
			}
			return items[0].Verdict
		}
		waitFor := func(want string) {
			t.Helper()
			deadline := time.Now().Add(30 * time.Second)
			for verdict() != want {
				if time.Now().After(deadline) {
					t.Fatalf("verdict %q, want %q", verdict(), want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		waitFor("benign") // nothing tells qtriage that Fabrikam is a partner

		b := newBrowser(t, lc.url)
		b.login("adm", testPassword)
		if _, body := b.get("/t/contoso/settings/detection"); !strings.Contains(body, `name="reanalyze"`) {
			t.Fatal("no re-analysis choice on the settings page")
		}
		resp, _ := b.post("/t/contoso/settings/detection", url.Values{"partners": {"fabrikam.example"}, "reanalyze": {"1"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "flash=detection-saved-reanalyzing") {
			t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		waitFor("malicious")
		all, err := lc.st.AuditEvents(ctx, lc.ten.ID, 0)
		var evs []store.AuditEvent
		for _, e := range all {
			if e.Action == "analysis.reanalyze" {
				evs = append(evs, e)
			}
		}
		if err != nil || len(evs) != 1 || evs[0].Actor != "user:adm" || !strings.Contains(evs[0].Detail, "re-analysis of 13 messages requested") {
			t.Errorf("audit: %+v, %v", evs, err)
		}

		token := func(role store.Role) string {
			secret, _, err := access.Create(ctx, lc.st, string(role), lc.ten.ID, role, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return secret
		}
		api := lc.url + "/api/v1/tenants/contoso/reanalyze"
		for _, role := range []store.Role{store.RoleViewer, store.RoleAnalyst} {
			if status, _ := apiCall(t, "POST", api, token(role), ""); status != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", role, status)
			}
		}
		fab, _ := lc.st.Tenant(ctx, "fabrikam")
		fabAdmin, _, err := access.Create(ctx, lc.st, "fabrikam admin", fab.ID, store.RoleAdmin, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := apiCall(t, "POST", api, fabAdmin, ""); status != http.StatusNotFound {
			t.Errorf("another tenant's admin: %d, want 404", status)
		}
		// While the console's re-analysis is still queuing its messages a
		// second one is refused (409); then it is accepted.
		admin := token(store.RoleAdmin)
		deadline := time.Now().Add(30 * time.Second)
		for {
			status, got := apiCall(t, "POST", api, admin, "")
			if status == http.StatusConflict && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			if status != http.StatusAccepted || got["queued"] != float64(13) {
				t.Fatalf("admin: %d %v, want 202 covering 13 messages", status, got)
			}
			break
		}
		if status, got := apiCall(t, "POST", api, admin, ""); status != http.StatusConflict || got["code"] != "conflict" {
			t.Errorf("at once again: %d %v, want 409", status, got)
		}
	})
}

// TestAPIDetectionSettingsPrecondition: updated_at in a PUT keeps two
// clients editing the same settings from silently undoing each other's
// change.
func TestAPIDetectionSettingsPrecondition(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		c := newConsole(t, dbURL)
		ctx := context.Background()
		alpha, _ := c.st.Tenant(ctx, "alpha")
		token := func(name string) string {
			t.Helper()
			secret, _, err := access.Create(ctx, c.st, name, alpha.ID, store.RoleAdmin, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return secret
		}
		ana, ben := token("ana"), token("ben")
		api := c.url + "/api/v1/tenants/alpha/detection-settings"
		body := func(d detectionJSON) string {
			b, _ := json.Marshal(d)
			return string(b)
		}
		partners := func() []string {
			t.Helper()
			d, err := c.st.DetectionSettings(ctx, alpha.ID)
			if err != nil {
				t.Fatal(err)
			}
			return d.Partners
		}

		// Both read the never-saved settings (updated_at null); ana saves
		// first, ben's null then conflicts.
		_, got := apiCall(t, "GET", api, ana, "")
		read := decodeDetection(t, got)
		if read.UpdatedAt != nil {
			t.Fatalf("never saved, yet updated_at %v", read.UpdatedAt)
		}
		anas := read
		anas.Partners = []string{"fabrikam.com"}
		status, got := apiCall(t, "PUT", api, ana, body(anas))
		if status != 200 {
			t.Fatalf("first PUT with updated_at null: %d %v", status, got)
		}
		first := decodeDetection(t, got)
		bens := read
		bens.Deny = []string{"phish.example"}
		status, got = apiCall(t, "PUT", api, ben, body(bens))
		msg, _ := got["message"].(string)
		if status != http.StatusConflict || got["code"] != "conflict" || !strings.Contains(msg, "changed since") ||
			!strings.Contains(msg, first.UpdatedBy) || !strings.Contains(msg, first.UpdatedAt.UTC().Format("2006-01-02 15:04:05")) {
			t.Fatalf("PUT with updated_at null after a save: %d %v, want 409 conflict naming %s", status, got, first.UpdatedBy)
		}
		if p := partners(); !slices.Equal(p, []string{"fabrikam.com"}) {
			t.Fatalf("a refused PUT changed the settings: partners %q", p)
		}

		// The GET's updated_at, sent back, succeeds.
		_, got = apiCall(t, "GET", api, ben, "")
		read = decodeDetection(t, got)
		if read.UpdatedAt == nil || !read.UpdatedAt.Equal(*first.UpdatedAt) {
			t.Fatalf("GET: updated_at %v, the PUT answered %v", read.UpdatedAt, first.UpdatedAt)
		}
		bens = read
		bens.Deny = []string{"phish.example"}
		status, got = apiCall(t, "PUT", api, ben, body(bens))
		if status != 200 {
			t.Fatalf("PUT with the GET's updated_at: %d %v", status, got)
		}
		second := decodeDetection(t, got)
		if !second.UpdatedAt.After(*first.UpdatedAt) || !slices.Equal(second.Partners, []string{"fabrikam.com"}) || !slices.Equal(second.Deny, []string{"phish.example"}) {
			t.Fatalf("PUT answered %+v after %v", second, first.UpdatedAt)
		}

		// The same body again is stale now: 409, and nothing changes.
		stale := bens
		stale.Partners = nil
		status, got = apiCall(t, "PUT", api, ben, body(stale))
		msg, _ = got["message"].(string)
		if status != http.StatusConflict || got["code"] != "conflict" || !strings.Contains(msg, second.UpdatedBy) {
			t.Fatalf("stale PUT: %d %v, want 409 conflict", status, got)
		}
		if p := partners(); !slices.Equal(p, []string{"fabrikam.com"}) {
			t.Fatalf("a stale PUT changed the settings: partners %q", p)
		}
		// A time that is not a time is no precondition.
		if status, got := apiCall(t, "PUT", api, ben, `{"partners": [], "updated_at": "yesterday"}`); status != 400 || got["code"] != "invalid" {
			t.Fatalf("PUT with a bad updated_at: %d %v, want 400", status, got)
		}

		// Without updated_at, the PUT saves whatever the settings are.
		status, got = apiCall(t, "PUT", api, ana, `{"partners": ["northwind.example"]}`)
		if status != 200 {
			t.Fatalf("PUT without updated_at: %d %v", status, got)
		}
		if p := partners(); !slices.Equal(p, []string{"northwind.example"}) {
			t.Fatalf("PUT without updated_at: partners %q", p)
		}

		// Each save audited once; the refused ones not at all.
		evs, err := c.st.AuditEvents(ctx, alpha.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Action == "detection_settings.update" {
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d audit events of saves, want 3", n)
		}
	})
}

// hiddenUpdatedAt is the value of the settings form's hidden updated_at.
func hiddenUpdatedAt(t *testing.T, body string) string {
	t.Helper()
	const marker = `<input type="hidden" name="updated_at" value="`
	_, rest, ok := strings.Cut(body, marker)
	if !ok {
		t.Fatalf("no hidden updated_at in the form:\n%s", body)
	}
	v, _, _ := strings.Cut(rest, `"`)
	return html.UnescapeString(v)
}

// TestConsoleDetectionSettingsConflict: two admins open the settings page
// at once; the second to save is told of the first's change, keeps the
// text typed, and overwrites deliberately by saving again.
func TestConsoleDetectionSettingsConflict(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		c := newConsole(t, dbURL)
		ctx := context.Background()
		alpha, _ := c.st.Tenant(ctx, "alpha")
		a := newBrowser(t, c.url)
		a.login("alice", testPassword)
		r := newBrowser(t, c.url)
		r.login("root", testPassword)

		// Both open the never-saved page: the hidden updated_at is "".
		_, ab := a.get("/t/alpha/settings/detection")
		resp, rb := r.get("/t/alpha/settings/detection")
		if resp.StatusCode != 200 || hiddenUpdatedAt(t, ab) != "" || hiddenUpdatedAt(t, rb) != "" {
			t.Fatalf("pages: %d, updated_at %q and %q, want \"\"", resp.StatusCode, hiddenUpdatedAt(t, ab), hiddenUpdatedAt(t, rb))
		}

		// Alice saves first.
		resp, _ = a.post("/t/alpha/settings/detection", url.Values{"partners": {"fabrikam.com"}, "updated_at": {hiddenUpdatedAt(t, ab)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("alice's save: %d", resp.StatusCode)
		}
		saved, _ := c.st.DetectionSettings(ctx, alpha.ID)
		if _, ab = a.get("/t/alpha/settings/detection"); hiddenUpdatedAt(t, ab) != saved.UpdatedAt.Format(time.RFC3339Nano) {
			t.Fatalf("after saving, updated_at %q, stored %v", hiddenUpdatedAt(t, ab), saved.UpdatedAt)
		}

		// Root's form was made before: 409, the text kept, alice's change
		// named, the hidden field now the current version.
		typed := "Typed Name\r\nOther Person"
		resp, rb = r.post("/t/alpha/settings/detection", url.Values{"vips": {typed}, "deny": {"phish.example"}, "updated_at": {hiddenUpdatedAt(t, rb)}})
		if resp.StatusCode != http.StatusConflict {
			t.Fatalf("root's stale save: %d", resp.StatusCode)
		}
		for _, want := range []string{`role="alert"`, "changed since you opened this page, by user:alice at " + saved.UpdatedAt.UTC().Format("2006-01-02 15:04:05 UTC"),
			">" + typed + "</textarea>", ">phish.example</textarea>"} {
			if !strings.Contains(rb, want) {
				t.Errorf("the conflicting form lacks %q", want)
			}
		}
		if v := hiddenUpdatedAt(t, rb); v != saved.UpdatedAt.Format(time.RFC3339Nano) {
			t.Errorf("the conflicting form carries updated_at %q, want the current %v", v, saved.UpdatedAt)
		}
		if now, _ := c.st.DetectionSettings(ctx, alpha.ID); !slices.Equal(now.Partners, []string{"fabrikam.com"}) || len(now.VIPs) != 0 || now.UpdatedBy != "user:alice" {
			t.Fatalf("a conflicting save changed the settings: %+v", now)
		}

		// Saving the form as shown again overwrites, deliberately.
		resp, _ = r.post("/t/alpha/settings/detection", url.Values{"vips": {typed}, "deny": {"phish.example"}, "updated_at": {hiddenUpdatedAt(t, rb)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("root's second save: %d", resp.StatusCode)
		}
		now, _ := c.st.DetectionSettings(ctx, alpha.ID)
		if !slices.Equal(now.VIPs, []string{"Typed Name", "Other Person"}) || len(now.Partners) != 0 || now.UpdatedBy != "user:root" {
			t.Fatalf("after the second save: %+v", now)
		}

		// Alice's page is stale now in turn; a form without updated_at
		// counts as made from never-saved settings, so it conflicts too.
		for _, form := range []url.Values{
			{"partners": {"fabrikam.com"}, "updated_at": {hiddenUpdatedAt(t, ab)}},
			{"partners": {"fabrikam.com"}},
		} {
			if resp, body := a.post("/t/alpha/settings/detection", form); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "by user:root at") {
				t.Errorf("stale form %v: %d", form, resp.StatusCode)
			}
		}
		if resp, _ := a.post("/t/alpha/settings/detection", url.Values{"partners": {"x.example"}, "updated_at": {"yesterday"}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a bad updated_at: %d, want 400", resp.StatusCode)
		}
		if after, _ := c.st.DetectionSettings(ctx, alpha.ID); !after.UpdatedAt.Equal(now.UpdatedAt) {
			t.Fatalf("a refused form changed the settings: %+v", after)
		}
	})
}
