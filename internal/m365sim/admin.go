package m365sim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// routes builds the sim's HTTP surface.
func (s *Sim) routes() http.Handler {
	mux := http.NewServeMux()
	// Entra ID.
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.instrument(EndpointOpenIDConfiguration, s.handleOpenIDConfiguration))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.instrument(EndpointToken, s.handleToken))
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.instrument(EndpointKeys, s.handleKeys))
	mux.HandleFunc("GET /common/discovery/instance", s.instrument(EndpointInstanceDiscovery, s.handleInstanceDiscovery))
	// Exchange Online.
	mux.HandleFunc("POST /adminapi/beta/{org}/InvokeCommand", s.instrument(EndpointInvokeCommand, s.handleInvokeCommand))
	// Admin surface.
	a := func(h http.HandlerFunc) http.HandlerFunc { return s.instrument(EndpointAdmin, h) }
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /_sim/tenants", a(s.adminListTenants))
	mux.HandleFunc("POST /_sim/tenants", a(s.adminCreateTenant))
	mux.HandleFunc("GET /_sim/tenants/{tenant}", a(s.adminGetTenant))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/domains", a(s.adminAddDomain))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/apps", a(s.adminCreateApp))
	mux.HandleFunc("GET /_sim/tenants/{tenant}/apps/{app}", a(s.adminGetApp))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/apps/{app}/certificates", a(s.adminUploadCert))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/apps/{app}/permissions", a(s.adminAddPermission))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/apps/{app}/consent", a(s.adminConsent))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/apps/{app}/disable", a(s.adminSetEnabled(false)))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/apps/{app}/enable", a(s.adminSetEnabled(true)))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/apps/{app}/service-principal", a(s.adminCreateSP))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/apps/{app}/role-assignments", a(s.adminAssignRole))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/apps/{app}/directory-roles", a(s.adminAssignDirectoryRole))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/seed", a(s.adminSeed))
	mux.HandleFunc("GET /_sim/tenants/{tenant}/quarantine", a(s.adminListQuarantine))
	mux.HandleFunc("POST /_sim/tenants/{tenant}/quarantine", a(s.adminAddQuarantine))
	mux.HandleFunc("GET /_sim/quarantine", a(s.withTenantParam(s.adminListQuarantine)))
	mux.HandleFunc("POST /_sim/quarantine", a(s.withTenantParam(s.adminAddQuarantine)))
	mux.HandleFunc("GET /_sim/tenants/{tenant}/faults", a(s.adminGetFaults))
	mux.HandleFunc("PUT /_sim/tenants/{tenant}/faults", a(s.adminSetFaults))
	mux.HandleFunc("GET /_sim/stats", a(s.adminStats))
	mux.HandleFunc("DELETE /_sim/stats", a(s.adminResetStats))
	mux.HandleFunc("POST /_sim/setup", a(s.adminSetup))
	return mux
}

// adminError answers an admin call with {"error": "..."} and a status
// derived from the sentinel.
func adminError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, ErrAlreadyExists):
		status = http.StatusConflict
	case errors.Is(err, ErrInvalid):
		status = http.StatusBadRequest
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func adminReply(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		adminError(w, err)
		return
	}
	writeJSON(w, status, v)
}

// decodeAdmin reads an optional JSON body into v.
func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := readBody(w, r, 64<<20)
	if err != nil {
		adminError(w, errors.Join(ErrInvalid, err))
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return true
	}
	if err := json.Unmarshal(body, v); err != nil {
		adminError(w, errors.Join(ErrInvalid, err))
		return false
	}
	return true
}

// TenantDetail is a tenant with everything in it (GET /_sim/tenants/{t}).
type TenantDetail struct {
	Tenant
	Apps                      []App                      `json:"apps"`
	ExchangeServicePrincipals []ExchangeServicePrincipal `json:"exchange_service_principals"`
	RoleAssignments           []RoleAssignment           `json:"role_assignments"`
	QuarantineItems           int                        `json:"quarantine_items"`
}

// TenantDetail returns a tenant with its apps, service principals and role
// assignments.
func (s *Sim) TenantDetail(ref string) (TenantDetail, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.findTenant(ref)
	if t == nil {
		return TenantDetail{}, errors.Join(ErrNotFound, errors.New("m365sim: tenant "+ref))
	}
	d := TenantDetail{Tenant: cloneTenant(t), Apps: []App{}, ExchangeServicePrincipals: []ExchangeServicePrincipal{}, RoleAssignments: []RoleAssignment{}}
	for _, a := range t.Apps {
		d.Apps = append(d.Apps, cloneApp(a))
	}
	for _, sp := range t.ExchangeSPs {
		d.ExchangeServicePrincipals = append(d.ExchangeServicePrincipals, *sp)
	}
	for _, ra := range t.RoleAssignments {
		d.RoleAssignments = append(d.RoleAssignments, *ra)
	}
	now := s.now()
	for _, it := range t.Items {
		if it.visible(now) {
			d.QuarantineItems++
		}
	}
	return d, nil
}

func (s *Sim) adminListTenants(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Tenants())
}

func (s *Sim) adminCreateTenant(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string `json:"name"`
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
	}
	if !decodeAdmin(w, r, &in) {
		return
	}
	t, err := s.CreateTenantWithID(in.Name, in.ID)
	adminReply(w, http.StatusCreated, t, err)
}

func (s *Sim) adminGetTenant(w http.ResponseWriter, r *http.Request) {
	d, err := s.TenantDetail(r.PathValue("tenant"))
	adminReply(w, http.StatusOK, d, err)
}

func (s *Sim) adminAddDomain(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Domain string `json:"domain"`
	}
	if !decodeAdmin(w, r, &in) {
		return
	}
	t, err := s.AddDomain(r.PathValue("tenant"), in.Domain)
	adminReply(w, http.StatusOK, t, err)
}

func (s *Sim) adminCreateApp(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if !decodeAdmin(w, r, &in) {
		return
	}
	a, err := s.CreateApp(r.PathValue("tenant"), in.Name)
	adminReply(w, http.StatusCreated, a, err)
}

func (s *Sim) adminGetApp(w http.ResponseWriter, r *http.Request) {
	a, err := s.App(r.PathValue("tenant"), r.PathValue("app"))
	adminReply(w, http.StatusOK, a, err)
}

// adminUploadCert takes the certificate as the raw body (PEM or DER) or as
// JSON {"certificate": "<PEM or base64 DER>"}.
func (s *Sim) adminUploadCert(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, 1<<20)
	if err != nil {
		adminError(w, errors.Join(ErrInvalid, err))
		return
	}
	data := body
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var in struct {
			Certificate string `json:"certificate"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			adminError(w, errors.Join(ErrInvalid, err))
			return
		}
		data = []byte(in.Certificate)
		if !strings.Contains(in.Certificate, "-----BEGIN") {
			if der, err := base64.StdEncoding.DecodeString(in.Certificate); err == nil {
				data = der
			}
		}
	}
	c, err := s.UploadCertificate(r.PathValue("tenant"), r.PathValue("app"), data)
	adminReply(w, http.StatusCreated, c, err)
}

func (s *Sim) adminAddPermission(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Consent bool `json:"consent"`
	}
	if !decodeAdmin(w, r, &in) {
		return
	}
	a, err := s.AddPermission(r.PathValue("tenant"), r.PathValue("app"), in.Consent)
	adminReply(w, http.StatusOK, a, err)
}

func (s *Sim) adminConsent(w http.ResponseWriter, r *http.Request) {
	a, err := s.GrantConsent(r.PathValue("tenant"), r.PathValue("app"))
	adminReply(w, http.StatusOK, a, err)
}

func (s *Sim) adminSetEnabled(enabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.SetAppEnabled(r.PathValue("tenant"), r.PathValue("app"), enabled)
		adminReply(w, http.StatusOK, a, err)
	}
}

func (s *Sim) adminCreateSP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		DisplayName string `json:"display_name"`
	}
	if !decodeAdmin(w, r, &in) {
		return
	}
	sp, err := s.CreateExchangeServicePrincipal(r.PathValue("tenant"), r.PathValue("app"), in.DisplayName)
	adminReply(w, http.StatusCreated, sp, err)
}

func (s *Sim) adminAssignRole(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Role string `json:"role"`
	}
	if !decodeAdmin(w, r, &in) {
		return
	}
	ra, err := s.AssignRole(r.PathValue("tenant"), r.PathValue("app"), in.Role)
	adminReply(w, http.StatusCreated, ra, err)
}

func (s *Sim) adminAssignDirectoryRole(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Role string `json:"role"`
	}
	if !decodeAdmin(w, r, &in) {
		return
	}
	a, err := s.AssignDirectoryRole(r.PathValue("tenant"), r.PathValue("app"), in.Role)
	adminReply(w, http.StatusOK, a, err)
}

func (s *Sim) adminSeed(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Dir string `json:"dir"`
	}
	if !decodeAdmin(w, r, &in) {
		return
	}
	if in.Dir == "" {
		adminError(w, errors.Join(ErrInvalid, errors.New("m365sim: seed needs a dir")))
		return
	}
	res, err := s.SeedContext(r.Context(), r.PathValue("tenant"), in.Dir)
	adminReply(w, http.StatusOK, res, err)
}

func (s *Sim) adminListQuarantine(w http.ResponseWriter, r *http.Request) {
	items, err := s.Quarantine(r.PathValue("tenant"))
	adminReply(w, http.StatusOK, items, err)
}

// adminAddQuarantine adds a message now: {"eml": "<base64>", ...MessageMeta}.
func (s *Sim) adminAddQuarantine(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MessageMeta
		Eml string `json:"eml"`
	}
	if !decodeAdmin(w, r, &in) {
		return
	}
	raw, err := base64.StdEncoding.DecodeString(in.Eml)
	if err != nil || len(raw) == 0 {
		adminError(w, errors.Join(ErrInvalid, errors.New("m365sim: eml must be base64 of the message")))
		return
	}
	items, err := s.AddMessage(r.PathValue("tenant"), raw, in.MessageMeta)
	adminReply(w, http.StatusCreated, items, err)
}

// withTenantParam serves /_sim/quarantine?tenant=T like
// /_sim/tenants/T/quarantine.
func (s *Sim) withTenantParam(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := r.URL.Query().Get("tenant")
		if t == "" {
			adminError(w, errors.Join(ErrInvalid, errors.New("m365sim: ?tenant= is required")))
			return
		}
		r.SetPathValue("tenant", t)
		h(w, r)
	}
}

func (s *Sim) adminGetFaults(w http.ResponseWriter, r *http.Request) {
	f, err := s.TenantFaults(r.PathValue("tenant"))
	adminReply(w, http.StatusOK, f, err)
}

func (s *Sim) adminSetFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if !decodeAdmin(w, r, &f) {
		return
	}
	out, err := s.SetFaults(r.PathValue("tenant"), f)
	adminReply(w, http.StatusOK, out, err)
}

func (s *Sim) adminStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Sim) adminResetStats(w http.ResponseWriter, _ *http.Request) {
	s.ResetStats()
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Sim) adminSetup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		TenantName  string      `json:"tenant_name"`
		AppName     string      `json:"app_name"`
		Certificate string      `json:"certificate"`
		Skip        []SetupStep `json:"skip"`
	}
	if !decodeAdmin(w, r, &in) {
		return
	}
	cert := []byte(in.Certificate)
	if in.Certificate != "" && !strings.Contains(in.Certificate, "-----BEGIN") {
		if der, err := base64.StdEncoding.DecodeString(in.Certificate); err == nil {
			cert = der
		}
	}
	res, err := s.setup(SetupOptions{TenantName: in.TenantName, AppName: in.AppName, Certificate: cert, Skip: in.Skip}, baseURL(r))
	adminReply(w, http.StatusOK, res, err)
}
