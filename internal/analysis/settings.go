package analysis

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// What a tenant may name in its detection settings. The engine trusts a
// tenant or allow-listed domain together with every domain under it
// (isTenantDomain, listed), so an entry shared by unrelated parties would
// extend that trust to all of them. Whoever stores the settings
// (store.DetectionSettings.Normalize) refuses such entries with the reasons
// below, which read after the entry: `"co.uk": a public suffix: ...`. The
// engine ignores them too (newInput), in case they were stored earlier.

// SharedDomain returns why domain is shared by unrelated parties, so that
// naming it in any list of a tenant's settings would cover all of them, or
// "" when it is not: a public suffix of the Public Suffix List, ICANN or
// private section ("co.uk", "github.io"), or a suffix under which Microsoft
// gives every tenant its initial domain ("onmicrosoft.com"). An IDN may be
// given in either form.
func SharedDomain(domain string) string {
	d := asciiHost(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), "."))
	if d == "" {
		return ""
	}
	for _, suf := range microsoftTenantSuffixes {
		if d == suf[1:] {
			return "Microsoft's shared tenant domain: the domain of every Microsoft 365 tenant under it would match"
		}
	}
	if ps, _ := publicsuffix.PublicSuffix(d); ps == d {
		return "a public suffix: every domain under it would match"
	}
	return ""
}

// FreeMailDomain reports whether domain is a consumer mailbox provider
// (gmail.com, outlook.com) or a domain under one: anyone can get an address
// there, so the domain vouches for no one. An IDN may be given in either form.
func FreeMailDomain(domain string) bool {
	_, ok := inDomainSet(asciiHost(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")), freeMailDomains)
	return ok
}

// VIPName returns why name cannot stand for a protected person, or "" when
// it can. The engine matches a VIP with a display name by their letters
// and digits, folded and split into words (tokenize(foldText(name))), so a
// name must keep at least two letters that way: "-", "..." or an emoji
// would match every display name without letters, an empty one too, and
// "J" every "J".
func VIPName(name string) string {
	toks := tokenize(foldText(name))
	if len(toks) == 0 {
		return "no letters or digits: it would match every display name without any, an empty one too"
	}
	letters := 0
	for _, t := range toks {
		for _, r := range t {
			if unicode.IsLetter(r) {
				letters++
			}
		}
	}
	if letters < 2 {
		return "fewer than two letters: it would match display names of other people"
	}
	return ""
}

// asciiHost returns host in its ASCII (punycode) form, as the tenant's
// lists hold it, so that a name written in Unicode (SMTPUTF8 mail, link
// text) matches. A host that is ASCII already, or that IDNA refuses, is
// returned as given.
func asciiHost(host string) string {
	for i := 0; i < len(host); i++ {
		if host[i] >= utf8.RuneSelf {
			if a, err := idna.Lookup.ToASCII(host); err == nil {
				return a
			}
			return host
		}
	}
	return host
}

// asciiEntry is an allow, deny or tenant entry, a domain or an address,
// with its domain in ASCII form.
func asciiEntry(e string) string {
	if i := strings.LastIndexByte(e, '@'); i >= 0 {
		return e[:i+1] + asciiHost(e[i+1:])
	}
	return asciiHost(e)
}

// trustedDomains drops the entries of a tenant-domain or allow list that
// would trust unrelated parties: shared domains and free-mail providers.
// Addresses stay: they name one mailbox.
func trustedDomains(list []string) []string {
	out := list[:0]
	for _, e := range list {
		if !strings.Contains(e, "@") && (SharedDomain(e) != "" || FreeMailDomain(e)) {
			continue
		}
		out = append(out, e)
	}
	return out
}
