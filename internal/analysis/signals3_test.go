package analysis

import (
	"slices"
	"testing"
)

func TestSplitCase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"FTXTeam":            "FTX Team",
		"TrustWalletSupport": "Trust Wallet Support",
		"CenterParcsActies":  "Center Parcs Acties",
		"Alex Martin":        "Alex Martin",
		"IBM":                "IBM",
		"mcdonald":           "mcdonald",
	} {
		if got := splitCase(in); got != want {
			t.Errorf("splitCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHelpdeskAccount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host, acct string
	}{
		{"efomzy.zendesk.com", "efomzy"},
		{"mail.acme.freshdesk.com", "acme"},
		{"zendesk.com", ""},
		{"notzendesk.com", ""},
		{"example.org", ""},
	} {
		if got, _ := helpdeskAccount(tc.host); got != tc.acct {
			t.Errorf("helpdeskAccount(%q) = %q, want %q", tc.host, got, tc.acct)
		}
	}
	if !nameAppears("acme-support", "ACME Support <support@acme-support.zendesk.com>") {
		t.Error("nameAppears: acme-support should be found in \"ACME Support\"")
	}
	if nameAppears("efomzy", "Wallet Assist: verify your wallet") {
		t.Error("nameAppears: efomzy is not in the text")
	}
}

func TestHelpdeskBrand(t *testing.T) {
	t.Parallel()
	fake := "From: Wallet Assist <support@qzvkrtyu.zendesk.com>\nTo: reader@example.org\nSubject: Verify your wallet to avoid closure\n" +
		"Date: Tue, 3 Nov 2026 10:00:00 +0000\nMessage-ID: <h1@qzvkrtyu.zendesk.com>\n\n" +
		"Dear Trust Wallet customer, to avoid closure please complete the verification of your wallet. Verify your account now.\n"
	if ids := analyzeIDs(t, fake); !slices.Contains(ids, "content.helpdesk_brand") {
		t.Errorf("fake ticket: content.helpdesk_brand missing from %v", ids)
	}
	// A company's own helpdesk naming a brand is not a fake ticket.
	own := "From: Acme Support <support@acme.zendesk.com>\nTo: reader@example.org\nSubject: Update your payment method\n" +
		"Date: Tue, 3 Nov 2026 10:00:00 +0000\nMessage-ID: <h2@acme.zendesk.com>\n\n" +
		"Your PayPal payment failed. Please update your payment method in your Acme account.\n"
	if ids := analyzeIDs(t, own); slices.Contains(ids, "content.helpdesk_brand") {
		t.Errorf("own helpdesk: unexpected content.helpdesk_brand in %v", ids)
	}
}

func TestMailboxNotice(t *testing.T) {
	t.Parallel()
	fake := "From: Quota Warning <admin@works.example>\nTo: reader@example.org\nSubject: reader@example.org has reached the quota limit\n" +
		"Date: Tue, 3 Nov 2026 10:00:00 +0000\nMessage-ID: <q1@works.example>\n\n" +
		"Your mailbox is almost full. You might no longer receive messages. Update now.\n"
	if ids := analyzeIDs(t, fake); !slices.Contains(ids, "content.mailbox_notice") {
		t.Errorf("outside quota notice: content.mailbox_notice missing from %v", ids)
	}
	// The reader's own mail system may warn about the mailbox.
	own := "From: IT Helpdesk <it@example.org>\nTo: reader@example.org\nSubject: Mailbox quota\n" +
		"Date: Tue, 3 Nov 2026 10:00:00 +0000\nMessage-ID: <q2@example.org>\n\n" +
		"Your mailbox is almost full. Please delete old messages.\n"
	if ids := analyzeIDs(t, own); slices.Contains(ids, "content.mailbox_notice") {
		t.Errorf("own domain: unexpected content.mailbox_notice in %v", ids)
	}
	// A newsletter mentioning a password expiry deep in its text is not a notice.
	news := "From: Tech Weekly <news@weekly.example>\nTo: reader@example.org\nSubject: This week in tech\n" +
		"List-Unsubscribe: <https://weekly.example/u>\nDate: Tue, 3 Nov 2026 10:00:00 +0000\nMessage-ID: <q3@weekly.example>\n\n" +
		"Articles: how to log on if your password expires.\n"
	if ids := analyzeIDs(t, news); slices.Contains(ids, "content.mailbox_notice") {
		t.Errorf("newsletter: unexpected content.mailbox_notice in %v", ids)
	}
}

func TestBounceLeavesBrandOut(t *testing.T) {
	t.Parallel()
	dsn := "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\nTo: reader@example.org\nSubject: Undelivered Mail Returned to Sender\n" +
		"Date: Tue, 3 Nov 2026 10:00:00 +0000\nMessage-ID: <d1@mx.example.org>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n" +
		"--b\nContent-Type: text/plain\n\nYour message could not be delivered. Subject: PayPal: verify your account, your account has been limited.\n" +
		"--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; sam@example.net\nAction: failed\nStatus: 5.1.1\n--b--\n"
	if ids := analyzeIDs(t, dsn); slices.Contains(ids, "content.brand_mention") {
		t.Errorf("delivery report: unexpected content.brand_mention in %v", ids)
	}
}
