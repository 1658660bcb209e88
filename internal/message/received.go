package message

import (
	"net/netip"
	"strings"
)

// parseReceivedChain parses every Received header, topmost first.
func parseReceivedChain(hb headerBlock) []Hop {
	raws := hb.allRaw("Received")
	if len(raws) == 0 {
		return nil
	}
	hops := make([]Hop, 0, len(raws))
	for i, r := range raws {
		h := parseReceived(r)
		h.Index = i
		hops = append(hops, h)
	}
	return hops
}

// receivedKeywords are the clause keywords of RFC 5321 section 4.4.
var receivedKeywords = map[string]bool{"from": true, "by": true, "via": true, "with": true, "id": true, "for": true}

// parseReceived reads one Received value: the clauses before the last ';'
// and the timestamp after it. Comments are kept for the from clause (where
// the reverse DNS and the connecting IP usually are); IP literals anywhere
// in the from clause are collected.
func parseReceived(v string) Hop {
	h := Hop{Raw: v}
	clauses := v
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		if t, ok := parseDate(v[i+1:]); ok {
			h.Time = t
		}
		clauses = v[:i]
	}
	toks := receivedTokens(clauses)
	var cur string
	var fromComment []string
	for _, t := range toks {
		lt := strings.ToLower(t)
		if receivedKeywords[lt] {
			cur = lt
			continue
		}
		comment := strings.HasPrefix(t, "(")
		switch cur {
		case "from":
			if comment {
				fromComment = append(fromComment, strings.Trim(t, "()"))
			} else if h.From == "" {
				h.From = t
			}
		case "by":
			if !comment && h.By == "" {
				h.By = t
			}
		case "with":
			// "with ESMTPS" or "with Microsoft SMTP Server": words up to the next clause.
			if !comment && len(h.With) < 64 {
				if h.With != "" {
					h.With += " "
				}
				h.With += t
			}
		case "id":
			if !comment && h.ID == "" {
				h.ID = t
			}
		case "for":
			if !comment && h.For == "" {
				h.For = strings.Trim(t, "<>")
			}
		}
	}
	seen := map[string]bool{}
	addIP := func(s string) {
		s = strings.Trim(s, "[]()<>,;:=")
		s = strings.TrimPrefix(strings.TrimPrefix(s, "IPv6:"), "ipv6:")
		if i := strings.IndexByte(s, '%'); i >= 0 {
			s = s[:i]
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return
		}
		ip := a.Unmap().String()
		if !seen[ip] {
			seen[ip] = true
			h.IPs = append(h.IPs, ip)
		}
	}
	addIP(h.From)
	for _, c := range fromComment {
		for _, f := range strings.FieldsFunc(c, func(r rune) bool {
			return r == ' ' || r == '[' || r == ']' || r == '(' || r == ')' || r == '=' || r == ','
		}) {
			if strings.ContainsAny(f, ".:") && !strings.ContainsAny(f, "@") {
				if _, err := netip.ParseAddr(strings.TrimPrefix(strings.TrimPrefix(f, "IPv6:"), "ipv6:")); err != nil {
					if h.FromRDNS == "" && strings.Contains(f, ".") && !strings.HasPrefix(strings.ToLower(f), "helo") {
						h.FromRDNS = strings.ToLower(strings.Trim(f, "."))
					}
					continue
				}
			}
			addIP(f)
		}
	}
	h.From = strings.Trim(h.From, "[]")
	return h
}

// receivedTokens splits a Received value into atoms and (nested) comments.
func receivedTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			depth := 0
			j := i
			for ; j < len(s); j++ {
				if s[j] == '(' {
					depth++
				} else if s[j] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if j >= len(s) {
				j = len(s) - 1
			}
			out = append(out, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' && s[j] != '\n' && s[j] != '(' {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
		if len(out) > 200 {
			break
		}
	}
	return out
}
