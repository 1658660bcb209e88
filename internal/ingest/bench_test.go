package ingest_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/analysis"
	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
	"github.com/qtriage/qtriage/internal/tenant"
)

// benchSetting reads an integer or duration setting of BenchmarkFullSync
// from the environment.
func benchSetting[T int | time.Duration](b *testing.B, name string, def T) T {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	var v any
	var err error
	switch any(def).(type) {
	case int:
		v, err = strconv.Atoi(s)
	case time.Duration:
		v, err = time.ParseDuration(s)
	}
	if err != nil {
		b.Fatalf("%s=%q: %v", name, s, err)
	}
	return v.(T)
}

// timedAnalyzer measures the time spent inside the analyzer.
type timedAnalyzer struct {
	ingest.Analyzer
	mu    sync.Mutex
	spent time.Duration
	n     int
}

func (a *timedAnalyzer) Analyze(ctx context.Context, t store.Tenant, d store.DetectionSettings, raw []byte, h ingest.HistoryFunc) (ingest.Analysis, error) {
	began := time.Now()
	res, err := a.Analyzer.Analyze(ctx, t, d, raw, h)
	a.mu.Lock()
	a.spent += time.Since(began)
	a.n++
	a.mu.Unlock()
	return res, err
}

// BenchmarkFullSync is a full first sync of N quarantine items against
// m365sim with a latency L added to every call and a concurrency limit C
// (the sim's and the Exchange client's), through the real pipeline: River
// on SQLite (or PostgreSQL), the real Exchange connector and the real
// analysis engine. It reports the wall time next to the floor that
// Microsoft's calls impose, (list calls + export calls) × L / C, and their
// ratio (goal ≤ 1.3), and the analysis throughput inside the pipeline.
//
// Settings (environment): QTRIAGE_BENCH_ITEMS (N, default 10000),
// QTRIAGE_BENCH_LATENCY (L, default 20ms), QTRIAGE_BENCH_CONCURRENCY (C,
// default 3), QTRIAGE_BENCH_WORKERS (River workers, default 2C+2),
// QTRIAGE_BENCH_POLL (River's poll interval; 0 keeps River's defaults of
// 1 s polling and 100 ms fetch cooldown, what `qtriage serve` runs with;
// default 20ms), QTRIAGE_BENCH_DB (sqlite or postgres),
// QTRIAGE_BENCH_ANALYZER (fake: the tests' trivial analyzer instead of
// the engine, to measure the pipeline alone). Run it once:
//
//	QTRIAGE_BENCH_ITEMS=2000 go test -run '^$' -bench FullSync -benchtime 1x ./internal/ingest/
func BenchmarkFullSync(b *testing.B) {
	n := benchSetting(b, "QTRIAGE_BENCH_ITEMS", 10_000)
	latency := benchSetting(b, "QTRIAGE_BENCH_LATENCY", 20*time.Millisecond)
	conc := benchSetting(b, "QTRIAGE_BENCH_CONCURRENCY", 3)
	workers := benchSetting(b, "QTRIAGE_BENCH_WORKERS", 2*conc+2)
	poll := benchSetting(b, "QTRIAGE_BENCH_POLL", 20*time.Millisecond)
	engine, err := analysis.NewEngine(analysis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var wall, exportWall, floor time.Duration
	var analysed int
	var spent time.Duration
	for range b.N {
		b.StopTimer()
		dbURL := storetest.SQLiteURL(b)
		if os.Getenv("QTRIAGE_BENCH_DB") == "postgres" {
			dbURL = storetest.PostgresURL(b)
		}
		st := storetest.Open(b, dbURL)
		sim := entratest.NewSim(b, m365sim.Options{Seed: 3})
		svc, ten := simTenantB(b, st, sim)
		now := time.Now()
		for i := range n {
			raw := fmt.Sprintf("From: Sender %d <sender%d@mail%d.example>\r\nTo: user%d@contoso.example\r\nSubject: invoice %d\r\n"+
				"Date: %s\r\nMessage-ID: <%d.bench@mail.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find invoice %d at https://files%d.example.com/i/%d\r\n",
				i%50, i%50, i%7, i%20, i, now.Format(time.RFC1123Z), i, i, i%11, i)
			meta := m365sim.MessageMeta{Received: now.Add(-time.Duration(i) * 2 * time.Minute), Recipients: []string{fmt.Sprintf("user%d@contoso.example", i%20)}}
			if _, err := sim.AddMessage("contoso", []byte(raw), meta); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := sim.SetFaults("contoso", m365sim.Faults{Latency: m365sim.Duration(latency), ConcurrencyLimit: conc}); err != nil {
			b.Fatal(err)
		}
		an := &timedAnalyzer{Analyzer: ingest.Engine{Engine: engine}}
		if os.Getenv("QTRIAGE_BENCH_ANALYZER") == "fake" {
			an.Analyzer = &fakeAnalyzer{}
		}
		conn := &ingest.M365{Tenants: svc, HTTPClient: sim.HTTPClient(), Exchange: exchange.Config{Concurrency: conc}}
		pipe, err := ingest.New(context.Background(), ingest.Options{Store: st, DB: dbURL, Connector: conn, Analyzer: an,
			PollInterval: poll, Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if err := pipe.Start(ctx); err != nil {
			b.Fatal(err)
		}
		sim.ResetStats()
		b.StartTimer()

		began := time.Now()
		if err := pipe.SyncNow(ctx, ten.ID); err != nil {
			b.Fatal(err)
		}
		var exported time.Duration
		for {
			c, err := st.Counts(ctx, ten.ID)
			if err != nil {
				b.Fatal(err)
			}
			if exported == 0 && c.Items == n && c.Pending == 0 {
				exported = time.Since(began)
			}
			if exported != 0 && c.Reports == n {
				break
			}
			if time.Since(began) > 30*time.Minute {
				b.Fatalf("not done after 30 minutes: %+v", c)
			}
			time.Sleep(20 * time.Millisecond)
		}
		took := time.Since(began)

		b.StopTimer()
		if err := pipe.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		stats := sim.Stats()
		calls := stats.ByCmdlet["Get-QuarantineMessage"] + stats.ByCmdlet["Export-QuarantineMessage"]
		wall += took
		exportWall += exported
		floor += time.Duration(calls) * latency / time.Duration(conc)
		an.mu.Lock()
		analysed += an.n
		spent += an.spent
		an.mu.Unlock()
		b.Logf("N=%d L=%s C=%d workers=%d poll=%s: %d list + %d export calls (%d throttled of %d requests, max concurrency %d); exported in %s, all analysed in %s",
			n, latency, conc, workers, poll, stats.ByCmdlet["Get-QuarantineMessage"], stats.ByCmdlet["Export-QuarantineMessage"],
			stats.ByStatus["429"], stats.Requests, stats.MaxConcurrency, exported.Round(time.Millisecond), took.Round(time.Millisecond))
		b.StartTimer()
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s/op")
	b.ReportMetric(floor.Seconds()/float64(b.N), "floor-s/op")
	b.ReportMetric(exportWall.Seconds()/floor.Seconds(), "export/floor")
	b.ReportMetric(wall.Seconds()/floor.Seconds(), "wall/floor")
	b.ReportMetric(float64(n*b.N)/wall.Seconds(), "messages/s")
	if spent > 0 {
		b.ReportMetric(float64(analysed)/spent.Seconds(), "analyses/s-per-worker")
	}
	b.ReportMetric(0, "ns/op") // the wall time above says it: the default is noise here
}

// simTenantB is simTenant (m365_test.go) for a benchmark.
func simTenantB(b *testing.B, st store.Store, sim *m365sim.Sim) (*tenant.Service, store.Tenant) {
	b.Helper()
	ctx := context.Background()
	kek, err := keyring.GenerateKEK(nil)
	if err != nil {
		b.Fatal(err)
	}
	svc := &tenant.Service{Store: st, KEK: kek}
	_, cert, err := svc.Create(ctx, "contoso", "")
	if err != nil {
		b.Fatal(err)
	}
	res, err := sim.Setup(m365sim.SetupOptions{TenantName: "contoso", Certificate: cert.DER})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Connect(ctx, "contoso", tenant.ConnectInput{AppID: res.AppID, DirectoryID: res.DirectoryID, Organization: res.Organization,
		Cloud: "custom", AuthorityURL: res.AuthorityURL, ExchangeURL: res.ExchangeURL, CAFile: entratest.CAFile(b, sim)}); err != nil {
		b.Fatal(err)
	}
	ten, err := st.Tenant(ctx, "contoso")
	if err != nil {
		b.Fatal(err)
	}
	return svc, ten
}
