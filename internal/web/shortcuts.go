package web

import (
	"net/http"
	"net/url"

	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// The console's tenant-less routes (/quarantine, /quarantine/{id},
// /settings/integrations, /settings/detection, /audit) lead to the same
// page of the user's tenant: directly when the user has one, through the
// tenant list otherwise. Every page itself lives under /t/{slug}/.

// visibleTenants lists the tenants the user has a role in.
func (s *Server) visibleTenants(r *http.Request) ([]store.Tenant, error) {
	u, _ := currentUser(r)
	all, err := s.st.Tenants(r.Context())
	if err != nil {
		return nil, err
	}
	var out []store.Tenant
	for _, t := range all {
		if _, ok := roleIn(u, t.ID); ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// toTenantPage redirects to /t/{slug}{suffix} when the user has one tenant,
// and lists the tenants with links to that page otherwise.
func (s *Server) toTenantPage(suffix string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		ts, err := s.visibleTenants(r)
		if err != nil {
			return err
		}
		q := ""
		if r.URL.RawQuery != "" {
			q = "?" + r.URL.RawQuery
		}
		if len(ts) == 1 {
			http.Redirect(w, r, "/t/"+ts[0].Slug+suffix+q, http.StatusSeeOther)
			return nil
		}
		infos := make([]tenant.Info, 0, len(ts))
		for _, t := range ts {
			c, err := s.st.ActiveCertificate(r.Context(), t.ID)
			if err != nil {
				return err
			}
			infos = append(infos, tenant.NewInfo(t, &c, s.now()))
		}
		return s.render(w, r, http.StatusOK, "tenants", page{Title: "Choose a tenant", Data: infos})
	}
}

// itemShortcut finds which of the user's tenants holds the quarantine
// identity and redirects to its message page; 404 when none does.
func (s *Server) itemShortcut(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	ts, err := s.visibleTenants(r)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if _, err := s.st.Item(r.Context(), t.ID, id); err == nil {
			http.Redirect(w, r, "/t/"+t.Slug+"/quarantine/item?id="+url.QueryEscape(id), http.StatusSeeOther)
			return nil
		}
	}
	return errNotFound
}
