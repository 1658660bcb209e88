package exchange_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/m365sim"
)

// exportAll exports ids with workers goroutines; the client's limit
// bounds what reaches the service.
func exportAll(ctx context.Context, c *exchange.Client, ids []string, workers int) (map[string][]byte, error) {
	var (
		mu   sync.Mutex
		out  = map[string][]byte{}
		errs []error
		wg   sync.WaitGroup
	)
	next := make(chan string)
	for range workers {
		wg.Go(func() {
			for id := range next {
				eml, err := c.Export(ctx, id)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					out[id] = eml
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, id := range ids {
		select {
		case next <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

// TestFaults: with 429s (fractional Retry-After), 503s, 504s, dropped
// connections, a token endpoint outage at the start and a hung export, a
// full listing and export of 2,000 items completes with nothing missing,
// never more than the limit in flight, and one token.
func TestFaults(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a few seconds")
	}
	sim := entratest.NewSim(t, m365sim.Options{Seed: 42})
	tn := entratest.Setup(t, sim, "contoso")
	tid := tn.Setup.DirectoryID
	raws := seed(t, sim, tid, 1500) // every third has two recipients: 2,000 items
	if len(raws) != 2000 {
		t.Fatalf("seeded %d items", len(raws))
	}
	faults := m365sim.Faults{
		Rate429: 0.04, RetryAfter: 0.015, Rate503: 0.03, Rate504: 0.01, DropRate: 0.03,
		// The sim accepts any number at once: what it sees in flight is
		// what the client allowed.
		ConcurrencyLimit: -1,
	}
	outage := faults
	outage.TokenOutage = true
	if _, err := sim.SetFaults(tid, outage); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(80*time.Millisecond, func() { _, _ = sim.SetFaults(tid, faults) })
	c, _ := newClient(t, tn, func(cfg *exchange.Config) {
		cfg.ExportTimeout = 60 * time.Millisecond
		cfg.PageSize = 300
	})
	ctx := t.Context()
	ms, err := c.ListAll(ctx, exchange.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(ms))
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.Identity] {
			t.Fatalf("%s listed twice", m.Identity)
		}
		seen[m.Identity] = true
		ids = append(ids, m.Identity)
	}
	if len(ids) != len(raws) {
		t.Fatalf("listed %d of %d items", len(ids), len(raws))
	}

	// Exports hang for a while, then answer.
	hung := faults
	hung.HangExport = true
	if _, err := sim.SetFaults(tid, hung); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(150*time.Millisecond, func() { _, _ = sim.SetFaults(tid, faults) })
	got, err := exportAll(ctx, c, ids, 12)
	if err != nil {
		t.Fatal(err)
	}
	for id, raw := range raws {
		if string(got[id]) != string(raw) {
			t.Fatalf("export of %s differs from the ground truth (%d bytes, want %d)", id, len(got[id]), len(raw))
		}
	}

	st := sim.Stats()
	limit, peak := c.Concurrency()
	t.Logf("requests %d, by status %v, peak in flight %d (sim saw %d), limit now %d, tokens %d",
		st.ByEndpoint[m365sim.EndpointInvokeCommand], st.ByStatus, peak, st.MaxConcurrencyTenants[tid], limit, st.TokensIssued)
	if n := st.MaxConcurrencyTenants[tid]; n > exchange.DefaultConcurrency || n == 0 {
		t.Errorf("the sim saw %d requests at once, limit %d", n, exchange.DefaultConcurrency)
	}
	if st.TokensIssued != 1 {
		t.Errorf("%d tokens issued, want 1 (one token lifetime)", st.TokensIssued)
	}
	for _, code := range []string{"429", "503", "504"} {
		if st.ByStatus[code] == 0 {
			t.Errorf("no %s injected: the test proves nothing about it", code)
		}
	}
}

// TestSimConcurrencyLimit: against the sim's own per-tenant limit of 3
// the client finishes without a single request failing for good.
func TestSimConcurrencyLimit(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	tid := tn.Setup.DirectoryID
	raws := seed(t, sim, tid, 150)
	if _, err := sim.SetFaults(tid, m365sim.Faults{ConcurrencyLimit: 2, RetryAfter: 0.005, Latency: m365sim.Duration(2 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	c, _ := newClient(t, tn)
	ids := make([]string, 0, len(raws))
	for id := range raws {
		ids = append(ids, id)
	}
	got, err := exportAll(t.Context(), c, ids, 8)
	if err != nil || len(got) != len(ids) {
		t.Fatalf("%d of %d: %v", len(got), len(ids), err)
	}
	limit, _ := c.Concurrency()
	t.Logf("statuses %v, limit now %d", sim.Stats().ByStatus, limit)
}

// TestCancel: cancelling the context stops listing and exports promptly
// and leaves no goroutine behind. Not parallel: it counts goroutines.
func TestCancel(t *testing.T) {
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	tid := tn.Setup.DirectoryID
	raws := seed(t, sim, tid, 30)
	c, src := newClient(t, tn)
	if _, err := c.ListAll(t.Context(), exchange.Filter{PageSize: 5}); err != nil { // warm up: token, connections
		t.Fatal(err)
	}
	idle := func() {
		if tr, ok := src.HTTPClient().Transport.(interface{ CloseIdleConnections() }); ok {
			tr.CloseIdleConnections()
		}
	}
	idle()
	time.Sleep(20 * time.Millisecond)
	before := runtime.NumGoroutine()

	// Every request now takes a second; the exports also hang.
	if _, err := sim.SetFaults(tid, m365sim.Faults{Latency: m365sim.Duration(time.Second), HangExport: true, ConcurrencyLimit: -1}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 2)
	go func() { _, err := c.ListAll(ctx, exchange.Filter{PageSize: 5}); done <- err }()
	go func() {
		ids := make([]string, 0, len(raws))
		for id := range raws {
			ids = append(ids, id)
		}
		_, err := exportAll(ctx, c, ids, 6)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	cancel()
	for range 2 {
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("work goes on after cancel")
		}
	}
	// Prompt means within the 2 s above; the actual delay is logged, not
	// asserted, because a loaded CI machine stretches it.
	t.Logf("stopped %v after cancel", time.Since(start))
	deadline := time.Now().Add(3 * time.Second)
	for {
		idle()
		n := runtime.NumGoroutine()
		if n <= before {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
