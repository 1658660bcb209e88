package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/qtriage/qtriage/internal/access"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

const principalKey ctxKey = iota + 100

// api authenticates the bearer token and turns a returned error into the
// JSON error response.
func (s *Server) api(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			writeError(w, r, s.log, errUnauthorized)
			return
		}
		p, err := access.Authenticate(r.Context(), s.st, strings.TrimSpace(secret), s.now())
		if err != nil {
			if err == access.ErrBadToken {
				err = errUnauthorized
			}
			writeError(w, r, s.log, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), principalKey, p))
		if err := h(w, r); err != nil {
			writeError(w, r, s.log, err)
		}
	})
}

func principal(r *http.Request) access.Principal {
	p, _ := r.Context().Value(principalKey).(access.Principal)
	return p
}

// tenant loads the tenant named in the path, answering 404 both when it does
// not exist and when the caller may not see it, so ids of other tenants leak
// nothing.
func (s *Server) tenant(r *http.Request) (store.Tenant, error) {
	t, err := s.st.Tenant(r.Context(), r.PathValue("slug"))
	if err != nil {
		return store.Tenant{}, err
	}
	if !principal(r).CanSee(t.ID) {
		return store.Tenant{}, errNotFound
	}
	return t, nil
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.st.Tenants(r.Context())
	if err != nil {
		return err
	}
	out := []tenant.Info{}
	p := principal(r)
	for _, t := range ts {
		if !p.CanSee(t.ID) {
			continue
		}
		c, err := s.st.ActiveCertificate(r.Context(), t.ID)
		if err != nil {
			return err
		}
		out = append(out, tenant.NewInfo(t, &c, s.now()))
	}
	return writeJSON(w, map[string]any{"tenants": out})
}

func (s *Server) getTenant(w http.ResponseWriter, r *http.Request) error {
	t, err := s.tenant(r)
	if err != nil {
		return err
	}
	c, err := s.st.ActiveCertificate(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, tenant.NewInfo(t, &c, s.now()))
}

func (s *Server) listCertificates(w http.ResponseWriter, r *http.Request) error {
	t, err := s.tenant(r)
	if err != nil {
		return err
	}
	certs, err := s.st.Certificates(r.Context(), t.ID)
	if err != nil {
		return err
	}
	out := make([]tenant.CertInfo, len(certs))
	for i, c := range certs {
		out[i] = tenant.NewCertInfo(c, s.now())
	}
	return writeJSON(w, map[string]any{"certificates": out})
}

// downloadCertificate serves the active certificate, or ?id= one of the
// tenant's others (a pending one during rotation).
func (s *Server) downloadCertificate(format keyring.Format) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.tenant(r)
		if err != nil {
			return err
		}
		return s.serveCertificate(w, r, t, format)
	}
}

func (s *Server) serveCertificateFile(w http.ResponseWriter, c store.Certificate, slug string, format keyring.Format) error {
	w.Header().Set("Content-Type", format.ContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+keyring.FileName(slug, s.publicHost, format)+`"`)
	_, err := w.Write(format.Encode(c.DER))
	return err
}

// serveCertificate serves the tenant's active certificate, or the one ?id=
// names (a pending one during rotation).
func (s *Server) serveCertificate(w http.ResponseWriter, r *http.Request, t store.Tenant, format keyring.Format) error {
	var (
		c   store.Certificate
		err error
	)
	if id := r.URL.Query().Get("id"); id != "" {
		c, err = s.st.Certificate(r.Context(), t.ID, id)
	} else {
		c, err = s.st.ActiveCertificate(r.Context(), t.ID)
	}
	if err != nil {
		return err
	}
	return s.serveCertificateFile(w, c, t.Slug, format)
}
