package m365sim

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Well-known identifiers of Office 365 Exchange Online.
const (
	ExchangeResourceAppID   = "00000002-0000-0ff1-ce00-000000000000"
	ExchangeResource        = "https://outlook.office365.com"
	ManageAsAppRoleID       = "dc50a0fb-09a3-484d-be87-e023b12c6440"
	ManageAsAppRole         = "Exchange.ManageAsApp"
	initialDomainSuffix     = ".onmicrosoft.com"
	transportHygieneRole    = "Transport Hygiene"
	defaultExchangeSPPrefix = "qtriage"
)

// DirectoryRole is an Entra directory role that can be assigned to a
// service principal.
type DirectoryRole string

// Directory roles the sim knows, by display name.
const (
	RoleGlobalAdministrator   DirectoryRole = "Global Administrator"
	RoleGlobalReader          DirectoryRole = "Global Reader"
	RoleSecurityAdministrator DirectoryRole = "Security Administrator"
	RoleSecurityReader        DirectoryRole = "Security Reader"
	RoleExchangeAdministrator DirectoryRole = "Exchange Administrator"
)

// TemplateID is the role's directory role template id (what a token's wids
// claim carries).
func (r DirectoryRole) TemplateID() string {
	switch r {
	case RoleGlobalAdministrator:
		return "62e90394-69f5-4237-9190-012177145e10"
	case RoleGlobalReader:
		return "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
	case RoleSecurityAdministrator:
		return "194ae4cb-b126-40b2-bd5b-6091b380977d"
	case RoleSecurityReader:
		return "5d6b6bb7-de71-4623-b4af-96380a352509"
	case RoleExchangeAdministrator:
		return "29232cdf-9323-42fd-ade2-1d097af3e4de"
	}
	return ""
}

var directoryRoles = []DirectoryRole{RoleGlobalAdministrator, RoleGlobalReader, RoleSecurityAdministrator, RoleSecurityReader, RoleExchangeAdministrator}

// ParseDirectoryRole matches a role by display name (case and space
// insensitive) or template id.
func ParseDirectoryRole(s string) (DirectoryRole, error) {
	norm := func(v string) string { return strings.ToLower(strings.ReplaceAll(v, " ", "")) }
	for _, r := range directoryRoles {
		if norm(string(r)) == norm(s) || strings.EqualFold(r.TemplateID(), s) {
			return r, nil
		}
	}
	return "", fmt.Errorf("m365sim: unknown directory role %q: %w", s, ErrInvalid)
}

func roleByTemplateID(id string) (DirectoryRole, bool) {
	for _, r := range directoryRoles {
		if strings.EqualFold(r.TemplateID(), id) {
			return r, true
		}
	}
	return "", false
}

// exchangeRoles are the Exchange management roles New-ManagementRoleAssignment
// accepts.
var exchangeRoles = []string{
	transportHygieneRole, "View-Only Configuration", "View-Only Recipients", "Mail Recipients",
	"Organization Management", "Security Admin", "Security Reader", "View-Only Audit Logs",
}

func canonicalExchangeRole(s string) (string, bool) {
	for _, r := range exchangeRoles {
		if strings.EqualFold(r, strings.TrimSpace(s)) {
			return r, true
		}
	}
	return "", false
}

// Tenant is a directory (customer organisation).
type Tenant struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name"`
	Domains     []string `json:"domains"` // [0] is the initial *.onmicrosoft.com domain
}

// InitialDomain is the tenant's *.onmicrosoft.com domain (its Organization ID).
func (t Tenant) InitialDomain() string {
	if len(t.Domains) == 0 {
		return ""
	}
	return t.Domains[0]
}

// Certificate is a certificate uploaded to an app registration.
type Certificate struct {
	ThumbprintSHA1   string    `json:"thumbprint_sha1"` // upper-case hex, as the portal shows it
	ThumbprintSHA256 string    `json:"thumbprint_sha256"`
	Subject          string    `json:"subject"`
	NotBefore        time.Time `json:"not_before"`
	NotAfter         time.Time `json:"not_after"`
	DER              []byte    `json:"der"`
}

// App is an app registration together with its service principal
// (enterprise application) in its home tenant.
type App struct {
	AppID               string          `json:"app_id"`
	ObjectID            string          `json:"object_id"`
	DisplayName         string          `json:"display_name"`
	ServicePrincipalID  string          `json:"service_principal_id"`
	Enabled             bool            `json:"enabled"`
	Certificates        []Certificate   `json:"certificates"`
	PermissionRequested bool            `json:"permission_requested"`
	ConsentGranted      bool            `json:"consent_granted"`
	DirectoryRoles      []DirectoryRole `json:"directory_roles"`
}

// ExchangeServicePrincipal is what New-ServicePrincipal creates in Exchange.
type ExchangeServicePrincipal struct {
	Identity    string `json:"identity"`
	AppID       string `json:"app_id"`
	ObjectID    string `json:"object_id"`
	DisplayName string `json:"display_name"`
}

// RoleAssignment is an Exchange management role assignment on a service
// principal.
type RoleAssignment struct {
	Identity string `json:"identity"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	App      string `json:"app"` // the service principal's object id
}

// tenantState is everything the sim holds for one tenant.
type tenantState struct {
	Tenant
	Apps            []*App                      `json:"apps"`
	ExchangeSPs     []*ExchangeServicePrincipal `json:"exchange_service_principals"`
	RoleAssignments []*RoleAssignment           `json:"role_assignments"`
	Faults          *Faults                     `json:"faults,omitempty"`
	Items           []*item                     `json:"items"` // newest first
	// Deleted are the identities of deleted items, so that seeding the
	// same messages again does not bring them back.
	Deleted []string `json:"deleted_identities,omitempty"`

	index   map[string]*item // by identity
	deleted map[string]bool
}

var tenantNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// newGUID returns a random version 4 GUID.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return formatGUID(b)
}

// hashGUID returns a GUID derived from the parts (deterministic).
func hashGUID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var b [16]byte
	copy(b[:], h[:16])
	return formatGUID(b)
}

func formatGUID(b [16]byte) string {
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isGUID(s string) bool { return guidRE.MatchString(s) }

// findTenant resolves a tenant by GUID, name or any of its domains,
// case-insensitively. The caller holds s.mu.
func (s *Sim) findTenant(ref string) *tenantState {
	ref = strings.TrimSpace(ref)
	for _, t := range s.st.Tenants {
		if strings.EqualFold(t.ID, ref) || strings.EqualFold(t.Name, ref) {
			return t
		}
		for _, d := range t.Domains {
			if strings.EqualFold(d, ref) {
				return t
			}
		}
	}
	return nil
}

func (t *tenantState) findApp(ref string) *App {
	for _, a := range t.Apps {
		if strings.EqualFold(a.AppID, ref) {
			return a
		}
	}
	for _, a := range t.Apps {
		if strings.EqualFold(a.DisplayName, ref) {
			return a
		}
	}
	return nil
}

func (t *tenantState) exchangeSP(ref string) *ExchangeServicePrincipal {
	for _, sp := range t.ExchangeSPs {
		if strings.EqualFold(sp.ObjectID, ref) || strings.EqualFold(sp.AppID, ref) ||
			strings.EqualFold(sp.Identity, ref) || strings.EqualFold(sp.DisplayName, ref) {
			return sp
		}
	}
	return nil
}

func (s *Sim) tenantAndApp(tenantRef, appRef string) (*tenantState, *App, error) {
	t := s.findTenant(tenantRef)
	if t == nil {
		return nil, nil, fmt.Errorf("m365sim: tenant %q: %w", tenantRef, ErrNotFound)
	}
	a := t.findApp(appRef)
	if a == nil {
		return nil, nil, fmt.Errorf("m365sim: app %q in tenant %q: %w", appRef, t.Name, ErrNotFound)
	}
	return t, a, nil
}

func cloneApp(a *App) App {
	c := *a
	c.Certificates = slices.Clone(a.Certificates)
	c.DirectoryRoles = slices.Clone(a.DirectoryRoles)
	return c
}

func cloneTenant(t *tenantState) Tenant {
	c := t.Tenant
	c.Domains = slices.Clone(t.Domains)
	return c
}

// CreateTenant creates a tenant named name (the initial domain becomes
// name.onmicrosoft.com).
func (s *Sim) CreateTenant(name string) (Tenant, error) {
	return s.CreateTenantWithID(name, "")
}

// CreateTenantWithID creates a tenant with a given directory id (random
// when empty).
func (s *Sim) CreateTenantWithID(name, id string) (Tenant, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if !tenantNameRE.MatchString(name) {
		return Tenant{}, fmt.Errorf("m365sim: tenant name %q must be lower-case letters, digits and dashes: %w", name, ErrInvalid)
	}
	if id == "" {
		id = newGUID()
	} else if !isGUID(id) {
		return Tenant{}, fmt.Errorf("m365sim: tenant id %q is not a GUID: %w", id, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findTenant(name) != nil || s.findTenant(id) != nil || s.findTenant(name+initialDomainSuffix) != nil {
		return Tenant{}, fmt.Errorf("m365sim: tenant %q: %w", name, ErrAlreadyExists)
	}
	t := &tenantState{
		Tenant: Tenant{ID: strings.ToLower(id), Name: name, DisplayName: name, Domains: []string{name + initialDomainSuffix}},
		index:  map[string]*item{},
	}
	s.st.Tenants = append(s.st.Tenants, t)
	s.saver.markDirty()
	return cloneTenant(t), nil
}

// Tenant returns a tenant by GUID, name or domain.
func (s *Sim) Tenant(ref string) (Tenant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.findTenant(ref)
	if t == nil {
		return Tenant{}, fmt.Errorf("m365sim: tenant %q: %w", ref, ErrNotFound)
	}
	return cloneTenant(t), nil
}

// Tenants lists all tenants.
func (s *Sim) Tenants() []Tenant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Tenant, 0, len(s.st.Tenants))
	for _, t := range s.st.Tenants {
		out = append(out, cloneTenant(t))
	}
	return out
}

// AddDomain adds a verified (vanity) domain to a tenant.
func (s *Sim) AddDomain(tenantRef, domain string) (Tenant, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" || !strings.Contains(domain, ".") || strings.HasSuffix(domain, initialDomainSuffix) {
		return Tenant{}, fmt.Errorf("m365sim: domain %q: %w", domain, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTenant(tenantRef)
	if t == nil {
		return Tenant{}, fmt.Errorf("m365sim: tenant %q: %w", tenantRef, ErrNotFound)
	}
	if s.findTenant(domain) != nil {
		return Tenant{}, fmt.Errorf("m365sim: domain %q: %w", domain, ErrAlreadyExists)
	}
	t.Domains = append(t.Domains, domain)
	s.saver.markDirty()
	return cloneTenant(t), nil
}

// CreateApp registers an app in a tenant, with its service principal, as
// the portal does.
func (s *Sim) CreateApp(tenantRef, displayName string) (App, error) {
	displayName = strings.TrimSpace(displayName)
	if displayName == "" {
		return App{}, fmt.Errorf("m365sim: app name is empty: %w", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTenant(tenantRef)
	if t == nil {
		return App{}, fmt.Errorf("m365sim: tenant %q: %w", tenantRef, ErrNotFound)
	}
	a := &App{AppID: newGUID(), ObjectID: newGUID(), ServicePrincipalID: newGUID(), DisplayName: displayName, Enabled: true}
	t.Apps = append(t.Apps, a)
	s.saver.markDirty()
	return cloneApp(a), nil
}

// App returns an app by application id or display name.
func (s *Sim) App(tenantRef, appRef string) (App, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, a, err := s.tenantAndApp(tenantRef, appRef)
	if err != nil {
		return App{}, err
	}
	return cloneApp(a), nil
}

// ParseCertificate reads one certificate, PEM or DER.
func ParseCertificate(data []byte) (*x509.Certificate, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("m365sim: PEM block %q is not a certificate: %w", block.Type, ErrInvalid)
		}
		data = block.Bytes
	}
	c, err := x509.ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("m365sim: parse certificate: %w: %w", ErrInvalid, err)
	}
	return c, nil
}

// UploadCertificate adds a certificate (PEM or DER, never a key) to an app.
func (s *Sim) UploadCertificate(tenantRef, appRef string, data []byte) (Certificate, error) {
	c, err := ParseCertificate(data)
	if err != nil {
		return Certificate{}, err
	}
	s1 := sha1.Sum(c.Raw)
	s256 := sha256.Sum256(c.Raw)
	cert := Certificate{
		ThumbprintSHA1:   strings.ToUpper(hex.EncodeToString(s1[:])),
		ThumbprintSHA256: strings.ToUpper(hex.EncodeToString(s256[:])),
		Subject:          c.Subject.String(),
		NotBefore:        c.NotBefore.UTC(),
		NotAfter:         c.NotAfter.UTC(),
		DER:              c.Raw,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, a, err := s.tenantAndApp(tenantRef, appRef)
	if err != nil {
		return Certificate{}, err
	}
	for _, have := range a.Certificates {
		if have.ThumbprintSHA1 == cert.ThumbprintSHA1 {
			return Certificate{}, fmt.Errorf("m365sim: certificate %s: %w", cert.ThumbprintSHA1, ErrAlreadyExists)
		}
	}
	a.Certificates = append(a.Certificates, cert)
	s.saver.markDirty()
	return cert, nil
}

func (s *Sim) updateApp(tenantRef, appRef string, f func(*App) error) (App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, a, err := s.tenantAndApp(tenantRef, appRef)
	if err != nil {
		return App{}, err
	}
	if err := f(a); err != nil {
		return App{}, err
	}
	s.saver.markDirty()
	return cloneApp(a), nil
}

// AddPermission requests Exchange.ManageAsApp on the app; consent also
// grants admin consent.
func (s *Sim) AddPermission(tenantRef, appRef string, consent bool) (App, error) {
	return s.updateApp(tenantRef, appRef, func(a *App) error {
		a.PermissionRequested = true
		if consent {
			a.ConsentGranted = true
		}
		return nil
	})
}

// GrantConsent grants admin consent for the app's requested permissions.
// Without a requested permission it has nothing to consent to.
func (s *Sim) GrantConsent(tenantRef, appRef string) (App, error) {
	return s.updateApp(tenantRef, appRef, func(a *App) error {
		if !a.PermissionRequested {
			return fmt.Errorf("m365sim: app %s has no requested permission to consent to: %w", a.AppID, ErrInvalid)
		}
		a.ConsentGranted = true
		return nil
	})
}

// SetAppEnabled enables or disables sign-in for an app.
func (s *Sim) SetAppEnabled(tenantRef, appRef string, enabled bool) (App, error) {
	return s.updateApp(tenantRef, appRef, func(a *App) error {
		a.Enabled = enabled
		return nil
	})
}

// AssignDirectoryRole assigns an Entra directory role to the app's service
// principal.
func (s *Sim) AssignDirectoryRole(tenantRef, appRef, role string) (App, error) {
	r, err := ParseDirectoryRole(role)
	if err != nil {
		return App{}, err
	}
	return s.updateApp(tenantRef, appRef, func(a *App) error {
		if !slices.Contains(a.DirectoryRoles, r) {
			a.DirectoryRoles = append(a.DirectoryRoles, r)
		}
		return nil
	})
}

// CreateExchangeServicePrincipal is New-ServicePrincipal for an app
// (the object id is the app's service principal).
func (s *Sim) CreateExchangeServicePrincipal(tenantRef, appRef, displayName string) (ExchangeServicePrincipal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, a, err := s.tenantAndApp(tenantRef, appRef)
	if err != nil {
		return ExchangeServicePrincipal{}, err
	}
	if displayName == "" {
		displayName = a.DisplayName
	}
	sp, err := s.newExchangeSPLocked(t, a.AppID, a.ServicePrincipalID, displayName)
	if err != nil {
		return ExchangeServicePrincipal{}, err
	}
	return *sp, nil
}

func (s *Sim) newExchangeSPLocked(t *tenantState, appID, objectID, displayName string) (*ExchangeServicePrincipal, error) {
	for _, sp := range t.ExchangeSPs {
		if strings.EqualFold(sp.AppID, appID) || strings.EqualFold(sp.ObjectID, objectID) {
			return nil, fmt.Errorf("m365sim: exchange service principal for app %s: %w", appID, ErrAlreadyExists)
		}
	}
	sp := &ExchangeServicePrincipal{Identity: strings.ToLower(objectID), AppID: strings.ToLower(appID), ObjectID: strings.ToLower(objectID), DisplayName: displayName}
	t.ExchangeSPs = append(t.ExchangeSPs, sp)
	s.saver.markDirty()
	return sp, nil
}

// AssignRole is New-ManagementRoleAssignment -App <sp> -Role role for the
// app's Exchange service principal.
func (s *Sim) AssignRole(tenantRef, appRef, role string) (RoleAssignment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, a, err := s.tenantAndApp(tenantRef, appRef)
	if err != nil {
		return RoleAssignment{}, err
	}
	ra, err := s.assignRoleLocked(t, a.ServicePrincipalID, role)
	if err != nil {
		return RoleAssignment{}, err
	}
	return *ra, nil
}

func (s *Sim) assignRoleLocked(t *tenantState, spRef, role string) (*RoleAssignment, error) {
	canon, ok := canonicalExchangeRole(role)
	if !ok {
		return nil, fmt.Errorf("m365sim: management role %q: %w", role, ErrNotFound)
	}
	sp := t.exchangeSP(spRef)
	if sp == nil {
		return nil, fmt.Errorf("m365sim: exchange service principal %q (run New-ServicePrincipal first): %w", spRef, ErrNotFound)
	}
	name := canon + "-" + sp.DisplayName
	for _, ra := range t.RoleAssignments {
		if ra.App == sp.ObjectID && ra.Role == canon {
			return nil, fmt.Errorf("m365sim: role assignment %q: %w", name, ErrAlreadyExists)
		}
	}
	ra := &RoleAssignment{Identity: newGUID(), Name: name, Role: canon, App: sp.ObjectID}
	t.RoleAssignments = append(t.RoleAssignments, ra)
	s.saver.markDirty()
	return ra, nil
}

// exchangeAccess is what a service principal may do in Exchange.
type exchangeAccess struct {
	read, write, admin bool
}

// accessFor computes the Exchange access of a service principal from its
// role assignments and the directory roles in its token (wids).
func (t *tenantState) accessFor(spObjectID string, wids []string) exchangeAccess {
	var acc exchangeAccess
	// Exchange matches the token's oid against the object id given to
	// New-ServicePrincipal: an app registration's object id never matches.
	for _, sp := range t.ExchangeSPs {
		if !strings.EqualFold(sp.ObjectID, spObjectID) {
			continue
		}
		for _, ra := range t.RoleAssignments {
			if ra.App == sp.ObjectID && ra.Role == transportHygieneRole {
				acc.read, acc.write = true, true
			}
		}
	}
	for _, w := range wids {
		r, ok := roleByTemplateID(w)
		if !ok {
			continue
		}
		switch r {
		case RoleSecurityReader, RoleGlobalReader:
			acc.read = true
		case RoleSecurityAdministrator:
			acc.read, acc.write = true, true
		case RoleGlobalAdministrator, RoleExchangeAdministrator:
			acc.read, acc.write, acc.admin = true, true, true
		}
	}
	return acc
}
