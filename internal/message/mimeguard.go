package message

import (
	"bytes"
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
func guardStructure(raw []byte, hb headerBlock, lim Limits, dl *defectList) []byte {
	out, open := scanStructure(raw, hb, lim, dl)
	if len(open) == 0 {
		return out
	}
	// Close what is left open, innermost first: enmime then reads in linear
	// time what it would otherwise read in exponential time.
	fixed := make([]byte, len(out), len(out)+len(open)*80+2)
	copy(fixed, out)
	if len(fixed) > 0 && fixed[len(fixed)-1] != '\n' {
		fixed = append(fixed, '\r', '\n')
	}
	for i := len(open) - 1; i >= 0; i-- {
		dl.add(DefectBoundaryNotClosed, "", "boundary %q is never closed", truncateUTF8(fix8bit(open[i]), 80))
		fixed = append(fixed, "--"+open[i]+"--\r\n"...)
	}
	return fixed
}

// scanStructure walks the boundaries and returns the input, cut when a limit
// is hit, and the boundaries still open at its end, outermost first.
func scanStructure(raw []byte, hb headerBlock, lim Limits, dl *defectList) ([]byte, []string) {
	top := hb.get("Content-Type")
	b := boundaryOf(top)
	if b == "" || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(top)), "multipart/") {
		return raw, nil
	}
	stack := []string{b}
	delimiters := 0
	pos := min(hb.bodyOffset, len(raw))
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
		level := -1
		closing := false
		for i := len(stack) - 1; i >= 0; i-- {
			bd := stack[i]
			if bytes.HasPrefix(line[2:], []byte(bd)) {
				rest := line[2+len(bd):]
				if len(rest) == 0 || bytes.Equal(rest, []byte("--")) {
					level, closing = i, len(rest) == 2
					break
				}
			}
		}
		if level < 0 {
			continue
		}
		delimiters++
		if delimiters > lim.MaxParts {
			dl.add(DefectLimit, "", "more than %d MIME boundary delimiters; message cut at byte %d", lim.MaxParts, lineStart)
			dl.add(DefectTruncated, "", "content after byte %d not read", lineStart)
			return raw[:lineStart], stack
		}
		stack = stack[:level+1]
		if closing {
			stack = stack[:level]
			if len(stack) == 0 {
				return raw, nil
			}
			continue
		}
		// Read the part's header block for a nested multipart.
		ct, after := partContentType(raw, pos)
		if nb := boundaryOf(ct); nb != "" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "multipart/") {
			if len(stack) >= lim.MaxDepth {
				dl.add(DefectLimit, "", "multipart nesting deeper than %d; message cut at byte %d", lim.MaxDepth, lineStart)
				dl.add(DefectTruncated, "", "content after byte %d not read", lineStart)
				return raw[:lineStart], stack
			}
			stack = append(stack, nb)
		}
		pos = after
	}
	return raw, stack
}

// partContentType reads the header block starting at pos and returns its
// Content-Type value (unfolded) and the offset after the block.
func partContentType(raw []byte, pos int) (string, int) {
	var ct strings.Builder
	inCT := false
	for n := 0; pos < len(raw) && n < 200; n++ {
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
		if line[0] == ' ' || line[0] == '\t' {
			if inCT {
				ct.WriteByte(' ')
				ct.Write(bytes.TrimSpace(line))
			}
			continue
		}
		inCT = false
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(strings.TrimSpace(string(k)), "content-type") && ct.Len() == 0 {
			inCT = true
			ct.Write(bytes.TrimSpace(v))
		}
	}
	return ct.String(), pos
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
