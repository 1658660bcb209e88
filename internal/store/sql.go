package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrationFS holds the numbered, append-only migrations of both dialects:
// migrations/sqlite and migrations/postgres.
//
//go:embed migrations
var migrationFS embed.FS

// timeLayout is how SQLite stores times: fixed width (unlike RFC3339Nano,
// which drops trailing zeros), so text order is time order, and microsecond
// precision, the precision of a PostgreSQL timestamptz, so that both
// dialects give back exactly the same values.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// sqlStore is the database/sql implementation both dialects share. Both
// drivers accept $1 placeholders, RETURNING and ON CONFLICT, so the SQL is
// the same; what differs is captured by the fields.
type sqlStore struct {
	dialect string
	// w runs every write and every transaction, r runs reads outside
	// transactions. For PostgreSQL they are the same pool; for SQLite w has
	// a single connection so that writers queue in Go rather than spin on
	// SQLITE_BUSY (see openSQLite).
	r, w *sql.DB
	// timeArg turns a time into the value stored for it.
	timeArg func(time.Time) any
	// classify maps a driver error to ErrConflict, ErrNotFound or
	// ErrUnavailable, or returns nil when it is none of them.
	classify func(error) error
	// migrations is the dialect's directory in migrationFS.
	migrations   string
	gooseDialect goose.Dialect
	// locker, if set, returns the session lock that keeps two processes
	// from migrating the same database at once.
	locker func(ctx context.Context) (lock.SessionLocker, error)
}

func (s *sqlStore) Dialect() string { return s.dialect }

func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return s.fail(ctx, "ping", err)
	}
	if s.r != s.w {
		if err := s.r.PingContext(ctx); err != nil {
			return s.fail(ctx, "ping", err)
		}
	}
	return nil
}

func (s *sqlStore) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

func (s *sqlStore) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrationFS, s.migrations)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	opts := []goose.ProviderOption{
		// Only the embedded SQL files: never goose's process-wide registry
		// of Go migrations.
		goose.WithDisableGlobalRegistry(true),
	}
	if s.locker != nil {
		l, err := s.locker(ctx)
		if err != nil {
			return s.fail(ctx, "migrate", err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	p, err := goose.NewProvider(s.gooseDialect, s.w, fsys, opts...)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return s.fail(ctx, "migrate", err)
	}
	return nil
}

// Tenants.

// tenantSelect reads a tenant with its connection, if any: one statement,
// so the two are consistent without a transaction.
const tenantSelect = `
SELECT t.id, t.slug, t.name, t.created_at,
       c.app_id, c.directory_id, c.organization, c.cloud,
       c.authority_url, c.exchange_url, c.ca_file, c.updated_at
FROM tenants t LEFT JOIN connections c ON c.tenant_id = t.id`

func (s *sqlStore) CreateTenant(ctx context.Context, t Tenant, first Certificate) error {
	const op = "create tenant"
	if first.TenantID == "" {
		first.TenantID = t.ID
	}
	if first.TenantID != t.ID {
		return fmt.Errorf("store: %s: certificate is for tenant %q, not %q", op, first.TenantID, t.ID)
	}
	if first.Status == "" {
		first.Status = CertActive
	}
	if first.Status != CertActive {
		return fmt.Errorf("store: %s: first certificate is %s, must be active", op, first.Status)
	}
	if first.ActivatedAt == nil {
		first.ActivatedAt = &first.CreatedAt
	}
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, $2, $3, $4)`,
			t.ID, t.Slug, t.Name, s.timeArg(t.CreatedAt)); err != nil {
			return err
		}
		if t.Connection != nil {
			if err := s.setConnection(ctx, tx, t.ID, *t.Connection); err != nil {
				return err
			}
		}
		return s.insertCertificate(ctx, tx, first)
	})
}

func (s *sqlStore) Tenant(ctx context.Context, slug string) (Tenant, error) {
	t, err := scanTenant(s.r.QueryRowContext(ctx, tenantSelect+` WHERE t.slug = $1`, slug))
	if err != nil {
		return Tenant{}, s.fail(ctx, "tenant "+slug, err)
	}
	return t, nil
}

func (s *sqlStore) TenantByID(ctx context.Context, id string) (Tenant, error) {
	t, err := scanTenant(s.r.QueryRowContext(ctx, tenantSelect+` WHERE t.id = $1`, id))
	if err != nil {
		return Tenant{}, s.fail(ctx, "tenant id "+id, err)
	}
	return t, nil
}

func (s *sqlStore) Tenants(ctx context.Context) ([]Tenant, error) {
	const op = "list tenants"
	rows, err := s.r.QueryContext(ctx, tenantSelect+` ORDER BY t.slug`)
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	defer rows.Close()
	var ts []Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, s.fail(ctx, op, err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return ts, nil
}

func (s *sqlStore) SetConnection(ctx context.Context, tenantID string, c Connection) error {
	// A single statement, but through w like every write.
	if err := s.setConnection(ctx, s.w, tenantID, c); err != nil {
		return s.fail(ctx, "set connection", err)
	}
	return nil
}

// execer is what *sql.DB and *sql.Tx have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *sqlStore) setConnection(ctx context.Context, db execer, tenantID string, c Connection) error {
	// The foreign key turns an unknown tenant into ErrNotFound (classify).
	_, err := db.ExecContext(ctx, `
INSERT INTO connections (tenant_id, app_id, directory_id, organization, cloud,
                         authority_url, exchange_url, ca_file, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (tenant_id) DO UPDATE SET
    app_id = excluded.app_id,
    directory_id = excluded.directory_id,
    organization = excluded.organization,
    cloud = excluded.cloud,
    authority_url = excluded.authority_url,
    exchange_url = excluded.exchange_url,
    ca_file = excluded.ca_file,
    updated_at = excluded.updated_at`,
		tenantID, c.AppID, c.DirectoryID, c.Organization, string(c.Cloud),
		c.AuthorityURL, c.ExchangeURL, c.CAFile, s.timeArg(c.UpdatedAt))
	return err
}

// Certificates.

const certColumns = `id, tenant_id, status, subject, der, not_before, not_after,
       sha1_thumbprint, sha256_thumbprint, key_blob, kek_id,
       created_at, activated_at, retired_at`

func (s *sqlStore) insertCertificate(ctx context.Context, db execer, c Certificate) error {
	_, err := db.ExecContext(ctx, `INSERT INTO certificates (`+certColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		c.ID, c.TenantID, string(c.Status), c.Subject, nonNil(c.DER),
		s.timeArg(c.NotBefore), s.timeArg(c.NotAfter),
		c.SHA1Thumbprint, c.SHA256Thumbprint, nonNil(c.KeyBlob), c.KEKID,
		s.timeArg(c.CreatedAt), s.nullTimeArg(c.ActivatedAt), s.nullTimeArg(c.RetiredAt))
	return err
}

func (s *sqlStore) AddCertificate(ctx context.Context, c Certificate) error {
	const op = "add certificate"
	if c.Status == "" {
		c.Status = CertPending
	}
	if c.Status != CertPending {
		return fmt.Errorf("store: %s: certificate is %s, must be pending", op, c.Status)
	}
	if err := s.insertCertificate(ctx, s.w, c); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

func (s *sqlStore) Certificates(ctx context.Context, tenantID string) ([]Certificate, error) {
	const op = "list certificates"
	rows, err := s.r.QueryContext(ctx, `SELECT `+certColumns+` FROM certificates
WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC`, tenantID)
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	defer rows.Close()
	var cs []Certificate
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, s.fail(ctx, op, err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return cs, nil
}

func (s *sqlStore) Certificate(ctx context.Context, tenantID, certID string) (Certificate, error) {
	c, err := scanCertificate(s.r.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates
WHERE tenant_id = $1 AND id = $2`, tenantID, certID))
	if err != nil {
		return Certificate{}, s.fail(ctx, "certificate "+certID, err)
	}
	return c, nil
}

func (s *sqlStore) ActiveCertificate(ctx context.Context, tenantID string) (Certificate, error) {
	c, err := scanCertificate(s.r.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates
WHERE tenant_id = $1 AND status = 'active'`, tenantID))
	if err != nil {
		return Certificate{}, s.fail(ctx, "active certificate", err)
	}
	return c, nil
}

func (s *sqlStore) ActivateCertificate(ctx context.Context, tenantID, certID string, at time.Time) error {
	return s.inTx(ctx, "activate certificate "+certID, func(tx *sql.Tx) error {
		// Retire first: the partial unique index allows one active
		// certificate per tenant after every statement, not only at commit.
		if _, err := tx.ExecContext(ctx, `UPDATE certificates SET status = 'retired', retired_at = $2
WHERE tenant_id = $1 AND status = 'active'`, tenantID, s.timeArg(at)); err != nil {
			return err
		}
		// The status condition is re-checked under the row lock, so of two
		// concurrent activations of the same certificate only one counts.
		res, err := tx.ExecContext(ctx, `UPDATE certificates SET status = 'active', activated_at = $3
WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`, tenantID, certID, s.timeArg(at))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n != 1 {
			return &dbError{kind: ErrNotFound, err: errors.New("no such pending certificate for this tenant")}
		}
		return nil
	})
}

func (s *sqlStore) RewrapKeys(ctx context.Context, fn func(SealedKey) ([]byte, string, error)) (int, error) {
	n := 0
	err := s.inTx(ctx, "rewrap keys", func(tx *sql.Tx) error {
		n = 0
		// Read everything before updating: a PostgreSQL connection cannot
		// run the updates while the query's rows are still streaming in.
		rows, err := tx.QueryContext(ctx, `SELECT 'certificate-key', id, tenant_id, key_blob, kek_id FROM certificates
UNION ALL SELECT 'webhook-secret', id, tenant_id, secret_blob, kek_id FROM webhooks
ORDER BY 3, 1, 2`)
		if err != nil {
			return err
		}
		var keys []SealedKey
		for rows.Next() {
			var k SealedKey
			if err := rows.Scan(&k.Kind, &k.ID, &k.TenantID, &k.Blob, &k.KEKID); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for _, k := range keys {
			blob, kekID, err := fn(k)
			if err != nil {
				return &fnError{what: string(k.Kind) + " " + k.ID, err: err}
			}
			q := `UPDATE certificates SET key_blob = $2, kek_id = $3 WHERE id = $1`
			if k.Kind == SealedWebhookSecret {
				q = `UPDATE webhooks SET secret_blob = $2, kek_id = $3 WHERE id = $1`
			}
			if _, err := tx.ExecContext(ctx, q, k.ID, nonNil(blob), kekID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// fnError is a failure of the caller's function inside a transaction: it is
// returned as is, never classified as a database error.
type fnError struct {
	what string
	err  error
}

func (e *fnError) Error() string { return e.what + ": " + e.err.Error() }
func (e *fnError) Unwrap() error { return e.err }

// API tokens.

const tokenColumns = `id, name, hash, tenant_id, role, created_at, last_used_at`

func (s *sqlStore) CreateAPIToken(ctx context.Context, t APIToken) error {
	var tenantID sql.NullString
	if t.TenantID != "" {
		tenantID = sql.NullString{String: t.TenantID, Valid: true}
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO api_tokens (`+tokenColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.ID, t.Name, nonNil(t.Hash), tenantID, string(t.Role),
		s.timeArg(t.CreatedAt), s.nullTimeArg(t.LastUsedAt)); err != nil {
		return s.fail(ctx, "create api token", err)
	}
	return nil
}

func (s *sqlStore) APITokenByHash(ctx context.Context, hash []byte, usedAt time.Time) (APIToken, error) {
	// One statement finds the token and records its use.
	row := s.w.QueryRowContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE hash = $1
RETURNING `+tokenColumns, nonNil(hash), s.timeArg(usedAt))
	var (
		t        APIToken
		tenantID sql.NullString
		created  timeValue
		lastUsed nullTimeValue
	)
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, &tenantID, &t.Role, &created, &lastUsed); err != nil {
		return APIToken{}, s.fail(ctx, "api token", err)
	}
	t.TenantID = tenantID.String
	t.CreatedAt = created.t
	t.LastUsedAt = lastUsed.ptr()
	return t, nil
}

// Audit.

const auditColumns = `id, tenant_id, at, actor, action, identities, options, outcome, detail`

func (s *sqlStore) AddAudit(ctx context.Context, e AuditEvent) error {
	if e.Outcome != AuditOK && e.Outcome != AuditFailed {
		return fmt.Errorf("store: add audit event: outcome %q: want %q or %q", e.Outcome, AuditOK, AuditFailed)
	}
	return s.inTx(ctx, "add audit event", func(tx *sql.Tx) error { return s.addAudit(ctx, tx, e) })
}

// addAudit writes an audit entry inside the caller's transaction and, for
// an action on quarantined mail or a verdict, queues its action.taken
// webhook deliveries in the same transaction.
func (s *sqlStore) addAudit(ctx context.Context, tx *sql.Tx, e AuditEvent) error {
	if e.Outcome != AuditOK && e.Outcome != AuditFailed {
		return fmt.Errorf("audit event %q: outcome %q: want %q or %q", e.Action, e.Outcome, AuditOK, AuditFailed)
	}
	v := e.View() // identities and options never null
	ids, err := json.Marshal(v.Identities)
	if err != nil {
		return err
	}
	opts, err := json.Marshal(v.Options)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (`+auditColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, e.TenantID, s.timeArg(e.At), e.Actor, e.Action, string(ids), string(opts), string(e.Outcome), e.Detail); err != nil {
		return err
	}
	if !announced(e.Action) {
		return nil
	}
	return s.publish(ctx, tx, e.TenantID, EventActionTaken, e.At, func(*sql.Tx) (any, error) { return v, nil })
}

func (s *sqlStore) AuditEvents(ctx context.Context, tenantID string, limit int) ([]AuditEvent, error) {
	const op = "list audit events"
	q := `SELECT ` + auditColumns + ` FROM audit_events WHERE tenant_id = $1 ORDER BY seq DESC`
	args := []any{tenantID}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var (
			e              AuditEvent
			at             timeValue
			ids, opts, res string
		)
		if err := rows.Scan(&e.ID, &e.TenantID, &at, &e.Actor, &e.Action, &ids, &opts, &res, &e.Detail); err != nil {
			return nil, s.fail(ctx, op, err)
		}
		e.At, e.Outcome = at.t, AuditOutcome(res)
		if err := json.Unmarshal([]byte(ids), &e.Identities); err != nil {
			return nil, fmt.Errorf("store: %s: identities of %s: %w", op, e.ID, err)
		}
		if err := json.Unmarshal([]byte(opts), &e.Options); err != nil {
			return nil, fmt.Errorf("store: %s: options of %s: %w", op, e.ID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return out, nil
}

// Helpers.

// inTx runs fn in a transaction on w and commits, or rolls back if fn or
// the commit fails.
func (s *sqlStore) inTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	if err := fn(tx); err != nil {
		// The rollback error adds nothing: the transaction is gone either way.
		_ = tx.Rollback()
		return s.fail(ctx, op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// fail turns err from operation op into the error the store returns: the
// sentinel it stands for, if any, the context's error if the context is
// done, and always the original text.
func (s *sqlStore) fail(ctx context.Context, op string, err error) error {
	var (
		fe *fnError
		de *dbError
	)
	switch {
	case errors.As(err, &fe):
		return fmt.Errorf("store: %s: %w", op, fe)
	case errors.As(err, &de):
		// Classified where it happened (ActivateCertificate).
		return &dbError{op: op, kind: de.kind, err: de.err}
	case errors.Is(err, sql.ErrNoRows):
		return &dbError{op: op, kind: ErrNotFound}
	case ctx.Err() != nil:
		// A cancelled or expired context is the caller's doing, not the
		// database's: whatever the driver made of it, say so.
		if errors.Is(err, ctx.Err()) {
			return &dbError{op: op, err: err}
		}
		return &dbError{op: op, kind: ctx.Err(), err: err}
	}
	return &dbError{op: op, kind: s.classify(err), err: err}
}

// dbError reads "store: op: kind: driver message" and matches both the kind
// (a sentinel or a context error) and the driver's error with errors.Is/As.
// Either may be nil, not both.
type dbError struct {
	op   string
	kind error
	err  error
}

func (e *dbError) Error() string {
	msg := "store: " + e.op
	if e.kind != nil {
		msg += ": " + strings.TrimPrefix(e.kind.Error(), "store: ")
	}
	if e.err != nil {
		msg += ": " + e.err.Error()
	}
	return msg
}

func (e *dbError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.kind, e.err} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (s *sqlStore) nullTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.timeArg(*t)
}

// nonNil keeps NOT NULL byte columns from receiving NULL for an empty slice.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// timeValue scans a time stored by either dialect: a time.Time from
// PostgreSQL, timeLayout text from SQLite. The result is always UTC.
type timeValue struct{ t time.Time }

func (v *timeValue) Scan(src any) error {
	switch x := src.(type) {
	case time.Time:
		v.t = x.UTC()
		return nil
	case string:
		return v.parse(x)
	case []byte:
		return v.parse(string(x))
	default:
		return fmt.Errorf("cannot scan %T into a time", src)
	}
}

func (v *timeValue) parse(s string) error {
	// time.Parse accepts any number of fractional digits, so this also
	// reads times written with another precision.
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("bad stored time: %w", err)
	}
	v.t = t.UTC()
	return nil
}

// nullTimeValue is a timeValue that may be NULL.
type nullTimeValue struct {
	v     timeValue
	valid bool
}

func (n *nullTimeValue) Scan(src any) error {
	if src == nil {
		n.valid = false
		return nil
	}
	n.valid = true
	return n.v.Scan(src)
}

func (n *nullTimeValue) ptr() *time.Time {
	if !n.valid {
		return nil
	}
	t := n.v.t
	return &t
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

func scanTenant(row scanner) (Tenant, error) {
	var (
		t       Tenant
		created timeValue
		// Every connection column is NULL when the tenant has none.
		appID, dirID, org, cloud, authority, exchange, caFile sql.NullString
		updated                                               nullTimeValue
	)
	if err := row.Scan(&t.ID, &t.Slug, &t.Name, &created,
		&appID, &dirID, &org, &cloud, &authority, &exchange, &caFile, &updated); err != nil {
		return Tenant{}, err
	}
	t.CreatedAt = created.t
	if appID.Valid {
		t.Connection = &Connection{
			AppID:        appID.String,
			DirectoryID:  dirID.String,
			Organization: org.String,
			Cloud:        Cloud(cloud.String),
			AuthorityURL: authority.String,
			ExchangeURL:  exchange.String,
			CAFile:       caFile.String,
			UpdatedAt:    updated.v.t,
		}
	}
	return t, nil
}

func scanCertificate(row scanner) (Certificate, error) {
	var (
		c                            Certificate
		notBefore, notAfter, created timeValue
		activated, retired           nullTimeValue
	)
	if err := row.Scan(&c.ID, &c.TenantID, &c.Status, &c.Subject, &c.DER, &notBefore, &notAfter,
		&c.SHA1Thumbprint, &c.SHA256Thumbprint, &c.KeyBlob, &c.KEKID,
		&created, &activated, &retired); err != nil {
		return Certificate{}, err
	}
	c.NotBefore, c.NotAfter, c.CreatedAt = notBefore.t, notAfter.t, created.t
	c.ActivatedAt, c.RetiredAt = activated.ptr(), retired.ptr()
	return c, nil
}
