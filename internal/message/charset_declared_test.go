package message

import (
	"strings"
	"testing"
)

func TestDecodeDeclared(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, label string
		in          string
		want        string
		unknown     bool
	}{
		{name: "utf-8/valid kept", label: "utf-8", in: "päivää", want: "päivää"},
		{name: "utf-8/bad bytes become U+FFFD, good letters stay", label: "UTF-8", in: "yötä \xff\xfe vaan", want: "yötä \uFFFD\uFFFD vaan"},
		{name: "iso-8859-1/read as windows-1252", label: "iso-8859-1", in: "\x93quoted\x94 caf\xe9", want: "“quoted” café"},
		{name: "latin1 alias", label: "Latin1", in: "\x80 5", want: "€ 5"},
		{name: "us-ascii/UTF-8 content kept", label: "us-ascii", in: "für", want: "für"},
		{name: "us-ascii/8-bit content read as windows-1252", label: "us-ascii", in: "f\xfcr", want: "für"},
		{name: "windows-1251", label: "windows-1251", in: "\xcf\xf0\xe8\xe2\xe5\xf2", want: "Привет"},
		{name: "koi8-r", label: "koi8-r", in: "\xf0\xd2\xc9\xd7\xc5\xd4", want: "Привет"},
		{name: "utf-7 under its old name", label: "unicode-1-1-utf-7", in: "Fr+APY-sche", want: "Frösche"},
		{name: "doubled charset= salvaged", label: "charset=utf-8", in: "ok \xc3\xa9", want: "ok é"},
		{name: "unknown/UTF-8 kept", label: "x-no-such", in: "é", want: "é", unknown: true},
		{name: "unknown/8-bit read as windows-1252", label: "x-no-such", in: "\xe9", want: "é", unknown: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, known := decodeDeclared(tc.label, []byte(tc.in))
			if string(got) != tc.want || known == tc.unknown {
				t.Errorf("decodeDeclared(%q, %q) = %q, %v; want %q, %v", tc.label, tc.in, got, known, tc.want, !tc.unknown)
			}
		})
	}
}

// TestDeclaredCharsetInModel checks the body text, part size and charset of
// text parts read in their declared charset, and the defect for an unknown
// one.
func TestDeclaredCharsetInModel(t *testing.T) {
	t.Parallel()
	raw := "From: a@example.com\r\nSubject: charsets\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=93Hello=94 from M=FCnchen\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\neWbDtnTDpCD/IHZhYW4=\r\n" +
		"--b\r\nContent-Type: text/plain; charset=x-martian\r\n\r\nna\xefve\r\n" +
		"--b\r\nContent-Type: text/html; charset=windows-1251\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<p>\xcf\xf0\xe8\xe2\xe5\xf2</p>\r\n" +
		"--b--\r\n"
	m, _ := Parse([]byte(raw), Limits{})
	for _, want := range []string{"“Hello” from München", "yfötä \uFFFD vaan", "naïve"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text %q lacks %q", m.Text, want)
		}
	}
	if !strings.Contains(m.HTML, "Привет") {
		t.Errorf("html = %q", m.HTML)
	}
	if p := m.Parts[1]; p.Charset != "iso-8859-1" || p.Size != len("“Hello” from München") {
		t.Errorf("part 1 = %+v", p)
	}
	if p := m.Parts[3]; p.Charset != "x-martian" {
		t.Errorf("part 3 = %+v", p)
	}
	if !hasDefect(m, DefectBadCharset, `unknown charset "x-martian"`) {
		t.Errorf("no bad_charset defect: %v", m.Defects)
	}
}
