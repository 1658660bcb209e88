package analysis

import (
	"strings"
	"unicode"

	"github.com/qtriage/qtriage/internal/message"
)

// genericNameWords say what a sender does, not who it is ("Customer
// Service", "Daily Deals"); they are not looked for in the addresses.
var genericNameWords = setOf("team", "support", "service", "services", "customer", "customers", "account", "accounts", "notification",
	"notifications", "info", "information", "news", "newsletter", "from", "with", "your", "security", "department", "admin", "administrator",
	"mail", "email", "e-mail", "noreply", "no-reply", "reply", "help", "desk", "helpdesk", "center", "centre", "online", "official", "alert",
	"alerts", "update", "updates", "billing", "offer", "offers", "deal", "deals", "sale", "sales", "store", "shop", "club", "member",
	"members", "rewards", "daily", "weekly", "monthly", "digest", "today", "notice", "notices", "message", "messages", "system", "mailer",
	"daemon", "postmaster", "group", "office", "contact", "hello", "care", "exclusive", "special", "free", "best", "latest", "new", "now",
	"verification", "delivery", "shipping", "order", "orders", "invoice", "payment", "payments", "and", "the", "for", "via", "atendimento",
	"suporte", "equipe", "kundenservice", "service-client", "servicio", "cliente", "clientes", "équipe", "ihr", "seu", "sua", "votre")

// nameUnrelated reports a message whose links all go to other sites than
// the sender's, and whose display name appears in none of them nor in the
// sender's address or Reply-To: "Quicken Loans" writing from
// rwmfgconsulting.com with links to a third site. A company writing as
// itself links to its own site or shows its name in its address or links;
// people's addresses often abbreviate their names (initials are accepted)
// but may be nicknames, so the finding weighs little on its own. Returns
// the name words looked for.
func nameUnrelated(in *Input) ([]string, bool) {
	words := nameWords(in.FromName)
	if len(words) == 0 {
		return nil, false
	}
	var hay strings.Builder
	hay.WriteString(lettersOnly(in.From))
	for _, rt := range in.ReplyTo {
		hay.WriteString(" " + lettersOnly(rt))
	}
	labels := map[string]bool{}
	for _, l := range strings.Split(in.FromHost, ".") {
		labels[l] = true
	}
	// Links to the sender's own site clear the name, unless the mailbox is
	// generated: a throwaway domain linking to itself vouches for nothing
	// (as for links.sender_aligned).
	elsewhere := false
	for _, l := range in.Msg.Links {
		if l.Source != message.SourceHref && l.Source != message.SourceText {
			continue
		}
		if l.Host == "" || l.Scheme != "http" && l.Scheme != "https" {
			continue
		}
		if l.Domain == in.FromDomain && !in.GeneratedMailbox {
			return nil, false // the sender links to its own site
		}
		elsewhere = true
		hay.WriteString(" " + lettersOnly(l.Host))
	}
	if !elsewhere {
		return nil, false
	}
	h := hay.String()
	if initialsMatch(words, strings.ToLower(localPart(in.From))) {
		return nil, false
	}
	for _, w := range words {
		switch {
		case len(w) <= 3 && labels[w]: // "EF Education First" <…@ef.com>
			return nil, false
		case len(w) >= 3 && strings.Contains(h, w):
			return nil, false
		case len(w) >= 7 && strings.Contains(h, w[:5]): // a long word shortened in a host: "Nutrisystem", nutrisys.com
			return nil, false
		}
	}
	return words, true
}

// nameWords are the lowercased letter-only words of a display name, without
// generic words; nil when the name holds an address or nothing distinctive.
func nameWords(name string) []string {
	if name == "" || strings.Contains(name, "@") {
		return nil
	}
	var out []string
	distinctive := false
	for _, f := range strings.FieldsFunc(splitCase(name), func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) {
		w := strings.Trim(strings.ToLower(f), "-")
		if w == "" || genericNameWords[w] {
			continue
		}
		w = lettersOnly(w)
		if len(w) >= 4 {
			distinctive = true
		}
		if len(w) >= 2 {
			out = append(out, w)
		}
	}
	if !distinctive {
		return nil
	}
	return out
}

// lettersOnly lowercases s and keeps its letters and digits, folding
// common accents ("Rénovation" → "renovation").
func lettersOnly(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(foldText(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// initialsMatch reports a mailbox made of the name's initials ("dl" for
// Dave Long, "dbr" for David B. Rees) or of an initial and a surname
// ("jsmith"), the usual ways people's addresses abbreviate their names.
func initialsMatch(words []string, local string) bool {
	local = lettersOnly(local)
	if len(words) < 2 || local == "" {
		return false
	}
	firstW, lastW := words[0], words[len(words)-1]
	switch {
	case len(local) <= 5 && local[0] == firstW[0] && local[len(local)-1] == lastW[0]:
		return true
	case local[0] == firstW[0] && len(lastW) >= 3 && strings.HasPrefix(local[1:], lastW[:3]):
		return true
	case local[0] == lastW[0] && len(firstW) >= 3 && strings.HasPrefix(local[1:], firstW[:3]):
		return true
	}
	return false
}

// localPart is the part of an address before the @.
func localPart(addr string) string {
	l, _, _ := strings.Cut(addr, "@")
	return l
}
