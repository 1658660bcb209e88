package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
)

// BenchmarkItemsPage measures one page of the quarantine list at 100,000
// items, first page and deep in the listing, with and without a verdict
// filter: keyset pagination should cost the same at any depth.
func BenchmarkItemsPage(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b, storetest.SQLiteURL(b))
	tn := store.Tenant{ID: "t1", Slug: "bench", Name: "bench", CreatedAt: time.Now()}
	if err := st.CreateTenant(ctx, tn, benchCert(tn.ID)); err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]store.QuarantineItem, 0, 1000)
	for i := range n {
		batch = append(batch, store.QuarantineItem{TenantID: tn.ID, Identity: fmt.Sprintf(`%08d\r`, i), ReceivedAt: t0.Add(time.Duration(i) * 20 * time.Second),
			ExpiresAt: t0.Add(30 * 24 * time.Hour), Type: "Phish", Sender: fmt.Sprintf("s%d@x%d.example", i, i%500), Recipients: []string{"r@contoso.example"},
			Subject: fmt.Sprintf("subject %d", i), ReleaseStatus: "NotReleased", LastSeenAt: t0})
		if len(batch) == cap(batch) {
			if _, err := st.UpsertItems(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	// A cursor 90,000 items deep.
	deepCursor := store.ItemRow{QuarantineItem: store.QuarantineItem{Identity: fmt.Sprintf(`%08d\r`, 10_000), ReceivedAt: t0.Add(10_000 * 20 * time.Second)}}.Cursor()
	for _, c := range []struct {
		name string
		f    store.ItemFilter
	}{
		{"first page", store.ItemFilter{TenantID: tn.ID, Limit: 50}},
		{"page 90,000 items deep", store.ItemFilter{TenantID: tn.ID, Limit: 50, After: deepCursor}},
		{"unanalysed filter", store.ItemFilter{TenantID: tn.ID, Limit: 50, Verdicts: []string{"unanalysed"}}},
		{"sender substring", store.ItemFilter{TenantID: tn.ID, Limit: 50, Sender: "x42.example"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				rows, err := st.Items(ctx, c.f)
				if err != nil || len(rows) == 0 {
					b.Fatal(err, len(rows))
				}
			}
		})
	}
}

func benchCert(tenantID string) store.Certificate {
	now := time.Now()
	return store.Certificate{ID: "c1", TenantID: tenantID, Status: store.CertActive, Subject: "CN=x", DER: []byte{1}, NotBefore: now, NotAfter: now.Add(time.Hour),
		SHA1Thumbprint: "AA", SHA256Thumbprint: "BB", KeyBlob: []byte{1}, KEKID: "k", CreatedAt: now, ActivatedAt: &now}
}
