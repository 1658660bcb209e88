package message

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"io"
	"strings"
)

// maxPDFInflate bounds the bytes inflated from a PDF's compressed streams.
const maxPDFInflate = 16 << 20

// scanPDF is a raw keyword scan: PDF parsers fail on malformed (often
// deliberately malformed) files, so names are counted in the bytes directly,
// with #xx escapes in names decoded, in the file and in its Flate streams
// (where object streams hide /URI and /JavaScript).
func scanPDF(b []byte) *PDFInfo {
	info := &PDFInfo{}
	seen := map[string]bool{}
	scanPDFBytes(b, info, seen)
	budget := min(maxPDFInflate, len(b)*maxZipRatio)
	// One inflater and one buffer serve every stream.
	var zr io.ReadCloser
	var data bytes.Buffer
	for off := 0; budget > 0; {
		i := bytes.Index(b[off:], []byte("stream"))
		if i < 0 {
			break
		}
		start := off + i + len("stream")
		off = start
		if start >= 9 && string(b[start-9:start]) == "endstream" {
			continue
		}
		if start < len(b) && b[start] == '\r' {
			start++
		}
		if start < len(b) && b[start] == '\n' {
			start++
		}
		if start+2 > len(b) || b[start] != 0x78 { // zlib header
			continue
		}
		var err error
		if zr == nil {
			zr, err = zlib.NewReader(bytes.NewReader(b[start:]))
		} else {
			err = zr.(zlib.Resetter).Reset(bytes.NewReader(b[start:]), nil)
		}
		if err != nil {
			zr = nil
			continue
		}
		data.Reset()
		_, _ = data.ReadFrom(io.LimitReader(zr, int64(budget)))
		budget -= data.Len()
		scanPDFBytes(data.Bytes(), info, seen)
	}
	return info
}

// scanPDFBytes counts the interesting names in b and collects /URI targets.
func scanPDFBytes(b []byte, info *PDFInfo, seen map[string]bool) {
	for i := 0; i < len(b); i++ {
		if b[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(b) && j-i < 64 && isPDFNameByte(b[j]) {
			j++
		}
		if j == i+1 {
			continue
		}
		name := b[i+1 : j]
		if bytes.IndexByte(name, '#') >= 0 {
			name = decodePDFName(name)
		}
		switch string(name) {
		case "JavaScript", "JS":
			info.JavaScript++
		case "OpenAction":
			info.OpenAction++
		case "Launch":
			info.Launch++
		case "EmbeddedFile", "EmbeddedFiles":
			info.EmbeddedFile++
		case "AA":
			info.AA++
		case "AcroForm":
			info.AcroForm++
		case "Encrypt":
			info.Encrypted = true
		case "Page":
			info.Pages++
		case "URI":
			info.URICount++
			if u := pdfStringAt(b[j:]); u != "" && !seen[u] && len(info.URIs) < 500 {
				seen[u] = true
				info.URIs = append(info.URIs, u)
			}
		}
		i = j - 1
	}
}

func isPDFNameByte(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune("/[]()<>{}%", rune(c))
}

// decodePDFName decodes #xx escapes in a PDF name.
func decodePDFName(n []byte) []byte {
	var out []byte
	for i := 0; i < len(n); i++ {
		if n[i] == '#' && i+2 < len(n) {
			var v [1]byte
			if _, err := hex.Decode(v[:], n[i+1:i+3]); err == nil {
				out = append(out, v[0])
				i += 2
				continue
			}
		}
		out = append(out, n[i])
	}
	return out
}

// pdfStringAt reads the literal (...) or hex <...> string that follows, skipping whitespace.
func pdfStringAt(b []byte) string {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\r' || b[i] == '\n' || b[i] == '\t') {
		i++
	}
	if i >= len(b) {
		return ""
	}
	switch b[i] {
	case '(':
		var out []byte
		depth := 0
		for k := i; k < len(b) && len(out) < 4096; k++ {
			c := b[k]
			switch {
			case c == '\\' && k+1 < len(b):
				k++
				switch b[k] {
				case 'n', 'r', 't':
				default:
					out = append(out, b[k])
				}
			case c == '(':
				depth++
				if depth > 1 {
					out = append(out, c)
				}
			case c == ')':
				depth--
				if depth == 0 {
					return toValidUTF8(strings.TrimSpace(string(out)))
				}
				out = append(out, c)
			default:
				out = append(out, c)
			}
		}
	case '<':
		end := bytes.IndexByte(b[i:], '>')
		if end < 0 || end > 8192 {
			return ""
		}
		h := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, b[i+1:i+end])
		if len(h)%2 == 1 {
			h = append(h, '0')
		}
		out := make([]byte, len(h)/2)
		if _, err := hex.Decode(out, h); err == nil {
			return toValidUTF8(strings.TrimSpace(string(out)))
		}
	}
	return ""
}
