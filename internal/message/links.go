package message

import (
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
	"mvdan.cc/xurls/v2"
)

// linkSet collects links, de-duplicated on (source, part, url, text), under a cap.
type linkSet struct {
	list     []Link
	seen     map[linkKey]bool
	max      int
	dl       *defectList
	reported bool
	// resolved holds the resolution of the first max URLs seen: the same
	// URL often comes back from another source (href, src, the text body).
	resolved map[string]Link
}

type linkKey struct {
	source    LinkSource
	part, url string
	text      string
}

func newLinkSet(max int, dl *defectList) *linkSet {
	return &linkSet{seen: map[linkKey]bool{}, max: max, dl: dl, resolved: map[string]Link{}}
}

// add resolves l (unwrap, host, domain) and keeps it unless it is a duplicate
// or not a URL a reader could follow (javascript:, cid:, #anchors, ...).
func (s *linkSet) add(l Link) {
	l.URL = cleanURL(l.URL)
	if l.URL == "" || !followable(l.URL) {
		return
	}
	l.Text = truncateUTF8(strings.TrimSpace(l.Text), 300)
	if s.seen[linkKey{l.Source, l.Part, l.URL, l.Text}] {
		return // resolving is the costly part: skip it for repeats
	}
	r, ok := s.resolved[l.URL]
	if !ok {
		r = ResolveLink(Link{URL: l.URL})
		if len(s.resolved) < s.max {
			s.resolved[l.URL] = r
		}
	}
	r.Source, r.Part, r.Text = l.Source, l.Part, l.Text
	s.addResolved(r)
}

// addResolved keeps an already resolved link.
func (s *linkSet) addResolved(l Link) {
	k := linkKey{l.Source, l.Part, l.URL, l.Text}
	if s.seen[k] {
		return
	}
	if len(s.list) >= s.max {
		if !s.reported {
			s.reported = true
			s.dl.add(DefectLimit, l.Part, "more than %d links; the rest are not kept", s.max)
		}
		return
	}
	s.seen[k] = true
	s.list = append(s.list, l)
}

// cleanURL trims what surrounds a URL in markup: whitespace, quotes, brackets.
func cleanURL(u string) string {
	u = strings.TrimSpace(u)
	u = strings.Trim(u, "\"'<>")
	u = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, u)
	return toValidUTF8(strings.TrimSpace(u))
}

// followable keeps absolute web URLs, protocol-relative URLs, mailto: and
// other schemes an attacker may use (data:, file:, ms-*:), and drops
// javascript:void, cid:, anchors and relative paths.
func followable(u string) bool {
	lu := strings.ToLower(u[:min(len(u), 40)])
	switch {
	case strings.HasPrefix(lu, "http://"), strings.HasPrefix(lu, "https://"), strings.HasPrefix(lu, "//"):
		return len(u) > 8
	case strings.HasPrefix(lu, "#"), strings.HasPrefix(lu, "cid:"), strings.HasPrefix(lu, "about:"):
		return false
	case strings.HasPrefix(lu, "javascript:"):
		return len(strings.Trim(lu[len("javascript:"):], " ;0void()")) > 0
	}
	i := strings.IndexByte(lu, ':')
	if i <= 0 || i > 32 {
		return false
	}
	for _, c := range lu[:i] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// isWebURL reports an http(s) URL.
func isWebURL(u string) bool {
	u = strings.TrimSpace(u)
	return hasPrefixFold(u, "http://") || hasPrefixFold(u, "https://")
}

// ResolveLink fills Unwrapped, Wrappers, Scheme, Host, HostUnicode, Domain
// and IsIP from l.URL.
func ResolveLink(l Link) Link {
	l.Unwrapped, l.Wrappers = Unwrap(l.URL)
	target := l.Unwrapped
	if strings.HasPrefix(target, "//") {
		target = "https:" + target
	}
	u, err := url.Parse(target)
	if err != nil {
		return l
	}
	l.Scheme = strings.ToLower(u.Scheme)
	host := u.Hostname()
	if l.Scheme == "mailto" {
		addr := u.Opaque
		if i := strings.IndexByte(addr, '?'); i >= 0 {
			addr = addr[:i]
		}
		if at := strings.LastIndexByte(addr, '@'); at >= 0 {
			host = addr[at+1:]
		}
	}
	if host == "" {
		return l
	}
	hi := hostInfo(host)
	l.Host, l.HostUnicode, l.Domain, l.IsIP = hi.ascii, hi.unicode, hi.domain, hi.isIP
	return l
}

// hostDetails is what hostInfo derives from a host name.
type hostDetails struct {
	ascii, unicode, domain string
	isIP                   bool
}

// hostInfo lowercases a host, converts it to ASCII (punycode) and back,
// finds its registrable domain, and recognises IP literals, including the
// decimal and hex forms browsers accept (http://3627734734/).
func hostInfo(host string) hostDetails {
	var d hostDetails
	h := strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if a, err := netip.ParseAddr(h); err == nil {
		d.ascii, d.isIP = a.Unmap().String(), true
		return d
	}
	if ip, ok := numericIPv4(h); ok {
		d.ascii, d.isIP = ip, true
		return d
	}
	ascii, err := idna.Lookup.ToASCII(h)
	if err != nil {
		ascii, err = idna.Punycode.ToASCII(h)
		if err != nil {
			ascii = h
		}
	}
	d.ascii = ascii
	if uni, err := idna.Punycode.ToUnicode(ascii); err == nil && uni != ascii {
		d.unicode = uni
	}
	if dom, err := publicsuffix.EffectiveTLDPlusOne(ascii); err == nil {
		d.domain = dom
	} else {
		d.domain = ascii
	}
	return d
}

// numericIPv4 reads dotless decimal/hex/octal IPv4 forms (0xC0A80001, 3232235521, 0300.0250.0.1).
func numericIPv4(h string) (string, bool) {
	if h == "" || strings.Trim(h, "0123456789abcdefx.") != "" {
		return "", false
	}
	parts := strings.Split(h, ".")
	if len(parts) > 4 {
		return "", false
	}
	var vals []uint64
	for _, p := range parts {
		if p == "" {
			return "", false
		}
		base := 10
		digits := p
		switch {
		case strings.HasPrefix(p, "0x"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		if digits == "" {
			return "", false
		}
		var v uint64
		for _, c := range digits {
			var n uint64
			switch {
			case c >= '0' && c <= '9':
				n = uint64(c - '0')
			case c >= 'a' && c <= 'f':
				n = uint64(c-'a') + 10
			default:
				return "", false
			}
			if n >= uint64(base) {
				return "", false
			}
			v = v*uint64(base) + n
			if v > 0xffffffff {
				return "", false
			}
		}
		vals = append(vals, v)
	}
	var ip uint64
	switch len(vals) {
	case 1:
		ip = vals[0]
	case 2:
		if vals[0] > 255 || vals[1] > 0xffffff {
			return "", false
		}
		ip = vals[0]<<24 | vals[1]
	case 3:
		if vals[0] > 255 || vals[1] > 255 || vals[2] > 0xffff {
			return "", false
		}
		ip = vals[0]<<24 | vals[1]<<16 | vals[2]
	case 4:
		for _, v := range vals {
			if v > 255 {
				return "", false
			}
		}
		ip = vals[0]<<24 | vals[1]<<16 | vals[2]<<8 | vals[3]
	}
	// Plain dotted decimal is parsed by netip before; only accept other forms
	// when they are not a bare small number (a year, a price).
	if len(vals) == 1 && ip < 1<<24 {
		return "", false
	}
	a := netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)})
	return a.String(), true
}

// tagLinks records the URLs an HTML element carries in its attributes.
func tagLinks(tag atom.Atom, attrs []html.Attribute, part string, links *linkSet) {
	for _, a := range attrs {
		switch a.Key {
		case "src":
			links.add(Link{Source: SourceSrc, Part: part, URL: a.Val})
		case "action":
			if tag == atom.Form {
				links.add(Link{Source: SourceFormAction, Part: part, URL: a.Val})
			}
		case "formaction":
			links.add(Link{Source: SourceFormaction, Part: part, URL: a.Val})
		case "srcset":
			for c := range strings.SplitSeq(a.Val, ",") {
				if f := strings.Fields(c); len(f) > 0 {
					links.add(Link{Source: SourceSrcset, Part: part, URL: f[0]})
				}
			}
		case "background":
			links.add(Link{Source: SourceCSS, Part: part, URL: a.Val})
		case "content":
			if tag == atom.Meta && strings.EqualFold(attrValue(attrs, "http-equiv"), "refresh") {
				if u := metaRefreshURL(a.Val); u != "" {
					links.add(Link{Source: SourceMetaRefresh, Part: part, URL: u})
				}
			}
		case "data", "poster", "codebase":
			links.add(Link{Source: SourceSrc, Part: part, URL: a.Val})
		}
	}
}

// metaRefreshURL reads the URL of `<meta http-equiv=refresh content="0; url=...">`.
func metaRefreshURL(content string) string {
	i := strings.Index(asciiLower(content), "url")
	if i < 0 {
		return ""
	}
	rest := strings.TrimSpace(content[i+3:])
	rest = strings.TrimPrefix(rest, "=")
	return strings.Trim(strings.TrimSpace(rest), `"'`)
}

// extractCSSLinks records every url(...) in CSS text.
func extractCSSLinks(css, part string, links *linkSet) {
	for n := 0; n < 1000; n++ {
		i := indexURLOpen(css)
		if i < 0 {
			return
		}
		css = css[i+4:]
		j := strings.IndexByte(css, ')')
		if j < 0 {
			return
		}
		links.add(Link{Source: SourceCSS, Part: part, URL: css[:j]})
		css = css[j+1:]
	}
}

// indexURLOpen returns the index of the first "url(" in css, in any ASCII
// case, or -1; style sheets are long, so no lowercased copy is made.
func indexURLOpen(css string) int {
	for off := 0; ; {
		k := strings.IndexByte(css[off:], '(')
		if k < 0 {
			return -1
		}
		i := off + k
		if i >= 3 && css[i-3]|0x20 == 'u' && css[i-2]|0x20 == 'r' && css[i-1]|0x20 == 'l' {
			return i - 3
		}
		off = i + 1
	}
}

// urlRegexp finds URLs with a scheme and bare web addresses (www.example.com/x).
var urlRegexp = xurls.Relaxed()

// strictURLRegexp finds URLs with a scheme.
var strictURLRegexp = xurls.Strict()

// extractTextLinks records the URLs in plain text. Running xurls over a whole
// body is slow, so the text is cut into words first; words holding "://" go
// through xurls' strict expression, and bare host names (www.example.com/x,
// login-example.top) are accepted when their suffix is a real public suffix.
func extractTextLinks(text, part string, source LinkSource, links *linkSet) {
	n := 0
	for w := range strings.FieldsFuncSeq(text, isLinkBreak) {
		if n >= links.max || len(w) < 4 {
			continue
		}
		if strings.Contains(w, "://") || hasPrefixFold(w, "mailto:") {
			for _, u := range strictURLRegexp.FindAllString(w, 10) {
				links.add(Link{Source: source, Part: part, URL: u})
				n++
			}
			continue
		}
		if strings.IndexByte(w, '.') < 0 || strings.IndexByte(w, '@') >= 0 {
			continue
		}
		u := strings.TrimRight(strings.TrimLeft(w, ".,:;!?*-_"), ".,:;!?*-_")
		if len(u) > 2048 || !looksLikeWebHost(u) {
			continue
		}
		links.add(Link{Source: source, Part: part, URL: "http://" + u})
		n++
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isLinkBreak(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '<', '>', '"', '\'', '[', ']', '{', '}', '|', '\u00a0', '\u3000', '`':
		return true
	}
	return false
}

// looksLikeWebHost filters xurls' relaxed matches without a scheme: the host
// must have a known public suffix (this drops file names like invoice.pdf
// unless the TLD is real, which it then reports - deliberate: .zip and .mov are TLDs).
func looksLikeWebHost(u string) bool {
	host := u
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	host = strings.ToLower(host)
	if _, err := netip.ParseAddr(host); err == nil {
		return false // a bare IP in prose is an indicator, not a link
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c >= 0x80) {
			return false
		}
	}
	if strings.Contains(host, "..") || strings.HasPrefix(host, "-") {
		return false
	}
	suffix, icann := publicsuffix.PublicSuffix(host)
	return icann && suffix != host && !strings.HasSuffix(host, ".")
}

// asciiLower lowercases ASCII letters only, so that byte offsets in the
// result are offsets in s (strings.ToLower changes lengths on invalid UTF-8
// and on some non-ASCII letters).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
