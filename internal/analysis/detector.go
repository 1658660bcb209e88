package analysis

import (
	"context"
	"strings"

	"github.com/qtriage/qtriage/internal/message"
)

// Detector looks at one message for one family of signals. Run must only
// read the Input, return quickly, and honour ctx; a panic or an overrun
// marks the detector errored in the report and the rest still count.
type Detector interface {
	// Name is stable and unique in an engine ("links").
	Name() string
	// Version changes when the detector's logic changes.
	Version() string
	Run(ctx context.Context, in *Input) ([]Finding, error)
}

// Input is what every detector reads: the message, the tenant's context and
// facts computed once for all detectors. Detectors must not modify it.
type Input struct {
	Msg *message.Message
	Ctx Context

	// From is the From address, lowercased ("" when absent).
	From string
	// FromName is the From display name.
	FromName string
	// FromHost is the domain part of From, lowercased.
	FromHost string
	// FromDomain is the registrable domain (eTLD+1) of FromHost.
	FromDomain string
	// FromMalformed is set when From was salvaged from a header the parser rejected.
	FromMalformed bool
	// ReplyTo are the Reply-To addresses, lowercased.
	ReplyTo []string
	// ReturnPathDomain is the registrable domain of the Return-Path.
	ReturnPathDomain string

	// Text is the subject and the visible text, lowercased, bounded in size.
	Text string
	// Auth is the authentication outcome taken from the headers.
	Auth AuthOutcome
	// GeneratedMailbox is set when the From mailbox name looks machine-made
	// ("HWcUkzB", "rxfng") and is not the domain's own name.
	GeneratedMailbox bool
	// ListDomain is the registrable domain of the discussion mailing list
	// that delivered the message ("" when none): lists set Reply-To to
	// themselves and relay replies written in web interfaces.
	ListDomain string

	brands *brandIndex
	tenant []string
	known  []string // registrable domains the tenant knows as correspondents
	vips   []string
	allow  []string
	deny   []string
}

// maxTextBytes bounds how much of the body the content detectors scan.
const maxTextBytes = 256 << 10

// newInput computes the shared facts of a message.
func newInput(m *message.Message, c Context, brands *brandIndex) *Input {
	in := &Input{Msg: m, Ctx: c, brands: brands}
	// Domains are compared in ASCII form, and entries that would trust
	// unrelated parties or match every display name are left out (see
	// SharedDomain, FreeMailDomain, VIPName): settings stored before those
	// were refused, or given on the command line.
	in.tenant = trustedDomains(asciiList(c.TenantDomains))
	for _, d := range asciiList(c.KnownDomains) {
		if r := registrable(d); r != "" {
			in.known = append(in.known, r)
		}
	}
	for _, v := range normalizeList(c.VIPs) {
		if VIPName(v) == "" {
			in.vips = append(in.vips, v)
		}
	}
	in.allow = trustedDomains(asciiList(c.Allow))
	in.deny = asciiList(c.Deny)
	if len(c.Brands) > 0 {
		in.brands = brands.with(c.Brands)
	}
	if m.From != nil && strings.Contains(m.From.Address, "@") {
		in.From = strings.ToLower(strings.TrimSpace(m.From.Address))
		in.FromName = strings.TrimSpace(m.From.Name)
	} else if raw := headerValue(m, "From"); raw != "" {
		// The parser could not read the From header; salvage what a mail client would show.
		in.FromName, in.From = salvageAddress(raw)
		in.FromMalformed = in.From != ""
	}
	for _, d := range m.Defects {
		if d.Kind == message.DefectBadAddress && strings.HasPrefix(d.Detail, "From:") && in.From != "" {
			in.FromMalformed = true
		}
	}
	in.FromHost = hostOfAddress(in.From)
	in.FromDomain = registrable(in.FromHost)
	for _, a := range m.ReplyTo {
		if s := strings.ToLower(strings.TrimSpace(a.Address)); s != "" {
			in.ReplyTo = append(in.ReplyTo, s)
		}
	}
	in.ReturnPathDomain = registrable(hostOfAddress(strings.ToLower(strings.Trim(m.ReturnPath, "<> "))))
	var b strings.Builder
	b.WriteString(m.Subject)
	b.WriteString("\n")
	vt := m.VisibleText
	if len(vt) > maxTextBytes {
		vt = vt[:maxTextBytes]
	}
	b.WriteString(vt)
	in.Text = strings.ToLower(b.String())
	in.Auth = authOutcome(m)
	in.ListDomain = listDomain(m)
	local := in.fromLocalCase()
	in.GeneratedMailbox = randomMailbox(local) && !strings.Contains(in.FromHost, strings.ToLower(local))
	return in
}

// listHeaders name a discussion list's address, in the order they are read.
var listHeaders = []string{"List-Post", "Mailing-List", "X-BeenThere"}

// listDomain returns the registrable domain of the discussion list a
// message came through, from List-Post (RFC 2369), Mailing-List or
// X-BeenThere; "" when there is none. List-Id alone is not enough: bulk
// senders set it on marketing mail too.
func listDomain(m *message.Message) string {
	for _, name := range listHeaders {
		v := strings.ToLower(headerValue(m, name))
		if v == "" {
			continue
		}
		if i := strings.IndexByte(v, '@'); i >= 0 {
			host := v[i+1:]
			if j := strings.IndexAny(host, ">;, \t"); j >= 0 {
				host = host[:j]
			}
			if d := registrable(host); d != "" {
				return d
			}
		}
	}
	return ""
}

// fromDisplay formats the sender as "Name <address>".
func (in *Input) fromDisplay() string {
	if in.FromName == "" {
		return in.From
	}
	return in.FromName + " <" + in.From + ">"
}

// salvageAddress takes the last <addr> of a malformed From value, or the
// last word with an @, and the text before it as the display name.
func salvageAddress(v string) (name, addr string) {
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			addr = strings.TrimSpace(v[i+1 : i+j])
			name = strings.TrimSpace(v[:i])
		}
	}
	if addr == "" {
		fs := strings.Fields(v)
		for k := len(fs) - 1; k >= 0; k-- {
			if strings.Contains(fs[k], "@") {
				addr = strings.Trim(fs[k], "<>()\",;")
				name = strings.Join(fs[:k], " ")
				break
			}
		}
	}
	name = strings.Trim(name, "\" ,_'")
	if !strings.Contains(addr, "@") {
		return "", ""
	}
	return name, strings.ToLower(addr)
}

// isTenantDomain reports whether d (a registrable domain or host, in
// either form of an IDN) is one of the tenant's or under one.
func (in *Input) isTenantDomain(d string) bool {
	d = asciiHost(d)
	for _, t := range in.tenant {
		if d == t || strings.HasSuffix(d, "."+t) {
			return true
		}
	}
	return false
}

// listed returns the entry of list (ASCII domains, see asciiList) that
// names addr or its domain, or a parent of the domain; "" when none does.
// An IDN may be written in either form in addr and domain.
func listed(list []string, addr, domain string) string {
	addr, domain = asciiEntry(addr), asciiHost(domain)
	for _, e := range list {
		if e == "" {
			continue
		}
		if strings.Contains(e, "@") {
			if e == addr {
				return e
			}
			continue
		}
		if domain != "" && (domain == e || strings.HasSuffix(domain, "."+e)) {
			return e
		}
	}
	return ""
}
