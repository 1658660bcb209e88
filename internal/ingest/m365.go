package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/qtriage/qtriage/internal/entra"
	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/setupcheck"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// M365 connects ingest to tenants' Exchange Online through entra (tokens
// from the tenant certificate) and exchange (InvokeCommand). It keeps one
// client per tenant so that the token cache and the per-tenant concurrency
// limit are shared by every job of this process.
type M365 struct {
	Tenants *tenant.Service
	Log     *slog.Logger
	// HTTPClient overrides the client built from the connection; tests
	// pass the emulator's. Nil in production.
	HTTPClient *http.Client
	// Exchange tunes the Exchange client (timeouts, retries, concurrency);
	// its BaseURL, Organization, Tokens and HTTPClient are filled in.
	Exchange exchange.Config
	// Observer, if set, counts tokens fetched and throttled answers per
	// tenant (the pipeline's metrics).
	Observer Observer

	mu      sync.Mutex
	clients map[string]cachedClient
}

type cachedClient struct {
	key string
	c   *exchange.Client
}

var _ Connector = (*M365)(nil)

// Observer is told of what happens between qtriage and Microsoft.
type Observer interface {
	TokenFetched(tenant string) // a new token from Entra ID
	Throttled(tenant string)    // a 429 answer from Exchange Online
}

// clientKey changes when what the client was built from changes: a new
// connection or a newly activated certificate.
func clientKey(t store.Tenant, activeCertID string) string {
	return t.Connection.UpdatedAt.String() + "|" + activeCertID
}

// Connect returns the tenant's Exchange Online as a Source.
func (m *M365) Connect(ctx context.Context, t store.Tenant) (Source, error) {
	if t.Connection == nil {
		return nil, fmt.Errorf("%w: tenant %s has no Microsoft 365 connection", ErrSetup, t.Slug)
	}
	active, err := m.Tenants.Active(ctx, t.Slug)
	if err != nil {
		return nil, err
	}
	key := clientKey(t, active.ID)
	m.mu.Lock()
	cc, ok := m.clients[t.ID]
	m.mu.Unlock()
	if ok && cc.key == key {
		return m365Source{c: cc.c}, nil
	}
	log := m.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ecfg := entra.Config{Log: log, HTTPClient: m.HTTPClient}
	if o := m.Observer; o != nil {
		ecfg.OnToken = func() { o.TokenFetched(t.Slug) }
	}
	src, err := entra.ForTenant(ctx, m.Tenants, t.Slug, ecfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	cfg := m.Exchange
	cfg.BaseURL, cfg.Organization, cfg.DirectoryID = src.Endpoints().ExchangeURL, t.Connection.Organization, t.Connection.DirectoryID
	cfg.Tokens, cfg.HTTPClient = src, src.HTTPClient()
	if cfg.Log == nil {
		cfg.Log = log
	}
	if o := m.Observer; o != nil {
		cfg.OnThrottled = func() { o.Throttled(t.Slug) }
	}
	c, err := exchange.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	m.mu.Lock()
	if m.clients == nil {
		m.clients = map[string]cachedClient{}
	}
	m.clients[t.ID] = cachedClient{key: key, c: c}
	m.mu.Unlock()
	return m365Source{c: c}, nil
}

// Diagnose runs the connection test and returns its JSON, recorded when a
// tenant's sync stops for a broken setup.
func (m *M365) Diagnose(ctx context.Context, t store.Tenant) []byte {
	b, _ := m.Test(ctx, t)
	return b
}

// Test runs the connection test: its report as JSON, and whether no step
// failed (the console's "Test connection").
func (m *M365) Test(ctx context.Context, t store.Tenant) ([]byte, bool) {
	cfg := setupcheck.Config{Log: m.Log}
	if m.HTTPClient != nil {
		cfg.Entra = func(c *entra.Config) { c.HTTPClient = m.HTTPClient }
	}
	rep, err := setupcheck.ForTenant(ctx, m.Tenants, t.Slug, cfg)
	if err != nil {
		b, _ := json.Marshal(map[string]any{"ok": false, "error": err.Error()})
		return b, false
	}
	b, _ := json.Marshal(rep)
	return b, rep.OK
}

type m365Source struct{ c *exchange.Client }

// pageSize is how many listed items are stored per transaction.
const pageSize = 1000

func (s m365Source) List(ctx context.Context, w Window, fn func([]store.QuarantineItem) error) error {
	page := make([]store.QuarantineItem, 0, pageSize)
	// The cmdlet takes whole seconds: widen the window to them, or an item
	// received in the window's last second would be cut off.
	f := exchange.Filter{StartReceived: w.Start.Truncate(time.Second), EndReceived: w.End.Truncate(time.Second).Add(time.Second)}
	for m, err := range s.c.ListQuarantine(ctx, f) {
		if err != nil {
			return classify(err)
		}
		page = append(page, itemOf(m))
		if len(page) == pageSize {
			if err := fn(page); err != nil {
				return err
			}
			page = page[:0]
		}
	}
	if len(page) > 0 {
		return fn(page)
	}
	return nil
}

func (s m365Source) Export(ctx context.Context, identity string) ([]byte, error) {
	raw, err := s.c.Export(ctx, identity)
	if err != nil {
		return nil, classify(err)
	}
	return raw, nil
}

// classify maps Exchange and Entra failures to ingest's three kinds.
func classify(err error) error {
	switch {
	case errors.Is(err, exchange.ErrNotFound):
		return fmt.Errorf("%w: %w", ErrItemGone, err)
	case errors.Is(err, exchange.ErrInvalidParameter):
		return fmt.Errorf("%w: %w", ErrItemPermanent, err)
	case errors.Is(err, entra.ErrUnavailable), errors.Is(err, exchange.ErrTransient), errors.Is(err, exchange.ErrThrottled),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, exchange.ErrUnauthorized), errors.Is(err, exchange.ErrForbidden), errors.Is(err, exchange.ErrToken):
		return fmt.Errorf("%w: %w", ErrSetup, err)
	}
	return err
}

func itemOf(m exchange.Message) store.QuarantineItem {
	return store.QuarantineItem{
		Identity: m.Identity, MessageID: m.MessageID, ReceivedAt: m.ReceivedTime.UTC(), ExpiresAt: m.Expires.UTC(),
		Type: string(m.Type), PolicyType: m.PolicyType, PolicyName: m.PolicyName, Direction: string(m.Direction),
		Sender: strings.ToLower(m.SenderAddress), Recipients: m.RecipientAddress, Subject: m.Subject, Size: m.Size,
		ReleaseStatus: string(m.ReleaseStatus),
	}
}

// ReleaseOptions say to whom and how a release goes.
type ReleaseOptions struct {
	Users               []string // empty: every recipient
	AllowSender         bool
	ReportFalsePositive bool
}

// Release releases quarantined items to all their recipients, or to Users.
func (m *M365) Release(ctx context.Context, t store.Tenant, identities []string, o ReleaseOptions) error {
	src, err := m.Connect(ctx, t)
	if err != nil {
		return err
	}
	return src.(m365Source).c.Release(ctx, identities, exchange.ReleaseOptions{ToAll: len(o.Users) == 0, Users: o.Users,
		AllowSender: o.AllowSender, ReportFalsePositive: o.ReportFalsePositive})
}

// Delete deletes quarantined items; hard deletes them beyond recovery.
func (m *M365) Delete(ctx context.Context, t store.Tenant, identities []string, hard bool) error {
	src, err := m.Connect(ctx, t)
	if err != nil {
		return err
	}
	return src.(m365Source).c.Delete(ctx, identities, hard)
}
