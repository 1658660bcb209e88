package message

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// attachmentMessage wraps one attachment part (its header lines and body)
// after a text part.
func attachmentMessage(partHeader, body string) []byte {
	return []byte("From: a@example.com\r\nSubject: files\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\n" + partHeader + "\r\n\r\n" + body + "\r\n--b--\r\n")
}

func TestAttachmentFilenames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, header, want string
	}{
		{"rfc2231/utf-8", `Content-Type: application/pdf; name="x.pdf"` + "\r\nContent-Disposition: attachment; filename*=utf-8''%E2%82%AC%20rate.pdf", "€ rate.pdf"},
		{"rfc2231/windows-1251 value", "Content-Type: application/msword\r\nContent-Disposition: attachment; filename*=windows-1251''%CF%F0%E8%E2%E5%F2.doc", "Привет.doc"},
		{"rfc2231/windows-1251 continuation", "Content-Type: application/msword\r\nContent-Disposition: attachment;\r\n filename*0*=windows-1251''%CF%F0;\r\n filename*1*=%E8%E2%E5%F2.doc", "Привет.doc"},
		{"rfc2231/extended preferred to plain (RFC 6266 4.3)", "Content-Type: application/msword\r\nContent-Disposition: attachment; filename=\"fallback.doc\"; filename*=iso-8859-1''r%E9sum%E9.doc", "résumé.doc"},
		{"rfc2231/Content-Type name* used without a disposition filename", "Content-Type: application/msword; name=\"fallback.doc\"; name*=iso-8859-1''r%E9sum%E9.doc\r\nContent-Disposition: attachment", "résumé.doc"},
		{"rfc2231/disposition filename beats Content-Type name*", "Content-Type: application/msword; name*=utf-8''other.doc\r\nContent-Disposition: attachment; filename=\"chosen.doc\"", "chosen.doc"},
		{"rfc2047/word in a quoted filename", "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"=?windows-1251?B?z/Do4uXy?=.pdf\"", "Привет.pdf"},
		{"rfc2047/word split over rfc2231 continuations", "Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n filename*0=\"=?utf-8?B?w6l0\";\r\n filename*1=\"w6kucGRm?=\"", "été.pdf"},
		{"8-bit/latin-1 bytes read as windows-1252", "Content-Type: text/plain; name=\"Fr\xf6sche.txt\"\r\nContent-Disposition: attachment; filename=\"Fr\xf6sche.txt\"", "Frösche.txt"},
		{"8-bit/utf-8 bytes kept", "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"Пр.pdf\"", "Пр.pdf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, _ := Parse(attachmentMessage(tc.header, "aGVsbG8="), Limits{})
			if len(m.Attachments) != 1 || m.Attachments[0].Filename != tc.want {
				var got []string
				for _, a := range m.Attachments {
					got = append(got, a.Filename)
				}
				t.Errorf("attachments %q, want [%q]", got, tc.want)
			}
		})
	}
}

// uuencode writes data as a uuencoded file, with "`" for zero (or a space,
// as older encoders did, when spaces is set; trailing spaces then dropped,
// as mail transports do).
func uuencode(name string, data []byte, spaces bool) string {
	enc := func(c byte) byte {
		if c == 0 && !spaces {
			return '`'
		}
		return c + ' '
	}
	var b strings.Builder
	b.WriteString("begin 644 " + name + "\r\n")
	for len(data) > 0 {
		n := min(45, len(data))
		chunk := data[:n]
		data = data[n:]
		var line []byte
		line = append(line, enc(byte(n)))
		for i := 0; i < n; i += 3 {
			var t [3]byte
			copy(t[:], chunk[i:min(i+3, n)])
			line = append(line, enc(t[0]>>2), enc((t[0]<<4|t[1]>>4)&63), enc((t[1]<<2|t[2]>>6)&63), enc(t[2]&63))
		}
		if spaces {
			line = bytes.TrimRight(line, " ")
		}
		b.Write(line)
		b.WriteString("\r\n")
	}
	b.WriteString(string(enc(0)) + "\r\nend\r\n")
	return b.String()
}

func TestUUDecode(t *testing.T) {
	t.Parallel()
	data := append(bytes.Repeat([]byte{0, 1, 2, 0xfe, 0xff, ' ', '`'}, 40), "tail"...)
	for _, spaces := range []bool{false, true} {
		got, name, ok := uudecode([]byte("\r\n" + uuencode("file name.bin", data, spaces)))
		if !ok || name != "file name.bin" || !bytes.Equal(got, data) {
			t.Errorf("spaces=%v: uudecode = %d bytes, %q, %v; want %d bytes", spaces, len(got), name, ok, len(data))
		}
	}
	if _, _, ok := uudecode([]byte("no begin line\r\nM86)C\r\n")); ok {
		t.Error("uudecode accepted content without a begin line")
	}
}

// TestUUEncodedAttachment checks that an x-uuencode part is decoded: its size
// and hash are the file's, its sniffed type is the file's, its name comes
// from the begin line when no header gives one, and no transfer-encoding
// defect is reported.
func TestUUEncodedAttachment(t *testing.T) {
	t.Parallel()
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"), bytes.Repeat([]byte{0x42}, 100)...)
	m, _ := Parse(attachmentMessage("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: x-uuencode", uuencode("dot.png", png, false)), Limits{})
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	a := m.Attachments[0]
	sum := sha256.Sum256(png)
	if a.Size != len(png) || a.SHA256 != hex.EncodeToString(sum[:]) || a.Sniffed != "image/png" || a.Filename != "dot.png" {
		t.Errorf("attachment = %+v", a)
	}
	for _, d := range m.Defects {
		if d.Kind == DefectBadTransferEncoding {
			t.Errorf("unexpected defect %v", d)
		}
	}
	m, _ = Parse(attachmentMessage("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: x-uuencode", "just text"), Limits{})
	if !hasDefect(m, DefectBadTransferEncoding, `without a "begin" line`) {
		t.Errorf("no defect for uuencode without begin: %v", m.Defects)
	}
}

// TestDuplicatePartHeaders checks that a part with two Content-Type fields
// is read by the first and reported.
func TestDuplicatePartHeaders(t *testing.T) {
	t.Parallel()
	raw := "From: a@example.com\r\nContent-Type: multipart/related; boundary=r\r\n\r\n" +
		"--r\r\nContent-Type: multipart/alternative; boundary=alt\r\nContent-Type: text/plain\r\n\r\nhidden preamble\r\n" +
		"--alt\r\nContent-Type: text/html\r\n\r\n<p>shown</p>\r\n--alt--\r\n--r--\r\n"
	m, _ := Parse([]byte(raw), Limits{})
	if len(m.Parts) < 2 || m.Parts[1].ContentType != "multipart/alternative" {
		t.Errorf("parts = %q", partIDs(m))
	}
	if !hasDefect(m, DefectDuplicateSingleton, "Content-Type appears 2 times") {
		t.Errorf("no duplicate defect: %v", m.Defects)
	}
}

// TestRepairedContentTypeReportedOnce checks that a Content-Type missing the
// ';' before its parameters is reported once, not once per enmime reading.
func TestRepairedContentTypeReportedOnce(t *testing.T) {
	t.Parallel()
	raw := "From: a@example.com\r\nContent-Type: multipart/mixed\r\n\tboundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n"
	m, _ := Parse([]byte(raw), Limits{})
	n := 0
	for _, d := range m.Defects {
		if d.Kind == DefectBadContentType && strings.Contains(d.Detail, "missing ';'") {
			n++
		}
	}
	if n != 1 || strings.TrimSpace(m.Text) != "hi" {
		t.Errorf("%d repair defects, text %q: %v", n, m.Text, m.Defects)
	}
}

// TestTransferDecoding checks the tolerant base64 and quoted-printable
// readings that differ from a strict decoder.
func TestTransferDecoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"QQ==QQ==", "AA"},             // pieces encoded one after the other
		{"SGVs bG8h\r\n", "Hello!"},    // white space anywhere
		{"SGVsbG8", "Hello"},           // no padding: the bytes the last group holds
		{"SGV!sbG8h", "Hello!"},        // a bad byte is skipped, the rest decodes
		{"SGVsbG8h=\r\nIQ", "Hello!!"}, // a stray '=' after a full group
	} {
		if got, _, _ := decodeBase64([]byte(tc.in)); string(got) != tc.want {
			t.Errorf("base64 %q = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"caf=C3=A9 =\r\nbar\r\n", "café bar\r\n"}, // soft line break
		{"a=3db  \r\nc\n", "a=b\r\nc\n"},           // lower-case hex; padding before the line end goes
		{"x = y=\r\n", "x = y"},                    // "=" not before hex is itself
		{"tail=", "tail="},                         // "=" at the very end is itself
		{"a= \r\nb", "a=\r\nb"},                    // "=" then white space: no soft break
		{"=E2=80=8Bhidden", "\u200bhidden"},        // escapes make UTF-8
	} {
		if got := decodeQuotedPrintable([]byte(tc.in)); string(got) != tc.want {
			t.Errorf("quoted-printable %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}
