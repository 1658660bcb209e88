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
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Analyze(context.Background(), parseString(t, tt.raw), Context{})
			if !hasAny(r.Findings, tt.want) {
				t.Errorf("missing %s; findings %v", tt.want, findingIDs(r))
			}
			if r.Verdict == VerdictBenign {
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
