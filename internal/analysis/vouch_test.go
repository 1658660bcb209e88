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

// TestVouching: bulk mail, or mail with weak risk signals, is released as
// benign only when something vouches for the sender.
func TestVouching(t *testing.T) {
	t.Parallel()
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
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
		{"discussion list", strings.Replace(riskyMessage, "Subject:", "List-Post: <mailto:hikers@lists.example.net>\nSubject:", 1), Context{}, VerdictBenign, "headers.mailing_list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Analyze(context.Background(), parseString(t, tt.raw), tt.ctx)
			if r.Verdict != tt.verdict || !hasAny(r.Findings, tt.finding) {
				t.Errorf("verdict %s (score %+v), findings %v; want %s with %s", r.Verdict, r.Score, findingIDs(r), tt.verdict, tt.finding)
			}
			if r.Verdict == VerdictSpam && tt.name == "weak risk, nothing vouches" && !strings.Contains(r.Summary, "Nothing vouches for the sender") {
				t.Errorf("summary does not say why it is kept: %s", r.Summary)
			}
		})
	}
}
