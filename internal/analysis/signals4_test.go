package analysis

import (
	"context"
	"strings"
	"testing"
)

// TestShortTextSignals: short messages carry few phrases, so one lure and
// one threat, or a stranger's "did you get my email" opener, are enough.
func TestShortTextSignals(t *testing.T) {
	t.Parallel()
	e := defaultEngine(t)
	tests := []struct {
		name, raw, want string
	}{
		{"one lure and one threat", `From: Cloud Notices <notices@example.net>
To: sam@example.com
Subject: Immediate verification required
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <short-1@example.net>

FINAL WARNING regarding your account.
`, "content.credential_lure"},
		{"advance-fee opener", `From: Mark Tester <mark.tester.1953@example.net>
To: sam@example.com
Subject: Response needed
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <opener-1@example.net>

Greetings, please confirm if you ever received the first email I sent to you. I really need to
confide in you although we have never met, pardon me for intruding your privacy.
`, "content.advance_fee"},
		{"bare RE subject answering nothing", `From: Admin <admin@hotel.example>
To: sam@example.com
Subject: RE
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <re-1@hotel.example>

Please see below and contact me at once by my private mail.
`, "content.fake_reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Analyze(context.Background(), parseString(t, tt.raw), Context{})
			if !hasAny(r.Findings, tt.want) {
				t.Errorf("missing %s; findings %v", tt.want, findingIDs(r))
			}
			if r.Verdict == VerdictBenign && tt.want != "content.fake_reply" {
				t.Errorf("released as benign: %s", r.Summary)
			}
		})
	}
	// A long text needs more than one lure phrase.
	long := `From: Cloud Notices <notices@example.net>
To: sam@example.com
Subject: Quarterly report
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <long-1@example.net>

` + strings.Repeat("the quarterly figures are attached for the board meeting and the review ", 10) + `
Verification required before the deadline.
`
	r := e.Analyze(context.Background(), parseString(t, long), Context{})
	if hasAny(r.Findings, "content.credential_lure") {
		t.Errorf("a long text with one lure phrase was called a credential lure: %v", findingIDs(r))
	}
}

// TestNameUnrelated: a display name that neither the sender's address nor
// any link bears, with every link going elsewhere.
func TestNameUnrelated(t *testing.T) {
	t.Parallel()
	msg := func(from, body string) string {
		return "From: " + from + "\nTo: sam@example.com\nSubject: rates\nDate: Tue, 3 Nov 2026 12:00:00 +0000\nMessage-ID: <n-1@example.net>\nContent-Type: text/html\n\n" + body + "\n"
	}
	tests := []struct {
		name, raw string
		want      bool
	}{
		{"name elsewhere, links elsewhere", msg("Harbor Loans <renew@qzvconsulting.example>", `<a href="https://promo-host.example/r.php?x=1">See rates</a>`), true},
		{"links to the sender's own site", msg("Harbor Loans <renew@qzvconsulting.example>", `<a href="https://www.qzvconsulting.example/rates">See rates</a>`), false},
		{"name in a link host", msg("Harbor Loans <news@mailer.example>", `<a href="https://go.harborloans.example/rates">See rates</a>`), false},
		{"initials as the mailbox", msg("Dave Long <dl@uni.example>", `<a href="https://docs.example.org/paper">the paper</a>`), false},
		{"no links", msg("Harbor Loans <renew@qzvconsulting.example>", `Call us.`), false},
		{"generic name only", msg("Customer Service <renew@qzvconsulting.example>", `<a href="https://promo-host.example/r">See</a>`), false},
	}
	e := defaultEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Analyze(context.Background(), parseString(t, tt.raw), Context{})
			if got := hasAny(r.Findings, "sender.name_unrelated"); got != tt.want {
				t.Errorf("sender.name_unrelated = %v, want %v; findings %v", got, tt.want, findingIDs(r))
			}
		})
	}
}

// TestListsAndFooters: discussion lists are read from their headers, and an
// unsubscribe offer in the text is found in every listed language.
func TestListsAndFooters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header, want string
	}{
		{"List-Post: <mailto:hikers@lists.example.net>", "example.net"},
		{"Mailing-List: list hikers@groups.example.com; contact hikers-owner@groups.example.com", "example.com"},
		{"X-BeenThere: ilug@linux.example.ie", "example.ie"},
		{"List-Post: NO", ""},
		{"List-Id: Deals <deals.shop.example>", ""}, // marketing senders set List-Id too
	} {
		m := parseString(t, tc.header+"\nFrom: a@example.org\nSubject: x\n\nbody\n")
		if got := listDomain(m); got != tc.want {
			t.Errorf("listDomain(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
	e := defaultEngine(t)
	// A freemail Reply-To stays a finding when a forged List-Post names the same freemail domain.
	bec := `From: Dana Whitfield <dana@example.org>
Reply-To: dana.whitfield.ceo@gmail.com
List-Post: <mailto:dana.whitfield.ceo@gmail.com>
To: sam@example.com
Subject: wire today
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <bec-1@example.org>

Please send the wire transfer to the new bank account today, I am in a meeting.
`
	if r := e.Analyze(context.Background(), parseString(t, bec), Context{}); !hasAny(r.Findings, "headers.reply_to_freemail") {
		t.Errorf("forged List-Post cleared the free-mail Reply-To: %v", findingIDs(r))
	}
	for _, footer := range []string{
		"To stop these mails, unsubscribe here.",
		"Pour vous désabonner, écrivez-nous.",
		"Para cancelar subscrição responda a esta mensagem.",
		"Clique aqui para descadastre-se.",
		"Wenn Sie diese E-Mails nicht mehr wünschen, können Sie sich abmelden.",
		"Reply STOP to opt-out.",
	} {
		raw := "From: Shop <news@shop.example>\nTo: sam@example.com\nSubject: offers\nDate: Tue, 3 Nov 2026 12:00:00 +0000\nMessage-ID: <f-1@shop.example>\nContent-Type: text/plain; charset=utf-8\n\nNew offers this week.\n" + footer + "\n"
		r := e.Analyze(context.Background(), parseString(t, raw), Context{})
		if !hasAny(r.Findings, "content.bulk_footer") || r.Category != CategoryBulk {
			t.Errorf("%q: findings %v, category %s; want content.bulk_footer and bulk", footer, findingIDs(r), r.Category)
		}
	}
	// A short delivery or billing notice is not an account lure.
	notice := "From: Parcels <notify@parcels.example>\nTo: sam@example.com\nSubject: Delivery\nDate: Tue, 3 Nov 2026 12:00:00 +0000\nMessage-ID: <d-1@parcels.example>\n\nYour package will be delivered within 24 hours.\n"
	if r := e.Analyze(context.Background(), parseString(t, notice), Context{}); hasAny(r.Findings, "content.credential_lure") {
		t.Errorf("a short delivery notice was called a credential lure: %v", findingIDs(r))
	}
}

// TestMicrosoftTenantDomain: the tenant's *.onmicrosoft.com domain, all the
// pipeline knows of a tenant, protects the tenant's name against domains
// built to deceive; typos and added words are left alone, since the tenant's
// own accepted domains (contoso-group.com for contosogroup) are not known.
func TestMicrosoftTenantDomain(t *testing.T) {
	t.Parallel()
	e := defaultEngine(t)
	for _, tc := range []struct {
		tenant, from string
		want         bool
	}{
		{"contoso.onmicrosoft.com", "IT Desk <it@c0ntoso.example>", true},
		{"contoso.onmicrosoft.com", "IT Desk <it@c0ntoso.onmicrosoft.com>", true},
		{"contoso.onmicrosoft.com", "HR Team <hr@contoso-hrteam.example>", false},
		{"contosogroup.onmicrosoft.com", "Jane <jane@contoso-group.example>", false},
		{"contosogroup.onmicrosoft.com", "Jane <jane@contosogrp.example>", false},
		{"contoso.onmicrosoft.com", "Jane <jane@contoso.onmicrosoft.com>", false},
	} {
		raw := "From: " + tc.from + "\nTo: sam@contoso.onmicrosoft.com\nSubject: salary review\nDate: Tue, 3 Nov 2026 12:00:00 +0000\nMessage-ID: <t-1@example.net>\n\nPlease acknowledge.\n"
		r := e.Analyze(context.Background(), parseString(t, raw), Context{TenantDomains: []string{tc.tenant}})
		if got := hasAny(r.Findings, "sender.tenant_lookalike", "sender.tenant_name_in_domain"); got != tc.want {
			t.Errorf("tenant %s, %s: tenant impersonation %v, want %v (%v)", tc.tenant, tc.from, got, tc.want, findingIDs(r))
		}
	}
	for in, want := range map[string]string{"contoso.onmicrosoft.com": "contoso", "contoso.onmicrosoft.com.": "contoso", "mail.contoso.co.uk": "contoso"} {
		if got := tenantLabel(in); got != want {
			t.Errorf("tenantLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPartnerLookalike: a domain built to be mistaken for one the tenant
// receives legitimate mail from; another company sharing a word is not one.
func TestPartnerLookalike(t *testing.T) {
	t.Parallel()
	e := defaultEngine(t)
	ctx := Context{KnownDomains: []string{"Fabrikam.example", "mail.northwind.example"}}
	for _, tc := range []struct {
		from string
		want bool
	}{
		{"Fabrikam AR <ar@fabrikarn.example>", true},
		{"Northwind <billing@n0rthwind.example>", true},
		{"Northwind <billing@northwlnd.example>", false}, // a typo may be another company's name
		{"Fabrikam AR <ar@fabrikam.example>", false},
		{"Fabrikam Logistics <info@fabrikam-logistics.example>", false},
		{"Someone <a@unrelated.example>", false},
	} {
		raw := "From: " + tc.from + "\nTo: ap@contoso.example\nSubject: remittance\nDate: Tue, 3 Nov 2026 12:00:00 +0000\nMessage-ID: <p-1@example.net>\n\nNew bank details attached.\n"
		r := e.Analyze(context.Background(), parseString(t, raw), ctx)
		if got := hasAny(r.Findings, "sender.partner_lookalike"); got != tc.want {
			t.Errorf("%s: sender.partner_lookalike = %v, want %v (%v)", tc.from, got, tc.want, findingIDs(r))
		}
	}
	// A partner's name on the known list does not exempt it from the brand checks.
	brandish := Context{KnownDomains: []string{"paypa1.example"}}
	raw := "From: PayPal <service@paypa1.example>\nTo: ap@contoso.example\nSubject: account\nDate: Tue, 3 Nov 2026 12:00:00 +0000\nMessage-ID: <p-2@example.net>\n\nVerify your account.\n"
	if r := e.Analyze(context.Background(), parseString(t, raw), brandish); !hasAny(r.Findings, "sender.brand_lookalike") {
		t.Errorf("a known domain skipped the brand lookalike check: %v", findingIDs(r))
	}
}
