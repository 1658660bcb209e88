package message

import (
	"bytes"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jhillyerd/enmime/v2/mediatype"
)

// mimePart is one node of the MIME tree, read in place from the message
// bytes: its header fields, what they declare, and its transfer-decoded
// content (a leaf) or its children (a multipart).
type mimePart struct {
	id                      string
	parent                  *mimePart
	firstChild, nextSibling *mimePart
	header                  headerBlock
	// contentType is the declared media type, lowercased; "" when the part
	// declares none.
	contentType string
	params      map[string]string
	boundary    string // of a multipart, "" for a leaf
	disposition string // lowercased, without parameters
	filename    string // as declared (Content-Disposition filename, else Content-Type name or file)
	charset     string // the declared charset parameter, as written (us-ascii for a root without Content-Type)
	cte         string // Content-Transfer-Encoding, lowercased and trimmed
	contentID   string
	content     []byte // transfer-decoded (leaves)
	epilogue    []byte // after the closing delimiter (multiparts)
}

// treeReader reads the MIME tree of one message from its bytes. Delimiter
// lines are matched against the stack of open multiparts (matchDelimiter);
// the input is cut where it would exceed Limits.MaxParts delimiters or
// Limits.MaxDepth nested multiparts, so the work and the tree stay bounded
// however the message is built.
type treeReader struct {
	raw        []byte
	end        int // where reading stops: len(raw), or where a limit cut the input
	maxParts   int
	maxDepth   int
	maxHeaders int
	dl         *defectList
	stack      []string // boundaries of the open multiparts, outermost first
	// delimiters counts delimiter lines, extended those with text after the boundary.
	delimiters, extended int
	extendedLine         []byte
}

// delimiter is a delimiter line found in the input.
type delimiter struct {
	start, next int // the line's first byte, and the byte after its line end
	level       int // index in the stack of the multipart it delimits; -1 when none (end of input)
	closing     bool
}

// readTree reads the tree of a message whose top-level header is hb.
func readTree(raw []byte, hb headerBlock, lim Limits, dl *defectList) *mimePart {
	t := &treeReader{raw: raw, end: len(raw), maxParts: lim.MaxParts, maxDepth: lim.MaxDepth, maxHeaders: lim.MaxHeaders, dl: dl}
	root := &mimePart{id: "0", header: hb}
	t.describe(root)
	if root.contentType == "" {
		// RFC 2045 section 5.2: text/plain; charset=us-ascii by default.
		root.charset = "us-ascii"
	}
	body := min(hb.bodyOffset, len(raw))
	if root.boundary != "" {
		t.multipart(root, body)
	} else {
		t.decode(root, raw[body:])
	}
	if t.extended > 0 {
		dl.add(DefectMalformedPart, "", "%d boundary delimiter lines have text after the boundary (first %q); read as delimiters, as RFC 2046 says",
			t.extended, truncateUTF8(fix8bit(string(t.extendedLine)), 100))
	}
	return root
}

// describe fills what a part's header declares.
func (t *treeReader) describe(p *mimePart) {
	ct := p.header.rawValue("Content-Type")
	if ct != "" {
		var repaired []string
		mt, params, invalid, err := parseMediaType(ct, &repaired)
		for _, r := range repaired {
			t.dl.add(DefectBadContentType, p.id, "missing ';' before parameters in %q", truncateUTF8(fix8bit(r), 100))
		}
		slices.Sort(invalid) // the parser lists them in map order
		for _, v := range invalid {
			t.dl.add(DefectBadContentType, p.id, "Content-Type has a malformed parameter %q", truncateUTF8(fix8bit(v), 100))
		}
		if err != nil {
			t.dl.add(DefectBadContentType, p.id, "Content-Type %q unreadable: %v", truncateUTF8(fix8bit(ct), 100), err)
		}
		p.contentType = strings.ToLower(mt)
		if len(params) > 0 {
			p.params = params
		}
		p.charset = params["charset"]
		if b := params["boundary"]; b != "" {
			switch {
			case strings.HasPrefix(p.contentType, "multipart/"):
				p.boundary = b
			case p.contentType == "text/plain" || p.contentType == "text/html":
				t.dl.add(DefectDataHasBoundary, p.id, "%s part declares a boundary; read as content", p.contentType)
			}
		}
		p.filename = params["name"]
		if p.filename == "" {
			p.filename = params["file"]
		}
	} else if p.id != "0" {
		t.dl.add(DefectMissingContentType, p.id, "MIME part without a Content-Type header")
	}
	if cd := p.header.rawValue("Content-Disposition"); cd != "" {
		if disp, params, _, err := parseMediaType(cd, new([]string)); err == nil {
			p.disposition = strings.ToLower(disp)
			if name := params["filename"]; name != "" {
				p.filename = name
			}
		}
	}
	p.cte = strings.ToLower(strings.TrimSpace(p.header.rawValue("Content-Transfer-Encoding")))
	if id := p.header.rawValue("Content-ID"); id != "" {
		id = strings.TrimRight(strings.TrimLeft(id, "<"), ">")
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		p.contentID = id
	}
}

// multipart reads the parts of p, whose body starts at pos, and returns the
// delimiter line that ends it: one of an enclosing multipart, or none (level
// -1) at the end of the input. Text before the first delimiter (the
// preamble) is skipped; text after the closing one is p's epilogue.
func (t *treeReader) multipart(p *mimePart, pos int) delimiter {
	if o, ok := conflicting(p.boundary, t.stack); ok {
		how := "starts with"
		if o == p.boundary {
			how = "repeats"
		}
		t.dl.add(DefectMalformedPart, p.id, "boundary %q of a nested multipart %s the enclosing boundary %q; its delimiter lines are read as its own",
			truncateUTF8(fix8bit(p.boundary), 80), how, truncateUTF8(fix8bit(o), 80))
	}
	t.stack = append(t.stack, p.boundary)
	level := len(t.stack) - 1
	defer func() { t.stack = t.stack[:level] }()
	var last *mimePart
	d := t.nextDelimiter(pos)
	for n := 1; ; n++ {
		if d.level < level {
			t.dl.add(DefectBoundaryNotClosed, p.id, "boundary %q is never closed", truncateUTF8(fix8bit(p.boundary), 80))
			return d
		}
		if d.closing {
			t.stack = t.stack[:level]
			after := t.nextDelimiter(d.next)
			p.epilogue = t.raw[d.next:max(d.next, contentEnd(t.raw, after.start))]
			return after
		}
		// d opens part n.
		c := &mimePart{id: strconv.Itoa(n), parent: p}
		if p.id != "0" {
			c.id = strings.TrimSuffix(p.id, ".0") + "." + strconv.Itoa(n)
		}
		bodyStart, blank := t.headerEnd(d.next)
		if !blank && withoutFields(t.raw[d.next:bodyStart]) {
			// Text with neither a header field nor the blank line that
			// ends a header: the part's content, as Python's email reads
			// it, rather than lost as bad header lines. (With a blank
			// line it is a header gone wrong, as mail-parser reads it.)
			t.dl.add(DefectHeaderNoColon, c.id, "part without a header starts with text; read as content")
			bodyStart = d.next
		}
		c.header = parseHeaderBlock(t.raw[d.next:bodyStart], c.id, t.maxHeaders, t.dl)
		t.describe(c)
		if c.boundary != "" && len(t.stack) >= t.maxDepth {
			t.dl.add(DefectLimit, "", "multipart nesting deeper than %d; message cut at byte %d", t.maxDepth, d.start)
			t.dl.add(DefectTruncated, "", "content after byte %d not read", d.start)
			t.end = d.start
			d = delimiter{start: t.end, next: t.end, level: -1}
			continue
		}
		if last == nil {
			p.firstChild = c
		} else {
			last.nextSibling = c
		}
		last = c
		if c.boundary != "" {
			c.id += ".0" // a nested multipart's own id: its parts are numbered without the ".0"
			d = t.multipart(c, bodyStart)
			continue
		}
		d = t.nextDelimiter(bodyStart)
		end := max(bodyStart, contentEnd(t.raw, d.start))
		if d.level < 0 {
			if i := closedAtEnd(t.raw[bodyStart:end], p.boundary); i >= 0 {
				t.dl.add(DefectMalformedPart, c.id, "closing delimiter of %q written after the content, not on a line of its own", truncateUTF8(fix8bit(p.boundary), 80))
				t.decode(c, t.raw[bodyStart:bodyStart+i])
				return d
			}
		}
		t.decode(c, t.raw[bodyStart:end])
	}
}

// closedAtEnd finds a closing delimiter written at the very end of the
// input without a line break before it ("text--b--"), which enmime and
// mail-parser both take as the end of the multipart. It returns where the
// delimiter starts in b, or -1.
func closedAtEnd(b []byte, boundary string) int {
	b = bytes.TrimRight(b, " \t\r\n")
	if !bytes.HasSuffix(b, []byte("--"+boundary+"--")) {
		return -1
	}
	return len(b) - len(boundary) - 4
}

// contentEnd is where the content before a delimiter line starting at
// start ends: the line break before the delimiter belongs to it (RFC 2046).
func contentEnd(raw []byte, start int) int {
	if start > 0 && raw[start-1] == '\n' {
		start--
		if start > 0 && raw[start-1] == '\r' {
			start--
		}
	}
	return start
}

// headerEnd finds the end of a part's header block starting at pos: the
// byte after its blank line, or a delimiter line, or the end of input. It
// returns where the block (with its blank line) ends, which is where the
// body starts, and whether a blank line ended it.
func (t *treeReader) headerEnd(pos int) (end int, blank bool) {
	for pos < t.end {
		line, next := t.line(pos)
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return next, true
		}
		if t.isDelimiter(line) {
			return pos, false
		}
		pos = next
	}
	return t.end, false
}

// line returns the line at pos (with its line end) and where the next starts.
func (t *treeReader) line(pos int) ([]byte, int) {
	i := bytes.IndexByte(t.raw[pos:t.end], '\n')
	if i < 0 {
		return t.raw[pos:t.end], t.end
	}
	return t.raw[pos : pos+i+1], pos + i + 1
}

func (t *treeReader) isDelimiter(line []byte) bool {
	if len(line) < 3 || line[0] != '-' || line[1] != '-' {
		return false
	}
	level, _, _ := matchDelimiter(bytes.TrimRight(line, "\r\n \t"), t.stack)
	return level >= 0
}

// nextDelimiter finds the next delimiter line of an open multipart from pos,
// counting it against Limits.MaxParts.
func (t *treeReader) nextDelimiter(pos int) delimiter {
	for pos < t.end {
		start := pos
		if t.raw[pos] != '-' {
			// Only a line that starts with "--" can be a delimiter.
			i := bytes.IndexByte(t.raw[pos:t.end], '\n')
			if i < 0 {
				break
			}
			pos += i + 1
			continue
		}
		var line []byte
		line, pos = t.line(pos)
		line = bytes.TrimRight(line, "\r\n \t")
		if len(line) < 3 || line[1] != '-' {
			continue
		}
		level, closing, exact := matchDelimiter(line, t.stack)
		if level < 0 {
			continue
		}
		t.delimiters++
		if t.delimiters > t.maxParts {
			t.dl.add(DefectLimit, "", "more than %d MIME boundary delimiters; message cut at byte %d", t.maxParts, start)
			t.dl.add(DefectTruncated, "", "content after byte %d not read", start)
			t.end = start
			break
		}
		if !exact {
			t.extended++
			if t.extendedLine == nil {
				t.extendedLine = line
			}
		}
		return delimiter{start: start, next: pos, level: level, closing: closing}
	}
	return delimiter{start: t.end, next: t.end, level: -1}
}

// decode sets a leaf's content: its body with the transfer encoding undone.
func (t *treeReader) decode(p *mimePart, body []byte) {
	switch p.cte {
	case "base64":
		var bad int
		var first byte
		p.content, bad, first = decodeBase64(body)
		if bad > 0 {
			t.dl.add(DefectBadBase64, p.id, "%d bytes outside the base64 alphabet (first %q) skipped", bad, first)
		}
	case "quoted-printable":
		p.content = decodeQuotedPrintable(body)
	case "", "7bit", "8bit", "binary":
		p.content = body
	default:
		p.content = body
		if !isUUEncoding(p.cte) { // decoded later, by leaf
			t.dl.add(DefectBadTransferEncoding, p.id, "unrecognized Content-Transfer-Encoding %q; content kept as written", truncateUTF8(fix8bit(p.cte), 60))
		}
	}
}

// base64Values maps a byte to its base64 value; -1 marks bytes outside the
// alphabet, -2 white space, -3 the '=' padding.
var base64Values = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		v[c] = int8(i)
	}
	for _, c := range " \t\r\n" {
		v[c] = -2
	}
	v['='] = -3
	return v
}()

// decodeBase64 decodes base64 content tolerantly, as mail clients do: white
// space is skipped, bytes outside the alphabet are skipped and counted, and
// an incomplete group gives the bytes it holds, at the end or where '='
// padding closes it (so separately encoded pieces written one after the
// other decode as each was meant). Nothing decodable is lost to one bad
// byte.
func decodeBase64(b []byte) (out []byte, bad int, first byte) {
	out = make([]byte, 0, len(b)*3/4+2)
	var acc uint32
	n := 0
	for _, c := range b {
		v := base64Values[c]
		switch {
		case v >= 0:
			acc = acc<<6 | uint32(v)
			n++
			if n == 4 {
				out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
				acc, n = 0, 0
			}
		case v == -3:
			out = appendPartialGroup(out, acc, n)
			acc, n = 0, 0
		case v == -1:
			if bad == 0 {
				first = c
			}
			bad++
		}
	}
	return appendPartialGroup(out, acc, n), bad, first
}

// appendPartialGroup appends the bytes held by an incomplete group of n
// base64 characters (none for 0 or 1).
func appendPartialGroup(out []byte, acc uint32, n int) []byte {
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}

// decodeQuotedPrintable decodes quoted-printable content tolerantly, as Go's
// mime/quotedprintable with enmime's clean-up did: "=XX" (either case) is a
// byte, "=" at the end of a line joins it to the next, any other "=" is
// itself, white space at the end of a line is transport padding and goes,
// and line ends are kept as written (CRLF or LF).
func decodeQuotedPrintable(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		var line []byte
		hasLF := false
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b, hasLF = b[:i+1], b[i+1:], true
		} else {
			line, b = b, nil
		}
		body := bytes.TrimRight(line, " \t\r\n")
		soft := false
		if k := len(body); k > 0 && body[k-1] == '=' {
			// A soft line break: "=" right before the line end.
			if rest := line[k:]; bytes.HasPrefix(rest, []byte("\n")) || bytes.HasPrefix(rest, []byte("\r\n")) {
				soft = true
				body = body[:k-1]
			}
		}
		for i := 0; i < len(body); i++ {
			c := body[i]
			if c == '=' && i+2 < len(body) && isHex(body[i+1]) && isHex(body[i+2]) {
				out = append(out, unhex(body[i+1])<<4|unhex(body[i+2]))
				i += 2
				continue
			}
			out = append(out, c)
		}
		if !soft && hasLF {
			if bytes.HasSuffix(line, []byte("\r\n")) {
				out = append(out, '\r', '\n')
			} else {
				out = append(out, '\n')
			}
		}
	}
	return out
}

// matchDelimiter finds the open multipart a "--" line delimits. A line that
// is exactly a delimiter ("--b" or "--b--", then white space) of some open
// boundary belongs to the innermost such; otherwise, as RFC 2046 section
// 5.1.1 tells implementors ("it is sufficient that the boundary appear in its
// entirety following the CRLF"), a line that starts with "--b" belongs to the
// innermost such boundary, and closes it when "--" follows. Exact matches
// come first so that an inner boundary that is a prefix of an outer one (or
// the reverse) does not capture the other's delimiters. level is -1 when the
// line is no delimiter.
func matchDelimiter(line []byte, stack []string) (level int, closing, exact bool) {
	for i := len(stack) - 1; i >= 0; i-- {
		bd := stack[i]
		if len(line) >= 2+len(bd) && string(line[2:2+len(bd)]) == bd {
			rest := line[2+len(bd):]
			if len(rest) == 0 || (len(rest) == 2 && rest[0] == '-' && rest[1] == '-') {
				return i, len(rest) == 2, true
			}
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		bd := stack[i]
		if len(line) >= 2+len(bd) && string(line[2:2+len(bd)]) == bd {
			rest := line[2+len(bd):]
			return i, len(rest) >= 2 && rest[0] == '-' && rest[1] == '-', false
		}
	}
	return -1, false, false
}

// conflicting reports whether boundary b of a nested multipart repeats or
// extends one of the enclosing boundaries, so that some of its delimiter
// lines would also delimit the enclosing part (a construction that readers
// resolve differently); it returns that enclosing boundary.
func conflicting(b string, stack []string) (string, bool) {
	for _, o := range stack {
		if strings.HasPrefix(b+"--", o+"--") ||
			(len(b) > len(o) && strings.HasPrefix(b, o) && (b[len(o)] == ' ' || b[len(o)] == '\t')) {
			return o, true
		}
	}
	return "", false
}

// parseMediaType is enmime's tolerant media-type parser, plus one repair it
// lacks: parameters without the ';' ("multipart/mixed boundary=x"), as
// mail-parser accepts. Repaired values are appended to repaired.
func parseMediaType(ctype string, repaired *[]string) (string, map[string]string, []string, error) {
	mt, params, invalid, err := mediatype.Parse(ctype)
	if err != nil || len(params) > 0 || strings.IndexByte(ctype, ';') >= 0 {
		return mt, params, invalid, err
	}
	t := strings.TrimSpace(ctype)
	i := strings.IndexAny(t, " \t\r\n")
	if i < 0 || !strings.Contains(t[:i], "/") || strings.Contains(t[:i], "=") || !strings.Contains(t[i:], "=") {
		return mt, params, invalid, err
	}
	fixed := t[:i] + ";" + t[i:]
	mt2, p2, inv2, err2 := mediatype.Parse(fixed)
	if err2 != nil || len(p2) == 0 {
		return mt, params, invalid, err
	}
	*repaired = append(*repaired, ctype)
	return mt2, p2, inv2, nil
}

// withoutFields reports whether a part's header block holds text but no
// header field ("name:" at the start of a line) at all.
func withoutFields(block []byte) bool {
	if len(bytes.TrimSpace(block)) == 0 {
		return false
	}
	for len(block) > 0 {
		var line []byte
		line, block, _ = bytes.Cut(block, []byte("\n"))
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		if name, _, ok := bytes.Cut(line, []byte(":")); ok && validFieldName(bytes.TrimRight(name, " \t")) {
			return false
		}
	}
	return true
}
