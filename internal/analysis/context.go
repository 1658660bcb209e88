package analysis

import (
	"context"
	"strings"
)

// Context is what the tenant knows, given with each message. Domains may be
// given in either form of an IDN (they are compared in ASCII form). Entries
// that would vouch for unrelated parties are ignored: a shared domain or a
// free-mail provider among the tenant domains or on the allow list (see
// SharedDomain and FreeMailDomain), a VIP name VIPName refuses.
type Context struct {
	// TenantDomains are the tenant's own accepted domains (contoso.com).
	TenantDomains []string `json:"tenant_domains,omitempty"`
	// VIPs are display names of people worth impersonating (the CEO, the CFO).
	VIPs []string `json:"vips,omitempty"`
	// Brands are extra protected brands, added to the built-in list.
	Brands []Brand `json:"brands,omitempty"`
	// Allow lists sender addresses or domains the tenant trusts; they count
	// only when the message's authentication passes for them.
	Allow []string `json:"allow,omitempty"`
	// Deny lists sender addresses or domains, or link domains, the tenant blocks.
	Deny []string `json:"deny,omitempty"`
	// KnownDomains are registrable domains the tenant receives legitimate
	// mail from (its partners and suppliers, from its history): a domain made
	// to be mistaken for one of them (fabrikarn.com for fabrikam.com) is a
	// partner impersonation.
	KnownDomains []string `json:"known_domains,omitempty"`
	// History, when set, tells how often a sender has sent mail to this tenant.
	History SenderHistory `json:"-"`
}

// SenderHistory looks up what the tenant has received from a sender before.
// The storage-backed implementation lives outside this package; offline it is nil.
type SenderHistory interface {
	SenderStats(ctx context.Context, address, domain string) (SenderStats, error)
}

// SenderStats is a sender's history with the tenant.
type SenderStats struct {
	// BenignFromAddress counts earlier messages from this exact address judged benign or released.
	BenignFromAddress int
	// BenignFromDomain counts earlier benign messages from this sender domain.
	BenignFromDomain int
	// MaliciousFromDomain counts earlier malicious messages from this sender domain.
	MaliciousFromDomain int
}

// normalizeList lowercases and trims a list, dropping empty entries.
func normalizeList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "@")))
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// asciiList is normalizeList with the domain of every entry, a domain or
// an address, in its ASCII form.
func asciiList(in []string) []string {
	out := normalizeList(in)
	for i, e := range out {
		out[i] = asciiEntry(e)
	}
	return out
}
