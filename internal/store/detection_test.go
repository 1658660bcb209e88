package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/qtriage/qtriage/internal/store"
)

func TestDetectionSettingsNormalize(t *testing.T) {
	t.Parallel()
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("d%d.example", i)
		}
		return out
	}
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 60) + ".example"
	for _, tc := range []struct {
		name string
		in   store.DetectionSettings
		want store.DetectionSettings // when wantErr is ""
		// wantErr is the list the error names, and wantEntry the entry.
		wantErr, wantEntry string
	}{
		{
			name: "ok/empty",
			in:   store.DetectionSettings{TenantID: "t"},
			want: store.DetectionSettings{TenantID: "t", AcceptedDomains: []string{}, VIPs: []string{}, Partners: []string{}, Allow: []string{}, Deny: []string{}},
		},
		{
			name: "ok/valid lists",
			in: store.DetectionSettings{
				TenantID: "t", UpdatedBy: "ana",
				AcceptedDomains: []string{"contoso.com", "mail.contoso.co.uk"},
				VIPs:            []string{"Jane Doe"},
				Partners:        []string{"fabrikam.example", "xn--bcher-kva.example"},
				Allow:           []string{"alerts@vendor.example", "first.last+tag@vendor.example", "vendor.example"},
				Deny:            []string{"@evil.example", "phish@bad.example"},
			},
			want: store.DetectionSettings{
				TenantID: "t", UpdatedBy: "ana",
				AcceptedDomains: []string{"contoso.com", "mail.contoso.co.uk"},
				VIPs:            []string{"Jane Doe"},
				Partners:        []string{"fabrikam.example", "xn--bcher-kva.example"},
				Allow:           []string{"alerts@vendor.example", "first.last+tag@vendor.example", "vendor.example"},
				Deny:            []string{"evil.example", "phish@bad.example"},
			},
		},
		{
			name: "ok/IDN kept as given, lowercased",
			in:   store.DetectionSettings{Partners: []string{"Bücher.Example", "ПРИМЕР.рф"}, Allow: []string{"info@bücher.example"}},
			want: store.DetectionSettings{AcceptedDomains: []string{}, VIPs: []string{}, Partners: []string{"bücher.example", "пример.рф"}, Allow: []string{"info@bücher.example"}, Deny: []string{}},
		},
		{
			name: "ok/duplicates and case folded, order kept",
			in: store.DetectionSettings{
				AcceptedDomains: []string{" Contoso.COM", "", "contoso.com ", "  ", "b.example", "CONTOSO.com"},
				Allow:           []string{"Bob@Vendor.example", "bob@vendor.EXAMPLE", "@vendor.example", "vendor.example"},
			},
			want: store.DetectionSettings{AcceptedDomains: []string{"contoso.com", "b.example"}, VIPs: []string{}, Partners: []string{}, Allow: []string{"bob@vendor.example", "vendor.example"}, Deny: []string{}},
		},
		{
			name: "ok/VIP white space collapsed, case kept, duplicates ignoring case",
			in:   store.DetectionSettings{VIPs: []string{"  Jane \t Doe  ", "JANE DOE", "jane\u00a0doe", "Ben  Smith", " "}},
			want: store.DetectionSettings{AcceptedDomains: []string{}, VIPs: []string{"Jane Doe", "Ben Smith"}, Partners: []string{}, Allow: []string{}, Deny: []string{}},
		},
		{
			name: "ok/500 entries",
			in:   store.DetectionSettings{Partners: many(500)},
			want: store.DetectionSettings{AcceptedDomains: []string{}, VIPs: []string{}, Partners: many(500), Allow: []string{}, Deny: []string{}},
		},
		{name: "error/domain with space", in: store.DetectionSettings{Partners: []string{"ok.example", "fab rikam.example"}}, wantErr: "partners", wantEntry: "fab rikam.example"},
		{name: "error/domain without dot", in: store.DetectionSettings{AcceptedDomains: []string{"localhost"}}, wantErr: "accepted_domains", wantEntry: "localhost"},
		{name: "error/domain with underscore", in: store.DetectionSettings{AcceptedDomains: []string{"a_b.example"}}, wantErr: "accepted_domains", wantEntry: "a_b.example"},
		{name: "error/domain with empty label", in: store.DetectionSettings{Partners: []string{"a..example"}}, wantErr: "partners", wantEntry: "a..example"},
		{name: "error/domain with leading hyphen", in: store.DetectionSettings{Partners: []string{"-a.example"}}, wantErr: "partners", wantEntry: "-a.example"},
		{name: "error/domain is a URL", in: store.DetectionSettings{Deny: []string{"https://evil.example/"}}, wantErr: "deny", wantEntry: "https://evil.example/"},
		{name: "error/label too long", in: store.DetectionSettings{Partners: []string{strings.Repeat("a", 64) + ".example"}}, wantErr: "partners", wantEntry: strings.Repeat("a", 64) + ".example"},
		{name: "error/address in partners", in: store.DetectionSettings{Partners: []string{"bob@fabrikam.example"}}, wantErr: "partners", wantEntry: "bob@fabrikam.example"},
		{name: "error/address without local part", in: store.DetectionSettings{Allow: []string{"a@b.example", "x@"}}, wantErr: "allow", wantEntry: "x@"},
		{name: "error/address with two @", in: store.DetectionSettings{Deny: []string{"a@b@c.example"}}, wantErr: "deny", wantEntry: "a@b@c.example"},
		{name: "error/address with bad domain", in: store.DetectionSettings{Allow: []string{"bob@vendor"}}, wantErr: "allow", wantEntry: "bob@vendor"},
		{name: "error/address with space", in: store.DetectionSettings{Allow: []string{"bob smith@vendor.example"}}, wantErr: "allow", wantEntry: "bob smith@vendor.example"},
		{name: "error/display name form", in: store.DetectionSettings{Allow: []string{"Bob <bob@vendor.example>"}}, wantErr: "allow", wantEntry: "Bob <bob@vendor.example>"},
		{name: "error/entry too long", in: store.DetectionSettings{Allow: []string{strings.Repeat("a", 64) + "@" + long}}, wantErr: "allow", wantEntry: strings.Repeat("a", 64) + "@" + long},
		{name: "error/VIP too long", in: store.DetectionSettings{VIPs: []string{strings.Repeat("x", 255)}}, wantErr: "vips", wantEntry: strings.Repeat("x", 255)},
		{name: "error/VIP with control character", in: store.DetectionSettings{VIPs: []string{"Jane\x00Doe"}}, wantErr: "vips", wantEntry: "Jane\x00Doe"},
		{name: "error/too many entries", in: store.DetectionSettings{Deny: many(501)}, wantErr: "deny"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.in.Normalize()
			if tc.wantErr != "" {
				var se *store.SettingsError
				if !errors.As(err, &se) {
					t.Fatalf("Normalize: %v, want a *store.SettingsError", err)
				}
				if se.List != tc.wantErr || se.Entry != tc.wantEntry {
					t.Errorf("error names %s %q, want %s %q", se.List, se.Entry, tc.wantErr, tc.wantEntry)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %q does not name the list %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if got.TenantID != tc.want.TenantID || got.UpdatedBy != tc.want.UpdatedBy {
				t.Errorf("Normalize changed tenant or author: %+v", got)
			}
			for i, pair := range [][2][]string{
				{got.AcceptedDomains, tc.want.AcceptedDomains},
				{got.VIPs, tc.want.VIPs},
				{got.Partners, tc.want.Partners},
				{got.Allow, tc.want.Allow},
				{got.Deny, tc.want.Deny},
			} {
				if pair[0] == nil || !slices.Equal(pair[0], pair[1]) {
					t.Errorf("list %d = %q, want %q", i, pair[0], pair[1])
				}
			}
			// Normalizing again changes nothing.
			again, err := got.Normalize()
			if err != nil || !slices.Equal(again.Partners, got.Partners) || !slices.Equal(again.Allow, got.Allow) || !slices.Equal(again.VIPs, got.VIPs) {
				t.Errorf("Normalize is not idempotent: %+v, %v", again, err)
			}
		})
	}
}
