package message

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// fillConvenience sets From, To, Subject, Date... from the header block.
func fillConvenience(m *Message, hb headerBlock, dl *defectList) {
	m.Subject = hb.get("Subject")
	first := func(name string) string {
		if v := hb.rawUnfolded(name); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if v := first("From"); v != "" {
		if as := parseAddressList(v, "From", dl); len(as) > 0 {
			a := as[0]
			m.From = &a
		}
	} else {
		dl.add(DefectMissingHeader, "", "no From header")
	}
	if v := first("Sender"); v != "" {
		if as := parseAddressList(v, "Sender", dl); len(as) > 0 {
			a := as[0]
			m.Sender = &a
		}
	}
	m.ReplyTo = parseAddressList(first("Reply-To"), "Reply-To", dl)
	m.To = parseAddressList(strings.Join(hb.rawUnfolded("To"), ", "), "To", dl)
	m.Cc = parseAddressList(strings.Join(hb.rawUnfolded("Cc"), ", "), "Cc", dl)
	if rp := hb.getRaw("Return-Path"); rp != "" {
		m.ReturnPath = strings.TrimSpace(strings.Trim(strings.TrimSpace(rp), "<>"))
	}
	if d := hb.getRaw("Date"); d != "" {
		if t, ok := parseDate(d); ok {
			m.Date = t
		} else {
			dl.add(DefectBadDate, "", "cannot parse Date %q", truncateUTF8(d, 80))
		}
	} else {
		dl.add(DefectMissingHeader, "", "no Date header")
	}
	m.MessageID = firstMsgID(hb.getRaw("Message-ID"))
	m.InReplyTo = firstMsgID(hb.getRaw("In-Reply-To"))
	m.References = msgIDs(hb.getRaw("References"))
	if lu := hb.getRaw("List-Unsubscribe"); lu != "" {
		for _, s := range strings.Split(lu, ",") {
			s = strings.TrimSpace(s)
			s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
			if s != "" {
				m.ListUnsubscribe = append(m.ListUnsubscribe, s)
			}
		}
	}
	m.UserAgent = hb.get("User-Agent")
	if m.UserAgent == "" {
		m.UserAgent = hb.get("X-Mailer")
	}
}

// parseAddressList parses an address list tolerantly. net/mail handles the
// well-formed cases with RFC 2047; otherwise each comma-separated element is
// taken apart by hand, and the problem is reported.
func parseAddressList(v, field string, dl *defectList) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: wordDecoder()}
	if list, err := p.ParseList(v); err == nil && utf8.ValidString(v) {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			name := a.Name
			if strings.Contains(name, "=?") {
				// net/mail leaves encoded words inside quoted strings alone.
				if d, err := decodeWords(name); err == nil {
					name = d
				}
			}
			out = append(out, Address{Name: toValidUTF8(name), Address: toValidUTF8(a.Address)})
		}
		return out
	}
	dl.add(DefectBadAddress, "", "%s: cannot parse %q strictly", field, truncateUTF8(fix8bit(v), 80))
	// A display name with an unquoted comma ("Team, Support <a@example.com>")
	// splits into a name without address and a mailbox: join them back.
	var out []Address
	pending := ""
	for _, el := range splitAddresses(v) {
		a, ok := looseAddress(el)
		if !ok {
			continue
		}
		if a.Address == "" {
			pending = strings.TrimPrefix(pending+", "+a.Name, ", ")
			continue
		}
		if pending != "" {
			a.Name = strings.TrimSuffix(pending+", "+a.Name, ", ")
			pending = ""
		}
		out = append(out, a)
	}
	if pending != "" {
		out = append(out, Address{Name: pending})
	}
	return out
}

// splitAddresses splits on commas outside quotes, angle brackets and comments.
func splitAddresses(v string) []string {
	var out []string
	depthAngle, depthParen := 0, 0
	inQuote := false
	start := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '<':
			depthAngle++
		case c == '>':
			if depthAngle > 0 {
				depthAngle--
			}
		case c == '(':
			depthParen++
		case c == ')':
			if depthParen > 0 {
				depthParen--
			}
		case (c == ',' || c == ';') && depthAngle == 0 && depthParen == 0:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	if start <= len(v) {
		out = append(out, v[start:])
	}
	return out
}

// looseAddress reads `Name <addr>`, `addr`, `"Name" addr` and similar.
func looseAddress(s string) (Address, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Address{}, false
	}
	var a Address
	if lt := strings.LastIndexByte(s, '<'); lt >= 0 {
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			a.Address = strings.TrimSpace(s[lt+1:])
		} else {
			a.Address = strings.TrimSpace(s[lt+1 : lt+gt])
		}
		a.Name = strings.TrimSpace(s[:lt])
	} else {
		fields := strings.Fields(s)
		for i, f := range fields {
			if strings.Contains(f, "@") {
				a.Address = strings.Trim(f, "()<>\"'")
				a.Name = strings.Join(append(fields[:i:i], fields[i+1:]...), " ")
				break
			}
		}
		if a.Address == "" {
			a.Name = s
		}
	}
	a.Name = strings.TrimSpace(strings.Trim(a.Name, `"' `))
	a.Name, _ = decodeWords(a.Name)
	a.Address = fix8bit(a.Address)
	if a.Address == "" && a.Name == "" {
		return Address{}, false
	}
	return a, true
}

// dateLayouts are tried in order after net/mail's parser.
var dateLayouts = [...]string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon, 2 Jan 2006 15:04:05 Z",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"Monday, January 2, 2006 3:04 PM",
	"Mon, 2 Jan 2006 3:04:05 PM -0700",
}

// parseDate parses an RFC 5322 date and the common deviations.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := mail.ParseDate(s); err == nil {
		return t, true
	}
	// Drop a trailing comment and repeated spaces, then retry.
	c := s
	if i := strings.IndexByte(c, '('); i > 0 {
		c = strings.TrimSpace(c[:i])
	}
	c = strings.Join(strings.Fields(c), " ")
	if t, err := mail.ParseDate(c); err == nil {
		return t, true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, c); err == nil {
			return t, true
		}
	}
	return looseDate(c)
}

// looseDateRegexp finds "7 Apr 2026 10:00[:01] [+0000|GMT]" anywhere in a value.
var looseDateRegexp = regexp.MustCompile(`(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([+-]\d{4}))?`)

// looseDate reads the first day-month-year-time group it finds, as lenient
// parsers do with damaged Date headers; the zone is UTC when absent.
func looseDate(s string) (time.Time, bool) {
	m := looseDateRegexp.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	sec := m[6]
	if sec == "" {
		sec = "00"
	}
	zone := m[7]
	if zone == "" {
		zone = "+0000"
	}
	v := fmt.Sprintf("%s %s %s %s:%s:%s %s", m[1], strings.ToLower(m[2]), m[3], m[4], m[5], sec, zone)
	t, err := time.Parse("2 Jan 2006 15:04:05 -0700", v)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// firstMsgID returns the first <id> in v without brackets, or v trimmed.
func firstMsgID(v string) string {
	ids := msgIDs(v)
	if len(ids) > 0 {
		return ids[0]
	}
	return strings.TrimSpace(v)
}

// msgIDs returns every <id> in v, without brackets.
func msgIDs(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
	if len(out) == 0 {
		out = append(out, strings.Fields(v)...)
	}
	return out
}
