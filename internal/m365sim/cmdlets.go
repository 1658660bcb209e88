package m365sim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

const (
	defaultWindow = 16 * 24 * time.Hour
	maxLookback   = 30 * 24 * time.Hour
	typeEnumName  = "Microsoft.Exchange.Management.FfoQuarantine.QuarantineMessageTypeEnum"
)

var quarantineIdentityRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func errInvalidIdentity(id string) *cmdletError {
	return badRequest("Microsoft.Exchange.Management.FfoQuarantine.InvalidQuarantineMessageIdentityException",
		fmt.Sprintf("The message identity '%s' is not valid. Please input a valid message identity.", id))
}

func errCannotFind(id string) *cmdletError {
	return &cmdletError{status: http.StatusNotFound, errID: "Ex6F9304", netType: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
		text: fmt.Sprintf("Cannot find an object with identity '%s'.", id)}
}

// quarantineQuery is a validated Get-QuarantineMessage filter.
type quarantineQuery struct {
	page, pageSize         int
	start, end             time.Time
	expStart, expEnd       time.Time
	hasExpStart, hasExpEnd bool
	types                  []QuarantineType
	direction              string
	recipients, senders    []string
	subject, messageID     string
	releaseStatus          []ReleaseStatus
	policyTypes            []string
	policyName             string
	recipientTags          []string
	reported, hasReported  bool
	entityType             string
}

func enumNames[T ~string](vals []T) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

func matchEnum(param, typeName string, valid []string, v string) (string, *cmdletError) {
	for _, ok := range valid {
		if strings.EqualFold(ok, strings.TrimSpace(v)) {
			return ok, nil
		}
	}
	return "", errEnumValue(param, v, typeName, valid)
}

// parseQuarantineQuery validates the parameters of Get-QuarantineMessage.
func parseQuarantineQuery(p params, now time.Time) (*quarantineQuery, *cmdletError) {
	q := &quarantineQuery{}
	var cerr *cmdletError
	if q.page, cerr = p.integer("Page", 1); cerr != nil {
		return nil, cerr
	}
	if q.page < 1 || q.page > 1000 {
		return nil, errRange("Page", q.page, 1, 1000)
	}
	if q.pageSize, cerr = p.integer("PageSize", 100); cerr != nil {
		return nil, cerr
	}
	if q.pageSize < 1 || q.pageSize > 1000 {
		return nil, errRange("PageSize", q.pageSize, 1, 1000)
	}
	start, okStart, cerr := p.dateTime("StartReceivedDate")
	if cerr != nil {
		return nil, cerr
	}
	end, okEnd, cerr := p.dateTime("EndReceivedDate")
	if cerr != nil {
		return nil, cerr
	}
	switch {
	case !okStart && !okEnd:
		start, end = now.Add(-defaultWindow), now
	case !okStart:
		start = now.Add(-maxLookback)
	case !okEnd:
		end = now
	}
	q.start, q.end = maxTime(start, now.Add(-maxLookback)), end
	if q.expStart, q.hasExpStart, cerr = p.dateTime("StartExpiresDate"); cerr != nil {
		return nil, cerr
	}
	if q.expEnd, q.hasExpEnd, cerr = p.dateTime("EndExpiresDate"); cerr != nil {
		return nil, cerr
	}
	for _, name := range []string{"QuarantineTypes", "Type"} {
		vals, cerr := p.strs(name)
		if cerr != nil {
			return nil, cerr
		}
		for _, v := range vals {
			for _, part := range strings.Split(v, ",") {
				qt, ok := parseQuarantineType(strings.TrimSpace(part))
				if !ok || strings.EqualFold(qt.DisplayName(), part) && qt.DisplayName() != string(qt) {
					return nil, errEnumValue(name, part, typeEnumName, enumNames(quarantineTypes))
				}
				q.types = append(q.types, qt)
			}
		}
	}
	if d, cerr := p.str("Direction"); cerr != nil {
		return nil, cerr
	} else if d != "" {
		if q.direction, cerr = matchEnum("Direction", "Microsoft.Exchange.Management.FfoQuarantine.QuarantineMessageDirectionEnum", []string{"Inbound", "Outbound"}, d); cerr != nil {
			return nil, cerr
		}
	}
	lower := func(vs []string) []string {
		for i := range vs {
			vs[i] = strings.ToLower(strings.TrimSpace(vs[i]))
		}
		return vs
	}
	if q.recipients, cerr = p.strs("RecipientAddress"); cerr != nil {
		return nil, cerr
	}
	q.recipients = lower(q.recipients)
	if q.senders, cerr = p.strs("SenderAddress"); cerr != nil {
		return nil, cerr
	}
	q.senders = lower(q.senders)
	if q.subject, cerr = p.str("Subject"); cerr != nil {
		return nil, cerr
	}
	if q.messageID, cerr = p.str("MessageId"); cerr != nil {
		return nil, cerr
	}
	rs, cerr := p.strs("ReleaseStatus")
	if cerr != nil {
		return nil, cerr
	}
	for _, v := range rs {
		st, ok := parseReleaseStatus(v)
		if !ok {
			return nil, errEnumValue("ReleaseStatus", v, "Microsoft.Exchange.Management.FfoQuarantine.ReleaseStatus", enumNames(releaseStatuses))
		}
		q.releaseStatus = append(q.releaseStatus, st)
	}
	if q.policyTypes, cerr = p.strs("PolicyTypes"); cerr != nil {
		return nil, cerr
	}
	for _, v := range q.policyTypes {
		if _, cerr := matchEnum("PolicyTypes", "Microsoft.Exchange.Management.FfoQuarantine.QuarantinePolicyTypeEnum",
			[]string{"AntiMalwarePolicy", "AntiPhishPolicy", "ExchangeTransportRule", "HostedContentFilterPolicy", "SafeAttachmentPolicy", "DataLossPreventionRule"}, v); cerr != nil {
			return nil, cerr
		}
	}
	if q.policyName, cerr = p.str("PolicyName"); cerr != nil {
		return nil, cerr
	}
	if q.recipientTags, cerr = p.strs("RecipientTag"); cerr != nil {
		return nil, cerr
	}
	if p.has("Reported") {
		q.hasReported = true
		if q.reported, cerr = p.boolean("Reported"); cerr != nil {
			return nil, cerr
		}
	}
	if e, cerr := p.str("EntityType"); cerr != nil {
		return nil, cerr
	} else if e != "" {
		if q.entityType, cerr = matchEnum("EntityType", "Microsoft.Exchange.Management.FfoQuarantine.EntityType", []string{"Email", "SharePointOnline", "Teams", "DataLossPrevention"}, e); cerr != nil {
			return nil, cerr
		}
	}
	return q, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
}

// match reports whether an item passes the filter (time window aside).
func (q *quarantineQuery) match(it *QuarantineItem) bool {
	if q.hasExpStart && it.Expires.Before(q.expStart) || q.hasExpEnd && it.Expires.After(q.expEnd) {
		return false
	}
	if len(q.types) > 0 && !slices.Contains(q.types, it.Type) {
		return false
	}
	if q.direction != "" && !strings.EqualFold(q.direction, it.Direction) {
		return false
	}
	if len(q.recipients) > 0 && !slices.Contains(q.recipients, it.Recipient) {
		return false
	}
	if len(q.senders) > 0 && !slices.Contains(q.senders, it.Sender) {
		return false
	}
	if q.subject != "" && !strings.Contains(strings.ToLower(it.Subject), strings.ToLower(q.subject)) {
		return false
	}
	if q.messageID != "" && !strings.EqualFold(q.messageID, it.MessageID) {
		return false
	}
	if len(q.releaseStatus) > 0 && !slices.Contains(q.releaseStatus, it.ReleaseStatus) {
		return false
	}
	if len(q.policyTypes) > 0 && !containsFold(q.policyTypes, it.PolicyType) {
		return false
	}
	if q.policyName != "" && !strings.EqualFold(q.policyName, it.PolicyName) {
		return false
	}
	if len(q.recipientTags) > 0 && !slices.ContainsFunc(it.RecipientTag, func(t string) bool { return containsFold(q.recipientTags, t) }) {
		return false
	}
	if q.hasReported && q.reported != it.Reported {
		return false
	}
	if q.entityType != "" && !strings.EqualFold(q.entityType, it.EntityType) {
		return false
	}
	return true
}

// query returns one page of a tenant's quarantine, newest first.
func (t *tenantState) query(q *quarantineQuery, now time.Time) []*QuarantineItem {
	skip := (q.page - 1) * q.pageSize
	var out []*QuarantineItem
	for _, it := range t.Items { // newest first
		if it.Received.After(q.end) {
			continue
		}
		if it.Received.Before(q.start) {
			break
		}
		if !it.visible(now) || !q.match(it) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		out = append(out, it)
		if len(out) == q.pageSize {
			break
		}
	}
	return out
}

func (s *Sim) cmdGetQuarantineMessage(c *cmdletCall) ([]map[string]any, *cmdletError) {
	if c.params.has("Identity") {
		id, cerr := c.params.str("Identity")
		if cerr != nil {
			return nil, cerr
		}
		it, cerr := s.lookupItem(c, id, errObjectNotFound(id, serverName(c.tenant)))
		if cerr != nil {
			return nil, cerr
		}
		return []map[string]any{it.row(c.tenant)}, nil
	}
	q, cerr := parseQuarantineQuery(c.params, c.now)
	if cerr != nil {
		return nil, cerr
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.findTenant(c.tenant)
	if t == nil {
		return nil, errObjectNotFound(c.org, serverName(c.org))
	}
	items := t.query(q, c.now)
	rows := make([]map[string]any, len(items))
	for i, it := range items {
		rows[i] = it.row(t.ID)
	}
	return rows, nil
}

// lookupItem finds a visible item by identity; notFound is the error for a
// well-formed identity that does not exist.
func (s *Sim) lookupItem(c *cmdletCall, id string, notFound *cmdletError) (QuarantineItem, *cmdletError) {
	if !quarantineIdentityRE.MatchString(strings.TrimSpace(id)) {
		return QuarantineItem{}, errInvalidIdentity(id)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.findTenant(c.tenant)
	if t == nil {
		return QuarantineItem{}, notFound
	}
	it, ok := t.index[strings.ToLower(strings.TrimSpace(id))]
	if !ok || !it.visible(c.now) {
		return QuarantineItem{}, notFound
	}
	return *it, nil
}

// identities reads Identity, or Identities (then Identity is mandatory but
// ignored).
func identities(p params) ([]string, *cmdletError) {
	if p.has("Identities") {
		if !p.has("Identity") {
			return nil, errMissingMandatory("Identity")
		}
		ids, cerr := p.strs("Identities")
		if cerr != nil {
			return nil, cerr
		}
		if len(ids) == 0 {
			return nil, errMissingMandatory("Identities")
		}
		return ids, nil
	}
	id, cerr := p.str("Identity")
	if cerr != nil {
		return nil, cerr
	}
	if id == "" {
		return nil, errMissingMandatory("Identity")
	}
	return []string{id}, nil
}

func (s *Sim) cmdExportQuarantineMessage(c *cmdletCall) ([]map[string]any, *cmdletError) {
	ids, cerr := identities(c.params)
	if cerr != nil {
		return nil, cerr
	}
	if c.faults.HangExport {
		<-c.r.Context().Done()
		return nil, badRequest("System.TimeoutException", "The operation has timed out.")
	}
	rows := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		it, cerr := s.lookupItem(c, id, errObjectNotFound(id, serverName(c.tenant)))
		if cerr != nil {
			return nil, cerr
		}
		raw, err := s.blob(it.SHA256)
		if err != nil {
			return nil, errObjectNotFound(id, serverName(c.tenant))
		}
		rows = append(rows, map[string]any{
			"Identity": it.identity(), "Organization": c.tenant,
			"Eml": base64.StdEncoding.EncodeToString(raw), "BodyEncoding": "Base64",
		})
	}
	return rows, nil
}

// identityMessage finds the item the call's Identity names and its message,
// for the cmdlets that read one message (Preview, Get-…Header).
func (s *Sim) identityMessage(c *cmdletCall) (item, []byte, *cmdletError) {
	id, cerr := c.params.str("Identity")
	if cerr != nil {
		return item{}, nil, cerr
	}
	if id == "" {
		return item{}, nil, errMissingMandatory("Identity")
	}
	it, cerr := s.lookupItem(c, id, errObjectNotFound(id, serverName(c.tenant)))
	if cerr != nil {
		return item{}, nil, cerr
	}
	raw, err := s.blob(it.SHA256)
	if err != nil {
		return item{}, nil, errObjectNotFound(id, serverName(c.tenant))
	}
	return it, raw, nil
}

func (s *Sim) cmdPreviewQuarantineMessage(c *cmdletCall) ([]map[string]any, *cmdletError) {
	it, raw, cerr := s.identityMessage(c)
	if cerr != nil {
		return nil, cerr
	}
	body, isHTML := previewBody(raw)
	return []map[string]any{{
		"Identity": it.identity(), "Organization": c.tenant,
		"ReceivedTime@data.type": "System.DateTime", "ReceivedTime": formatTime(it.Received),
		"SenderAddress": it.Sender, "RecipientAddress@odata.type": "#Collection(String)", "RecipientAddress": []string{it.Recipient},
		"Cc@odata.type": "#Collection(String)", "Cc": []string{},
		"Subject": it.Subject, "Body": body, "IsHtml": isHTML,
		"Attachment@odata.type": "#Collection(String)", "Attachment": []string{},
	}}, nil
}

func (s *Sim) cmdGetQuarantineMessageHeader(c *cmdletCall) ([]map[string]any, *cmdletError) {
	it, raw, cerr := s.identityMessage(c)
	if cerr != nil {
		return nil, cerr
	}
	pm, err := parseMessage(raw)
	if err != nil {
		return nil, badRequest("System.FormatException", "The message header could not be read.")
	}
	return []map[string]any{{"Identity": it.identity(), "Organization": c.tenant, "Header": string(pm.header)}}, nil
}

func (s *Sim) cmdReleaseQuarantineMessage(c *cmdletCall) ([]map[string]any, *cmdletError) {
	p := c.params
	ids, cerr := identities(p)
	if cerr != nil {
		return nil, cerr
	}
	toAll, cerr := p.boolean("ReleaseToAll")
	if cerr != nil {
		return nil, cerr
	}
	users, cerr := p.strs("User")
	if cerr != nil {
		return nil, cerr
	}
	force, cerr := p.boolean("Force")
	if cerr != nil {
		return nil, cerr
	}
	reportFP, cerr := p.boolean("ReportFalsePositive")
	if cerr != nil {
		return nil, cerr
	}
	if _, cerr := p.boolean("AllowSender"); cerr != nil {
		return nil, cerr
	}
	action := "Release"
	if a, cerr := p.str("ActionType"); cerr != nil {
		return nil, cerr
	} else if a != "" {
		if action, cerr = matchEnum("ActionType", "Microsoft.Exchange.Management.FfoQuarantine.ReleaseActionType", []string{"Release", "Deny", "Request"}, a); cerr != nil {
			return nil, cerr
		}
		if !p.has("Identities") {
			return nil, errAmbiguousParameterSet()
		}
	}
	if toAll && len(users) > 0 || p.has("ActionType") && (toAll || len(users) > 0) {
		return nil, errAmbiguousParameterSet()
	}
	for _, id := range ids {
		if !quarantineIdentityRE.MatchString(strings.TrimSpace(id)) {
			return nil, errInvalidIdentity(id)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTenant(c.tenant)
	if t == nil {
		return nil, errCannotFind(ids[0])
	}
	var targets []*QuarantineItem
	for _, id := range ids {
		it, ok := t.index[strings.ToLower(strings.TrimSpace(id))]
		if !ok {
			return nil, errCannotFind(id)
		}
		if !c.now.Before(it.Expires) {
			return nil, badRequest("Microsoft.Exchange.Management.FfoQuarantine.QuarantineMessageExpiredException",
				fmt.Sprintf("The message '%s' has expired and can no longer be released.", id))
		}
		if it.ReleaseStatus == StatusReleased && !force {
			return nil, badRequest("Microsoft.Exchange.Management.FfoQuarantine.QuarantineMessageAlreadyReleasedException",
				fmt.Sprintf("The message '%s' has already been released. Use the Force parameter to release it again.", id))
		}
		targets = append(targets, it)
	}
	by := c.caller.AppDisplay
	if by == "" {
		by = c.caller.AppID
	}
	for _, it := range targets {
		switch action {
		case "Deny":
			it.ReleaseStatus = StatusDenied
		case "Request":
			it.ReleaseStatus = StatusRequested
		default:
			if len(users) > 0 && !containsFold(users, it.Recipient) {
				continue // released to other users only
			}
			it.ReleaseStatus = StatusReleased
			it.ReleasedCount++
			if !slices.Contains(it.ReleasedBy, by) {
				it.ReleasedBy = append(it.ReleasedBy, by)
			}
		}
		if reportFP {
			it.Reported = true
		}
	}
	s.saver.markDirty()
	return nil, nil
}

func (s *Sim) cmdDeleteQuarantineMessage(c *cmdletCall) ([]map[string]any, *cmdletError) {
	ids, cerr := identities(c.params)
	if cerr != nil {
		return nil, cerr
	}
	if _, cerr := c.params.boolean("HardDelete"); cerr != nil {
		return nil, cerr
	}
	for _, id := range ids {
		if !quarantineIdentityRE.MatchString(strings.TrimSpace(id)) {
			return nil, errInvalidIdentity(id)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTenant(c.tenant)
	if t == nil {
		return nil, errCannotFind(ids[0])
	}
	var targets []*QuarantineItem
	for _, id := range ids {
		it, ok := t.index[strings.ToLower(strings.TrimSpace(id))]
		if !ok || !it.visible(c.now) {
			return nil, errCannotFind(id)
		}
		targets = append(targets, it)
	}
	t.removeLocked(targets)
	s.saver.markDirty()
	return nil, nil
}
