package ingest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/store"
)

// tallyAnalyzer is fakeAnalyzer counting its analyses of each message, and
// whose verdicts the test can change.
type tallyAnalyzer struct {
	fakeAnalyzer
	mu      sync.Mutex
	runs    map[string]int    // hash (hex) → analyses
	verdict map[string]string // hash (hex) → verdict given instead of fakeAnalyzer's
}

func newTally() *tallyAnalyzer {
	return &tallyAnalyzer{runs: map[string]int{}, verdict: map[string]string{}}
}

func (a *tallyAnalyzer) Analyze(ctx context.Context, t store.Tenant, d store.DetectionSettings, raw []byte, h ingest.HistoryFunc) (ingest.Analysis, error) {
	res, err := a.fakeAnalyzer.Analyze(ctx, t, d, raw, h)
	if err != nil {
		return res, err
	}
	sum := sha256.Sum256(raw)
	key := hex.EncodeToString(sum[:])
	a.mu.Lock()
	defer a.mu.Unlock()
	a.runs[key]++
	if v, ok := a.verdict[key]; ok {
		res.Verdict, res.JSON = v, []byte(`{"verdict":"`+v+`"}`)
	}
	return res, nil
}

// analyses returns how many times each message was analysed.
func (a *tallyAnalyzer) analyses() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.runs)
}

func (a *tallyAnalyzer) setVerdict(sha []byte, v string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.verdict[hex.EncodeToString(sha)] = v
}

// analysedTimes reports whether each of the n messages was analysed
// exactly times times.
func analysedTimes(an *tallyAnalyzer, n, times int) func() bool {
	return func() bool {
		runs := an.analyses()
		if len(runs) != n {
			return false
		}
		for _, k := range runs {
			if k != times {
				return false
			}
		}
		return true
	}
}

// mails is a quarantine of n mails, each for one recipient, with weeks
// left before they expire.
func mails(n int) *fakeSource {
	src := &fakeSource{raw: map[string][]byte{}, transient: map[string]int{}, gone: map[string]bool{}, exports: map[string]int{}}
	now := time.Now().UTC()
	for i := range n {
		src.add(fmt.Sprintf(`m%d\r1`, i), now.Add(-time.Hour), now.Add(20*24*time.Hour), fmt.Sprintf("Subject: hello %d\r\n\r\nbody %d", i, i))
	}
	return src
}

// stopped builds a pipeline whose re-analyses queue page messages at a
// time, without starting it; it is stopped when the test ends.
func stopped(t *testing.T, opts ingest.Options, page int) *ingest.Service {
	t.Helper()
	ctx := context.Background()
	p, err := ingest.New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	p.SetReanalysisPage(page)
	t.Cleanup(func() { _ = p.Stop(ctx) })
	return p
}

// analysedOnce syncs the tenant with opts and waits until its n messages
// are analysed, then stops that pipeline.
func analysedOnce(t *testing.T, st store.Store, opts ingest.Options, tenantID string, n int) {
	t.Helper()
	ctx := context.Background()
	first := syncing(t, opts, tenantID)
	waitFor(t, "every message analysed", func() bool {
		c, _ := st.Counts(ctx, tenantID)
		return c.Messages == n && c.Reports == n && c.Pending == 0
	})
	// The sync's job too has completed (River completes jobs in batches).
	db, _ := store.WriterDB(st)
	waitFor(t, "every job completed", func() bool {
		var k int
		err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state <> 'completed'`).Scan(&k)
		return err == nil && k == 0
	})
	if err := first.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// reanalysisOutput reads the output of the tenant's re-analysis jobs, the
// last queued last.
func reanalysisOutput(t *testing.T, db *sql.DB, dbURL string) []map[string]any {
	t.Helper()
	q := `SELECT json(metadata) FROM river_job WHERE kind = 'qtriage.reanalyze' ORDER BY id`
	if strings.HasPrefix(dbURL, "postgres") {
		q = `SELECT metadata::text FROM river_job WHERE kind = 'qtriage.reanalyze' ORDER BY id`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var meta []byte
		var m struct {
			Output map[string]any `json:"output"`
		}
		if err := rows.Scan(&meta); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(meta, &m); err != nil {
			t.Fatalf("metadata %s: %v", meta, err)
		}
		out = append(out, m.Output)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// unfinished counts the jobs of a kind that are not completed.
func unfinished(t *testing.T, db *sql.DB, kind string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = $1 AND state <> 'completed'`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReanalyzeQueuesAJob follows a tenant admin who asks for the tenant's
// messages to be analysed again: the request queues one job and answers at
// once with the count; asking again while it waits is refused; the job
// goes through the messages a page at a time (more than one page) and
// every message is analysed again, at a priority below every other job's.
func TestReanalyzeQueuesAJob(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		st, ten := setup(t, dbURL)
		db, _ := store.WriterDB(st)
		const n = 23 // four pages of 5, and 3
		an := newTally()
		opts := ingest.Options{Store: st, DB: dbURL, Connector: fakeConnector{mails(n)}, Analyzer: an, PollInterval: 20 * time.Millisecond, Workers: 4}
		analysedOnce(t, st, opts, ten.ID, n)

		// No worker runs: the re-analysis waits in the queue.
		pipe := stopped(t, opts, 5)
		got, err := pipe.Reanalyze(ctx, ten.ID, false)
		if err != nil || got != n {
			t.Fatalf("Reanalyze: %d, %v; want %d", got, err, n)
		}
		for _, outdated := range []bool{false, true} {
			if got, err := pipe.Reanalyze(ctx, ten.ID, outdated); !errors.Is(err, ingest.ErrReanalysisRunning) || got != 0 {
				t.Fatalf("Reanalyze (outdated %v) while one is queued: %d, %v; want %v", outdated, got, err, ingest.ErrReanalysisRunning)
			}
		}
		if k := unfinished(t, db, "qtriage.reanalyze"); k != 1 {
			t.Fatalf("%d re-analysis jobs queued, want 1", k)
		}
		if k := unfinished(t, db, "qtriage.analyze"); k != 0 {
			t.Fatalf("the request queued %d analyses itself", k)
		}

		if err := pipe.Start(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "every message analysed again", analysedTimes(an, n, 2))
		waitFor(t, "the re-analysis to complete", func() bool {
			return unfinished(t, db, "qtriage.reanalyze") == 0 && unfinished(t, db, "qtriage.analyze") == 0
		})
		out := reanalysisOutput(t, db, dbURL)
		if len(out) != 1 || out[0]["queued"] != float64(n) || out[0]["done"] != true {
			t.Errorf("re-analysis output: %v, want %d queued and done", out, n)
		}

		// Re-analysis, its job and its analyses, has River's lowest
		// priority; the pipeline's own jobs all have a higher one.
		rows, err := db.Query(`SELECT kind, priority, COUNT(*) FROM river_job GROUP BY kind, priority ORDER BY kind, priority`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		byPriority := map[string]int{}
		for rows.Next() {
			var kind string
			var prio, count int
			if err := rows.Scan(&kind, &prio, &count); err != nil {
				t.Fatal(err)
			}
			byPriority[fmt.Sprintf("%s %d", kind, prio)] = count
			if prio >= 4 && kind != "qtriage.reanalyze" && kind != "qtriage.analyze" {
				t.Errorf("%d %s jobs of priority %d, as low as re-analysis", count, kind, prio)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if byPriority["qtriage.reanalyze 4"] != 1 || byPriority["qtriage.analyze 4"] != n || byPriority["qtriage.analyze 1"] != n || byPriority["qtriage.export 3"] != n {
			t.Errorf("jobs by kind and priority: %v; want the first analyses at 1, the re-analysis and its %d analyses at 4", byPriority, n)
		}

		// Done: a re-analysis may be asked for again. Every report is of
		// the current analyzer: an outdated one covers nothing.
		if got, err := pipe.Reanalyze(ctx, ten.ID, true); err != nil || got != 0 {
			t.Fatalf("Reanalyze --outdated after the re-analysis: %d, %v; want 0", got, err)
		}
	})
}

// TestReanalysisResumes: a re-analysis job that stopped after queueing
// some pages (its process died; or it failed and is retried) goes on after
// the last page it queued, and the messages before it are not analysed a
// third time.
func TestReanalysisResumes(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		st, ten := setup(t, dbURL)
		db, _ := store.WriterDB(st)
		const n = 12
		an := newTally()
		opts := ingest.Options{Store: st, DB: dbURL, Connector: fakeConnector{mails(n)}, Analyzer: an, PollInterval: 20 * time.Millisecond, Workers: 4}
		analysedOnce(t, st, opts, ten.ID, n)

		hashes, err := st.MessageHashes(ctx, ten.ID, "", nil, n)
		if err != nil || len(hashes) != n {
			t.Fatalf("hashes: %d, %v", len(hashes), err)
		}
		// The job's first run queued the first 7 (their analyses are done;
		// here the sync's stand for them) and stopped there.
		pipe := stopped(t, opts, 3)
		if err := pipe.QueueInterruptedReanalysis(ctx, ten.ID, false, hashes[6], 7); err != nil {
			t.Fatal(err)
		}
		if _, err := pipe.Reanalyze(ctx, ten.ID, false); !errors.Is(err, ingest.ErrReanalysisRunning) {
			t.Fatalf("Reanalyze while the interrupted one waits: %v", err)
		}
		if err := pipe.Start(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the re-analysis to complete", func() bool {
			return unfinished(t, db, "qtriage.reanalyze") == 0 && unfinished(t, db, "qtriage.analyze") == 0 && len(an.analyses()) == n
		})
		runs := an.analyses()
		for i, h := range hashes {
			want := 1
			if i >= 7 {
				want = 2
			}
			if got := runs[hex.EncodeToString(h)]; got != want {
				t.Errorf("message %d (%x) analysed %d times, want %d", i, h[:4], got, want)
			}
		}
		if out := reanalysisOutput(t, db, dbURL); len(out) != 1 || out[0]["queued"] != float64(n) || out[0]["after"] != hex.EncodeToString(hashes[n-1]) {
			t.Errorf("re-analysis output: %v, want %d queued in all", out, n)
		}
	})
}

// TestReanalysisAnnouncesChangedVerdictsOnly: a webhook gets report.ready
// for each first analysis; a re-analysis announces only the messages whose
// verdict it changed.
func TestReanalysisAnnouncesChangedVerdictsOnly(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		st, ten := setup(t, dbURL)
		db, _ := store.WriterDB(st)
		if err := st.CreateWebhook(ctx, store.Webhook{ID: uuid.NewString(), TenantID: ten.ID, URL: "https://siem.example.test/hook",
			Events: []string{store.EventReportReady}, SecretBlob: []byte("sealed"), KEKID: "kek-1", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		events := func() map[string]int { // hash → report.ready events
			t.Helper()
			ds, err := st.Deliveries(ctx, ten.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, d := range ds {
				var ev struct {
					Data store.ReportEvent `json:"data"`
				}
				if err := json.Unmarshal(d.Body, &ev); err != nil || d.EventType != store.EventReportReady {
					t.Fatalf("delivery %s: %v", d.EventType, err)
				}
				out[ev.Data.SHA256]++
			}
			return out
		}
		const n = 4
		an := newTally()
		opts := ingest.Options{Store: st, DB: dbURL, Connector: fakeConnector{mails(n)}, Analyzer: an, PollInterval: 20 * time.Millisecond, Workers: 4}
		analysedOnce(t, st, opts, ten.ID, n)
		first := events()
		if len(first) != n {
			t.Fatalf("report.ready for the first analyses: %v, want one for each of %d messages", first, n)
		}

		pipe := stopped(t, opts, 3)
		if err := pipe.Start(ctx); err != nil {
			t.Fatal(err)
		}
		reanalyse := func(times int) {
			t.Helper()
			if _, err := pipe.Reanalyze(ctx, ten.ID, false); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "every message analysed again", analysedTimes(an, n, times))
			waitFor(t, "the re-analysis to complete", func() bool {
				return unfinished(t, db, "qtriage.reanalyze") == 0 && unfinished(t, db, "qtriage.analyze") == 0
			})
		}
		// Nothing changed: nothing announced.
		reanalyse(2)
		if got := events(); !maps.Equal(got, first) {
			t.Fatalf("report.ready after a re-analysis that changed nothing: %v, want %v", got, first)
		}
		// One verdict changes: that message is announced again.
		hashes, err := st.MessageHashes(ctx, ten.ID, "", nil, n)
		if err != nil {
			t.Fatal(err)
		}
		changed := hashes[2]
		an.setVerdict(changed, "malicious")
		reanalyse(3)
		got := events()
		for _, h := range hashes {
			want := 1
			if bytes.Equal(h, changed) {
				want = 2
			}
			if got[hex.EncodeToString(h)] != want {
				t.Errorf("message %x: %d report.ready events, want %d", h[:4], got[hex.EncodeToString(h)], want)
			}
		}
		if r, err := st.Report(ctx, ten.ID, changed); err != nil || r.Verdict != "malicious" {
			t.Fatalf("changed report: %+v, %v", r, err)
		}
	})
}
