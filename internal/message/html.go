package message

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlResult is the output of analyzeHTML.
type htmlResult struct {
	visible string
	hidden  []Hidden
}

// maxHTMLStack bounds the open-element stack on malformed, deeply nested HTML.
const maxHTMLStack = 512

// maxHiddenEntries caps the hidden-content entries kept per body.
const maxHiddenEntries = 100

// openElem is one element on the stack with the state it gives its content.
type openElem struct {
	tag     atom.Atom
	name    string
	skip    bool       // content is never rendered (script, style, head, ...)
	hidden  HiddenKind // why the content is invisible, "" when visible
	bg      string     // effective background colour
	color   string     // effective text colour
	hidText *strings.Builder
	link    *pendingLink
}

// pendingLink collects the display text of an <a> element.
type pendingLink struct {
	href string
	text strings.Builder
}

// analyzeHTML walks an HTML body once with the tokenizer, producing the text a
// reader sees, the content hidden from the reader, and every link (href, src,
// form action, formaction, srcset, meta refresh, CSS url(), background).
func analyzeHTML(doc, part string, links *linkSet) htmlResult {
	var res htmlResult
	var vis strings.Builder
	vis.Grow(len(doc) / 3)
	z := html.NewTokenizer(strings.NewReader(doc))
	// The page background is white unless the message says otherwise.
	stack := []openElem{{bg: "#ffffff"}}
	lastSpace := true
	var attrs []html.Attribute // reused from tag to tag
	writeVisible := func(s string) {
		for _, r := range s {
			if isCollapsibleSpace(r) {
				if !lastSpace {
					vis.WriteByte(' ')
					lastSpace = true
				}
				continue
			}
			vis.WriteRune(r)
			lastSpace = false
		}
	}
	newline := func() {
		str := vis.String()
		if strings.HasSuffix(str, "\n") || vis.Len() == 0 {
			return
		}
		vis.WriteByte('\n')
		lastSpace = true
	}
	addHidden := func(kind HiddenKind, text string) {
		t := strings.TrimSpace(strings.Join(strings.Fields(text), " "))
		if t == "" || len(res.hidden) >= maxHiddenEntries {
			return
		}
		n := utf8.RuneCountInString(t)
		res.hidden = append(res.hidden, Hidden{Kind: kind, Text: truncateUTF8(t, 200), Count: n})
	}
	pop := func() {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if top.hidText != nil {
			addHidden(top.hidden, top.hidText.String())
		}
		if top.link != nil {
			links.add(Link{Source: SourceHref, Part: part, URL: top.link.href, Text: strings.Join(strings.Fields(top.link.text.String()), " ")})
		}
	}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.TextToken:
			top := &stack[len(stack)-1]
			if top.skip {
				if top.tag == atom.Style {
					extractCSSLinks(string(z.Text()), part, links)
				}
				continue
			}
			text := string(z.Text())
			if top.hidden != "" {
				if h := nearestHiddenCollector(stack); h != nil && h.Len() < 4096 {
					h.WriteString(text)
					h.WriteByte(' ')
				}
				continue
			}
			writeVisible(text)
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].link != nil {
					if stack[i].link.text.Len() < 1024 {
						stack[i].link.text.WriteString(text)
					}
					break
				}
			}
		case html.CommentToken:
			c := strings.TrimSpace(string(z.Text()))
			if strings.HasPrefix(c, "[if") || strings.HasPrefix(c, "<![endif") || strings.HasPrefix(c, "[endif") {
				continue
			}
			if countLetters(c) >= 20 {
				addHidden(HiddenHTMLComment, c)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := atom.Lookup(name)
			tname := string(name)
			attrs = attrs[:0]
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if len(attrs) < 64 {
					attrs = append(attrs, html.Attribute{Key: string(k), Val: string(v)})
				}
			}
			parent := stack[len(stack)-1]
			elem := openElem{tag: tag, name: tname, skip: parent.skip, hidden: parent.hidden, bg: parent.bg, color: parent.color}
			if parent.hidden == HiddenSameColor {
				// Unlike display:none, a colour match is undone by a child
				// that sets its own colour: re-evaluated below.
				elem.hidden = ""
			}
			tagLinks(tag, attrs, part, links)
			var style string
			for _, a := range attrs {
				switch a.Key {
				case "style":
					style = a.Val
				case "hidden":
					if elem.hidden == "" {
						elem.hidden = HiddenAttributeHidden
					}
				case "bgcolor":
					elem.bg = normColor(a.Val)
				case "color":
					if tag == atom.Font {
						elem.color = normColor(a.Val)
					}
				case "size":
					if tag == atom.Font && strings.TrimSpace(a.Val) == "0" && elem.hidden == "" {
						elem.hidden = HiddenTinyFont
					}
				}
			}
			if style != "" {
				applyStyle(&elem, style)
				if strings.Contains(style, "url(") {
					extractCSSLinks(style, part, links)
				}
			}
			setsColor := elem.color != parent.color || elem.bg != parent.bg || parent.hidden == HiddenSameColor
			if elem.hidden == "" && setsColor && elem.color != "" && elem.color == elem.bg {
				elem.hidden = HiddenSameColor
			}
			switch tag {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template, atom.Xmp, atom.Iframe, atom.Object:
				elem.skip = true
			}
			if elem.hidden != "" && nearestHiddenCollector(stack) == nil && !elem.skip {
				elem.hidText = &strings.Builder{}
			}
			if tag == atom.A {
				href := attrValue(attrs, "href")
				if href != "" {
					elem.link = &pendingLink{href: href}
				}
			}
			if !elem.skip && elem.hidden == "" {
				switch {
				case tag == atom.Br:
					vis.WriteByte('\n')
					lastSpace = true
				case tag == atom.Img:
					if alt := attrValue(attrs, "alt"); alt != "" {
						writeVisible(alt)
						for i := len(stack) - 1; i >= 0; i-- {
							if stack[i].link != nil {
								stack[i].link.text.WriteString(alt)
								break
							}
						}
					}
				case isBlock(tag):
					newline()
				}
			}
			if tt == html.SelfClosingTagToken || isVoid(tag) {
				if elem.link != nil {
					links.add(Link{Source: SourceHref, Part: part, URL: elem.link.href})
				}
				continue
			}
			if len(stack) >= maxHTMLStack {
				// Treat as void to keep the stack bounded.
				if elem.link != nil {
					links.add(Link{Source: SourceHref, Part: part, URL: elem.link.href})
				}
				continue
			}
			stack = append(stack, elem)
		case html.EndTagToken:
			name, _ := z.TagName()
			tname := string(name)
			// Pop to the matching element if it is open; ignore stray end tags.
			match := -1
			for i := len(stack) - 1; i >= 1; i-- {
				if stack[i].name == tname {
					match = i
					break
				}
			}
			if match < 0 {
				continue
			}
			for len(stack) > match {
				pop()
			}
			if isBlock(atom.Lookup(name)) && !stack[len(stack)-1].skip && stack[len(stack)-1].hidden == "" {
				newline()
			}
		}
	}
	for len(stack) > 1 {
		pop()
	}
	res.visible = tidyVisible(vis.String())
	res.hidden = append(res.hidden, hiddenCharacters(res.visible)...)
	return res
}

// nearestHiddenCollector returns the collector of the outermost hidden element.
func nearestHiddenCollector(stack []openElem) *strings.Builder {
	for i := range stack {
		if stack[i].hidText != nil {
			return stack[i].hidText
		}
	}
	return nil
}

// applyStyle reads the inline CSS declarations that hide content or set colours.
func applyStyle(e *openElem, style string) {
	for decl := range strings.SplitSeq(style, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important")))
		v = strings.TrimSpace(v)
		hide := HiddenKind("")
		switch k {
		case "display":
			if v == "none" {
				hide = HiddenDisplayNone
			}
		case "visibility":
			if v == "hidden" || v == "collapse" {
				hide = HiddenVisibility
			}
		case "font-size":
			if tinyLength(v, true) {
				hide = HiddenTinyFont
			}
		case "opacity":
			if f, err := strconv.ParseFloat(v, 64); err == nil && f < 0.05 {
				hide = HiddenOpacity
			}
		case "width", "height", "max-height", "max-width", "line-height":
			if tinyLength(v, false) && (k != "line-height") {
				hide = HiddenZeroSize
			}
		case "color":
			e.color = normColor(v)
		case "background-color":
			e.bg = normColor(v)
		case "background":
			if c := normColor(strings.Fields(v + " x")[0]); c != "" {
				e.bg = c
			}
		}
		if hide != "" && e.hidden == "" {
			e.hidden = hide
		}
	}
}

// tinyLength reports whether a CSS length is zero (or, for fonts, below ~2px).
func tinyLength(v string, font bool) bool {
	v = strings.TrimSpace(v)
	num := strings.TrimRightFunc(v, unicode.IsLetter)
	num = strings.TrimSuffix(num, "%")
	unit := strings.TrimPrefix(v, num)
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return false
	}
	if f == 0 {
		return true
	}
	if !font {
		return false
	}
	switch unit {
	case "px", "pt", "":
		return f < 2
	case "em", "rem":
		return f < 0.2
	case "%":
		return f < 20
	}
	return false
}

// namedColors maps the colour names used for hiding to hex.
var namedColors = map[string]string{
	"white": "#ffffff", "black": "#000000", "red": "#ff0000", "blue": "#0000ff",
	"green": "#008000", "yellow": "#ffff00", "gray": "#808080", "grey": "#808080",
	"silver": "#c0c0c0", "transparent": "",
}

// normColor returns a colour as #rrggbb, or "" when it cannot be read.
func normColor(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if c, ok := namedColors[v]; ok {
		return c
	}
	if strings.HasPrefix(v, "rgb(") && strings.HasSuffix(v, ")") {
		parts := strings.Split(v[4:len(v)-1], ",")
		if len(parts) == 3 {
			out := "#"
			for _, p := range parts {
				n, err := strconv.Atoi(strings.TrimSpace(p))
				if err != nil || n < 0 || n > 255 {
					return ""
				}
				out += strconv.FormatInt(int64(n)|0x100, 16)[1:]
			}
			return out
		}
		return ""
	}
	if !strings.HasPrefix(v, "#") {
		if len(v) == 6 || len(v) == 3 {
			v = "#" + v
		} else {
			return ""
		}
	}
	h := v[1:]
	for _, c := range h {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return ""
		}
	}
	switch len(h) {
	case 3:
		return "#" + string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	case 6:
		return v
	}
	return ""
}

func attrValue(attrs []html.Attribute, key string) string {
	for _, a := range attrs {
		if a.Key == key {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}

func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Tr, atom.Table, atom.Li, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3,
		atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre, atom.Hr, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Form, atom.Center, atom.Dl, atom.Dt, atom.Dd, atom.Address,
		atom.Body, atom.Html, atom.Tbody, atom.Thead, atom.Main, atom.Nav, atom.Aside, atom.Figure:
		return true
	}
	return false
}

// isCollapsibleSpace reports the characters HTML rendering collapses.
func isCollapsibleSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

// tidyVisible trims each line and drops runs of blank lines.
func tidyVisible(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// hiddenCharacters finds zero-width and bidi control characters and long
// runs of padding (whitespace, NBSP, soft hyphens) in text a reader sees.
func hiddenCharacters(s string) []Hidden {
	var zw, bidi, longest, run int
	for _, r := range s {
		switch {
		case r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff' || r == '\u00ad' || r == '\u180e':
			zw++
		case r == '\u200e' || r == '\u200f' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u061c':
			bidi++
		}
		if r == ' ' || r == '\u00a0' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000' || r == '\u2007' || r == '\u200b' || r == '\u00ad' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	var out []Hidden
	if zw > 0 {
		out = append(out, Hidden{Kind: HiddenZeroWidthChars, Text: "zero-width characters", Count: zw})
	}
	if bidi > 0 {
		out = append(out, Hidden{Kind: HiddenBidiControl, Text: "bidirectional control characters", Count: bidi})
	}
	if longest >= 100 {
		out = append(out, Hidden{Kind: HiddenWhitespaceRun, Text: "longest run of padding characters", Count: longest})
	}
	return out
}
