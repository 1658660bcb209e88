package analysis

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/qtriage/qtriage/internal/message"
)

// contentDetector reads what the message says: lures, urgency, payment
// requests, callback numbers, extortion, scams, hidden text and image-only bodies.
type contentDetector struct{}

func (contentDetector) Name() string    { return "content" }
func (contentDetector) Version() string { return "4" }

// maxLureTokens bounds the words read for lure phrases (the lure is near the top).
const maxLureTokens = 4000

// Run reports content findings.
func (contentDetector) Run(ctx context.Context, in *Input) ([]Finding, error) {
	var fs []Finding
	m := in.Msg
	toks := tokenize(foldText(in.Text))
	if len(toks) > maxLureTokens {
		toks = toks[:maxLureTokens]
	}
	hits := lureIndex.match(toks)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	body := Evidence{Location: "body"}
	ev := func(kind lureKind, n int) []Evidence {
		e := body
		e.Value = quoteList(hits[kind], n)
		return []Evidence{e}
	}
	links := 0
	for _, l := range m.Links {
		if l.Source == message.SourceHref || l.Source == message.SourceText || l.Source == message.SourceFormAction {
			links++
		}
	}
	phones := len(m.Indicators.Phones)

	cred := len(hits[lureCredential])
	// A short text has room for few phrases: one account or document lure
	// with one threat of consequences is the whole message.
	shortLure := cred == 1 && len(hits[lureUrgency]) >= 1 && len(toks) <= shortTextTokens && accountPhrase(hits[lureCredential][0])
	switch {
	case cred >= 4:
		fs = append(fs, Finding{ID: "content.credential_lure_strong", Title: "The text pressures the reader to sign in, verify or update an account", Evidence: ev(lureCredential, 6)})
	case shortLure:
		e := ev(lureCredential, 2)
		e[0].Value += ", " + quoteList(hits[lureUrgency], 2)
		e[0].Note = fmt.Sprintf("a short text (%d words)", len(toks))
		fs = append(fs, Finding{ID: "content.credential_lure", Title: "The text asks the reader to act on an account, a document or a delivery", Evidence: e})
	case cred >= 2:
		fs = append(fs, Finding{ID: "content.credential_lure", Title: "The text asks the reader to act on an account, a document or a delivery", Evidence: ev(lureCredential, 4)})
	}
	if n := len(hits[lureUrgency]); n >= 2 {
		fs = append(fs, Finding{ID: "content.urgency", Title: "The text creates urgency or threatens consequences", Evidence: ev(lureUrgency, 5)})
	}
	if n := len(hits[lurePayment]); n >= 2 {
		id, title := "content.payment_request", "The text is about payments, bank details or gift cards"
		if links == 0 && len(m.Attachments) == 0 {
			id, title = "content.bec_request", "A payment, bank-detail or gift-card request with no link or attachment, typical of business email compromise"
		}
		fs = append(fs, Finding{ID: id, Title: title, Evidence: ev(lurePayment, 5)})
	}
	if phones > 0 && (len(hits[lureCallback]) >= 2 && len(hits[lureCall]) >= 1 && links <= 2 || len(hits[lureCallback]) >= 4 && links == 0) {
		e := ev(lureCallback, 5)
		e = append(e, Evidence{Location: "body", Value: strings.Join(first(m.Indicators.Phones, 3), ", "), Note: "phone numbers; " + quoteList(hits[lureCall], 3)})
		fs = append(fs, Finding{ID: "content.callback", Title: "Asks the reader to phone about a charge, renewal or order (callback phishing)", Evidence: e})
	}
	crypto := len(m.Indicators.Crypto)
	if ext := len(hits[lureExtortion]); ext >= 3 && (crypto > 0 || containsAny(hits[lureExtortion], "bitcoin", "btc")) {
		e := ev(lureExtortion, 6)
		for _, c := range first(m.Indicators.Crypto, 2) {
			e = append(e, Evidence{Location: "body", Value: c.Address, Note: c.Currency + " address"})
		}
		fs = append(fs, Finding{ID: "content.extortion", Title: "Extortion: threats with a demand for cryptocurrency", Evidence: e})
	}
	// Replies steered to a personal mailbox, in the text or in Reply-To.
	offMail, offMailOK := offMailContact(in)
	offChannel := offMailOK
	for _, rt := range in.ReplyTo {
		if d := registrable(hostOfAddress(rt)); freeMailDomains[d] && d != in.FromDomain {
			offChannel = true
		}
	}
	// The story alone, or a shorter story with a personal mailbox to answer to.
	if n, core := len(hits[lureAdvanceFee]), countAny(hits[lureAdvanceFee], advanceFeeCore...); n >= 3 && core >= 2 || n >= 5 && core >= 1 || offChannel && n >= 2 && core >= 1 {
		fs = append(fs, Finding{ID: "content.advance_fee", Title: "Advance-fee or inheritance scam wording", Evidence: ev(lureAdvanceFee, 6)})
	}
	if n := len(hits[lurePrize]); n >= 3 {
		fs = append(fs, Finding{ID: "content.prize", Title: "Promises a prize, reward or bonus", Evidence: ev(lurePrize, 5)})
	}
	if n := len(hits[lureCrypto]); n >= 3 && (len(hits[lurePrize]) > 0 || len(hits[lureUrgency]) > 0 || cred > 0) || n >= 5 {
		fs = append(fs, Finding{ID: "content.crypto_lure", Title: "A cryptocurrency giveaway, airdrop or wallet lure", Evidence: ev(lureCrypto, 6)})
	}
	if n := len(hits[lureTechScam]); n >= 3 && containsAny(hits[lureTechScam], "your computer", "ihr computer", "votre ordinateur", "seu computador",
		"protection expired", "subscription expired", "pc is at risk", "computer is at risk", "infiziert", "infected") && (phones > 0 || len(hits[lureUrgency]) > 0) {
		fs = append(fs, Finding{ID: "content.tech_support_scam", Title: "A fake virus or expired-protection warning (tech-support scam)", Evidence: ev(lureTechScam, 6)})
	}
	switch n := len(hits[lureSpam]); {
	case n >= 6:
		fs = append(fs, Finding{ID: "content.spam_words_strong", Title: "Heavy unsolicited-advertising wording", Evidence: ev(lureSpam, 8)})
	case n >= 3:
		fs = append(fs, Finding{ID: "content.spam_words", Title: "Typical unsolicited-advertising wording", Evidence: ev(lureSpam, 6)})
	}

	if tok := hashBuster(m.Subject + " " + truncate(m.VisibleText, 4000)); tok != "" {
		fs = append(fs, Finding{ID: "content.hash_buster", Title: "A random token is added to defeat filters that compare messages",
			Evidence: []Evidence{{Location: "subject/body", Value: truncate(tok, 80)}}})
	}
	if s := strings.TrimSpace(m.Subject); len(s) >= 12 && isShouting(s) {
		fs = append(fs, Finding{ID: "content.shouting_subject", Title: "The subject is written in capitals",
			Evidence: []Evidence{{Location: "header:Subject", Value: truncate(s, 120)}}})
	}

	// Brand named in the subject or the opening lines, from a sender the
	// brand does not own. A delivery report is left out: the brand and the
	// lure it shows are the quoted original's, not the report's.
	if (cred >= 2 || len(hits[lurePrize]) >= 3) && !isBounce(m) {
		head := m.Subject + " " + truncate(m.VisibleText, 1500)
		for _, bm := range in.brands.mentions(head) {
			if in.brands.owns(bm.brand, in.FromHost) && !freeMailDomains[in.FromDomain] {
				continue
			}
			fs = append(fs, Finding{ID: "content.brand_mention", Title: "Names " + in.brands.name(bm.brand) + " in a message not sent by it",
				Brand: in.brands.name(bm.brand), Evidence: []Evidence{{Location: "subject/body", Value: bm.text, Note: "sender domain " + in.FromDomain}}})
			if acct, platform := helpdeskAccount(in.FromHost); acct != "" && !nameAppears(acct, in.FromName+" "+head) {
				fs = append(fs, Finding{ID: "content.helpdesk_brand", Title: "A ticket naming " + in.brands.name(bm.brand) + " sent from an unrelated " + platform + " helpdesk account",
					Brand: in.brands.name(bm.brand), Evidence: []Evidence{{Location: "header:From", Value: in.fromDisplay(),
						Note: "anyone can open a " + platform + " account and mail from " + in.FromHost + "; the account name " + acct + " appears nowhere in the message"}}})
			}
			break
		}
	}

	// A notice about the reader's own mailbox or password (quota, expiry,
	// held messages) can only come from the reader's own mail system.
	// The notice must be what the message opens with, not a line in a newsletter.
	mb := firstOf(hits[lureCredential], mailboxNoticePhrases)
	if mb != "" && externalMailboxNotice(in) {
		mb = firstOf(lureIndex.match(tokenize(foldText(m.Subject + " " + truncate(m.VisibleText, 800))))[lureCredential], mailboxNoticePhrases)
	} else {
		mb = ""
	}
	if mb != "" {
		fs = append(fs, Finding{ID: "content.mailbox_notice", Title: "A notice about the reader's mailbox or password sent from outside the reader's domain",
			Evidence: []Evidence{{Location: "body", Value: mb, Note: "sender domain " + firstNonEmpty(in.FromDomain, "unknown") + " does not run the reader's mailbox"}}})
	}

	// A web form's name fields filled with an advertisement.
	if mt := formAbuseMatch(m); mt != "" {
		fs = append(fs, Finding{ID: "content.form_abuse", Title: "A website form notification whose name fields carry an advertisement or a link",
			Evidence: []Evidence{{Location: "body", Value: truncate(mt, 120), Note: "spammers fill sign-up and contact forms so the site mails their text"}}})
	}

	// Greeted by email address: the sender does not know the reader's name.
	if g := truncate(m.VisibleText, 600); !strings.Contains(g, "@") {
	} else if mt := emailGreeting.FindString(g); mt != "" {
		fs = append(fs, Finding{ID: "content.email_greeting", Title: "The message greets the reader by email address rather than by name",
			Evidence: []Evidence{{Location: "body", Value: truncate(mt, 80)}}})
	}
	if !hasAny(fs, "content.email_greeting") && strings.Contains(m.Subject, "@") {
		if mt := emailGreetingSubject.FindString(m.Subject); mt != "" {
			fs = append(fs, Finding{ID: "content.email_greeting", Title: "The message greets the reader by email address rather than by name",
				Evidence: []Evidence{{Location: "header:Subject", Value: truncate(m.Subject, 80)}}})
		}
	}

	// Replies steered to a personal mailbox named in the text.
	if offMailOK {
		fs = append(fs, Finding{ID: "content.offmail_contact", Title: "The text asks the reader to write to a personal mailbox other than the sender's", Evidence: []Evidence{offMail}})
	}

	// Text disguised from filters.
	if w := mixedScriptWord(m.Subject + " " + in.FromName + " " + truncate(m.VisibleText, 3000)); w != "" {
		fs = append(fs, Finding{ID: "content.mixed_script", Title: "Words mix look-alike letters from another alphabet to dodge filters",
			Evidence: []Evidence{{Location: "subject/body", Value: w}}})
	}
	if s := fancyUnicode(m.Subject); s != "" {
		fs = append(fs, Finding{ID: "content.styled_unicode", Title: "Subject or sender name written in styled Unicode letters",
			Evidence: []Evidence{{Location: "header:Subject", Value: truncate(m.Subject, 120), Note: "styled letters such as " + s}}})
	} else if s := fancyUnicode(in.FromName + " " + in.From); s != "" {
		fs = append(fs, Finding{ID: "content.styled_unicode", Title: "Subject or sender name written in styled Unicode letters",
			Evidence: []Evidence{{Location: "header:From", Value: truncate(in.fromDisplay(), 120), Note: "styled letters such as " + s}}})
	}
	var zw, hidden int
	var hiddenSample string
	for _, h := range m.Hidden {
		switch h.Kind {
		case message.HiddenZeroWidthChars, message.HiddenBidiControl:
			zw += h.Count
		case message.HiddenTinyFont, message.HiddenSameColor, message.HiddenZeroSize, message.HiddenOpacity:
			hidden += h.Count
			if hiddenSample == "" {
				hiddenSample = h.Text
			}
		}
	}
	if zw >= 10 {
		fs = append(fs, Finding{ID: "content.zero_width", Title: "Invisible characters are scattered through the text",
			Evidence: []Evidence{{Location: "body", Value: fmt.Sprintf("%d zero-width or direction-control characters", zw)}}})
	}
	if hidden >= 200 {
		fs = append(fs, Finding{ID: "content.hidden_text", Title: "Text hidden from the reader (tiny, transparent or same-colour)",
			Evidence: []Evidence{{Location: "body:html", Value: truncate(hiddenSample, 120), Note: fmt.Sprintf("%d hidden characters", hidden)}}})
	}
	// Image-only bodies.
	if m.HTML != "" {
		visible := strings.Join(strings.Fields(m.VisibleText), " ")
		images := 0
		for _, l := range m.Links {
			if l.Source == message.SourceSrc {
				images++
			}
		}
		for _, a := range m.Attachments {
			if a.Kind == message.KindImage {
				images++
			}
		}
		if utf8.RuneCountInString(visible) < 40 && images > 0 {
			fs = append(fs, Finding{ID: "content.image_only", Title: "The body is an image with almost no text, so filters cannot read it",
				Evidence: []Evidence{{Location: "body:html", Value: truncate(visible, 80), Note: fmt.Sprintf("%d images, %d characters of text", images, utf8.RuneCountInString(visible))}}})
		}
	}
	if strings.TrimSpace(m.VisibleText) == "" && strings.TrimSpace(m.Subject) == "" && len(m.Attachments) == 0 {
		fs = append(fs, Finding{ID: "content.empty", Title: "The message has neither subject nor text", Evidence: []Evidence{{Location: "body", Value: ""}}})
	}
	// Marketing without List-Unsubscribe: the unsubscribe offer is in the text.
	if len(m.ListUnsubscribe) == 0 && in.ListDomain == "" {
		if e, ok := unsubscribeOffer(m, toks); ok {
			fs = append(fs, Finding{ID: "content.bulk_footer", Title: "Marketing mail: the text offers a way to unsubscribe", Evidence: []Evidence{e}})
		}
	}
	// A reply that answers nothing. Lists relay replies written in their web
	// interfaces and digests without those headers, so list mail is left out.
	if s := strings.ToLower(strings.TrimSpace(m.Subject)); (strings.HasPrefix(s, "re:") || strings.HasPrefix(s, "re :") || s == "re") && m.InReplyTo == "" && len(m.References) == 0 && in.ListDomain == "" {
		fs = append(fs, Finding{ID: "content.fake_reply", Title: "The subject says it is a reply but the message answers no earlier message",
			Evidence: []Evidence{{Location: "header:Subject", Value: truncate(m.Subject, 120), Note: "no In-Reply-To or References header"}}})
	}
	return fs, nil
}

// contactCue is a request to write to an address ("contact me via", "reply to", "e-mail:").
var contactCue = regexp.MustCompile(`(?i)(?:contact|reply|respond|write (?:to|me|us)|reach (?:me|us)|get back|e-?mail (?:me|us)|e-?mail\s*[:(]|via\s*:|me via|responda|contato|contacte|escreva|escrever|contáct|kontakt|schreiben sie|écrivez|répondez|contactez)[^@]{0,40}$`)

// offMailContact finds, in the opening text, a free-mail address the reader
// is asked to write to that is neither the sender nor a recipient: the
// sender wants the conversation to go on outside the sending domain, the
// way advance-fee, loan and impersonation scams work.
func offMailContact(in *Input) (Evidence, bool) {
	m := in.Msg
	head := truncate(m.VisibleText, 3000)
	if !strings.Contains(head, "@") || len(m.VisibleText) > 6000 || hasHeader(m, "List-Id") || hasHeader(m, "List-Post") || isDeliveryReport(m) {
		return Evidence{}, false
	}
	known := map[string]bool{in.From: true}
	for _, list := range [][]message.Address{m.To, m.Cc, m.ReplyTo} {
		for _, a := range list {
			known[strings.ToLower(a.Address)] = true
		}
	}
	// Only the words around each "@" are matched: cheaper than scanning the text.
	for n, off := 0, 0; n < 10; n++ {
		at := strings.IndexByte(head[off:], '@')
		if at < 0 {
			break
		}
		at += off
		start := max(strings.LastIndexAny(head[:at], " \t\n(<:;,\"'")+1, at-64)
		end := at + 1
		for end < len(head) && end-at < 256 && !strings.ContainsRune(" \t\n)>;,\"'", rune(head[end])) {
			end++
		}
		off = end
		loc := emailPattern.FindStringIndex(head[start:end])
		if loc == nil {
			continue
		}
		loc[0], loc[1] = loc[0]+start, loc[1]+start
		addr := strings.ToLower(head[loc[0]:loc[1]])
		d := registrable(hostOfAddress(addr))
		if known[addr] || !freeMailDomains[d] || d == in.FromDomain && !freeMailDomains[in.FromDomain] {
			continue
		}
		// The sender's own mailbox name at a free-mail provider is a person
		// giving a second address, not a detour.
		if local, _, _ := strings.Cut(addr, "@"); local == strings.SplitN(in.From, "@", 2)[0] {
			continue
		}
		before := head[max(0, loc[0]-60):loc[0]]
		if !contactCue.MatchString(before) {
			continue
		}
		cue := strings.Join(strings.Fields(before), " ")
		if i := strings.LastIndexAny(cue, ".!?\n"); i >= 0 && i < len(cue)-1 {
			cue = strings.TrimSpace(cue[i+1:])
		}
		return Evidence{Location: "body", Value: strings.TrimSpace(cue + " " + addr), Note: "sender is " + in.From}, true
	}
	return Evidence{}, false
}

// isDeliveryReport reports a bounce or other message that quotes another
// message: its text names the original's addresses.
func isDeliveryReport(m *message.Message) bool {
	for _, p := range m.Parts {
		switch p.ContentType {
		case "multipart/report", "message/delivery-status", "message/rfc822", "text/rfc822-headers", "message/global-delivery-status":
			return true
		}
	}
	return isSystemSender(strings.ToLower(addressOf(m.From)))
}

// mailboxNoticePhrases are the credential-lure phrases that speak of the
// reader's own mailbox or password: only the reader's mail system knows them.
var mailboxNoticePhrases = []string{"mailbox is full", "mailbox full", "storage is full", "exceeded your storage", "mailbox quota", "email quota",
	"mailbox is almost full", "storage is almost full", "reached the quota", "quota limit", "password expires", "password will expire",
	"password has expired", "password expired", "keep same password", "keep the same password", "pending messages", "undelivered messages",
	"messages are pending", "caixa de correio cheia", "caixa postal cheia", "sua senha expira", "senha expira", "senha expirou",
	"manter a mesma senha", "buzón lleno", "su contraseña caduca", "contraseña ha caducado", "postfach ist voll", "passwort läuft ab",
	"boîte aux lettres pleine", "mot de passe expire", "sua senha atual", "manter senha atual", "manter a senha atual", "senha expirará",
	"expiração de senha", "caixa de entrada cheia"}

// firstOf returns the first phrase of hits that is in want, or "".
func firstOf(hits, want []string) string {
	for _, h := range hits {
		if slices.Contains(want, h) {
			return h
		}
	}
	return ""
}

// externalMailboxNotice reports whether the sender cannot be the reader's
// mail system: its domain is none of the recipients' domains nor the
// tenant's, it is not an authenticated brand (a mail provider writing to its
// own users), and the message is neither a delivery report (whose reason may
// be a full mailbox) nor list or newsletter traffic.
func externalMailboxNotice(in *Input) bool {
	m := in.Msg
	if in.FromDomain == "" || isDeliveryReport(m) || hasHeader(m, "List-Id") || hasHeader(m, "List-Post") || hasHeader(m, "List-Unsubscribe") || in.isTenantDomain(in.FromHost) {
		return false
	}
	if _, ok := in.brands.ownerOf(in.FromHost); ok && in.Auth.passedFor(in.FromDomain) {
		return false
	}
	for _, list := range [][]message.Address{m.To, m.Cc} {
		for _, a := range list {
			if registrable(hostOfAddress(strings.ToLower(a.Address))) == in.FromDomain {
				return false
			}
		}
	}
	return true
}

// helpdeskPlatforms give every customer account its own subdomain to send
// tickets from (acme.zendesk.com): the platform's signature vouches for the
// platform, not for whoever opened the account.
var helpdeskPlatforms = map[string]string{
	"zendesk.com": "Zendesk", "freshdesk.com": "Freshdesk", "freshservice.com": "Freshservice",
	"zohodesk.com": "Zoho Desk", "kayako.com": "Kayako", "happyfox.com": "HappyFox",
}

// helpdeskAccount returns the account label and platform name when host is
// a customer subdomain of a helpdesk platform ("efomzy.zendesk.com").
func helpdeskAccount(host string) (string, string) {
	for suffix, name := range helpdeskPlatforms {
		if rest, ok := strings.CutSuffix(host, "."+suffix); ok && rest != "" {
			if i := strings.LastIndexByte(rest, '.'); i >= 0 {
				rest = rest[i+1:]
			}
			return rest, name
		}
	}
	return "", ""
}

// nameAppears reports whether an account name ("acme-support") is written
// in text, ignoring case, spaces and punctuation ("ACME Support").
func nameAppears(name, text string) bool {
	squash := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return unicode.ToLower(r)
			}
			return -1
		}, s)
	}
	n := squash(name)
	return n != "" && strings.Contains(squash(text), n)
}

// isBounce reports a delivery-status notification: a multipart/report, a
// delivery-status part, or a mail-system sender. Unlike isDeliveryReport,
// a message that merely forwards another as an attachment is not one.
func isBounce(m *message.Message) bool {
	return isDeliveryReportPart(m) || isSystemSender(strings.ToLower(addressOf(m.From)))
}

// isDeliveryReportPart reports a delivery report by its structure
// (multipart/report, a delivery-status part), which a sender's name alone
// cannot claim.
func isDeliveryReportPart(m *message.Message) bool {
	for _, p := range m.Parts {
		switch p.ContentType {
		case "multipart/report", "message/delivery-status", "message/global-delivery-status":
			return true
		}
	}
	return false
}

// nullSystemSender reports "MAILER-DAEMON <>": the mail system writing with
// the null address, as plain-text delivery reports do. Anyone can write
// that From, so it only spares the report headers.from_missing; it does not
// vouch for the message (see isDeliveryReportPart).
func nullSystemSender(m *message.Message) bool {
	if m.From == nil || strings.TrimSpace(m.From.Address) != "" {
		return false
	}
	return isSystemSender(strings.ToLower(strings.ReplaceAll(strings.TrimSpace(m.From.Name), " ", "-")))
}

func addressOf(a *message.Address) string {
	if a == nil {
		return ""
	}
	return a.Address
}

// formAbuseMatch returns the name or user-name field of a web-form
// notification that carries an advertisement or a link, or "".
func formAbuseMatch(m *message.Message) string {
	head := truncate(m.VisibleText, 3000)
	lowHead := strings.ToLower(head)
	if !strings.Contains(lowHead, "www.") && !strings.Contains(lowHead, "://") && !strings.Contains(lowHead, "t.me/") {
		return ""
	}
	mt := formAbuse.FindString(head)
	if mt == "" && strings.Contains(lowHead, "name") && containsAnyString(lowHead, formAbuseWords) {
		mt = formAbuseLure.FindString(head)
	}
	return mt
}

// formAbuse matches a name or user-name field that holds a web address.
var formAbuse = regexp.MustCompile(`(?i)\b(?:username|user name|first name|last name|nome|nombre|vorname|identifiant|nome de usu[aá]rio|benutzername|nombre de usuario)[\s\x{00A0}\x{202F}]*:?[\s\x{00A0}\x{202F}]*(?:www\.|https?://|t\.me/)\S+` +
	`|\bhi\s+(?:www\.)\S+\.(?:com|cl|ro|ru|net)\S*\s+-\s+\d`)

// formAbuseLure matches a name field holding a money or prize claim and a
// link; it runs only when such words are present (formAbuseWords).
var formAbuseLure = regexp.MustCompile(`(?i)\b(?:first name|last name|username|name)\s*:?\s+[^\n]{0,100}?\b(?:bitcoin|btc|usdt|earned|won|prize|bonus)\b[^\n]{0,60}?(?:https?://|t\.me/|www\.)\S+`)

var formAbuseWords = []string{"bitcoin", "btc", "usdt", "earned", " won", "prize", "bonus"}

// emailGreeting matches a salutation followed by an email address.
var emailGreeting = regexp.MustCompile(`(?i)\b(?:dear|hello|hi|hey|greetings|attention|olá|ola|oi|prezado|prezada|caro|cara|bonjour|hallo|hola|estimado|estimada|beste|ciao|salut)\s*,?\s+[^\s@,]+@[^\s,!:]+`)

// emailGreetingSubject matches a subject that opens with an email address and a comma.
var emailGreetingSubject = regexp.MustCompile(`^\s*[^\s@,]+@[^\s,]+\s*[,!:]`)

// hashBuster returns a long token mixing digits, capitals and small letters
// ("7099ocYT9-261UccU3485gGCz0"), the random salt bulk senders add so that no
// two copies look alike.
func hashBuster(s string) string {
	for _, w := range strings.Fields(s) {
		if len(w) < 20 || len(w) > 120 || strings.ContainsAny(w, "/:@.=?&+%") || !strings.Contains(w, "-") {
			continue
		}
		up, lo, dg, switches := 0, 0, 0, 0
		prev := 0
		for i := 0; i < len(w); i++ {
			c := w[i]
			cls := 0
			switch {
			case c >= 'A' && c <= 'Z':
				up++
				cls = 1
			case c >= 'a' && c <= 'z':
				lo++
				cls = 2
			case c >= '0' && c <= '9':
				dg++
				cls = 3
			}
			if cls != 0 && prev != 0 && cls != prev {
				switches++
			}
			if cls != 0 {
				prev = cls
			}
		}
		if up >= 3 && lo >= 3 && dg >= 4 && switches >= 10 {
			return w
		}
	}
	return ""
}

// isShouting reports a subject whose letters are nearly all capitals.
func isShouting(s string) bool {
	upper, letters := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return letters >= 10 && upper*10 >= letters*9
}

// mixedScriptWord returns the first word that mixes Latin with look-alike letters of another script.
func mixedScriptWord(s string) string {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(w) >= 3 && isMixedScript(w) {
			return w
		}
	}
	return ""
}

// fancyUnicode returns a sample of Mathematical Alphanumeric Symbols or
// fullwidth/enclosed letters used to write words.
func fancyUnicode(s string) string {
	n := 0
	var sample []rune
	for _, r := range s {
		if r >= 0x1D400 && r <= 0x1D7FF || r >= 0xFF21 && r <= 0xFF5A || r >= 0x24B6 && r <= 0x24E9 || r >= 0x1F130 && r <= 0x1F189 || smallCapital(r) {
			n++
			if len(sample) < 8 {
				sample = append(sample, r)
			}
		}
	}
	if n >= 3 {
		return string(sample)
	}
	return ""
}

// smallCapital reports the small-capital letters (ᴀ ʙ ᴄ … ꜱ) used to write
// whole words that filters do not read as the plain letters.
func smallCapital(r rune) bool {
	switch r {
	case 0x0262, 0x026A, 0x0274, 0x0276, 0x0280, 0x0281, 0x028F, 0x0299, 0x029C, 0x029F, 0xA730, 0xA731:
		return true
	}
	return r >= 0x1D00 && r <= 0x1D22 && r != 0x1D02 && r != 0x1D08 && r != 0x1D09 && r != 0x1D11 && r != 0x1D12 && r != 0x1D13 && r != 0x1D14
}

func containsAnyString(s string, subs []string) bool {
	for _, w := range subs {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func first[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func countAny(list []string, want ...string) int {
	n := 0
	for _, s := range list {
		for _, w := range want {
			if s == w {
				n++
				break
			}
		}
	}
	return n
}

func containsAny(list []string, want ...string) bool {
	for _, s := range list {
		for _, w := range want {
			if s == w {
				return true
			}
		}
	}
	return false
}

// shortTextTokens is the length up to which a text counts as short.
const shortTextTokens = 80

// accountPhrase reports a credential-lure phrase about an account, a
// password or a verification, rather than a delivery or a bill: on its own
// in a short text, "your package" or "fatura" is what real notices say.
func accountPhrase(p string) bool {
	for _, w := range []string{"account", "verif", "password", "passwort", "senha", "contraseña", "mot de passe", "konto", "cuenta", "compte",
		"conta", "login", "log in", "sign in", "suspend", "lock", "mailbox", "identity", "wallet", "unlock", "restore", "reactivate", "confirm", "validate"} {
		if strings.Contains(p, w) {
			return true
		}
	}
	return false
}

// unsubscribeWords are the words of an unsubscribe offer, matched as whole
// words in the visible text or a link's text, folded as the text is
// (accents dropped, words split at hyphens).
var unsubscribeWords = []string{"unsubscribe", "descadastre", "descadastrar", "descadastre-se", "abmelden", "abbestellen", "désabonner",
	"désinscrire", "désinscription", "afmelden", "uitschrijven", "desuscribirse", "desuscribir", "cancelar subscrição", "darse de baja",
	"opt out", "opt-out", "disiscriviti"}

// unsubscribeSeqs are unsubscribeWords as token sequences, built once.
var unsubscribeSeqs = func() [][]string {
	out := make([][]string, 0, len(unsubscribeWords))
	for _, w := range unsubscribeWords {
		out = append(out, tokenize(foldText(w)))
	}
	return out
}()

// unsubscribeOffer finds an unsubscribe link or sentence in the body.
func unsubscribeOffer(m *message.Message, toks []string) (Evidence, bool) {
	for _, l := range m.Links {
		if l.Source != message.SourceHref || l.Text == "" {
			continue
		}
		lt := tokenize(foldText(l.Text))
		for _, seq := range unsubscribeSeqs {
			if containsSeq(lt, seq) {
				return Evidence{Location: "body:link", Value: truncate(l.Text, 80), Note: truncate(l.URL, 120)}, true
			}
		}
	}
	for i, seq := range unsubscribeSeqs {
		if containsSeq(toks, seq) {
			return Evidence{Location: "body", Value: unsubscribeWords[i]}, true
		}
	}
	return Evidence{}, false
}

// containsSeq reports whether toks holds seq as consecutive tokens.
func containsSeq(toks, seq []string) bool {
	for i := 0; i+len(seq) <= len(toks); i++ {
		if slices.Equal(toks[i:i+len(seq)], seq) {
			return true
		}
	}
	return false
}
