package message

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzMIMEStructure fuzzes the boundary scan and its rewrites, uuencode and
// declared charsets, from small messages that reach them; it checks the
// properties FuzzParse checks, and that the decoders return valid UTF-8 and
// never panic.
func FuzzMIMEStructure(f *testing.F) {
	for _, s := range []string{
		"Content-Type: multipart/mixed; boundary=same\r\n\r\n--same\r\nContent-Type: multipart/alternative; boundary=same\r\n\r\n--same\r\nContent-Type: text/plain\r\n\r\nplain\r\n--same--\r\n--same--\r\n",
		"Content-Type: multipart/mixed; boundary=\"a--\"\r\n\r\n--a--\r\nContent-Type: multipart/mixed; boundary=\"a----\"\r\n\r\n--a----\r\nContent-Type: text/plain\r\n\r\nbody\r\n--a------\r\n--a----\r\n",
		"Content-Type: multipart/mixed; boundary=sep\r\n\r\n--sepX\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n\x93x\x94\r\n--sep--tail\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a.png\r\n#86)C\r\n`\r\nend\r\n--b--\r\n",
		"Content-Type: text/plain; charset=utf-8\r\n\r\nbad \xff utf-8\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*0*=windows-1251''%CF%F0; filename*1*=%E8.pdf\r\n\r\nx\r\n--b--\r\n",
	} {
		f.Add([]byte("From: a@example.com\r\n" + s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if out, _, _ := uudecode(raw); len(out) > len(raw) {
			t.Fatalf("uudecode made %d bytes of %d", len(out), len(raw))
		}
		for _, label := range []string{"utf-8", "us-ascii", "iso-8859-1", "utf-7", "x-unknown-label"} {
			if out, _ := decodeDeclared(label, raw); !utf8.Valid(out) {
				t.Fatalf("decodeDeclared(%q) gave invalid UTF-8", label)
			}
		}
		if len(raw) == 0 {
			return
		}
		m1, err := Parse(raw, Limits{})
		if err != nil || m1 == nil {
			t.Fatalf("Parse failed: %v", err)
		}
		checkModel(t, m1)
		for _, p := range m1.Parts {
			if !utf8.ValidString(p.Filename) || !utf8.ValidString(p.Charset) {
				t.Fatalf("invalid UTF-8 in part %+v", p)
			}
		}
		m2, _ := Parse(raw, Limits{})
		j1, _ := json.Marshal(m1)
		j2, _ := json.Marshal(m2)
		if !bytes.Equal(j1, j2) {
			t.Fatal("Parse is not deterministic")
		}
	})
}
