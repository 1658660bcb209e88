// Package entra obtains app-only access tokens for Exchange Online from
// Microsoft Entra ID, with a tenant's own certificate, through MSAL Go.
//
// One Source per tenant holds one MSAL confidential client and so one token
// cache: a token is reused for its lifetime, and concurrent callers share
// one token request. Failures come back as *Error, whose Cause names what is
// wrong in words a setup guide can act on (unknown tenant, unknown app,
// certificate not registered, ...), with Microsoft's trace and correlation
// ids. MSAL's types never leave this package.
package entra

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
)

// Defaults of Config.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 4
	DefaultRetryBase   = 500 * time.Millisecond
	DefaultMaxWait     = 30 * time.Second
)

// PendingCertificate is the certificate a rotation is moving to.
type PendingCertificate struct {
	ID             string
	SHA1Thumbprint string
}

// Config builds a Source. Tenant, Connection, Certificate and Key are
// required.
type Config struct {
	// Tenant is the tenant's slug, for messages and logs.
	Tenant     string
	Connection store.Connection
	// Certificate and Key are the tenant's active certificate and its
	// private key (an RSA key, decrypted in memory only).
	Certificate *x509.Certificate
	Key         crypto.Signer
	// Pending, when a rotation is in progress, is the pending certificate:
	// if Entra rejects the active one as not registered, the error says so.
	Pending *PendingCertificate

	// HTTPClient overrides the client built from the connection (its CA
	// file); tests pass the emulator's.
	HTTPClient *http.Client
	// Timeout bounds each token request; default DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts bounds the attempts on a transient failure; default
	// DefaultMaxAttempts.
	MaxAttempts int
	// RetryBase is the first backoff, doubled at each attempt, with
	// jitter; default DefaultRetryBase.
	RetryBase time.Duration
	// MaxWait caps one wait between attempts (also Retry-After); default
	// DefaultMaxWait.
	MaxWait time.Duration
	// Rand returns a number in [0,1) for jitter; default math/rand/v2.
	Rand func() float64
	// Log receives one line per token request; default discards. Tokens
	// and keys are never logged.
	Log *slog.Logger
	// OnToken, if set, is called each time a new token comes from Entra ID
	// (not from MSAL's cache), for metrics.
	OnToken func()
}

// Source hands out access tokens for one tenant's Exchange Online. It is
// safe for concurrent use.
type Source struct {
	cfg       Config
	endpoints Endpoints
	hc        *http.Client
	sha1      string

	// sem serialises token requests (holding it is "being the one that
	// asks Entra"), so concurrent callers wait for one answer instead of
	// each asking.
	sem chan struct{}

	mu      sync.Mutex
	client  confidential.Client
	current string // the last token handed out
}

// New checks cfg and builds the tenant's MSAL client. It does no I/O
// except reading the connection's CA file.
func New(cfg Config) (*Source, error) {
	if cfg.Connection.AppID == "" {
		return nil, fmt.Errorf("%w: no application (client) id", ErrConfig)
	}
	if cfg.Certificate == nil || cfg.Key == nil {
		return nil, fmt.Errorf("%w: no certificate or key", ErrConfig)
	}
	ep, err := EndpointsFor(cfg.Connection)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = DefaultRetryBase
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		if hc, err = ep.HTTPClient(); err != nil {
			return nil, err
		}
	}
	sha1, _, _ := keyring.Thumbprints(cfg.Certificate.Raw)
	s := &Source{cfg: cfg, endpoints: ep, hc: hc, sha1: sha1, sem: make(chan struct{}, 1)}
	if s.client, err = s.newClient(); err != nil {
		return nil, err
	}
	return s, nil
}

// ForTenant builds the Source of a tenant from what qtriage stores: its
// connection, its active certificate (key decrypted in memory) and its
// pending certificate, if any. tenant.Service satisfies Tenants.
func ForTenant(ctx context.Context, ts Tenants, slug string, base Config) (*Source, error) {
	t, err := ts.Get(ctx, slug)
	if err != nil {
		return nil, err
	}
	if t.Connection == nil {
		return nil, fmt.Errorf("%w: tenant %q has no Microsoft 365 connection (qtriage tenant connect %s ...)", ErrConfig, slug, slug)
	}
	cert, key, err := ts.Signer(ctx, slug)
	if err != nil {
		return nil, err
	}
	certs, err := ts.Certificates(ctx, slug)
	if err != nil {
		return nil, err
	}
	base.Tenant, base.Connection, base.Certificate, base.Key = slug, *t.Connection, cert, key
	for _, c := range certs {
		if c.Status == store.CertPending {
			base.Pending = &PendingCertificate{ID: c.ID, SHA1Thumbprint: c.SHA1Thumbprint}
		}
	}
	return New(base)
}

// Tenants is what ForTenant needs of tenant.Service.
type Tenants interface {
	Get(ctx context.Context, slug string) (store.Tenant, error)
	Certificates(ctx context.Context, slug string) ([]store.Certificate, error)
	Signer(ctx context.Context, slug string) (*x509.Certificate, crypto.Signer, error)
}

func (s *Source) newClient() (confidential.Client, error) {
	cred, err := confidential.NewCredFromCert([]*x509.Certificate{s.cfg.Certificate}, crypto.PrivateKey(s.cfg.Key))
	if err != nil {
		return confidential.Client{}, fmt.Errorf("%w: certificate key: %s", ErrConfig, err)
	}
	opts := []confidential.Option{confidential.WithHTTPClient(s.hc)}
	if !s.endpoints.InstanceDiscovery {
		opts = append(opts, confidential.WithInstanceDiscovery(false))
	}
	c, err := confidential.New(s.endpoints.Authority, s.cfg.Connection.AppID, cred, opts...)
	if err != nil {
		return confidential.Client{}, fmt.Errorf("%w: authority %s: %s", ErrConfig, s.endpoints.Authority, err)
	}
	return c, nil
}

// Endpoints returns the tenant's Microsoft endpoints.
func (s *Source) Endpoints() Endpoints { return s.endpoints }

// HTTPClient returns the client the Source uses, to be shared by the
// Exchange client of the same tenant.
func (s *Source) HTTPClient() *http.Client { return s.hc }

// Thumbprint is the SHA-1 thumbprint of the certificate the Source signs
// with, as the Azure portal shows it.
func (s *Source) Thumbprint() string { return s.sha1 }

// Token returns an access token for Exchange Online, from the cache while
// it is valid.
func (s *Source) Token(ctx context.Context) (string, error) {
	t, err := s.AccessToken(ctx)
	return t.Value, err
}

// Refresh returns a token other than rejected, which Exchange refused
// (401): unless another caller already replaced it, the cache is dropped
// and Entra asked again.
func (s *Source) Refresh(ctx context.Context, rejected string) (string, error) {
	if err := s.lock(ctx); err != nil {
		return "", err
	}
	defer s.unlock()
	s.mu.Lock()
	if s.current == rejected || s.current == "" {
		c, err := s.newClient()
		if err != nil {
			s.mu.Unlock()
			return "", err
		}
		s.client, s.current = c, ""
	}
	s.mu.Unlock()
	t, err := s.acquire(ctx)
	return t.Value, err
}

// AccessToken is Token with the token's expiry and claims.
func (s *Source) AccessToken(ctx context.Context) (Token, error) {
	if err := s.lock(ctx); err != nil {
		return Token{}, err
	}
	defer s.unlock()
	return s.acquire(ctx)
}

func (s *Source) lock(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &Error{Cause: ErrUnavailable, err: ctx.Err()}
	}
}

func (s *Source) unlock() { <-s.sem }

// acquire asks MSAL (its cache first), retrying transient failures. The
// caller holds the semaphore.
func (s *Source) acquire(ctx context.Context) (Token, error) {
	s.mu.Lock()
	client := s.client
	s.mu.Unlock()
	scopes := []string{s.endpoints.Scope}
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		res, err := client.AcquireTokenByCredential(actx, scopes)
		cancel()
		if err == nil {
			tok := Token{Value: res.AccessToken, ExpiresOn: res.ExpiresOn.UTC()}
			s.mu.Lock()
			fresh := s.current != res.AccessToken
			s.current = res.AccessToken
			s.mu.Unlock()
			if fresh {
				s.cfg.Log.Debug("entra: token acquired", "tenant", s.cfg.Tenant, "expires_on", tok.ExpiresOn, "attempt", attempt)
				if s.cfg.OnToken != nil {
					s.cfg.OnToken()
				}
			}
			return tok, nil
		}
		e := classify(err)
		if ctx.Err() != nil {
			e = &Error{Cause: ErrUnavailable, err: ctx.Err()}
		}
		if e.Cause == ErrCertNotRegistered {
			e.Thumbprint = s.sha1
			if p := s.cfg.Pending; p != nil {
				e.RotationHint = fmt.Sprintf("a certificate rotation is in progress: the active certificate %s is not registered on the app; if the app now holds the pending certificate %s, activate it with: qtriage cert activate %s %s",
					s.sha1, p.SHA1Thumbprint, s.cfg.Tenant, p.ID)
			}
		}
		s.cfg.Log.Warn("entra: token request failed", "tenant", s.cfg.Tenant, "app_id", s.cfg.Connection.AppID,
			"aadsts", e.Code, "cause", e.Cause.Error(), "http_status", e.HTTPStatus,
			"trace_id", e.TraceID, "correlation_id", e.CorrelationID, "attempt", attempt)
		if !e.Transient() || ctx.Err() != nil || attempt >= s.cfg.MaxAttempts {
			return Token{}, e
		}
		if err := sleep(ctx, s.backoff(attempt, e.RetryAfter)); err != nil {
			return Token{}, &Error{Cause: ErrUnavailable, err: err}
		}
	}
}

// backoff is RetryBase × 2^(attempt-1) with ±50% jitter, or Retry-After,
// capped at MaxWait.
func (s *Source) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := retryAfter
	if d <= 0 {
		d = s.cfg.RetryBase << (attempt - 1)
		d = time.Duration(float64(d) * (0.5 + s.cfg.Rand()))
	}
	return min(d, s.cfg.MaxWait)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Token is an access token with what qtriage reads from it. Its String and
// LogValue never show the token itself.
type Token struct {
	Value     string
	ExpiresOn time.Time
}

// String hides the token.
func (t Token) String() string {
	return "entra.Token(expires " + t.ExpiresOn.Format(time.RFC3339) + ")"
}

// LogValue hides the token.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// Claims are the claims of an app-only Exchange access token that the
// connection test looks at.
type Claims struct {
	Audience string   `json:"aud"`
	Issuer   string   `json:"iss"`
	AppID    string   `json:"appid"`
	ObjectID string   `json:"oid"`
	TenantID string   `json:"tid"`
	Roles    []string `json:"roles"`
	WIDs     []string `json:"wids"`
}

// HasRole reports whether the token carries an app role, e.g.
// Exchange.ManageAsApp.
func (c Claims) HasRole(role string) bool {
	for _, r := range c.Roles {
		if strings.EqualFold(r, role) {
			return true
		}
	}
	return false
}

// ErrMalformedToken is returned by Claims for a token that is not a JWT.
var ErrMalformedToken = errors.New("entra: access token is not a readable JWT")

// Claims reads the token's claims without verifying it: the token comes
// straight from Entra over TLS, and only Exchange needs to trust it.
func (t Token) Claims() (Claims, error) {
	parts := strings.Split(t.Value, ".")
	if len(parts) != 3 {
		return Claims{}, ErrMalformedToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, ErrMalformedToken
	}
	var c Claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return Claims{}, ErrMalformedToken
	}
	return c, nil
}
