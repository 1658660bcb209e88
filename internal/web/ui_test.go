package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
	"github.com/qtriage/qtriage/internal/tenant"
	"github.com/qtriage/qtriage/internal/web"
)

const testPassword = "correct horse battery"

// console is a running server with tenants alpha and bravo and users:
// root (global admin), alice (admin of alpha), victor (viewer of alpha).
type console struct {
	url string
	st  store.Store
	svc *tenant.Service
}

func newConsole(t *testing.T, dbURL string) *console {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dbURL)
	kek, _ := keyring.GenerateKEK(nil)
	svc := &tenant.Service{Store: st, KEK: kek, Issuer: keyring.Issuer{PublicHost: "qtriage.example.test"}}
	alpha, _, err := svc.Create(ctx, "alpha", "Alpha Corp")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Create(ctx, "bravo", "Bravo Inc"); err != nil {
		t.Fatal(err)
	}
	hash, err := web.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.User{
		{Username: "root", GlobalAdmin: true},
		{Username: "alice", Roles: map[string]store.Role{alpha.ID: store.RoleAdmin}},
		{Username: "victor", Roles: map[string]store.Role{alpha.ID: store.RoleViewer}},
	} {
		u.ID, u.PasswordHash, u.CreatedAt = uuid.NewString(), hash, time.Now()
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// The connection test goes to whatever the tenant is connected to (the
	// emulator, in the tests that connect one), trusting the connection's CA.
	h, err := web.New(web.Options{Store: st, Tenants: svc, Tester: &ingest.M365{Tenants: svc}, PublicHost: "qtriage.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptestServer(t, h)
	return &console{url: srv, st: st, svc: svc}
}

func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	s := newLocalServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

// browser is a client with a cookie jar that does not follow redirects, so
// tests see each response.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, hdr map[string]string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

func (b *browser) get(path string) (*http.Response, string) { return b.do("GET", path, nil, nil) }
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	return b.do("POST", path, form, map[string]string{"Sec-Fetch-Site": "same-origin"})
}

func (b *browser) login(user, pw string) *http.Response {
	b.t.Helper()
	resp, _ := b.post("/login", url.Values{"username": {user}, "password": {pw}, "next": {"/"}})
	return resp
}

func TestConsoleLogin(t *testing.T) {
	t.Parallel()
	c := newConsole(t, storetest.SQLiteURL(t))
	b := newBrowser(t, c.url)

	resp, _ := b.get("/t/alpha/")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
		t.Fatalf("anonymous page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := b.login("alice", "wrong password!"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp = b.login("alice", testPassword)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "qtriage_session" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: %+v", cookie)
	}
	// A user of one tenant lands on it.
	if resp, _ := b.get("/"); resp.Header.Get("Location") != "/t/alpha/" {
		t.Fatalf("home: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := b.get("/t/alpha/"); resp.StatusCode != 200 || !strings.Contains(body, "Alpha Corp") {
		t.Fatalf("overview: %d", resp.StatusCode)
	}
	// Logout ends the session server-side too: the old cookie is useless.
	b.post("/logout", url.Values{})
	replay := newBrowser(t, c.url)
	u, _ := url.Parse(c.url)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "qtriage_session", Value: cookie.Value}})
	if resp, _ := replay.get("/t/alpha/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("session survived logout: %d", resp.StatusCode)
	}
	// Open redirects are refused.
	b2 := newBrowser(t, c.url)
	resp, _ = b2.post("/login", url.Values{"username": {"alice"}, "password": {testPassword}, "next": {"//evil.example/"}})
	if resp.Header.Get("Location") != "/" {
		t.Fatalf("next=//evil.example/ redirected to %q", resp.Header.Get("Location"))
	}
}

func TestConsoleLoginThrottle(t *testing.T) {
	t.Parallel()
	c := newConsole(t, storetest.SQLiteURL(t))
	b := newBrowser(t, c.url)
	for i := 0; i < 5; i++ {
		if resp := b.login("victor", "not the password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	// Even the right password is refused now.
	if resp := b.login("victor", testPassword); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures: %d", resp.StatusCode)
	}
	// Unknown users are throttled the same way (no user enumeration).
	if resp := b.login("nobody", testPassword); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("same address, other user: %d", resp.StatusCode)
	}
}

func TestConsoleTenantIsolation(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		c := newConsole(t, dbURL)
		b := newBrowser(t, c.url)
		b.login("alice", testPassword)
		for _, path := range []string{"/t/bravo/", "/t/bravo/settings/integrations", "/t/bravo/settings/integrations/m365", "/t/bravo/certificate.crt", "/t/nosuch/"} {
			if resp, body := b.get(path); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Bravo") {
				t.Errorf("%s: %d", path, resp.StatusCode)
			}
		}
		if resp, _ := b.post("/t/bravo/settings/integrations/m365/certificates/rotate", url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("rotate in another tenant: %d", resp.StatusCode)
		}
		root := newBrowser(t, c.url)
		root.login("root", testPassword)
		if resp, body := root.get("/"); resp.StatusCode != 200 || !strings.Contains(body, "Alpha Corp") || !strings.Contains(body, "Bravo Inc") {
			t.Fatalf("global admin home: %d", resp.StatusCode)
		}
	})
}

func TestConsoleIntegrationsAndConnection(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		c := newConsole(t, dbURL)
		ctx := context.Background()
		b := newBrowser(t, c.url)
		b.login("alice", testPassword)

		_, body := b.get("/t/alpha/settings/integrations?q=defender")
		if !strings.Contains(body, "Microsoft 365 / Defender for Office 365") || !strings.Contains(body, "/t/alpha/settings/integrations/m365") {
			t.Fatal("search for defender does not list Microsoft 365")
		}
		if _, body := b.get("/t/alpha/settings/integrations?q=slack"); strings.Contains(body, "Defender for Office 365</h2>") {
			t.Fatal("search for slack lists Microsoft 365")
		}

		active, _ := c.svc.Active(ctx, "alpha")
		resp, body := b.get("/t/alpha/settings/integrations/m365")
		if resp.StatusCode != 200 || !strings.Contains(body, active.SHA1Thumbprint) || !strings.Contains(body, "alpha.qtriage.example.test.crt") {
			t.Fatalf("m365 page: %d, thumbprint or file name missing", resp.StatusCode)
		}
		resp, crt := b.get("/t/alpha/certificate.crt")
		if resp.StatusCode != 200 || !strings.HasPrefix(crt, "-----BEGIN CERTIFICATE-----") {
			t.Fatalf("download: %d", resp.StatusCode)
		}

		// Invalid input: every problem shown, nothing stored.
		resp, body = b.post("/t/alpha/settings/integrations/m365/connection", url.Values{
			"app_id": {"nope"}, "directory_id": {"nope"}, "organization": {"alpha.example"}, "cloud": {"public"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || strings.Count(body, "<li>") < 3 || !strings.Contains(body, "onmicrosoft.com") {
			t.Fatalf("invalid connection: %d\n%s", resp.StatusCode, body)
		}
		if ten, _ := c.st.Tenant(ctx, "alpha"); ten.Connection != nil {
			t.Fatal("invalid connection stored")
		}
		app, dir := "0c6a6e2f-4f0e-4a53-9a3f-0f1e2d3c4b5a", "7d1f3a2b-8c9d-4e5f-a6b7-c8d9e0f1a2b3"
		resp, _ = b.post("/t/alpha/settings/integrations/m365/connection", url.Values{
			"app_id": {app}, "directory_id": {dir}, "organization": {"alphacorp.onmicrosoft.com"}, "cloud": {"public"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save connection: %d", resp.StatusCode)
		}
		ten, _ := c.st.Tenant(ctx, "alpha")
		if ten.Connection == nil || ten.Connection.AppID != app || ten.Connection.Organization != "alphacorp.onmicrosoft.com" {
			t.Fatalf("stored: %+v", ten.Connection)
		}
		// The guide now carries the tenant's own values.
		_, body = b.get("/t/alpha/settings/integrations/m365?flash=connection-saved")
		for _, want := range []string{"Connection saved.", "AppId eq &#39;" + app + "&#39;", "-Organization &#39;alphacorp.onmicrosoft.com&#39;", "New-ManagementRoleAssignment -App $sp.Id -Role &#39;Transport Hygiene&#39;"} {
			if !strings.Contains(body, want) {
				t.Errorf("guide lacks %q", want)
			}
		}

		// Rotation through the console.
		if resp, _ := b.post("/t/alpha/settings/integrations/m365/certificates/rotate", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("rotate: %d", resp.StatusCode)
		}
		certs, _ := c.svc.Certificates(ctx, "alpha")
		pending := certs[0]
		if pending.Status != store.CertPending {
			t.Fatalf("newest certificate is %s", pending.Status)
		}
		if resp, _ := b.post("/t/alpha/settings/integrations/m365/certificates/rotate", url.Values{}); resp.StatusCode != http.StatusConflict {
			t.Fatalf("second rotate: %d", resp.StatusCode)
		}
		if resp, _ := b.post("/t/alpha/settings/integrations/m365/certificates/"+pending.ID+"/activate", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("activate: %d", resp.StatusCode)
		}
		if now, _ := c.svc.Active(ctx, "alpha"); now.ID != pending.ID {
			t.Fatal("activation did not take")
		}
	})
}

func TestConsoleRolesAndCrossOrigin(t *testing.T) {
	t.Parallel()
	c := newConsole(t, storetest.SQLiteURL(t))
	viewer := newBrowser(t, c.url)
	viewer.login("victor", testPassword)
	_, body := viewer.get("/t/alpha/settings/integrations/m365")
	if strings.Contains(body, "Save connection") || strings.Contains(body, "certificates/rotate") {
		t.Fatal("viewer is offered admin forms")
	}
	if resp, _ := viewer.post("/t/alpha/settings/integrations/m365/certificates/rotate", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer rotate: %d", resp.StatusCode)
	}

	admin := newBrowser(t, c.url)
	admin.login("alice", testPassword)
	resp, _ := admin.do("POST", "/t/alpha/settings/integrations/m365/certificates/rotate", url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d", resp.StatusCode)
	}
	resp, _ = admin.do("POST", "/t/alpha/settings/integrations/m365/certificates/rotate", url.Values{}, map[string]string{"Origin": "https://evil.example"})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin POST: %d", resp.StatusCode)
	}
	if certs, _ := c.svc.Certificates(context.Background(), "alpha"); len(certs) != 1 {
		t.Fatal("a refused request changed state")
	}
	// Pages are served with a CSP that forbids inline script and framing.
	resp, _ = admin.get("/t/alpha/")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("CSP: %q", csp)
	}
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := web.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash form: %s", h)
	}
	for pw, want := range map[string]bool{testPassword: true, testPassword + " ": false, "": false} {
		if ok, err := web.CheckPassword(h, pw); err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v", pw, ok, err)
		}
	}
	if _, err := web.HashPassword("short"); err == nil {
		t.Error("short password accepted")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "$bcrypt$x", "$argon2id$v=19$m=65536,t=3,p=2$!!$AAAAAAAAAAAAAAAAAAAAAA"} {
		if _, err := web.CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword accepted hash %q", bad)
		}
	}
}
