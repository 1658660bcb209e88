package message

import (
	"slices"
	"strings"
	"testing"
)

func TestAnalyzeHTMLHidden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, html string
		kind       HiddenKind
		visible    string
	}{
		{"display none", `<p>shown</p><div style="display: none !important">secret words</div>`, HiddenDisplayNone, "shown"},
		{"visibility", `<p>shown</p><span style="visibility:hidden">secret words</span>`, HiddenVisibility, "shown"},
		{"tiny font", `<p>shown</p><span style="font-size:1px">secret words</span>`, HiddenTinyFont, "shown"},
		{"font size 0", `<p>shown</p><font size="0">secret words</font>`, HiddenTinyFont, "shown"},
		{"white on default", `<p>shown</p><span style="color:#FFF">secret words</span>`, HiddenSameColor, "shown"},
		{"same rgb", `<table bgcolor="#102030"><tr><td><p>shown</p><font color="rgb(16,32,48)">secret words</font></td></tr></table>`, HiddenSameColor, "shown"},
		{"opacity", `<p>shown</p><div style="opacity:0">secret words</div>`, HiddenOpacity, "shown"},
		{"zero height", `<p>shown</p><div style="max-height:0;overflow:hidden">secret words</div>`, HiddenZeroSize, "shown"},
		{"hidden attribute", `<p>shown</p><div hidden>secret words</div>`, HiddenAttributeHidden, "shown"},
		{"child colour visible again", `<table bgcolor="#990000"><tr><td><font color="#990000">secret words <font color="#ffffff">shown</font></font></td></tr></table>`, HiddenSameColor, "shown"},
		{"nested inherits", `<p>shown</p><div style="display:none"><p>secret <b>words</b></p></div>`, HiddenDisplayNone, "shown"},
		{"comment", `<p>shown</p><!-- many secret words hidden in a long comment -->`, HiddenHTMLComment, "shown"},
		{"zero width", "<p>sh\u200bown</p>", HiddenZeroWidthChars, "sh\u200bown"},
		{"bidi", "<p>sh\u202eown</p>", HiddenBidiControl, "sh\u202eown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := analyzeHTML(tt.html, "1", newLinkSet(100, &defectList{}))
			if res.visible != tt.visible {
				t.Errorf("visible = %q, want %q", res.visible, tt.visible)
			}
			if !slices.ContainsFunc(res.hidden, func(h Hidden) bool { return h.Kind == tt.kind }) {
				t.Errorf("hidden = %+v, want kind %s", res.hidden, tt.kind)
			}
		})
	}
}

func TestAnalyzeHTMLVisibleText(t *testing.T) {
	t.Parallel()
	res := analyzeHTML(`<html><head><title>T</title><style>p{color:red}</style><script>var x=1</script></head>
<body><h1>Hello</h1><p>line   one<br>line two</p><ul><li>a</li><li>b</li></ul><img alt="logo"></body></html>`, "1", newLinkSet(10, &defectList{}))
	want := "Hello\nline one\nline two\na\nb\nlogo"
	if res.visible != want {
		t.Errorf("visible = %q, want %q", res.visible, want)
	}
	if len(res.hidden) != 0 {
		t.Errorf("hidden = %+v", res.hidden)
	}
}

func TestIndexURLOpen(t *testing.T) {
	t.Parallel()
	for _, css := range []string{"", "url(", "x url(a)", "URL(a)", "uRl(a)", "(url(a)", "ur(l(", "a(b(url(c)", "xurl (a) url(b)", "ſrl(a)", "\u0130url(a)"} {
		want := strings.Index(asciiLower(css), "url(")
		if got := indexURLOpen(css); got != want {
			t.Errorf("indexURLOpen(%q) = %d, want %d", css, got, want)
		}
	}
}
