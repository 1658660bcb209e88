package m365sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"time"
)

// QuarantineType is why a message was quarantined (the QuarantineTypes enum).
type QuarantineType string

// Quarantine types of Get-QuarantineMessage.
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

var quarantineTypes = []QuarantineType{TypeSpam, TypeTransportRule, TypeBulk, TypePhish, TypeHighConfPhish, TypeMalware, TypeSPOMalware, TypeDataLossPrevention, TypeFileTypeBlock, TypeAdminTriggered, TypePPI}

// DisplayName is the Type column of a row.
func (q QuarantineType) DisplayName() string {
	switch q {
	case TypeHighConfPhish:
		return "High Confidence Phish"
	case TypeTransportRule:
		return "Transport rule"
	case TypeDataLossPrevention:
		return "Data loss prevention"
	case TypeFileTypeBlock:
		return "File type block"
	case TypeAdminTriggered:
		return "Admin triggered"
	case TypeSPOMalware:
		return "SPO malware"
	case TypeSpam, TypeBulk, TypePhish, TypeMalware, TypePPI:
	}
	return string(q)
}

func (q QuarantineType) policy() (policyType, policyName, tag string) {
	switch q {
	case TypeSpam, TypeBulk:
		return "HostedContentFilterPolicy", "Default", "DefaultFullAccessPolicy"
	case TypePhish, TypeHighConfPhish:
		return "HostedContentFilterPolicy", "Default", "AdminOnlyAccessPolicy"
	case TypeMalware, TypeFileTypeBlock:
		return "AntiMalwarePolicy", "Default", "AdminOnlyAccessPolicy"
	case TypeSPOMalware:
		return "SafeAttachmentPolicy", "Built-In Protection Policy", "AdminOnlyAccessPolicy"
	case TypeTransportRule, TypeAdminTriggered:
		return "ExchangeTransportRule", "Quarantine external mail", "AdminOnlyAccessPolicy"
	case TypeDataLossPrevention, TypePPI:
		return "DataLossPreventionRule", "Default DLP policy", "AdminOnlyAccessPolicy"
	}
	return "HostedContentFilterPolicy", "Default", "DefaultFullAccessPolicy"
}

// ReleaseStatus is the release state of a quarantine item.
type ReleaseStatus string

// Release states (rows carry them upper-case).
const (
	StatusApproved           ReleaseStatus = "Approved"
	StatusDenied             ReleaseStatus = "Denied"
	StatusError              ReleaseStatus = "Error"
	StatusNotReleased        ReleaseStatus = "NotReleased"
	StatusPreparingToRelease ReleaseStatus = "PreparingToRelease"
	StatusReleased           ReleaseStatus = "Released"
	StatusRequested          ReleaseStatus = "Requested"
)

var releaseStatuses = []ReleaseStatus{StatusApproved, StatusDenied, StatusError, StatusNotReleased, StatusPreparingToRelease, StatusReleased, StatusRequested}

// QuarantineRetention is how long an item stays in quarantine.
const QuarantineRetention = 30 * 24 * time.Hour

// QuarantineItem is one quarantined message for one recipient (one row of
// Get-QuarantineMessage). It is the sim's ground truth.
type QuarantineItem struct {
	MessageGUID   string         `json:"message_guid"`
	RecipientGUID string         `json:"recipient_guid"`
	Received      time.Time      `json:"received"`
	Expires       time.Time      `json:"expires"`
	MessageID     string         `json:"message_id"`
	Sender        string         `json:"sender"`
	Recipient     string         `json:"recipient"`
	Subject       string         `json:"subject"`
	Size          int            `json:"size"`
	Type          QuarantineType `json:"type"`
	PolicyType    string         `json:"policy_type"`
	PolicyName    string         `json:"policy_name"`
	TagName       string         `json:"tag_name"`
	ReleaseStatus ReleaseStatus  `json:"release_status"`
	ReleasedBy    []string       `json:"released_by,omitempty"`
	ReleasedCount int            `json:"released_count,omitempty"`
	RecipientTag  []string       `json:"recipient_tag,omitempty"`
	Reported      bool           `json:"reported,omitempty"`
	Direction     string         `json:"direction"`
	EntityType    string         `json:"entity_type"`
	SHA256        string         `json:"sha256"`
}

type item = QuarantineItem

// Identity is the item's GUID\GUID identity.
func (it *QuarantineItem) Identity() string { return it.identity() }

func (it *QuarantineItem) identity() string { return it.MessageGUID + `\` + it.RecipientGUID }

func (it *QuarantineItem) visible(now time.Time) bool {
	return now.Before(it.Expires)
}

// MessageMeta are the fields of a quarantined message that do not come from
// its bytes. Zero fields are chosen deterministically from the content hash.
type MessageMeta struct {
	Type         QuarantineType `json:"type,omitempty"`
	PolicyType   string         `json:"policy_type,omitempty"`
	PolicyName   string         `json:"policy_name,omitempty"`
	Received     time.Time      `json:"received,omitzero"`
	Direction    string         `json:"direction,omitempty"`
	RecipientTag []string       `json:"recipient_tag,omitempty"`
	Recipients   []string       `json:"recipients,omitempty"`
}

// parsedMessage are the header fields the sim needs from a message.
type parsedMessage struct {
	sender, subject, messageID string
	recipients                 []string
	header                     []byte
}

func parseMessage(raw []byte) (parsedMessage, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return parsedMessage{}, fmt.Errorf("m365sim: parse message: %w: %w", ErrInvalid, err)
	}
	pm := parsedMessage{messageID: strings.TrimSpace(m.Header.Get("Message-Id"))}
	dec := new(mime.WordDecoder)
	pm.subject = m.Header.Get("Subject")
	if d, err := dec.DecodeHeader(pm.subject); err == nil {
		pm.subject = d
	}
	if from, err := mail.ParseAddressList(m.Header.Get("From")); err == nil && len(from) > 0 {
		pm.sender = strings.ToLower(from[0].Address)
	} else {
		pm.sender = strings.ToLower(strings.Trim(strings.TrimSpace(m.Header.Get("From")), "<>"))
	}
	seen := map[string]bool{}
	for _, h := range []string{"To", "Cc", "Bcc"} {
		list, err := mail.ParseAddressList(m.Header.Get(h))
		if err != nil {
			continue
		}
		for _, a := range list {
			addr := strings.ToLower(a.Address)
			if !seen[addr] {
				seen[addr] = true
				pm.recipients = append(pm.recipients, addr)
			}
		}
	}
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		pm.header = raw[:i+2]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		pm.header = raw[:i+1]
	} else {
		pm.header = raw
	}
	return pm, nil
}

// AddMessage quarantines raw for each of its recipients (or meta.Recipients)
// in a tenant and returns the new items. Received defaults to now.
func (s *Sim) AddMessage(tenantRef string, raw []byte, meta MessageMeta) ([]QuarantineItem, error) {
	if meta.Received.IsZero() {
		meta.Received = s.now()
	}
	return s.addMessage(tenantRef, raw, meta, meta.Received.UTC().Format(time.RFC3339Nano))
}

// addMessage quarantines raw; the message GUID derives from the content hash
// and salt, so adding the same content with the same salt
// again is a no-op.
func (s *Sim) addMessage(tenantRef string, raw []byte, meta MessageMeta, salt string) ([]QuarantineItem, error) {
	pm, err := parseMessage(raw)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	if meta.Type == "" {
		meta.Type = quarantineTypes[int(sum[0])%5] // Spam, TransportRule, Bulk, Phish, HighConfPhish
		if sum[1]%4 == 0 {
			meta.Type = TypeMalware
		}
	} else if q, ok := parseQuarantineType(string(meta.Type)); ok {
		meta.Type = q
	} else {
		return nil, fmt.Errorf("m365sim: quarantine type %q: %w", meta.Type, ErrInvalid)
	}
	pt, pn, tag := meta.Type.policy()
	if meta.PolicyType == "" {
		meta.PolicyType = pt
	}
	if meta.PolicyName == "" {
		meta.PolicyName = pn
	}
	if meta.Direction == "" {
		meta.Direction = "Inbound"
	}
	recipients := meta.Recipients
	if len(recipients) == 0 {
		recipients = pm.recipients
	}
	if len(recipients) == 0 {
		return nil, fmt.Errorf("m365sim: message has no recipients: %w", ErrInvalid)
	}
	msgID := pm.messageID
	if msgID == "" {
		msgID = "<" + hash[:32] + "@m365sim.invalid>"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTenant(tenantRef)
	if t == nil {
		return nil, fmt.Errorf("m365sim: tenant %q: %w", tenantRef, ErrNotFound)
	}
	if err := s.putBlobLocked(hash, raw); err != nil {
		return nil, err
	}
	received := meta.Received.UTC()
	mg := hashGUID("message", hash, salt)
	var out []QuarantineItem
	for _, rcpt := range recipients {
		it := &QuarantineItem{
			MessageGUID: mg, RecipientGUID: hashGUID("recipient", mg, strings.ToLower(rcpt)),
			Received: received, Expires: received.Add(QuarantineRetention),
			MessageID: msgID, Sender: pm.sender, Recipient: strings.ToLower(rcpt), Subject: pm.subject,
			Size: len(raw), Type: meta.Type, PolicyType: meta.PolicyType, PolicyName: meta.PolicyName, TagName: tag,
			ReleaseStatus: StatusNotReleased, RecipientTag: slices.Clone(meta.RecipientTag),
			Direction: meta.Direction, EntityType: "Email", SHA256: hash,
		}
		if _, dup := t.index[it.identity()]; dup || t.deleted[it.identity()] {
			continue
		}
		t.insertLocked(it)
		out = append(out, *it)
	}
	if len(out) > 0 {
		s.saver.markDirty()
	}
	return out, nil
}

// insertLocked keeps Items sorted newest first (ties by identity).
func (t *tenantState) insertLocked(it *QuarantineItem) {
	if t.index == nil {
		t.index = map[string]*item{}
	}
	i := sort.Search(len(t.Items), func(i int) bool { return itemLess(it, t.Items[i]) })
	t.Items = slices.Insert(t.Items, i, it)
	t.index[it.identity()] = it
}

// removeLocked deletes items from the quarantine.
func (t *tenantState) removeLocked(items []*QuarantineItem) {
	gone := make(map[*QuarantineItem]bool, len(items))
	if t.deleted == nil {
		t.deleted = map[string]bool{}
	}
	for _, it := range items {
		gone[it] = true
		delete(t.index, it.identity())
		if !t.deleted[it.identity()] {
			t.deleted[it.identity()] = true
			t.Deleted = append(t.Deleted, it.identity())
		}
	}
	t.Items = slices.DeleteFunc(t.Items, func(it *QuarantineItem) bool { return gone[it] })
}

func itemLess(a, b *QuarantineItem) bool {
	if !a.Received.Equal(b.Received) {
		return a.Received.After(b.Received)
	}
	return a.identity() < b.identity()
}

// Quarantine lists a tenant's ground truth: every item not deleted and not
// expired, newest first (deleted items are gone).
func (s *Sim) Quarantine(tenantRef string) ([]QuarantineItem, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.findTenant(tenantRef)
	if t == nil {
		return nil, fmt.Errorf("m365sim: tenant %q: %w", tenantRef, ErrNotFound)
	}
	now := s.now()
	out := make([]QuarantineItem, 0, len(t.Items))
	for _, it := range t.Items {
		if it.visible(now) {
			c := *it
			c.ReleasedBy = slices.Clone(it.ReleasedBy)
			c.RecipientTag = slices.Clone(it.RecipientTag)
			out = append(out, c)
		}
	}
	return out, nil
}

func parseQuarantineType(s string) (QuarantineType, bool) {
	for _, q := range quarantineTypes {
		if strings.EqualFold(string(q), s) || strings.EqualFold(q.DisplayName(), s) {
			return q, true
		}
	}
	return "", false
}

func parseReleaseStatus(s string) (ReleaseStatus, bool) {
	for _, r := range releaseStatuses {
		if strings.EqualFold(string(r), s) {
			return r, true
		}
	}
	return "", false
}

// formatTime renders a DateTime like the admin API does.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000") + "+00:00"
}

// row renders an item as a Get-QuarantineMessage row.
func (it *QuarantineItem) row(org string) map[string]any {
	released := it.ReleaseStatus == StatusReleased
	releasedBy := it.ReleasedBy
	if releasedBy == nil {
		releasedBy = []string{}
	}
	tags := it.RecipientTag
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"Identity":                           it.identity(),
		"ReceivedTime@data.type":             "System.DateTime",
		"ReceivedTime":                       formatTime(it.Received),
		"Organization":                       org,
		"MessageId":                          it.MessageID,
		"SenderAddress":                      it.Sender,
		"RecipientAddress@odata.type":        "#Collection(String)",
		"RecipientAddress":                   []string{it.Recipient},
		"Subject":                            it.Subject,
		"Size@data.type":                     "System.Int64",
		"Size":                               it.Size,
		"Type":                               it.Type.DisplayName(),
		"PolicyType":                         it.PolicyType,
		"PolicyName":                         it.PolicyName,
		"TagName":                            it.TagName,
		"PermissionToBlockSender":            false,
		"PermissionToDelete":                 true,
		"PermissionToPreview":                true,
		"PermissionToRelease":                true,
		"PermissionToRequestRelease":         false,
		"PermissionToViewHeader":             false,
		"PermissionToDownload":               true,
		"PermissionToAllowSender":            true,
		"Released":                           released,
		"ReleaseStatus":                      strings.ToUpper(string(it.ReleaseStatus)),
		"SystemReleased":                     false,
		"RecipientCount@data.type":           "System.Int32",
		"RecipientCount":                     1,
		"QuarantineTypes":                    string(it.Type),
		"Expires@data.type":                  "System.DateTime",
		"Expires":                            formatTime(it.Expires),
		"RecipientTag@odata.type":            "#Collection(String)",
		"RecipientTag":                       tags,
		"DeletedForRecipients@odata.type":    "#Collection(String)",
		"DeletedForRecipients":               []string{},
		"QuarantinedUser@odata.type":         "#Collection(String)",
		"QuarantinedUser":                    []string{},
		"ReleasedUser@odata.type":            "#Collection(String)",
		"ReleasedUser":                       releasedUsers(it),
		"Reported":                           it.Reported,
		"Direction":                          it.Direction,
		"CustomData":                         nil,
		"EntityType":                         it.EntityType,
		"SourceId":                           nil,
		"TeamsConversationType":              nil,
		"ApprovalUPN":                        nil,
		"ApprovalId":                         nil,
		"MoveToQuarantineAdminActionTakenBy": nil,
		"MoveToQuarantineApprovalId":         nil,
		"OverrideReasonIntValue@data.type":   "System.Int32",
		"OverrideReasonIntValue":             0,
		"OverrideReason":                     "None",
		"ReleasedCount@data.type":            "System.Int32",
		"ReleasedCount":                      it.ReleasedCount,
		"ReleasedBy@odata.type":              "#Collection(String)",
		"ReleasedBy":                         releasedBy,
	}
}

func releasedUsers(it *QuarantineItem) []string {
	if it.ReleaseStatus == StatusReleased {
		return []string{it.Recipient}
	}
	return []string{}
}

// previewBody extracts a displayable body from a message: the first
// text/html part, else the first text/plain part.
func previewBody(raw []byte) (body string, isHTML bool) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", false
	}
	var html, text string
	var walk func(ct, cte string, r io.Reader, depth int)
	walk = func(ct, cte string, r io.Reader, depth int) {
		if depth > 8 {
			return
		}
		mt, ps, err := mime.ParseMediaType(ct)
		if err != nil {
			mt = "text/plain"
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, ps["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1)
			}
		}
		var dr io.Reader = r
		switch strings.ToLower(strings.TrimSpace(cte)) {
		case "base64":
			dr = base64.NewDecoder(base64.StdEncoding, newlineStripper{r})
		case "quoted-printable":
			dr = quotedprintable.NewReader(r)
		}
		b, _ := io.ReadAll(io.LimitReader(dr, 1<<20))
		switch {
		case mt == "text/html" && html == "":
			html = string(b)
		case mt == "text/plain" && text == "":
			text = string(b)
		}
	}
	walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, 0)
	if html != "" {
		return html, true
	}
	return text, false
}

// newlineStripper drops CR and LF so base64 bodies decode.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
