package message

import (
	"strconv"
	"strings"
)

// parseAntispam reads Microsoft's filtering headers: X-Forefront-Antispam-Report
// (key:value pairs separated by ';'), the BCL in X-Microsoft-Antispam, and
// X-MS-Exchange-Organization-SCL and -AuthAs.
func parseAntispam(a *Authentication, hb headerBlock, dl *defectList) {
	if v := hb.getRaw("X-Forefront-Antispam-Report"); v != "" {
		a.Forefront = ParseForefront(v)
	}
	if v := hb.getRaw("X-Forefront-Antispam-Report-Untrusted"); v != "" {
		a.ForefrontUntrusted = ParseForefront(v)
	}
	if v := hb.getRaw("X-Microsoft-Antispam-Mailbox-Delivery"); v != "" {
		a.MailboxDelivery = ParseForefront(v)
	}
	if v := hb.getRaw("X-Microsoft-Antispam"); v != "" {
		for _, kv := range ParseForefront(v) {
			if strings.EqualFold(kv.Key, "BCL") {
				if n, err := strconv.Atoi(kv.Value); err == nil {
					a.BCL = n
				}
			}
		}
	}
	if v := strings.TrimSpace(hb.getRaw("X-MS-Exchange-Organization-SCL")); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			a.SCL = n
		} else {
			dl.add(DefectMalformedPart, "", "X-MS-Exchange-Organization-SCL %q is not a number", truncateUTF8(v, 40))
		}
	}
	a.AuthAs = strings.TrimSpace(hb.getRaw("X-MS-Exchange-Organization-AuthAs"))
}

// ParseForefront splits "KEY:value;KEY:value;" into ordered pairs. Values may
// contain ':' (IPv6 addresses, SFS lists); only the first ':' separates.
func ParseForefront(v string) []KeyValue {
	var out []KeyValue
	for _, item := range strings.Split(v, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, val, _ := strings.Cut(item, ":")
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		out = append(out, KeyValue{Key: k, Value: strings.TrimSpace(val)})
	}
	return out
}

// ForefrontValue returns the value of key in the Forefront report, or "".
func (a Authentication) ForefrontValue(key string) string {
	for _, kv := range a.Forefront {
		if strings.EqualFold(kv.Key, key) {
			return kv.Value
		}
	}
	return ""
}
