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
		// wantErr is the list the error names, wantEntry the entry and
		// wantReason part of the reason ("" to not check it).
		wantErr, wantEntry, wantReason string
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
			name: "ok/IDN in ASCII form",
			in: store.DetectionSettings{
				AcceptedDomains: []string{"Bücher.Example"},
				Partners:        []string{"Bücher.Example", "ПРИМЕР.рф", "xn--bcher-kva.example"},
				Allow:           []string{"info@bücher.example", "Info@XN--BCHER-KVA.example"},
				Deny:            []string{"@bücher.example", "bücher.example"},
			},
			want: store.DetectionSettings{
				AcceptedDomains: []string{"xn--bcher-kva.example"},
				VIPs:            []string{},
				Partners:        []string{"xn--bcher-kva.example", "xn--e1afmkfd.xn--p1ai"},
				Allow:           []string{"info@xn--bcher-kva.example"},
				Deny:            []string{"xn--bcher-kva.example"},
			},
		},
		{
			name: "ok/free mail where it trusts no one",
			in: store.DetectionSettings{
				Partners: []string{"gmail.com"},
				Allow:    []string{"jane.doe@gmail.com", "ops@contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"},
				Deny:     []string{"@outlook.com", "scam@gmail.com", "evil.onmicrosoft.com"},
			},
			want: store.DetectionSettings{
				AcceptedDomains: []string{}, VIPs: []string{},
				Partners: []string{"gmail.com"},
				Allow:    []string{"jane.doe@gmail.com", "ops@contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"},
				Deny:     []string{"outlook.com", "scam@gmail.com", "evil.onmicrosoft.com"},
			},
		},
		{
			name: "ok/VIP names with two letters or more",
			in:   store.DetectionSettings{VIPs: []string{"Jo", "J. Doe", "李明", "Zoë O'Brien-Smith"}},
			want: store.DetectionSettings{AcceptedDomains: []string{}, VIPs: []string{"Jo", "J. Doe", "李明", "Zoë O'Brien-Smith"}, Partners: []string{}, Allow: []string{}, Deny: []string{}},
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
		{
			name: "ok/500 entries and blank lines",
			in:   store.DetectionSettings{Deny: append(append([]string{"", " "}, many(500)...), "\t", "")},
			want: store.DetectionSettings{AcceptedDomains: []string{}, VIPs: []string{}, Partners: []string{}, Allow: []string{}, Deny: many(500)},
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
		// The count comes first: no entry is looked at.
		{name: "error/too many entries, some bad", in: store.DetectionSettings{Allow: append([]string{"not a domain"}, many(500)...)}, wantErr: "allow", wantReason: "501 entries"},
		{name: "error/too many entries, duplicates counted", in: store.DetectionSettings{Partners: slices.Repeat([]string{"a.example"}, 501)}, wantErr: "partners", wantReason: "501 entries"},
		{name: "error/huge entry", in: store.DetectionSettings{Partners: []string{strings.Repeat("ü", 1<<20) + ".example"}}, wantErr: "partners", wantEntry: strings.Repeat("ü", 1<<20) + ".example", wantReason: "longer than 254 bytes"},

		// Domains shared by unrelated parties, in every list.
		{name: "error/public suffix", in: store.DetectionSettings{AcceptedDomains: []string{"contoso.com", "co.uk"}}, wantErr: "accepted_domains", wantEntry: "co.uk", wantReason: "a public suffix"},
		{name: "error/public suffix with @", in: store.DetectionSettings{Allow: []string{"@Com.AU"}}, wantErr: "allow", wantEntry: "@Com.AU", wantReason: "a public suffix"},
		{name: "error/private public suffix", in: store.DetectionSettings{Partners: []string{"github.io"}}, wantErr: "partners", wantEntry: "github.io", wantReason: "a public suffix"},
		{name: "error/IDN public suffix", in: store.DetectionSettings{Deny: []string{"公司.cn"}}, wantErr: "deny", wantEntry: "公司.cn", wantReason: "a public suffix"},
		{name: "error/punycode public suffix", in: store.DetectionSettings{AcceptedDomains: []string{"xn--55qx5d.cn"}}, wantErr: "accepted_domains", wantEntry: "xn--55qx5d.cn", wantReason: "a public suffix"},
		{name: "error/Microsoft's tenant suffix", in: store.DetectionSettings{Allow: []string{"onmicrosoft.com"}}, wantErr: "allow", wantEntry: "onmicrosoft.com", wantReason: "Microsoft's shared tenant domain"},
		{name: "error/Microsoft's China tenant suffix", in: store.DetectionSettings{Partners: []string{"partner.onmschina.cn"}}, wantErr: "partners", wantEntry: "partner.onmschina.cn", wantReason: "Microsoft's shared tenant domain"},
		{name: "error/Microsoft's tenant suffix in deny", in: store.DetectionSettings{Deny: []string{"onmicrosoft.us"}}, wantErr: "deny", wantEntry: "onmicrosoft.us", wantReason: "Microsoft's shared tenant domain"},
		{name: "error/Microsoft's tenant suffix accepted", in: store.DetectionSettings{AcceptedDomains: []string{"onmicrosoft.com"}}, wantErr: "accepted_domains", wantEntry: "onmicrosoft.com", wantReason: "Microsoft's shared tenant domain"},

		// Accepted domains: the tenant's own.
		{name: "error/accepted free mail", in: store.DetectionSettings{AcceptedDomains: []string{"gmail.com"}}, wantErr: "accepted_domains", wantEntry: "gmail.com", wantReason: "a free-mail provider"},
		{name: "error/accepted under free mail", in: store.DetectionSettings{AcceptedDomains: []string{"Mail.Outlook.com"}}, wantErr: "accepted_domains", wantEntry: "Mail.Outlook.com", wantReason: "a free-mail provider"},
		{name: "error/accepted tenant domain", in: store.DetectionSettings{AcceptedDomains: []string{"contoso.onmicrosoft.com"}}, wantErr: "accepted_domains", wantEntry: "contoso.onmicrosoft.com", wantReason: "qtriage already counts the tenant's own (its Organization)"},
		{name: "error/accepted tenant subdomain", in: store.DetectionSettings{AcceptedDomains: []string{"mail.contoso.onmicrosoft.com"}}, wantErr: "accepted_domains", wantEntry: "mail.contoso.onmicrosoft.com", wantReason: "a Microsoft 365 tenant domain"},
		{name: "error/accepted national tenant domain", in: store.DetectionSettings{AcceptedDomains: []string{"contoso.onmicrosoft.de"}}, wantErr: "accepted_domains", wantEntry: "contoso.onmicrosoft.de", wantReason: "a Microsoft 365 tenant domain"},

		// Allow: a free-mail domain, but not an address there.
		{name: "error/allow free mail", in: store.DetectionSettings{Allow: []string{"jane@gmail.com", "gmail.com"}}, wantErr: "allow", wantEntry: "gmail.com", wantReason: "name the address instead"},
		{name: "error/allow free mail with @", in: store.DetectionSettings{Allow: []string{"@hotmail.co.uk"}}, wantErr: "allow", wantEntry: "@hotmail.co.uk", wantReason: "a free-mail provider"},

		// VIP names the engine would match too widely.
		{name: "error/VIP zero-width space", in: store.DetectionSettings{VIPs: []string{"Jane\u200bDoe"}}, wantErr: "vips", wantEntry: "Jane\u200bDoe", wantReason: "invisible formatting characters"},
		{name: "error/VIP bidi override", in: store.DetectionSettings{VIPs: []string{"\u202eeoD enaJ"}}, wantErr: "vips", wantEntry: "\u202eeoD enaJ", wantReason: "invisible formatting characters"},
		{name: "error/VIP byte order mark", in: store.DetectionSettings{VIPs: []string{"\ufeffJane Doe"}}, wantErr: "vips", wantEntry: "\ufeffJane Doe", wantReason: "invisible formatting characters"},
		{name: "error/VIP hyphen", in: store.DetectionSettings{VIPs: []string{"Jane Doe", "-"}}, wantErr: "vips", wantEntry: "-", wantReason: "no letters or digits"},
		{name: "error/VIP dots", in: store.DetectionSettings{VIPs: []string{"..."}}, wantErr: "vips", wantEntry: "...", wantReason: "no letters or digits"},
		{name: "error/VIP emoji", in: store.DetectionSettings{VIPs: []string{"😀"}}, wantErr: "vips", wantEntry: "😀", wantReason: "no letters or digits"},
		{name: "error/VIP one letter", in: store.DetectionSettings{VIPs: []string{"J"}}, wantErr: "vips", wantEntry: "J", wantReason: "fewer than two letters"},
		{name: "error/VIP one letter and a dot", in: store.DetectionSettings{VIPs: []string{" J. "}}, wantErr: "vips", wantEntry: " J. ", wantReason: "fewer than two letters"},
		{name: "error/VIP digits", in: store.DetectionSettings{VIPs: []string{"007"}}, wantErr: "vips", wantEntry: "007", wantReason: "fewer than two letters"},
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
				if !strings.Contains(se.Reason, tc.wantReason) {
					t.Errorf("reason %q, want it to say %q", se.Reason, tc.wantReason)
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
			if err != nil || !slices.Equal(again.AcceptedDomains, got.AcceptedDomains) || !slices.Equal(again.VIPs, got.VIPs) ||
				!slices.Equal(again.Partners, got.Partners) || !slices.Equal(again.Allow, got.Allow) || !slices.Equal(again.Deny, got.Deny) {
				t.Errorf("Normalize is not idempotent: %+v, %v", again, err)
			}
		})
	}
}

// TestSettingsErrorText: the console shows the error's entry and reason.
func TestSettingsErrorText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"co.uk":     `accepted_domains: "co.uk": a public suffix: every domain under it would match`,
		"gmail.com": `accepted_domains: "gmail.com": a free-mail provider: anyone can get an address there`,
	} {
		_, err := store.DetectionSettings{AcceptedDomains: []string{in}}.Normalize()
		if err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("Normalize(%q): %v, want it to end %q", in, err, want)
		}
	}
}
