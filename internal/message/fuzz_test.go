package message

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// addSeeds adds the golden messages and a few small corpus files.
func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, dir := range []string{"malformed/enmime", "malformed/stalwart"} {
		more, _ := filepath.Glob(filepath.Join(corpusDir, dir, "*.eml"))
		if len(more) > 20 {
			more = more[:20]
		}
		files = append(files, more...)
	}
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
}

// checkModel asserts the properties every model has, whatever the input.
func checkModel(t *testing.T, m *Message) {
	t.Helper()
	for _, d := range m.Defects {
		if d.Kind == "" {
			t.Fatalf("defect without kind: %+v", d)
		}
		if d.Kind == DefectInternal {
			t.Fatalf("internal defect (recovered panic): %v", d)
		}
	}
	for _, s := range []string{m.Subject, m.Text, m.HTML, m.VisibleText} {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 in model string %q", s)
		}
	}
	for _, l := range m.Links {
		checkLink(t, l)
	}
	seen := map[string]bool{}
	for _, p := range m.Parts {
		if seen[p.ID] {
			t.Fatalf("duplicate part id %q", p.ID)
		}
		seen[p.ID] = true
	}
}

func checkLink(t *testing.T, l Link) {
	t.Helper()
	if l.URL == "" || l.Source == "" {
		t.Fatalf("link without URL or source: %+v", l)
	}
	if l.Unwrapped != l.URL {
		if _, err := url.Parse(l.Unwrapped); err != nil {
			t.Fatalf("unwrapped URL %q does not parse: %v", l.Unwrapped, err)
		}
		if len(l.Wrappers) == 0 {
			t.Fatalf("unwrapped differs without wrappers: %+v", l)
		}
	}
	if l.Host != strings.ToLower(l.Host) {
		t.Fatalf("host not lowercased: %q", l.Host)
	}
}

func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m1, err := Parse(raw, Limits{})
		if len(raw) == 0 {
			if err == nil {
				t.Fatal("empty input accepted")
			}
			return
		}
		if err != nil || m1 == nil {
			t.Fatalf("Parse failed on non-empty input: %v", err)
		}
		checkModel(t, m1)
		m2, _ := Parse(raw, Limits{})
		j1, err1 := json.Marshal(m1)
		j2, err2 := json.Marshal(m2)
		if err1 != nil || err2 != nil {
			t.Fatalf("marshal: %v %v", err1, err2)
		}
		if !bytes.Equal(j1, j2) {
			t.Fatal("Parse is not deterministic")
		}
	})
}

func FuzzAuthResults(f *testing.F) {
	for _, s := range []string{
		"spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none header.from=example.com;compauth=pass reason=109",
		"i=1; mx.example.org 1; arc=pass (0 oda=1 ltdi=1 spf=[1,1,smtp.mailfrom=example.com]); dkim=pass header.d=example.com",
		`mx.example.org; dmarc=fail reason="p=reject" header.from=example.com`,
		"mx.example.org; none",
		"Pass (example) client-ip=192.0.2.1; helo=a;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := ParseAuthResults(s)
		if a.Raw != s {
			t.Fatal("raw not kept")
		}
		for _, m := range a.Methods {
			if m.Method == "" {
				t.Fatalf("method without name in %q", s)
			}
			if strings.ContainsAny(m.Method, " \t;") {
				t.Fatalf("method name %q has separators", m.Method)
			}
		}
		if b := ParseAuthResults(s); !equalJSON(a, b) {
			t.Fatal("not deterministic")
		}
		_ = ParseReceivedSPF(s)
		_, _ = ParseDKIMSignature(s)
		for _, kv := range ParseForefront(s) {
			if kv.Key == "" {
				t.Fatal("forefront pair without key")
			}
		}
	})
}

func FuzzLinks(f *testing.F) {
	for _, s := range []string{
		`<a href="https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.com%2F&amp;data=1">click</a>`,
		`<form action="//example.net/p"><img srcset="a.png 1x, https://example.org/b.png 2x"><div style="background:url('http://192.0.2.1/x')">`,
		`<meta http-equiv="refresh" content="0;url=http://xn--exmple-cua.test/"><p style="display:none">hidden <b>text</b></p>`,
		"visit www.example.com/path or https://example.org/?u=aHR0cHM6Ly9leGFtcGxlLm5ldC8=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dl := &defectList{}
		ls := newLinkSet(1000, dl)
		res := analyzeHTML(s, "1", ls)
		extractTextLinks(s, "1", SourceText, ls)
		for _, l := range ls.list {
			checkLink(t, l)
		}
		if !utf8.ValidString(s) {
			return
		}
		if !utf8.ValidString(res.visible) {
			t.Fatalf("visible text not UTF-8")
		}
	})
}

func FuzzUnwrap(f *testing.F) {
	for _, s := range []string{
		"https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.com%2Fa&data=x",
		"https://urldefense.proofpoint.com/v2/url?u=https-3A__example.com_path&d=x",
		"https://urldefense.com/v3/__https://example.com/a*b__;Kg!!x",
		"https://www.google.com/url?q=https://example.org/&sa=D",
		"https://example.net/r?URL=aHR0cHM6Ly9leGFtcGxlLm5ldC8=",
		"//example.com/?u=https://example.org",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, wrappers := Unwrap(s)
		if len(wrappers) > maxUnwrap {
			t.Fatalf("%d wrappers", len(wrappers))
		}
		if len(wrappers) == 0 && got != s {
			t.Fatalf("changed without wrapper: %q -> %q", s, got)
		}
		if len(wrappers) > 0 {
			if _, err := url.Parse(got); err != nil {
				t.Fatalf("unwrapped %q does not parse: %v", got, err)
			}
			if !isWebURL(got) && !strings.HasPrefix(got, "//") {
				t.Fatalf("unwrapped %q is not a web URL", got)
			}
		}
		g2, w2 := Unwrap(s)
		if g2 != got || len(w2) != len(wrappers) {
			t.Fatal("not deterministic")
		}
		_ = ResolveLink(Link{Source: SourceHref, URL: s})
	})
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// FuzzOffice feeds the compound-file, OOXML and PDF readers: they must
// return (not hang, not panic) on any bytes.
func FuzzOffice(f *testing.F) {
	f.Add(buildCFB([]string{"Macros", "VBA"}))
	f.Add(buildCFB([]string{"WordDocument"}))
	f.Add([]byte("%PDF-1.4 /URI (https://example.com) /JS"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, errText := readOffice(b, "")
		if info == nil && errText == "" && (bytes.HasPrefix(b, oleMagic) || bytes.HasPrefix(b, []byte("PK"))) {
			t.Fatal("no result and no error for an office signature")
		}
		_ = scanPDF(b)
		_ = parseICS(b)
		_ = decodeQR(b)
	})
}
