package message

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// errUnknownCharset is wrapped when an encoded word names a charset we cannot read.
var errUnknownCharset = errors.New("message: unknown charset")

// wordDecoder returns a mime.WordDecoder (for net/mail) that knows every
// charset x/text knows, and UTF-7.
func wordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: charsetReader}
}

func charsetReader(label string, r io.Reader) (io.Reader, error) {
	if isUTF7(label) {
		b, err := io.ReadAll(io.LimitReader(r, 1<<20))
		if err != nil {
			return nil, err
		}
		return strings.NewReader(decodeUTF7(b)), nil
	}
	enc := lookupCharset(label)
	if enc == nil {
		return nil, fmt.Errorf("%w %q", errUnknownCharset, label)
	}
	return enc.NewDecoder().Reader(r), nil
}

func isUTF7(label string) bool {
	l := strings.ToLower(strings.TrimSpace(label))
	return l == "utf-7" || l == "utf7" || l == "unicode-1-1-utf-7"
}

// lookupCharset finds an encoding by its label, or nil.
func lookupCharset(label string) encoding.Encoding {
	label = normCharsetLabel(label)
	switch label {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "unicode-1-1-utf-8", "x-unknown", "unknown-8bit":
		return encoding.Nop
	case "latin1", "iso-8859-1", "iso8859-1", "iso_8859-1", "8859-1":
		return charmap.Windows1252 // what senders mean, as browsers do
	}
	if e, err := htmlindex.Get(label); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding(label); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.IANA.Encoding(label); err == nil && e != nil {
		return e
	}
	return nil
}

// normCharsetLabel lowercases and trims a charset label, drops an RFC 2231
// language suffix and a doubled "charset=" ("charset=charset=utf-8").
func normCharsetLabel(label string) string {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if i := strings.IndexByte(label, '*'); i >= 0 { // RFC 2231 language suffix
		label = label[:i]
	}
	if l, ok := strings.CutPrefix(label, "charset="); ok {
		label = strings.Trim(strings.TrimSpace(l), `"'`)
	}
	return label
}

// decodeCharset converts b from the named charset to UTF-8; unknown charsets
// and invalid bytes are replaced rather than failing.
func decodeCharset(label string, b []byte) string {
	if isUTF7(label) {
		return decodeUTF7(b)
	}
	enc := lookupCharset(label)
	if enc == nil || enc == encoding.Nop {
		return fix8bit(string(b))
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return fix8bit(string(b))
	}
	return toValidUTF8(string(out))
}

// decodeDeclared converts the content of a text part from its declared
// charset to UTF-8 as a mail client shows it: a UTF-8 part's invalid bytes
// become U+FFFD (a client does not switch charsets for a few bad bytes);
// US-ASCII and other labels that promise no 8-bit bytes are read as UTF-8
// when valid, else as Windows-1252; ISO-8859-1 is read as Windows-1252, as
// browsers and mail clients do. known is false when the charset is unknown
// (then the content is read as undeclared: UTF-8, else Windows-1252).
func decodeDeclared(label string, b []byte) (out []byte, known bool) {
	if isUTF7(label) {
		return []byte(decodeUTF7(b)), true
	}
	enc := lookupCharset(label)
	switch {
	case enc == nil:
		return []byte(fix8bit(string(b))), false
	case isUTF8Label(label):
		if utf8.Valid(b) {
			return b, true
		}
		out, err := unicode.UTF8.NewDecoder().Bytes(b)
		if err != nil {
			return []byte(toValidUTF8(string(b))), true
		}
		return out, true
	case enc == encoding.Nop:
		if utf8.Valid(b) {
			return b, true
		}
		return []byte(fix8bit(string(b))), true
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return []byte(fix8bit(string(b))), true
	}
	if !utf8.Valid(out) {
		out = []byte(toValidUTF8(string(out)))
	}
	return out, true
}

// isUTF8Label reports whether a charset label names UTF-8.
func isUTF8Label(label string) bool {
	switch normCharsetLabel(label) {
	case "utf-8", "utf8", "unicode-1-1-utf-8":
		return true
	}
	return false
}

// fix8bit keeps valid UTF-8 and reads anything else as Windows-1252.
func fix8bit(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// decodeUTF7 decodes RFC 2152 UTF-7.
func decodeUTF7(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '+' {
			sb.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(b) && isB64Char(b[j]) {
			j++
		}
		if j == i+1 {
			// "+-" is a literal plus; a lone '+' is kept.
			sb.WriteByte('+')
			if j < len(b) && b[j] == '-' {
				i = j
			}
			continue
		}
		raw, err := base64.RawStdEncoding.DecodeString(string(b[i+1 : j]))
		if err != nil {
			// Drop trailing bits that do not make a full byte.
			n := (j - i - 1) * 6 / 8
			raw, _ = base64.RawStdEncoding.DecodeString(string(b[i+1 : i+1+(n*8+5)/6]))
		}
		units := make([]uint16, 0, len(raw)/2)
		for k := 0; k+1 < len(raw); k += 2 {
			units = append(units, uint16(raw[k])<<8|uint16(raw[k+1]))
		}
		sb.WriteString(string(utf16.Decode(units)))
		i = j - 1
		if j < len(b) && b[j] == '-' {
			i = j
		}
	}
	return toValidUTF8(sb.String())
}

func isB64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

// decodeWords decodes RFC 2047 encoded words tolerantly, from raw bytes:
// words inside quoted strings or glued to text, whitespace inside words,
// raw 8-bit bytes inside Q words (read in the word's charset), and base64
// without padding are all accepted. Whitespace between adjacent words is
// dropped as RFC 2047 says. Text outside words goes through fix8bit. A word
// that cannot be decoded is kept as written and reported in the error.
func decodeWords(v string) (string, error) {
	var b strings.Builder
	var firstErr error
	rest := v
	lastWasWord := false
	for {
		i := strings.Index(rest, "=?")
		if i < 0 {
			b.WriteString(fix8bit(rest))
			break
		}
		word, n := scanEncodedWord(rest[i:])
		if n == 0 {
			b.WriteString(fix8bit(rest[:i+2]))
			rest = rest[i+2:]
			lastWasWord = false
			continue
		}
		between := rest[:i]
		if !lastWasWord || strings.Trim(between, " \t\r\n") != "" {
			b.WriteString(fix8bit(between))
		}
		d, err := decodeWord(word)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			b.WriteString(fix8bit(word))
		} else {
			b.WriteString(d)
		}
		rest = rest[i+n:]
		lastWasWord = true
	}
	return toValidUTF8(b.String()), firstErr
}

// decodeWord decodes one =?charset?E?text?= word.
func decodeWord(word string) (string, error) {
	inner := word[2 : len(word)-2]
	cs, rest, _ := strings.Cut(inner, "?")
	enc, text, _ := strings.Cut(rest, "?")
	var raw []byte
	switch enc {
	case "B", "b":
		t := strings.TrimRight(text, "=")
		var err error
		raw, err = base64.RawStdEncoding.DecodeString(t)
		if err != nil {
			raw, err = base64.RawURLEncoding.DecodeString(t)
			if err != nil {
				return "", fmt.Errorf("message: bad base64 in encoded word %q", truncateUTF8(word, 60))
			}
		}
	default:
		raw = make([]byte, 0, len(text))
		for i := 0; i < len(text); i++ {
			c := text[i]
			switch {
			case c == '_':
				raw = append(raw, ' ')
			case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
				raw = append(raw, unhex(text[i+1])<<4|unhex(text[i+2]))
				i += 2
			default:
				raw = append(raw, c)
			}
		}
	}
	if isUTF7(cs) {
		return decodeUTF7(raw), nil
	}
	e := lookupCharset(cs)
	if e == nil {
		return fix8bit(string(raw)), fmt.Errorf("%w %q", errUnknownCharset, truncateUTF8(cs, 40))
	}
	if e == encoding.Nop {
		return fix8bit(string(raw)), nil
	}
	out, err := e.NewDecoder().Bytes(raw)
	if err != nil {
		return fix8bit(string(raw)), nil
	}
	return toValidUTF8(string(out)), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// scanEncodedWord returns the encoded word at the start of s and its length,
// or 0 when s does not start with one. Whitespace inside the word (common in
// spam) is removed from the returned word.
func scanEncodedWord(s string) (string, int) {
	if !strings.HasPrefix(s, "=?") {
		return "", 0
	}
	q1 := strings.IndexByte(s[2:], '?')
	if q1 <= 0 || q1 > 75 {
		return "", 0
	}
	q1 += 2
	if q1+2 >= len(s) || s[q1+2] != '?' {
		return "", 0
	}
	switch s[q1+1] {
	case 'b', 'B', 'q', 'Q':
	default:
		return "", 0
	}
	endRel := strings.Index(s[q1+3:], "?=")
	if endRel < 0 || endRel > 4096 {
		return "", 0
	}
	end := q1 + 3 + endRel + 2
	word := s[:end]
	if strings.ContainsAny(word, " \t\r\n") {
		word = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, word)
	}
	return word, end
}

// detectCharset guesses the charset of text that declares none and is not
// UTF-8 (a KOI8-R or Shift_JIS body sent without a charset parameter), with
// the thresholds enmime used: at least 100 characters and a confidence of
// 85 out of 100. It returns "" when unsure; the text is then read as
// Windows-1252 (see decodeBody).
func detectCharset(b []byte, html bool) string {
	if utf8.RuneCount(b) < 100 {
		return ""
	}
	d := chardet.NewTextDetector()
	if html {
		d = chardet.NewHtmlDetector()
	}
	r, err := d.DetectBest(b)
	if err != nil || r == nil || r.Confidence < 85 {
		return ""
	}
	return strings.ToLower(r.Charset)
}
