package message

import (
	"encoding/base64"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// maxUnwrap bounds how many wrappers are peeled off one URL.
const maxUnwrap = 5

// redirectParams are query parameters that commonly carry the target of a
// redirector, in the order they are tried.
var redirectParams = [...]string{"url", "u", "q", "target", "dest", "destination", "redirect", "redirect_url", "redirect_uri", "redir", "link", "goto", "to", "out", "r", "href", "continue", "next", "returnurl", "return_url"}

// Unwrap peels off URL rewriters and redirectors whose target is in the URL
// itself: Microsoft Safe Links (*.safelinks.protection.outlook.com/?url=),
// Proofpoint URL Defense (v1, v2, v3), Google/Facebook/LinkedIn/Slack/
// YouTube redirects, Sophos, Trend Micro, Barracuda, and any URL with a query
// parameter (url=, u=, q=, redirect=, ...) holding an absolute http(s) URL,
// plain or base64. It returns the final target and the wrapper names,
// outermost first; the target is u itself when nothing is wrapped. It never
// fetches anything.
func Unwrap(u string) (string, []string) {
	var wrappers []string
	cur := u
	for range maxUnwrap {
		next, name := unwrapOnce(cur)
		if name == "" || next == "" || next == cur {
			break
		}
		if !isWebURL(next) && !strings.HasPrefix(next, "//") {
			break
		}
		if _, err := url.Parse(next); err != nil {
			break
		}
		wrappers = append(wrappers, name)
		cur = next
	}
	return cur, wrappers
}

// unwrapOnce peels one wrapper, returning the inner URL and the wrapper name.
func unwrapOnce(raw string) (string, string) {
	s := raw
	if strings.HasPrefix(s, "//") {
		s = "https:" + s
	}
	if !isWebURL(s) {
		return "", ""
	}
	pu, err := url.Parse(s)
	if err != nil {
		return "", ""
	}
	host := strings.ToLower(pu.Hostname())
	q := pu.Query()
	switch {
	case strings.HasSuffix(host, ".safelinks.protection.outlook.com") || strings.HasSuffix(host, ".safelinks.protection.office365.us"):
		return q.Get("url"), "safelinks"
	case host == "urldefense.proofpoint.com" || host == "urldefense.com":
		if t := proofpoint(pu, q); t != "" {
			return t, "proofpoint"
		}
	case strings.HasSuffix(host, ".protection.sophos.com"):
		if t := decodeMaybeBase64(q.Get("u")); t != "" {
			return t, "sophos"
		}
	case host == "linkprotect.cudasvc.com":
		return q.Get("a"), "barracuda"
	}
	for _, p := range redirectParams {
		for _, v := range q[p] {
			if t := decodeMaybeBase64(v); t != "" {
				return t, "redirect:" + host
			}
		}
	}
	// Case-insensitive parameter names (URL=, Url=).
	for _, k := range slices.Sorted(maps.Keys(q)) {
		vs := q[k]
		lk := strings.ToLower(k)
		for _, p := range redirectParams {
			if lk == p && k != p {
				for _, v := range vs {
					if t := decodeMaybeBase64(v); t != "" {
						return t, "redirect:" + host
					}
				}
			}
		}
	}
	return "", ""
}

// decodeMaybeBase64 returns v when it is an absolute http(s) URL, or its
// base64 decoding when that is one; otherwise "".
func decodeMaybeBase64(v string) string {
	v = strings.TrimSpace(v)
	if isWebURL(v) {
		return v
	}
	if len(v) < 12 || len(v) > 8192 {
		return ""
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil && isWebURL(string(b)) {
			return toValidUTF8(string(b))
		}
	}
	return ""
}

// proofpoint decodes Proofpoint URL Defense links.
//
//	v1: /v1/url?u=<percent-encoded>
//	v2: /v2/url?u=<'-' for '%', '_' for '/'>
//	v3: /v3/__<url>__;<base64 of replaced chars>!...
func proofpoint(pu *url.URL, q url.Values) string {
	path := pu.EscapedPath()
	switch {
	case strings.HasPrefix(path, "/v1/"):
		return q.Get("u")
	case strings.HasPrefix(path, "/v2/"):
		v := q.Get("u")
		v = strings.ReplaceAll(v, "_", "/")
		v = strings.ReplaceAll(v, "-", "%")
		if d, err := url.PathUnescape(v); err == nil {
			return d
		}
	case strings.HasPrefix(path, "/v3/__"):
		full := pu.String()
		i := strings.Index(full, "/v3/__")
		rest := full[i+len("/v3/__"):]
		j := strings.Index(rest, "__;")
		if j < 0 {
			return ""
		}
		inner := rest[:j]
		// Characters replaced by '*' are in the base64 run after "__;"; keep the
		// URL with the placeholders when the run cannot be read.
		enc := rest[j+3:]
		if k := strings.IndexByte(enc, '!'); k >= 0 {
			enc = enc[:k]
		}
		if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(enc, "=")); err == nil {
			reps := []rune(string(b))
			var sb strings.Builder
			n := 0
			for _, r := range inner {
				if r == '*' && n < len(reps) {
					sb.WriteRune(reps[n])
					n++
					continue
				}
				sb.WriteRune(r)
			}
			inner = sb.String()
		}
		if isWebURL(inner) {
			return inner
		}
	}
	return ""
}
