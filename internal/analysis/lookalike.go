package analysis

import (
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// LookalikeKind says how a domain imitates another.
type LookalikeKind string

// Lookalike kinds.
const (
	LookalikeHomoglyph  LookalikeKind = "homoglyph"
	LookalikePunycode   LookalikeKind = "punycode"
	LookalikeDigitSwap  LookalikeKind = "digit_swap"
	LookalikeTypo       LookalikeKind = "typo"
	LookalikeAddedWords LookalikeKind = "added_words"
	LookalikeSubdomain  LookalikeKind = "brand_in_subdomain"
)

// strong reports kinds where the domain is built to be mistaken for the
// protected one; added words and brand-in-subdomain only borrow the name.
func (k LookalikeKind) strong() bool {
	switch k {
	case LookalikeHomoglyph, LookalikePunycode, LookalikeDigitSwap, LookalikeTypo:
		return true
	}
	return false
}

// lookalike is one match of a domain against a protected one.
type lookalike struct {
	kind LookalikeKind
	// target is the legitimate domain imitated.
	target string
	// brand is the brand index, or -1 for a tenant or partner domain.
	brand int
	// partner is set when target is one of the tenant's known correspondents.
	partner bool
}

// digitSwaps map digits to the letters they imitate in domains.
var digitSwaps = strings.NewReplacer("0", "o", "1", "l", "3", "e", "4", "a", "5", "s", "7", "t", "8", "b", "rn", "m", "vv", "w")

// normalizeLabel decodes punycode and folds confusables and digit swaps.
// It reports which transformations changed the label.
func normalizeLabel(label string) (norm string, puny, glyph, digits bool) {
	s := label
	if strings.Contains(s, "xn--") {
		if u, err := idna.ToUnicode(s); err == nil && u != s {
			s, puny = u, true
		}
	}
	f := foldText(s)
	if f != strings.ToLower(s) {
		glyph = true
	}
	d := digitSwaps.Replace(f)
	if d != f {
		digits = true
	}
	return d, puny, glyph, digits
}

// candidate is a label prepared once for comparison with every protected label.
type candidate struct {
	raw, norm           string
	tokens              map[string]bool
	puny, glyph, digits bool
}

// lookalikeOf checks host against the protected domains: every brand and
// the tenant's own domains. A host owned by the brand is never a lookalike.
func (in *Input) lookalikeOf(host string) (lookalike, bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || strings.ContainsAny(host, "=_ %") || !strings.Contains(host, ".") {
		return lookalike{}, false
	}
	if _, ok := in.brands.ownerOf(host); ok {
		return lookalike{}, false
	}
	if in.isTenantDomain(host) {
		return lookalike{}, false
	}
	reg := registrable(host)
	if _, ok := freeMailDomains[reg]; ok {
		return lookalike{}, false
	}
	label := tenantLabel(host) // the registrable label; a Microsoft tenant's name for *.onmicrosoft.com
	c := candidate{raw: label}
	c.norm, c.puny, c.glyph, c.digits = normalizeLabel(label)
	if strings.Contains(c.norm, "-") {
		c.tokens = setOf(strings.Split(c.norm, "-")...)
	}
	// Tenant domains first: impersonating the tenant itself is the worst.
	for _, t := range in.tenant {
		tl := tenantLabel(t)
		if len(tl) < 4 {
			continue
		}
		k, ok := c.compare(tl, false)
		if !ok {
			continue
		}
		if MicrosoftTenantDomain(t) && (!madeToDeceive(k) || strings.ReplaceAll(c.raw, "-", "") == tl) {
			// Only the tenant's initial domain is known, not the accepted
			// domains it owns (contoso-group.com for contosogroup): only a
			// domain built to be mistaken for the name counts.
			continue
		}
		return lookalike{kind: k, target: t, brand: -1}, true
	}
	// Partners and suppliers the tenant named: only a domain built to be
	// mistaken for one counts. A typo may be another company's real name
	// (logitec, logitech), and sharing a word of a name is no imitation.
	if !slices.Contains(in.known, asciiHost(reg)) {
		for _, k := range in.known {
			kl := labelOf(k)
			if len(kl) < 5 {
				continue
			}
			if kind, ok := c.compare(kl, false); ok && madeToDeceive(kind) {
				return lookalike{kind: kind, target: k, brand: -1, partner: true}, true
			}
		}
	}
	for _, bl := range in.brands.labels {
		if k, ok := c.compare(bl.label, genericLabels[bl.label]); ok {
			return lookalike{kind: k, target: bl.domain, brand: bl.brand}, true
		}
	}
	// The brand's name as a label of the subdomain part: paypal.com.secure-id.top.
	if sub := strings.TrimSuffix(host, reg); sub != "" {
		for _, part := range strings.Split(strings.Trim(sub, "."), ".") {
			if len(part) < 5 || genericLabels[part] {
				continue
			}
			if i, ok := in.brands.byLabel[part]; ok {
				bl := in.brands.labels[i]
				return lookalike{kind: LookalikeSubdomain, target: bl.domain, brand: bl.brand}, true
			}
		}
	}
	return lookalike{}, false
}

// madeToDeceive reports the kinds that only make sense as deception:
// look-alike letters, punycode, digits for letters. Typos and added words
// may be another party's real name.
func madeToDeceive(k LookalikeKind) bool {
	return k == LookalikeHomoglyph || k == LookalikePunycode || k == LookalikeDigitSwap
}

// MicrosoftTenantDomain reports whether d, lower-case, is the initial
// domain Microsoft gives a tenant (contoso.onmicrosoft.com) or under one.
func MicrosoftTenantDomain(d string) bool {
	for _, suf := range microsoftTenantSuffixes {
		if strings.HasSuffix(strings.TrimSuffix(d, "."), suf) {
			return true
		}
	}
	return false
}

// microsoftTenantSuffixes end the initial domains Microsoft gives tenants
// (contoso.onmicrosoft.com); the label before them is the tenant's name.
var microsoftTenantSuffixes = []string{".onmicrosoft.com", ".onmicrosoft.us", ".onmicrosoft.de", ".partner.onmschina.cn", ".onmschina.cn"}

// tenantLabel is the name a tenant domain protects: "contoso" for
// contoso.com and for contoso.onmicrosoft.com, which is all qtriage knows of
// a tenant before its accepted domains are given (registrable() would make
// it "onmicrosoft").
func tenantLabel(domain string) string {
	domain = strings.TrimSuffix(domain, ".")
	for _, suf := range microsoftTenantSuffixes {
		if name, ok := strings.CutSuffix(domain, suf); ok && name != "" && !strings.Contains(name, ".") {
			return name
		}
	}
	return labelOf(registrable(domain))
}

// compare compares the candidate with one protected label.
func (c *candidate) compare(protected string, generic bool) (LookalikeKind, bool) {
	if c.raw == protected {
		return "", false
	}
	// The protected name appears only once look-alike letters are undone: strong.
	if c.norm == protected || len(protected) >= 5 && c.norm != c.raw && strings.Contains(c.norm, protected) && !strings.Contains(c.raw, protected) {
		switch {
		case c.puny:
			return LookalikePunycode, true
		case c.glyph:
			return LookalikeHomoglyph, true
		case c.digits:
			return LookalikeDigitSwap, true
		}
	}
	if len(protected) < 4 || generic {
		return "", false
	}
	// Added words: microsoft-support, secure-paypal, paypalsecurity.
	if c.tokens[protected] {
		return LookalikeAddedWords, true
	}
	if len(protected) >= 6 && len(c.norm) > len(protected) && strings.Contains(c.norm, protected) {
		// A hyphenated name ("t-online") must start a word: "homet-online" is not it.
		if i := strings.Index(c.norm, protected); !strings.Contains(protected, "-") || i == 0 || c.norm[i-1] == '-' {
			return LookalikeAddedWords, true
		}
	}
	if len(protected) < 5 {
		return "", false
	}
	if d := len(c.norm) - len(protected); d > 2 || d < -2 || c.norm == "" ||
		c.norm[0] != protected[0] && c.norm[len(c.norm)-1] != protected[len(protected)-1] {
		// Typosquats keep the name's first or last letter.
		return "", false
	}
	if typoOf(c.norm, protected) {
		return LookalikeTypo, true
	}
	return "", false
}

// similarPairs are substitutions that look alike at a glance.
var similarPairs = setOf("il", "li", "i1", "1i", "l1", "1l", "ij", "ji", "o0", "0o", "oq", "qo", "ec", "ce", "nm", "mn", "uv", "vu",
	"gq", "qg", "ae", "ea", "oa", "ao", "yv", "vy", "nh", "hn", "bd", "db", "pq", "qp")

// typoOf reports whether a is a plausible typosquat of b: one character
// dropped, doubled or inserted, two neighbours swapped, a look-alike
// substitution, or (for long names) any two edits.
func typoOf(a, b string) bool {
	la, lb := len(a), len(b)
	if la == lb {
		var diff [3]int
		n := 0
		for i := 0; i < la && n < 3; i++ {
			if a[i] != b[i] {
				diff[n] = i
				n++
			}
		}
		switch n {
		case 1:
			return similarPairs[string([]byte{a[diff[0]], b[diff[0]]})] || lb >= 8
		case 2:
			i, j := diff[0], diff[1]
			if j == i+1 && a[i] == b[j] && a[j] == b[i] {
				return true
			}
			return lb >= 10
		}
		return false
	}
	if la-lb > 2 || lb-la > 2 {
		return false
	}
	d := editDistance(a, b, 2)
	if d == 1 {
		return lb >= 7
	}
	return d == 2 && lb >= 10
}

// editDistance is the Levenshtein distance of a and b, capped at max+1.
func editDistance(a, b string, max int) int {
	if a == b {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
