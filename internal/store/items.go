package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// ItemRow is a quarantine item with the verdict of its message, for lists.
type ItemRow struct {
	QuarantineItem
	Verdict    string // "" until analysed
	Confidence float64
	Category   string
	// Override is the analyst's verdict, "" when none.
	Override string
}

// ItemFilter selects a tenant's quarantine items. Zero fields do not filter.
type ItemFilter struct {
	TenantID      string
	Verdicts      []string // "unanalysed" matches items without a report
	Types         []string
	ReleaseStatus []string
	From, To      time.Time // received
	Sender        string    // substring, case-insensitive
	Recipient     string    // substring, case-insensitive
	Subject       string    // substring, case-insensitive
	Oldest        bool      // oldest first instead of newest first
	Limit         int       // default 50, at most 500
	// After continues a listing: the cursor of the previous page's last row.
	After string
}

// Cursor is the keyset position of a row: its received time and identity.
func (r ItemRow) Cursor() string {
	return r.ReceivedAt.UTC().Format(timeLayout) + "|" + r.Identity
}

// VerdictCount is a number of items per verdict or per type.
type VerdictCount struct {
	Key   string
	Count int
}

// Items lists a tenant's quarantine items with their verdicts, by received
// time then identity, with keyset pagination (fast at any depth).
func (s *sqlStore) Items(ctx context.Context, f ItemFilter) ([]ItemRow, error) {
	where := []string{"q.tenant_id = $1"}
	args := []any{f.TenantID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	in := func(col string, vals []string) {
		var ph []string
		for _, v := range vals {
			ph = append(ph, arg(v))
		}
		where = append(where, col+" IN ("+strings.Join(ph, ", ")+")")
	}
	if len(f.Verdicts) > 0 {
		var conds []string
		var vals []string
		for _, v := range f.Verdicts {
			if v == "unanalysed" {
				conds = append(conds, "r.verdict IS NULL")
			} else {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 {
			var ph []string
			for _, v := range vals {
				ph = append(ph, arg(v))
			}
			conds = append(conds, "r.verdict IN ("+strings.Join(ph, ", ")+")")
		}
		where = append(where, "("+strings.Join(conds, " OR ")+")")
	}
	if len(f.Types) > 0 {
		in("q.qtype", f.Types)
	}
	if len(f.ReleaseStatus) > 0 {
		in("q.release_status", f.ReleaseStatus)
	}
	if !f.From.IsZero() {
		where = append(where, "q.received_at >= "+arg(s.timeArg(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "q.received_at < "+arg(s.timeArg(f.To)))
	}
	like := func(col, v string) {
		if v != "" {
			where = append(where, "lower("+col+") LIKE "+arg("%"+escapeLike(strings.ToLower(v))+"%")+` ESCAPE '\'`)
		}
	}
	like("q.sender", f.Sender)
	like("q.recipients", f.Recipient)
	like("q.subject", f.Subject)
	order, cmp := "DESC", "<"
	if f.Oldest {
		order, cmp = "ASC", ">"
	}
	if f.After != "" {
		at, id, ok := strings.Cut(f.After, "|")
		t, err := time.Parse(timeLayout, at)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: items: bad cursor %q", f.After)
		}
		p1, p2 := arg(s.timeArg(t)), arg(id)
		where = append(where, fmt.Sprintf("(q.received_at %s %s OR (q.received_at = %s AND q.identity %s %s))", cmp, p1, p1, cmp, p2))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	q := `SELECT ` + prefixed("q.", itemColumns) + `, r.verdict, r.confidence, r.category, o.verdict
FROM quarantine_items q LEFT JOIN reports r ON r.tenant_id = q.tenant_id AND r.sha256 = q.sha256
LEFT JOIN verdict_overrides o ON o.tenant_id = q.tenant_id AND o.sha256 = q.sha256
WHERE ` + strings.Join(where, " AND ") + `
ORDER BY q.received_at ` + order + `, q.identity ` + order + ` LIMIT ` + arg(limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail(ctx, "items", err)
	}
	defer rows.Close()
	var out []ItemRow
	for rows.Next() {
		var (
			r                      ItemRow
			rcpt, state            string
			recv, exp, first, last timeValue
			verdict, category, ov  sql.NullString
			conf                   sql.NullFloat64
		)
		if err := rows.Scan(&r.TenantID, &r.Identity, &r.MessageID, &recv, &exp, &r.Type, &r.PolicyType, &r.PolicyName,
			&r.Direction, &r.Sender, &rcpt, &r.Subject, &r.Size, &r.ReleaseStatus, &state, &r.SHA256, &r.Attempts,
			&r.LastError, &first, &last, &verdict, &conf, &category, &ov); err != nil {
			return nil, s.fail(ctx, "items", err)
		}
		if err := jsonUnmarshalStrings(rcpt, &r.Recipients); err != nil {
			return nil, s.fail(ctx, "items", err)
		}
		r.State = ItemState(state)
		r.ReceivedAt, r.ExpiresAt, r.FirstSeenAt, r.LastSeenAt = recv.t, exp.t, first.t, last.t
		r.Verdict, r.Confidence, r.Category, r.Override = verdict.String, conf.Float64, category.String, ov.String
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "items", err)
	}
	return out, nil
}

// ItemCounts counts a tenant's items by verdict ("" for unanalysed) and by
// quarantine type, received since since.
func (s *sqlStore) ItemCounts(ctx context.Context, tenantID string, since time.Time) (byVerdict, byType []VerdictCount, err error) {
	query := func(col string) ([]VerdictCount, error) {
		rows, err := s.r.QueryContext(ctx, `SELECT COALESCE(`+col+`, ''), COUNT(*)
FROM quarantine_items q LEFT JOIN reports r ON r.tenant_id = q.tenant_id AND r.sha256 = q.sha256
WHERE q.tenant_id = $1 AND q.received_at >= $2 GROUP BY 1 ORDER BY 2 DESC, 1`, tenantID, s.timeArg(since))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []VerdictCount
		for rows.Next() {
			var c VerdictCount
			if err := rows.Scan(&c.Key, &c.Count); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, rows.Err()
	}
	if byVerdict, err = query("r.verdict"); err != nil {
		return nil, nil, s.fail(ctx, "item counts", err)
	}
	if byType, err = query("q.qtype"); err != nil {
		return nil, nil, s.fail(ctx, "item counts", err)
	}
	return byVerdict, byType, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
