package entra_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/entra"
	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
)

const unknownGUID = "0badc0de-0000-4000-8000-000000000001"

func TestToken(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	src := tn.Source(t)

	tok, err := src.AccessToken(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value == "" || time.Until(tok.ExpiresOn) < 50*time.Minute {
		t.Fatalf("token expires %v", tok.ExpiresOn)
	}
	if strings.Contains(tok.String(), tok.Value) {
		t.Fatal("Token.String shows the token")
	}
	c, err := tok.Claims()
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasRole("Exchange.ManageAsApp") || !strings.EqualFold(c.TenantID, tn.Setup.DirectoryID) || !strings.EqualFold(c.AppID, tn.Setup.AppID) {
		t.Fatalf("claims %+v", c)
	}
	if src.Thumbprint() == "" || src.Thumbprint() != strings.ToUpper(src.Thumbprint()) {
		t.Errorf("thumbprint %q", src.Thumbprint())
	}
}

// TestTokenCache: concurrent callers share one token request, and the
// token is reused until Exchange rejects it.
func TestTokenCache(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	src := tn.Source(t)
	var wg sync.WaitGroup
	toks := make([]string, 8)
	for i := range toks {
		wg.Go(func() {
			tok, err := src.Token(t.Context())
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		})
	}
	wg.Wait()
	for _, tok := range toks[1:] {
		if tok != toks[0] {
			t.Fatal("concurrent callers got different tokens")
		}
	}
	if st := sim.Stats(); st.TokensIssued != 1 || st.ByEndpoint[m365sim.EndpointToken] != 1 {
		t.Fatalf("%d tokens issued in %d token requests, want 1", st.TokensIssued, st.ByEndpoint[m365sim.EndpointToken])
	}
	fresh, err := src.Refresh(t.Context(), toks[0])
	if err != nil {
		t.Fatal(err)
	}
	if fresh == toks[0] {
		t.Fatal("Refresh returned the rejected token")
	}
	// A second caller that saw the old token rejected gets the new one.
	again, err := src.Refresh(t.Context(), toks[0])
	if err != nil || again != fresh {
		t.Fatalf("second Refresh: %v, same token %v", err, again == fresh)
	}
	if n := sim.Stats().TokensIssued; n != 2 {
		t.Fatalf("%d tokens issued, want 2", n)
	}
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	for _, tc := range []struct {
		name   string
		skip   []m365sim.SetupStep
		edit   func(t *testing.T, tn entratest.Tenant, cfg *entra.Config)
		cause  error
		code   int
		detail string
	}{
		{name: "error/unknown directory id", cause: entra.ErrUnknownTenant, code: 90002,
			edit: func(t *testing.T, tn entratest.Tenant, cfg *entra.Config) { cfg.Connection.DirectoryID = unknownGUID }},
		{name: "error/unknown application id", cause: entra.ErrUnknownApp, code: 700016,
			edit: func(t *testing.T, tn entratest.Tenant, cfg *entra.Config) { cfg.Connection.AppID = unknownGUID }},
		{name: "error/certificate not uploaded", skip: []m365sim.SetupStep{m365sim.StepCert}, cause: entra.ErrCertNotRegistered, code: 700027},
		{name: "error/certificate not uploaded during rotation", skip: []m365sim.SetupStep{m365sim.StepCert}, cause: entra.ErrCertNotRegistered, code: 700027,
			edit: func(t *testing.T, tn entratest.Tenant, cfg *entra.Config) {
				cfg.Pending = &entra.PendingCertificate{ID: "pending-id", SHA1Thumbprint: "ABCDEF"}
			},
			detail: "qtriage cert activate"},
		{name: "error/clock skew", cause: entra.ErrClockSkew, code: 700024,
			edit: func(t *testing.T, tn entratest.Tenant, cfg *entra.Config) {
				if _, err := sim.SetFaults(tn.Setup.DirectoryID, m365sim.Faults{ClockSkew: m365sim.Duration(2 * time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "error/app disabled", cause: entra.ErrAppDisabled, code: 7000112,
			edit: func(t *testing.T, tn entratest.Tenant, cfg *entra.Config) {
				if _, err := sim.SetAppEnabled(tn.Setup.DirectoryID, tn.Setup.AppID, false); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "error/token endpoint outage", cause: entra.ErrUnavailable, code: 90033,
			edit: func(t *testing.T, tn entratest.Tenant, cfg *entra.Config) {
				if _, err := sim.SetFaults(tn.Setup.DirectoryID, m365sim.Faults{TokenOutage: true}); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := strings.NewReplacer("/", "-", " ", "-").Replace(tc.name)
			tn := entratest.Setup(t, sim, name, tc.skip...)
			src := tn.Source(t, func(cfg *entra.Config) {
				if tc.edit != nil {
					tc.edit(t, tn, cfg)
				}
			})
			_, err := src.Token(t.Context())
			if !errors.Is(err, tc.cause) {
				t.Fatalf("error %v, want %v", err, tc.cause)
			}
			var e *entra.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *entra.Error", err)
			}
			if e.Code != tc.code {
				t.Errorf("AADSTS%d, want %d", e.Code, tc.code)
			}
			if e.TraceID == "" || e.CorrelationID == "" {
				t.Errorf("no trace or correlation id: %v", err)
			}
			if e.Transient() != (tc.cause == entra.ErrUnavailable) {
				t.Errorf("Transient() = %v", e.Transient())
			}
			if tc.cause == entra.ErrCertNotRegistered && e.Thumbprint != src.Thumbprint() {
				t.Errorf("thumbprint %q, want %q", e.Thumbprint, src.Thumbprint())
			}
			if tc.detail != "" && !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q does not mention %q", err, tc.detail)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has several lines: %q", err)
			}
		})
	}
}

func TestTokenOutageRecovers(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	if _, err := sim.SetFaults(tn.Setup.DirectoryID, m365sim.Faults{TokenOutage: true}); err != nil {
		t.Fatal(err)
	}
	src := tn.Source(t, func(c *entra.Config) { c.MaxAttempts = 20 })
	time.AfterFunc(100*time.Millisecond, func() { _, _ = sim.SetFaults(tn.Setup.DirectoryID, m365sim.Faults{}) })
	if _, err := src.Token(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := sim.Stats().TokensIssued; n != 1 {
		t.Fatalf("%d tokens issued", n)
	}
}

func TestTokenCancelled(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	if _, err := sim.SetFaults(tn.Setup.DirectoryID, m365sim.Faults{TokenOutage: true}); err != nil {
		t.Fatal(err)
	}
	src := tn.Source(t, func(c *entra.Config) { c.MaxAttempts, c.RetryBase, c.MaxWait = 100, time.Second, time.Second })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := src.Token(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v after the deadline", d)
	}
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	const dir = "6f1c1e44-8a4b-4d4e-9a55-6d0a3a1d2c01"
	for _, tc := range []struct {
		cloud                      store.Cloud
		authority, scope, exchange string
		discovery                  bool
	}{
		{store.CloudPublic, "https://login.microsoftonline.com/" + dir, "https://outlook.office365.com/.default", "https://outlook.office365.com", true},
		{store.CloudGCCHigh, "https://login.microsoftonline.us/" + dir, "https://outlook.office365.us/.default", "https://outlook.office365.us", true},
		{store.CloudDoD, "https://login.microsoftonline.us/" + dir, "https://outlook-dod.office365.us/.default", "https://outlook-dod.office365.us", true},
		{store.CloudCustom, "https://127.0.0.1:8443/" + dir, "https://outlook.office365.com/.default", "https://127.0.0.1:8443", false},
	} {
		t.Run(string(tc.cloud), func(t *testing.T) {
			c := store.Connection{DirectoryID: dir, Cloud: tc.cloud}
			if tc.cloud == store.CloudCustom {
				c.AuthorityURL, c.ExchangeURL = "https://127.0.0.1:8443/", "https://127.0.0.1:8443/"
			}
			ep, err := entra.EndpointsFor(c)
			if err != nil {
				t.Fatal(err)
			}
			if ep.Authority != tc.authority || ep.Scope != tc.scope || ep.ExchangeURL != tc.exchange || ep.InstanceDiscovery != tc.discovery {
				t.Fatalf("%+v", ep)
			}
		})
	}
	if _, err := entra.EndpointsFor(store.Connection{DirectoryID: dir, Cloud: "mars"}); !errors.Is(err, entra.ErrConfig) {
		t.Fatalf("unknown cloud: %v", err)
	}
	if _, err := entra.EndpointsFor(store.Connection{DirectoryID: dir, Cloud: store.CloudCustom}); !errors.Is(err, entra.ErrConfig) {
		t.Fatalf("custom without URLs: %v", err)
	}
}
