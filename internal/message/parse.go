package message

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ErrEmpty is returned by Parse when the input has no bytes at all.
var ErrEmpty = errors.New("message: empty input")

// Parse reads one raw RFC 5322 message and returns its model. It returns an
// error only when nothing at all can be read (empty input); every other
// problem is recorded in Message.Defects and a partial model is returned.
// Zero fields of opts take their values from DefaultLimits. Parse never
// panics and never touches the network.
func Parse(raw []byte, opts Limits) (*Message, error) {
	if len(raw) == 0 {
		return nil, ErrEmpty
	}
	lim := opts.withDefaults()
	p := &parser{lim: lim, deadline: time.Now().Add(lim.MaxTime)}
	m := p.parseMessage(raw, 0)
	return m, nil
}

// parser holds the budget shared by a message and the messages nested in it.
type parser struct {
	lim      Limits
	deadline time.Time
	parts    int
	decoded  int64
	// limitHit remembers which limits were already reported.
	partsReported, decodedReported, timeReported bool
}

// expired reports whether the time budget is spent, recording it once.
func (p *parser) expired(dl *defectList) bool {
	if time.Now().Before(p.deadline) {
		return false
	}
	if !p.timeReported {
		p.timeReported = true
		dl.add(DefectLimit, "", "time budget of %s spent; later stages skipped", p.lim.MaxTime)
	}
	return true
}

// parseMessage builds the model of one message (top-level or nested at depth).
func (p *parser) parseMessage(raw []byte, depth int) (m *Message) {
	m = &Message{Size: len(raw), Auth: Authentication{BCL: -1, SCL: -2}}
	dl := &defectList{}
	defer func() {
		if r := recover(); r != nil {
			dl.add(DefectInternal, "", "recovered from panic: %v", r)
		}
		m.Defects = dl.result()
		if m.Headers == nil {
			m.Headers = []Header{}
		}
		if m.Parts == nil {
			m.Parts = []Part{}
		}
	}()
	sum := sha256.Sum256(raw)
	m.SHA256 = hex.EncodeToString(sum[:])
	if len(raw) > p.lim.MaxMessageBytes {
		dl.add(DefectLimit, "", "message of %d bytes cut to the limit of %d", len(raw), p.lim.MaxMessageBytes)
		dl.add(DefectTruncated, "", "content beyond %d bytes not read", p.lim.MaxMessageBytes)
		raw = raw[:p.lim.MaxMessageBytes]
	}

	hb := parseHeaderBlock(raw, "", p.lim.MaxHeaders, dl)
	m.Headers = hb.fields
	fillConvenience(m, hb, dl)
	m.Received = parseReceivedChain(hb)
	m.Auth = parseAuthentication(hb, dl)

	b := p.readMIME(raw, hb, depth, dl)
	m.Parts = b.parts
	m.Text = b.text
	m.HTML = b.html

	if p.expired(dl) {
		return m
	}
	links := newLinkSet(p.lim.MaxLinks, dl)
	if m.HTML != "" {
		hr := analyzeHTML(m.HTML, b.htmlPart, links)
		m.VisibleText = hr.visible
		m.Hidden = hr.hidden
	} else {
		m.VisibleText = m.Text
	}
	if m.HTML == "" {
		m.Hidden = append(m.Hidden, hiddenCharacters(m.Text)...)
	}
	if m.Text != "" {
		extractTextLinks(m.Text, b.textPart, SourceText, links)
	}
	for _, a := range b.amp {
		if p.expired(dl) {
			break
		}
		analyzeHTML(decodeBody(a.content), a.part.ID, links) // its links only
	}
	for _, u := range m.ListUnsubscribe {
		if isWebURL(u) {
			links.add(Link{Source: SourceHeader, URL: u})
		}
	}

	for _, a := range b.attachments {
		if p.expired(dl) {
			break
		}
		m.Attachments = append(m.Attachments, p.analyzeAttachment(a, links, dl))
	}
	for i := range m.Parts {
		if n := m.Parts[i].Message; n != nil {
			mergeNested(m, n, m.Parts[i].ID, links)
		}
	}
	m.Links = links.list
	m.Indicators = collectIndicators(m)
	return m
}

// mergeNested lifts the links and attachments of a nested message into m,
// with part ids prefixed by the message/rfc822 part id and a slash.
func mergeNested(m, n *Message, partID string, links *linkSet) {
	for _, l := range n.Links {
		l.Part = partID + "/" + l.Part
		links.addResolved(l)
	}
	for _, a := range n.Attachments {
		a.Part = partID + "/" + a.Part
		m.Attachments = append(m.Attachments, a)
	}
}

// String gives a one-line summary, for logs and test failures.
func (m *Message) String() string {
	from := ""
	if m.From != nil {
		from = m.From.Address
	}
	return fmt.Sprintf("message %.12s from=%q subject=%q parts=%d links=%d attachments=%d defects=%d",
		m.SHA256, from, m.Subject, len(m.Parts), len(m.Links), len(m.Attachments), len(m.Defects))
}
