package store

import (
	"context"
	"time"
)

// ConnectionTest is the last result of a tenant's connection test.
type ConnectionTest struct {
	TenantID string
	TestedAt time.Time
	OK       bool
	JSON     []byte // the setupcheck report
}

// ConnectionTests keeps the last connection test of each tenant.
type ConnectionTests interface {
	// PutConnectionTest replaces the tenant's last result.
	PutConnectionTest(ctx context.Context, c ConnectionTest) error
	// LastConnectionTest returns it, ErrNotFound if none was run.
	LastConnectionTest(ctx context.Context, tenantID string) (ConnectionTest, error)
}

func (s *sqlStore) PutConnectionTest(ctx context.Context, c ConnectionTest) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO connection_tests (tenant_id, tested_at, ok, report_json) VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant_id) DO UPDATE SET tested_at = excluded.tested_at, ok = excluded.ok, report_json = excluded.report_json`,
		c.TenantID, s.timeArg(c.TestedAt), c.OK, nonNil(c.JSON)); err != nil {
		return s.fail(ctx, "put connection test", err)
	}
	return nil
}

func (s *sqlStore) LastConnectionTest(ctx context.Context, tenantID string) (ConnectionTest, error) {
	c := ConnectionTest{TenantID: tenantID}
	var at timeValue
	if err := s.r.QueryRowContext(ctx, `SELECT tested_at, ok, report_json FROM connection_tests WHERE tenant_id = $1`, tenantID).Scan(&at, &c.OK, &c.JSON); err != nil {
		return ConnectionTest{}, s.fail(ctx, "connection test", err)
	}
	c.TestedAt = at.t
	return c, nil
}
