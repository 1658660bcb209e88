package store

import (
	"context"
	"time"
)

// Override is an analyst's verdict on a message with the reason, kept beside
// the engine's report.
type Override struct {
	TenantID string
	SHA256   []byte
	Verdict  string // malicious, suspicious, spam or benign
	Note     string
	By       string // the user
	At       time.Time
}

// Overrides persists analysts' verdicts.
type Overrides interface {
	// SetOverride records (replaces) the analyst's verdict on a message.
	SetOverride(ctx context.Context, o Override) error
	// Override returns it, ErrNotFound if none.
	Override(ctx context.Context, tenantID string, sha256 []byte) (Override, error)
}

func (s *sqlStore) SetOverride(ctx context.Context, o Override) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO verdict_overrides (tenant_id, sha256, verdict, note, by_user, at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (tenant_id, sha256) DO UPDATE SET verdict = excluded.verdict, note = excluded.note, by_user = excluded.by_user, at = excluded.at`,
		o.TenantID, nonNil(o.SHA256), o.Verdict, o.Note, o.By, s.timeArg(o.At)); err != nil {
		return s.fail(ctx, "set override", err)
	}
	return nil
}

func (s *sqlStore) Override(ctx context.Context, tenantID string, sha []byte) (Override, error) {
	o := Override{TenantID: tenantID}
	var at timeValue
	if err := s.r.QueryRowContext(ctx, `SELECT sha256, verdict, note, by_user, at FROM verdict_overrides WHERE tenant_id = $1 AND sha256 = $2`,
		tenantID, nonNil(sha)).Scan(&o.SHA256, &o.Verdict, &o.Note, &o.By, &at); err != nil {
		return Override{}, s.fail(ctx, "override", err)
	}
	o.At = at.t
	return o, nil
}
