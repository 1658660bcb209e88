package ingest_test

import (
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
)

// TestScaleOut runs one `qtriage serve` and two `qtriage worker` processes
// on one PostgreSQL database, kills one worker with SIGKILL once it has
// done some of the work, and checks that every item is still processed
// exactly once and that each process did its share.
func TestScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds qtriage and runs three processes")
	}
	dbURL := storetest.PostgresURL(t) // skips without QTRIAGE_TEST_POSTGRES
	bin := buildQtriage(t)
	const mails = 600 // × 2 recipients
	// Three processes with three Exchange connections each: the sim's
	// per-tenant limit is raised, so that it would let through whatever
	// the processes send, and the test measures what they send.
	in := newInstallation(t, dbURL, mails, m365sim.Faults{Latency: m365sim.Duration(20 * time.Millisecond), ConcurrencyLimit: 9})
	env := in.env()

	// serve first, until it has queued the first sync, so that the workers
	// join a run in progress (started together on a loaded machine, one
	// could find the work done before it starts); the two workers start
	// together, their migrations taking turns under the advisory locks.
	srv := startChild(t, "serve", bin, env, "serve", "--listen", "127.0.0.1:0")
	db, _ := store.WriterDB(in.st)
	waitUntil(t, "serve to queue the first sync", 30*time.Second, func() bool {
		var n int
		err := db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'qtriage.sync'`).Scan(&n)
		return err == nil && n > 0
	}, srv)
	w1 := startChild(t, "worker 1", bin, env, "worker")
	w2 := startChild(t, "worker 2", bin, env, "worker")

	id1 := riverID(t, w1)
	waitUntil(t, "worker 1 to complete exports", 60*time.Second, func() bool {
		done, err := completedByErr(db, true, "qtriage.export") // River's tables may not exist yet
		return err == nil && done[id1] >= 20
	}, w1, w2, srv)
	w1.kill()
	c := in.counts(t)
	t.Logf("worker 1 killed: %d items, %d pending, %d messages, %d reports", c.Items, c.Pending, c.Messages, c.Reports)

	waitUntil(t, "every item exported and analysed", 75*time.Second, func() bool { return in.done(t) }, w2, srv)
	w2.stop(20 * time.Second)
	srv.stop(20 * time.Second)

	checkOutcome(t, in)
	exports := completedBy(t, db, true, "qtriage.export")
	analyses := completedBy(t, db, true, "qtriage.analyze")
	for _, c := range []*child{w1, w2, srv} {
		id := riverID(t, c)
		t.Logf("%s (%s): %d exports, %d analyses completed", c.name, id, exports[id], analyses[id])
		if exports[id] == 0 {
			t.Errorf("%s completed no export job: the work was not shared", c.name)
		}
	}
	// Three processes, each allowed 3 requests to the tenant: the slots
	// they share in PostgreSQL keep the tenant at 3 in all (the sim's own
	// limit, 9, would have allowed more).
	peak := in.sim.Stats().MaxConcurrency
	t.Logf("the sim saw at most %d concurrent requests for the tenant", peak)
	if peak > 3 {
		t.Errorf("the sim saw %d requests at once for one tenant from three processes; the tenant's limit is 3", peak)
	}
}
