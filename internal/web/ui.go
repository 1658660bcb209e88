package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// openAPI documents /api/v1; docs/openapi.yaml is a copy (a test keeps them equal).
//
//go:embed openapi.yaml
var openAPI []byte

// parseTemplates builds one template set per page, each with the layout.
func parseTemplates() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(templateFuncs()).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// page is what every template receives.
type page struct {
	Title  string
	User   *store.User
	Tenant *store.Tenant
	Flash  *flash
	Data   any
}

type flash struct{ Kind, Text string }

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) error {
	if u, ok := currentUser(r); ok {
		p.User = &u
	}
	if p.Flash == nil {
		p.Flash = flashFromQuery(r)
	}
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write([]byte(b.String()))
	return err
}

// Flash messages travel in the redirect's query as a fixed code, never as
// free text, so a crafted link cannot put words on our page.
var flashes = map[string]flash{
	"connection-saved":                   {"ok", "Connection saved."},
	"detection-saved":                    {"ok", "Detection settings saved. They apply to messages analysed from now on."},
	"detection-saved-reanalyzing":        {"ok", "Detection settings saved. Every message of the tenant is being analysed again with them, after other work; the request is in the audit trail."},
	"detection-saved-reanalysis-running": {"ok", "Detection settings saved. A re-analysis of this tenant is already queuing its messages: those it has not reached yet get the new settings; ask again when it is done to cover the rest."},
	"cert-created":                       {"ok", "Next certificate created. Download it, upload it to the Entra app, then activate it."},
	"cert-activated":                     {"ok", "Certificate activated; the previous one is retired."},
	"released":                           {"ok", "Released to all recipients. The action is in the audit trail."},
	"deleted":                            {"ok", "Deleted. The action is in the audit trail."},
	"webhook-deleted":                    {"ok", "Webhook deleted; its pending deliveries are dropped."},
	"webhook-pinged":                     {"ok", "Test event queued; its delivery appears below within seconds."},
}

func flashFromQuery(r *http.Request) *flash {
	if f, ok := flashes[r.URL.Query().Get("flash")]; ok {
		return &f
	}
	return nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// renderError shows an error page; the status and text come from the same
// mapping as the API's.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	ae := classify(err)
	if ae.status >= 500 {
		s.log.Error("page failed", "request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
	}
	title := http.StatusText(ae.status)
	if rerr := s.render(w, r, ae.status, "error", page{Title: title, Data: map[string]string{"Message": ae.message, "RequestID": requestID(r.Context())}}); rerr != nil {
		http.Error(w, ae.message, ae.status)
	}
}

// uiTenant loads the tenant in the path for the signed-in user: 404 when it
// does not exist or the user has no role in it, 403 when the role is too low.
func (s *Server) uiTenant(r *http.Request, min store.Role) (store.Tenant, store.Role, error) {
	u, _ := currentUser(r)
	t, err := s.st.Tenant(r.Context(), r.PathValue("slug"))
	if err != nil {
		return store.Tenant{}, "", err
	}
	role, ok := roleIn(u, t.ID)
	if !ok {
		return store.Tenant{}, "", errNotFound
	}
	if !atLeast(role, min) {
		return store.Tenant{}, "", errForbidden
	}
	return t, role, nil
}

// Login.

type loginData struct{ Next, Username, Error string }

func safeNext(next string) string {
	// Only local paths: never "//host" or a scheme, which would make the
	// login page an open redirect.
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if err := s.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}}); err != nil {
		s.renderError(w, r, err)
	}
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	username := strings.ToLower(strings.TrimSpace(r.PostFormValue("username")))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	now := s.now()
	keys := []string{"user:" + username, "ip:" + clientIP(r)}
	fail := func(status int, msg string) {
		if err := s.render(w, r, status, "login", page{Title: "Sign in", Data: loginData{Next: next, Username: username, Error: msg}}); err != nil {
			s.renderError(w, r, err)
		}
	}
	if s.throttle.blocked(now, keys...) {
		s.log.Warn("login throttled", "request_id", requestID(ctx), "username", username, "ip", clientIP(r))
		fail(http.StatusTooManyRequests, "Too many failed sign-ins. Wait 15 minutes and try again.")
		return
	}
	u, err := s.st.User(ctx, username)
	ok := false
	switch {
	case err == nil && !u.Disabled:
		ok, err = CheckPassword(u.PasswordHash, password)
	case errors.Is(err, store.ErrNotFound) || err == nil:
		// Spend the same time as a real check, so response time does not
		// tell which usernames exist.
		_, _ = CheckPassword(s.dummyHash, password)
		err = nil
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !ok {
		s.throttle.fail(now, keys...)
		s.log.Info("login failed", "request_id", requestID(ctx), "username", username, "ip", clientIP(r))
		fail(http.StatusUnauthorized, "Wrong username or password.")
		return
	}
	s.throttle.succeed(keys[0])
	if err := s.startSession(w, r, u); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.log.Info("login", "request_id", requestID(ctx), "username", username, "ip", clientIP(r))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	s.endSession(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// Pages.

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	u, _ := currentUser(r)
	ts, err := s.st.Tenants(r.Context())
	if err != nil {
		return err
	}
	var infos []tenant.Info
	for _, t := range ts {
		if _, ok := roleIn(u, t.ID); !ok {
			continue
		}
		c, err := s.st.ActiveCertificate(r.Context(), t.ID)
		if err != nil {
			return err
		}
		infos = append(infos, tenant.NewInfo(t, &c, s.now()))
	}
	if len(infos) == 1 && !u.GlobalAdmin {
		http.Redirect(w, r, "/t/"+infos[0].Slug+"/", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "tenants", page{Title: "Tenants", Data: infos})
}

type integration struct {
	Name, Description, URL string
	Keywords               []string
	Connected              bool
}

func (s *Server) integrations(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	hooks, err := s.st.Webhooks(r.Context(), t.ID)
	if err != nil {
		return err
	}
	all := []integration{{
		Name:        "Microsoft 365 / Defender for Office 365",
		Description: "Reads the quarantine of your Exchange Online tenant with an app-only certificate, and releases or deletes messages on your analysts' decision.",
		URL:         "/t/" + t.Slug + "/settings/integrations/m365",
		Keywords:    []string{"microsoft", "365", "m365", "office", "defender", "exchange", "entra", "azure", "quarantine", "o365"},
		Connected:   t.Connection != nil,
	}, {
		Name:        "Webhooks (SIEM, SOAR, chat)",
		Description: "Sends each new report and each action taken to your own HTTPS endpoints, signed with HMAC-SHA256 and retried until they answer.",
		URL:         "/t/" + t.Slug + "/settings/integrations/webhooks",
		Keywords:    []string{"webhook", "siem", "soar", "splunk", "sentinel", "slack", "teams", "http", "events", "notify"},
		Connected:   len(hooks) > 0,
	}}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	var items []integration
	for _, in := range all {
		if q == "" || strings.Contains(strings.ToLower(in.Name+" "+in.Description), q) || slices.ContainsFunc(in.Keywords, func(k string) bool { return strings.HasPrefix(k, q) }) {
			items = append(items, in)
		}
	}
	return s.render(w, r, http.StatusOK, "integrations", page{Title: "Integrations", Tenant: &t, Data: map[string]any{"Query": r.URL.Query().Get("q"), "Items": items}})
}

// m365Data is what the Microsoft 365 configuration page shows.
type m365Data struct {
	Info             tenant.Info
	Active           *tenant.CertInfo
	Certificates     []tenant.CertInfo
	HasPending       bool
	CanAdmin         bool
	FileCRT, FileCER string
	Form             tenant.ConnectInput
	FormErrors       []string
	Clouds           []store.Cloud
	Guide            []guideStep
	CanTest          bool
	LastTest         *connectionTestView
}

// connectionTestView is the last connection test as the page shows it.
type connectionTestView struct {
	At     time.Time
	Report diagnosis
}

func (s *Server) m365Page(w http.ResponseWriter, r *http.Request) error {
	return s.renderM365(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderM365(w http.ResponseWriter, r *http.Request, status int, form *tenant.ConnectInput, formErrs []string) error {
	t, role, err := s.uiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	certs, err := s.st.Certificates(r.Context(), t.ID)
	if err != nil {
		return err
	}
	d := m365Data{
		CanAdmin:   atLeast(role, store.RoleAdmin) && s.tenants != nil,
		FileCRT:    keyring.FileName(t.Slug, s.publicHost, keyring.FormatPEM),
		FileCER:    keyring.FileName(t.Slug, s.publicHost, keyring.FormatDER),
		Clouds:     []store.Cloud{store.CloudPublic, store.CloudGCCHigh, store.CloudDoD, store.CloudCustom},
		FormErrors: formErrs,
	}
	for _, c := range certs {
		ci := tenant.NewCertInfo(c, s.now())
		d.Certificates = append(d.Certificates, ci)
		switch c.Status {
		case store.CertActive:
			d.Active = &ci
		case store.CertPending:
			d.HasPending = true
		}
	}
	d.Info = tenant.NewInfo(t, nil, s.now())
	switch {
	case form != nil:
		d.Form = *form
	case t.Connection != nil:
		c := t.Connection
		d.Form = tenant.ConnectInput{AppID: c.AppID, DirectoryID: c.DirectoryID, Organization: c.Organization, Cloud: string(c.Cloud), AuthorityURL: c.AuthorityURL, ExchangeURL: c.ExchangeURL, CAFile: c.CAFile}
	default:
		d.Form.Cloud = string(store.CloudPublic)
	}
	d.Guide = setupGuide(t, d.Active, d.FileCRT)
	d.CanTest = d.CanAdmin && s.tester != nil
	if ct, err := s.st.LastConnectionTest(r.Context(), t.ID); err == nil {
		v := &connectionTestView{At: ct.TestedAt}
		if json.Unmarshal(ct.JSON, &v.Report) == nil {
			d.LastTest = v
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.render(w, r, status, "m365", page{Title: "Microsoft 365", Tenant: &t, Data: d})
}

func (s *Server) saveConnection(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	if s.tenants == nil {
		return errForbidden
	}
	in := tenant.ConnectInput{
		AppID: r.PostFormValue("app_id"), DirectoryID: r.PostFormValue("directory_id"), Organization: r.PostFormValue("organization"),
		Cloud: r.PostFormValue("cloud"), AuthorityURL: r.PostFormValue("authority_url"), ExchangeURL: r.PostFormValue("exchange_url"), CAFile: r.PostFormValue("ca_file"),
	}
	if _, err := s.tenants.Connect(r.Context(), t.Slug, in); err != nil {
		if !errors.Is(err, tenant.ErrInvalid) {
			return err
		}
		var msgs []string
		for _, line := range strings.Split(err.Error(), "\n") {
			msgs = append(msgs, strings.TrimPrefix(line, tenant.ErrInvalid.Error()+": "))
		}
		return s.renderM365(w, r, http.StatusUnprocessableEntity, &in, msgs)
	}
	u, _ := currentUser(r)
	s.log.Info("tenant connection saved in the console", "request_id", requestID(r.Context()), "tenant", t.Slug, "user", u.Username)
	http.Redirect(w, r, "/t/"+t.Slug+"/settings/integrations/m365?flash=connection-saved", http.StatusSeeOther)
	return nil
}

// Tester runs a tenant's connection test and returns its report as JSON
// (setupcheck's form) and whether every step passed.
type Tester interface {
	Test(ctx context.Context, t store.Tenant) (report []byte, ok bool)
}

// testConnection runs the connection test, keeps the result and shows it.
func (s *Server) testConnection(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	if s.tester == nil {
		return errForbidden
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	report, ok := s.tester.Test(ctx, t)
	if err := s.st.PutConnectionTest(r.Context(), store.ConnectionTest{TenantID: t.ID, TestedAt: s.now().UTC(), OK: ok, JSON: report}); err != nil {
		return err
	}
	u, _ := currentUser(r)
	s.log.Info("connection test", "request_id", requestID(r.Context()), "tenant", t.Slug, "ok", ok, "user", u.Username)
	http.Redirect(w, r, "/t/"+t.Slug+"/settings/integrations/m365#test", http.StatusSeeOther)
	return nil
}

func (s *Server) rotateCertificate(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	if s.tenants == nil {
		return errForbidden
	}
	if _, err := s.tenants.Rotate(r.Context(), t.Slug); err != nil {
		return err
	}
	http.Redirect(w, r, "/t/"+t.Slug+"/settings/integrations/m365?flash=cert-created#certificates", http.StatusSeeOther)
	return nil
}

func (s *Server) activateCertificate(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	if s.tenants == nil {
		return errForbidden
	}
	if _, err := s.tenants.Activate(r.Context(), t.Slug, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/t/"+t.Slug+"/settings/integrations/m365?flash=cert-activated#certificates", http.StatusSeeOther)
	return nil
}

// uiDownload serves a certificate to a signed-in user of the tenant.
func (s *Server) uiDownload(format keyring.Format) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, _, err := s.uiTenant(r, store.RoleViewer)
		if err != nil {
			return err
		}
		return s.serveCertificate(w, r, t, format)
	}
}
