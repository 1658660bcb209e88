package message

import (
	"bytes"
	"strconv"
	"strings"
)

// guardStructure scans the multipart structure before enmime reads it and
// cuts the input where it would exceed Limits.MaxDepth nested multiparts or
// Limits.MaxParts boundary delimiters. enmime's parser takes time
// exponential in the depth of multiparts whose closing boundary is missing
// (18 levels take a second, 25 take minutes) and holds buffers per level, so
// the depth must be bounded before it starts, not after.
//
// The scan is a light version of MIME's own: a stack of open boundaries;
// a delimiter line of a boundary on the stack ends the parts nested below
// it; the header block after a delimiter may open a new multipart. Content
// of message/rfc822 parts is not entered (enmime treats it as a leaf).
//
// The scan also decides which boundary each delimiter line belongs to, and
// rewrites the input where enmime would decide otherwise (see
// matchDelimiter), so that the tree enmime builds is the one scanned here.
func guardStructure(raw []byte, hb headerBlock, lim Limits, dl *defectList) []byte {
	sc := scanStructure(raw, hb, lim, dl)
	out := sc.out
	if len(sc.edits) > 0 {
		out = applyEdits(out, sc.edits)
	}
	if len(sc.open) == 0 {
		return out
	}
	// Close what is left open, innermost first: enmime then reads in linear
	// time what it would otherwise read in exponential time.
	fixed := out
	if len(sc.edits) == 0 {
		fixed = make([]byte, len(out), len(out)+len(sc.open)*80+2)
		copy(fixed, out)
	}
	if len(fixed) > 0 && fixed[len(fixed)-1] != '\n' {
		fixed = append(fixed, '\r', '\n')
	}
	for i := len(sc.open) - 1; i >= 0; i-- {
		dl.add(DefectBoundaryNotClosed, "", "boundary %q is never closed", truncateUTF8(fix8bit(sc.open[i].orig), 80))
		fixed = append(fixed, "--"+sc.open[i].eff+"--\r\n"...)
	}
	return fixed
}

// openBoundary is a multipart whose closing delimiter has not been seen:
// orig is its boundary as written, eff the one enmime is given (orig unless
// renamed).
type openBoundary struct{ orig, eff string }

// edit replaces raw[start:end] with repl.
type edit struct {
	start, end int
	repl       string
}

func applyEdits(raw []byte, edits []edit) []byte {
	n := len(raw)
	for _, e := range edits {
		n += len(e.repl) - (e.end - e.start)
	}
	out := make([]byte, 0, n+160)
	prev := 0
	for _, e := range edits {
		out = append(out, raw[prev:e.start]...)
		out = append(out, e.repl...)
		prev = e.end
	}
	return append(out, raw[prev:]...)
}

// structureScan is the result of scanStructure.
type structureScan struct {
	out   []byte         // the input, cut when a limit is hit
	open  []openBoundary // boundaries still open at its end, outermost first
	edits []edit         // rewrites that make enmime read the scanned structure
}

// scanStructure walks the boundaries and returns the input, cut when a limit
// is hit, the boundaries still open at its end and the rewrites to apply.
func scanStructure(raw []byte, hb headerBlock, lim Limits, dl *defectList) structureScan {
	sc := structureScan{out: raw}
	top := hb.get("Content-Type")
	b := boundaryOf(top)
	if b == "" || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(top)), "multipart/") {
		return sc
	}
	stack := []openBoundary{{orig: b, eff: b}}
	delimiters, extended := 0, 0
	var extendedLine []byte
	pos := min(hb.bodyOffset, len(raw))
	defer func() {
		if extended > 0 {
			dl.add(DefectMalformedPart, "", "%d boundary delimiter lines have text after the boundary (first %q); read as delimiters, as RFC 2046 says",
				extended, truncateUTF8(fix8bit(string(extendedLine)), 100))
		}
	}()
	for pos < len(raw) {
		lineStart := pos
		end := bytes.IndexByte(raw[pos:], '\n')
		next := len(raw)
		if end >= 0 {
			next = pos + end + 1
		}
		line := bytes.TrimRight(raw[pos:next], "\r\n \t")
		pos = next
		if len(line) < 3 || line[0] != '-' || line[1] != '-' {
			continue
		}
		level, closing, exact := matchDelimiter(line, stack)
		if level < 0 {
			continue
		}
		delimiters++
		if delimiters > lim.MaxParts {
			dl.add(DefectLimit, "", "more than %d MIME boundary delimiters; message cut at byte %d", lim.MaxParts, lineStart)
			dl.add(DefectTruncated, "", "content after byte %d not read", lineStart)
			sc.out, sc.open = raw[:lineStart], stack
			return sc
		}
		ob := stack[level]
		if !exact {
			extended++
			if extendedLine == nil {
				extendedLine = line
			}
		}
		// enmime's boundary readers, outermost first, take "--b" followed by
		// white space, or "--b--" followed by anything. A delimiter line they
		// would not take is rewritten to the bare delimiter, and so is every
		// delimiter line of a renamed boundary, with the new name.
		rest := line[2+len(ob.orig):]
		if ob.eff != ob.orig || (!closing && len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t') {
			repl := "--" + ob.eff
			if closing {
				repl += "--"
			}
			sc.edits = append(sc.edits, edit{start: lineStart, end: lineStart + len(line), repl: repl})
		}
		stack = stack[:level+1]
		if closing {
			stack = stack[:level]
			if len(stack) == 0 {
				return sc
			}
			continue
		}
		// Read the part's header block for a nested multipart.
		ph := partContentType(raw, pos)
		if nb := boundaryOf(ph.ct); nb != "" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(ph.ct)), "multipart/") {
			if len(stack) >= lim.MaxDepth {
				dl.add(DefectLimit, "", "multipart nesting deeper than %d; message cut at byte %d", lim.MaxDepth, lineStart)
				dl.add(DefectTruncated, "", "content after byte %d not read", lineStart)
				if n := len(sc.edits); n > 0 && sc.edits[n-1].start >= lineStart {
					sc.edits = sc.edits[:n-1] // the rewrite of the line cut off
				}
				sc.out, sc.open = raw[:lineStart], stack
				return sc
			}
			nob := openBoundary{orig: nb, eff: nb}
			if o, ok := conflicting(nb, stack); ok {
				if e, r, ok := renameBoundary(raw, ph, nb, stack, len(sc.edits)); ok {
					nob.eff = r
					sc.edits = append(sc.edits, e)
					how := "starts with"
					if nb == o {
						how = "repeats"
					}
					dl.add(DefectMalformedPart, "", "boundary %q of a nested multipart %s the enclosing boundary %q; its delimiter lines are read as its own",
						truncateUTF8(fix8bit(nb), 80), how, truncateUTF8(fix8bit(o), 80))
				}
			}
			stack = append(stack, nob)
		}
		pos = ph.after
	}
	sc.open = stack
	return sc
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
func matchDelimiter(line []byte, stack []openBoundary) (level int, closing, exact bool) {
	for i := len(stack) - 1; i >= 0; i-- {
		bd := stack[i].orig
		if len(line) >= 2+len(bd) && string(line[2:2+len(bd)]) == bd {
			rest := line[2+len(bd):]
			if len(rest) == 0 || (len(rest) == 2 && rest[0] == '-' && rest[1] == '-') {
				return i, len(rest) == 2, true
			}
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		bd := stack[i].orig
		if len(line) >= 2+len(bd) && string(line[2:2+len(bd)]) == bd {
			rest := line[2+len(bd):]
			return i, len(rest) >= 2 && rest[0] == '-' && rest[1] == '-', false
		}
	}
	return -1, false, false
}

// conflicting reports whether enmime, which gives every line to the
// outermost boundary reader that accepts it, would take a delimiter line of
// boundary b for one of an enclosing boundary on the stack; it returns that
// enclosing boundary.
func conflicting(b string, stack []openBoundary) (string, bool) {
	for _, o := range stack {
		if strings.HasPrefix(b+"--", o.eff+"--") ||
			(len(b) > len(o.eff) && strings.HasPrefix(b, o.eff) && (b[len(o.eff)] == ' ' || b[len(o.eff)] == '\t')) {
			return o.orig, true
		}
	}
	return "", false
}

// renameBoundary rewrites the boundary parameter nb of a nested multipart's
// Content-Type to a fresh value that appears nowhere in the input and does
// not conflict with the enclosing boundaries. It gives up (ok false) when
// the value is not written literally (RFC 2231 encoded, folded).
func renameBoundary(raw []byte, ph partHeader, nb string, stack []openBoundary, n int) (edit, string, bool) {
	field := raw[ph.ctStart:ph.ctEnd]
	lower := bytes.ToLower(field)
	for from := 0; ; {
		i := bytes.Index(lower[from:], []byte("boundary"))
		if i < 0 {
			return edit{}, "", false
		}
		j := from + i + len("boundary")
		from = j
		for j < len(field) && (field[j] == ' ' || field[j] == '\t') {
			j++
		}
		if j >= len(field) || field[j] != '=' {
			continue
		}
		j++
		for j < len(field) && (field[j] == ' ' || field[j] == '\t') {
			j++
		}
		if j < len(field) && field[j] == '"' {
			j++
		}
		if !bytes.HasPrefix(field[j:], []byte(nb)) {
			continue
		}
		for k := 0; k < 100; k++ {
			r := "qtriage_" + strconv.Itoa(ph.ctStart) + "_" + strconv.Itoa(n+k) // a token: valid quoted or not
			if _, bad := conflicting(r, stack); bad || bytes.Contains(raw, []byte(r)) {
				continue
			}
			// The rewritten field must give the new boundary (the match may
			// have been inside another parameter's value).
			ct := string(field[:j]) + r + string(field[j+len(nb):])
			if _, v, ok := strings.Cut(ct, ":"); ok && boundaryOf(unfold(v)) == r {
				return edit{start: ph.ctStart + j, end: ph.ctStart + j + len(nb), repl: r}, r, true
			}
			break
		}
	}
}

// partHeader is what scanStructure needs of a part's header block.
type partHeader struct {
	ct             string // Content-Type value, unfolded
	ctStart, ctEnd int    // the Content-Type field's bytes, name to line end
	after          int    // offset after the block
}

// partContentType reads the header block starting at pos and returns its
// first Content-Type value (unfolded), where that field is, and the offset
// after the block. Like enmime, it gives no Content-Type for a block whose
// first field is not a "name: value" line: enmime skips such a part.
func partContentType(raw []byte, pos int) partHeader {
	var ph partHeader
	var ct strings.Builder
	inCT, first, unreadable := false, true, false
	for n := 0; pos < len(raw) && n < 200; n++ {
		lineStart := pos
		end := bytes.IndexByte(raw[pos:], '\n')
		next := len(raw)
		if end >= 0 {
			next = pos + end + 1
		}
		line := bytes.TrimRight(raw[pos:next], "\r\n")
		pos = next
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
		if first {
			colon := bytes.IndexByte(line, ':')
			if colon == 0 || (colon > 0 && !enmimeFieldName(line[:colon])) {
				continue // enmime drops the line
			}
			first = false
			unreadable = colon < 0 || line[0] == ' ' || line[0] == '\t'
		}
		if line[0] == ' ' || line[0] == '\t' {
			if inCT {
				ct.WriteByte(' ')
				ct.Write(bytes.TrimSpace(line))
				ph.ctEnd = lineStart + len(line)
			}
			continue
		}
		inCT = false
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(strings.TrimSpace(string(k)), "content-type") && ct.Len() == 0 {
			inCT = true
			ct.Write(bytes.TrimSpace(v))
			ph.ctStart, ph.ctEnd = lineStart, lineStart+len(line)
		}
	}
	ph.ct, ph.after = ct.String(), pos
	if unreadable {
		ph.ct = ""
	}
	return ph
}

// enmimeFieldName reports whether enmime keeps a header line with this name
// (the bytes before the colon).
func enmimeFieldName(name []byte) bool {
	for _, c := range name {
		if c != ' ' && (c < 33 || c > 126) {
			return false
		}
	}
	return true
}

// boundaryOf returns the boundary parameter of a Content-Type value, or "".
func boundaryOf(ct string) string {
	if ct == "" || !strings.Contains(strings.ToLower(ct), "boundary") {
		return ""
	}
	var repaired []string
	_, params, _, err := parseMediaType(ct, &repaired)
	if err != nil {
		return ""
	}
	return params["boundary"]
}
