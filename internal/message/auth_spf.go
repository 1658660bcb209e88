package message

import "strings"

// ParseReceivedSPF parses a Received-SPF value (RFC 7208 section 9.1):
// "result (comment) key=value; key=value". It never fails.
func ParseReceivedSPF(v string) ReceivedSPF {
	var r ReceivedSPF
	toks := authTokens(v)
	if len(toks) == 0 {
		return r
	}
	r.Result = strings.ToLower(strings.TrimRight(toks[0], ";"))
	for _, t := range toks[1:] {
		if strings.HasPrefix(t, "(") {
			if r.Comment == "" {
				r.Comment = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, "("), ")"))
			}
			continue
		}
		for _, kv := range strings.Split(t, ";") {
			k, val, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			k = strings.ToLower(strings.TrimSpace(k))
			val = strings.Trim(strings.TrimSpace(val), `"`)
			if k == "" {
				continue
			}
			r.Props = append(r.Props, KeyValue{Key: k, Value: val})
			switch k {
			case "client-ip":
				r.ClientIP = val
			case "helo":
				r.Helo = val
			}
		}
	}
	return r
}

// ParseDKIMSignature reads the d=, s=, a= and h= tags of a DKIM-Signature
// value. It reports false when there is neither a domain nor a selector.
func ParseDKIMSignature(v string) (DKIMSignature, bool) {
	var s DKIMSignature
	for _, tag := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(tag, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		val = strings.Join(strings.Fields(val), "")
		switch k {
		case "d":
			s.Domain = strings.ToLower(val)
		case "s":
			s.Selector = val
		case "a":
			s.Algorithm = strings.ToLower(val)
		case "h":
			for _, h := range strings.Split(val, ":") {
				if h = strings.TrimSpace(h); h != "" && len(s.Headers) < 100 {
					s.Headers = append(s.Headers, strings.ToLower(h))
				}
			}
		}
	}
	return s, s.Domain != "" || s.Selector != ""
}
