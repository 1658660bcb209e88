package analysis

import (
	"context"
	"strings"
	"testing"
)

// stubHistory is a fixed sender history.
type stubHistory SenderStats

func (h stubHistory) SenderStats(context.Context, string, string) (SenderStats, error) {
	return SenderStats(h), nil
}

// A fictional marketing mail, authenticated for its own domain.
const promoMessage = `Authentication-Results: spf=pass smtp.mailfrom=news.example.org; dkim=pass header.d=example.org; dmarc=pass action=none header.from=example.org
From: "Example Outdoor Shop" <news@example.org>
To: sam@example.com
Subject: Autumn sale on tents
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <promo-1@example.org>
Content-Type: text/html; charset=utf-8

<p>Tents and sleeping bags at autumn prices on <a href="https://www.example.org/sale">our shop</a>.</p>
<p><a href="https://news.example.org/u?id=7">Unsubscribe</a></p>
`

// A fictional message with risk signals (a shortened link, a suspicious
// top-level domain) and nothing else.
const riskyMessage = `From: Pat <pat@example.net>
To: sam@example.com
Subject: the photos
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <risky-1@example.net>

Here they are: https://bit.ly/3xYzAbc and https://photos-pat.example.top/album
`

// A fictional shipping notice, authenticated for the brand's own domain,
// with an unsubscribe offer in its footer.
const brandNotice = `Authentication-Results: spf=pass smtp.mailfrom=dhl.com; dkim=pass header.d=dhl.com; dmarc=pass action=none header.from=dhl.com
From: DHL Express <noreply@dhl.com>
To: sam@example.com
Subject: Your parcel is out for delivery
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <notice-1@dhl.com>
Content-Type: text/html; charset=utf-8

<p>Your parcel 1234567890 arrives today between 10:00 and 12:00.</p>
<p><a href="https://www.dhl.com/track?id=1234567890">Track it</a> - <a href="https://www.dhl.com/unsubscribe">Unsubscribe</a></p>
`

// A fictional plain-text delivery report from the null sender.
const nullBounce = `From: MAILER-DAEMON <>
To: sam@example.com
Subject: Mail delivery failed
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <bounce-1@mx.example.com>

This message was created automatically by mail delivery software.
A message that you sent could not be delivered to one or more of its recipients:
  pat@example.net: mailbox unavailable
`

// A fictional post of a discussion list, relayed with the list's headers.
const listPost = `From: Alex Example <alex@example.org>
To: hikers@lists.example.net
Subject: Re: Saturday walk
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <post-1@example.org>
List-Id: Hikers <hikers.lists.example.net>
List-Post: <mailto:hikers@lists.example.net>
List-Unsubscribe: <mailto:hikers-leave@lists.example.net>
Reply-To: hikers@lists.example.net

We meet at the station at nine; bring water.
`

// TestVouching: bulk mail, or mail with weak risk signals, is released as
// benign only when something vouches for the sender.
func TestVouching(t *testing.T) {
	t.Parallel()
	e := defaultEngine(t)
	tests := []struct {
		name    string
		raw     string
		ctx     Context
		verdict Verdict
		finding string
	}{
		{"bulk footer, nothing vouches", promoMessage, Context{}, VerdictSpam, "content.bulk_footer"},
		{"bulk footer, allow-listed", promoMessage, Context{Allow: []string{"example.org"}}, VerdictBenign, "auth.allowlisted"},
		{"bulk footer, established sender", promoMessage, Context{History: stubHistory{BenignFromAddress: 5}}, VerdictBenign, "sender.established"},
		{"weak risk, nothing vouches", riskyMessage, Context{}, VerdictSpam, "links.shortener"},
		{"bulk footer, authenticated brand", brandNotice, Context{}, VerdictBenign, "auth.brand_aligned_pass"},
		{"plain-text delivery report from the null sender", nullBounce, Context{}, VerdictBenign, ""},
		{"discussion list, bulk", listPost, Context{}, VerdictBenign, "headers.mailing_list"},
		// List headers are the sender's to write: they vouch for bulk mail, not against risk.
		{"forged list header on risky mail", strings.Replace(riskyMessage, "Subject:", "X-BeenThere: a@evil.example\nSubject:", 1), Context{}, VerdictSpam, "headers.mailing_list"},
		// So is the null sender of a delivery report: it spares the report
		// headers.from_missing, but only a report's structure vouches for it.
		{"forged MAILER-DAEMON on risky mail", strings.Replace(riskyMessage, "From: Pat <pat@example.net>", "From: MAILER-DAEMON <>", 1), Context{}, VerdictSpam, "links.shortener"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Analyze(context.Background(), parseString(t, tt.raw), tt.ctx)
			if r.Verdict != tt.verdict || tt.finding != "" && !hasAny(r.Findings, tt.finding) || hasAny(r.Findings, "headers.from_missing") {
				t.Errorf("verdict %s (score %+v), findings %v; want %s with %s", r.Verdict, r.Score, findingIDs(r), tt.verdict, tt.finding)
			}
			if r.Verdict == VerdictSpam && tt.name == "weak risk, nothing vouches" && !strings.Contains(r.Summary, "Nothing vouches for the sender") {
				t.Errorf("summary does not say why it is kept: %s", r.Summary)
			}
		})
	}
}

// TestFreeMailHistory: at a free-mail provider the domain's history is
// other people's, so it neither vouches for a sender (ten benign messages
// from other gmail.com users made any gmail.com sender "established") nor
// condemns one; the address's own history still counts.
func TestFreeMailHistory(t *testing.T) {
	t.Parallel()
	e := defaultEngine(t)
	const payment = `Authentication-Results: spf=pass smtp.mailfrom=gmail.com; dkim=pass header.d=gmail.com; dmarc=pass action=none header.from=gmail.com
From: Chris Ortega <chris.ortega.7731@gmail.com>
To: sam@example.com
Subject: invoice
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <pay-1@mail.gmail.com>

Hi, please settle the attached invoice today by bank transfer, details below.
`
	for _, tc := range []struct {
		name    string
		history stubHistory
		want    string // a finding that must be there
		not     string // a finding that must not
	}{
		{"others' benign mail does not vouch", stubHistory{BenignFromDomain: 40}, "sender.first_time", "sender.established"},
		{"others' malicious mail does not condemn", stubHistory{MaliciousFromDomain: 3, BenignFromAddress: 1}, "", "sender.known_bad_domain"},
		{"the address's own history counts", stubHistory{BenignFromAddress: 4, BenignFromDomain: 40}, "sender.established", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Analyze(context.Background(), parseString(t, payment), Context{History: tc.history})
			if tc.want != "" && !hasAny(r.Findings, tc.want) || tc.not != "" && hasAny(r.Findings, tc.not) {
				t.Errorf("findings %v; want %q, not %q", findingIDs(r), tc.want, tc.not)
			}
		})
	}
	// A company's own domain history still counts.
	r := e.Analyze(context.Background(), parseString(t, promoMessage), Context{History: stubHistory{BenignFromDomain: 12}})
	if !hasAny(r.Findings, "sender.established") {
		t.Errorf("an organisation's domain history: findings %v", findingIDs(r))
	}
}
