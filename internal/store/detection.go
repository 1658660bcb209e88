package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/idna"

	"github.com/qtriage/qtriage/internal/analysis"
)

// DetectionSettings are what a tenant tells the analysis about itself.
type DetectionSettings struct {
	TenantID        string
	AcceptedDomains []string  // the tenant's own domains besides its *.onmicrosoft.com Organization (contoso.com)
	VIPs            []string  // display names worth impersonating ("Jane Doe")
	Partners        []string  // registrable domains of partners and suppliers (fabrikam.com)
	Allow           []string  // sender addresses or domains trusted when authentication passes
	Deny            []string  // sender addresses or domains, or link domains, always blocked
	UpdatedBy       string    // user name, "" when never set
	UpdatedAt       time.Time // zero when never set
}

// Detection persists each tenant's detection settings.
type Detection interface {
	// DetectionSettings returns the tenant's settings, their lists never nil;
	// a tenant that never set them gets empty lists (TenantID set, UpdatedAt
	// zero), not ErrNotFound.
	DetectionSettings(ctx context.Context, tenantID string) (DetectionSettings, error)
	// SetDetectionSettings replaces them (all lists at once). The lists are
	// normalized first (a *SettingsError when that fails, and nothing is
	// written); UpdatedBy and UpdatedAt are stored as given. ErrNotFound when
	// the tenant does not exist.
	SetDetectionSettings(ctx context.Context, s DetectionSettings) error
	// ReplaceDetectionSettings is SetDetectionSettings on a condition,
	// checked atomically with the write: the stored settings' UpdatedAt
	// must equal prev, as DetectionSettings returned it (prev zero: the
	// tenant must never have saved settings). ErrConflict when it does
	// not, and nothing is written then, so that of two people editing the
	// same settings the second does not silently undo the first's change.
	// UpdatedAt is the settings' version then: a caller gives each save a
	// later one than prev.
	ReplaceDetectionSettings(ctx context.Context, s DetectionSettings, prev time.Time) error
}

// Limits Normalize enforces.
const (
	maxSettingsEntries  = 500 // per list
	maxSettingsEntryLen = 254 // bytes per entry, the longest mail address
)

// Names of the lists in errors: the keys of the API's JSON.
const (
	listAcceptedDomains = "accepted_domains"
	listVIPs            = "vips"
	listPartners        = "partners"
	listAllow           = "allow"
	listDeny            = "deny"
)

// SettingsError says which entry of which list Normalize rejected.
type SettingsError struct {
	List   string // accepted_domains, vips, partners, allow or deny
	Entry  string // the first bad entry as given; "" when the list is too long
	Reason string
}

func (e *SettingsError) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("store: detection settings: %s: %s", e.List, e.Reason)
	}
	return fmt.Sprintf("store: detection settings: %s: %q: %s", e.List, e.Entry, e.Reason)
}

// Normalize trims, lowercases domains and addresses (VIP names keep their
// case but are trimmed and have inner white space collapsed), drops empty
// entries and duplicates, keeps order, and validates: domains must be valid
// host names (IDN allowed, stored in ASCII form, xn--..., as the analysis
// compares them, and so is the domain of an address), addresses must be
// local@domain, at most 500 non-empty entries per list and 254 bytes per
// entry. The error names the list and the first bad entry, so the console
// can show it.
//
// The analysis trusts a tenant or allow-listed domain with every domain
// under it, so entries that would trust unrelated parties are refused (the
// knowledge is the analysis package's):
//   - in every list, a domain that is a public suffix (co.uk, github.io) or
//     a suffix Microsoft gives tenants their domains under (onmicrosoft.com);
//   - in accepted_domains, a free-mail provider (gmail.com) and any
//     Microsoft tenant domain (*.onmicrosoft.com): the tenant's own is added
//     by the analysis step, another tenant's is not this tenant's;
//   - in allow, a free-mail provider as a domain (an address there is fine);
//   - in vips, a name with invisible formatting characters (zero-width,
//     bidi controls) or with fewer than two letters as the analysis reads
//     names (analysis.VIPName).
//
// In Allow and Deny a leading "@" marks a domain ("@contoso.com" is stored
// as contoso.com). Duplicate VIP names are found ignoring case; the first
// spelling is kept. The error is a *SettingsError.
func (s DetectionSettings) Normalize() (DetectionSettings, error) {
	var err error
	out := s
	if out.AcceptedDomains, err = normalizeList(listAcceptedDomains, s.AcceptedDomains, normalizeAccepted); err != nil {
		return DetectionSettings{}, err
	}
	if out.VIPs, err = normalizeList(listVIPs, s.VIPs, normalizeName); err != nil {
		return DetectionSettings{}, err
	}
	if out.Partners, err = normalizeList(listPartners, s.Partners, normalizeDomain); err != nil {
		return DetectionSettings{}, err
	}
	if out.Allow, err = normalizeList(listAllow, s.Allow, normalizeAllow); err != nil {
		return DetectionSettings{}, err
	}
	if out.Deny, err = normalizeList(listDeny, s.Deny, normalizeSender); err != nil {
		return DetectionSettings{}, err
	}
	return out, nil
}

// maxRawEntryLen bounds an entry as given, before the IDNA work: a domain
// in Unicode form takes at most four bytes for each byte of its ASCII form.
const maxRawEntryLen = 4 * maxSettingsEntryLen

// normalizeList applies norm to every entry of in, which returns the entry
// as stored ("" to drop it) and the key duplicates are found by, or why the
// entry is rejected. The list's length and the entries' are checked first,
// so that a huge list costs no IDNA work. The result is never nil.
func normalizeList(list string, in []string, norm func(string) (entry, key, reason string)) ([]string, error) {
	n := 0
	for _, raw := range in {
		t := strings.TrimSpace(raw)
		if len(t) > maxRawEntryLen {
			return nil, &SettingsError{List: list, Entry: raw, Reason: fmt.Sprintf("longer than %d bytes", maxSettingsEntryLen)}
		}
		if t != "" {
			n++
		}
	}
	if n > maxSettingsEntries {
		return nil, &SettingsError{List: list, Reason: fmt.Sprintf("%d entries, at most %d allowed", n, maxSettingsEntries)}
	}
	out := make([]string, 0, n)
	seen := make(map[string]bool, n)
	for _, raw := range in {
		e, key, reason := norm(raw)
		if reason == "" && len(e) > maxSettingsEntryLen {
			reason = fmt.Sprintf("longer than %d bytes", maxSettingsEntryLen)
		}
		if reason != "" {
			return nil, &SettingsError{List: list, Entry: raw, Reason: reason}
		}
		if e == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, e)
	}
	return out, nil
}

// hostProfile validates host names: IDNA 2008 labels, the DNS length
// limits, and only letters, digits and hyphens once converted to ASCII.
var hostProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.VerifyDNSLength(true),
	idna.StrictDomainName(true),
)

// normalizeDomain reads a domain entry of any list: valid, in ASCII form,
// and not shared by unrelated parties.
func normalizeDomain(raw string) (string, string, string) {
	d := strings.ToLower(strings.TrimSpace(raw))
	if d == "" {
		return "", "", ""
	}
	ascii, ok := asciiDomain(d)
	if !ok {
		return "", "", "not a valid domain name"
	}
	if reason := analysis.SharedDomain(ascii); reason != "" {
		return "", "", reason
	}
	return ascii, ascii, ""
}

// normalizeAccepted reads an entry of accepted_domains: the tenant's own
// domains, which the analysis trusts most.
func normalizeAccepted(raw string) (string, string, string) {
	d, key, reason := normalizeDomain(raw)
	switch {
	case d == "" || reason != "":
		return d, key, reason
	case analysis.FreeMailDomain(d):
		return "", "", "a free-mail provider: anyone can get an address there"
	case analysis.MicrosoftTenantDomain(d):
		return "", "", "a Microsoft 365 tenant domain: qtriage already counts the tenant's own (its Organization), and another tenant's must not count as this one's"
	}
	return d, key, ""
}

// normalizeAllow reads an entry of allow: a domain there vouches for every
// address under it.
func normalizeAllow(raw string) (string, string, string) {
	e, key, reason := normalizeSender(raw)
	if reason == "" && e != "" && !strings.Contains(e, "@") && analysis.FreeMailDomain(e) {
		return "", "", "a free-mail provider: anyone can get an address there; name the address instead"
	}
	return e, key, reason
}

// asciiDomain returns d, lower-case, in ASCII form, or false when it is not
// a host name usable as a mail domain.
func asciiDomain(d string) (string, bool) {
	if !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
		return "", false
	}
	ascii, err := hostProfile.ToASCII(d)
	if err != nil {
		return "", false
	}
	// The mapping must not change the name (full-width dots, compatibility
	// characters): what the admin typed is what is matched.
	if u, err := hostProfile.ToUnicode(ascii); err != nil || (u != d && ascii != d) {
		return "", false
	}
	return ascii, true
}

func normalizeSender(raw string) (string, string, string) {
	e := strings.ToLower(strings.TrimSpace(raw))
	if e == "" {
		return "", "", ""
	}
	if d, ok := strings.CutPrefix(e, "@"); ok {
		return normalizeDomain(d)
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok {
		return normalizeDomain(e)
	}
	const bad = "not a valid address (local@domain)"
	if local == "" || strings.ContainsAny(local, "@<>()[]\\,;:\"") || strings.ContainsFunc(local, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}) || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", "", bad
	}
	ascii, ok := asciiDomain(domain)
	if !ok {
		return "", "", bad
	}
	e = local + "@" + ascii
	return e, e, ""
}

func normalizeName(raw string) (string, string, string) {
	if strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }) {
		return "", "", "contains control characters"
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) {
		return "", "", "contains invisible formatting characters (zero-width or bidi controls)"
	}
	n := strings.Join(strings.Fields(raw), " ")
	if n == "" {
		return "", "", ""
	}
	if reason := analysis.VIPName(n); reason != "" {
		return "", "", reason
	}
	return n, strings.ToLower(n), ""
}

// The lists are stored as JSON arrays of strings, one column each.

// DetectionList is one list of a tenant's detection settings: its name in
// the API, the console form and errors, and its entries.
type DetectionList struct {
	Name    string // accepted_domains, vips, partners, allow or deny
	Entries *[]string
}

// Lists returns d's five lists, in the API's order, pointing into d: the one
// enumeration that code going through every list (the audit of a change,
// the console form, the CLI) shares.
func (d *DetectionSettings) Lists() [5]DetectionList {
	return [5]DetectionList{{listAcceptedDomains, &d.AcceptedDomains}, {listVIPs, &d.VIPs},
		{listPartners, &d.Partners}, {listAllow, &d.Allow}, {listDeny, &d.Deny}}
}

// detectionLists normalizes d and returns its lists as the JSON stored; the
// error is Normalize's.
func detectionLists(d DetectionSettings) ([]any, error) {
	n, err := d.Normalize()
	if err != nil {
		return nil, err
	}
	var lists []any
	for _, l := range n.Lists() {
		b, _ := json.Marshal(*l.Entries) // a []string always marshals
		lists = append(lists, string(b))
	}
	return lists, nil
}

func (s *sqlStore) SetDetectionSettings(ctx context.Context, d DetectionSettings) error {
	const op = "set detection settings"
	lists, err := detectionLists(d)
	if err != nil {
		return err
	}
	// The foreign key turns an unknown tenant into ErrNotFound (classify).
	if _, err := s.w.ExecContext(ctx, `INSERT INTO detection_settings
    (tenant_id, accepted_domains, vips, partners, allow_list, deny_list, updated_by, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (tenant_id) DO UPDATE SET
    accepted_domains = excluded.accepted_domains,
    vips = excluded.vips,
    partners = excluded.partners,
    allow_list = excluded.allow_list,
    deny_list = excluded.deny_list,
    updated_by = excluded.updated_by,
    updated_at = excluded.updated_at`,
		d.TenantID, lists[0], lists[1], lists[2], lists[3], lists[4], d.UpdatedBy, s.timeArg(d.UpdatedAt)); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// ReplaceDetectionSettings checks its condition in the statement that
// writes: a first save inserts unless a row exists (ON CONFLICT DO
// NOTHING), a later one updates only the row still carrying prev; no row
// affected means another save came first. Both dialects store times at
// microsecond precision (timeArg), and a time read back is stored the
// same way again, so prev compares equal to the stored value it came from.
func (s *sqlStore) ReplaceDetectionSettings(ctx context.Context, d DetectionSettings, prev time.Time) error {
	const op = "replace detection settings"
	lists, err := detectionLists(d)
	if err != nil {
		return err
	}
	var res sql.Result
	if prev.IsZero() {
		// The foreign key turns an unknown tenant into ErrNotFound (classify).
		res, err = s.w.ExecContext(ctx, `INSERT INTO detection_settings
    (tenant_id, accepted_domains, vips, partners, allow_list, deny_list, updated_by, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (tenant_id) DO NOTHING`,
			d.TenantID, lists[0], lists[1], lists[2], lists[3], lists[4], d.UpdatedBy, s.timeArg(d.UpdatedAt))
	} else {
		res, err = s.w.ExecContext(ctx, `UPDATE detection_settings SET
    accepted_domains = $2, vips = $3, partners = $4, allow_list = $5, deny_list = $6,
    updated_by = $7, updated_at = $8
WHERE tenant_id = $1 AND updated_at = $9`,
			d.TenantID, lists[0], lists[1], lists[2], lists[3], lists[4], d.UpdatedBy, s.timeArg(d.UpdatedAt), s.timeArg(prev))
	}
	if err != nil {
		return s.fail(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail(ctx, op, err)
	}
	if n != 1 {
		return &dbError{op: op, kind: ErrConflict, err: errors.New("the detection settings were changed since they were read")}
	}
	return nil
}

func (s *sqlStore) DetectionSettings(ctx context.Context, tenantID string) (DetectionSettings, error) {
	const op = "detection settings"
	var (
		lists [5]string
		at    timeValue
	)
	d := DetectionSettings{TenantID: tenantID}
	err := s.r.QueryRowContext(ctx, `SELECT accepted_domains, vips, partners, allow_list, deny_list, updated_by, updated_at
FROM detection_settings WHERE tenant_id = $1`, tenantID).
		Scan(&lists[0], &lists[1], &lists[2], &lists[3], &lists[4], &d.UpdatedBy, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		lists = [5]string{"[]", "[]", "[]", "[]", "[]"} // never set: empty lists
	case err != nil:
		return DetectionSettings{}, s.fail(ctx, op, err)
	}
	d.UpdatedAt = at.t
	for i, l := range d.Lists() {
		*l.Entries = []string{}
		if err := json.Unmarshal([]byte(lists[i]), l.Entries); err != nil {
			return DetectionSettings{}, fmt.Errorf("store: %s of tenant %s: %w", op, tenantID, err)
		}
	}
	return d, nil
}
