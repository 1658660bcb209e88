package m365sim

import (
	"errors"
	"fmt"
	"slices"
)

// SetupStep is one step of the customer's setup guide, named to be skipped.
type SetupStep string

// Steps of the setup guide that Setup can leave out.
const (
	StepCert       SetupStep = "cert"       // upload the certificate
	StepPermission SetupStep = "permission" // add Exchange.ManageAsApp
	StepConsent    SetupStep = "consent"    // grant admin consent
	StepSP         SetupStep = "sp"         // New-ServicePrincipal
	StepRole       SetupStep = "role"       // New-ManagementRoleAssignment Transport Hygiene
)

// ParseSetupStep validates a step name.
func ParseSetupStep(s string) (SetupStep, error) {
	switch st := SetupStep(s); st {
	case StepCert, StepPermission, StepConsent, StepSP, StepRole:
		return st, nil
	}
	return "", fmt.Errorf("m365sim: unknown setup step %q (cert, permission, consent, sp, role): %w", s, ErrInvalid)
}

// SetupOptions is the input of Setup.
type SetupOptions struct {
	// TenantName is the tenant to use, created when it does not exist.
	TenantName string
	// AppName is the app registration's display name; default "qtriage".
	AppName string
	// Certificate is the tenant certificate, PEM or DER.
	Certificate []byte
	// Skip leaves steps out, to reproduce a customer's mistake.
	Skip []SetupStep
}

// SetupResult is what a customer types into qtriage after the guide.
type SetupResult struct {
	DirectoryID  string `json:"directory_id"`
	AppID        string `json:"app_id"`
	Organization string `json:"organization"`
	AuthorityURL string `json:"authority_url"`
	ExchangeURL  string `json:"exchange_url"`
}

// Setup performs the whole customer guide for a certificate: tenant, app
// registration, certificate upload, Exchange.ManageAsApp with admin consent,
// New-ServicePrincipal and the Transport Hygiene role assignment.
func (s *Sim) Setup(opts SetupOptions) (SetupResult, error) {
	return s.setup(opts, s.url)
}

func (s *Sim) setup(opts SetupOptions, base string) (SetupResult, error) {
	for _, st := range opts.Skip {
		if _, err := ParseSetupStep(string(st)); err != nil {
			return SetupResult{}, err
		}
	}
	skip := func(st SetupStep) bool { return slices.Contains(opts.Skip, st) }
	if opts.AppName == "" {
		opts.AppName = defaultExchangeSPPrefix
	}
	if !skip(StepCert) && len(opts.Certificate) == 0 {
		return SetupResult{}, fmt.Errorf("m365sim: setup needs a certificate: %w", ErrInvalid)
	}
	t, err := s.Tenant(opts.TenantName)
	if errors.Is(err, ErrNotFound) {
		t, err = s.CreateTenant(opts.TenantName)
	}
	if err != nil {
		return SetupResult{}, err
	}
	app, err := s.CreateApp(t.ID, opts.AppName)
	if err != nil {
		return SetupResult{}, err
	}
	if !skip(StepCert) {
		if _, err := s.UploadCertificate(t.ID, app.AppID, opts.Certificate); err != nil {
			return SetupResult{}, err
		}
	}
	if !skip(StepPermission) {
		if _, err := s.AddPermission(t.ID, app.AppID, !skip(StepConsent)); err != nil {
			return SetupResult{}, err
		}
	}
	if !skip(StepSP) {
		if _, err := s.CreateExchangeServicePrincipal(t.ID, app.AppID, app.DisplayName); err != nil {
			return SetupResult{}, err
		}
		if !skip(StepRole) {
			if _, err := s.AssignRole(t.ID, app.AppID, transportHygieneRole); err != nil {
				return SetupResult{}, err
			}
		}
	}
	return SetupResult{
		DirectoryID:  t.ID,
		AppID:        app.AppID,
		Organization: t.InitialDomain(),
		AuthorityURL: base + "/",
		ExchangeURL:  base,
	}, nil
}
