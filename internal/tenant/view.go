package tenant

import (
	"time"

	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
)

// CertInfo is the public view of a certificate, the same in the CLI's --json
// output and in the API. It has no field that could carry key material.
type CertInfo struct {
	ID               string     `json:"id"`
	Status           string     `json:"status"`
	Subject          string     `json:"subject"`
	NotBefore        time.Time  `json:"not_before"`
	NotAfter         time.Time  `json:"not_after"`
	DaysLeft         int        `json:"days_left"`
	ExpiresSoon      bool       `json:"expires_soon"`
	SHA1Thumbprint   string     `json:"sha1_thumbprint"`
	SHA256Thumbprint string     `json:"sha256_thumbprint"`
	X5TS256          string     `json:"x5t_s256"`
	CreatedAt        time.Time  `json:"created_at"`
	ActivatedAt      *time.Time `json:"activated_at,omitempty"`
	RetiredAt        *time.Time `json:"retired_at,omitempty"`
}

// NewCertInfo builds the public view of c as of now.
func NewCertInfo(c store.Certificate, now time.Time) CertInfo {
	_, _, x5t := keyring.Thumbprints(c.DER)
	return CertInfo{
		ID:               c.ID,
		Status:           string(c.Status),
		Subject:          c.Subject,
		NotBefore:        c.NotBefore.UTC(),
		NotAfter:         c.NotAfter.UTC(),
		DaysLeft:         keyring.DaysLeft(c, now),
		ExpiresSoon:      c.Status != store.CertRetired && keyring.ExpiresSoon(c, now),
		SHA1Thumbprint:   c.SHA1Thumbprint,
		SHA256Thumbprint: c.SHA256Thumbprint,
		X5TS256:          x5t,
		CreatedAt:        c.CreatedAt.UTC(),
		ActivatedAt:      c.ActivatedAt,
		RetiredAt:        c.RetiredAt,
	}
}

// ConnectionInfo is the public view of a tenant's Microsoft 365 connection.
type ConnectionInfo struct {
	AppID        string    `json:"app_id"`
	DirectoryID  string    `json:"directory_id"`
	Organization string    `json:"organization"`
	Cloud        string    `json:"cloud"`
	AuthorityURL string    `json:"authority_url,omitempty"`
	ExchangeURL  string    `json:"exchange_url,omitempty"`
	CAFile       string    `json:"ca_file,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Info is the public view of a tenant.
type Info struct {
	ID                string          `json:"id"`
	Slug              string          `json:"slug"`
	Name              string          `json:"name"`
	CreatedAt         time.Time       `json:"created_at"`
	Connection        *ConnectionInfo `json:"connection"`
	ActiveCertificate *CertInfo       `json:"active_certificate"`
}

// NewInfo builds the public view of t with its active certificate (nil if
// the caller did not load it).
func NewInfo(t store.Tenant, active *store.Certificate, now time.Time) Info {
	in := Info{ID: t.ID, Slug: t.Slug, Name: t.Name, CreatedAt: t.CreatedAt.UTC()}
	if c := t.Connection; c != nil {
		in.Connection = &ConnectionInfo{
			AppID: c.AppID, DirectoryID: c.DirectoryID, Organization: c.Organization, Cloud: string(c.Cloud),
			AuthorityURL: c.AuthorityURL, ExchangeURL: c.ExchangeURL, CAFile: c.CAFile, UpdatedAt: c.UpdatedAt.UTC(),
		}
	}
	if active != nil {
		ci := NewCertInfo(*active, now)
		in.ActiveCertificate = &ci
	}
	return in
}
