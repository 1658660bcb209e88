package web

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Email HTML is hostile. sanitizeEmailHTML keeps the layout a reader sees
// (text, tables, lists, emphasis, inline style) and drops everything that
// runs, fetches or navigates: scripts, styles sheets, forms, frames, objects,
// event handlers, every URL-bearing attribute. Links become plain text with
// their target shown beside them, images become a placeholder naming their
// source. The result is served on its own page with a CSP that allows
// nothing but inline style, inside an <iframe sandbox> with no permission.

// allowedTags are kept (their content is kept for any other tag, except
// those in droppedWithContent).
var allowedTags = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Span: true, atom.Br: true, atom.Hr: true, atom.B: true, atom.I: true, atom.U: true,
	atom.Strong: true, atom.Em: true, atom.Small: true, atom.Big: true, atom.Sub: true, atom.Sup: true, atom.S: true, atom.Strike: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Pre: true,
	atom.Code: true, atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Table: true,
	atom.Thead: true, atom.Tbody: true, atom.Tfoot: true, atom.Tr: true, atom.Td: true, atom.Th: true, atom.Caption: true,
	atom.Center: true, atom.Font: true, atom.Abbr: true, atom.Address: true, atom.Cite: true, atom.Q: true, atom.Mark: true,
}

// droppedWithContent are removed together with everything inside them.
var droppedWithContent = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Iframe: true, atom.Frame: true, atom.Frameset: true, atom.Object: true,
	atom.Embed: true, atom.Applet: true, atom.Noscript: true, atom.Template: true, atom.Svg: true, atom.Math: true,
	atom.Head: true, atom.Title: true, atom.Select: true, atom.Textarea: true, atom.Button: true,
}

// allowedAttrs are presentation attributes that carry no URL.
var allowedAttrs = map[string]bool{
	"style": true, "align": true, "valign": true, "width": true, "height": true, "colspan": true, "rowspan": true,
	"bgcolor": true, "color": true, "face": true, "size": true, "border": true, "cellpadding": true, "cellspacing": true, "dir": true,
}

// unsafeCSS matches what in a style attribute could fetch or run.
var unsafeCSS = regexp.MustCompile(`(?i)url\s*\(|expression\s*\(|@import|behavior\s*:|-moz-binding|javascript:|\\`)

// sanitizeEmailHTML returns the safe rendering of src.
func sanitizeEmailHTML(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var (
		out   strings.Builder
		skip  int       // depth inside a dropped-with-content element
		skipA atom.Atom // that element
		links []string  // targets of the <a> elements open
	)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out.String() // io.EOF, or a tokenizer limit: stop there
		case html.TextToken:
			if skip == 0 {
				out.WriteString(html.EscapeString(string(z.Text())))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			if skip > 0 {
				if t.DataAtom == skipA && tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if droppedWithContent[t.DataAtom] {
				if tt == html.StartTagToken {
					skip, skipA = 1, t.DataAtom
				}
				continue
			}
			switch t.DataAtom {
			case atom.A:
				if tt == html.StartTagToken {
					out.WriteString(`<span class="q-link">`)
					links = append(links, attr(t, "href"))
				}
				continue
			case atom.Img:
				out.WriteString(`<span class="q-img">[image`)
				if alt := attr(t, "alt"); alt != "" {
					out.WriteString(": " + html.EscapeString(shorten(alt, 100)))
				}
				if src := attr(t, "src"); src != "" {
					out.WriteString(" from " + html.EscapeString(shorten(src, 100)))
				}
				out.WriteString("]</span>")
				continue
			}
			if !allowedTags[t.DataAtom] {
				continue // the tag goes, its text stays
			}
			out.WriteString("<" + t.DataAtom.String())
			for _, a := range t.Attr {
				k := strings.ToLower(a.Key)
				if !allowedAttrs[k] || a.Namespace != "" || (k == "style" && unsafeCSS.MatchString(a.Val)) {
					continue
				}
				out.WriteString(" " + k + `="` + html.EscapeString(a.Val) + `"`)
			}
			out.WriteString(">")
		case html.EndTagToken:
			t := z.Token()
			if skip > 0 {
				if t.DataAtom == skipA {
					skip--
				}
				continue
			}
			switch {
			case t.DataAtom == atom.A:
				if n := len(links); n > 0 {
					href := links[n-1]
					links = links[:n-1]
					out.WriteString("</span>")
					if href != "" {
						out.WriteString(` <span class="q-target">[` + html.EscapeString(shorten(href, 200)) + `]</span>`)
					}
				}
			case allowedTags[t.DataAtom] && t.DataAtom != atom.Br && t.DataAtom != atom.Hr:
				out.WriteString("</" + t.DataAtom.String() + ">")
			}
		}
	}
}

func attr(t html.Token, name string) string {
	for _, a := range t.Attr {
		if strings.EqualFold(a.Key, name) {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
