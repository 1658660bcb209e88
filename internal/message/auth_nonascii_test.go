package message

import (
	"strings"
	"testing"
)

// encodedAuthResults is a fictional Microsoft Authentication-Results whose
// header.from holds styled (non-ASCII) letters. Microsoft then sends the
// whole value as RFC 2047 encoded words, cut every 45 bytes, here in the
// middle of a letter (between the fourth and fifth words).
const encodedAuthResults = "=?utf-8?B?c3BmPXBhc3MgKHNlbmRlciBJUCBpcyAxOTIuMC4yLjcpIHNtdHAubWFpbGZy?=\r\n" +
	" =?utf-8?B?b209bWFpbGVyLmV4YW1wbGUubmV0OyBka2ltPW5vbmUgKG1lc3NhZ2Ugbm90?=\r\n" +
	" =?utf-8?B?IHNpZ25lZCkgaGVhZGVyLmQ9bm9uZTtkbWFyYz1mYWlsIGFjdGlvbj1xdWFy?=\r\n" +
	" =?utf-8?B?YW50aW5lIGhlYWRlci5mcm9tPfCdl7LwnZiF8J2XrvCdl7rwnZe98J2XufCd?=\r\n" +
	" =?utf-8?B?l7Iu8J2YgfCdl7LwnZiA8J2YgTtjb21wYXV0aD1mYWlsIHJlYXNvbj0wMDA=?="

func TestDecodeAuthValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"encoded/styled header.from", encodedAuthResults,
			"spf=pass (sender IP is 192.0.2.7) smtp.mailfrom=mailer.example.net; dkim=none (message not signed) header.d=none;dmarc=fail action=quarantine header.from=𝗲𝘅𝗮𝗺𝗽𝗹𝗲.𝘁𝗲𝘀𝘁;compauth=fail reason=000"},
		{"plain/unchanged", "spf=pass smtp.mailfrom=example.com; dmarc=pass header.from=example.com",
			"spf=pass smtp.mailfrom=example.com; dmarc=pass header.from=example.com"},
		{"plain/encoded word later is kept", "mx.example.org; dkim=pass header.i==?x",
			"mx.example.org; dkim=pass header.i==?x"},
		{"broken/undecodable word kept as written", "=?utf-8?B?###?=", "=?utf-8?B?###?="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := decodeAuthValue(tc.in); got != tc.want {
				t.Errorf("decodeAuthValue(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestParseEncodedAuthResults checks that a DMARC failure inside an encoded
// Authentication-Results is seen by the whole parse.
func TestParseEncodedAuthResults(t *testing.T) {
	t.Parallel()
	raw := "Authentication-Results: " + encodedAuthResults + "\r\n" +
		"From: Support <noreply@mailer.example.net>\r\n" +
		"To: alex@example.org\r\n" +
		"Subject: fictional\r\n" +
		"Message-ID: <fictional-auth-1@mailer.example.net>\r\n" +
		"Date: Tue, 03 Nov 2026 10:00:00 +0000\r\n" +
		"\r\n" +
		"Hello.\r\n"
	m, err := Parse([]byte(raw), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ms := m.Auth.Microsoft
	if ms == nil {
		t.Fatalf("Microsoft summary missing; results %+v", m.Auth.Results)
	}
	if ms.DMARC != "fail" || ms.DMARCAction != "quarantine" || ms.CompAuth != "fail" || ms.CompAuthReason != "000" || ms.SPF != "pass" {
		t.Errorf("summary = %+v, want dmarc=fail action=quarantine compauth=fail reason=000 spf=pass", *ms)
	}
	if ms.HeaderFrom != "𝗲𝘅𝗮𝗺𝗽𝗹𝗲.𝘁𝗲𝘀𝘁" {
		t.Errorf("header.from = %q", ms.HeaderFrom)
	}
	if r := m.Auth.Results[0]; r.AuthServID != "" || !strings.HasPrefix(r.Raw, "spf=pass") {
		t.Errorf("result read as authserv-id %q, raw %q", r.AuthServID, r.Raw)
	}
}
