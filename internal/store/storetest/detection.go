package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/qtriage/qtriage/internal/store"
)

func testDetectionSettings(t *testing.T, ctx context.Context, s store.Store) {
	alpha, _ := createTenant(t, ctx, s, "alpha", at(0))
	bravo, _ := createTenant(t, ctx, s, "bravo", at(0))

	// Never set: empty lists, not ErrNotFound.
	got, err := s.DetectionSettings(ctx, alpha.ID)
	mustNotFail(t, "detection settings never set", err)
	checkDetection(t, "never set", got, store.DetectionSettings{TenantID: alpha.ID})

	// Set and get back, normalized.
	mustNotFail(t, "set detection settings", s.SetDetectionSettings(ctx, store.DetectionSettings{
		TenantID:        alpha.ID,
		AcceptedDomains: []string{"Contoso.com", " contoso.co.uk ", "contoso.com"},
		VIPs:            []string{"  Jane   Doe ", "jane doe", "Ben Smith"},
		Partners:        []string{"fabrikam.example", "bücher.example"},
		Allow:           []string{"Alerts@Vendor.example", "@trusted.example", "info@bücher.example"},
		Deny:            []string{"evil.example"},
		UpdatedBy:       "ana",
		UpdatedAt:       at(5),
	}))
	want := store.DetectionSettings{
		TenantID:        alpha.ID,
		AcceptedDomains: []string{"contoso.com", "contoso.co.uk"},
		VIPs:            []string{"Jane Doe", "Ben Smith"},
		Partners:        []string{"fabrikam.example", "xn--bcher-kva.example"}, // IDNs in ASCII form, as the analysis compares them
		Allow:           []string{"alerts@vendor.example", "trusted.example", "info@xn--bcher-kva.example"},
		Deny:            []string{"evil.example"},
		UpdatedBy:       "ana",
		UpdatedAt:       at(5),
	}
	got, err = s.DetectionSettings(ctx, alpha.ID)
	mustNotFail(t, "detection settings", err)
	checkDetection(t, "after set", got, want)

	// Tenant isolation: bravo still has none.
	got, err = s.DetectionSettings(ctx, bravo.ID)
	mustNotFail(t, "other tenant's detection settings", err)
	checkDetection(t, "other tenant", got, store.DetectionSettings{TenantID: bravo.ID})

	// Replace: every list at once, emptied lists stay empty.
	mustNotFail(t, "replace detection settings", s.SetDetectionSettings(ctx, store.DetectionSettings{
		TenantID:  alpha.ID,
		Partners:  []string{"northwind.example"},
		UpdatedBy: "ben",
		UpdatedAt: at(6),
	}))
	got, err = s.DetectionSettings(ctx, alpha.ID)
	mustNotFail(t, "detection settings after replace", err)
	checkDetection(t, "after replace", got, store.DetectionSettings{
		TenantID: alpha.ID, Partners: []string{"northwind.example"}, UpdatedBy: "ben", UpdatedAt: at(6),
	})

	// Bravo's own settings do not touch alpha's.
	mustNotFail(t, "set other tenant's detection settings", s.SetDetectionSettings(ctx, store.DetectionSettings{
		TenantID: bravo.ID, VIPs: []string{"Bo Bravo"}, UpdatedBy: "bo", UpdatedAt: at(7),
	}))
	got, _ = s.DetectionSettings(ctx, alpha.ID)
	if !slices.Equal(got.Partners, []string{"northwind.example"}) || len(got.VIPs) != 0 {
		t.Errorf("alpha's settings changed by bravo's: %+v", got)
	}

	// Invalid lists are refused and write nothing.
	err = s.SetDetectionSettings(ctx, store.DetectionSettings{
		TenantID: alpha.ID, Partners: []string{"ok.example", "not a domain"}, UpdatedBy: "ana", UpdatedAt: at(8),
	})
	var se *store.SettingsError
	if !errors.As(err, &se) || se.List != "partners" || se.Entry != "not a domain" {
		t.Fatalf("invalid settings: %v, want a *store.SettingsError naming partners", err)
	}
	got, _ = s.DetectionSettings(ctx, alpha.ID)
	if !slices.Equal(got.Partners, []string{"northwind.example"}) || got.UpdatedBy != "ben" {
		t.Errorf("refused settings were written: %+v", got)
	}
	// So are domains that would make the analysis trust unrelated senders.
	for _, d := range []store.DetectionSettings{
		{TenantID: alpha.ID, AcceptedDomains: []string{"contoso.com", "co.uk"}, UpdatedBy: "ana", UpdatedAt: at(8)},
		{TenantID: alpha.ID, AcceptedDomains: []string{"gmail.com"}, UpdatedBy: "ana", UpdatedAt: at(8)},
		{TenantID: alpha.ID, Allow: []string{"onmicrosoft.com"}, UpdatedBy: "ana", UpdatedAt: at(8)},
	} {
		err = s.SetDetectionSettings(ctx, d)
		if !errors.As(err, &se) || se.Entry == "" {
			t.Errorf("shared domain: %v, want a *store.SettingsError naming it", err)
		}
	}
	got, _ = s.DetectionSettings(ctx, alpha.ID)
	if len(got.AcceptedDomains) != 0 || len(got.Allow) != 0 || got.UpdatedBy != "ben" {
		t.Errorf("refused settings were written: %+v", got)
	}

	// An unknown tenant.
	err = s.SetDetectionSettings(ctx, store.DetectionSettings{TenantID: "no-such-tenant", UpdatedBy: "ana", UpdatedAt: at(9)})
	checkErr(t, "settings of an unknown tenant", err, store.ErrNotFound)
}

// checkDetection compares settings, nil and empty lists being different:
// the store never returns nil lists, so that they marshal as [].
func checkDetection(t *testing.T, what string, got, want store.DetectionSettings) {
	t.Helper()
	for _, l := range []*[]string{&want.AcceptedDomains, &want.VIPs, &want.Partners, &want.Allow, &want.Deny} {
		if *l == nil {
			*l = []string{}
		}
	}
	if want.UpdatedAt.IsZero() {
		if !got.UpdatedAt.IsZero() {
			t.Errorf("%s: updated at %v, want zero", what, got.UpdatedAt)
		}
	} else {
		checkTime(t, what+": updated at", got.UpdatedAt, want.UpdatedAt)
	}
	lists := func(d store.DetectionSettings) [][]string {
		return [][]string{d.AcceptedDomains, d.VIPs, d.Partners, d.Allow, d.Deny}
	}
	g, w := lists(got), lists(want)
	for i := range g {
		if g[i] == nil || !slices.Equal(g[i], w[i]) {
			t.Errorf("%s: settings = %+v, want %+v", what, got, want)
			break
		}
	}
	if got.TenantID != want.TenantID || got.UpdatedBy != want.UpdatedBy {
		t.Errorf("%s: tenant %q by %q, want %q by %q", what, got.TenantID, got.UpdatedBy, want.TenantID, want.UpdatedBy)
	}
}
