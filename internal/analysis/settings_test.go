package analysis

import (
	"context"
	"strings"
	"testing"
)

func TestSharedDomain(t *testing.T) {
	t.Parallel()
	for d, want := range map[string]string{
		"co.uk":                   "a public suffix",
		"com.au":                  "a public suffix",
		"github.io":               "a public suffix", // private section
		"blogspot.com":            "a public suffix",
		"foo.ck":                  "a public suffix", // wildcard rule *.ck
		"xn--55qx5d.cn":           "a public suffix", // 公司.cn
		"公司.cn":                   "a public suffix",
		"CO.UK.":                  "a public suffix",
		"onmicrosoft.com":         "Microsoft's shared tenant domain",
		"onmicrosoft.us":          "Microsoft's shared tenant domain",
		"onmschina.cn":            "Microsoft's shared tenant domain",
		"partner.onmschina.cn":    "Microsoft's shared tenant domain",
		"contoso.com":             "",
		"mail.contoso.co.uk":      "",
		"contoso.onmicrosoft.com": "",
		"gmail.com":               "",
		"xn--bcher-kva.example":   "",
		"bücher.example":          "",
		"":                        "",
	} {
		got := SharedDomain(d)
		if want == "" && got != "" || want != "" && !strings.HasPrefix(got, want) {
			t.Errorf("SharedDomain(%q) = %q, want %q...", d, got, want)
		}
	}
}

func TestFreeMailDomain(t *testing.T) {
	t.Parallel()
	for d, want := range map[string]bool{
		"gmail.com": true, "Outlook.com": true, "hotmail.co.uk": true, "mail.gmail.com": true,
		"contoso.com": false, "gmail.com.example": false, "co.uk": false, "": false,
	} {
		if got := FreeMailDomain(d); got != want {
			t.Errorf("FreeMailDomain(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestMicrosoftTenantDomainSuffixes(t *testing.T) {
	t.Parallel()
	for d, want := range map[string]bool{
		"contoso.onmicrosoft.com": true, "mail.contoso.onmicrosoft.com": true, "contoso.onmicrosoft.de": true, "contoso.partner.onmschina.cn": true,
		"onmicrosoft.com": false, "contoso.com": false, "onmicrosoft.com.example": false,
	} {
		if got := MicrosoftTenantDomain(d); got != want {
			t.Errorf("MicrosoftTenantDomain(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestVIPName(t *testing.T) {
	t.Parallel()
	for name, ok := range map[string]bool{
		"Jane Doe": true, "J. Doe": true, "Jo": true, "李明": true, "Ωmega": true, "R2D2": true,
		"-": false, "...": false, "😀": false, "😀😀": false, "": false, "J": false, "J.": false, "007": false, "J 7": false,
	} {
		if got := VIPName(name); (got == "") != ok {
			t.Errorf("VIPName(%q) = %q, want ok %v", name, got, ok)
		}
	}
}

// wireFraud is a fictional BEC mail in the name of a VIP, from a domain
// authenticated for itself.
const wireFraud = `Authentication-Results: spf=pass smtp.mailfrom=attacker.co.uk; dkim=pass header.d=attacker.co.uk; dmarc=pass action=none header.from=attacker.co.uk; compauth=pass reason=100
From: "Jane Doe" <jane.doe@attacker.co.uk>
To: ap@contoso.example
Subject: Urgent wire transfer
Date: Tue, 3 Nov 2026 15:00:00 +0000
Message-ID: <wire-1@attacker.co.uk>

Please process a wire transfer of 48,500 EUR to the new supplier account today.
I am in a meeting, keep this confidential, and confirm once the payment is sent.

Jane Doe
CEO
`

// TestSharedEntriesIgnored: a tenant domain or allow entry shared by
// unrelated parties (a public suffix, a free-mail provider) would make the
// engine trust all of them; it is ignored, as is a VIP name without
// letters.
func TestSharedEntriesIgnored(t *testing.T) {
	t.Parallel()
	e := defaultEngine(t)
	gmail := strings.ReplaceAll(wireFraud, "attacker.co.uk", "gmail.com")
	for _, tc := range []struct {
		name, raw string
		c         Context
	}{
		{"tenant public suffix", wireFraud, Context{VIPs: []string{"Jane Doe"}, TenantDomains: []string{"contoso.example", "co.uk"}}},
		{"tenant IDN public suffix", strings.ReplaceAll(wireFraud, "attacker.co.uk", "attacker.xn--55qx5d.cn"), Context{VIPs: []string{"Jane Doe"}, TenantDomains: []string{"公司.cn"}}},
		{"tenant free mail", gmail, Context{VIPs: []string{"Jane Doe"}, TenantDomains: []string{"contoso.example", "gmail.com"}}},
		{"tenant Microsoft suffix", strings.ReplaceAll(wireFraud, "attacker.co.uk", "attacker.onmicrosoft.com"), Context{VIPs: []string{"Jane Doe"}, TenantDomains: []string{"onmicrosoft.com"}}},
		{"allow public suffix", wireFraud, Context{VIPs: []string{"Jane Doe"}, Allow: []string{"@co.uk"}}},
		{"allow free mail", gmail, Context{VIPs: []string{"Jane Doe"}, Allow: []string{"gmail.com"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := e.Analyze(context.Background(), parseString(t, tc.raw), tc.c)
			if hasAny(r.Findings, "auth.tenant_aligned_pass", "auth.allowlisted") {
				t.Errorf("the shared entry was trusted: %v", findingIDs(r))
			}
			if !hasAny(r.Findings, "sender.vip_impersonation") || r.Verdict != VerdictMalicious {
				t.Errorf("verdict %s, findings %v; want malicious with sender.vip_impersonation", r.Verdict, findingIDs(r))
			}
		})
	}
	// An address at a free-mail provider names one mailbox: it counts.
	r := e.Analyze(context.Background(), parseString(t, gmail), Context{Allow: []string{"jane.doe@gmail.com"}})
	if !hasAny(r.Findings, "auth.allowlisted") {
		t.Errorf("an allow-listed address at a free-mail provider was ignored: %v", findingIDs(r))
	}
	// A VIP without letters matches every display name without any, one
	// letter every display name of that letter.
	for v, name := range map[string]string{"-": "...", "J": "J."} {
		raw := strings.Replace(wireFraud, `"Jane Doe"`, `"`+name+`"`, 1)
		if r := e.Analyze(context.Background(), parseString(t, raw), Context{VIPs: []string{v}}); hasAny(r.Findings, "sender.vip_impersonation") {
			t.Errorf("VIP %q matched the display name %q: %v", v, name, findingIDs(r))
		}
	}
}

// TestIDNListEntries: tenant, allow and deny entries match a domain in
// either IDN form, whichever form the entry and the mail use.
func TestIDNListEntries(t *testing.T) {
	t.Parallel()
	e := defaultEngine(t)
	mail := func(from string) string {
		return `Authentication-Results: spf=pass smtp.mailfrom=` + from + `; dkim=pass header.d=` + from + `; dmarc=pass action=none header.from=` + from + `
From: Bob <bob@` + from + `>
To: sam@contoso.example
Subject: Order
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <idn-1@example.net>
Content-Type: text/plain; charset=utf-8

See https://shop.xn--bcher-kva.example/order for the order.
`
	}
	const uni, puny = "bücher.example", "xn--bcher-kva.example"
	for _, tc := range []struct {
		name, from string
		c          Context
		want       string
	}{
		{"deny unicode, mail punycode", puny, Context{Deny: []string{uni}}, "headers.deny_listed"},
		{"deny punycode, mail unicode", uni, Context{Deny: []string{puny}}, "headers.deny_listed"},
		{"deny unicode address, mail punycode", puny, Context{Deny: []string{"bob@" + uni}}, "headers.deny_listed"},
		{"deny punycode address, mail unicode", uni, Context{Deny: []string{"Bob@" + puny}}, "headers.deny_listed"},
		{"deny unicode, link punycode", "shop.example", Context{Deny: []string{uni}}, "links.deny_listed"},
		{"allow unicode, mail punycode", puny, Context{Allow: []string{uni}}, "auth.allowlisted"},
		{"allow punycode address, mail unicode", uni, Context{Allow: []string{"bob@" + puny}}, "auth.allowlisted"},
		{"tenant punycode, mail unicode", uni, Context{TenantDomains: []string{puny}}, "auth.tenant_aligned_pass"},
		{"tenant unicode, mail punycode", puny, Context{TenantDomains: []string{uni}}, "auth.tenant_aligned_pass"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := e.Analyze(context.Background(), parseString(t, mail(tc.from)), tc.c)
			if !hasAny(r.Findings, tc.want) {
				t.Errorf("missing %s: %v", tc.want, findingIDs(r))
			}
		})
	}
}
