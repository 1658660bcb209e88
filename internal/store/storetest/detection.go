package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

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

	testReplaceDetectionSettings(t, ctx, s)
}

// testReplaceDetectionSettings checks the optimistic concurrency of
// ReplaceDetectionSettings (run by testDetectionSettings: the suite's list
// is not this file's).
func testReplaceDetectionSettings(t *testing.T, ctx context.Context, s store.Store) {
	charlie, _ := createTenant(t, ctx, s, "charlie", at(0))
	delta, _ := createTenant(t, ctx, s, "delta", at(0))

	// Never saved: prev zero succeeds once, then conflicts.
	mustNotFail(t, "first replace", s.ReplaceDetectionSettings(ctx, store.DetectionSettings{
		TenantID: charlie.ID, Partners: []string{"Fabrikam.example"}, UpdatedBy: "ana", UpdatedAt: at(10),
	}, time.Time{}))
	first, err := s.DetectionSettings(ctx, charlie.ID)
	mustNotFail(t, "detection settings after first replace", err)
	checkDetection(t, "after first replace", first, store.DetectionSettings{
		TenantID: charlie.ID, Partners: []string{"fabrikam.example"}, UpdatedBy: "ana", UpdatedAt: at(10),
	})
	err = s.ReplaceDetectionSettings(ctx, store.DetectionSettings{
		TenantID: charlie.ID, Deny: []string{"evil.example"}, UpdatedBy: "ben", UpdatedAt: at(11),
	}, time.Time{})
	checkErr(t, "second replace of never-saved settings", err, store.ErrConflict)
	got, _ := s.DetectionSettings(ctx, charlie.ID)
	checkDetection(t, "after a conflicting first save", got, first)

	// The right prev, as read, succeeds; the time written has more
	// precision than the databases keep, and what is read back must still
	// serve as the next prev.
	fine := at(12).Add(123456789 * time.Nanosecond)
	mustNotFail(t, "replace with the stored updated_at", s.ReplaceDetectionSettings(ctx, store.DetectionSettings{
		TenantID: charlie.ID, Allow: []string{"ops@vendor.example"}, UpdatedBy: "ben", UpdatedAt: fine,
	}, first.UpdatedAt))
	second, err := s.DetectionSettings(ctx, charlie.ID)
	mustNotFail(t, "detection settings after replace", err)
	checkDetection(t, "after replace", second, store.DetectionSettings{
		TenantID: charlie.ID, Allow: []string{"ops@vendor.example"}, UpdatedBy: "ben", UpdatedAt: fine.Truncate(time.Microsecond),
	})
	if !second.UpdatedAt.After(first.UpdatedAt) {
		t.Errorf("updated at %v after replace, want the new time %v", second.UpdatedAt, fine)
	}

	// A stale prev conflicts and writes nothing.
	err = s.ReplaceDetectionSettings(ctx, store.DetectionSettings{
		TenantID: charlie.ID, Deny: []string{"evil.example"}, UpdatedBy: "ana", UpdatedAt: at(13),
	}, first.UpdatedAt)
	checkErr(t, "replace with a stale updated_at", err, store.ErrConflict)
	got, _ = s.DetectionSettings(ctx, charlie.ID)
	checkDetection(t, "after a stale replace", got, second)

	// The time read back is the precondition of the next save, again.
	mustNotFail(t, "replace with the updated_at read back", s.ReplaceDetectionSettings(ctx, store.DetectionSettings{
		TenantID: charlie.ID, Deny: []string{"evil.example"}, UpdatedBy: "ana", UpdatedAt: at(14),
	}, second.UpdatedAt))
	got, _ = s.DetectionSettings(ctx, charlie.ID)
	checkDetection(t, "after the second replace", got, store.DetectionSettings{
		TenantID: charlie.ID, Deny: []string{"evil.example"}, UpdatedBy: "ana", UpdatedAt: at(14),
	})

	// A refused list writes nothing, whatever the condition.
	err = s.ReplaceDetectionSettings(ctx, store.DetectionSettings{
		TenantID: charlie.ID, Partners: []string{"not a domain"}, UpdatedBy: "ben", UpdatedAt: at(15),
	}, got.UpdatedAt)
	var se *store.SettingsError
	if !errors.As(err, &se) || se.List != "partners" {
		t.Errorf("invalid settings: %v, want a *store.SettingsError naming partners", err)
	}

	// Another tenant's settings are not the condition: delta never saved.
	err = s.ReplaceDetectionSettings(ctx, store.DetectionSettings{
		TenantID: delta.ID, VIPs: []string{"Dee Delta"}, UpdatedBy: "dee", UpdatedAt: at(16),
	}, got.UpdatedAt)
	checkErr(t, "replace another tenant's never-saved settings with a time", err, store.ErrConflict)
	mustNotFail(t, "first replace of another tenant", s.ReplaceDetectionSettings(ctx, store.DetectionSettings{
		TenantID: delta.ID, VIPs: []string{"Dee Delta"}, UpdatedBy: "dee", UpdatedAt: at(16),
	}, time.Time{}))
	got, _ = s.DetectionSettings(ctx, charlie.ID)
	checkDetection(t, "charlie after delta's save", got, store.DetectionSettings{
		TenantID: charlie.ID, Deny: []string{"evil.example"}, UpdatedBy: "ana", UpdatedAt: at(14),
	})

	// Concurrent saves from the same read: exactly one wins, for a first
	// save and for a later one.
	echo, _ := createTenant(t, ctx, s, "echo", at(0))
	for round, prev := range []time.Time{{}, at(20)} {
		const n = 8
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs <- s.ReplaceDetectionSettings(ctx, store.DetectionSettings{
					TenantID: echo.ID, VIPs: []string{fmt.Sprintf("Racer Number%c", 'A'+i)}, UpdatedBy: fmt.Sprint("racer", i),
					UpdatedAt: at(20 + round + 1).Add(time.Duration(i) * time.Second),
				}, prev)
			})
		}
		wg.Wait()
		close(errs)
		won := 0
		for err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("round %d: concurrent replace: %v, want nil or ErrConflict", round, err)
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d concurrent replaces from the same read succeeded, want 1", round, won)
		}
		// Set up the next round's prev.
		mustNotFail(t, "set echo's settings", s.SetDetectionSettings(ctx, store.DetectionSettings{
			TenantID: echo.ID, UpdatedBy: "setup", UpdatedAt: at(20),
		}))
	}

	// An unknown tenant.
	err = s.ReplaceDetectionSettings(ctx, store.DetectionSettings{TenantID: "no-such-tenant", UpdatedBy: "ana", UpdatedAt: at(17)}, time.Time{})
	checkErr(t, "replace settings of an unknown tenant", err, store.ErrNotFound)
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
