package message

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// conformanceThreshold is the least share of compared fields on which our
// parse must agree with stalwart's mail-parser on malformed/stalwart. The
// figure measured when this test was written is in docs/message-model.md.
const conformanceThreshold = 0.934

// stalwartMessage is the part of mail-parser's JSON this test reads.
type stalwartMessage struct {
	TextBody    []int          `json:"text_body"`
	HTMLBody    []int          `json:"html_body"`
	Attachments []int          `json:"attachments"`
	Parts       []stalwartPart `json:"parts"`
}

type stalwartPart struct {
	Headers []struct {
		Name  json.RawMessage `json:"name"`
		Value json.RawMessage `json:"value"`
	} `json:"headers"`
	Body map[string]json.RawMessage `json:"body"`
}

// header returns the raw value of the first header with this (snake_case) name.
func (p stalwartPart) header(name string) json.RawMessage {
	for _, h := range p.Headers {
		var n string
		if json.Unmarshal(h.Name, &n) == nil && n == name {
			return h.Value
		}
	}
	return nil
}

type stalwartAddr struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

func stalwartAddresses(v json.RawMessage) []string {
	var val struct {
		Address struct {
			List  []stalwartAddr `json:"List"`
			Group []struct {
				Addresses []stalwartAddr `json:"addresses"`
			} `json:"Group"`
		} `json:"Address"`
	}
	if v == nil || json.Unmarshal(v, &val) != nil {
		return nil
	}
	var out []string
	for _, a := range val.Address.List {
		out = append(out, normAddr(a.Name, a.Address))
	}
	for _, g := range val.Address.Group {
		for _, a := range g.Addresses {
			out = append(out, normAddr(a.Name, a.Address))
		}
	}
	return out
}

func normAddr(name, addr string) string {
	return strings.ToLower(strings.TrimSpace(addr)) + "|" + strings.Join(strings.Fields(name), " ")
}

func stalwartText(v json.RawMessage) (string, bool) {
	var val struct {
		Text *string `json:"Text"`
	}
	if v == nil || json.Unmarshal(v, &val) != nil || val.Text == nil {
		return "", false
	}
	return *val.Text, true
}

func stalwartDate(v json.RawMessage) (time.Time, bool) {
	var val struct {
		DateTime *struct {
			Year, Month, Day, Hour, Minute, Second int
			TzBeforeGMT                            bool `json:"tz_before_gmt"`
			TzHour                                 int  `json:"tz_hour"`
			TzMinute                               int  `json:"tz_minute"`
		} `json:"DateTime"`
	}
	if v == nil || json.Unmarshal(v, &val) != nil || val.DateTime == nil {
		return time.Time{}, false
	}
	d := val.DateTime
	off := (d.TzHour*60 + d.TzMinute) * 60
	if d.TzBeforeGMT {
		off = -off
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, d.Hour, d.Minute, d.Second, 0, time.FixedZone("", off)), true
}

// filename reads the attachment name from Content-Disposition or Content-Type.
func (p stalwartPart) filename() string {
	for _, hn := range []string{"content_disposition", "content_type"} {
		var val struct {
			ContentType struct {
				Attributes []struct{ Name, Value string } `json:"attributes"`
			} `json:"ContentType"`
		}
		if v := p.header(hn); v != nil && json.Unmarshal(v, &val) == nil {
			for _, a := range val.ContentType.Attributes {
				if strings.EqualFold(a.Name, "filename") || (hn == "content_type" && strings.EqualFold(a.Name, "name")) {
					return a.Value
				}
			}
		}
	}
	return ""
}

// bodySize is the decoded size of a leaf part, or -1.
func (p stalwartPart) bodySize() int {
	for _, k := range []string{"Binary", "InlineBinary"} {
		if raw, ok := p.Body[k]; ok {
			var b []int
			if json.Unmarshal(raw, &b) == nil {
				return len(b)
			}
		}
	}
	for _, k := range []string{"Text", "Html"} {
		if raw, ok := p.Body[k]; ok {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				return len(s)
			}
		}
	}
	return -1
}

func normText(s string) string { return strings.Join(strings.Fields(s), " ") }

// sameText compares whitespace-normalised texts, where a U+FFFD in
// mail-parser's output (its rendering of undeclared 8-bit bytes, which we
// read as Windows-1252) matches any one character of ours.
func sameText(ours, theirs string) bool {
	return sameRunes([]rune(normText(ours)), []rune(normText(theirs)))
}

// sameName compares file names exactly but for the same U+FFFD rule.
func sameName(ours, theirs string) bool {
	return sameRunes([]rune(ours), []rune(theirs))
}

func sameRunes(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && b[i] != '\uFFFD' {
			return false
		}
	}
	return true
}

// fieldScore counts agreements for one field.
type fieldScore struct{ agree, total int }

// TestStalwartConformance compares our parse of every malformed/stalwart
// X.eml with mail-parser's X.json on the fields both models have.
func TestStalwartConformance(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "malformed/stalwart/*.eml"))
	if len(files) == 0 {
		t.Skip("corpus not present")
	}
	scores := map[string]*fieldScore{}
	record := func(field, file string, ok bool, got, want any) {
		s := scores[field]
		if s == nil {
			s = &fieldScore{}
			scores[field] = s
		}
		s.total++
		if ok {
			s.agree++
		} else if testing.Verbose() {
			t.Logf("%s %s:\n  ours:     %.300q\n  stalwart: %.300q", filepath.Base(file), field, fmt.Sprint(got), fmt.Sprint(want))
		}
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// mail-parser's expected parse of the file as stored (CRLF) is X.crlf.json when present.
		jb, err := os.ReadFile(strings.TrimSuffix(f, ".eml") + ".crlf.json")
		if err != nil || !bytes.Contains(raw, []byte("\r\n")) {
			jb, err = os.ReadFile(strings.TrimSuffix(f, ".eml") + ".json")
		}
		if err != nil {
			continue
		}
		var want stalwartMessage
		if err := json.Unmarshal(jb, &want); err != nil || len(want.Parts) == 0 {
			continue
		}
		m, err := Parse(raw, Limits{})
		if err != nil {
			record("parse", f, false, err, "ok")
			continue
		}
		root := want.Parts[0]
		if s, ok := stalwartText(root.header("subject")); ok {
			record("subject", f, sameText(m.Subject, s), m.Subject, s)
		}
		for _, fld := range []struct {
			name string
			ours []Address
		}{{"from", addrSlice(m.From)}, {"to", m.To}, {"cc", m.Cc}} {
			w := stalwartAddresses(root.header(fld.name))
			if w == nil {
				continue
			}
			var g []string
			for _, a := range fld.ours {
				g = append(g, normAddr(a.Name, a.Address))
			}
			record(fld.name, f, slices.EqualFunc(g, w, sameText), g, w)
		}
		if d, ok := stalwartDate(root.header("date")); ok {
			record("date", f, m.Date.Equal(d), m.Date, d)
		}
		if id, ok := stalwartText(root.header("message_id")); ok {
			record("message-id", f, m.MessageID == id, m.MessageID, id)
		}
		// Body text: the text/plain parts stalwart lists as text body.
		var wantText []string
		allText := len(want.TextBody) > 0
		for _, i := range want.TextBody {
			if i < 0 || i >= len(want.Parts) {
				allText = false
				break
			}
			raw, ok := want.Parts[i].Body["Text"]
			var s string
			if !ok || json.Unmarshal(raw, &s) != nil {
				allText = false
				break
			}
			wantText = append(wantText, s)
		}
		if allText {
			w := normText(strings.Join(wantText, "\n"))
			record("body text", f, sameText(m.Text, w), m.Text, w)
		}
		// Attachments: names and sizes, as sorted lists (top-level only).
		var wn, gn []string
		var ws, gs []int
		for _, i := range want.Attachments {
			if i < 0 || i >= len(want.Parts) {
				continue
			}
			p := want.Parts[i]
			wn = append(wn, p.filename())
			ws = append(ws, p.bodySize())
		}
		for _, a := range m.Attachments {
			if strings.Contains(a.Part, "/") {
				continue
			}
			gn = append(gn, a.Filename)
			gs = append(gs, a.Size)
		}
		slices.Sort(wn)
		slices.Sort(gn)
		slices.Sort(ws)
		slices.Sort(gs)
		if len(wn) > 0 || len(gn) > 0 {
			record("attachment names", f, slices.EqualFunc(gn, wn, sameName), gn, wn)
			// A size of -1 is an attached message, whose size mail-parser does not give.
			if !slices.Contains(ws, -1) {
				record("attachment sizes", f, slices.Equal(ws, gs), gs, ws)
			}
		}
	}
	var agree, total int
	names := make([]string, 0, len(scores))
	for k := range scores {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		s := scores[k]
		agree += s.agree
		total += s.total
		t.Logf("%-17s %3d/%3d  %5.1f%%", k, s.agree, s.total, 100*float64(s.agree)/float64(s.total))
	}
	rate := float64(agree) / float64(max(total, 1))
	t.Logf("overall agreement: %d/%d fields = %.1f%% over %d messages", agree, total, 100*rate, len(files))
	if rate < conformanceThreshold {
		t.Errorf("agreement %.1f%% below the threshold of %.1f%%", 100*rate, 100*conformanceThreshold)
	}
}

func addrSlice(a *Address) []Address {
	if a == nil {
		return nil
	}
	return []Address{*a}
}
