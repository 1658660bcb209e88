package message

import (
	"strings"
)

// parseICS reads the fields of an iCalendar invite that matter for triage:
// METHOD, ORGANIZER, SUMMARY, DESCRIPTION, LOCATION, and every URL (URL,
// ATTACH, and those in the description and location).
func parseICS(b []byte) *CalendarInfo {
	info := &CalendarInfo{}
	text := toValidUTF8(string(b))
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\n ", "")
	text = strings.ReplaceAll(text, "\n\t", "")
	seen := map[string]bool{}
	addURL := func(u string) {
		u = strings.TrimSpace(u)
		if u != "" && !seen[u] && len(info.URLs) < 200 {
			seen[u] = true
			info.URLs = append(info.URLs, u)
		}
	}
	for n, line := range strings.Split(text, "\n") {
		if n > 100000 {
			break
		}
		nameParams, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(nameParams, ";")
		value = icsUnescape(strings.TrimSpace(value))
		switch strings.ToUpper(strings.TrimSpace(name)) {
		case "METHOD":
			info.Method = value
		case "ORGANIZER":
			if info.Organizer == "" {
				info.Organizer = strings.TrimPrefix(strings.TrimPrefix(value, "mailto:"), "MAILTO:")
			}
		case "SUMMARY":
			if info.Summary == "" {
				info.Summary = truncateUTF8(value, 500)
			}
		case "DESCRIPTION":
			if info.Description == "" {
				info.Description = truncateUTF8(value, 2000)
			}
			for _, u := range urlRegexp.FindAllString(value, 100) {
				if strings.Contains(u, "://") {
					addURL(u)
				}
			}
		case "LOCATION":
			if info.Location == "" {
				info.Location = truncateUTF8(value, 500)
			}
			for _, u := range urlRegexp.FindAllString(value, 100) {
				if strings.Contains(u, "://") {
					addURL(u)
				}
			}
		case "URL", "ATTACH":
			if strings.Contains(value, "://") {
				addURL(value)
			}
		}
	}
	return info
}

// icsUnescape undoes RFC 5545 text escapes.
func icsUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	r := strings.NewReplacer(`\n`, "\n", `\N`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`)
	return r.Replace(s)
}
