package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// slowSource is a tenant's quarantine whose exports take a while, as
// Microsoft's do.
type slowSource struct {
	*fakeSource
	delay time.Duration
}

func (s *slowSource) Export(ctx context.Context, identity string) ([]byte, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.fakeSource.Export(ctx, identity)
}

type perTenant map[string]ingest.Source

func (p perTenant) Connect(ctx context.Context, t store.Tenant) (ingest.Source, error) {
	return p[t.Slug], nil
}

// A tenant with a long backlog holds a few places in the queue, not all of
// them: a small tenant synced after it is done long before the big one is.
func TestBusyTenantDoesNotStarveOthers(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		st, big := setup(t, dbURL)
		svcT := &tenant.Service{Store: st, KEK: mustKEK(t)}
		if _, _, err := svcT.Create(ctx, "fabrikam", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svcT.Connect(ctx, "fabrikam", tenant.ConnectInput{AppID: "33333333-3333-3333-3333-333333333333",
			DirectoryID: "44444444-4444-4444-4444-444444444444", Organization: "fabrikam.onmicrosoft.com"}); err != nil {
			t.Fatal(err)
		}
		small, _ := st.Tenant(ctx, "fabrikam")
		now := time.Now().UTC()
		newSource := func(prefix string, n int) *slowSource {
			src := &fakeSource{raw: map[string][]byte{}, transient: map[string]int{}, gone: map[string]bool{}, exports: map[string]int{}}
			for i := range n {
				src.add(fmt.Sprintf(`%s%d\r1`, prefix, i), now.Add(-time.Minute), now.Add(20*24*time.Hour), fmt.Sprintf("Subject: %s %d\r\n\r\nbody", prefix, i))
			}
			return &slowSource{fakeSource: src, delay: 15 * time.Millisecond}
		}
		bigSrc, smallSrc := newSource("b", 300), newSource("s", 10)
		svc := syncing(t, ingest.Options{Store: st, DB: dbURL, Connector: perTenant{"contoso": bigSrc, "fabrikam": smallSrc},
			Analyzer: &fakeAnalyzer{}, PollInterval: 20 * time.Millisecond, Workers: 4}, big.ID)
		waitFor(t, "the big tenant's exports to start", func() bool {
			c, _ := st.Counts(ctx, big.ID)
			return c.Items == 300 && c.Messages >= 10
		})
		before, _ := st.Counts(ctx, big.ID)
		if err := svc.SyncNow(ctx, small.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the small tenant's exports", func() bool {
			c, _ := st.Counts(ctx, small.ID)
			return c.Items == 10 && c.Pending == 0
		})
		// With every export queued at once, the small tenant's ten waited
		// behind the big tenant's backlog; with a window of 2 × Workers per
		// tenant, they go through beside a few of the big tenant's.
		after, _ := st.Counts(ctx, big.ID)
		meanwhile := before.Pending - after.Pending
		t.Logf("while the small tenant's 10 items were exported, the big one exported %d of its %d waiting", meanwhile, before.Pending)
		if meanwhile > before.Pending/3 {
			t.Errorf("the small tenant waited for the big one's backlog: %d of %d big exports went first", meanwhile, before.Pending)
		}
		waitFor(t, "the big tenant's exports", func() bool {
			c, _ := st.Counts(ctx, big.ID)
			return c.Pending == 0 && c.Messages == 300
		})
	})
}

func mustKEK(t *testing.T) *keyring.KEK {
	t.Helper()
	kek, err := keyring.GenerateKEK(nil)
	if err != nil {
		t.Fatal(err)
	}
	return kek
}
