package analysis

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/publicsuffix"

	"github.com/qtriage/qtriage/internal/message"
)

// linkDetector looks at every URL of the message.
type linkDetector struct{}

func (linkDetector) Name() string    { return "links" }
func (linkDetector) Version() string { return "4" }

// maxEvidence caps the evidence items kept per finding.
const maxEvidence = 5

// findingSet merges findings by id, so a signal seen on ten links is one finding with its evidence.
type findingSet struct {
	order []string
	byID  map[string]*Finding
}

func (s *findingSet) add(id, title string, ev Evidence) *Finding {
	if s.byID == nil {
		s.byID = map[string]*Finding{}
	}
	f, ok := s.byID[id]
	if !ok {
		f = &Finding{ID: id, Title: title}
		s.byID[id] = f
		s.order = append(s.order, id)
	}
	if len(f.Evidence) < maxEvidence {
		for _, e := range f.Evidence {
			if e.Value == ev.Value && e.Location == ev.Location {
				return f
			}
		}
		f.Evidence = append(f.Evidence, ev)
	}
	return f
}

func (s *findingSet) list() []Finding {
	out := make([]Finding, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, *s.byID[id])
	}
	return out
}

// emailPattern matches an email address.
var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// abusedRedirectors are well-known sites whose open redirects phishers borrow.
var abusedRedirectors = setOf("google.com", "bing.com", "youtube.com", "linkedin.com", "facebook.com", "doubleclick.net", "baidu.com",
	"yandex.ru", "twitter.com", "instagram.com", "adnxs.com", "sendgrid.net", "mailchi.mp", "weebly.com", "smart.link", "t.co", "l.wl.co")

// Run reports link findings.
func (linkDetector) Run(ctx context.Context, in *Input) ([]Finding, error) {
	var s findingSet
	m := in.Msg
	seen := map[string]bool{}
	lookCache, lookDone := map[string]lookalike{}, map[string]struct{}{}
	clickable, aligned := 0, 0
	for i, l := range m.Links {
		if i%64 == 63 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if l.Source == message.SourceHeader {
			continue
		}
		key := string(l.Source) + "|" + l.Unwrapped + "|" + l.Text
		if seen[key] {
			continue
		}
		seen[key] = true
		loc := "link:" + string(l.Source)
		if l.Part != "" {
			loc += " part " + l.Part
		}
		val := truncate(l.URL, 200)
		ev := func(note string) Evidence { return Evidence{Location: loc, Value: val, Note: note} }
		host := l.Host
		image := l.Source == message.SourceSrc || l.Source == message.SourceSrcset || l.Source == message.SourceCSS
		inAttachment := l.Source == message.SourceAttachment

		if host != "" {
			if e := listed(in.deny, "", host); e != "" {
				s.add("links.deny_listed", "A link goes to a domain on the tenant's block list", ev(host+" is blocked by "+e))
			}
			la, ok := lookCache[host]
			if _, done := lookDone[host]; !done && !image {
				la, ok = in.lookalikeOf(host)
				lookCache[host], lookDone[host] = la, struct{}{}
				if !ok {
					delete(lookCache, host)
				}
			}
			if ok && !image {
				target := la.target
				brand := target
				if la.brand >= 0 {
					brand = in.brands.name(la.brand)
				}
				id, title := "links.lookalike", "A link goes to "+host+", a lookalike of "+target
				if !la.kind.strong() {
					id, title = "links.brand_name_in_domain", "A link goes to "+host+", which borrows the name of "+brand
				}
				f := s.add(id, title, ev(fmt.Sprintf("%s is a %s lookalike of %s", host, strings.ReplaceAll(string(la.kind), "_", " "), target)))
				if f.Brand == "" {
					f.Brand = brand
				}
			}
		}
		if image {
			continue
		}
		if !inAttachment {
			clickable++
			if l.Domain != "" && !freeMailDomains[in.FromDomain] && (l.Domain == in.FromDomain || in.FromHost != "" && in.brandOfSenderOwns(l.Host)) {
				aligned++
			}
		}
		switch l.Source {
		case message.SourceFormAction, message.SourceFormaction:
			s.add("links.form_in_body", "The message body contains a form that submits to "+host, ev("form action"))
		case message.SourceMetaRefresh:
			s.add("links.meta_refresh", "The HTML body redirects itself (meta refresh) to "+host, ev("meta refresh"))
		case message.SourceQRCode:
			s.add("links.qr_code", "A QR code leads to "+host, ev("decoded from a QR code"))
		}
		if host == "" {
			continue
		}
		if l.IsIP {
			s.add("links.ip_host", "A link points to a bare IP address", ev("host is the IP address "+host))
		}
		if l.HostUnicode != "" && strings.Contains(host, "xn--") {
			if garbledHost(l.HostUnicode) || garbledHost(rawHost(l.URL)) {
				s.add("links.garbled_host", "A link's host name is made of scrambled symbols and mixed alphabets", ev(host+" displays as "+l.HostUnicode))
			} else {
				s.add("links.punycode", "A link uses an internationalised (punycode) host name", ev(host+" displays as "+l.HostUnicode))
			}
		}
		if h, ok := inDomainSet(host, shortenerDomains); ok {
			s.add("links.shortener", "A link hides its destination behind a URL shortener ("+h+")", ev(h+" is a URL shortener"))
		}
		if h, ok := inDomainSet(host, freeHostDomains); ok && !in.brandOfSenderOwns(host) {
			s.add("links.free_host", "A link goes to a free hosting, file-sharing or form service ("+h+")", ev(h+" hosts anyone's pages or files"))
		}
		if tld := suffixOf(l.Domain); suspiciousTLDs[tld] && l.Domain != in.FromDomain {
			s.add("links.suspicious_tld", "A link goes to a domain under ."+tld, ev("."+tld+" is a top-level domain with a poor reputation"))
		}
		if amp := googleAMPTarget(l.Unwrapped); amp != "" && registrable(amp) != in.FromDomain {
			s.add("links.abused_redirect", "A link goes through Google's AMP viewer to "+amp, ev("google.com/amp/ wraps "+amp))
		}
		for _, w := range l.Wrappers {
			rh, ok := strings.CutPrefix(w, "redirect:")
			if !ok || registrable(rh) == l.Domain {
				continue
			}
			rd := registrable(rh)
			if abusedRedirectors[rd] || abusedRedirectors[rh] {
				s.add("links.abused_redirect", "A link goes through an open redirect on "+rd+" to "+l.Domain, ev("redirects to "+truncate(l.Unwrapped, 200)))
			} else if rd != in.FromDomain {
				s.add("links.open_redirect", "A link is redirected through "+rh+" to another site", ev("redirects to "+truncate(l.Unwrapped, 200)))
			}
			break
		}
		if _, owned := in.brands.ownerOf(host); !owned && l.Domain != in.FromDomain {
			pu, err := url.Parse(l.Unwrapped)
			if err == nil {
				p := strings.ToLower(pu.EscapedPath() + "?" + pu.RawQuery)
				hostPart := strings.ToLower(strings.TrimSuffix(host, l.Domain))
				for _, tok := range tokenize(strings.ToLower(pu.Path) + " " + hostPart) {
					if credentialPathWords[tok] {
						s.add("links.credential_path", "A link looks like a login or verification page", ev("contains "+tok))
						break
					}
				}
				for _, h := range compromisedPathHints {
					if strings.Contains(p, h) && (strings.Contains(p, ".php") || strings.Contains(p, ".htm")) {
						s.add("links.compromised_site", "A link leads to a page inside a website's CMS folders", ev("path contains "+h))
						break
					}
				}
			}
		}
		if l.Domain != in.FromDomain {
			if pu, err := url.Parse(l.Unwrapped); err == nil {
				base := path.Base(pu.Path)
				if stem, ok := strings.CutSuffix(strings.ToLower(base), ".php"); ok && looksRandomToken(base[:len(stem)]) {
					s.add("links.random_script", "A link runs a randomly named script on "+l.Domain+", typical of phishing kits and redirect gates", ev("script "+base))
				}
				lp := strings.ToLower(pu.Path)
				page := strings.HasSuffix(lp, ".php") || strings.HasSuffix(lp, ".htm") || strings.HasSuffix(lp, ".html")
				if (page && emailInQuery(pu.RawQuery) || emailInQuery(pu.Fragment)) && !unsubscribeLike(pu.Path+"?"+pu.RawQuery) {
					s.add("links.prefilled_email", "A link carries the reader's email address to "+l.Domain+" (pre-filled login page)", ev("email address in the URL"))
				}
			}
		}
		if looksRandom(labelOf(l.Domain)) {
			s.add("links.random_domain", "A link goes to a machine-generated looking domain", ev(l.Domain))
		}
		if l.Text != "" && !inAttachment {
			target := firstNonEmpty(l.Domain, host)
			if td := displayedDomain(l.Text); td != "" && td != target && registrable(td) != target {
				b, owned := in.brands.ownerOf(td)
				switch {
				case owned && !in.brands.owns(b, host):
					f := s.add("links.brand_display_mismatch", "Link text shows "+td+" ("+in.brands.name(b)+") but goes to "+target,
						Evidence{Location: loc, Value: val, Note: fmt.Sprintf("text %q, target %s", truncate(l.Text, 80), host)})
					f.Brand = in.brands.name(b)
				case in.isTenantDomain(td):
					s.add("links.brand_display_mismatch", "Link text shows the tenant's domain "+td+" but goes to "+target,
						Evidence{Location: loc, Value: val, Note: fmt.Sprintf("text %q, target %s", truncate(l.Text, 80), host)})
				case !owned:
					s.add("links.display_mismatch", "Link text shows one domain and the link goes to another",
						Evidence{Location: loc, Value: val, Note: fmt.Sprintf("text %q, target %s", truncate(l.Text, 80), host)})
				}
			}
		}
	}
	// Logos hot-linked from a brand's site in mail the brand did not send.
	if _, senderIsBrand := in.brands.ownerOf(in.FromHost); (!senderIsBrand || freeMailDomains[in.FromDomain]) && !isSystemSender(in.From) {
		for _, l := range m.Links {
			if l.Source != message.SourceSrc || l.Host == "" {
				continue
			}
			b, ok := in.brands.ownerOf(l.Host)
			if !ok || assetBrands[in.brands.name(b)] || in.brands.ownsCountryDomain(b, in.FromDomain) {
				continue
			}
			f := s.add("links.brand_assets", "Images are loaded from "+in.brands.name(b)+"'s website in mail "+in.brands.name(b)+" did not send",
				Evidence{Location: "link:src part " + l.Part, Value: truncate(l.URL, 200), Note: "sender domain " + in.FromDomain})
			f.Brand = in.brands.name(b)
			break
		}
	}
	// A personal mailbox sharing a document link.
	if freeMailDomains[in.FromDomain] {
		for _, l := range m.Links {
			if l.Source != message.SourceHref && l.Source != message.SourceText {
				continue
			}
			if h, ok := inDomainSet(l.Host, fileShareDomains); ok {
				s.add("links.freemail_file_share", "A personal mailbox shares a document link ("+h+")",
					Evidence{Location: "link:" + string(l.Source), Value: truncate(l.URL, 200), Note: "sender " + in.From})
				break
			}
		}
	}
	if h := m.HTML; h != "" && (containsFold(h, "password") || containsFold(h, "javascript:") || containsFold(h, "data:")) {
		if len(h) > maxTextBytes {
			h = h[:maxTextBytes]
		}
		lh := strings.ToLower(h)
		if (strings.Contains(lh, "type=\"password\"") || strings.Contains(lh, "type='password'") || strings.Contains(lh, "type=password")) && strings.Contains(lh, "<form") {
			s.add("links.password_form", "The message body itself asks for a password in a form",
				Evidence{Location: "body:html", Value: "<input type=password>", Note: "a form with a password field inside the email"})
		}
		for _, pfx := range []string{"href=\"javascript:", "href='javascript:", "href=\"data:", "href='data:", "href=javascript:", "href=data:"} {
			if i := strings.Index(lh, pfx); i >= 0 {
				s.add("links.script_uri", "A link runs script or carries its own content (javascript: or data: URL)",
					Evidence{Location: "body:html", Value: truncate(h[i:], 120)})
				break
			}
		}
	}
	_, lookalike := in.lookalikeOf(in.FromHost)
	authOK := !in.Auth.Present || in.Auth.passedFor(in.FromDomain)
	// A domain whose mailboxes are named by a generator vouches for nothing,
	// nor does a site whose form mailed a stranger's advertisement: its links
	// are the site's own, the text is not.
	if clickable > 0 && aligned == clickable && in.FromDomain != "" && !lookalike && authOK && !in.GeneratedMailbox && formAbuseMatch(in.Msg) == "" {
		s.add("links.sender_aligned", "Every link goes to the sender's own domain",
			Evidence{Location: "links", Value: in.FromDomain, Note: fmt.Sprintf("%d links", clickable)})
	}
	return s.list(), nil
}

// brandOfSenderOwns reports whether host belongs to the brand that owns the sender's domain.
func (in *Input) brandOfSenderOwns(host string) bool {
	if freeMailDomains[in.FromDomain] {
		return false
	}
	b, ok := in.brands.ownerOf(in.FromHost)
	return ok && in.brands.owns(b, host)
}

// assetBrands are brands whose images (social icons, store badges, maps)
// appear in everybody's mail.
var assetBrands = setOf("Facebook", "Instagram", "X (Twitter)", "LinkedIn", "Google", "WhatsApp", "Pinterest", "TikTok", "Apple",
	"Snapchat", "Discord", "Telegram", "Twitch", "Spotify", "Microsoft", "Amazon", "Mailchimp", "SendGrid", "Yahoo", "GitHub",
	"Cloudflare", "Shopify", "Wix", "Zoho", "Salesforce", "Adobe", "Notion", "Signal")

// fileShareDomains are document and file sharing services.
var fileShareDomains = setOf("docs.google.com", "drive.google.com", "sites.google.com", "forms.gle", "1drv.ms", "onedrive.live.com",
	"sharepoint.com", "dropbox.com", "wetransfer.com", "we.tl", "box.com", "mediafire.com", "mega.nz", "docsend.com", "sway.office.com",
	"forms.office.com", "notion.site", "canva.com", "evernote.com", "quip.com", "icloud.com")

// googleAMPTarget returns the host a google.*/amp/s/HOST/... link opens, or "".
func googleAMPTarget(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	h := strings.ToLower(pu.Hostname())
	if !strings.HasPrefix(labelOf(registrable(h)), "google") {
		return ""
	}
	rest, ok := strings.CutPrefix(pu.Path, "/amp/")
	if !ok {
		return ""
	}
	rest = strings.TrimPrefix(rest, "s/")
	host, _, _ := strings.Cut(rest, "/")
	if !strings.Contains(host, ".") {
		return ""
	}
	return strings.ToLower(host)
}

// looksRandomToken reports a file name that looks generated ("fjYhiIvSoIjmxm", "sjdhgfjsdhgf").
func looksRandomToken(s string) bool {
	if len(s) < 8 {
		return false
	}
	upper, lower := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= 'a' && c <= 'z':
			lower++
		}
	}
	return looksRandom(strings.ToLower(s)) || upper >= 3 && lower >= 3 && len(s) >= 10
}

// emailInQuery reports an email address, plain, URL-encoded or base64, in a query string.
func emailInQuery(q string) bool {
	if len(q) < 6 {
		return false
	}
	if u, err := url.QueryUnescape(q); err == nil {
		q = u
	}
	if emailPattern.MatchString(q) {
		return true
	}
	for _, part := range strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == '=' || r == '#' || r == '?' }) {
		if len(part) >= 12 && len(part) <= 200 {
			if b, err := base64.StdEncoding.DecodeString(padBase64(part)); err == nil && emailPattern.Match(b) {
				return true
			}
		}
	}
	return false
}

func padBase64(s string) string {
	if m := len(s) % 4; m != 0 {
		s += strings.Repeat("=", 4-m)
	}
	return s
}

// unsubscribeLike reports list-management links, which legitimately carry the address.
func unsubscribeLike(p string) bool {
	p = strings.ToLower(p)
	for _, w := range []string{"unsub", "optout", "opt-out", "remove", "preference", "manage", "subscri", "profile", "login", "track", "click", "open", "view"} {
		if strings.Contains(p, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains sub (ASCII, lower case) in lower or upper case.
func containsFold(s, sub string) bool {
	return strings.Contains(s, sub) || strings.Contains(s, strings.ToUpper(sub)) ||
		strings.Contains(s, strings.ToUpper(sub[:1])+sub[1:])
}

// rawHost returns the host of a URL as written, before any normalisation.
func rawHost(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	return rest
}

// garbledHost reports a decoded host name whose labels mix alphabets or
// carry symbols: no real internationalised name looks like "ðrzjŸtwœrkol".
func garbledHost(h string) bool {
	for _, label := range strings.Split(h, ".") {
		ascii := true
		for i := 0; i < len(label); i++ {
			if label[i] >= 0x80 {
				ascii = false
				break
			}
		}
		if ascii {
			continue
		}
		if isMixedScript(label) {
			return true
		}
		// IDNA maps names to lower case before encoding: capitals in a
		// decoded label mean it was forged byte by byte.
		for _, r := range label {
			if unicode.IsUpper(r) {
				return true
			}
		}
	}
	return false
}

// displayedDomain returns the domain a link text shows ("www.paypal.com",
// "https://paypal.com/login"), or "" when the text is not a URL or domain.
func displayedDomain(text string) string {
	t := strings.ToLower(strings.TrimSpace(text))
	if strings.ContainsAny(t, " \t\n") || !strings.Contains(t, ".") || strings.Contains(t, "@") {
		return ""
	}
	if i := strings.Index(t, "://"); i >= 0 {
		t = t[i+3:]
	}
	if i := strings.IndexAny(t, "/?#:"); i >= 0 {
		t = t[:i]
	}
	t = strings.Trim(t, ".")
	if t == "" || strings.ContainsAny(t, "()[]<>\"'") {
		return ""
	}
	suffix, icann := publicsuffix.PublicSuffix(t)
	if !icann || suffix == t || len(suffix) < 2 {
		return ""
	}
	return t
}
