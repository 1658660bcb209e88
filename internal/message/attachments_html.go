package message

import (
	"bytes"
	"strings"
)

// smugglingMarkers are the script primitives HTML smuggling uses to build a
// file in the browser, and common obfuscation calls.
var smugglingMarkers = [...]string{
	"atob(", "new Blob", "msSaveOrOpenBlob", "msSaveBlob", "createObjectURL", "Uint8Array",
	".download", "download=", "fromCharCode", "unescape(", "decodeURIComponent(", "eval(",
	"document.write", "data:application/octet-stream", "data:application/zip", "data:text/html;base64",
	"window.location", "location.href", "location.replace",
}

// analyzeHTMLAttachment counts scripts, forms and password fields in an HTML
// attachment, lists smuggling markers and the longest base64 run, and
// returns its links.
func analyzeHTMLAttachment(b []byte, part string, maxLinks int, dl *defectList) (*HTMLAttachment, []Link) {
	info := &HTMLAttachment{}
	lower := []byte(asciiLower(string(b)))
	info.Scripts = bytes.Count(lower, []byte("<script"))
	info.Forms = bytes.Count(lower, []byte("<form"))
	info.PasswordInputs = bytes.Count(lower, []byte(`type="password"`)) + bytes.Count(lower, []byte(`type='password'`)) + bytes.Count(lower, []byte(`type=password`))
	info.MetaRefresh = bytes.Contains(lower, []byte("http-equiv=\"refresh\"")) || bytes.Contains(lower, []byte("http-equiv=refresh"))
	for _, m := range smugglingMarkers {
		if bytes.Contains(b, []byte(m)) {
			info.SmugglingMarkers = append(info.SmugglingMarkers, m)
		}
	}
	info.LargestBase64 = longestBase64Run(b)
	if i := bytes.Index(lower, []byte("<title")); i >= 0 {
		if j := bytes.IndexByte(lower[i:], '>'); j >= 0 {
			start := i + j + 1
			if k := bytes.Index(lower[start:], []byte("</title")); k >= 0 {
				info.Title = truncateUTF8(strings.Join(strings.Fields(fix8bit(string(b[start:start+k]))), " "), 200)
			}
		}
	}
	text := fix8bit(string(b))
	tmp := newLinkSet(maxLinks, dl)
	analyzeHTML(text, part, tmp)
	return info, tmp.list
}

// longestBase64Run returns the length of the longest run of base64 characters.
func longestBase64Run(b []byte) int {
	best, run := 0, 0
	for _, c := range b {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}
