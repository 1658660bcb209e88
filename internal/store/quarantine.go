package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ItemState is where a quarantine item is in qtriage's pipeline.
type ItemState string

// Item states. listed → exported (its message stored) is the normal path;
// failed is a permanent per-item error (recorded, not retried forever);
// expired means Microsoft dropped it before we could export it; deleted
// means it left the quarantine (released elsewhere, or deleted).
const (
	ItemListed   ItemState = "listed"
	ItemExported ItemState = "exported"
	ItemFailed   ItemState = "failed"
	ItemExpired  ItemState = "expired"
	ItemDeleted  ItemState = "deleted"
)

// QuarantineItem is one row of Get-QuarantineMessage as qtriage keeps it.
type QuarantineItem struct {
	TenantID      string
	Identity      string // GUID\GUID
	MessageID     string
	ReceivedAt    time.Time
	ExpiresAt     time.Time
	Type          string // Phish, Spam, Malware, ... (QuarantineTypes)
	PolicyType    string
	PolicyName    string
	Direction     string
	Sender        string
	Recipients    []string
	Subject       string
	Size          int64
	ReleaseStatus string // NotReleased, Released, ... (normalised case)
	State         ItemState
	SHA256        []byte // of the exported message, once exported
	Attempts      int
	LastError     string
	FirstSeenAt   time.Time
	LastSeenAt    time.Time
}

// Message is a raw message as stored: zstd-compressed bytes.
type Message struct {
	TenantID string
	SHA256   []byte
	Size     int64
	RawZstd  []byte
	StoredAt time.Time
}

// Report is the stored analysis of one message.
type Report struct {
	TenantID        string
	SHA256          []byte
	AnalyzerVersion string
	Verdict         string
	Confidence      float64
	Category        string
	Sender          string // lower-case From address
	SenderDomain    string
	Brand           string // impersonated brand, "" when none
	JSON            []byte // the full report
	AnalyzedAt      time.Time
}

// SyncState is a tenant's synchronisation bookkeeping.
type SyncState struct {
	TenantID       string
	Paused         bool
	Backfilled     bool // the first, 30-day sync finished
	LastStartedAt  *time.Time
	LastFinishedAt *time.Time
	LastError      string
	Diagnosis      string // connection-test JSON when the setup is broken
}

// SenderHistory counts a tenant's earlier analysed mail from a sender.
type SenderHistory struct {
	FromAddress, FromAddressBenign                    int
	FromDomain, FromDomainBenign, FromDomainMalicious int
}

// TenantCounts summarises a tenant's pipeline for `qtriage status`.
type TenantCounts struct {
	Items, Messages, Reports, Pending, Failed, ExpiredUnexported int
}

// Quarantine persists what the sync loop finds and makes.
type Quarantine interface {
	// UpsertItems records listed items: new identities are inserted as
	// listed, known ones get their mutable fields (expiry, release status,
	// last seen) updated. It returns the identities that were new.
	UpsertItems(ctx context.Context, items []QuarantineItem) (created []string, err error)
	// Item returns one item, ErrNotFound if unknown.
	Item(ctx context.Context, tenantID, identity string) (QuarantineItem, error)
	// ItemsOfMessage lists the items (one per recipient) that share a message.
	ItemsOfMessage(ctx context.Context, tenantID string, sha256 []byte) ([]QuarantineItem, error)
	// PendingItems lists items still to export, the closest to expiry first.
	PendingItems(ctx context.Context, tenantID string, limit int) ([]QuarantineItem, error)
	// NextExports lists the pending items never yet tried (no failed
	// attempt), the closest to expiry first: the next ones to queue.
	NextExports(ctx context.Context, tenantID string, limit int) ([]QuarantineItem, error)
	// StoreMessage stores the raw message (once per hash) and marks the item
	// exported, in one transaction. It reports whether the message is new.
	StoreMessage(ctx context.Context, m Message, identity string) (created bool, err error)
	// FailItem records an export failure: permanent moves the item to
	// failed, otherwise it stays listed with the attempt counted.
	FailItem(ctx context.Context, tenantID, identity, reason string, permanent bool) error
	// SetItemState sets expired or deleted (items that left the quarantine).
	SetItemState(ctx context.Context, tenantID, identity string, s ItemState) error
	// Message returns a stored message, ErrNotFound if unknown.
	Message(ctx context.Context, tenantID string, sha256 []byte) (Message, error)
	// PutReport stores (replaces) the report of a message. It queues a
	// report.ready event when the message had no report, or one with
	// another verdict: a re-analysis that confirms the verdict announces
	// nothing.
	PutReport(ctx context.Context, r Report) error
	// Report returns a message's report, ErrNotFound if none.
	Report(ctx context.Context, tenantID string, sha256 []byte) (Report, error)
	// Unanalysed lists hashes of stored messages without a report, or whose
	// report was made by another analyzer version when version != "".
	Unanalysed(ctx context.Context, tenantID, version string, limit int) ([][]byte, error)
	// MessageHashes lists, in ascending order, up to limit hashes of the
	// tenant's stored messages greater than after (nil: from the first):
	// every message, or when outdated != "" those without a report of that
	// analyzer version. Passing the last hash of a page as after reads the
	// next page (re-analysis goes through a tenant's messages so).
	MessageHashes(ctx context.Context, tenantID, outdated string, after []byte, limit int) ([][]byte, error)
	// CountMessageHashes counts the messages that MessageHashes lists over
	// all its pages.
	CountMessageHashes(ctx context.Context, tenantID, outdated string) (int, error)
	// SenderHistory counts earlier reports from this address and domain,
	// and how many of them were benign.
	SenderHistory(ctx context.Context, tenantID, address, domain string) (SenderHistory, error)
	// SyncState returns the tenant's sync state (zero values if none yet).
	SyncState(ctx context.Context, tenantID string) (SyncState, error)
	// PutSyncState stores the tenant's sync state.
	PutSyncState(ctx context.Context, s SyncState) error
	// Counts summarises a tenant's items, messages and reports.
	Counts(ctx context.Context, tenantID string) (TenantCounts, error)
	// Items lists items with their verdicts, filtered, by received time
	// (keyset pagination: pass the last row's Cursor as After).
	Items(ctx context.Context, f ItemFilter) ([]ItemRow, error)
	// SetReleaseStatus records what an action at Microsoft did to items
	// (Released, Deleted), until the next sync reports their state.
	SetReleaseStatus(ctx context.Context, tenantID string, identities []string, status string) error
	// Top counts, among items received since a time, the most frequent
	// impersonated brands (what "brand") or sender domains ("sender_domain").
	Top(ctx context.Context, tenantID, what string, since time.Time, n int) ([]VerdictCount, error)
	// Daily counts items received per UTC day since a time.
	Daily(ctx context.Context, tenantID string, since time.Time) ([]VerdictCount, error)
	// ItemCounts counts items received since a time by verdict and by type.
	ItemCounts(ctx context.Context, tenantID string, since time.Time) (byVerdict, byType []VerdictCount, err error)
}

const itemColumns = `tenant_id, identity, message_id, received_at, expires_at, qtype, policy_type, policy_name, direction,
sender, recipients, subject, size, release_status, state, sha256, attempts, last_error, first_seen_at, last_seen_at`

func (s *sqlStore) UpsertItems(ctx context.Context, items []QuarantineItem) ([]string, error) {
	var created []string
	err := s.inTx(ctx, "upsert items", func(tx *sql.Tx) error {
		created = created[:0]
		for _, it := range items {
			rcpt, err := json.Marshal(nonNilStrings(it.Recipients))
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO quarantine_items (`+itemColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'listed', NULL, 0, '', $15, $15)
ON CONFLICT (tenant_id, identity) DO NOTHING`,
				it.TenantID, it.Identity, it.MessageID, s.timeArg(it.ReceivedAt), s.timeArg(it.ExpiresAt), it.Type,
				it.PolicyType, it.PolicyName, it.Direction, it.Sender, string(rcpt), it.Subject, it.Size, it.ReleaseStatus,
				s.timeArg(it.LastSeenAt))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				created = append(created, it.Identity)
				continue
			}
			// Known: only what Microsoft changes over an item's life.
			if _, err := tx.ExecContext(ctx, `UPDATE quarantine_items SET expires_at = $3, release_status = $4, last_seen_at = $5
WHERE tenant_id = $1 AND identity = $2`, it.TenantID, it.Identity, s.timeArg(it.ExpiresAt), it.ReleaseStatus, s.timeArg(it.LastSeenAt)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

func jsonUnmarshalStrings(s string, dst *[]string) error {
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		return fmt.Errorf("recipients: %w", err)
	}
	return nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *sqlStore) scanItems(rows *sql.Rows) ([]QuarantineItem, error) {
	defer rows.Close()
	var out []QuarantineItem
	for rows.Next() {
		var (
			it                     QuarantineItem
			rcpt                   string
			recv, exp, first, last timeValue
			state                  string
		)
		if err := rows.Scan(&it.TenantID, &it.Identity, &it.MessageID, &recv, &exp, &it.Type, &it.PolicyType, &it.PolicyName,
			&it.Direction, &it.Sender, &rcpt, &it.Subject, &it.Size, &it.ReleaseStatus, &state, &it.SHA256, &it.Attempts,
			&it.LastError, &first, &last); err != nil {
			return nil, err
		}
		if err := jsonUnmarshalStrings(rcpt, &it.Recipients); err != nil {
			return nil, fmt.Errorf("recipients of %s: %w", it.Identity, err)
		}
		it.State = ItemState(state)
		it.ReceivedAt, it.ExpiresAt, it.FirstSeenAt, it.LastSeenAt = recv.t, exp.t, first.t, last.t
		out = append(out, it)
	}
	return out, rows.Err()
}

// queryItems runs SELECT itemColumns FROM quarantine_items with the rest
// of the query (WHERE ...) through q, a handle or a transaction.
func (s *sqlStore) queryItems(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, rest string, args ...any) ([]QuarantineItem, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+itemColumns+` FROM quarantine_items `+rest, args...)
	if err != nil {
		return nil, err
	}
	return s.scanItems(rows)
}

func (s *sqlStore) Item(ctx context.Context, tenantID, identity string) (QuarantineItem, error) {
	items, err := s.queryItems(ctx, s.r, `WHERE tenant_id = $1 AND identity = $2`, tenantID, identity)
	if err == nil && len(items) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return QuarantineItem{}, s.fail(ctx, "item", err)
	}
	return items[0], nil
}

func (s *sqlStore) ItemsOfMessage(ctx context.Context, tenantID string, sha []byte) ([]QuarantineItem, error) {
	items, err := s.queryItems(ctx, s.r, `WHERE tenant_id = $1 AND sha256 = $2 ORDER BY identity`, tenantID, nonNil(sha))
	if err != nil {
		return nil, s.fail(ctx, "items of message", err)
	}
	return items, nil
}

func (s *sqlStore) NextExports(ctx context.Context, tenantID string, limit int) ([]QuarantineItem, error) {
	items, err := s.queryItems(ctx, s.r, `WHERE tenant_id = $1 AND state = 'listed' AND attempts = 0 ORDER BY expires_at, identity LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, s.fail(ctx, "next exports", err)
	}
	return items, nil
}

func (s *sqlStore) PendingItems(ctx context.Context, tenantID string, limit int) ([]QuarantineItem, error) {
	items, err := s.queryItems(ctx, s.r, `WHERE tenant_id = $1 AND state = 'listed' ORDER BY expires_at, identity LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, s.fail(ctx, "pending items", err)
	}
	return items, nil
}

func (s *sqlStore) StoreMessage(ctx context.Context, m Message, identity string) (bool, error) {
	created := false
	err := s.inTx(ctx, "store message", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO messages (tenant_id, sha256, size, raw_zstd, stored_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, sha256) DO NOTHING`,
			m.TenantID, nonNil(m.SHA256), m.Size, nonNil(m.RawZstd), s.timeArg(m.StoredAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		res, err = tx.ExecContext(ctx, `UPDATE quarantine_items SET state = 'exported', sha256 = $3, last_error = ''
WHERE tenant_id = $1 AND identity = $2 AND state IN ('listed', 'exported')`, m.TenantID, identity, nonNil(m.SHA256))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("item %s is not waiting for export: %w", identity, sql.ErrNoRows)
		}
		return nil
	})
	return created, err
}

func (s *sqlStore) FailItem(ctx context.Context, tenantID, identity, reason string, permanent bool) error {
	state := string(ItemListed)
	if permanent {
		state = string(ItemFailed)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE quarantine_items SET attempts = attempts + 1, last_error = $3, state = $4
WHERE tenant_id = $1 AND identity = $2 AND state = 'listed'`, tenantID, identity, reason, state)
	if err != nil {
		return s.fail(ctx, "fail item", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail(ctx, "fail item", err)
	} else if n == 0 {
		return s.fail(ctx, "fail item", sql.ErrNoRows)
	}
	return nil
}

func (s *sqlStore) SetItemState(ctx context.Context, tenantID, identity string, st ItemState) error {
	if st != ItemExpired && st != ItemDeleted {
		return fmt.Errorf("store: set item state: only expired or deleted, not %q", st)
	}
	// An exported item keeps its message: only unexported items change.
	res, err := s.w.ExecContext(ctx, `UPDATE quarantine_items SET state = $3
WHERE tenant_id = $1 AND identity = $2 AND state IN ('listed', 'failed')`, tenantID, identity, string(st))
	if err != nil {
		return s.fail(ctx, "set item state", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail(ctx, "set item state", err)
	} else if n == 0 {
		return s.fail(ctx, "set item state", sql.ErrNoRows)
	}
	return nil
}

func (s *sqlStore) Message(ctx context.Context, tenantID string, sha []byte) (Message, error) {
	m := Message{TenantID: tenantID}
	var stored timeValue
	err := s.r.QueryRowContext(ctx, `SELECT sha256, size, raw_zstd, stored_at FROM messages WHERE tenant_id = $1 AND sha256 = $2`,
		tenantID, nonNil(sha)).Scan(&m.SHA256, &m.Size, &m.RawZstd, &stored)
	if err != nil {
		return Message{}, s.fail(ctx, "message", err)
	}
	m.StoredAt = stored.t
	return m, nil
}

func (s *sqlStore) PutReport(ctx context.Context, r Report) error {
	// The verdict before, read in the transaction that replaces it (and
	// locked on PostgreSQL, so that of two writers replacing a report the
	// second compares with the first's verdict).
	before := `SELECT verdict FROM reports WHERE tenant_id = $1 AND sha256 = $2`
	if s.dialect != "sqlite" {
		before += ` FOR UPDATE`
	}
	return s.inTx(ctx, "put report", func(tx *sql.Tx) error {
		var was string // "" when none: every report has a verdict
		if err := tx.QueryRowContext(ctx, before, r.TenantID, nonNil(r.SHA256)).Scan(&was); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reports (tenant_id, sha256, analyzer_version, verdict, confidence, category,
sender, sender_domain, report_json, analyzed_at, brand) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant_id, sha256) DO UPDATE SET analyzer_version = excluded.analyzer_version, verdict = excluded.verdict,
  confidence = excluded.confidence, category = excluded.category, sender = excluded.sender,
  sender_domain = excluded.sender_domain, report_json = excluded.report_json, analyzed_at = excluded.analyzed_at,
  brand = excluded.brand`,
			r.TenantID, nonNil(r.SHA256), r.AnalyzerVersion, r.Verdict, r.Confidence, r.Category, r.Sender, r.SenderDomain,
			nonNil(r.JSON), s.timeArg(r.AnalyzedAt), r.Brand); err != nil {
			return err
		}
		if was == r.Verdict {
			return nil // a re-analysis with the same verdict: nothing new to announce
		}
		return s.publish(ctx, tx, r.TenantID, EventReportReady, r.AnalyzedAt, func(tx *sql.Tx) (any, error) { return s.reportEvent(ctx, tx, r) })
	})
}

func (s *sqlStore) Report(ctx context.Context, tenantID string, sha []byte) (Report, error) {
	r := Report{TenantID: tenantID}
	var at timeValue
	err := s.r.QueryRowContext(ctx, `SELECT sha256, analyzer_version, verdict, confidence, category, sender, sender_domain,
report_json, analyzed_at, brand FROM reports WHERE tenant_id = $1 AND sha256 = $2`, tenantID, nonNil(sha)).Scan(
		&r.SHA256, &r.AnalyzerVersion, &r.Verdict, &r.Confidence, &r.Category, &r.Sender, &r.SenderDomain, &r.JSON, &at, &r.Brand)
	if err != nil {
		return Report{}, s.fail(ctx, "report", err)
	}
	r.AnalyzedAt = at.t
	return r, nil
}

func (s *sqlStore) Unanalysed(ctx context.Context, tenantID, version string, limit int) ([][]byte, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT m.sha256 FROM messages m
LEFT JOIN reports r ON r.tenant_id = m.tenant_id AND r.sha256 = m.sha256
WHERE m.tenant_id = $1 AND (r.sha256 IS NULL OR ($2 <> '' AND r.analyzer_version <> $2))
ORDER BY m.stored_at, m.sha256 LIMIT $3`, tenantID, version, limit)
	if err != nil {
		return nil, s.fail(ctx, "unanalysed", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, s.fail(ctx, "unanalysed", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "unanalysed", err)
	}
	return out, nil
}

// messageHashesWhere selects a tenant's messages ($1): every one when $2
// is empty, else those without a report of analyzer version $2. (NOT
// EXISTS rather than a join: both dialects answer it from the reports'
// primary key.)
const messageHashesWhere = `m.tenant_id = $1 AND ($2 = '' OR NOT EXISTS (SELECT 1 FROM reports r
WHERE r.tenant_id = m.tenant_id AND r.sha256 = m.sha256 AND r.analyzer_version = $2))`

func (s *sqlStore) MessageHashes(ctx context.Context, tenantID, outdated string, after []byte, limit int) ([][]byte, error) {
	// Keyset pagination on the messages' primary key (tenant_id, sha256).
	// Every hash is 32 bytes, so each is greater than the empty after.
	rows, err := s.r.QueryContext(ctx, `SELECT m.sha256 FROM messages m
WHERE `+messageHashesWhere+` AND m.sha256 > $3 ORDER BY m.sha256 LIMIT $4`, tenantID, outdated, nonNil(after), limit)
	if err != nil {
		return nil, s.fail(ctx, "message hashes", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, s.fail(ctx, "message hashes", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "message hashes", err)
	}
	return out, nil
}

func (s *sqlStore) CountMessageHashes(ctx context.Context, tenantID, outdated string) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages m WHERE `+messageHashesWhere, tenantID, outdated).Scan(&n); err != nil {
		return 0, s.fail(ctx, "count message hashes", err)
	}
	return n, nil
}

func (s *sqlStore) SenderHistory(ctx context.Context, tenantID, address, domain string) (SenderHistory, error) {
	var h SenderHistory
	err := s.r.QueryRowContext(ctx, `SELECT
  COUNT(CASE WHEN sender = $2 THEN 1 END),
  COUNT(CASE WHEN sender = $2 AND verdict = 'benign' THEN 1 END),
  COUNT(*),
  COUNT(CASE WHEN verdict = 'benign' THEN 1 END),
  COUNT(CASE WHEN verdict = 'malicious' THEN 1 END)
FROM reports WHERE tenant_id = $1 AND sender_domain = $3`, tenantID, address, domain).Scan(
		&h.FromAddress, &h.FromAddressBenign, &h.FromDomain, &h.FromDomainBenign, &h.FromDomainMalicious)
	if err != nil {
		return SenderHistory{}, s.fail(ctx, "sender history", err)
	}
	return h, nil
}

func (s *sqlStore) SyncState(ctx context.Context, tenantID string) (SyncState, error) {
	st := SyncState{TenantID: tenantID}
	var started, finished nullTimeValue
	err := s.r.QueryRowContext(ctx, `SELECT paused, backfilled, last_started_at, last_finished_at, last_error, diagnosis
FROM sync_state WHERE tenant_id = $1`, tenantID).Scan(&st.Paused, &st.Backfilled, &started, &finished, &st.LastError, &st.Diagnosis)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return SyncState{}, s.fail(ctx, "sync state", err)
	}
	st.LastStartedAt, st.LastFinishedAt = started.ptr(), finished.ptr()
	return st, nil
}

func (s *sqlStore) PutSyncState(ctx context.Context, st SyncState) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO sync_state (tenant_id, paused, backfilled, last_started_at, last_finished_at, last_error, diagnosis)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (tenant_id) DO UPDATE SET paused = excluded.paused, backfilled = excluded.backfilled,
  last_started_at = excluded.last_started_at, last_finished_at = excluded.last_finished_at,
  last_error = excluded.last_error, diagnosis = excluded.diagnosis`,
		st.TenantID, st.Paused, st.Backfilled, s.nullTimeArg(st.LastStartedAt), s.nullTimeArg(st.LastFinishedAt), st.LastError, st.Diagnosis); err != nil {
		return s.fail(ctx, "put sync state", err)
	}
	return nil
}

func (s *sqlStore) Counts(ctx context.Context, tenantID string) (TenantCounts, error) {
	var c TenantCounts
	err := s.r.QueryRowContext(ctx, `SELECT
  (SELECT COUNT(*) FROM quarantine_items WHERE tenant_id = $1),
  (SELECT COUNT(*) FROM messages WHERE tenant_id = $1),
  (SELECT COUNT(*) FROM reports WHERE tenant_id = $1),
  (SELECT COUNT(*) FROM quarantine_items WHERE tenant_id = $1 AND state = 'listed'),
  (SELECT COUNT(*) FROM quarantine_items WHERE tenant_id = $1 AND state = 'failed'),
  (SELECT COUNT(*) FROM quarantine_items WHERE tenant_id = $1 AND state = 'expired')`, tenantID).Scan(
		&c.Items, &c.Messages, &c.Reports, &c.Pending, &c.Failed, &c.ExpiredUnexported)
	if err != nil {
		return TenantCounts{}, s.fail(ctx, "counts", err)
	}
	return c, nil
}

func (s *sqlStore) SetReleaseStatus(ctx context.Context, tenantID string, identities []string, status string) error {
	return s.inTx(ctx, "set release status", func(tx *sql.Tx) error {
		for _, id := range identities {
			if _, err := tx.ExecContext(ctx, `UPDATE quarantine_items SET release_status = $3 WHERE tenant_id = $1 AND identity = $2`,
				tenantID, id, status); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *sqlStore) Top(ctx context.Context, tenantID, what string, since time.Time, n int) ([]VerdictCount, error) {
	var col string
	switch what {
	case "brand":
		col = "r.brand"
	case "sender_domain":
		// The domain part of the listed sender address.
		if s.dialect == "sqlite" {
			col = "substr(q.sender, instr(q.sender, '@') + 1)"
		} else {
			col = "split_part(q.sender, '@', 2)"
		}
	default:
		return nil, fmt.Errorf("store: top: unknown %q", what)
	}
	return s.counts(ctx, "top", `SELECT `+col+`, COUNT(*)
FROM quarantine_items q LEFT JOIN reports r ON r.tenant_id = q.tenant_id AND r.sha256 = q.sha256
WHERE q.tenant_id = $1 AND q.received_at >= $2 AND `+col+` <> '' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $3`, tenantID, s.timeArg(since), n)
}

func (s *sqlStore) Daily(ctx context.Context, tenantID string, since time.Time) ([]VerdictCount, error) {
	day := "substr(q.received_at, 1, 10)"
	if s.dialect != "sqlite" {
		day = "to_char(q.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return s.counts(ctx, "daily", `SELECT `+day+`, COUNT(*) FROM quarantine_items q
WHERE q.tenant_id = $1 AND q.received_at >= $2 GROUP BY 1 ORDER BY 1`, tenantID, s.timeArg(since))
}

func (s *sqlStore) counts(ctx context.Context, op, q string, args ...any) ([]VerdictCount, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	defer rows.Close()
	var out []VerdictCount
	for rows.Next() {
		var c VerdictCount
		if err := rows.Scan(&c.Key, &c.Count); err != nil {
			return nil, s.fail(ctx, op, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return out, nil
}
