package analysis

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// senderDetector looks for impersonation in the sender: brands, VIPs and
// the tenant's own domains, through display names and lookalike domains.
type senderDetector struct{}

func (senderDetector) Name() string    { return "sender" }
func (senderDetector) Version() string { return "4" }

// orgWords in a display name claim an organisation rather than a person.
var orgWords = setOf("support", "team", "service", "services", "department", "security", "billing", "admin", "administrator", "helpdesk",
	"helpdesk", "notification", "notifications", "account", "accounts", "bank", "payroll", "hr", "customer", "care", "office",
	"official", "verification", "alert", "alerts", "mailbox", "webmail", "atendimento", "suporte", "notificacao", "protocolo",
	"fatura", "central", "banco", "servicos", "kundenservice", "kundendienst", "soporte", "servicio", "clientes", "seguranca",
	"sicherheit", "conta", "konto", "cuenta", "compte", "protocol", "ticket", "refund", "wallet", "rewards", "department",
	"shipping", "finance", "accounting", "invoice", "invoices", "payments", "treasury", "compliance", "legal", "rewards", "prize", "claims",
	// courts, police and tax offices never write from a personal mailbox
	"aviso", "processual", "tribunal", "court", "judicial", "juridico", "justica", "justice", "police", "policia", "polizei",
	"government", "governo", "gobierno", "receita", "customs", "alfandega", "aduana")

// Run reports sender impersonation findings.
func (senderDetector) Run(ctx context.Context, in *Input) ([]Finding, error) {
	var fs []Finding
	if in.From == "" {
		return nil, nil
	}
	from := in.fromDisplay()
	fromEv := Evidence{Location: "header:From", Value: from}
	free := freeMailDomains[in.FromDomain]

	// Lookalike of a protected domain.
	if la, ok := in.lookalikeOf(in.FromHost); ok {
		ev := fromEv
		ev.Note = fmt.Sprintf("%s is a %s lookalike of %s", in.FromHost, strings.ReplaceAll(string(la.kind), "_", " "), la.target)
		switch {
		case la.partner:
			fs = append(fs, Finding{ID: "sender.partner_lookalike", Title: "Sender domain " + in.FromDomain + " imitates " + la.target + ", a domain the tenant receives legitimate mail from",
				Brand: la.target, Evidence: []Evidence{ev}})
		case la.brand < 0 && !la.kind.strong():
			fs = append(fs, Finding{ID: "sender.tenant_name_in_domain", Title: "Sender domain " + in.FromDomain + " borrows the name of the tenant's domain " + la.target,
				Brand: la.target, Evidence: []Evidence{ev}})
		case la.brand >= 0 && !la.kind.strong():
			fs = append(fs, Finding{ID: "sender.brand_name_in_domain", Title: "Sender domain " + in.FromDomain + " borrows the name of " + in.brands.name(la.brand) + " (" + la.target + ")",
				Brand: in.brands.name(la.brand), Evidence: []Evidence{ev}})
		case la.brand < 0:
			fs = append(fs, Finding{ID: "sender.tenant_lookalike", Title: "Sender domain " + in.FromDomain + " imitates the tenant's domain " + la.target,
				Brand: la.target, Evidence: []Evidence{ev}})
		default:
			fs = append(fs, Finding{ID: "sender.brand_lookalike", Title: "Sender domain " + in.FromDomain + " imitates " + in.brands.name(la.brand) + " (" + la.target + ")",
				Brand: in.brands.name(la.brand), Evidence: []Evidence{ev}})
		}
	}

	// A brand named in the display name, mail from elsewhere.
	if in.FromName != "" {
		claimed := in.FromName
		if i := strings.Index(strings.ToLower(claimed), " via "); i >= 0 {
			// "Someone via Platform": the platform is the one claimed.
			claimed = claimed[i+5:]
		} else if i := strings.Index(strings.ToLower(claimed), "(via "); i >= 0 {
			claimed = claimed[i+5:]
		}
		ms := in.brands.mentions(claimed)
		if b := in.brands.namedExactly(brandPart(claimed)); b >= 0 && len(ms) == 0 {
			ms = []brandMention{{brand: b, text: claimed}}
		}
		swapNote := ""
		if len(ms) == 0 {
			// "lRS.GOV", "PayPaI": a small l standing for a capital I, or the reverse.
			if sw := swapIl(claimed); sw != claimed {
				ms = in.brands.mentions(sw)
				if b := in.brands.namedExactly(brandPart(sw)); b >= 0 && len(ms) == 0 {
					ms = []brandMention{{brand: b, text: sw}}
				}
				if len(ms) > 0 {
					swapNote = fmt.Sprintf(" (%q reads as %q)", claimed, sw)
				}
			}
		}
		if len(ms) == 0 {
			// "FTXTeam", "TrustWalletSupport": words run together, told apart by their capitals.
			if sp := splitCase(claimed); sp != claimed {
				if ms = in.brands.mentions(sp); len(ms) > 0 {
					swapNote = fmt.Sprintf(" (%q reads as %q)", claimed, sp)
				}
			}
		}
		for _, bm := range ms {
			if in.brands.owns(bm.brand, in.FromHost) && (!free || isSystemSender(in.From)) || in.brands.ownsCountryDomain(bm.brand, in.FromDomain) {
				continue
			}
			name := in.brands.name(bm.brand)
			ev := fromEv
			ev.Note = fmt.Sprintf("display name names %s%s, address is on %s", name, swapNote, in.FromDomain)
			id := "sender.brand_display_name"
			title := "Display name claims " + name + " but the mail comes from " + in.FromDomain
			if free {
				id = "sender.brand_freemail"
				title = "Display name claims " + name + " but the mail comes from a free mailbox (" + in.FromDomain + ")"
			}
			fs = append(fs, Finding{ID: id, Title: title, Brand: name, Evidence: []Evidence{ev}})
			break
		}
		// A VIP's name from outside the tenant.
		fn := strings.Join(tokenize(foldText(in.FromName)), " ")
		for _, v := range in.vips {
			if fn != strings.Join(tokenize(foldText(v)), " ") || in.isTenantDomain(in.FromHost) {
				continue
			}
			ev := fromEv
			ev.Note = "display name matches the protected person " + v + "; the address is outside the tenant"
			fs = append(fs, Finding{ID: "sender.vip_impersonation", Title: "Display name impersonates " + in.FromName + " from an outside address",
				Brand: in.FromName, Evidence: []Evidence{ev}})
			break
		}
		// A free mailbox presenting itself as an organisation.
		if free && !isSystemSender(in.From) {
			for _, t := range tokenize(foldText(in.FromName)) {
				if orgWords[t] {
					ev := fromEv
					ev.Note = fmt.Sprintf("the word %q in the display name of a %s address", t, in.FromDomain)
					fs = append(fs, Finding{ID: "sender.freemail_org_claim", Title: "A free mailbox presents itself as an organisation", Evidence: []Evidence{ev}})
					break
				}
			}
		}
	}

	// A display name dressed up to catch the eye or dodge name matching.
	rawName := in.FromName
	if in.Msg.From != nil && strings.TrimSpace(in.Msg.From.Name) == in.FromName {
		rawName = in.Msg.From.Name // the padding as written
	}
	if d := decoratedName(rawName); d != "" {
		ev := fromEv
		ev.Note = d
		fs = append(fs, Finding{ID: "sender.decorated_name", Title: "The sender's display name is padded or decorated the way bulk spam and phishing tools write it", Evidence: []Evidence{ev}})
	}

	// An executive writing from a personal mailbox.
	if free {
		if t := execSignature(strings.ToLower(in.Msg.VisibleText)); t != "" {
			ev := fromEv
			ev.Note = "signed as " + strings.ToUpper(t) + " from a " + in.FromDomain + " address"
			fs = append(fs, Finding{ID: "sender.freemail_executive", Title: "An executive signature sent from a personal mailbox", Evidence: []Evidence{ev}})
		}
	}

	// Where the sender's domain lives.
	if h, ok := inDomainSet(in.FromHost, freeHostDomains); ok {
		ev := fromEv
		ev.Note = "sent from an address on " + h + ", a free hosting service"
		fs = append(fs, Finding{ID: "sender.free_host_domain", Title: "Sender address is on a free hosting service (" + h + ")", Evidence: []Evidence{ev}})
	} else if strings.HasSuffix(in.FromHost, ".onmicrosoft.com") {
		ev := fromEv
		ev.Note = "default *.onmicrosoft.com domain of a Microsoft 365 tenant; organisations normally send from their own domain"
		fs = append(fs, Finding{ID: "sender.default_tenant_domain", Title: "Sender uses a default onmicrosoft.com tenant domain", Evidence: []Evidence{ev}})
	}
	if in.GeneratedMailbox {
		local := in.fromLocalCase()
		ev := fromEv
		ev.Note = "the mailbox name " + local + " looks machine-generated"
		fs = append(fs, Finding{ID: "sender.random_local", Title: "The sender's mailbox name looks machine-generated", Evidence: []Evidence{ev}})
	}
	if looksRandom(labelOf(in.FromDomain)) {
		ev := fromEv
		ev.Note = "the domain name " + in.FromDomain + " looks machine-generated"
		fs = append(fs, Finding{ID: "sender.random_domain", Title: "Sender domain looks machine-generated", Evidence: []Evidence{ev}})
	}
	if suspiciousTLDs[suffixOf(in.FromDomain)] {
		ev := fromEv
		ev.Note = "." + suffixOf(in.FromDomain) + " is a top-level domain with a poor reputation"
		fs = append(fs, Finding{ID: "sender.suspicious_tld", Title: "Sender domain is under ." + suffixOf(in.FromDomain), Evidence: []Evidence{ev}})
	}

	// A name that none of the sender's addresses or links bear.
	if words, ok := nameUnrelated(in); ok && !hasAny(fs, "sender.brand_display_name", "sender.brand_freemail", "sender.vip_impersonation") && !isBounce(in.Msg) {
		ev := fromEv
		ev.Note = "the name's words (" + strings.Join(first(words, 4), ", ") + ") appear in neither the sender's address, its Reply-To nor any link's host"
		fs = append(fs, Finding{ID: "sender.name_unrelated", Title: "The display name is unrelated to the sending address and the links", Evidence: []Evidence{ev}})
	}

	// History with the tenant.
	if in.Ctx.History != nil {
		st, err := in.Ctx.History.SenderStats(ctx, in.From, in.FromDomain)
		if err != nil {
			return fs, fmt.Errorf("analysis: sender history: %w", err)
		}
		authed := in.Auth.passedFor(in.FromDomain)
		if FreeMailDomain(in.FromDomain) {
			// Anyone can have an address at a free-mail provider: what other
			// people there sent says nothing of this sender. Only the
			// address's own history counts.
			st.BenignFromDomain, st.MaliciousFromDomain = 0, 0
		}
		switch {
		case st.MaliciousFromDomain > 0:
			fs = append(fs, Finding{ID: "sender.known_bad_domain", Title: "This sender domain sent malicious mail to the tenant before",
				Evidence: []Evidence{{Location: "history", Value: in.FromDomain, Note: fmt.Sprintf("%d earlier malicious messages", st.MaliciousFromDomain)}}})
		case authed && (st.BenignFromAddress >= 3 || st.BenignFromDomain >= 10):
			fs = append(fs, Finding{ID: "sender.established", Title: "Established sender: earlier mail from it was legitimate",
				Evidence: []Evidence{{Location: "history", Value: in.From, Note: fmt.Sprintf("%d earlier benign messages from the address, %d from the domain", st.BenignFromAddress, st.BenignFromDomain)}}})
		case st.BenignFromAddress == 0 && st.BenignFromDomain == 0:
			fs = append(fs, Finding{ID: "sender.first_time", Title: "First message from this sender to the tenant",
				Evidence: []Evidence{{Location: "history", Value: in.From}}})
		}
	}
	return fs, nil
}

// swapIl rewrites the letters a reader cannot tell apart in a sans-serif
// font: a small l next to capitals reads as I ("lRS" → "IRS"), a capital I
// between small letters reads as l ("PayPaI" → "PayPal", "WaIIet" → "Wallet").
func swapIl(s string) string {
	b := []byte(s)
	upper := func(i int) bool { return i >= 0 && i < len(s) && s[i] >= 'A' && s[i] <= 'Z' && s[i] != 'I' }
	lower := func(i int) bool { return i >= 0 && i < len(s) && s[i] >= 'a' && s[i] <= 'z' && s[i] != 'l' }
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == 'l' && (upper(i+1) && !lower(i-1) || upper(i-1) && upper(i+1)):
			b[i] = 'I'
		case s[i] == 'I' && (lower(i-1) || i > 0 && s[i-1] == 'I' && lower(i-2)):
			b[i] = 'l'
		}
	}
	return string(b)
}

// fromLocalCase returns the local part of the From address with its case as
// written (in.From is lowercased): "HWcUkzB" reads as generated, "hwcukzb" does not.
func (in *Input) fromLocalCase() string {
	local, _, _ := strings.Cut(in.From, "@")
	if a := in.Msg.From; a != nil && strings.EqualFold(strings.TrimSpace(a.Address), in.From) {
		local, _, _ = strings.Cut(strings.TrimSpace(a.Address), "@")
	}
	return local
}

// decoratedName says how a display name is decorated: runs of dashes,
// asterisks, tildes or underscores around the name ("--- Congrats ---",
// "--Aviso**"), or long runs of spaces ("   Online Protection Team     ").
// Mail programs and people do not write names like that.
func decoratedName(name string) string {
	if name == "" {
		return ""
	}
	trim := strings.TrimSpace(name)
	if strings.Contains(name, "    ") || strings.HasPrefix(name, "   ") && len(trim) > 0 {
		return fmt.Sprintf("the display name %q is padded with runs of spaces", name)
	}
	deco := func(s string) bool {
		n := 0
		for _, r := range s {
			if !strings.ContainsRune("-*~_=", r) {
				break
			}
			n++
		}
		return n >= 2
	}
	rev := []rune(trim)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	if deco(trim) || deco(string(rev)) {
		return fmt.Sprintf("the display name %q is framed with runs of symbols", trim)
	}
	return ""
}

// brandPart strips the words around a brand name in a display name:
// "John from Ledger" → "Ledger", "Ledger Support Team" → "Ledger".
func brandPart(name string) string {
	toks := tokenize(foldText(name))
	for i, t := range toks {
		if t == "from" || t == "at" || t == "de" || t == "von" || t == "da" {
			toks = toks[i+1:]
			break
		}
	}
	for len(toks) > 1 {
		switch toks[len(toks)-1] {
		case "team", "support", "security", "service", "services", "notification", "notifications", "alert", "alerts",
			"account", "accounts", "billing", "help", "center", "care", "official", "online", "customer", "info", "no", "reply", "noreply",
			"solutions", "news", "foundation", "rewards", "assist", "assists", "helpdesk", "desk", "hq", "inc", "ltd", "llc", "group":
			toks = toks[:len(toks)-1]
			continue
		}
		break
	}
	return strings.Join(toks, " ")
}

// isSystemSender reports delivery-system addresses (bounces and postmasters).
func isSystemSender(addr string) bool {
	local, _, _ := strings.Cut(addr, "@")
	switch local {
	case "mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "double-bounce", "bounce", "bounces":
		return true
	}
	return false
}

// splitCase puts a space where words written together change case: before
// a capital that follows a small letter ("TrustWallet" → "Trust Wallet") and
// before the last capital of a run that a small letter follows ("FTXTeam" →
// "FTX Team"). Other text is kept as it is.
func splitCase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) {
			prev := rs[i-1]
			next := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsUpper(prev) && next {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// looksRandom reports whether a domain label looks generated: long, with
// digits mixed into letters, or long consonant runs.
func looksRandom(label string) bool {
	if len(label) < 10 || strings.Contains(label, "xn--") {
		return false
	}
	digits, vowels, letters, run, maxRun, switches := 0, 0, 0, 0, 0, 0
	prevDigit := false
	for i := 0; i < len(label); i++ {
		c := label[i]
		isDigit := c >= '0' && c <= '9'
		switch {
		case isDigit:
			digits++
			run = 0
		case c >= 'a' && c <= 'z':
			letters++
			if strings.IndexByte("aeiouy", c) >= 0 {
				vowels++
				run = 0
			} else {
				run++
				maxRun = max(maxRun, run)
			}
		default:
			run = 0
		}
		if i > 0 && isDigit != prevDigit {
			switches++
		}
		prevDigit = isDigit
	}
	if letters == 0 {
		return false
	}
	if switches >= 4 && digits >= 3 {
		return true
	}
	if maxRun >= 6 {
		return true
	}
	return len(label) >= 14 && float64(vowels)/float64(letters) < 0.2
}

// execTitles in a signature claim a position that rarely writes from a personal mailbox.
var execTitles = []string{"ceo", "cfo", "coo", "cto", "chief executive", "chief financial", "president", "managing director", "founder", "director of finance", "vice president", "general manager"}

// execSignature returns the executive title signed at the bottom of text, or "".
func execSignature(text string) string {
	tail := text
	if len(tail) > 600 {
		tail = tail[len(tail)-600:]
	}
	toks := " " + strings.Join(tokenize(tail), " ") + " "
	for _, t := range execTitles {
		if strings.Contains(toks, " "+t+" ") {
			return t
		}
	}
	return ""
}

// randomMailbox reports mailbox names that look generated rather than
// chosen: "XyGax", "wNiKpOPIWK", "uqfkxgpz", "8014A84F26B9". Names with
// separators (newsletter-123, bounce.abc) are left alone: ESPs build those.
func randomMailbox(local string) bool {
	if len(local) < 5 || len(local) > 24 || strings.ContainsAny(local, ".-_+=") {
		return false
	}
	upper, lower, digits, vowels := 0, 0, 0, 0
	inner := 0
	for i := 0; i < len(local); i++ {
		c := local[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper++
			if i > 0 {
				inner++
			}
			if strings.IndexByte("AEIOU", c) >= 0 {
				vowels++
			}
		case c >= 'a' && c <= 'z':
			lower++
			if strings.IndexByte("aeiou", c) >= 0 {
				vowels++
			}
		case c >= '0' && c <= '9':
			digits++
		}
	}
	letters := upper + lower
	switch {
	case inner >= 2 && lower >= 2 && upper+lower == len(local) && !camelCase(local) && caseSwitches(local) >= 3:
		return true
	case letters >= 8 && digits == 0 && float64(vowels)/float64(letters) < 0.2:
		return true
	case letters >= 5 && digits == 0 && vowels == 0 && lower > 0 && !strings.ContainsAny(local, "yY"):
		// "rxfng", "bnctc": no word, name or initials of that length lacks
		// every vowel. Capitals are an acronym ("BCBSNC"); an acronym that
		// is also the domain's name ("hcpss@hcpss.org") is kept apart by
		// the caller.
		return true
	case len(local) >= 10 && digits >= 3 && letters >= 3 && isHex(local):
		return true
	}
	return false
}

// caseSwitches counts changes between capitals and small letters: a name
// with an acronym ("USPSInformeddelivery", "FOXSportsFLASH") has one or two,
// a generated one ("HWcUkzB", "MevaLiM") three or more.
func caseSwitches(s string) int {
	n := 0
	for i := 1; i < len(s); i++ {
		a, b := s[i-1] >= 'A' && s[i-1] <= 'Z', s[i] >= 'A' && s[i] <= 'Z'
		if a != b {
			n++
		}
	}
	return n
}

// camelCase reports names like "JohnSmith" or "InfoDesk": each capital starts a vowel-bearing word.
func camelCase(s string) bool {
	words := 0
	start := 0
	for i := 1; i <= len(s); i++ {
		if i == len(s) || s[i] >= 'A' && s[i] <= 'Z' {
			w := strings.ToLower(s[start:i])
			if len(w) < 2 || !strings.ContainsAny(w, "aeiouy") {
				return false
			}
			words++
			start = i
		}
	}
	return words <= 3
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
