package message

import (
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseAuthentication reads every authentication and anti-spam header.
func parseAuthentication(hb headerBlock, dl *defectList) Authentication {
	a := Authentication{BCL: -1, SCL: -2}
	for _, v := range hb.allRaw("Authentication-Results") {
		a.Results = append(a.Results, ParseAuthResults(decodeAuthValue(v)))
	}
	for _, v := range hb.allRaw("ARC-Authentication-Results") {
		a.ARC = append(a.ARC, ParseAuthResults(decodeAuthValue(v)))
	}
	for _, v := range hb.allRaw("Received-SPF") {
		a.ReceivedSPF = append(a.ReceivedSPF, ParseReceivedSPF(v))
	}
	for _, v := range hb.allRaw("DKIM-Signature") {
		if s, ok := ParseDKIMSignature(v); ok {
			a.DKIM = append(a.DKIM, s)
		}
	}
	a.Microsoft = microsoftSummary(a.Results)
	parseAntispam(&a, hb, dl)
	return a
}

// decodeAuthValue undoes the RFC 2047 encoding Microsoft applies to a whole
// Authentication-Results value when one of its properties holds non-ASCII
// letters (header.from=𝗹𝗶𝗱𝗹.𝗱𝗲 is sent as "=?utf-8?B?c3BmPX…?="). An
// encoded value would otherwise parse as an authserv-id with no methods, so
// the DMARC and composite-authentication results inside it were lost. A
// value that does not start with an encoded word is returned as it is.
func decodeAuthValue(v string) string {
	if !strings.HasPrefix(strings.TrimLeft(v, " \t\r\n"), "=?") {
		return v
	}
	// The words are decoded together: Microsoft cuts them every 45 bytes,
	// often inside a letter, so they only form UTF-8 once joined.
	d, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil || !utf8.ValidString(d) {
		if d, err = decodeWords(v); err != nil {
			return v
		}
	}
	if strings.Contains(d, "=?") {
		return v
	}
	return d
}

// knownMethods are method names that identify a Microsoft-form header (no authserv-id).
var knownMethods = map[string]bool{
	"spf": true, "dkim": true, "dmarc": true, "compauth": true, "arc": true, "auth": true,
	"iprev": true, "bimi": true, "dkim-atps": true, "sender-id": true, "smime": true,
	"rrvs": true, "vbr": true, "dnswl": true, "domainkeys": true, "x-tls": true,
}

// ParseAuthResults parses an Authentication-Results or
// ARC-Authentication-Results value tolerantly. It accepts RFC 8601's form
// (authserv-id first), Microsoft's form (no authserv-id: the value starts
// with "spf=..."), ARC's "i=N;" prefix, missing or doubled semicolons,
// comments anywhere, and never fails: what cannot be read is skipped.
func ParseAuthResults(v string) AuthResults {
	ar := AuthResults{Raw: v, Methods: []AuthMethod{}}
	segs := splitOutside(v, ';')
	first := true
	for _, seg := range segs {
		toks := authTokens(seg)
		if len(toks) == 0 {
			continue
		}
		if first {
			first = false
			head := toks[0]
			k, val, hasEq := strings.Cut(head, "=")
			lk := strings.ToLower(strings.TrimSpace(k))
			if hasEq && lk == "i" && ar.Instance == 0 && len(toks) == 1 {
				ar.Instance, _ = strconv.Atoi(strings.TrimSpace(val))
				first = true
				continue
			}
			if !hasEq || !knownMethodName(lk) {
				if !strings.HasPrefix(head, "(") {
					ar.AuthServID = strings.ToLower(head)
				}
				// "authserv-id [version] [method=result ...]" when a ';' is missing.
				rest := toks[1:]
				if len(rest) > 0 && isDigits(rest[0]) {
					rest = rest[1:]
				}
				if m, ok := parseMethod(rest); ok {
					ar.Methods = append(ar.Methods, m)
				}
				continue
			}
		}
		// A segment may hold several methods when a ';' is missing: split on method=result tokens.
		start := 0
		for i := 1; i <= len(toks); i++ {
			if i == len(toks) || isMethodStart(toks[i]) {
				if m, ok := parseMethod(toks[start:i]); ok {
					ar.Methods = append(ar.Methods, m)
				}
				start = i
			}
		}
	}
	return ar
}

func knownMethodName(k string) bool {
	if i := strings.IndexByte(k, '/'); i >= 0 {
		k = k[:i]
	}
	return knownMethods[k] || strings.HasPrefix(k, "x-")
}

// isMethodStart reports whether tok looks like "method=result" for a known method.
func isMethodStart(tok string) bool {
	k, _, ok := strings.Cut(tok, "=")
	if !ok || strings.Contains(k, ".") {
		return false
	}
	k = strings.ToLower(k)
	return k != "reason" && k != "action" && knownMethodName(k) && k != "x"
}

// parseMethod reads "method=result (comment) reason=... ptype.prop=value ...".
func parseMethod(toks []string) (AuthMethod, bool) {
	var m AuthMethod
	for len(toks) > 0 && strings.HasPrefix(toks[0], "(") {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return m, false
	}
	k, val, ok := strings.Cut(toks[0], "=")
	if !ok {
		return m, false
	}
	m.Method = strings.ToLower(strings.TrimSpace(k))
	m.Result = strings.ToLower(strings.Trim(strings.TrimSpace(val), `"`))
	if !isMethodName(m.Method) {
		return m, false
	}
	for _, t := range toks[1:] {
		if strings.HasPrefix(t, "(") {
			if m.Reason == "" {
				m.Reason = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, "("), ")"))
			}
			continue
		}
		pk, pv, ok := strings.Cut(t, "=")
		if !ok {
			if n := len(m.Props); n > 0 {
				m.Props[n-1].Value += " " + t
			}
			continue
		}
		pk = strings.ToLower(strings.TrimSpace(pk))
		pv = strings.Trim(strings.TrimSpace(pv), `"`)
		if pk == "reason" {
			m.Reason = pv
			if m.Method != "compauth" {
				continue
			}
		}
		m.Props = append(m.Props, KeyValue{Key: pk, Value: pv})
	}
	return m, true
}

// microsoftSummary flattens the topmost Microsoft-form Authentication-Results.
func microsoftSummary(results []AuthResults) *MicrosoftAuth {
	for _, r := range results {
		if r.AuthServID != "" && !strings.Contains(r.AuthServID, "microsoft") && !strings.Contains(r.AuthServID, "outlook") {
			continue
		}
		ms := &MicrosoftAuth{}
		found := false
		for _, m := range r.Methods {
			switch m.Method {
			case "spf":
				ms.SPF, ms.MailFrom, found = m.Result, m.Prop("smtp.mailfrom"), true
			case "dkim":
				ms.DKIM, ms.HeaderD, found = m.Result, m.Prop("header.d"), true
			case "dmarc":
				ms.DMARC, ms.DMARCAction, found = m.Result, m.Prop("action"), true
				ms.HeaderFrom = m.Prop("header.from")
			case "compauth":
				ms.CompAuth, ms.CompAuthReason, found = m.Result, m.Prop("reason"), true
			}
		}
		if found {
			return ms
		}
	}
	return nil
}

// splitOutside splits s on sep outside parentheses and double quotes.
func splitOutside(s string, sep byte) []string {
	var out []string
	depth := 0
	inQuote := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// authTokens splits a segment into atoms ("key=value", with quoted values
// kept whole) and comments ("(...)", nesting kept). "key = value" is joined.
func authTokens(s string) []string {
	var out []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
			continue
		case c == '(':
			depth := 0
			j := i
			for ; j < len(s); j++ {
				if s[j] == '\\' {
					j++
					continue
				}
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
				out = append(out, s[i:]+")")
				i = len(s)
			} else {
				out = append(out, s[i:j+1])
				i = j + 1
			}
			continue
		}
		j := i
		inQuote := false
		for j < len(s) {
			cj := s[j]
			if cj == '"' {
				inQuote = !inQuote
			} else if !inQuote && (cj == ' ' || cj == '\t' || cj == '\r' || cj == '\n' || cj == '(') {
				break
			}
			j++
		}
		out = append(out, s[i:j])
		i = j
	}
	// Join "key", "=", "value" and "key=", "value".
	joined := out[:0:0]
	for k := 0; k < len(out); k++ {
		t := out[k]
		n := len(joined)
		switch {
		case t == "=" && n > 0 && k+1 < len(out):
			joined[n-1] += "=" + out[k+1]
			k++
		case strings.HasPrefix(t, "=") && n > 0 && !strings.Contains(joined[n-1], "="):
			joined[n-1] += t
		case strings.HasSuffix(t, "=") && strings.Count(t, "=") == 1 && k+1 < len(out) && !strings.HasPrefix(out[k+1], "(") && !strings.Contains(out[k+1], "="):
			joined = append(joined, t+out[k+1])
			k++
		default:
			joined = append(joined, t)
		}
	}
	return joined
}

// isMethodName accepts a method keyword (RFC 8601 "Keyword", with an optional /version).
func isMethodName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
