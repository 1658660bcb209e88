// Package setupcheck is qtriage's "Test connection": it walks the steps of
// the customer's setup guide in order against Microsoft (or m365sim) and,
// for the first one that is wrong, says which step of the guide is at
// fault and how to fix it, with the tenant's own values filled in (app id,
// organization, the certificate's SHA-1 thumbprint, PowerShell lines).
package setupcheck

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/qtriage/qtriage/internal/entra"
	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// Status of one check.
type Status string

// Statuses.
const (
	StatusOK      Status = "ok"
	StatusFailed  Status = "failed"
	StatusWarning Status = "warning"
	StatusSkipped Status = "skipped"
)

// Check ids, in the order they run.
const (
	CheckConnection  = "connection"
	CheckCertificate = "certificate"
	CheckToken       = "token"
	CheckPermission  = "permission"
	CheckRead        = "read"
	CheckWrite       = "write"
	CheckSummary     = "summary"
)

// Steps of the setup guide (docs/connecting.md) a failure points at.
const (
	GuideUpload     = "1. Upload the certificate to the app registration"
	GuidePermission = "2. Add Exchange.ManageAsApp and grant admin consent"
	GuideExchange   = "3. Register the app in Exchange Online and assign a role"
	GuideConnection = "4. Enter the connection in qtriage"
	GuideServer     = "qtriage server"
)

// Step is the result of one check.
type Step struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Status   Status `json:"status"`
	Observed string `json:"observed"`
	// Step is the step of the setup guide at fault ("" when ok).
	Step string `json:"step"`
	// Fix says what to do, with the tenant's own values.
	Fix string `json:"fix"`
	// Counts, for the summary, are the quarantined messages by type.
	Counts map[string]int `json:"counts,omitempty"`
}

// Report is the connection test's result. OK is true when no step failed.
type Report struct {
	OK    bool   `json:"ok"`
	Steps []Step `json:"steps"`
}

// Config is what the test needs. Slug, Certificate and Signer are
// required; Connection may be nil (that is the first failure).
type Config struct {
	Slug       string
	Connection *store.Connection
	// Certificate is the tenant's active certificate, Pending its pending
	// one during a rotation.
	Certificate store.Certificate
	Pending     *store.Certificate
	// Signer decrypts the active certificate's key (in memory only).
	Signer func(ctx context.Context) (*x509.Certificate, crypto.Signer, error)
	// Entra and Exchange may adjust the clients' configuration (tests
	// pass the emulator's HTTP client and short waits).
	Entra    func(*entra.Config)
	Exchange func(*exchange.Config)
	// StepTimeout bounds each network check (default 2 minutes).
	StepTimeout time.Duration
	// SummaryLimit bounds the messages counted by the summary (default
	// 10,000).
	SummaryLimit int
	Now          func() time.Time
	Log          *slog.Logger
}

// ForTenant loads the tenant's connection and certificates and runs the
// test. tenant.Service satisfies entra.Tenants.
func ForTenant(ctx context.Context, ts entra.Tenants, slug string, base Config) (Report, error) {
	t, err := ts.Get(ctx, slug)
	if err != nil {
		return Report{}, err
	}
	certs, err := ts.Certificates(ctx, slug)
	if err != nil {
		return Report{}, err
	}
	base.Slug, base.Connection = slug, t.Connection
	found := false
	for _, c := range certs {
		switch c.Status {
		case store.CertActive:
			base.Certificate, found = c, true
		case store.CertPending:
			base.Pending = &c
		case store.CertRetired:
		}
	}
	if !found {
		return Report{}, fmt.Errorf("tenant %q has no active certificate: %w", slug, store.ErrNotFound)
	}
	base.Signer = func(ctx context.Context) (*x509.Certificate, crypto.Signer, error) { return ts.Signer(ctx, slug) }
	return Run(ctx, base), nil
}

// run is one connection test in progress.
type run struct {
	cfg   Config
	now   time.Time
	steps []Step
	// Filled as the checks go.
	conn   store.Connection
	src    *entra.Source
	claims entra.Claims
	client *exchange.Client
}

// Run runs the checks in order. A failed check skips those that depend on
// it; the report is produced whatever happens.
func Run(ctx context.Context, cfg Config) Report {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.StepTimeout <= 0 {
		cfg.StepTimeout = 2 * time.Minute
	}
	if cfg.SummaryLimit <= 0 {
		cfg.SummaryLimit = 10000
	}
	r := &run{cfg: cfg, now: cfg.Now().UTC()}
	checks := []struct {
		id, title string
		fn        func(ctx context.Context) Step
		// needed: a failure here skips the checks after it.
		needed bool
	}{
		{CheckConnection, "Connection settings are complete and well-formed", r.checkConnection, true},
		{CheckCertificate, "The tenant certificate is valid", r.checkCertificate, true},
		{CheckToken, "Entra ID issues a token with the certificate", r.checkToken, true},
		{CheckPermission, "The token carries Exchange.ManageAsApp (admin consent granted)", r.checkPermission, true},
		{CheckRead, "Exchange Online runs a read cmdlet (Get-QuarantineMessage)", r.checkRead, true},
		{CheckWrite, "Release and delete are permitted", r.checkWrite, false},
		{CheckSummary, "Quarantine now (last 16 days)", r.checkSummary, false},
	}
	blocked := ""
	for _, c := range checks {
		var s Step
		if blocked != "" {
			s = Step{Status: StatusSkipped, Observed: "not run: the " + blocked + " check failed"}
		} else {
			sctx, cancel := context.WithTimeout(ctx, cfg.StepTimeout)
			s = c.fn(sctx)
			cancel()
			if ctx.Err() != nil && s.Status == StatusFailed {
				s.Observed += " (the test was cancelled)"
			}
		}
		s.ID, s.Title = c.id, c.title
		if s.Status == StatusFailed && c.needed {
			blocked = c.id
		}
		r.steps = append(r.steps, s)
		cfg.Log.Debug("connection test", "tenant", cfg.Slug, "check", s.ID, "status", s.Status)
	}
	rep := Report{OK: true, Steps: r.steps}
	for _, s := range r.steps {
		if s.Status == StatusFailed {
			rep.OK = false
		}
	}
	return rep
}

// Values the fixes quote.

func (r *run) appID() string {
	if r.conn.AppID != "" {
		return r.conn.AppID
	}
	return "<Application (client) ID>"
}

func (r *run) org() string {
	if r.conn.Organization != "" {
		return r.conn.Organization
	}
	return "<NAME.onmicrosoft.com>"
}

func (r *run) connectCommand() string {
	return fmt.Sprintf("qtriage tenant connect %s --app-id %s --directory-id %s --organization %s",
		r.cfg.Slug, orDefault(r.conn.AppID, "<Application (client) ID>"), orDefault(r.conn.DirectoryID, "<Directory (tenant) ID>"), r.org())
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (r *run) loginHost() string {
	switch r.conn.Cloud {
	case store.CloudGCCHigh, store.CloudDoD:
		return "login.microsoftonline.us"
	case store.CloudCustom:
		return r.conn.AuthorityURL
	case store.CloudPublic:
	}
	return "login.microsoftonline.com"
}

// 1. Connection settings.
func (r *run) checkConnection(context.Context) Step {
	c := r.cfg.Connection
	if c == nil {
		return Step{Status: StatusFailed, Observed: "no Microsoft 365 connection is stored for this tenant",
			Step: GuideConnection,
			Fix: "Copy the Application (client) ID and the Directory (tenant) ID from Entra ID → App registrations → your app → Overview, " +
				"and the Organization ID (the domain ending in .onmicrosoft.com) from Entra ID → Custom domain names, then run: " + r.connectCommand()}
	}
	r.conn = *c
	_, err := tenant.ConnectInput{AppID: c.AppID, DirectoryID: c.DirectoryID, Organization: c.Organization, Cloud: string(c.Cloud),
		AuthorityURL: c.AuthorityURL, ExchangeURL: c.ExchangeURL, CAFile: c.CAFile}.Normalize()
	if err != nil {
		return Step{Status: StatusFailed, Observed: oneLine(strings.ReplaceAll(err.Error(), "\n", "; ")), Step: GuideConnection,
			Fix: "Correct the settings named above and run: " + r.connectCommand()}
	}
	obs := fmt.Sprintf("application (client) ID %s, directory (tenant) ID %s, organization %s, cloud %s", c.AppID, c.DirectoryID, c.Organization, c.Cloud)
	if c.Cloud == store.CloudCustom {
		obs += fmt.Sprintf(" (authority %s, Exchange %s)", c.AuthorityURL, c.ExchangeURL)
	}
	return Step{Status: StatusOK, Observed: obs}
}

// 2. Certificate.
func (r *run) checkCertificate(ctx context.Context) Step {
	c := r.cfg.Certificate
	days := keyring.DaysLeft(c, r.now)
	obs := fmt.Sprintf("active certificate %s, SHA-1 thumbprint %s, valid %s to %s (%d days left)",
		c.ID, c.SHA1Thumbprint, c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly), days)
	rotate := fmt.Sprintf("Rotate it: qtriage cert rotate %s, upload the new certificate (qtriage cert download %s) to the app in Entra ID → App registrations → Certificates & secrets → Certificates, then qtriage cert activate %s <new certificate id>.",
		r.cfg.Slug, r.cfg.Slug, r.cfg.Slug)
	switch {
	case r.now.Before(c.NotBefore):
		return Step{Status: StatusFailed, Observed: obs + ": not valid yet", Step: GuideServer,
			Fix: "The certificate starts in the future for this server: check this server's clock (timedatectl; enable NTP)."}
	case !r.now.Before(c.NotAfter):
		return Step{Status: StatusFailed, Observed: obs + ": expired", Step: GuideUpload, Fix: rotate}
	}
	cert, key, err := r.cfg.Signer(ctx)
	if err != nil {
		return Step{Status: StatusFailed, Observed: "the certificate's private key cannot be used: " + oneLine(err.Error()), Step: GuideServer,
			Fix: "This qtriage cannot decrypt the tenant's key: check that QTRIAGE_MASTER_KEY or the master key file is the one the key was sealed with (qtriage keyring status)."}
	}
	if r.cfg.Pending != nil {
		obs += fmt.Sprintf("; pending certificate %s (SHA-1 %s) waiting for activation", r.cfg.Pending.ID, r.cfg.Pending.SHA1Thumbprint)
	}
	step := Step{Status: StatusOK, Observed: obs}
	if keyring.ExpiresSoon(c, r.now) {
		step.Status, step.Step, step.Fix = StatusWarning, GuideUpload, "The certificate expires in "+fmt.Sprint(days)+" days. "+rotate
	}
	cfg := entra.Config{Tenant: r.cfg.Slug, Connection: r.conn, Certificate: cert, Key: key, Log: r.cfg.Log}
	if p := r.cfg.Pending; p != nil {
		cfg.Pending = &entra.PendingCertificate{ID: p.ID, SHA1Thumbprint: p.SHA1Thumbprint}
	}
	if r.cfg.Entra != nil {
		r.cfg.Entra(&cfg)
	}
	if r.src, err = entra.New(cfg); err != nil {
		return Step{Status: StatusFailed, Observed: oneLine(err.Error()), Step: GuideConnection, Fix: "Correct the connection and run: " + r.connectCommand()}
	}
	return step
}

// 3. Token.
func (r *run) checkToken(ctx context.Context) Step {
	tok, err := r.src.AccessToken(ctx)
	if err == nil {
		if r.claims, err = tok.Claims(); err != nil {
			return Step{Status: StatusFailed, Observed: "Entra ID answered with a token qtriage cannot read", Step: GuideServer, Fix: "Report this to qtriage's maintainers."}
		}
		return Step{Status: StatusOK, Observed: fmt.Sprintf("token issued by %s for app %s in directory %s, valid until %s",
			r.loginHost(), r.claims.AppID, r.claims.TenantID, tok.ExpiresOn.Format(time.RFC3339))}
	}
	var e *entra.Error
	if !errors.As(err, &e) {
		return Step{Status: StatusFailed, Observed: oneLine(err.Error()), Step: GuideServer, Fix: "See the error above."}
	}
	obs := oneLine(err.Error())
	s := Step{Status: StatusFailed, Observed: obs}
	thumb := r.cfg.Certificate.SHA1Thumbprint
	switch {
	case errors.Is(err, entra.ErrUnknownTenant):
		s.Step = GuideConnection
		s.Fix = fmt.Sprintf("Microsoft (%s) knows no directory %s. Copy the Directory (tenant) ID from Entra ID → App registrations → the app %s → Overview; if the tenant is in a US government cloud, connect it with --cloud gcchigh or --cloud dod. Then run: %s",
			r.loginHost(), r.conn.DirectoryID, r.appID(), r.connectCommand())
	case errors.Is(err, entra.ErrUnknownApp):
		s.Step = GuideConnection
		s.Fix = fmt.Sprintf("No application with the Application (client) ID %s exists in directory %s. Copy both IDs from the same page, Entra ID → App registrations → the app → Overview (the Application ID, not the Object ID), then run: %s",
			r.appID(), r.conn.DirectoryID, r.connectCommand())
	case errors.Is(err, entra.ErrCertNotRegistered) && strings.Contains(strings.ToLower(e.Description), "not yet valid"):
		s.Step = GuideServer
		s.Fix = fmt.Sprintf("Entra ID holds the certificate %s but considers it not valid yet: it was issued by a server whose clock runs ahead. Synchronise this server's clock with NTP (it reads %s UTC), then rotate the certificate (qtriage cert rotate %s) and upload the new one.",
			thumb, r.now.Format(time.DateTime), r.cfg.Slug)
	case errors.Is(err, entra.ErrCertNotRegistered) && strings.Contains(strings.ToLower(e.Description), "expired"):
		s.Step = GuideUpload
		s.Fix = fmt.Sprintf("The certificate %s uploaded to the app %s has expired for Entra ID. Rotate it: qtriage cert rotate %s, upload the new certificate (qtriage cert download %s), then qtriage cert activate %s <new certificate id>.",
			thumb, r.appID(), r.cfg.Slug, r.cfg.Slug, r.cfg.Slug)
	case errors.Is(err, entra.ErrCertNotRegistered):
		s.Step = GuideUpload
		s.Fix = fmt.Sprintf("The certificate is not uploaded to the app %s. Download it with: qtriage cert download %s; then in Entra ID → App registrations → the app → Certificates & secrets → Certificates → Upload certificate. The list must then show the thumbprint %s.",
			r.appID(), r.cfg.Slug, thumb)
		if e.Thumbprint != "" && !strings.EqualFold(e.Thumbprint, thumb) {
			s.Fix += fmt.Sprintf(" (Microsoft saw the thumbprint %s.)", e.Thumbprint)
		}
		if e.RotationHint != "" {
			s.Fix += " Note: " + e.RotationHint + "."
		}
	case errors.Is(err, entra.ErrBadSignature):
		s.Step = GuideUpload
		s.Fix = fmt.Sprintf("The app holds a certificate with the thumbprint %s but the signature does not verify with it: remove that certificate from the app and upload it again (qtriage cert download %s), or rotate (qtriage cert rotate %s).",
			thumb, r.cfg.Slug, r.cfg.Slug)
	case errors.Is(err, entra.ErrClockSkew):
		s.Step = GuideServer
		s.Fix = fmt.Sprintf("Entra ID finds the signed request outside its time window: this server's clock is wrong (it reads %s UTC). Synchronise it with NTP (timedatectl set-ntp true, or chrony) and test again.",
			r.now.Format(time.DateTime))
	case errors.Is(err, entra.ErrAppDisabled):
		s.Step = GuidePermission
		s.Fix = fmt.Sprintf("Sign-in is disabled for the app %s: in Entra ID → Enterprise applications → the app → Properties, set \"Enabled for users to sign-in?\" to Yes.", r.appID())
	case errors.Is(err, entra.ErrInvalidScope):
		s.Step = GuideConnection
		s.Fix = "Exchange Online is not available in this directory from this cloud: check that the tenant has Exchange Online, and that the cloud (public, gcchigh, dod) is right: " + r.connectCommand() + " --cloud <cloud>"
	case errors.Is(err, entra.ErrUnavailable):
		s.Step = GuideServer
		s.Fix = fmt.Sprintf("qtriage could not get an answer from %s: check this server's network, DNS, proxy (HTTPS_PROXY) and firewall, then test again.", r.loginHost())
	default:
		s.Step = GuideConnection
		s.Fix = "Entra ID refused the request (see the AADSTS code above; https://login.microsoftonline.com/error?code=<code> explains it)."
	}
	return s
}

// 4. Exchange.ManageAsApp.
func (r *run) checkPermission(context.Context) Step {
	roles := "none"
	if len(r.claims.Roles) > 0 {
		roles = strings.Join(r.claims.Roles, ", ")
	}
	if r.claims.HasRole("Exchange.ManageAsApp") {
		return Step{Status: StatusOK, Observed: "app roles in the token: " + roles}
	}
	return Step{Status: StatusFailed, Observed: "app roles in the token: " + roles + " (Exchange.ManageAsApp missing)", Step: GuidePermission,
		Fix: fmt.Sprintf("In Entra ID → App registrations → the app %s → API permissions → Add a permission → APIs my organization uses → \"Office 365 Exchange Online\" → Application permissions → Exchange.ManageAsApp → Add permissions; then click \"Grant admin consent for <your organization>\" (a Global Administrator or Privileged Role Administrator must do it). The status column must read Granted.",
			r.appID())}
}

// psLines are the PowerShell lines of guide step 3, filled in.
func (r *run) psLines() string {
	connect := fmt.Sprintf("Connect-ExchangeOnline -Organization '%s'", r.org())
	switch r.conn.Cloud {
	case store.CloudGCCHigh:
		connect += " -ExchangeEnvironmentName O365USGovGCCHigh"
	case store.CloudDoD:
		connect += " -ExchangeEnvironmentName O365USGovDoD"
	case store.CloudPublic, store.CloudCustom:
	}
	oid := r.claims.ObjectID
	lines := []string{}
	if oid == "" {
		lines = append(lines, "Connect-MgGraph -Scopes 'Application.Read.All'",
			fmt.Sprintf("$sp = Get-MgServicePrincipal -Filter \"AppId eq '%s'\"", r.appID()))
		oid = "$sp.Id"
	} else {
		oid = "'" + oid + "'"
	}
	lines = append(lines, connect,
		fmt.Sprintf("New-ServicePrincipal -AppId '%s' -ObjectId %s -DisplayName 'qtriage'", r.appID(), oid),
		fmt.Sprintf("New-ManagementRoleAssignment -App %s -Role 'Transport Hygiene'", oid))
	return strings.Join(lines, "\n")
}

// 5. A read cmdlet.
func (r *run) checkRead(ctx context.Context) Step {
	ecfg := exchange.Config{BaseURL: r.src.Endpoints().ExchangeURL, Organization: r.conn.Organization, DirectoryID: r.conn.DirectoryID,
		Tokens: r.src, HTTPClient: r.src.HTTPClient(), Log: r.cfg.Log, MaxAttempts: 3}
	if r.cfg.Exchange != nil {
		r.cfg.Exchange(&ecfg)
	}
	var err error
	if r.client, err = exchange.New(ecfg); err != nil {
		return Step{Status: StatusFailed, Observed: oneLine(err.Error()), Step: GuideConnection, Fix: "Correct the connection and run: " + r.connectCommand()}
	}
	_, err = r.first(ctx)
	if err == nil {
		return Step{Status: StatusOK, Observed: fmt.Sprintf("Get-QuarantineMessage -PageSize 1 answered for organization %s", r.conn.Organization)}
	}
	s := Step{Status: StatusFailed, Observed: oneLine(err.Error())}
	switch {
	case errors.Is(err, exchange.ErrForbidden):
		s.Step = GuideExchange
		s.Fix = "Exchange Online does not let the app run quarantine cmdlets: its service principal is not registered in Exchange, or it has no role there. " +
			"As an Exchange administrator, in PowerShell:\n" + r.psLines() +
			"\n(Alternatively assign the Entra directory role Security Administrator to the app's enterprise application; Security Reader allows only reading.) Role changes can take up to an hour to apply."
	case errors.Is(err, exchange.ErrUnauthorized):
		s.Step = GuideConnection
		s.Fix = fmt.Sprintf("Exchange Online refused the token for organization %s: the Organization ID must be this tenant's own domain ending in .onmicrosoft.com (Entra ID → Custom domain names), not a custom domain nor another tenant's. Correct it with: %s",
			r.org(), r.connectCommand())
	case errors.Is(err, exchange.ErrNotFound):
		s.Step = GuideConnection
		s.Fix = fmt.Sprintf("Exchange Online knows no organization %s: copy the domain ending in .onmicrosoft.com from Entra ID → Custom domain names and run: %s", r.org(), r.connectCommand())
	case errors.Is(err, exchange.ErrToken):
		s.Step = GuideServer
		s.Fix = "A new token could not be obtained: run the test again; if it persists, see the token check."
	default:
		s.Step = GuideServer
		s.Fix = "Exchange Online did not answer as expected: check this server's network and test again; if it persists, quote the request ids above to Microsoft support."
	}
	return s
}

func (r *run) first(ctx context.Context) (exchange.Message, error) {
	for m, err := range r.client.ListQuarantine(ctx, exchange.Filter{PageSize: 1}) {
		return m, err
	}
	return exchange.Message{}, nil
}

// probeIdentity is a well-formed quarantine identity that names nothing.
const probeIdentity = `00000000-0000-0000-0000-000000000000\00000000-0000-0000-0000-000000000000`

// 6. Write permission, probed without side effects: a release and a
// delete of an identity that does not exist. "Not found" means the cmdlet
// ran, so it is permitted; 403 means a read-only role.
func (r *run) checkWrite(ctx context.Context) Step {
	var denied, unclear []string
	for _, probe := range []struct {
		cmdlet string
		fn     func() error
	}{
		{"Release-QuarantineMessage", func() error {
			return r.client.Release(ctx, []string{probeIdentity}, exchange.ReleaseOptions{ToAll: true})
		}},
		{"Delete-QuarantineMessage", func() error { return r.client.Delete(ctx, []string{probeIdentity}, false) }},
	} {
		err := probe.fn()
		switch {
		case err == nil, errors.Is(err, exchange.ErrNotFound), errors.Is(err, exchange.ErrInvalidParameter):
			// It ran: permitted.
		case errors.Is(err, exchange.ErrForbidden):
			denied = append(denied, probe.cmdlet)
		default:
			unclear = append(unclear, probe.cmdlet+": "+oneLine(err.Error()))
		}
	}
	switch {
	case len(denied) > 0:
		return Step{Status: StatusWarning, Observed: "reading works but " + strings.Join(denied, " and ") + " are forbidden: the app has a read-only role (such as Security Reader)",
			Step: GuideExchange,
			Fix: "To release and delete from qtriage, give the app the Transport Hygiene role in Exchange Online:\n" + r.psLines() +
				"\n(or assign the Entra directory role Security Administrator instead of Security Reader). Until then qtriage can analyse but not act."}
	case len(unclear) > 0:
		return Step{Status: StatusWarning, Observed: "could not tell whether release and delete are permitted: " + strings.Join(unclear, "; "),
			Step: GuideExchange, Fix: "Test again later; if it persists, check the app's Exchange role assignments (Get-ManagementRoleAssignment -RoleAssignee <service principal>)."}
	}
	return Step{Status: StatusOK, Observed: "Release-QuarantineMessage and Delete-QuarantineMessage are permitted (probed with an identity that does not exist: nothing was changed)"}
}

// 7. Summary.
func (r *run) checkSummary(ctx context.Context) Step {
	counts := map[string]int{}
	n := 0
	more := false
	for m, err := range r.client.ListQuarantine(ctx, exchange.Filter{}) {
		if err != nil {
			return Step{Status: StatusWarning, Observed: fmt.Sprintf("listing stopped after %d messages: %s", n, oneLine(err.Error())), Step: GuideServer,
				Fix: "The connection works; the listing did not finish. Test again later."}
		}
		if n >= r.cfg.SummaryLimit {
			more = true
			break
		}
		n++
		t := string(m.Type)
		if t == "" {
			t = m.TypeDisplay
		}
		counts[t]++
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	slices.SortFunc(types, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%s %d", t, counts[t])
	}
	total := fmt.Sprint(n)
	if more {
		total = "more than " + total
	}
	obs := total + " messages in quarantine"
	if len(parts) > 0 {
		obs += ": " + strings.Join(parts, ", ")
	}
	return Step{Status: StatusOK, Observed: obs, Counts: counts}
}

// oneLine flattens an error text.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
