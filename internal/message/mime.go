package message

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// mimeResult is what readMIME hands to the later stages.
type mimeResult struct {
	parts       []Part
	text, html  string
	textPart    string
	htmlPart    string
	attachments []attachmentInput
	// amp are AMP for Email alternatives (text/x-amp-html): a third body
	// that some webmail renders instead of the HTML one. Their links are
	// read; they are neither the visible body (Outlook shows the HTML) nor
	// attached files.
	amp []attachmentInput
}

// attachmentInput is a non-body leaf part with its decoded content.
type attachmentInput struct {
	part    Part
	content []byte
	order   int
}

// readMIME reads the MIME tree and walks it.
func (p *parser) readMIME(raw []byte, hb headerBlock, depth int, dl *defectList) mimeResult {
	var res mimeResult
	lim := p.lim
	lim.MaxDepth = max(1, p.lim.MaxDepth-depth)
	root := readTree(raw, hb, lim, dl)
	w := walker{p: p, dl: dl, res: &res, msgDepth: depth, leaves: map[*mimePart]leafRef{}, types: map[*mimePart]string{}}
	w.walk(root, "", "", 0)
	w.assemble(root)
	if strings.HasPrefix(w.types[root], "multipart/") && root.firstChild == nil {
		// No boundary line was found: keep the body readable rather than lose it.
		dl.add(DefectMissingBoundary, "0", "multipart without any part; body read as plain text")
		body := raw[min(hb.bodyOffset, len(raw)):]
		res.text = strings.ReplaceAll(fix8bit(string(body)), "\r\n", "\n")
		res.textPart = "0"
	}
	return res
}

// walker flattens the MIME tree into Parts and picks bodies and attachments.
type walker struct {
	p        *parser
	dl       *defectList
	res      *mimeResult
	msgDepth int
	stopped  bool
	// leaves maps each modelled leaf to its index in res.parts and its content.
	leaves map[*mimePart]leafRef
	// types holds the effective content type of every modelled part.
	types map[*mimePart]string
}

type leafRef struct {
	idx     int
	content []byte
}

func (w *walker) walk(ep *mimePart, parent, parentType string, depth int) {
	for ; ep != nil && !w.stopped; ep = ep.nextSibling {
		w.visit(ep, parent, parentType, depth)
	}
}

func (w *walker) visit(ep *mimePart, parent, parentType string, depth int) {
	if w.msgDepth+depth > w.p.lim.MaxDepth {
		w.dl.add(DefectLimit, ep.id, "nesting deeper than %d; part and its children skipped", w.p.lim.MaxDepth)
		return
	}
	w.p.parts++
	if w.p.parts > w.p.lim.MaxParts {
		if !w.p.partsReported {
			w.p.partsReported = true
			w.dl.add(DefectLimit, ep.id, "more than %d MIME parts; the rest are skipped", w.p.lim.MaxParts)
		}
		w.stopped = true
		return
	}
	id := ep.id
	ct := ep.contentType
	if ct == "" {
		// RFC 2046: text/plain by default, message/rfc822 inside multipart/digest.
		ct = "text/plain"
		if parentType == "multipart/digest" {
			ct = "message/rfc822"
		}
	}
	w.types[ep] = ct
	part := Part{
		ID:               id,
		Parent:           parent,
		Depth:            depth,
		ContentType:      ct,
		Disposition:      ep.disposition,
		Filename:         fix8bit(strings.TrimSpace(ep.filename)),
		Charset:          toValidUTF8(strings.ToLower(strings.TrimSpace(ep.charset))),
		TransferEncoding: toValidUTF8(ep.cte),
		ContentID:        toValidUTF8(ep.contentID),
	}
	if len(ep.params) > 0 {
		part.Params = make(map[string]string, len(ep.params))
		for k, v := range ep.params {
			part.Params[toValidUTF8(k)] = toValidUTF8(v)
		}
	}
	declared := ""
	if strings.HasPrefix(ct, "text/") {
		declared = ep.charset
	}
	for _, h := range [...]string{"Content-Type", "Content-Transfer-Encoding", "Content-Disposition"} {
		if n := ep.header.count(h); n > 1 {
			w.dl.add(DefectDuplicateSingleton, id, "%s appears %d times; the first is used", h, n)
		}
	}
	if strings.Contains(part.Filename, "=?") {
		part.Filename, _ = decodeWords(part.Filename)
	}
	if name := extendedFilename(ep.header); name != "" {
		part.Filename = name
	} else if strings.ContainsRune(part.Filename, utf8.RuneError) {
		part.Filename = eightBitFilename(ep.header, part.Filename)
	}
	isMultipart := strings.HasPrefix(ct, "multipart/")
	if isMultipart && ep.boundary == "" {
		w.dl.add(DefectMissingBoundary, id, "%s without a boundary parameter", ct)
	}
	if len(bytes.TrimSpace(ep.epilogue)) > 0 {
		w.dl.add(DefectTextAfterBoundary, id, "%d bytes after the closing boundary", len(ep.epilogue))
	}
	idx := len(w.res.parts)
	w.res.parts = append(w.res.parts, part)
	if ep.firstChild != nil {
		w.walk(ep.firstChild, id, ct, depth+1)
		return
	}
	if isMultipart {
		return
	}
	w.leaf(ep, idx, depth, declared)
}

// leaf hashes and sniffs a leaf part and parses an attached message.
func (w *walker) leaf(ep *mimePart, idx, depth int, declared string) {
	part := &w.res.parts[idx]
	content := ep.content
	switch {
	case isUUEncoding(part.TransferEncoding):
		// Not a MIME encoding, but mail clients decode it.
		if dec, name, ok := uudecode(content); ok {
			content = dec
			if part.Filename == "" {
				part.Filename = toValidUTF8(name)
			}
		} else {
			w.dl.add(DefectBadTransferEncoding, part.ID, "%s content without a \"begin\" line; kept as written", part.TransferEncoding)
		}
	default:
		if declared != "" {
			var known bool
			content, known = decodeDeclared(declared, content)
			if !known {
				w.dl.add(DefectBadCharset, part.ID, "unknown charset %q; read as UTF-8, else Windows-1252", truncateUTF8(toValidUTF8(declared), 60))
			}
		} else if strings.HasPrefix(part.ContentType, "text/") && !utf8.Valid(content) {
			if cs := detectCharset(content, part.ContentType == "text/html"); cs != "" {
				if dec, known := decodeDeclared(cs, content); known {
					content, part.Charset = dec, cs
				}
			}
		}
	}
	part.Size = len(content)
	if int64(len(content))+w.p.decoded > w.p.lim.MaxDecodedBytes {
		if !w.p.decodedReported {
			w.p.decodedReported = true
			w.dl.add(DefectLimit, part.ID, "decoded content beyond %d bytes is not analysed", w.p.lim.MaxDecodedBytes)
		}
		return
	}
	w.p.decoded += int64(len(content))
	if len(content) > 0 {
		m5 := md5.Sum(content)
		s1 := sha1.Sum(content)
		s256 := sha256.Sum256(content)
		part.MD5 = hex.EncodeToString(m5[:])
		part.SHA1 = hex.EncodeToString(s1[:])
		part.SHA256 = hex.EncodeToString(s256[:])
		part.Sniffed = baseType(mimetype.Detect(content).String())
	}
	if ct := part.ContentType; (ct == "message/rfc822" || ct == "message/global") && len(content) > 0 {
		if w.msgDepth+depth+1 > w.p.lim.MaxDepth {
			w.dl.add(DefectLimit, part.ID, "attached message nested deeper than %d not parsed", w.p.lim.MaxDepth)
		} else {
			part.Message = w.p.parseMessage(content, w.msgDepth+depth+1)
		}
	}
	w.leaves[ep] = leafRef{idx: idx, content: content}
}

// extendedFilename returns the RFC 2231 file name of a part, which RFC 2231
// and RFC 6266 (section 4.3) prefer to the plain parameter when both are
// given: Content-Disposition's filename*, else Content-Type's name* unless
// Content-Disposition has a plain filename. The media-type parser takes the
// plain parameter first and keeps extended values only in UTF-8 or
// US-ASCII (Go's rule), so a Windows-1251 or ISO-8859-1 name would be lost.
// It returns "" when there is none.
func extendedFilename(h headerBlock) string {
	cd := h.rawValue("Content-Disposition")
	if name := rfc2231Filename(cd, "filename"); name != "" {
		return name
	}
	ct := h.rawValue("Content-Type")
	if !strings.Contains(ct, "*") {
		return ""
	}
	if strings.Contains(strings.ToLower(cd), "filename") {
		if _, params, _, err := mediatype.Parse(cd); err == nil && params["filename"] != "" {
			return ""
		}
	}
	return rfc2231Filename(ct, "name")
}

// eightBitFilename reads again a file name written in raw 8-bit bytes that
// are not UTF-8, which the media-type parser turns into U+FFFD, as Windows-1252: the rule
// for undeclared 8-bit header text (see fix8bit). It returns name unchanged
// when the header holds no such bytes.
func eightBitFilename(h headerBlock, name string) string {
	for _, f := range [...]struct{ header, param string }{{"Content-Disposition", "filename"}, {"Content-Type", "name"}} {
		v := h.rawValue(f.header)
		if utf8.ValidString(v) {
			if strings.Contains(strings.ToLower(v), f.param) {
				return name // the name came from this valid field
			}
			continue
		}
		if _, params, _, err := mediatype.Parse(fix8bit(v)); err == nil && params[f.param] != "" {
			// mediatype writes values with non-ASCII letters as RFC 2047 words.
			d, _ := decodeWords(params[f.param])
			return strings.TrimSpace(d)
		}
	}
	return name
}

// rfc2231Filename reads an RFC 2231 parameter (key*=charset'lang'%XX..., and
// continuations key*0*=, key*1*=...) from a raw header value; quoted values,
// which Go's parser rejects, are accepted. It returns "" when there is none.
func rfc2231Filename(h, key string) string {
	if h == "" || !strings.Contains(h, "*") {
		return ""
	}
	params := map[string]string{}
	for _, seg := range splitOutside(h, ';') {
		k, v, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	key = strings.ToLower(key)
	var enc strings.Builder
	extended := false
	if v, ok := params[key+"*"]; ok {
		enc.WriteString(v)
		extended = true
	} else {
		for n := 0; n < 100; n++ {
			num := strconv.Itoa(n)
			if v, ok := params[key+"*"+num+"*"]; ok {
				enc.WriteString(v)
				extended = true
			} else if v, ok := params[key+"*"+num]; ok {
				enc.WriteString(url.PathEscape(v))
			} else {
				break
			}
		}
	}
	if !extended {
		return ""
	}
	v := enc.String()
	charset := "utf-8"
	if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
		charset, v = parts[0], parts[2]
	}
	raw, err := url.PathUnescape(v)
	if err != nil {
		raw = v
	}
	return strings.TrimSpace(decodeCharset(charset, []byte(raw)))
}

// isInlineMediaType is RFC 8621's test for media shown inline.
func isInlineMediaType(ct string) bool {
	return strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "audio/") || strings.HasPrefix(ct, "video/")
}

// bodyLists are the outputs of the RFC 8621 body-structure algorithm.
type bodyLists struct {
	text, html  []*mimePart
	noText      bool // textBody is "null" in the RFC's terms
	noHTML      bool
	attachments []*mimePart
	amp         []*mimePart // text/x-amp-html alternatives
}

// structure picks the text body, HTML body and attachments as RFC 8621
// section 4.1.4 (JMAP's parseStructure) does, which is what stalwart's
// mail-parser and most modern clients follow.
func (w *walker) structure(children *mimePart, multipartType string, inAlternative bool, bl *bodyLists) {
	textLen, htmlLen := len(bl.text), len(bl.html)
	if bl.noText {
		textLen = -1
	}
	if bl.noHTML {
		htmlLen = -1
	}
	i := 0
	for ep := children; ep != nil; ep, i = ep.nextSibling, i+1 {
		ct, ok := w.types[ep]
		if !ok {
			continue // skipped by a limit
		}
		if strings.HasPrefix(ct, "multipart/") {
			sub := strings.TrimPrefix(ct, "multipart/")
			w.structure(ep.firstChild, sub, inAlternative || sub == "alternative", bl)
			continue
		}
		if _, ok := w.leaves[ep]; !ok {
			continue
		}
		if ct == "text/x-amp-html" && multipartType == "alternative" && !strings.EqualFold(ep.disposition, "attachment") && strings.TrimSpace(ep.filename) == "" {
			// An AMP body; a named part stays an attachment to be looked into.
			bl.amp = append(bl.amp, ep)
			continue
		}
		named := strings.TrimSpace(ep.filename) != ""
		isInline := !strings.EqualFold(ep.disposition, "attachment") &&
			(ct == "text/plain" || ct == "text/html" || isInlineMediaType(ct)) &&
			(i == 0 || (multipartType != "related" && (isInlineMediaType(ct) || !named)))
		if !isInline {
			bl.attachments = append(bl.attachments, ep)
			continue
		}
		if multipartType == "alternative" {
			switch ct {
			case "text/plain":
				bl.text = append(bl.text, ep)
			case "text/html":
				bl.html = append(bl.html, ep)
			default:
				bl.attachments = append(bl.attachments, ep)
			}
			continue
		} else if inAlternative {
			if ct == "text/plain" {
				bl.noHTML = true
			}
			if ct == "text/html" {
				bl.noText = true
			}
		}
		if !bl.noText {
			bl.text = append(bl.text, ep)
		}
		if !bl.noHTML {
			bl.html = append(bl.html, ep)
		}
		if (bl.noText || bl.noHTML) && isInlineMediaType(ct) {
			bl.attachments = append(bl.attachments, ep)
		}
	}
	if multipartType == "alternative" && !bl.noText && !bl.noHTML {
		if textLen == len(bl.text) && htmlLen != len(bl.html) {
			bl.text = append(bl.text, bl.html[max(htmlLen, 0):]...)
		}
		if htmlLen == len(bl.html) && textLen != len(bl.text) {
			bl.html = append(bl.html, bl.text[max(textLen, 0):]...)
		}
	}
}

// assemble runs the body-structure algorithm from the root and fills text,
// HTML and attachments. The text body keeps only text/plain parts and the
// HTML body only text/html parts; inline images in the bodies become
// attachments too, so that they are looked into.
func (w *walker) assemble(root *mimePart) {
	bl := &bodyLists{}
	if ct := w.types[root]; strings.HasPrefix(ct, "multipart/") {
		sub := strings.TrimPrefix(ct, "multipart/")
		w.structure(root.firstChild, sub, sub == "alternative", bl)
	} else {
		w.structure(root, "", false, bl)
	}
	seen := map[*mimePart]bool{}
	for _, ep := range bl.text {
		if w.types[ep] == "text/plain" {
			w.appendBody(ep, false)
		} else if isInlineMediaType(w.types[ep]) && !seen[ep] {
			seen[ep] = true
			w.addAttachment(ep)
		}
	}
	for _, ep := range bl.html {
		if w.types[ep] == "text/html" {
			w.appendBody(ep, true)
		} else if isInlineMediaType(w.types[ep]) && !seen[ep] {
			seen[ep] = true
			w.addAttachment(ep)
		}
	}
	for _, ep := range bl.attachments {
		if !seen[ep] {
			seen[ep] = true
			w.addAttachment(ep)
		}
	}
	for _, ep := range bl.amp {
		ref := w.leaves[ep]
		w.res.amp = append(w.res.amp, attachmentInput{part: w.res.parts[ref.idx], content: ref.content, order: ref.idx})
	}
	// Keep the attachments in MIME order.
	slices.SortStableFunc(w.res.attachments, func(a, b attachmentInput) int { return a.order - b.order })
}

func (w *walker) appendBody(ep *mimePart, html bool) {
	ref := w.leaves[ep]
	text := decodeBody(ref.content)
	id := w.res.parts[ref.idx].ID
	if html {
		if w.res.htmlPart == "" {
			w.res.htmlPart = id
		} else {
			w.res.html += "\n"
		}
		w.res.html += text
		return
	}
	if w.res.textPart == "" {
		w.res.textPart = id
	} else {
		w.res.text += "\n"
	}
	w.res.text += text
}

// decodeBody turns a body part's decoded bytes into text: UTF-8 (its
// declared charset was converted already), else read as Windows-1252, with
// LF line ends.
func decodeBody(content []byte) string {
	text := string(content)
	if !utf8.Valid(content) {
		text = decodeCharset("windows-1252", content)
	}
	return strings.ReplaceAll(text, "\r\n", "\n")
}

func (w *walker) addAttachment(ep *mimePart) {
	ref := w.leaves[ep]
	w.res.attachments = append(w.res.attachments, attachmentInput{part: w.res.parts[ref.idx], content: ref.content, order: ref.idx})
}

// isUUEncoding reports whether a Content-Transfer-Encoding names uuencode,
// which is no MIME encoding but which mail clients decode.
func isUUEncoding(cte string) bool {
	switch cte {
	case "x-uuencode", "uuencode", "x-uue", "uue":
		return true
	}
	return false
}

// uudecode decodes the first uuencoded file in b: a "begin MODE NAME" line,
// lines whose first character gives their length, and a line of length 0
// or "end". It is tolerant as clients are: a line shorter than it says is
// read as far as it goes, and a missing "end" ends the file at the end of b.
// ok is false when there is no "begin" line.
func uudecode(b []byte) (out []byte, name string, ok bool) {
	rest := b
	for len(rest) > 0 {
		line, next := cutLine(rest)
		rest = next
		if !bytes.HasPrefix(line, []byte("begin ")) {
			continue
		}
		if f := strings.Fields(string(line)); len(f) >= 3 {
			name = strings.Join(f[2:], " ")
		}
		ok = true
		break
	}
	if !ok {
		return nil, "", false
	}
	out = make([]byte, 0, len(rest)*3/4)
	for len(rest) > 0 {
		line, next := cutLine(rest)
		rest = next
		if len(line) == 0 {
			continue
		}
		if bytes.Equal(line, []byte("end")) {
			break
		}
		n := int(line[0]-' ') & 63
		if n == 0 {
			break
		}
		var group [4]byte
		for i := 1; i < len(line) && n > 0; i += 4 {
			for k := range group {
				group[k] = 0
				if i+k < len(line) {
					group[k] = (line[i+k] - ' ') & 63
				}
			}
			triple := [3]byte{group[0]<<2 | group[1]>>4, group[1]<<4 | group[2]>>2, group[2]<<6 | group[3]}
			out = append(out, triple[:min(n, 3)]...)
			n -= 3
		}
	}
	return out, name, true
}

// cutLine returns the first line of b without its line end, and the rest.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.TrimRight(b, "\r"), nil
	}
	return bytes.TrimRight(b[:i], "\r"), b[i+1:]
}
