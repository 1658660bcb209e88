package message

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// headerBlock is a parsed header section.
type headerBlock struct {
	fields []Header
	// bodyOffset is where the body starts in the input (len(input) if none).
	bodyOffset int
}

// parseHeaderBlock reads header fields from the start of raw in their
// original order, keeping duplicates, raw and decoded. It is tolerant: a
// line without a colon is joined to the previous field (as enmime does) and
// reported; a leading mbox "From " line is skipped and reported.
func parseHeaderBlock(raw []byte, part string, maxHeaders int, dl *defectList) headerBlock {
	var hb headerBlock
	pos := 0
	var cur *Header
	var curRaw []byte
	dropped := 0
	flush := func() {
		if cur == nil {
			return
		}
		raw := strings.TrimRight(string(curRaw), "\r\n")
		cur.Raw = strings.TrimLeft(raw, " \t")
		cur.Value = decodeHeaderValue(unfold(cur.Raw), part, cur.Name, dl)
		if len(hb.fields) < maxHeaders || (essentialField(cur.Name) && hb.count(cur.Name) == 0) {
			hb.fields = append(hb.fields, *cur)
		} else {
			dropped++
		}
		cur, curRaw = nil, curRaw[:0]
	}
	foundBlank := false
	for pos < len(raw) {
		end := bytes.IndexByte(raw[pos:], '\n')
		var line []byte
		next := len(raw)
		if end >= 0 {
			next = pos + end + 1
		}
		line = raw[pos:next]
		content := bytes.TrimRight(line, "\r\n")
		if len(content) == 0 {
			pos = next
			foundBlank = true
			break
		}
		if content[0] == ' ' || content[0] == '\t' {
			if cur != nil {
				curRaw = append(curRaw, line...)
			} else {
				dl.add(DefectHeaderObsFolding, part, "continuation line before any header field")
			}
			pos = next
			continue
		}
		if pos == 0 && bytes.HasPrefix(content, []byte("From ")) {
			dl.add(DefectHeaderNoColon, part, "mbox From_ line skipped")
			pos = next
			continue
		}
		colon := bytes.IndexByte(content, ':')
		if colon <= 0 {
			switch {
			case cur != nil:
				dl.add(DefectHeaderNoColon, part, "line %q has no colon; joined to %s", truncateUTF8(string(content), 60), cur.Name)
				curRaw = append(curRaw, ' ')
				curRaw = append(curRaw, line...)
			default:
				dl.add(DefectHeaderNoColon, part, "line %q has no colon; skipped", truncateUTF8(string(content), 60))
			}
			pos = next
			continue
		}
		flush()
		name := content[:colon]
		trimmed := bytes.TrimRight(name, " \t")
		if len(trimmed) != len(name) {
			dl.add(DefectHeaderInvalidName, part, "whitespace before colon in %q", truncateUTF8(string(trimmed), 60))
		}
		if !validFieldName(trimmed) {
			dl.add(DefectHeaderInvalidName, part, "invalid field name %q", truncateUTF8(string(trimmed), 60))
		}
		cur = &Header{Name: toValidUTF8(string(trimmed))}
		curRaw = append(curRaw[:0], line[colon+1:]...)
		pos = next
	}
	flush()
	if dropped > 0 {
		dl.add(DefectLimit, part, "%d header fields beyond the limit of %d not kept", dropped, maxHeaders)
	}
	if part == "" && !foundBlank && len(hb.fields) > 0 && pos >= len(raw) {
		dl.add(DefectNoBody, part, "no blank line after the header section")
	}
	hb.bodyOffset = pos
	checkSingletons(hb.fields, part, dl)
	return hb
}

// essentialFields are kept beyond Limits.MaxHeaders (the first of each
// name), so that padding a header block with filler fields cannot hide a
// part's type, encoding or file name, or the message's sender and subject.
var essentialFields = [...]string{"content-type", "content-transfer-encoding", "content-disposition", "content-id",
	"from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id", "return-path", "list-unsubscribe"}

func essentialField(name string) bool {
	for _, f := range essentialFields {
		if strings.EqualFold(name, f) {
			return true
		}
	}
	return false
}

func validFieldName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// singletons are the fields RFC 5322 section 3.6 allows at most once.
var singletons = [...]string{"from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references"}

func checkSingletons(fields []Header, part string, dl *defectList) {
	var counts [len(singletons)]int
	for _, f := range fields {
		for i, s := range singletons {
			if strings.EqualFold(f.Name, s) {
				counts[i]++
			}
		}
	}
	for i, c := range counts {
		if c > 1 {
			dl.add(DefectDuplicateSingleton, part, "%s appears %d times", singletons[i], c)
		}
	}
}

// unfold removes CRLF folding: each line break and the whitespace after it becomes one space.
func unfold(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			for i+1 < len(s) && (s[i+1] == '\r' || s[i+1] == '\n') {
				i++
			}
			// the following whitespace is kept as is
			continue
		}
		b.WriteByte(c)
	}
	return strings.TrimSpace(b.String())
}

// decodeHeaderValue decodes RFC 2047 encoded words in any charset, and turns
// raw 8-bit bytes into UTF-8 (UTF-8 kept, anything else read as Windows-1252).
// Encoded words are decoded from the raw bytes, so a Q word holding raw
// Latin-1 bytes (a common malformation) is read in its declared charset.
func decodeHeaderValue(v, part, name string, dl *defectList) string {
	if !utf8.ValidString(v) {
		dl.add(DefectEightBitHeader, part, "%s has bytes that are not UTF-8", name)
	}
	if !strings.Contains(v, "=?") {
		return fix8bit(v)
	}
	out, err := decodeWords(v)
	if err != nil {
		dl.add(DefectBadEncodedWord, part, "%s: %v", name, err)
	}
	return out
}

// get returns the decoded value of the first field with this name, or "".
func (hb headerBlock) get(name string) string {
	for _, f := range hb.fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// rawValue returns the first field named name, unfolded but not decoded,
// or "".
func (hb headerBlock) rawValue(name string) string {
	for _, f := range hb.fields {
		if strings.EqualFold(f.Name, name) {
			return unfold(f.Raw)
		}
	}
	return ""
}

// count returns how many fields are named name.
func (hb headerBlock) count(name string) int {
	n := 0
	for _, f := range hb.fields {
		if strings.EqualFold(f.Name, name) {
			n++
		}
	}
	return n
}

// allRaw returns the unfolded, undecoded values of every field with this name.
func (hb headerBlock) allRaw(name string) []string {
	var out []string
	for _, f := range hb.fields {
		if strings.EqualFold(f.Name, name) {
			out = append(out, fix8bit(unfold(f.Raw)))
		}
	}
	return out
}

func (hb headerBlock) getRaw(name string) string {
	for _, f := range hb.fields {
		if strings.EqualFold(f.Name, name) {
			return fix8bit(unfold(f.Raw))
		}
	}
	return ""
}

// rawUnfolded returns the unfolded values of every field with this name with
// their bytes untouched (8-bit bytes kept), for decoders that need them.
func (hb headerBlock) rawUnfolded(name string) []string {
	var out []string
	for _, f := range hb.fields {
		if strings.EqualFold(f.Name, name) {
			out = append(out, unfold(f.Raw))
		}
	}
	return out
}
