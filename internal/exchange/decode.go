package exchange

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Tolerant readers of row fields: a key matches case-insensitively, a
// string may hold a number or a boolean, a list may come as one string.

func (r Row) raw(key string) (json.RawMessage, bool) {
	if v, ok := r[key]; ok {
		return v, string(v) != "null"
	}
	for k, v := range r {
		if strings.EqualFold(k, key) {
			return v, string(v) != "null"
		}
	}
	return nil, false
}

// String reads a string field ("" when absent).
func (r Row) String(key string) string {
	v, ok := r.raw(key)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return strings.Trim(string(v), `"`)
}

// Strings reads a list of strings (a single string is a list of one).
func (r Row) Strings(key string) []string {
	v, ok := r.raw(key)
	if !ok {
		return nil
	}
	var list []string
	if json.Unmarshal(v, &list) == nil {
		return list
	}
	if s := r.String(key); s != "" {
		return []string{s}
	}
	return nil
}

// Bool reads a boolean field (also "True"/"False").
func (r Row) Bool(key string) bool {
	v, ok := r.raw(key)
	if !ok {
		return false
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return b
	}
	b, _ = strconv.ParseBool(strings.TrimSpace(r.String(key)))
	return b
}

// Int reads an integer field (also a numeric string).
func (r Row) Int(key string) int64 {
	v, ok := r.raw(key)
	if !ok {
		return 0
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		if i, err := n.Int64(); err == nil {
			return i
		}
		if f, err := n.Float64(); err == nil {
			return int64(f)
		}
	}
	i, _ := strconv.ParseInt(strings.TrimSpace(r.String(key)), 10, 64)
	return i
}

// Time reads a date: ISO 8601 with up to 7 fractional digits and an
// offset (no offset means UTC), or .NET's /Date(ms)/. Zero when absent or
// unreadable.
func (r Row) Time(key string) time.Time {
	return parseTime(r.String(key))
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if ms, ok := strings.CutPrefix(s, "/Date("); ok {
		ms = strings.TrimSuffix(ms, ")/")
		if i := strings.IndexAny(ms[1:], "+-"); i >= 0 {
			ms = ms[:i+1]
		}
		if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
			return time.UnixMilli(n).UTC()
		}
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "1/2/2006 3:04:05 PM"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
