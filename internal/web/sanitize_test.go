package web

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestSanitizeEmailHTML(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want, not string }{
		{"text and layout kept", `<table><tr><td style="color:red">Pay <b>now</b></td></tr></table>`, `<td style="color:red">Pay <b>now</b></td>`, ""},
		{"script dropped with its content", `a<script>alert(1)</script>b`, "ab", "alert"},
		{"raw text ends at the first close tag, as in a browser", `<style><style>x</style>y</style>z`, "yz", "x"},
		{"event handlers dropped", `<div onclick="x()" onmouseover=y>t</div>`, "<div>t</div>", "onclick"},
		{"link becomes text with its target", `<a href="https://evil.example/login">Microsoft</a>`, `<span class="q-link">Microsoft</span> <span class="q-target">[https://evil.example/login]</span>`, "href"},
		{"javascript link inert", `<a href="javascript:alert(1)">x</a>`, `[javascript:alert(1)]`, "href="},
		{"image never fetched", `<img src="https://track.example/p.gif" alt="logo">`, `[image: logo from https://track.example/p.gif]`, "<img"},
		{"css url dropped", `<div style="background:url(https://x.example/a.png)">t</div>`, "<div>t</div>", "url("},
		{"css expression dropped", `<p style="width:expression(alert(1))">t</p>`, "<p>t</p>", "expression"},
		{"css escapes dropped", `<p style="background:u\rl(x)">t</p>`, "<p>t</p>", `\`},
		{"forms dropped, text kept", `<form action="https://x.example"><input name=p>Password</form>`, "Password", "form"},
		{"iframe and object dropped", `<iframe src="x"></iframe><object data="y">z</object>ok`, "ok", "iframe"},
		{"meta refresh dropped", `<meta http-equiv="refresh" content="0;url=https://x.example">hi`, "hi", "refresh"},
		{"entities stay escaped", `&lt;script&gt;`, "&lt;script&gt;", "<script"},
		{"svg dropped", `<svg><script>alert(1)</script></svg>ok`, "ok", "svg"},
		{"attribute breakout escaped", `<td width='1" onload="x'>t</td>`, `width="1&#34; onload=&#34;x"`, `" onload="`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := sanitizeEmailHTML(c.in)
			if !strings.Contains(got, c.want) {
				t.Errorf("got %q, want it to contain %q", got, c.want)
			}
			if c.not != "" && strings.Contains(got, c.not) {
				t.Errorf("got %q, must not contain %q", got, c.not)
			}
		})
	}
}

// dangerousTag finds a tag that runs or fetches; text cannot match it
// because the sanitizer escapes every "<" of text.
var dangerousTag = regexp.MustCompile(`(?i)<\s*(script|style|iframe|object|embed|form|input|img|a|link|meta|base|svg|math|frame)\b`)

// FuzzSanitize checks on any input that the output, parsed as a browser
// would, has no element or attribute that runs or fetches anything.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{`<a href="x">y</a>`, `<img src=x onerror=alert(1)>`, `<scr<script>ipt>`, `<div style="a:url(x)">`,
		`<!--<script>-->`, `<p>a</p>`, `<table><td bgcolor=red>x`, "<a href='x'>\x00</a>", `<svg/onload=x>`, `<<script>>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := sanitizeEmailHTML(in)
		if dangerousTag.MatchString(out) {
			t.Fatalf("unsafe output %q from %q", out, in)
		}
		// What a browser builds from the output has no dangerous node either.
		doc, err := html.Parse(strings.NewReader(out))
		if err != nil {
			return
		}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				if !allowedTags[n.DataAtom] && n.Data != "html" && n.Data != "head" && n.Data != "body" && n.Data != "span" {
					t.Fatalf("element %q in output %q", n.Data, out)
				}
				for _, a := range n.Attr {
					if !allowedAttrs[a.Key] && a.Key != "class" && a.Key != "title" {
						t.Fatalf("attribute %q in output %q", a.Key, out)
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
	})
}
