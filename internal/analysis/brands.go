package analysis

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
)

// Brand is a commonly impersonated organisation.
type Brand struct {
	Name string `json:"name"`
	// Domains are its legitimate registrable domains (subdomains included implicitly).
	Domains []string `json:"domains"`
	// Words are the names and product names that designate it in text ("office 365").
	Words []string `json:"words"`
}

// ErrBadBrand is wrapped when a brand definition is unusable.
var ErrBadBrand = errors.New("analysis: bad brand definition")

//go:embed data/brands.json
var brandsJSON []byte

// loadBrands decodes the embedded brand list.
func loadBrands() ([]Brand, error) {
	var bs []Brand
	if err := json.Unmarshal(brandsJSON, &bs); err != nil {
		return nil, fmt.Errorf("%w: embedded list: %w", ErrBadBrand, err)
	}
	if err := validateBrands(bs); err != nil {
		return nil, err
	}
	return bs, nil
}

// validateBrands checks that every brand has a name and at least one domain.
func validateBrands(bs []Brand) error {
	for i, b := range bs {
		if strings.TrimSpace(b.Name) == "" {
			return fmt.Errorf("%w: brand %d has no name", ErrBadBrand, i)
		}
		if len(b.Domains) == 0 {
			return fmt.Errorf("%w: brand %q has no domain", ErrBadBrand, b.Name)
		}
		for _, d := range b.Domains {
			if d == "" || strings.ContainsAny(d, " /@") {
				return fmt.Errorf("%w: brand %q has domain %q", ErrBadBrand, b.Name, d)
			}
		}
	}
	return nil
}

// genericLabels are brand domain labels that are also ordinary words; they
// only count as a whole token, never inside a longer label.
var genericLabels = setOf("office", "outlook", "windows", "united", "orange", "target", "signal", "notion", "stripe", "ledger",
	"kraken", "indeed", "booking", "discord", "telegram", "vanguard", "fidelity", "square", "delta", "apple", "chase", "visa",
	"live", "meta", "steam", "zoom", "slack", "box", "wise", "post", "bring", "cash", "crypto", "blockchain", "force", "canada", "coke",
	"hermes", "mint", "proton", "blogger", "disney", "static", "lyft", "uber", "shell", "temu", "norton", "hilton", "emirates", "united", "intuit", "paperform",
	"stellar", "ripple", "exodus", "phantom", "tesla", "bauhaus", "mercedes", "cadbury", "centerparcs", "samsclub",
	"cloud")

// brandLabel is one label (registrable domain without suffix) of a brand, for lookalike checks.
type brandLabel struct {
	label  string
	domain string
	brand  int
}

// phrase is one brand word split into tokens.
type phrase struct {
	tokens []string
	brand  int
}

// brandIndex is the immutable lookup structure over a brand list.
type brandIndex struct {
	brands  []Brand
	owner   map[string]int
	labels  []brandLabel
	byLabel map[string]int
	byName  map[string]int
	phrases map[string][]phrase
}

// newBrandIndex indexes bs; later brands do not override earlier domains.
func newBrandIndex(bs []Brand) *brandIndex {
	bi := &brandIndex{brands: bs, owner: map[string]int{}, byLabel: map[string]int{}, byName: map[string]int{}, phrases: map[string][]phrase{}}
	seenLabel := map[string]bool{}
	for i, b := range bs {
		if k := strings.Join(tokenize(foldText(b.Name)), ""); k != "" {
			if _, dup := bi.byName[k]; !dup {
				bi.byName[k] = i
			}
		}
		for _, d := range b.Domains {
			d = strings.ToLower(strings.TrimSpace(d))
			if _, ok := bi.owner[d]; !ok {
				bi.owner[d] = i
			}
			l := labelOf(registrable(d))
			if len(l) >= 3 && !seenLabel[l] && !strings.Contains(l, ".") {
				seenLabel[l] = true
				bi.byLabel[l] = len(bi.labels)
				bi.labels = append(bi.labels, brandLabel{label: l, domain: d, brand: i})
			}
		}
		for _, w := range b.Words {
			toks := tokenize(foldText(w))
			if len(toks) == 0 {
				continue
			}
			bi.phrases[toks[0]] = append(bi.phrases[toks[0]], phrase{tokens: toks, brand: i})
			if len(toks) > 1 {
				// "LaPoste", "WellsFargo": the words run together.
				joined := strings.Join(toks, "")
				bi.phrases[joined] = append(bi.phrases[joined], phrase{tokens: []string{joined}, brand: i})
			}
		}
	}
	return bi
}

// with returns a new index with extra brands appended.
func (bi *brandIndex) with(extra []Brand) *brandIndex {
	all := make([]Brand, 0, len(bi.brands)+len(extra))
	all = append(all, bi.brands...)
	for _, b := range extra {
		if validateBrands([]Brand{b}) == nil {
			all = append(all, b)
		}
	}
	return newBrandIndex(all)
}

// name returns the brand's name.
func (bi *brandIndex) name(i int) string { return bi.brands[i].Name }

// ownerOf returns the brand that legitimately owns host (or a parent of it).
func (bi *brandIndex) ownerOf(host string) (int, bool) {
	for h := strings.ToLower(host); h != ""; {
		if i, ok := bi.owner[h]; ok {
			return i, true
		}
		j := strings.IndexByte(h, '.')
		if j < 0 {
			break
		}
		h = h[j+1:]
	}
	return -1, false
}

// owns reports whether brand i legitimately owns host.
func (bi *brandIndex) owns(i int, host string) bool {
	o, ok := bi.ownerOf(host)
	return ok && o == i
}

// ownsCountryDomain reports whether domain is brand i's name under a
// country-code suffix (dpd.pl for dpd.com), how brands name national sites.
func (bi *brandIndex) ownsCountryDomain(i int, domain string) bool {
	suffix := suffixOf(domain)
	last := suffix[strings.LastIndexByte(suffix, '.')+1:]
	if len(last) != 2 {
		return false
	}
	label := labelOf(domain)
	for _, d := range bi.brands[i].Domains {
		if labelOf(registrable(d)) == label {
			return true
		}
	}
	return false
}

// brandMention is one brand named in a text.
type brandMention struct {
	brand int
	// text is the phrase as matched (folded form).
	text string
}

// namedExactly returns the brand whose name is the whole of s ("Ledger"), or -1.
func (bi *brandIndex) namedExactly(s string) int {
	key := strings.Join(tokenize(foldText(s)), "")
	if key == "" {
		return -1
	}
	if i, ok := bi.byName[key]; ok {
		return i
	}
	return -1
}

// mentions returns the brands named in s, each once, in order of appearance.
func (bi *brandIndex) mentions(s string) []brandMention {
	toks := tokenize(foldText(s))
	var out []brandMention
	seen := map[int]bool{}
	for i, t := range toks {
		for _, p := range bi.phrases[t] {
			if seen[p.brand] || i+len(p.tokens) > len(toks) {
				continue
			}
			match := true
			for k := 1; k < len(p.tokens); k++ {
				if toks[i+k] != p.tokens[k] {
					match = false
					break
				}
			}
			if match {
				seen[p.brand] = true
				out = append(out, brandMention{brand: p.brand, text: strings.Join(p.tokens, " ")})
			}
		}
	}
	return out
}

// tokenize splits a folded text into lowercase letter/digit runs.
func tokenize(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// foldText lowercases s and maps confusable non-ASCII letters (Cyrillic а,
// Greek ο, mathematical bold 𝐏, fullwidth Ｐ ...) to the ASCII letters they
// imitate, so "РayРal" and "𝐏𝐚𝐲𝐏𝐚𝐥" read as "paypal". Accented Latin letters
// keep their accent stripped ("crédit" → "credit").
func foldText(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		if f, ok := foldRune(r); ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// foldRune maps one non-ASCII rune to the ASCII it looks like, if any.
func foldRune(r rune) (string, bool) {
	if unicode.Is(unicode.Mn, r) {
		return "", true
	}
	sk := confusables.Skeleton(string(r))
	out := make([]byte, 0, len(sk))
	for _, c := range sk {
		switch {
		case c >= 'A' && c <= 'Z':
			out = append(out, byte(c-'A'+'a'))
		case c < utf8.RuneSelf:
			out = append(out, byte(c))
		case unicode.Is(unicode.Mn, c):
		default:
			return "", false
		}
	}
	if len(out) == 0 {
		return "", false
	}
	// The skeleton of "m" is "rn"; keep letters whole.
	if string(out) == "rn" {
		return "m", true
	}
	return string(out), true
}

// isMixedScript reports whether a word mixes Latin letters with letters of
// another script that imitate Latin (a classic filter evasion: "MеtaMask").
func isMixedScript(word string) bool {
	latin, other := false, false
	for _, r := range word {
		switch {
		case r < utf8.RuneSelf:
			if unicode.IsLetter(r) {
				latin = true
			}
		case unicode.Is(unicode.Latin, r):
			latin = true
		case unicode.IsLetter(r):
			if _, ok := foldRune(r); ok {
				other = true
			} else {
				return false
			}
		}
	}
	return latin && other
}
