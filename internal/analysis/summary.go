package analysis

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// categoryPhrase names a category in a sentence.
var categoryPhrase = map[Category]string{
	CategoryCredentialPhishing: "credential phishing",
	CategoryMalware:            "a malware delivery",
	CategoryBEC:                "business email compromise (a fraudulent payment or data request)",
	CategoryCallbackPhishing:   "callback phishing (it wants the reader to phone the attacker)",
	CategoryExtortion:          "an extortion attempt",
	CategoryScam:               "a scam",
	CategorySpam:               "spam",
	CategoryBulk:               "bulk marketing mail",
	CategoryLegitimate:         "legitimate mail",
	CategoryUnknown:            "unknown",
}

// summarize writes the one-paragraph summary an analyst reads first.
func summarize(r *Report, _ *Input) string {
	var threats, benign, spammy []string
	for _, f := range r.Findings {
		switch {
		case f.Weight > 0 && len(threats) < 4:
			threats = append(threats, clause(f))
		case f.Weight < 0 && len(benign) < 2:
			benign = append(benign, clause(f))
		}
		if rules[f.ID].spam > 0 && len(spammy) < 3 {
			spammy = append(spammy, clause(f))
		}
	}
	var b strings.Builder
	switch r.Verdict {
	case VerdictMalicious, VerdictSuspicious:
		if r.Verdict == VerdictMalicious {
			b.WriteString("This message is " + categoryPhrase[r.Category])
		} else {
			b.WriteString("This message is suspicious and looks like " + categoryPhrase[r.Category])
		}
		if r.Brand != "" {
			b.WriteString(" impersonating " + r.Brand)
		}
		if len(threats) > 0 {
			b.WriteString(": " + joinClauses(threats))
		}
		b.WriteString(".")
		if len(benign) > 0 {
			b.WriteString(" In its favour: " + joinClauses(benign) + ".")
		}
		if r.Verdict == VerdictMalicious {
			b.WriteString(" Keep it quarantined, delete it, block the sender and look for the same campaign in other mailboxes.")
		} else {
			b.WriteString(" Keep it quarantined until an analyst has reviewed it.")
		}
	case VerdictSpam:
		if r.Score.Spam < thresholdSpam && r.Score.Net > 0 && len(threats) > 0 {
			// Kept for its risk signals rather than for advertising.
			b.WriteString("This message shows risk signals, not enough to call it phishing: " + joinClauses(threats) + ".")
			if !hasAny(r.Findings, vouching...) {
				b.WriteString(" Nothing vouches for the sender (no authenticated brand or tenant domain, no history, no allow list), so it stays quarantined;")
			} else {
				b.WriteString(" It stays quarantined;")
			}
			b.WriteString(" release it only if a recipient asks for it and the sender is known.")
			break
		}
		b.WriteString("This message looks like " + categoryPhrase[r.Category])
		if len(spammy) > 0 {
			b.WriteString(": " + joinClauses(spammy))
		}
		var other []string
		for _, t := range threats {
			if !slices.Contains(spammy, t) {
				other = append(other, t)
			}
		}
		switch {
		case r.Score.Net > 0 && len(other) > 0:
			b.WriteString(". It also shows weaker risk signals (" + joinClauses(other) + "), not enough to call it phishing; release it only if a recipient asks for it and the sender is known.")
		case r.Score.Net > 0 && len(threats) > 0:
			b.WriteString(". Some of these are also weak risk signals, not enough to call it phishing; release it only if a recipient asks for it and the sender is known.")
		default:
			b.WriteString(". Nothing in it points to phishing, malware or fraud; release it only if a recipient asks for it.")
		}
	default:
		b.WriteString("No sign of phishing, malware or fraud was found")
		if len(benign) > 0 {
			b.WriteString("; " + joinClauses(benign))
		}
		b.WriteString(".")
		if len(threats) > 0 {
			b.WriteString(" Minor observations: " + joinClauses(threats) + ".")
		}
		b.WriteString(" It can be released to its recipients.")
	}
	return b.String()
}

// clause turns a finding title into a clause: "Display name claims ..." → "display name claims ...".
func clause(f Finding) string {
	t := strings.TrimSuffix(strings.TrimSpace(f.Title), ".")
	r, n := utf8.DecodeRuneInString(t)
	if n < len(t) {
		r2, _ := utf8.DecodeRuneInString(t[n:])
		// Lowercase "A link ..." and "Sender ...", keep "DMARC ..." and "HTML ...".
		if unicode.IsUpper(r) && (unicode.IsLower(r2) || r2 == ' ') {
			t = string(unicode.ToLower(r)) + t[n:]
		}
	}
	return t
}

// joinClauses joins with commas and a final "and".
func joinClauses(cs []string) string {
	switch len(cs) {
	case 0:
		return ""
	case 1:
		return cs[0]
	}
	return strings.Join(cs[:len(cs)-1], ", ") + " and " + cs[len(cs)-1]
}
