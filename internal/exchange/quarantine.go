package exchange

import (
	"context"
	"encoding/base64"
	"fmt"
	"iter"
	"strings"
	"time"
)

// QuarantineType is why a message was quarantined (Get-QuarantineMessage's
// QuarantineTypes enum).
type QuarantineType string

// Quarantine types.
const (
	TypeSpam               QuarantineType = "Spam"
	TypeTransportRule      QuarantineType = "TransportRule"
	TypeBulk               QuarantineType = "Bulk"
	TypePhish              QuarantineType = "Phish"
	TypeHighConfPhish      QuarantineType = "HighConfPhish"
	TypeMalware            QuarantineType = "Malware"
	TypeSPOMalware         QuarantineType = "SPOMalware"
	TypeDataLossPrevention QuarantineType = "DataLossPrevention"
	TypeFileTypeBlock      QuarantineType = "FileTypeBlock"
	TypeAdminTriggered     QuarantineType = "AdminTriggered"
	TypePPI                QuarantineType = "PPI"
)

// QuarantineTypes lists every quarantine type.
func QuarantineTypes() []QuarantineType {
	return []QuarantineType{TypeSpam, TypeTransportRule, TypeBulk, TypePhish, TypeHighConfPhish, TypeMalware,
		TypeSPOMalware, TypeDataLossPrevention, TypeFileTypeBlock, TypeAdminTriggered, TypePPI}
}

// ParseQuarantineType reads an enum name or a display name ("High
// Confidence Phish"), case- and space-insensitively.
func ParseQuarantineType(s string) (QuarantineType, bool) {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	n := norm(s)
	if n == "highconfidencephish" {
		return TypeHighConfPhish, true
	}
	for _, t := range QuarantineTypes() {
		if norm(string(t)) == n {
			return t, true
		}
	}
	return "", false
}

// ReleaseStatus is an item's release state. Exchange answers in upper case
// (NOTRELEASED); Parse maps it to these names.
type ReleaseStatus string

// Release states.
const (
	StatusApproved           ReleaseStatus = "Approved"
	StatusDenied             ReleaseStatus = "Denied"
	StatusError              ReleaseStatus = "Error"
	StatusNotReleased        ReleaseStatus = "NotReleased"
	StatusPreparingToRelease ReleaseStatus = "PreparingToRelease"
	StatusReleased           ReleaseStatus = "Released"
	StatusRequested          ReleaseStatus = "Requested"
)

// ReleaseStatuses lists every release state.
func ReleaseStatuses() []ReleaseStatus {
	return []ReleaseStatus{StatusApproved, StatusDenied, StatusError, StatusNotReleased,
		StatusPreparingToRelease, StatusReleased, StatusRequested}
}

// ParseReleaseStatus reads a release state case-insensitively.
func ParseReleaseStatus(s string) (ReleaseStatus, bool) {
	for _, st := range ReleaseStatuses() {
		if strings.EqualFold(string(st), strings.TrimSpace(s)) {
			return st, true
		}
	}
	return "", false
}

// Direction of a quarantined message.
type Direction string

// Directions.
const (
	Inbound  Direction = "Inbound"
	Outbound Direction = "Outbound"
)

// EntityType is where a quarantined item comes from.
type EntityType string

// Entity types.
const (
	EntityEmail              EntityType = "Email"
	EntitySharePointOnline   EntityType = "SharePointOnline"
	EntityTeams              EntityType = "Teams"
	EntityDataLossPrevention EntityType = "DataLossPrevention"
)

// Filter selects quarantine items; zero fields do not filter. Without
// dates Exchange returns the last 16 days, and never more than 30.
type Filter struct {
	StartReceived, EndReceived time.Time
	StartExpires, EndExpires   time.Time
	Types                      []QuarantineType
	Direction                  Direction
	Recipients                 []string
	Senders                    []string
	Subject                    string
	MessageID                  string // with the angle brackets
	ReleaseStatus              []ReleaseStatus
	PolicyTypes                []string
	PolicyName                 string
	RecipientTags              []string
	Reported                   *bool
	EntityType                 EntityType
	// PageSize overrides the client's page size (1–1000).
	PageSize int
}

func (f Filter) params(page, pageSize int) Params {
	p := Params{"Page": page, "PageSize": pageSize,
		"StartReceivedDate": f.StartReceived, "EndReceivedDate": f.EndReceived,
		"StartExpiresDate": f.StartExpires, "EndExpiresDate": f.EndExpires}
	if len(f.Types) > 0 {
		types := make([]string, len(f.Types))
		for i, t := range f.Types {
			types[i] = string(t)
		}
		p["QuarantineTypes"] = types
	}
	if f.Direction != "" {
		p["Direction"] = string(f.Direction)
	}
	if len(f.Recipients) > 0 {
		p["RecipientAddress"] = f.Recipients
	}
	if len(f.Senders) > 0 {
		p["SenderAddress"] = f.Senders
	}
	if f.Subject != "" {
		p["Subject"] = f.Subject
	}
	if f.MessageID != "" {
		p["MessageId"] = f.MessageID
	}
	if len(f.ReleaseStatus) > 0 {
		rs := make([]string, len(f.ReleaseStatus))
		for i, s := range f.ReleaseStatus {
			rs[i] = string(s)
		}
		p["ReleaseStatus"] = rs
	}
	if len(f.PolicyTypes) > 0 {
		p["PolicyTypes"] = f.PolicyTypes
	}
	if f.PolicyName != "" {
		p["PolicyName"] = f.PolicyName
	}
	if len(f.RecipientTags) > 0 {
		p["RecipientTag"] = f.RecipientTags
	}
	if f.Reported != nil {
		p["Reported"] = *f.Reported
	}
	if f.EntityType != "" {
		p["EntityType"] = string(f.EntityType)
	}
	return p
}

// Message is one quarantine item (one row of Get-QuarantineMessage: one
// message for one recipient).
type Message struct {
	Identity         string         `json:"identity"`
	ReceivedTime     time.Time      `json:"received_time"`
	Expires          time.Time      `json:"expires"`
	MessageID        string         `json:"message_id"`
	SenderAddress    string         `json:"sender_address"`
	RecipientAddress []string       `json:"recipient_address"`
	Subject          string         `json:"subject"`
	Size             int64          `json:"size"`
	Type             QuarantineType `json:"type"`
	// TypeDisplay is the Type column as Exchange shows it.
	TypeDisplay          string        `json:"type_display"`
	PolicyType           string        `json:"policy_type"`
	PolicyName           string        `json:"policy_name"`
	TagName              string        `json:"tag_name"`
	ReleaseStatus        ReleaseStatus `json:"release_status"`
	Released             bool          `json:"released"`
	SystemReleased       bool          `json:"system_released"`
	ReleasedCount        int           `json:"released_count"`
	ReleasedBy           []string      `json:"released_by"`
	RecipientCount       int           `json:"recipient_count"`
	RecipientTag         []string      `json:"recipient_tag"`
	Reported             bool          `json:"reported"`
	Direction            Direction     `json:"direction"`
	EntityType           EntityType    `json:"entity_type"`
	PermissionToRelease  bool          `json:"permission_to_release"`
	PermissionToDelete   bool          `json:"permission_to_delete"`
	PermissionToPreview  bool          `json:"permission_to_preview"`
	PermissionToDownload bool          `json:"permission_to_download"`
}

// messageFromRow decodes a row tolerantly.
func messageFromRow(r Row) Message {
	m := Message{
		Identity:             r.String("Identity"),
		ReceivedTime:         r.Time("ReceivedTime"),
		Expires:              r.Time("Expires"),
		MessageID:            r.String("MessageId"),
		SenderAddress:        r.String("SenderAddress"),
		RecipientAddress:     r.Strings("RecipientAddress"),
		Subject:              r.String("Subject"),
		Size:                 r.Int("Size"),
		TypeDisplay:          r.String("Type"),
		PolicyType:           r.String("PolicyType"),
		PolicyName:           r.String("PolicyName"),
		TagName:              r.String("TagName"),
		Released:             r.Bool("Released"),
		SystemReleased:       r.Bool("SystemReleased"),
		ReleasedCount:        int(r.Int("ReleasedCount")),
		ReleasedBy:           r.Strings("ReleasedBy"),
		RecipientCount:       int(r.Int("RecipientCount")),
		RecipientTag:         r.Strings("RecipientTag"),
		Reported:             r.Bool("Reported"),
		Direction:            Direction(r.String("Direction")),
		EntityType:           EntityType(r.String("EntityType")),
		PermissionToRelease:  r.Bool("PermissionToRelease"),
		PermissionToDelete:   r.Bool("PermissionToDelete"),
		PermissionToPreview:  r.Bool("PermissionToPreview"),
		PermissionToDownload: r.Bool("PermissionToDownload"),
	}
	// The enum name is in QuarantineTypes; Type may be a display string.
	for _, v := range []string{r.String("QuarantineTypes"), m.TypeDisplay} {
		first, _, _ := strings.Cut(v, ",")
		if t, ok := ParseQuarantineType(first); ok {
			m.Type = t
			break
		}
	}
	if st, ok := ParseReleaseStatus(r.String("ReleaseStatus")); ok {
		m.ReleaseStatus = st
	} else {
		m.ReleaseStatus = ReleaseStatus(r.String("ReleaseStatus"))
	}
	for _, d := range []Direction{Inbound, Outbound} {
		if strings.EqualFold(string(m.Direction), string(d)) {
			m.Direction = d
		}
	}
	return m
}

// maxPage is the highest Page Get-QuarantineMessage accepts.
const maxPage = 1000

// ErrTooManyItems is returned when a listing would need more pages than
// Exchange serves: narrow the filter (dates, types).
var ErrTooManyItems = fmt.Errorf("exchange: more quarantine items than 1000 pages: narrow the filter")

// ListQuarantine iterates over the items matching f, page by page
// (Page/PageSize), newest first, until a short page, each item once. The
// iteration stops at the first error, which it yields.
func (c *Client) ListQuarantine(ctx context.Context, f Filter) iter.Seq2[Message, error] {
	size := c.cfg.PageSize
	if f.PageSize > 0 && f.PageSize <= 1000 {
		size = f.PageSize
	}
	return func(yield func(Message, error) bool) {
		// Mail arriving during the listing shifts the pages: an item may
		// come again at the top of the next page. Each is yielded once.
		seen := map[string]bool{}
		for page := 1; ; page++ {
			if page > maxPage {
				yield(Message{}, ErrTooManyItems)
				return
			}
			rows, err := c.invoke(ctx, call{cmdlet: "Get-QuarantineMessage", params: f.params(page, size), timeout: c.cfg.Timeout})
			if err != nil {
				yield(Message{}, err)
				return
			}
			for _, r := range rows {
				m := messageFromRow(r)
				if id := strings.ToLower(m.Identity); id != "" {
					if seen[id] {
						continue
					}
					seen[id] = true
				}
				if !yield(m, nil) {
					return
				}
			}
			if len(rows) < size {
				return
			}
		}
	}
}

// ListAll collects ListQuarantine.
func (c *Client) ListAll(ctx context.Context, f Filter) ([]Message, error) {
	var out []Message
	for m, err := range c.ListQuarantine(ctx, f) {
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Get returns one item by identity (Get-QuarantineMessage -Identity).
func (c *Client) Get(ctx context.Context, identity string) (Message, error) {
	rows, err := c.invoke(ctx, call{cmdlet: "Get-QuarantineMessage", params: Params{"Identity": identity}, timeout: c.cfg.Timeout})
	if err != nil {
		return Message{}, err
	}
	if len(rows) == 0 {
		return Message{}, &Error{Kind: ErrNotFound, Cmdlet: "Get-QuarantineMessage", Message: "no item " + identity}
	}
	return messageFromRow(rows[0]), nil
}

// Exported is one exported message.
type Exported struct {
	Identity string
	// EML is the raw RFC 5322 message.
	EML []byte
}

// Export returns the raw RFC 5322 bytes of one item.
func (c *Client) Export(ctx context.Context, identity string) ([]byte, error) {
	out, err := c.export(ctx, Params{"Identity": identity})
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		if strings.EqualFold(e.Identity, identity) || len(out) == 1 {
			return e.EML, nil
		}
	}
	return nil, &Error{Kind: ErrNotFound, Cmdlet: "Export-QuarantineMessage", Message: "no message for " + identity}
}

// ExportMany exports several items in one request (Identities).
func (c *Client) ExportMany(ctx context.Context, identities []string) ([]Exported, error) {
	if len(identities) == 0 {
		return nil, nil
	}
	if len(identities) == 1 {
		eml, err := c.Export(ctx, identities[0])
		if err != nil {
			return nil, err
		}
		return []Exported{{Identity: identities[0], EML: eml}}, nil
	}
	// With Identities, Identity is mandatory but ignored.
	return c.export(ctx, Params{"Identities": identities, "Identity": "000"})
}

func (c *Client) export(ctx context.Context, p Params) ([]Exported, error) {
	const cmdlet = "Export-QuarantineMessage"
	rows, err := c.invoke(ctx, call{cmdlet: cmdlet, params: p, timeout: c.cfg.ExportTimeout})
	if err != nil {
		return nil, err
	}
	out := make([]Exported, 0, len(rows))
	for _, r := range rows {
		eml := r.String("Eml")
		var data []byte
		switch enc := r.String("BodyEncoding"); {
		case enc == "" || strings.EqualFold(enc, "Base64"):
			data, err = base64.StdEncoding.DecodeString(eml)
			if err != nil {
				return nil, &Error{Kind: ErrBadResponse, Cmdlet: cmdlet, Message: "Eml of " + r.String("Identity") + " is not base64"}
			}
		default:
			data = []byte(eml)
		}
		out = append(out, Exported{Identity: r.String("Identity"), EML: data})
	}
	return out, nil
}

// Preview is Preview-QuarantineMessage's view of an item.
type Preview struct {
	Identity     string    `json:"identity"`
	ReceivedTime time.Time `json:"received_time"`
	Sender       string    `json:"sender"`
	Recipients   []string  `json:"recipients"`
	Cc           []string  `json:"cc"`
	Subject      string    `json:"subject"`
	Body         string    `json:"body"`
	IsHTML       bool      `json:"is_html"`
	Attachments  []string  `json:"attachments"`
}

// Preview returns an item's subject and body for display. The body is
// hostile content: render it only sanitised.
func (c *Client) Preview(ctx context.Context, identity string) (Preview, error) {
	rows, err := c.invoke(ctx, call{cmdlet: "Preview-QuarantineMessage", params: Params{"Identity": identity}, timeout: c.cfg.Timeout})
	if err != nil {
		return Preview{}, err
	}
	if len(rows) == 0 {
		return Preview{}, &Error{Kind: ErrNotFound, Cmdlet: "Preview-QuarantineMessage", Message: "no preview for " + identity}
	}
	r := rows[0]
	return Preview{
		Identity: r.String("Identity"), ReceivedTime: r.Time("ReceivedTime"), Sender: r.String("SenderAddress"),
		Recipients: r.Strings("RecipientAddress"), Cc: r.Strings("Cc"), Subject: r.String("Subject"),
		Body: r.String("Body"), IsHTML: r.Bool("IsHtml"), Attachments: r.Strings("Attachment"),
	}, nil
}

// Header returns an item's raw header block.
func (c *Client) Header(ctx context.Context, identity string) (string, error) {
	rows, err := c.invoke(ctx, call{cmdlet: "Get-QuarantineMessageHeader", params: Params{"Identity": identity}, timeout: c.cfg.Timeout})
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", &Error{Kind: ErrNotFound, Cmdlet: "Get-QuarantineMessageHeader", Message: "no header for " + identity}
	}
	return rows[0].String("Header"), nil
}

// ReleaseOptions are the options of Release. Exactly one of ToAll and
// Users must be set.
type ReleaseOptions struct {
	ToAll               bool
	Users               []string
	AllowSender         bool
	ReportFalsePositive bool
	Force               bool // release again an item already released
}

// ErrNoIdentity is returned by Release and Delete without identities.
var ErrNoIdentity = fmt.Errorf("exchange: no quarantine identity given")

func identityParams(identities []string) Params {
	if len(identities) == 1 {
		return Params{"Identity": identities[0]}
	}
	return Params{"Identities": identities, "Identity": "000"}
}

// Release releases items to all their recipients or to some users. It has
// no output: an error means Exchange refused.
func (c *Client) Release(ctx context.Context, identities []string, o ReleaseOptions) error {
	if len(identities) == 0 {
		return ErrNoIdentity
	}
	if o.ToAll == (len(o.Users) > 0) {
		return fmt.Errorf("exchange: release: give either ToAll or Users: %w", ErrInvalidParameter)
	}
	p := identityParams(identities)
	if o.ToAll {
		p["ReleaseToAll"] = true
	} else {
		p["User"] = o.Users
	}
	if o.AllowSender {
		p["AllowSender"] = true
	}
	if o.ReportFalsePositive {
		p["ReportFalsePositive"] = true
	}
	if o.Force {
		p["Force"] = true
	}
	_, err := c.invoke(ctx, call{cmdlet: "Release-QuarantineMessage", params: p, timeout: c.cfg.Timeout,
		// A release whose answer was lost, tried again, reads "already
		// released": the first attempt did it.
		doneIfRetried: func(e *Error) bool {
			return !o.Force && e.Kind == ErrInvalidParameter && strings.Contains(strings.ToLower(e.Message), "already")
		}})
	return err
}

// Delete removes items from quarantine; hard deletes them for good (not
// even an administrator can recover them).
func (c *Client) Delete(ctx context.Context, identities []string, hard bool) error {
	if len(identities) == 0 {
		return ErrNoIdentity
	}
	p := identityParams(identities)
	p["Confirm"] = false
	if hard {
		p["HardDelete"] = true
	}
	_, err := c.invoke(ctx, call{cmdlet: "Delete-QuarantineMessage", params: p, timeout: c.cfg.Timeout,
		// A delete whose answer was lost, tried again, finds nothing.
		doneIfRetried: func(e *Error) bool { return e.Kind == ErrNotFound }})
	return err
}
