// Package tenant is where tenants, their Microsoft 365 connection and their
// certificates are created and changed. The CLI and the web API both go
// through Service, so a rule (a valid slug, one pending certificate, keys
// sealed before they reach the database) holds whichever door is used.
package tenant

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
)

// Errors callers can test with errors.Is. Store errors (store.ErrNotFound,
// store.ErrConflict) pass through wrapped.
var (
	// ErrInvalid marks input the user must correct.
	ErrInvalid = errors.New("invalid input")
)

// Service creates and changes tenants. All fields are required but Now and Log.
type Service struct {
	Store  store.Store
	KEK    *keyring.KEK
	Issuer keyring.Issuer
	Now    func() time.Time
	Log    *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Create validates the slug and name, issues the tenant's first certificate
// (active) and stores both in one transaction.
func (s *Service) Create(ctx context.Context, slug, name string) (store.Tenant, store.Certificate, error) {
	slug = strings.TrimSpace(slug)
	name = strings.TrimSpace(name)
	if err := errors.Join(ValidateSlug(slug), validateName(name)); err != nil {
		return store.Tenant{}, store.Certificate{}, err
	}
	if name == "" {
		name = slug
	}
	if _, err := s.Store.Tenant(ctx, slug); err == nil {
		return store.Tenant{}, store.Certificate{}, fmt.Errorf("tenant %q: %w", slug, store.ErrConflict)
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Tenant{}, store.Certificate{}, err
	}
	t := store.Tenant{ID: uuid.NewString(), Slug: slug, Name: name, CreatedAt: s.now()}
	c, err := s.issue(t.ID, slug)
	if err != nil {
		return store.Tenant{}, store.Certificate{}, err
	}
	at := c.CreatedAt
	c.Status, c.ActivatedAt = store.CertActive, &at
	if err := s.Store.CreateTenant(ctx, t, c); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.Tenant{}, store.Certificate{}, fmt.Errorf("tenant %q: %w", slug, store.ErrConflict)
		}
		return store.Tenant{}, store.Certificate{}, err
	}
	s.log().Info("tenant created", "tenant", slug, "cert_id", c.ID, "sha1_thumbprint", c.SHA1Thumbprint, "kek_id", c.KEKID)
	return t, c, nil
}

// issue makes a certificate. Its record time keeps full precision (the
// certificate's own validity has whole seconds) so that "newest first" holds
// for certificates made within the same second.
func (s *Service) issue(tenantID, slug string) (store.Certificate, error) {
	c, err := s.Issuer.Issue(tenantID, slug, s.KEK)
	if err != nil {
		return store.Certificate{}, err
	}
	c.CreatedAt = s.now()
	return c, nil
}

// Get returns the tenant with that slug.
func (s *Service) Get(ctx context.Context, slug string) (store.Tenant, error) {
	t, err := s.Store.Tenant(ctx, slug)
	if err != nil {
		return store.Tenant{}, fmt.Errorf("tenant %q: %w", slug, err)
	}
	return t, nil
}

// Connect validates and stores the tenant's Microsoft 365 connection.
func (s *Service) Connect(ctx context.Context, slug string, in ConnectInput) (store.Connection, error) {
	t, err := s.Get(ctx, slug)
	if err != nil {
		return store.Connection{}, err
	}
	c, err := in.Normalize()
	if err != nil {
		return store.Connection{}, err
	}
	c.UpdatedAt = s.now()
	if err := s.Store.SetConnection(ctx, t.ID, c); err != nil {
		return store.Connection{}, err
	}
	s.log().Info("tenant connection stored", "tenant", slug, "app_id", c.AppID, "directory_id", c.DirectoryID, "organization", c.Organization, "cloud", c.Cloud)
	return c, nil
}

// Rotate issues a pending certificate beside the active one. The customer
// uploads it to the Entra app, then Activate switches to it.
func (s *Service) Rotate(ctx context.Context, slug string) (store.Certificate, error) {
	t, err := s.Get(ctx, slug)
	if err != nil {
		return store.Certificate{}, err
	}
	certs, err := s.Store.Certificates(ctx, t.ID)
	if err != nil {
		return store.Certificate{}, err
	}
	for _, c := range certs {
		if c.Status == store.CertPending {
			return store.Certificate{}, fmt.Errorf("tenant %q already has a pending certificate %s: activate it first (qtriage cert activate %s %s): %w", slug, c.ID, slug, c.ID, store.ErrConflict)
		}
	}
	c, err := s.issue(t.ID, slug)
	if err != nil {
		return store.Certificate{}, err
	}
	if err := s.Store.AddCertificate(ctx, c); err != nil {
		return store.Certificate{}, err
	}
	s.log().Info("certificate created (pending)", "tenant", slug, "cert_id", c.ID, "sha1_thumbprint", c.SHA1Thumbprint)
	return c, nil
}

// Activate makes a pending certificate the active one; the previous active
// certificate is retired.
func (s *Service) Activate(ctx context.Context, slug, certID string) (store.Certificate, error) {
	t, err := s.Get(ctx, slug)
	if err != nil {
		return store.Certificate{}, err
	}
	c, err := s.Store.Certificate(ctx, t.ID, certID)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("certificate %q of tenant %q: %w", certID, slug, err)
	}
	if c.Status != store.CertPending {
		return store.Certificate{}, fmt.Errorf("%w: certificate %s is %s; only a pending certificate can be activated", ErrInvalid, certID, c.Status)
	}
	// Refuse to activate a certificate whose key this qtriage cannot use.
	if _, _, err := keyring.Signer(c, s.KEK); err != nil {
		return store.Certificate{}, err
	}
	if err := s.Store.ActivateCertificate(ctx, t.ID, certID, s.now()); err != nil {
		return store.Certificate{}, err
	}
	s.log().Info("certificate activated", "tenant", slug, "cert_id", certID, "sha1_thumbprint", c.SHA1Thumbprint)
	return s.Store.Certificate(ctx, t.ID, certID)
}

// Certificates lists the tenant's certificates, newest first.
func (s *Service) Certificates(ctx context.Context, slug string) ([]store.Certificate, error) {
	t, err := s.Get(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.Store.Certificates(ctx, t.ID)
}

// Active returns the tenant's active certificate.
func (s *Service) Active(ctx context.Context, slug string) (store.Certificate, error) {
	t, err := s.Get(ctx, slug)
	if err != nil {
		return store.Certificate{}, err
	}
	return s.Store.ActiveCertificate(ctx, t.ID)
}

// Signer decrypts the active certificate's key, in memory only, for signing
// client assertions.
func (s *Service) Signer(ctx context.Context, slug string) (*x509.Certificate, crypto.Signer, error) {
	c, err := s.Active(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	return keyring.Signer(c, s.KEK)
}

// WarnExpiring logs every active or pending certificate within 30 days of
// expiry, and returns how many there are.
func (s *Service) WarnExpiring(ctx context.Context) (int, error) {
	tenants, err := s.Store.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	now := s.now()
	for _, t := range tenants {
		certs, err := s.Store.Certificates(ctx, t.ID)
		if err != nil {
			return n, err
		}
		for _, c := range certs {
			if c.Status != store.CertRetired && keyring.ExpiresSoon(c, now) {
				n++
				s.log().Warn("tenant certificate expires soon: rotate it (qtriage cert rotate)", "tenant", t.Slug, "cert_id", c.ID, "status", c.Status, "not_after", c.NotAfter, "days_left", keyring.DaysLeft(c, now))
			}
		}
	}
	return n, nil
}
