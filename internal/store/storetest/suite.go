package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/store"
)

// t0 is the suite's clock: microseconds, the precision both dialects keep,
// and a zone other than UTC, to check that times come back in UTC.
var t0 = time.Date(2026, 11, 27, 10, 11, 12, 123456000, time.FixedZone("CET", 3600))

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

// Run runs the conformance suite against an implementation. open must
// return a new, empty, unmigrated store of its own on every call: the
// subtests run in parallel and each calls it once. Run migrates the store
// (twice, which must be harmless) and closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	setup := func(t *testing.T) (context.Context, store.Store) {
		t.Helper()
		t.Parallel()
		s := open(t)
		t.Cleanup(func() { _ = s.Close() })
		ctx := t.Context()
		mustNotFail(t, "migrate", s.Migrate(ctx))
		mustNotFail(t, "migrate again", s.Migrate(ctx))
		return ctx, s
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, ctx context.Context, s store.Store)
	}{
		{"basics", testBasics},
		{"tenants/create and get", testTenantCreateGet},
		{"tenants/create with connection", testTenantCreateWithConnection},
		{"tenants/duplicate slug", testTenantDuplicateSlug},
		{"tenants/duplicate id", testTenantDuplicateID},
		{"tenants/certificate conflict writes nothing", testTenantCertConflict},
		{"tenants/invalid", testTenantInvalid},
		{"tenants/not found", testTenantNotFound},
		{"tenants/list order", testTenantsOrder},
		{"times/microsecond precision", testTimePrecision},
		{"connection/set and replace", testConnection},
		{"connection/errors", testConnectionErrors},
		{"certificates/life cycle", testCertLifeCycle},
		{"certificates/cross tenant", testCertCrossTenant},
		{"certificates/errors", testCertErrors},
		{"rewrap/success", testRewrap},
		{"rewrap/rollback on error", testRewrapRollback},
		{"tokens/create and find", testTokens},
		{"tokens/errors", testTokenErrors},
		{"accounts/users, roles and sessions", testAccounts},
		{"connection tests/last result", testConnectionTests},
		{"detection settings/set, replace and isolate", testDetectionSettings},
		{"quarantine/items, messages, reports", testQuarantine},
		{"quarantine/list, filter and count", testItems},
		{"quarantine/message pages, report events", testMessageHashes},
		{"audit/append and list", testAudit},
		{"audit/errors", testAuditErrors},
		{"webhooks/outbox, claim and finish", testWebhooks},
		{"context/cancelled", testCancelled},
		{"concurrency/writers", testConcurrentWriters},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, s := setup(t)
			tc.fn(t, ctx, s)
		})
	}
}

// fixture builds a tenant and its first certificate.
func fixture(slug string, created time.Time) (store.Tenant, store.Certificate) {
	tn := store.Tenant{ID: newID(), Slug: slug, Name: "Tenant " + slug, CreatedAt: created}
	return tn, cert(tn.ID, store.CertActive, created)
}

func cert(tenantID string, status store.CertStatus, created time.Time) store.Certificate {
	id := newID()
	der := []byte("DER of " + id)
	s1, s256 := fmt.Sprintf("%X", sha256.Sum224(der))[:40], fmt.Sprintf("%X", sha256.Sum256(der))
	c := store.Certificate{
		ID:               id,
		TenantID:         tenantID,
		Status:           status,
		Subject:          "CN=qtriage " + id,
		DER:              der,
		NotBefore:        created.Add(-time.Hour),
		NotAfter:         created.AddDate(2, 0, 0),
		SHA1Thumbprint:   s1,
		SHA256Thumbprint: s256,
		KeyBlob:          []byte("sealed key of " + id),
		KEKID:            "kek-1",
		CreatedAt:        created,
	}
	if status == store.CertActive {
		a := created
		c.ActivatedAt = &a
	}
	return c
}

func createTenant(t *testing.T, ctx context.Context, s store.Store, slug string, created time.Time) (store.Tenant, store.Certificate) {
	t.Helper()
	tn, c := fixture(slug, created)
	mustNotFail(t, "create tenant "+slug, s.CreateTenant(ctx, tn, c))
	return tn, c
}

func checkTenant(t *testing.T, got, want store.Tenant) {
	t.Helper()
	if got.ID != want.ID || got.Slug != want.Slug || got.Name != want.Name {
		t.Errorf("tenant = %+v, want %+v", got, want)
	}
	checkTime(t, "tenant created at", got.CreatedAt, want.CreatedAt)
	switch {
	case got.Connection == nil && want.Connection == nil:
	case got.Connection == nil || want.Connection == nil:
		t.Errorf("tenant connection = %+v, want %+v", got.Connection, want.Connection)
	default:
		checkConnection(t, *got.Connection, *want.Connection)
	}
}

func checkConnection(t *testing.T, got, want store.Connection) {
	t.Helper()
	checkTime(t, "connection updated at", got.UpdatedAt, want.UpdatedAt)
	got.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("connection = %+v, want %+v", got, want)
	}
}

func checkCert(t *testing.T, got, want store.Certificate) {
	t.Helper()
	checkTime(t, "certificate not before", got.NotBefore, want.NotBefore)
	checkTime(t, "certificate not after", got.NotAfter, want.NotAfter)
	checkTime(t, "certificate created at", got.CreatedAt, want.CreatedAt)
	checkTimePtr(t, "certificate activated at", got.ActivatedAt, want.ActivatedAt)
	checkTimePtr(t, "certificate retired at", got.RetiredAt, want.RetiredAt)
	if got.ID != want.ID || got.TenantID != want.TenantID || got.Status != want.Status ||
		got.Subject != want.Subject || !bytes.Equal(got.DER, want.DER) ||
		got.SHA1Thumbprint != want.SHA1Thumbprint || got.SHA256Thumbprint != want.SHA256Thumbprint ||
		!bytes.Equal(got.KeyBlob, want.KeyBlob) || got.KEKID != want.KEKID {
		t.Errorf("certificate = %+v,\nwant %+v", got, want)
	}
}

func checkCertIDs(t *testing.T, got []store.Certificate, want ...string) {
	t.Helper()
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("certificates = %q, want %q", ids, want)
	}
}

func testBasics(t *testing.T, ctx context.Context, s store.Store) {
	if d := s.Dialect(); d != "sqlite" && d != "postgres" {
		t.Errorf("Dialect() = %q", d)
	}
	mustNotFail(t, "ping", s.Ping(ctx))
	ts, err := s.Tenants(ctx)
	mustNotFail(t, "tenants", err)
	if len(ts) != 0 {
		t.Errorf("new store has tenants: %+v", ts)
	}
}

func testTenantCreateGet(t *testing.T, ctx context.Context, s store.Store) {
	tn, c := createTenant(t, ctx, s, "contoso", at(0))
	got, err := s.Tenant(ctx, "contoso")
	mustNotFail(t, "tenant by slug", err)
	checkTenant(t, got, tn)
	got, err = s.TenantByID(ctx, tn.ID)
	mustNotFail(t, "tenant by id", err)
	checkTenant(t, got, tn)

	active, err := s.ActiveCertificate(ctx, tn.ID)
	mustNotFail(t, "active certificate", err)
	checkCert(t, active, c)

	// The first certificate is made active even when the caller leaves
	// Status and ActivatedAt empty; it is activated when created.
	tn2, c2 := fixture("fabrikam", at(1))
	c2.Status, c2.ActivatedAt = "", nil
	mustNotFail(t, "create tenant with bare certificate", s.CreateTenant(ctx, tn2, c2))
	active, err = s.ActiveCertificate(ctx, tn2.ID)
	mustNotFail(t, "active certificate", err)
	c2.Status, c2.ActivatedAt = store.CertActive, &c2.CreatedAt
	checkCert(t, active, c2)
}

func testTenantCreateWithConnection(t *testing.T, ctx context.Context, s store.Store) {
	tn, c := fixture("contoso", at(0))
	tn.Connection = &store.Connection{
		AppID: newID(), DirectoryID: newID(), Organization: "contoso.onmicrosoft.com",
		Cloud: store.CloudPublic, UpdatedAt: at(0),
	}
	mustNotFail(t, "create tenant", s.CreateTenant(ctx, tn, c))
	got, err := s.Tenant(ctx, "contoso")
	mustNotFail(t, "tenant", err)
	checkTenant(t, got, tn)
}

func testTenantDuplicateSlug(t *testing.T, ctx context.Context, s store.Store) {
	first, _ := createTenant(t, ctx, s, "contoso", at(0))
	dup, dupCert := fixture("contoso", at(1))
	err := s.CreateTenant(ctx, dup, dupCert)
	checkErr(t, "duplicate slug", err, store.ErrConflict)

	// Nothing of the second tenant was written.
	_, err = s.TenantByID(ctx, dup.ID)
	checkErr(t, "tenant by id after conflict", err, store.ErrNotFound)
	_, err = s.Certificate(ctx, dup.ID, dupCert.ID)
	checkErr(t, "certificate after conflict", err, store.ErrNotFound)
	certs, err := s.Certificates(ctx, dup.ID)
	mustNotFail(t, "certificates", err)
	checkCertIDs(t, certs)
	ts, err := s.Tenants(ctx)
	mustNotFail(t, "tenants", err)
	if len(ts) != 1 || ts[0].ID != first.ID {
		t.Errorf("tenants after conflict = %+v, want only %s", ts, first.ID)
	}
}

func testTenantDuplicateID(t *testing.T, ctx context.Context, s store.Store) {
	first, _ := createTenant(t, ctx, s, "contoso", at(0))
	dup, dupCert := fixture("fabrikam", at(1))
	dup.ID, dupCert.TenantID = first.ID, first.ID
	checkErr(t, "duplicate id", s.CreateTenant(ctx, dup, dupCert), store.ErrConflict)
	_, err := s.Tenant(ctx, "fabrikam")
	checkErr(t, "tenant after conflict", err, store.ErrNotFound)
}

// testTenantCertConflict checks that the tenant row is rolled back when its
// certificate cannot be inserted.
func testTenantCertConflict(t *testing.T, ctx context.Context, s store.Store) {
	_, c := createTenant(t, ctx, s, "contoso", at(0))
	tn, c2 := fixture("fabrikam", at(1))
	c2.ID = c.ID
	checkErr(t, "reused certificate id", s.CreateTenant(ctx, tn, c2), store.ErrConflict)
	_, err := s.Tenant(ctx, "fabrikam")
	checkErr(t, "tenant after failed certificate", err, store.ErrNotFound)
}

func testTenantInvalid(t *testing.T, ctx context.Context, s store.Store) {
	for _, tc := range []struct {
		name string
		edit func(*store.Tenant, *store.Certificate)
	}{
		{"error/upper-case slug", func(tn *store.Tenant, _ *store.Certificate) { tn.Slug = "Contoso" }},
		{"error/slug with space", func(tn *store.Tenant, _ *store.Certificate) { tn.Slug = "con toso" }},
		{"error/slug starting with hyphen", func(tn *store.Tenant, _ *store.Certificate) { tn.Slug = "-contoso" }},
		{"error/one-letter slug", func(tn *store.Tenant, _ *store.Certificate) { tn.Slug = "c" }},
		{"error/empty id", func(tn *store.Tenant, c *store.Certificate) { tn.ID, c.TenantID = "", "" }},
		{"error/pending first certificate", func(_ *store.Tenant, c *store.Certificate) {
			c.Status, c.ActivatedAt = store.CertPending, nil
		}},
		{"error/certificate of another tenant", func(_ *store.Tenant, c *store.Certificate) { c.TenantID = newID() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn, c := fixture("contoso", at(0))
			tc.edit(&tn, &c)
			err := s.CreateTenant(ctx, tn, c)
			checkErr(t, "create", err, nil)
			if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrUnavailable) {
				t.Errorf("create: %v, want a plain error", err)
			}
		})
	}
	ts, err := s.Tenants(ctx)
	mustNotFail(t, "tenants", err)
	if len(ts) != 0 {
		t.Errorf("invalid tenants were written: %+v", ts)
	}
}

func testTenantNotFound(t *testing.T, ctx context.Context, s store.Store) {
	createTenant(t, ctx, s, "contoso", at(0))
	_, err := s.Tenant(ctx, "fabrikam")
	checkErr(t, "tenant by slug", err, store.ErrNotFound)
	_, err = s.TenantByID(ctx, newID())
	checkErr(t, "tenant by id", err, store.ErrNotFound)
}

// testTimePrecision checks that both dialects keep times to the
// microsecond, truncated, and give them back in UTC.
func testTimePrecision(t *testing.T, ctx context.Context, s store.Store) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.FixedZone("EST", -5*3600))
	tn, _ := createTenant(t, ctx, s, "contoso", created)
	got, err := s.TenantByID(ctx, tn.ID)
	mustNotFail(t, "tenant", err)
	checkTime(t, "created at", got.CreatedAt, created.Truncate(time.Microsecond))
	if ns := got.CreatedAt.Nanosecond(); ns != 999999000 {
		t.Errorf("created at nanoseconds = %d, want 999999000", ns)
	}
}

func testTenantsOrder(t *testing.T, ctx context.Context, s store.Store) {
	// Byte order, whatever the database's collation: '-' < '0' < 'a'.
	want := []string{"a-c", "a1", "ab", "b-2", "zz"}
	for i, slug := range []string{"zz", "ab", "b-2", "a1", "a-c"} {
		createTenant(t, ctx, s, slug, at(i))
	}
	ts, err := s.Tenants(ctx)
	mustNotFail(t, "tenants", err)
	var got []string
	for _, tn := range ts {
		got = append(got, tn.Slug)
		if tn.CreatedAt.Location() != time.UTC {
			t.Errorf("tenant %s created at %v, want UTC", tn.Slug, tn.CreatedAt)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("tenants = %q, want %q", got, want)
	}
}

func testConnection(t *testing.T, ctx context.Context, s store.Store) {
	tn, _ := createTenant(t, ctx, s, "contoso", at(0))
	other, _ := createTenant(t, ctx, s, "fabrikam", at(0))
	c1 := store.Connection{
		AppID:        newID(),
		DirectoryID:  newID(),
		Organization: "contoso.onmicrosoft.com",
		Cloud:        store.CloudPublic,
		UpdatedAt:    at(1),
	}
	mustNotFail(t, "set connection", s.SetConnection(ctx, tn.ID, c1))
	got, err := s.Tenant(ctx, tn.Slug)
	mustNotFail(t, "tenant", err)
	tn.Connection = &c1
	checkTenant(t, got, tn)

	c2 := store.Connection{
		AppID:        newID(),
		DirectoryID:  newID(),
		Organization: "contoso2.onmicrosoft.com",
		Cloud:        store.CloudCustom,
		AuthorityURL: "https://127.0.0.1:8443/",
		ExchangeURL:  "https://127.0.0.1:8443/exchange",
		CAFile:       "/etc/qtriage/m365sim.pem",
		UpdatedAt:    at(2),
	}
	mustNotFail(t, "replace connection", s.SetConnection(ctx, tn.ID, c2))
	got, err = s.TenantByID(ctx, tn.ID)
	mustNotFail(t, "tenant by id", err)
	tn.Connection = &c2
	checkTenant(t, got, tn)

	ts, err := s.Tenants(ctx)
	mustNotFail(t, "tenants", err)
	if len(ts) != 2 {
		t.Fatalf("tenants = %+v, want 2", ts)
	}
	checkTenant(t, ts[0], tn)
	checkTenant(t, ts[1], other)
}

func testConnectionErrors(t *testing.T, ctx context.Context, s store.Store) {
	tn, _ := createTenant(t, ctx, s, "contoso", at(0))
	c := store.Connection{AppID: newID(), DirectoryID: newID(), Organization: "contoso.onmicrosoft.com",
		Cloud: store.CloudPublic, UpdatedAt: at(1)}
	checkErr(t, "unknown tenant", s.SetConnection(ctx, newID(), c), store.ErrNotFound)
	bad := c
	bad.Cloud = "mars"
	checkErr(t, "unknown cloud", s.SetConnection(ctx, tn.ID, bad), nil)
	got, err := s.Tenant(ctx, tn.Slug)
	mustNotFail(t, "tenant", err)
	if got.Connection != nil {
		t.Errorf("connection = %+v after failed writes, want none", got.Connection)
	}
}

func testCertLifeCycle(t *testing.T, ctx context.Context, s store.Store) {
	tn, c1 := createTenant(t, ctx, s, "contoso", at(0))

	c2 := cert(tn.ID, store.CertPending, at(10))
	mustNotFail(t, "add pending", s.AddCertificate(ctx, c2))
	got, err := s.Certificate(ctx, tn.ID, c2.ID)
	mustNotFail(t, "certificate", err)
	checkCert(t, got, c2)

	c3 := cert(tn.ID, store.CertPending, at(20))
	checkErr(t, "second pending", s.AddCertificate(ctx, c3), store.ErrConflict)

	certs, err := s.Certificates(ctx, tn.ID)
	mustNotFail(t, "certificates", err)
	checkCertIDs(t, certs, c2.ID, c1.ID)

	// Activating retires the active certificate at the same instant.
	mustNotFail(t, "activate", s.ActivateCertificate(ctx, tn.ID, c2.ID, at(30)))
	active, err := s.ActiveCertificate(ctx, tn.ID)
	mustNotFail(t, "active certificate", err)
	c2.Status, c2.ActivatedAt = store.CertActive, new(at(30))
	checkCert(t, active, c2)
	old, err := s.Certificate(ctx, tn.ID, c1.ID)
	mustNotFail(t, "old certificate", err)
	c1.Status, c1.RetiredAt = store.CertRetired, new(at(30))
	checkCert(t, old, c1)

	// Only a pending certificate can be activated.
	checkErr(t, "activate active", s.ActivateCertificate(ctx, tn.ID, c2.ID, at(40)), store.ErrNotFound)
	checkErr(t, "activate retired", s.ActivateCertificate(ctx, tn.ID, c1.ID, at(40)), store.ErrNotFound)
	checkErr(t, "activate unknown", s.ActivateCertificate(ctx, tn.ID, newID(), at(40)), store.ErrNotFound)
	active, err = s.ActiveCertificate(ctx, tn.ID)
	mustNotFail(t, "active certificate", err)
	checkCert(t, active, c2)

	// With the pending one activated, a new one can be added; the second
	// rotation retires c2 and leaves c1 as it was.
	mustNotFail(t, "add pending again", s.AddCertificate(ctx, c3))
	mustNotFail(t, "activate again", s.ActivateCertificate(ctx, tn.ID, c3.ID, at(50)))
	certs, err = s.Certificates(ctx, tn.ID)
	mustNotFail(t, "certificates", err)
	checkCertIDs(t, certs, c3.ID, c2.ID, c1.ID)
	if len(certs) == 3 {
		c3.Status, c3.ActivatedAt = store.CertActive, new(at(50))
		c2.Status, c2.RetiredAt = store.CertRetired, new(at(50))
		checkCert(t, certs[0], c3)
		checkCert(t, certs[1], c2)
		checkCert(t, certs[2], c1)
	}
}

func testCertCrossTenant(t *testing.T, ctx context.Context, s store.Store) {
	a, aActive := createTenant(t, ctx, s, "contoso", at(0))
	b, bActive := createTenant(t, ctx, s, "fabrikam", at(0))
	aPending := cert(a.ID, store.CertPending, at(1))
	mustNotFail(t, "add pending", s.AddCertificate(ctx, aPending))

	_, err := s.Certificate(ctx, b.ID, aActive.ID)
	checkErr(t, "certificate of another tenant", err, store.ErrNotFound)
	_, err = s.Certificate(ctx, b.ID, aPending.ID)
	checkErr(t, "pending certificate of another tenant", err, store.ErrNotFound)
	checkErr(t, "activate another tenant's certificate",
		s.ActivateCertificate(ctx, b.ID, aPending.ID, at(2)), store.ErrNotFound)

	// The failed activation changed nothing: b's certificate is still
	// active, a's still pending.
	got, err := s.ActiveCertificate(ctx, b.ID)
	mustNotFail(t, "b's active certificate", err)
	checkCert(t, got, bActive)
	got, err = s.Certificate(ctx, a.ID, aPending.ID)
	mustNotFail(t, "a's pending certificate", err)
	checkCert(t, got, aPending)

	certs, err := s.Certificates(ctx, b.ID)
	mustNotFail(t, "b's certificates", err)
	checkCertIDs(t, certs, bActive.ID)
}

func testCertErrors(t *testing.T, ctx context.Context, s store.Store) {
	tn, c1 := createTenant(t, ctx, s, "contoso", at(0))
	unknown := newID()
	checkErr(t, "add for unknown tenant", s.AddCertificate(ctx, cert(unknown, store.CertPending, at(1))), store.ErrNotFound)
	_, err := s.ActiveCertificate(ctx, unknown)
	checkErr(t, "active certificate of unknown tenant", err, store.ErrNotFound)
	certs, err := s.Certificates(ctx, unknown)
	mustNotFail(t, "certificates of unknown tenant", err)
	checkCertIDs(t, certs)

	dup := cert(tn.ID, store.CertPending, at(1))
	dup.ID = c1.ID
	checkErr(t, "add with a used id", s.AddCertificate(ctx, dup), store.ErrConflict)

	// AddCertificate adds pending certificates only.
	checkErr(t, "add active", s.AddCertificate(ctx, cert(tn.ID, store.CertActive, at(1))), nil)
	checkErr(t, "add retired", s.AddCertificate(ctx, cert(tn.ID, store.CertRetired, at(1))), nil)
	certs, err = s.Certificates(ctx, tn.ID)
	mustNotFail(t, "certificates", err)
	checkCertIDs(t, certs, c1.ID)
}

func testRewrap(t *testing.T, ctx context.Context, s store.Store) {
	a, a1 := createTenant(t, ctx, s, "contoso", at(0))
	_, b1 := createTenant(t, ctx, s, "fabrikam", at(0))
	a2 := cert(a.ID, store.CertPending, at(1))
	mustNotFail(t, "add pending", s.AddCertificate(ctx, a2))

	hook := store.Webhook{ID: "00000000-0000-4000-8000-0000000000a1", TenantID: b1.TenantID, URL: "https://hooks.example.test/q",
		Events: []string{store.EventReportReady}, SecretBlob: []byte("sealed secret"), KEKID: "kek-1", CreatedAt: at(2)}
	mustNotFail(t, "create webhook", s.CreateWebhook(ctx, hook))

	seen := map[string]int{}
	n, err := s.RewrapKeys(ctx, func(k store.SealedKey) ([]byte, string, error) {
		seen[string(k.Kind)+" "+k.ID]++
		if k.KEKID != "kek-1" || len(k.Blob) == 0 {
			return nil, "", fmt.Errorf("%s %s came with kek %q and %d key bytes", k.Kind, k.ID, k.KEKID, len(k.Blob))
		}
		return append([]byte("rewrapped "), k.Blob...), "kek-2", nil
	})
	mustNotFail(t, "rewrap", err)
	if n != 4 {
		t.Errorf("rewrap = %d, want 4", n)
	}
	for _, c := range []store.Certificate{a1, b1, a2} {
		if seen["certificate-key "+c.ID] != 1 {
			t.Errorf("fn saw certificate %s %d times, want once", c.ID, seen["certificate-key "+c.ID])
		}
		got, err := s.Certificate(ctx, c.TenantID, c.ID)
		mustNotFail(t, "certificate", err)
		c.KeyBlob, c.KEKID = append([]byte("rewrapped "), c.KeyBlob...), "kek-2"
		checkCert(t, got, c)
	}
	if seen["webhook-secret "+hook.ID] != 1 {
		t.Errorf("fn saw the webhook secret %d times, want once", seen["webhook-secret "+hook.ID])
	}
	gotHook, err := s.Webhook(ctx, hook.TenantID, hook.ID)
	mustNotFail(t, "webhook", err)
	if string(gotHook.SecretBlob) != "rewrapped sealed secret" || gotHook.KEKID != "kek-2" {
		t.Errorf("webhook secret after rewrap = %q under %q", gotHook.SecretBlob, gotHook.KEKID)
	}

	// Rewrapping is repeatable: every certificate, every time.
	n, err = s.RewrapKeys(ctx, func(store.SealedKey) ([]byte, string, error) {
		return []byte("x"), "kek-3", nil
	})
	mustNotFail(t, "rewrap again", err)
	if n != 4 {
		t.Errorf("rewrap again = %d, want 4", n)
	}
}

func testRewrapRollback(t *testing.T, ctx context.Context, s store.Store) {
	_, a1 := createTenant(t, ctx, s, "contoso", at(0))
	_, b1 := createTenant(t, ctx, s, "fabrikam", at(0))
	_, c1 := createTenant(t, ctx, s, "northwind", at(0))

	errBoom := errors.New("kek unavailable")
	calls := 0
	n, err := s.RewrapKeys(ctx, func(store.SealedKey) ([]byte, string, error) {
		calls++
		if calls == 2 {
			return nil, "", errBoom
		}
		return []byte("rewrapped"), "kek-2", nil
	})
	checkErr(t, "rewrap", err, errBoom)
	if n != 0 {
		t.Errorf("rewrap = %d on error, want 0", n)
	}
	if calls != 2 {
		t.Errorf("fn called %d times, want 2 (stop at the first error)", calls)
	}
	for _, c := range []store.Certificate{a1, b1, c1} {
		got, err := s.Certificate(ctx, c.TenantID, c.ID)
		mustNotFail(t, "certificate", err)
		checkCert(t, got, c)
	}
}

func testTokens(t *testing.T, ctx context.Context, s store.Store) {
	tn, _ := createTenant(t, ctx, s, "contoso", at(0))
	tenantTok := store.APIToken{ID: newID(), Name: "ci", Hash: hash("secret-1"), TenantID: tn.ID,
		Role: store.RoleAnalyst, CreatedAt: at(1)}
	globalTok := store.APIToken{ID: newID(), Name: "ops", Hash: hash("secret-2"),
		Role: store.RoleAdmin, CreatedAt: at(2)}
	mustNotFail(t, "create tenant token", s.CreateAPIToken(ctx, tenantTok))
	mustNotFail(t, "create global token", s.CreateAPIToken(ctx, globalTok))

	for i, want := range []store.APIToken{tenantTok, globalTok} {
		for _, used := range []time.Time{at(10 + i), at(20 + i)} {
			got, err := s.APITokenByHash(ctx, want.Hash, used)
			mustNotFail(t, "token by hash", err)
			checkTime(t, "token created at", got.CreatedAt, want.CreatedAt)
			if got.LastUsedAt == nil {
				t.Errorf("token %s: last used not recorded", want.Name)
			} else {
				checkTime(t, "token last used at", *got.LastUsedAt, used)
			}
			if got.ID != want.ID || got.Name != want.Name || !bytes.Equal(got.Hash, want.Hash) ||
				got.TenantID != want.TenantID || got.Role != want.Role {
				t.Errorf("token = %+v, want %+v", got, want)
			}
		}
	}
	_, err := s.APITokenByHash(ctx, hash("unknown"), at(30))
	checkErr(t, "unknown hash", err, store.ErrNotFound)
}

func testTokenErrors(t *testing.T, ctx context.Context, s store.Store) {
	tn, _ := createTenant(t, ctx, s, "contoso", at(0))
	tok := store.APIToken{ID: newID(), Name: "ci", Hash: hash("secret"), TenantID: tn.ID,
		Role: store.RoleViewer, CreatedAt: at(1)}
	mustNotFail(t, "create token", s.CreateAPIToken(ctx, tok))

	dup := tok
	dup.ID = newID()
	checkErr(t, "duplicate hash", s.CreateAPIToken(ctx, dup), store.ErrConflict)

	unknownTenant := tok
	unknownTenant.ID, unknownTenant.Hash, unknownTenant.TenantID = newID(), hash("other"), newID()
	checkErr(t, "unknown tenant", s.CreateAPIToken(ctx, unknownTenant), store.ErrNotFound)

	for _, tc := range []struct {
		name string
		edit func(*store.APIToken)
	}{
		{"error/global analyst", func(tok *store.APIToken) { tok.TenantID, tok.Role = "", store.RoleAnalyst }},
		{"error/unknown role", func(tok *store.APIToken) { tok.Role = "root" }},
		{"error/short hash", func(tok *store.APIToken) { tok.Hash = tok.Hash[:16] }},
	} {
		bad := tok
		bad.ID, bad.Hash = newID(), hash(tc.name)
		tc.edit(&bad)
		err := s.CreateAPIToken(ctx, bad)
		checkErr(t, tc.name, err, nil)
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v, want a plain error", tc.name, err)
		}
		_, err = s.APITokenByHash(ctx, bad.Hash, at(2))
		checkErr(t, tc.name+": token by hash", err, store.ErrNotFound)
	}
}

func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func testCancelled(t *testing.T, ctx context.Context, s store.Store) {
	tn, c := fixture("contoso", at(0))
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for name, call := range map[string]func() error{
		"create tenant": func() error { return s.CreateTenant(cancelled, tn, c) },
		"tenant":        func() error { _, err := s.Tenant(cancelled, "contoso"); return err },
		"tenants":       func() error { _, err := s.Tenants(cancelled); return err },
		"rewrap": func() error {
			_, err := s.RewrapKeys(cancelled, func(store.SealedKey) ([]byte, string, error) { return nil, "", nil })
			return err
		},
		"ping":    func() error { return s.Ping(cancelled) },
		"migrate": func() error { return s.Migrate(cancelled) },
	} {
		err := call()
		if err == nil {
			t.Errorf("%s with a cancelled context: no error", name)
		} else if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want one wrapping context.Canceled", name, err)
		}
	}
	_, err := s.Tenant(ctx, "contoso")
	checkErr(t, "tenant after cancelled create", err, store.ErrNotFound)

	// A deadline that expires while waiting is reported as such too.
	short, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	<-short.Done()
	if _, err := s.Tenants(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("tenants past the deadline: %v, want one wrapping context.DeadlineExceeded", err)
	}
}

func testConcurrentWriters(t *testing.T, ctx context.Context, s store.Store) {
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*4)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				slug := fmt.Sprintf("tenant-%d-%d", w, i)
				tn, c := fixture(slug, at(i))
				if err := s.CreateTenant(ctx, tn, c); err != nil {
					errs <- fmt.Errorf("create %s: %w", slug, err)
					continue
				}
				conn := store.Connection{AppID: newID(), DirectoryID: newID(),
					Organization: slug + ".onmicrosoft.com", Cloud: store.CloudPublic, UpdatedAt: at(i)}
				if err := s.SetConnection(ctx, tn.ID, conn); err != nil {
					errs <- fmt.Errorf("connect %s: %w", slug, err)
				}
				p := cert(tn.ID, store.CertPending, at(i+1))
				if err := s.AddCertificate(ctx, p); err != nil {
					errs <- fmt.Errorf("add certificate %s: %w", slug, err)
				} else if err := s.ActivateCertificate(ctx, tn.ID, p.ID, at(i+2)); err != nil {
					errs <- fmt.Errorf("activate %s: %w", slug, err)
				}
				tok := store.APIToken{ID: newID(), Name: slug, Hash: hash(slug), TenantID: tn.ID,
					Role: store.RoleViewer, CreatedAt: at(i)}
				if err := s.CreateAPIToken(ctx, tok); err != nil {
					errs <- fmt.Errorf("token %s: %w", slug, err)
				} else if _, err := s.APITokenByHash(ctx, tok.Hash, at(i+3)); err != nil {
					errs <- fmt.Errorf("use token %s: %w", slug, err)
				}
				// Reads interleaved with the writes.
				if _, err := s.Tenants(ctx); err != nil {
					errs <- fmt.Errorf("tenants: %w", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ts, err := s.Tenants(ctx)
	mustNotFail(t, "tenants", err)
	if len(ts) != workers*each {
		t.Errorf("%d tenants, want %d", len(ts), workers*each)
	}
	for _, tn := range ts {
		if tn.Connection == nil {
			t.Errorf("tenant %s has no connection", tn.Slug)
		}
	}
}

func auditEvent(tenantID string, minute int, action string) store.AuditEvent {
	return store.AuditEvent{
		ID: newID(), TenantID: tenantID, At: at(minute), Actor: "cli:alice", Action: action,
		Identities: []string{`11111111-1111-1111-1111-111111111111\22222222-2222-2222-2222-222222222222`},
		Options:    map[string]string{"release_to_all": "true"},
		Outcome:    store.AuditOK, Detail: "released",
	}
}

func testAudit(t *testing.T, ctx context.Context, s store.Store) {
	a, _ := createTenant(t, ctx, s, "contoso", at(0))
	b, _ := createTenant(t, ctx, s, "fabrikam", at(0))

	got, err := s.AuditEvents(ctx, a.ID, 0)
	mustNotFail(t, "audit events of a new tenant", err)
	if len(got) != 0 {
		t.Fatalf("new tenant has %d audit events", len(got))
	}
	// Added out of time order: the list follows the order of addition.
	e1 := auditEvent(a.ID, 5, "quarantine.release")
	e2 := auditEvent(a.ID, 3, "quarantine.delete")
	e2.Identities = []string{"x\\y", "z"}
	e2.Options = nil
	e2.Outcome, e2.Detail = store.AuditFailed, "403 Forbidden"
	e3 := auditEvent(a.ID, 7, "quarantine.release")
	e3.Identities = nil
	other := auditEvent(b.ID, 1, "quarantine.delete")
	for _, e := range []store.AuditEvent{e1, e2, other, e3} {
		mustNotFail(t, "add audit "+e.Action, s.AddAudit(ctx, e))
	}
	got, err = s.AuditEvents(ctx, a.ID, 0)
	mustNotFail(t, "audit events", err)
	want := []store.AuditEvent{e3, e2, e1}
	want[0].Identities = []string{}
	want[1].Options = map[string]string{}
	if len(got) != len(want) {
		t.Fatalf("%d audit events, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		checkTime(t, "audit at", g.At, w.At)
		g.At, w.At = time.Time{}, time.Time{}
		if fmt.Sprint(g) != fmt.Sprint(w) || !slices.Equal(g.Identities, w.Identities) {
			t.Errorf("audit event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	got, err = s.AuditEvents(ctx, a.ID, 2)
	mustNotFail(t, "audit events with limit", err)
	if len(got) != 2 || got[0].ID != e3.ID || got[1].ID != e2.ID {
		t.Errorf("limit 2: %d events", len(got))
	}
	got, err = s.AuditEvents(ctx, b.ID, 10)
	mustNotFail(t, "other tenant's audit events", err)
	if len(got) != 1 || got[0].ID != other.ID {
		t.Errorf("other tenant: %+v", got)
	}
	got, err = s.AuditEvents(ctx, "no-such-tenant", 10)
	mustNotFail(t, "unknown tenant's audit events", err)
	if len(got) != 0 {
		t.Errorf("unknown tenant: %d events", len(got))
	}
}

func testAuditErrors(t *testing.T, ctx context.Context, s store.Store) {
	a, _ := createTenant(t, ctx, s, "contoso", at(0))
	e := auditEvent(a.ID, 1, "quarantine.release")
	mustNotFail(t, "add audit", s.AddAudit(ctx, e))
	checkErr(t, "duplicate id", s.AddAudit(ctx, e), store.ErrConflict)
	checkErr(t, "unknown tenant", s.AddAudit(ctx, auditEvent("no-such-tenant", 1, "x")), store.ErrNotFound)
	bad := auditEvent(a.ID, 1, "x")
	bad.Outcome = "maybe"
	checkErr(t, "bad outcome", s.AddAudit(ctx, bad), nil)
	noActor := auditEvent(a.ID, 1, "x")
	noActor.Actor = ""
	checkErr(t, "no actor", s.AddAudit(ctx, noActor), nil)
	got, err := s.AuditEvents(ctx, a.ID, 0)
	mustNotFail(t, "audit events", err)
	if len(got) != 1 {
		t.Errorf("%d audit events after failed adds, want 1", len(got))
	}
}
