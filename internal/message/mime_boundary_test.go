package message

import (
	"encoding/base64"
	"strings"
	"testing"
)

// partIDs lists a model's parts as "id content-type".
func partIDs(m *Message) []string {
	var out []string
	for _, p := range m.Parts {
		out = append(out, p.ID+" "+p.ContentType)
	}
	return out
}

// TestBoundaryMatching checks which multipart a delimiter line belongs to:
// exact delimiter lines first, innermost first (as Thunderbird reads them),
// else RFC 2046's rule that a line starting with "--boundary" is a
// delimiter, and that the tree is built so decided.
func TestBoundaryMatching(t *testing.T) {
	t.Parallel()
	const head = "From: a@example.com\r\nSubject: boundaries\r\nMIME-Version: 1.0\r\n"
	for _, tc := range []struct {
		name   string
		body   string
		parts  []string
		text   string
		defect string // a malformed_part detail that must be reported
		clean  bool   // no boundary defect at all
	}{{
		name:  "ok/plain nesting",
		body:  "Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\nhello\r\n--inner--\r\n--outer--\r\n",
		parts: []string{"0 multipart/mixed", "1.0 multipart/alternative", "1.1 text/plain"},
		text:  "hello",
		clean: true,
	}, {
		name:   "rfc2046/text after the boundary is a delimiter",
		body:   "Content-Type: multipart/mixed; boundary=sep\r\n\r\n--sepX1\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--sep;junk\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--sep--\r\n",
		parts:  []string{"0 multipart/mixed", "1 text/plain", "2 text/plain"},
		text:   "first\nsecond",
		defect: `2 boundary delimiter lines have text after the boundary (first "--sepX1")`,
	}, {
		name:   "rfc2046/closing delimiter followed by text",
		body:   "Content-Type: multipart/mixed; boundary=sep\r\n\r\n--sep\r\nContent-Type: text/plain\r\n\r\nonly\r\n--sep--</body></html>\r\n",
		parts:  []string{"0 multipart/mixed", "1 text/plain"},
		text:   "only",
		defect: "1 boundary delimiter lines have text after the boundary",
	}, {
		name:   "nesting/inner boundary repeats the outer one",
		body:   "Content-Type: multipart/mixed; boundary=same\r\n\r\n--same\r\nContent-Type: multipart/alternative; boundary=same\r\n\r\n--same\r\nContent-Type: text/plain\r\n\r\nplain\r\n--same\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--same--\r\n--same--\r\n",
		parts:  []string{"0 multipart/mixed", "1.0 multipart/alternative", "1.1 text/plain", "1.2 text/html"},
		text:   "plain",
		defect: `boundary "same" of a nested multipart repeats the enclosing boundary "same"`,
	}, {
		name:   "nesting/inner boundary extends the outer one with --",
		body:   "Content-Type: multipart/mixed; boundary=\"a--\"\r\n\r\n--a--\r\nContent-Type: multipart/mixed; boundary=\"a----\"\r\n\r\n--a----\r\nContent-Type: text/plain\r\n\r\nbody\r\n--a------\r\n--a----\r\n",
		parts:  []string{"0 multipart/mixed", "1.0 multipart/mixed", "1.1 text/plain"},
		text:   "body",
		defect: `boundary "a----" of a nested multipart starts with the enclosing boundary "a--"`,
	}, {
		name:  "nesting/outer boundary is a prefix of the inner one",
		body:  "Content-Type: multipart/mixed; boundary=\"_Part_x\"\r\n\r\n--_Part_x\r\nContent-Type: multipart/alternative; boundary=\"_Part_x-1\"\r\n\r\n--_Part_x-1\r\nContent-Type: text/plain\r\n\r\ninner\r\n--_Part_x-1--\r\n--_Part_x\r\nContent-Type: text/plain\r\n\r\nouter\r\n--_Part_x--\r\n",
		parts: []string{"0 multipart/mixed", "1.0 multipart/alternative", "1.1 text/plain", "2 text/plain"},
		text:  "inner\nouter",
		clean: true,
	}, {
		name:  "nesting/an exact outer delimiter is not taken by a shorter inner boundary",
		body:  "Content-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nin\r\n--ab\r\nContent-Type: text/plain\r\n\r\nout\r\n--ab--\r\n",
		parts: []string{"0 multipart/mixed", "1.0 multipart/mixed", "1.1 text/plain", "2 text/plain"},
		text:  "in\nout",
	}, {
		name:   "rfc2046/closing delimiter written after the last content at the end",
		body:   "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nlast words--b--\r\n",
		parts:  []string{"0 multipart/mixed", "1 text/plain"},
		text:   "last words",
		defect: "written after the content",
	}, {
		name:  "part without a header: its text is content",
		body:  "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nnaked text, https://evil.example/x\r\nmore\r\n--b--\r\n",
		parts: []string{"0 multipart/mixed", "1 text/plain"},
		text:  "naked text, https://evil.example/x\nmore",
	}, {
		name:  "nesting/a bad line in a part's header does not hide its Content-Type",
		body:  "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nnot a header line\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nkept\r\n--b--\r\n",
		parts: []string{"0 multipart/mixed", "1.0 multipart/mixed", "1.1 text/plain"},
		text:  "kept",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse([]byte(head+tc.body), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := partIDs(m); strings.Join(got, ", ") != strings.Join(tc.parts, ", ") {
				t.Errorf("parts = %q, want %q", got, tc.parts)
			}
			if got := strings.TrimSpace(m.Text); got != tc.text {
				t.Errorf("text = %q, want %q", got, tc.text)
			}
			if tc.defect != "" && !hasDefect(m, DefectMalformedPart, tc.defect) {
				t.Errorf("no malformed_part defect %q in %v", tc.defect, m.Defects)
			}
			for _, d := range m.Defects {
				if tc.clean && (d.Kind == DefectMalformedPart || d.Kind == DefectBoundaryNotClosed || d.Kind == DefectTextAfterBoundary) {
					t.Errorf("unexpected defect %v", d)
				}
			}
		})
	}
}

// TestBoundaryRenameKeepsParams checks a nested multipart that repeats its
// parent's boundary: its parts are its own, and its parameters are kept as
// written (an earlier version renamed the boundary for enmime to read).
func TestBoundaryRenameKeepsParams(t *testing.T) {
	t.Parallel()
	raw := "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=same\r\n\r\n" +
		"--same\r\nContent-Type: multipart/related;\r\n type=\"text/html\";\r\n boundary=\"same\"\r\n\r\n" +
		"--same\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>hi</p>\r\n--same\r\nContent-Type: image/png; name=\"logo.png\"\r\nContent-Disposition: inline; filename=\"logo.png\"\r\n\r\nPNG\r\n--same--\r\n--same--\r\n"
	m, _ := Parse([]byte(raw), Limits{})
	want := []string{"0 multipart/mixed", "1.0 multipart/related", "1.1 text/html", "1.2 image/png"}
	if got := partIDs(m); strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("parts = %q, want %q", got, want)
	}
	if m.Parts[3].Filename != "logo.png" || m.Parts[2].Charset != "utf-8" {
		t.Errorf("parts = %+v", m.Parts)
	}
	for _, p := range m.Parts {
		if strings.Contains(p.Params["boundary"], "qtriage") {
			t.Errorf("renamed boundary leaked: %+v", p)
		}
	}
}

// TestBoundaryRewriteLimits checks the structure limits hold also when the
// delimiter lines carry text after the boundary.
func TestBoundaryRewriteLimits(t *testing.T) {
	t.Parallel()
	for _, delim := range []string{"--x", "--xjunk"} {
		var b strings.Builder
		b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n")
		for range 30 {
			b.WriteString(delim + "\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n")
		}
		b.WriteString(delim + "\r\nContent-Type: text/plain\r\n\r\ndeep\r\n")
		m, _ := Parse([]byte(b.String()), Limits{MaxDepth: 5})
		if !hasDefect(m, DefectLimit, "nesting deeper than 5") {
			t.Errorf("%s: depth limit not reported: %v", delim, m.Defects)
		}
		for _, d := range m.Defects {
			if d.Kind == DefectInternal {
				t.Errorf("%s: %v", delim, d)
			}
		}
		for _, p := range m.Parts {
			if p.Depth > 5 {
				t.Errorf("%s: part %s at depth %d", delim, p.ID, p.Depth)
			}
		}
	}
}

// TestHeaderPaddingHidesNothing checks that filler fields beyond
// Limits.MaxHeaders cannot hide the fields the MIME structure is read from.
func TestHeaderPaddingHidesNothing(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat("X-Pad: x\r\n", 80)
	raw := "From: a@example.com\r\n" + pad + "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
		"--b\r\n" + pad + "Content-Type: text/html; name=\"invoice.html\"\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(`<a href="https://evil.example/login">sign in</a>`)) + "\r\n--b--\r\n"
	m, _ := Parse([]byte(raw), Limits{MaxHeaders: 50})
	if got := partIDs(m); strings.Join(got, ", ") != "0 multipart/mixed, 1 text/plain, 2 text/html" {
		t.Fatalf("parts = %q", got)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "invoice.html" {
		t.Errorf("attachments = %+v", m.Attachments)
	}
	if !hasDefect(m, DefectLimit, "header fields beyond the limit of 50") {
		t.Errorf("no limit defect: %v", m.Defects)
	}
	found := false
	for _, l := range m.Links {
		found = found || strings.Contains(l.URL, "evil.example/login")
	}
	if !found {
		t.Errorf("link in the attachment not found: %+v", m.Links)
	}
}
