package cli_test

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestDetectionSettingsCLI: an operator names a tenant's partners and VIPs
// from the command line, as the console's settings page does: the lists
// named are replaced, the others kept, the change audited entry by entry,
// and entries that would trust strangers refused.
func TestDetectionSettingsCLI(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.ok("migrate")
		e.ok("tenant", "create", "contoso")
		if out := e.ok("detection", "show", "--tenant", "contoso"); !strings.Contains(out, "never saved") {
			t.Fatalf("show before any save: %s", out)
		}
		e.ok("detection", "set", "--tenant", "contoso", "--partner", "Fabrikam.com", "--partner", "northwind.example", "--vip", "Lidia  Holloway")
		e.ok("detection", "set", "--tenant", "contoso", "--deny", "phish.example")
		got := decodeJSON[map[string]any](t, e.ok("detection", "show", "--tenant", "contoso", "--json"))
		want := map[string][]any{"partners": {"fabrikam.com", "northwind.example"}, "vips": {"Lidia Holloway"}, "deny": {"phish.example"}, "allow": {}, "accepted_domains": {}}
		for k, w := range want {
			if l, _ := got[k].([]any); !slices.Equal(l, w) {
				t.Errorf("%s = %v, want %v", k, got[k], w)
			}
		}
		if by, _ := got["updated_by"].(string); !strings.HasPrefix(by, "cli") || got["updated_at"] == nil {
			t.Errorf("updated_by %v, updated_at %v", got["updated_by"], got["updated_at"])
		}

		e.fails("public suffix", "detection", "set", "--tenant", "contoso", "--accepted-domain", "co.uk")
		e.fails("free-mail", "detection", "set", "--tenant", "contoso", "--allow", "gmail.com")
		e.fails("not a list", "detection", "set", "--tenant", "contoso", "--clear", "partner")
		e.ok("detection", "set", "--tenant", "contoso", "--clear", "deny")

		st := e.openStore()
		ten, _ := st.Tenant(context.Background(), "contoso")
		d, _ := st.DetectionSettings(context.Background(), ten.ID)
		if len(d.Deny) != 0 || len(d.Partners) != 2 || len(d.AcceptedDomains) != 0 {
			t.Errorf("stored: %+v", d)
		}
		evs, _ := st.AuditEvents(context.Background(), ten.ID, 0)
		var details []string
		for _, ev := range evs {
			if ev.Action == "detection_settings.update" {
				details = append(details, ev.Detail)
			}
		}
		if len(details) != 3 || details[0] != "deny: -phish.example" ||
			details[2] != "vips: +Lidia Holloway; partners: +fabrikam.com, +northwind.example" {
			t.Errorf("audit details (newest first): %q", details)
		}
	})
}
