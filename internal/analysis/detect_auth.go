package analysis

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/qtriage/qtriage/internal/message"
)

// AuthOutcome is the authentication verdict the receiving server recorded,
// read from the topmost Authentication-Results (Microsoft's form or RFC 8601).
type AuthOutcome struct {
	// Present is set when some SPF, DKIM or DMARC result was found.
	Present        bool
	SPF            string
	DKIM           string
	DMARC          string
	DMARCAction    string
	CompAuth       string
	CompAuthReason string
	// HeaderFrom is the domain DMARC evaluated.
	HeaderFrom string
	// DKIMDomain is the d= of the DKIM result.
	DKIMDomain string
	// MailFrom is the SPF-checked envelope domain.
	MailFrom string
	// ARCDMARCPass is set when an ARC-Authentication-Results records dmarc=pass
	// (a forwarder or mailing list vouches that the original passed).
	ARCDMARCPass bool
	// Raw is the header value the outcome was read from.
	Raw string
}

// authOutcome reads the authentication results of m.
func authOutcome(m *message.Message) AuthOutcome {
	var o AuthOutcome
	if ms := m.Auth.Microsoft; ms != nil {
		o = AuthOutcome{SPF: ms.SPF, DKIM: ms.DKIM, DMARC: ms.DMARC, DMARCAction: ms.DMARCAction, CompAuth: ms.CompAuth,
			CompAuthReason: ms.CompAuthReason, HeaderFrom: ms.HeaderFrom, DKIMDomain: ms.HeaderD, MailFrom: ms.MailFrom}
		for _, r := range m.Auth.Results {
			if r.AuthServID == "" {
				o.Raw = r.Raw
				break
			}
		}
	} else {
		for _, r := range m.Auth.Results {
			found := false
			for _, mt := range r.Methods {
				switch strings.ToLower(mt.Method) {
				case "spf":
					if o.SPF == "" {
						o.SPF, o.MailFrom, found = strings.ToLower(mt.Result), mt.Prop("smtp.mailfrom"), true
					}
				case "dkim":
					if o.DKIM == "" || o.DKIM != "pass" && strings.ToLower(mt.Result) == "pass" {
						o.DKIM, o.DKIMDomain, found = strings.ToLower(mt.Result), mt.Prop("header.d"), true
					}
				case "dmarc":
					if o.DMARC == "" {
						o.DMARC, o.HeaderFrom, o.DMARCAction, found = strings.ToLower(mt.Result), mt.Prop("header.from"), mt.Prop("action"), true
					}
				}
			}
			if found {
				o.Raw = r.Raw
				break
			}
		}
	}
	if o.SPF == "" && len(m.Auth.ReceivedSPF) > 0 {
		o.SPF = strings.ToLower(m.Auth.ReceivedSPF[0].Result)
	}
	for _, r := range m.Auth.ARC {
		for _, mt := range r.Methods {
			if strings.EqualFold(mt.Method, "dmarc") && strings.EqualFold(mt.Result, "pass") {
				o.ARCDMARCPass = true
			}
		}
	}
	o.SPF = strings.ToLower(o.SPF)
	o.DKIM = strings.ToLower(o.DKIM)
	o.DMARC = strings.ToLower(o.DMARC)
	o.CompAuth = strings.ToLower(o.CompAuth)
	o.Present = o.SPF != "" || o.DKIM != "" || o.DMARC != ""
	return o
}

// dmarcFailed reports whether DMARC (or Microsoft's composite authentication) failed for the From domain.
func (o AuthOutcome) dmarcFailed() bool {
	if o.ARCDMARCPass {
		return false
	}
	return o.DMARC == "fail" || o.CompAuth == "fail" && o.CompAuthReason == "000"
}

// passedFor reports whether the message authenticated for domain: DMARC
// pass, or an SPF or DKIM pass on the same registrable domain.
func (o AuthOutcome) passedFor(domain string) bool {
	if domain == "" {
		return false
	}
	if o.DMARC == "pass" && (o.HeaderFrom == "" || registrable(o.HeaderFrom) == domain) {
		return true
	}
	if o.DKIM == "pass" && registrable(o.DKIMDomain) == domain {
		return true
	}
	if o.SPF == "pass" && registrable(o.MailFrom) == domain && o.DMARC != "fail" {
		return true
	}
	return false
}

// authDetector reads authentication results and header consistency.
type authDetector struct{}

func (authDetector) Name() string    { return "auth" }
func (authDetector) Version() string { return "4" }

// Run reports authentication failures and header inconsistencies.
func (authDetector) Run(_ context.Context, in *Input) ([]Finding, error) {
	var fs []Finding
	o := in.Auth
	m := in.Msg
	ev := Evidence{Location: "header:Authentication-Results", Value: truncate(o.Raw, 300)}
	switch {
	case o.dmarcFailed():
		note := fmt.Sprintf("DMARC %s for %s", o.DMARC, firstNonEmpty(o.HeaderFrom, in.FromDomain))
		if o.DMARCAction != "" {
			note += ", policy action " + o.DMARCAction
		}
		if o.CompAuth != "" {
			note += fmt.Sprintf(", compauth=%s reason=%s", o.CompAuth, o.CompAuthReason)
		}
		ev.Note = note
		fs = append(fs, Finding{ID: "auth.dmarc_fail", Title: "DMARC failed for the From domain " + firstNonEmpty(o.HeaderFrom, in.FromDomain), Evidence: []Evidence{ev}})
	case o.CompAuth == "fail" && !o.ARCDMARCPass:
		ev.Note = fmt.Sprintf("compauth=fail reason=%s: the sender could not be authenticated for %s", o.CompAuthReason, firstNonEmpty(o.HeaderFrom, in.FromDomain))
		fs = append(fs, Finding{ID: "auth.compauth_fail", Title: "Composite authentication failed for " + firstNonEmpty(o.HeaderFrom, in.FromDomain), Evidence: []Evidence{ev}})
	case o.SPF == "fail" || o.SPF == "softfail":
		if o.DKIM != "pass" && !o.ARCDMARCPass {
			ev.Note = "SPF " + o.SPF + " for " + firstNonEmpty(o.MailFrom, in.ReturnPathDomain) + " and no DKIM pass"
			fs = append(fs, Finding{ID: "auth.spf_fail", Title: "SPF failed and no DKIM signature verified", Evidence: []Evidence{ev}})
		}
	}
	if o.Present && in.FromDomain != "" && o.passedFor(in.FromDomain) {
		ev := Evidence{Location: "header:Authentication-Results", Value: truncate(o.Raw, 300), Note: "authenticated for " + in.FromDomain}
		if b, ok := in.brands.ownerOf(in.FromHost); ok && !freeMailDomains[in.FromDomain] && !relaysForUser(in.FromName) {
			fs = append(fs, Finding{ID: "auth.brand_aligned_pass", Title: "Authenticated mail from " + in.brands.name(b) + "'s own domain " + in.FromDomain,
				Brand: in.brands.name(b), Evidence: []Evidence{ev}})
		} else if in.isTenantDomain(in.FromHost) {
			fs = append(fs, Finding{ID: "auth.tenant_aligned_pass", Title: "Authenticated mail from the tenant's own domain " + in.FromDomain, Evidence: []Evidence{ev}})
		} else if e := listed(in.allow, in.From, in.FromHost); e != "" {
			fs = append(fs, Finding{ID: "auth.allowlisted", Title: "Authenticated sender on the tenant's allow list (" + e + ")", Evidence: []Evidence{ev}})
		}
	}
	if e := listed(in.deny, in.From, in.FromHost); e != "" {
		fs = append(fs, Finding{ID: "headers.deny_listed", Title: "Sender is on the tenant's block list (" + e + ")",
			Evidence: []Evidence{{Location: "header:From", Value: in.From}}})
	}

	// From header sanity.
	switch {
	case in.From == "" && nullSystemSender(m):
		// The null sender of a delivery report is expected.
	case in.From == "":
		fs = append(fs, Finding{ID: "headers.from_missing", Title: "The message has no usable From address",
			Evidence: []Evidence{{Location: "header:From", Value: headerValue(m, "From")}}})
	case in.FromMalformed:
		fs = append(fs, Finding{ID: "headers.from_malformed", Title: "The From header is malformed, which mail clients display inconsistently",
			Evidence: []Evidence{{Location: "header:From", Value: truncate(headerValue(m, "From"), 200), Note: "read as " + in.From}}})
	}
	switch {
	case in.From == "" || isSystemSender(in.From):
	case !strings.Contains(in.FromHost, ".") || strings.ContainsAny(in.FromHost, " ,;"):
		fs = append(fs, Finding{ID: "headers.from_invalid_domain", Title: "The From address has no valid domain",
			Evidence: []Evidence{{Location: "header:From", Value: in.From}}})
	default:
		if note := badHostName(in.FromHost); note != "" {
			fs = append(fs, Finding{ID: "headers.from_invalid_domain", Title: "The From address has no valid domain",
				Evidence: []Evidence{{Location: "header:From", Value: in.From, Note: note}}})
		}
	}
	if _, angle := salvageAddress(headerValue(m, "From")); angle != "" && in.From != "" && angle != in.From && m.From != nil && strings.Contains(m.From.Address, "@") {
		fs = append(fs, Finding{ID: "headers.from_ambiguous", Title: "The From header holds more than one address, so clients and filters may disagree on the sender",
			Evidence: []Evidence{{Location: "header:From", Value: truncate(headerValue(m, "From"), 200), Note: "read as " + in.From}}})
	}
	if o.Present && in.FromDomain != "" && !isSystemSender(in.From) && o.CompAuth != "pass" && !o.ARCDMARCPass && !o.dmarcFailed() &&
		o.DMARC != "pass" && o.DMARC != "bestguesspass" && !o.passedFor(in.FromDomain) {
		note := fmt.Sprintf("SPF %s for %s, DKIM %s for %s: neither is %s", firstNonEmpty(o.SPF, "none"), firstNonEmpty(o.MailFrom, "-"), firstNonEmpty(o.DKIM, "none"), firstNonEmpty(o.DKIMDomain, "-"), in.FromDomain)
		if b, ok := in.brands.ownerOf(in.FromHost); ok && !freeMailDomains[in.FromDomain] {
			// A brand's own domain that nothing authenticates: brands sign
			// their mail, so the From address is most likely forged.
			fs = append(fs, Finding{ID: "auth.brand_unauthenticated", Title: "The From address uses " + in.brands.name(b) + "'s domain " + in.FromDomain + " but nothing authenticates it",
				Brand: in.brands.name(b), Evidence: []Evidence{{Location: "header:Authentication-Results", Value: truncate(o.Raw, 300), Note: note}}})
		} else {
			fs = append(fs, Finding{ID: "auth.unaligned", Title: "Nothing authenticates the From domain " + in.FromDomain,
				Evidence: []Evidence{{Location: "header:Authentication-Results", Value: truncate(o.Raw, 300), Note: note}}})
		}
	}
	// An address in the display name that is not the real address.
	if in.FromName != "" {
		if a := addressInName(in.FromName); a != "" && !hasAny(fs, "headers.from_ambiguous") && !strings.EqualFold(hostOfAddress(a), in.FromHost) && registrable(hostOfAddress(a)) != in.FromDomain {
			fs = append(fs, Finding{ID: "headers.display_name_address", Title: "The display name shows another address than the real sender",
				Evidence: []Evidence{{Location: "header:From", Value: in.fromDisplay(), Note: "display name shows " + a + ", mail comes from " + in.From}}})
		}
	}
	// Replies diverted to another domain (a discussion list sending replies
	// to itself diverts nothing).
	for _, rt := range in.ReplyTo {
		rd := registrable(hostOfAddress(rt))
		if rd == "" || rd == in.FromDomain || in.FromDomain == "" || rd == in.ListDomain && !freeMailDomains[rd] {
			continue
		}
		if freeMailDomains[rd] && !freeMailDomains[in.FromDomain] {
			fs = append(fs, Finding{ID: "headers.reply_to_freemail", Title: "Replies go to a free mailbox instead of the sender's organisation",
				Evidence: []Evidence{{Location: "header:Reply-To", Value: rt, Note: "From domain is " + in.FromDomain}}})
		} else {
			fs = append(fs, Finding{ID: "headers.reply_to_mismatch", Title: "Replies go to another domain than the sender's",
				Evidence: []Evidence{{Location: "header:Reply-To", Value: rt, Note: "From domain is " + in.FromDomain}}})
		}
		break
	}
	if len(m.ListUnsubscribe) > 0 {
		fs = append(fs, Finding{ID: "headers.bulk_sender", Title: "Bulk mail with an unsubscribe link (List-Unsubscribe)",
			Evidence: []Evidence{{Location: "header:List-Unsubscribe", Value: truncate(strings.Join(m.ListUnsubscribe, ", "), 200)}}})
	}
	if in.ListDomain != "" {
		ev := Evidence{Note: "list domain " + in.ListDomain}
		for _, name := range listHeaders {
			if v := headerValue(m, name); v != "" {
				ev.Location, ev.Value = "header:"+name, truncate(v, 200)
				break
			}
		}
		fs = append(fs, Finding{ID: "headers.mailing_list", Title: "Delivered through a discussion mailing list", Evidence: []Evidence{ev}})
	}
	return fs, nil
}

// relaysForUser reports a display name of the form "Someone (via Platform)"
// or "Someone via Platform": a sharing or signing service writing on behalf
// of one of its users. Its authentication proves the platform sent the mail,
// not that the content is the brand's, so it is not benign evidence.
func relaysForUser(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "(via ") || strings.Contains(n, " via ")
}

// badHostName says why a From domain cannot be a real host name: characters
// no domain may hold (%, quotes, symbols), or letters written in styled
// Unicode look-alikes ("𝐚𝐨𝐤.𝐝𝐞") that a mail client shows as a well-known
// ASCII name although no such name was registered. "" when it looks valid.
func badHostName(host string) string {
	ascii := true
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case c >= utf8.RuneSelf:
			ascii = false
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return fmt.Sprintf("the domain %q contains %q, which no host name may hold", host, string(c))
		}
	}
	if ascii {
		return badLabels(host)
	}
	a, err := idna.Lookup.ToASCII(host)
	switch {
	case err != nil:
		return fmt.Sprintf("the domain %q is not a valid internationalised name", host)
	case !strings.Contains(a, "xn--"):
		return fmt.Sprintf("the domain %q is written in look-alike styled letters and displays as %s", host, a)
	}
	return ""
}

// badLabels explains why an ASCII host name cannot exist: an empty label
// ("mail..example.com"), a label that starts or ends with a hyphen, or a
// top-level domain that is not letters (or an "xn--" name), such as
// "example.com-1" or "example.eu-new". It returns "" for a possible name.
func badLabels(host string) string {
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Sprintf("the domain %q has an empty label or one that starts or ends with a hyphen", host)
		}
	}
	tld := labels[len(labels)-1]
	if strings.HasPrefix(tld, "xn--") {
		return ""
	}
	for i := 0; i < len(tld); i++ {
		if c := tld[i]; c < 'a' || c > 'z' {
			return fmt.Sprintf("the domain %q ends in %q, which is not a top-level domain", host, tld)
		}
	}
	return ""
}

// addressInName returns an email address written in a display name ("PayPal service@paypal.com").
func addressInName(name string) string {
	for _, f := range strings.FieldsFunc(name, func(r rune) bool {
		return r == ' ' || r == '<' || r == '>' || r == '(' || r == ')' || r == '"' || r == '\'' || r == ','
	}) {
		if strings.Count(f, "@") == 1 && strings.Contains(f[strings.IndexByte(f, '@'):], ".") {
			if a, err := mail.ParseAddress(f); err == nil {
				return strings.ToLower(a.Address)
			}
		}
	}
	return ""
}

// headerValue returns the decoded value of the first header named name.
func headerValue(m *message.Message, name string) string {
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// hasHeader reports whether m has a header named name.
func hasHeader(m *message.Message, name string) bool {
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// truncate cuts s to n bytes on a rune boundary, adding an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
