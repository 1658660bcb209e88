package message

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime/quotedprintable"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMIMEStructure fuzzes the tree reader's boundary matching, uuencode and
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
		"8911101Y2az07220Z\nContent-TYpe:0202000A19;9;20", // malformed parameters once reported in map order
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

// FuzzTransferDecoding checks the base64 and quoted-printable decoders:
// whatever the input, the output is no longer than the input allows, and
// anything Go's own encoders wrote (base64 folded at 76 columns, binary
// quoted-printable) decodes back to the original bytes.
func FuzzTransferDecoding(f *testing.F) {
	for _, s := range []string{"", "hello", "a=3Db=\r\nc \r\n", "QQ==QQ==", "\x00\xff\r\n=\n", "SGVsbG8gd29ybGQ!"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if out, _, _ := decodeBase64(raw); len(out) > len(raw)*3/4+2 {
			t.Fatalf("base64 made %d bytes of %d", len(out), len(raw))
		}
		if out := decodeQuotedPrintable(raw); len(out) > len(raw) {
			t.Fatalf("quoted-printable made %d bytes of %d", len(out), len(raw))
		}
		enc := base64.StdEncoding.EncodeToString(raw)
		var folded strings.Builder
		for len(enc) > 76 {
			folded.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		folded.WriteString(enc)
		if out, bad, _ := decodeBase64([]byte(folded.String())); !bytes.Equal(out, raw) || bad != 0 {
			t.Fatalf("base64 round trip: got %q (%d bad), want %q", out, bad, raw)
		}
		var qp bytes.Buffer
		w := quotedprintable.NewWriter(&qp)
		w.Binary = true
		_, _ = w.Write(raw)
		_ = w.Close()
		if out := decodeQuotedPrintable(qp.Bytes()); !bytes.Equal(out, raw) {
			t.Fatalf("quoted-printable round trip of %q via %q: got %q", raw, qp.Bytes(), out)
		}
	})
}
