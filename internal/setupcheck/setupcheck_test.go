package setupcheck_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/entra"
	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/setupcheck"
	"github.com/qtriage/qtriage/internal/store"
)

// config is the connection test of a sim tenant with short waits.
func config(tn entratest.Tenant) setupcheck.Config {
	conn := tn.Connection
	conn.CAFile = ""
	return setupcheck.Config{
		Slug: "contoso", Connection: &conn, Certificate: tn.StoreCertificate(),
		Signer: func(context.Context) (*x509.Certificate, crypto.Signer, error) { return tn.Certificate, tn.Key, nil },
		Entra: func(c *entra.Config) {
			c.HTTPClient = tn.Sim.HTTPClient()
			c.RetryBase, c.MaxWait, c.MaxAttempts = time.Millisecond, 10*time.Millisecond, 2
		},
		Exchange: func(c *exchange.Config) { c.RetryBase, c.MaxWait = time.Millisecond, 10*time.Millisecond },
	}
}

func TestConnectionTest(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	other := entratest.Setup(t, sim, "fabrikam")
	const unknown = "0badc0de-0000-4000-8000-000000000001"
	type tcase struct {
		name string
		skip []m365sim.SetupStep
		// prepare may change the sim and the config.
		prepare func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config)
		cert    func(t *testing.T) (*x509.Certificate, *rsa.PrivateKey)
		// failed is the check that fails ("" when none), warn one that warns.
		failed, warn, guide string
		// fix must contain these, after {app}, {org}, {thumb}, {dir}, {oid}
		// are replaced by the tenant's values.
		fix []string
	}
	for _, tc := range []tcase{
		{name: "ok", fix: nil},
		{name: "error/no connection", failed: setupcheck.CheckConnection, guide: setupcheck.GuideConnection,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) { cfg.Connection = nil },
			fix:     []string{"qtriage tenant connect contoso --app-id <Application (client) ID>"}},
		{name: "error/vanity organization", failed: setupcheck.CheckConnection, guide: setupcheck.GuideConnection,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				if _, err := sim.AddDomain(tn.Setup.DirectoryID, "contoso-vanity.example"); err != nil {
					t.Fatal(err)
				}
				cfg.Connection.Organization = "contoso-vanity.example"
			},
			fix: []string{"qtriage tenant connect contoso"}},
		{name: "error/unknown directory id", failed: setupcheck.CheckToken, guide: setupcheck.GuideConnection,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) { cfg.Connection.DirectoryID = unknown },
			fix:     []string{"knows no directory " + unknown, "Directory (tenant) ID", "--cloud gcchigh"}},
		{name: "error/unknown application id", failed: setupcheck.CheckToken, guide: setupcheck.GuideConnection,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) { cfg.Connection.AppID = unknown },
			fix:     []string{"Application (client) ID " + unknown, "{dir}"}},
		{name: "error/application of another directory", failed: setupcheck.CheckToken, guide: setupcheck.GuideConnection,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				cfg.Connection.AppID = other.Setup.AppID
			},
			fix: []string{"Application (client) ID " + other.Setup.AppID}},
		{name: "error/certificate not uploaded", skip: []m365sim.SetupStep{m365sim.StepCert}, failed: setupcheck.CheckToken, guide: setupcheck.GuideUpload,
			fix: []string{"qtriage cert download contoso", "thumbprint {thumb}", "the app {app}"}},
		{name: "error/certificate not uploaded during rotation", skip: []m365sim.SetupStep{m365sim.StepCert}, failed: setupcheck.CheckToken, guide: setupcheck.GuideUpload,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				cfg.Pending = &store.Certificate{ID: "next-cert", SHA1Thumbprint: "0123456789ABCDEF0123456789ABCDEF01234567", Status: store.CertPending}
			},
			fix: []string{"qtriage cert activate contoso next-cert", "0123456789ABCDEF0123456789ABCDEF01234567"}},
		{name: "error/clock skew", failed: setupcheck.CheckToken, guide: setupcheck.GuideServer,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				setFaults(t, tn, m365sim.Faults{ClockSkew: m365sim.Duration(3 * time.Hour)})
			},
			fix: []string{"clock", "NTP"}},
		{name: "error/certificate issued by a clock running ahead", failed: setupcheck.CheckToken, guide: setupcheck.GuideServer,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				setFaults(t, tn, m365sim.Faults{ClockSkew: m365sim.Duration(-3 * time.Hour)})
			},
			fix: []string{"not valid yet", "NTP", "qtriage cert rotate contoso"}},
		{name: "error/app disabled", failed: setupcheck.CheckToken, guide: setupcheck.GuidePermission,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				if _, err := sim.SetAppEnabled(tn.Setup.DirectoryID, tn.Setup.AppID, false); err != nil {
					t.Fatal(err)
				}
			},
			fix: []string{"Enabled for users to sign-in", "{app}"}},
		{name: "error/token endpoint down", failed: setupcheck.CheckToken, guide: setupcheck.GuideServer,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				setFaults(t, tn, m365sim.Faults{TokenOutage: true})
			},
			fix: []string{"network"}},
		{name: "error/permission not added", skip: []m365sim.SetupStep{m365sim.StepPermission, m365sim.StepConsent}, failed: setupcheck.CheckPermission, guide: setupcheck.GuidePermission,
			fix: []string{"Exchange.ManageAsApp", "Grant admin consent", "{app}"}},
		{name: "error/admin consent not granted", skip: []m365sim.SetupStep{m365sim.StepConsent}, failed: setupcheck.CheckPermission, guide: setupcheck.GuidePermission,
			fix: []string{"Grant admin consent"}},
		{name: "error/no exchange service principal", skip: []m365sim.SetupStep{m365sim.StepSP, m365sim.StepRole}, failed: setupcheck.CheckRead, guide: setupcheck.GuideExchange,
			fix: []string{"Connect-ExchangeOnline -Organization '{org}'", "New-ServicePrincipal -AppId '{app}' -ObjectId '{oid}' -DisplayName 'qtriage'", "New-ManagementRoleAssignment -App '{oid}' -Role 'Transport Hygiene'"}},
		{name: "error/no role assignment", skip: []m365sim.SetupStep{m365sim.StepRole}, failed: setupcheck.CheckRead, guide: setupcheck.GuideExchange,
			fix: []string{"New-ManagementRoleAssignment -App '{oid}' -Role 'Transport Hygiene'"}},
		{name: "warning/read-only role", skip: []m365sim.SetupStep{m365sim.StepSP, m365sim.StepRole}, warn: setupcheck.CheckWrite, guide: setupcheck.GuideExchange,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				if _, err := sim.AssignDirectoryRole(tn.Setup.DirectoryID, tn.Setup.AppID, string(m365sim.RoleSecurityReader)); err != nil {
					t.Fatal(err)
				}
			},
			fix: []string{"Transport Hygiene", "Security Administrator"}},
		{name: "ok/security administrator", skip: []m365sim.SetupStep{m365sim.StepSP, m365sim.StepRole},
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				if _, err := sim.AssignDirectoryRole(tn.Setup.DirectoryID, tn.Setup.AppID, string(m365sim.RoleSecurityAdministrator)); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "error/organization of another tenant", failed: setupcheck.CheckRead, guide: setupcheck.GuideConnection,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				cfg.Connection.Organization = other.Setup.Organization
			},
			fix: []string{"Organization ID", ".onmicrosoft.com"}},
		{name: "error/unknown organization", failed: setupcheck.CheckRead, guide: setupcheck.GuideConnection,
			prepare: func(t *testing.T, tn entratest.Tenant, cfg *setupcheck.Config) {
				cfg.Connection.Organization = "nobody.onmicrosoft.com"
			},
			fix: []string{"knows no organization nobody.onmicrosoft.com"}},
		{name: "warning/certificate expires soon", warn: setupcheck.CheckCertificate, guide: setupcheck.GuideUpload,
			cert: func(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
				return entratest.NewCert(t, 0, time.Now().Add(-time.Hour), time.Now().Add(10*24*time.Hour))
			},
			fix: []string{"qtriage cert rotate contoso"}},
		{name: "error/certificate expired", failed: setupcheck.CheckCertificate, guide: setupcheck.GuideUpload,
			cert: func(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
				return entratest.NewCert(t, 0, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour))
			},
			fix: []string{"qtriage cert rotate contoso"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := strings.NewReplacer("/", "-", " ", "-").Replace(tc.name)
			var tn entratest.Tenant
			if tc.cert != nil {
				c, k := tc.cert(t)
				tn = entratest.SetupWithCert(t, sim, name, c, k, tc.skip...)
			} else {
				tn = entratest.Setup(t, sim, name, tc.skip...)
			}
			if _, err := sim.AddMessage(tn.Setup.DirectoryID, []byte("From: a@evil.example\r\nTo: u@contoso.example\r\nSubject: hi\r\n\r\nbody\r\n"), m365sim.MessageMeta{Type: m365sim.TypePhish}); err != nil {
				t.Fatal(err)
			}
			cfg := config(tn)
			if tc.prepare != nil {
				tc.prepare(t, tn, &cfg)
			}
			rep := setupcheck.Run(t.Context(), cfg)
			js, _ := json.MarshalIndent(rep, "", "  ")
			t.Logf("%s", js)
			if rep.OK != (tc.failed == "") {
				t.Errorf("ok %v", rep.OK)
			}
			if len(rep.Steps) != 7 {
				t.Fatalf("%d steps", len(rep.Steps))
			}
			failedSeen := false
			for _, s := range rep.Steps {
				want := setupcheck.StatusOK
				switch {
				case failedSeen && s.ID != setupcheck.CheckWrite && s.ID != setupcheck.CheckSummary || failedSeen && rep.Steps[4].Status != setupcheck.StatusOK:
					want = setupcheck.StatusSkipped
				case s.ID == tc.failed:
					want = setupcheck.StatusFailed
				case s.ID == tc.warn:
					want = setupcheck.StatusWarning
				}
				if s.Status != want {
					t.Errorf("check %s: %s, want %s: %s", s.ID, s.Status, want, s.Observed)
				}
				if s.ID == tc.failed {
					failedSeen = true
				}
				if s.Status == setupcheck.StatusFailed || s.Status == setupcheck.StatusWarning {
					if s.Step != tc.guide {
						t.Errorf("check %s blames %q, want %q", s.ID, s.Step, tc.guide)
					}
					for _, f := range tc.fix {
						f = strings.NewReplacer("{app}", tn.Setup.AppID, "{org}", tn.Setup.Organization, "{dir}", tn.Setup.DirectoryID,
							"{thumb}", tn.StoreCertificate().SHA1Thumbprint, "{oid}", servicePrincipal(t, sim, tn)).Replace(f)
						if !strings.Contains(s.Fix, f) {
							t.Errorf("check %s: fix does not contain %q:\n%s", s.ID, f, s.Fix)
						}
					}
				}
				if s.Status == setupcheck.StatusOK && (s.Fix != "" || s.Step != "") {
					t.Errorf("check %s is ok but has a fix", s.ID)
				}
			}
			if tc.failed == "" && !strings.Contains(rep.Steps[6].Observed, "1 messages in quarantine: Phish 1") {
				t.Errorf("summary %q", rep.Steps[6].Observed)
			}
		})
	}
}

func setFaults(t *testing.T, tn entratest.Tenant, f m365sim.Faults) {
	t.Helper()
	if _, err := tn.Sim.SetFaults(tn.Setup.DirectoryID, f); err != nil {
		t.Fatal(err)
	}
}

func servicePrincipal(t *testing.T, sim *m365sim.Sim, tn entratest.Tenant) string {
	t.Helper()
	app, err := sim.App(tn.Setup.DirectoryID, tn.Setup.AppID)
	if err != nil {
		t.Fatal(err)
	}
	return app.ServicePrincipalID
}
