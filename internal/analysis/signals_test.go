package analysis

import (
	"context"
	"slices"
	"testing"
)

func TestBadHostName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, host string
		bad        bool
	}{
		{"ok/ascii", "mail.example.org", false},
		{"ok/underscore", "mail_1.example.org", false},
		{"ok/real idn", "bücher.example", false},
		{"bad/percent", "%detran.example.br", true},
		{"bad/quote", "'unlimitedtv-vetgv.example.com", true},
		{"bad/trailing quote", "example.com'", true},
		{"bad/styled letters", "𝐚𝐨𝐤.𝐝𝐞", true},
		{"ok/punycode tld", "example.xn--p1ai", false},
		{"ok/long tld", "mail.example.photography", false},
		{"bad/hyphenated tld", "parcels.example.eu-new", true},
		{"bad/numbered tld", "alerts.example.com.br-1", true},
		{"bad/digit tld", "notice20487.-1", true},
		{"bad/label ends in hyphen", "shop.example-.com", true},
		{"bad/empty label", "mail..example.com", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := badHostName(tc.host) != ""; got != tc.bad {
				t.Errorf("badHostName(%q) = %q, want bad=%v", tc.host, badHostName(tc.host), tc.bad)
			}
		})
	}
}

func TestDecoratedName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		deco bool
	}{
		{"Alex Martin", false},
		{"Alex-Martin Dupont", false},
		{"J. R. Smith Jr.", false},
		{"--- Congrats ---", true},
		{"--Aviso**", true},
		{"   Online Protection Team     ", true},
		{"Rewards___", true},
	} {
		if got := decoratedName(tc.name) != ""; got != tc.deco {
			t.Errorf("decoratedName(%q) = %v, want %v", tc.name, got, tc.deco)
		}
	}
}

func TestRandomMailboxKeepsAcronyms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		local  string
		random bool
	}{
		{"USPSInformeddelivery", false},
		{"FOXSportsFLASH", false},
		{"JohnSmith", false},
		{"HWcUkzB", true},
		{"MevaLiM", true},
		{"oButtVNv", true},
		{"cJAWtchk", true},
		{"JZIGJJNKI", false},
		{"rxfng", true},
		{"BCBSNC", false},
		{"bnctc", true},
		{"lynch", false},
		{"mtrx", false},
		{"jdoe", false},
	} {
		if got := randomMailbox(tc.local); got != tc.random {
			t.Errorf("randomMailbox(%q) = %v, want %v", tc.local, got, tc.random)
		}
	}
}

func TestPasswordInBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text  string
		match bool
	}{
		{"Senha de acesso: 1234 - Autorização", true},
		{"Senha do PDF 123 Protocolo", true},
		{"The password for the attachment is ab12cd", true},
		{"password: Winter2024", true},
		{"Click here for a password reset of your account", false},
		{"your password manager keeps you safe", false},
	} {
		if got := passwordInBody.MatchString(tc.text); got != tc.match {
			t.Errorf("passwordInBody(%q) = %v, want %v", tc.text, got, tc.match)
		}
	}
}

// analyzeIDs analyses a message given as text and returns its finding ids.
func analyzeIDs(t *testing.T, raw string) []string {
	t.Helper()
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := e.Analyze(context.Background(), parseString(t, raw), Context{})
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

func TestOffMailContact(t *testing.T) {
	t.Parallel()
	scam := "From: Dr Alan Reed <alan.reed@university.example>\nTo: reader@example.org\nSubject: Business Partnership\n" +
		"Date: Tue, 3 Nov 2026 10:00:00 +0000\nMessage-ID: <o1@university.example>\n\n" +
		"I wish to seek your consent for an urgent business dealing. Kindly get back to me via: alan.reed.private@gmail.com\n"
	ids := analyzeIDs(t, scam)
	for _, want := range []string{"content.offmail_contact", "content.advance_fee"} {
		if !slices.Contains(ids, want) {
			t.Errorf("scam: %s missing from %v", want, ids)
		}
	}
	// A signature with a personal address is not a request to write elsewhere.
	sig := "From: Alex <alex@example.org>\nTo: sam@example.net\nSubject: notes\n" +
		"Date: Tue, 3 Nov 2026 10:00:00 +0000\nMessage-ID: <o2@example.org>\n\n" +
		"Here are the notes from Tuesday.\n--\nAlex, alex.home@gmail.com\n"
	if ids := analyzeIDs(t, sig); slices.Contains(ids, "content.offmail_contact") {
		t.Errorf("signature: unexpected content.offmail_contact in %v", ids)
	}
}

func TestBrandDomainUnauthenticated(t *testing.T) {
	t.Parallel()
	spoof := "Authentication-Results: spf=pass (sender IP is 192.0.2.9) smtp.mailfrom=bulk.example; dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=paypal.com;compauth=none reason=905\n" +
		"From: PayPal <service@paypal.com>\nTo: reader@example.org\nSubject: Your account\n" +
		"Date: Tue, 3 Nov 2026 10:00:00 +0000\nMessage-ID: <b1@bulk.example>\n\nHello.\n"
	ids := analyzeIDs(t, spoof)
	if !slices.Contains(ids, "auth.brand_unauthenticated") || slices.Contains(ids, "auth.unaligned") {
		t.Errorf("spoofed brand domain: got %v, want auth.brand_unauthenticated instead of auth.unaligned", ids)
	}
}

func TestSwapIl(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"lRS.GOV":        "IRS.GOV",
		"PayPaI Service": "PayPal Service",
		"CoinbaseWaIIet": "CoinbaseWallet",
		"Lisa Miller":    "Lisa Miller",
		"Ian Illing":     "Ian Illing",
		"IT Support":     "IT Support",
	} {
		if got := swapIl(in); got != want {
			t.Errorf("swapIl(%q) = %q, want %q", in, got, want)
		}
	}
}
