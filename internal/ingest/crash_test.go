package ingest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	mathrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
	"github.com/qtriage/qtriage/internal/tenant"
)

// The crash and scale-out tests run the real qtriage binary as child
// processes against an in-process m365sim, and judge the outcome from the
// database: the sim's ground truth, qtriage's tables and River's.

// buildQtriage builds ./cmd/qtriage of this module into a directory of the
// test and returns the binary's path.
func buildQtriage(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(t.TempDir(), "qtriage")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/qtriage")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/qtriage: %v\n%s", err, out)
	}
	return bin
}

// installation is one qtriage database with its master key, and a tenant
// connected to a sim, as the child processes see it.
type installation struct {
	dbURL, dataDir, masterKey string
	st                        store.Store
	tenant                    store.Tenant
	sim                       *m365sim.Sim
	truth                     []m365sim.QuarantineItem
	messages                  int
}

// newInstallation creates the tenant in the database the children will
// use (in-process, with the same master key the children get in their
// environment), performs the customer's setup in the sim, connects the
// two over the custom cloud with the sim's CA in a file, and fills the
// sim's quarantine with mails × 2 recipients.
func newInstallation(t *testing.T, dbURL string, mails int, faults m365sim.Faults) *installation {
	t.Helper()
	ctx := context.Background()
	var raw [keyring.KeySize]byte
	if _, err := rand.Read(raw[:]); err != nil {
		t.Fatal(err)
	}
	in := &installation{dbURL: dbURL, dataDir: t.TempDir(), masterKey: base64.StdEncoding.EncodeToString(raw[:]), messages: mails}
	kek, err := keyring.ParseKEK(in.masterKey)
	if err != nil {
		t.Fatal(err)
	}
	in.st = storetest.Open(t, dbURL)
	in.sim = entratest.NewSim(t, m365sim.Options{Seed: 42})
	svc := &tenant.Service{Store: in.st, KEK: kek}
	_, cert, err := svc.Create(ctx, "contoso", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := in.sim.Setup(m365sim.SetupOptions{TenantName: "contoso", Certificate: cert.DER})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Connect(ctx, "contoso", tenant.ConnectInput{AppID: res.AppID, DirectoryID: res.DirectoryID, Organization: res.Organization,
		Cloud: "custom", AuthorityURL: res.AuthorityURL, ExchangeURL: res.ExchangeURL, CAFile: entratest.CAFile(t, in.sim)}); err != nil {
		t.Fatal(err)
	}
	if in.tenant, err = in.st.Tenant(ctx, "contoso"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range mails {
		body := fmt.Sprintf("Hello,\r\n\r\nthe report number %d is attached.\r\n", i)
		if i%5 == 0 {
			body = fmt.Sprintf("Your mailbox is full. Sign in at https://login-%d.example.net/verify to keep your mail.\r\n", i%17)
		}
		msg := fmt.Sprintf("From: Sender %d <sender%d@mail%d.example>\r\nTo: a@contoso.example, b@contoso.example\r\nSubject: mail %d\r\n"+
			"Date: %s\r\nMessage-ID: <%d.crash@mail.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
			i%13, i%13, i%3, i, now.Format(time.RFC1123Z), i, body)
		meta := m365sim.MessageMeta{Received: now.Add(-time.Duration(i) * 17 * time.Minute), Recipients: []string{"a@contoso.example", "b@contoso.example"}}
		if _, err := in.sim.AddMessage("contoso", []byte(msg), meta); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := in.sim.SetFaults("contoso", faults); err != nil {
		t.Fatal(err)
	}
	if in.truth, err = in.sim.Quarantine("contoso"); err != nil {
		t.Fatal(err)
	}
	if len(in.truth) != 2*mails {
		t.Fatalf("the sim holds %d items, want %d", len(in.truth), 2*mails)
	}
	return in
}

// env is the children's environment: the parent's without QTRIAGE_*, and
// this installation's settings.
func (in *installation) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "QTRIAGE_") {
			env = append(env, kv)
		}
	}
	return append(env, "QTRIAGE_DATA_DIR="+in.dataDir, "QTRIAGE_DB="+in.dbURL, "QTRIAGE_MASTER_KEY="+in.masterKey,
		"QTRIAGE_SYNC_INTERVAL=10s", "QTRIAGE_WORKERS=16", "QTRIAGE_LOG_FORMAT=json", "QTRIAGE_LOG_LEVEL=warn")
}

func (in *installation) counts(t *testing.T) store.TenantCounts {
	t.Helper()
	c, err := in.st.Counts(context.Background(), in.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// done reports whether every item is exported and every message analysed.
func (in *installation) done(t *testing.T) bool {
	c := in.counts(t)
	return c.Items == len(in.truth) && c.Pending == 0 && c.Messages == in.messages && c.Reports == in.messages
}

// child is a qtriage process.
type child struct {
	name string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   *sync.Mutex
	done chan struct{}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// startChild starts bin with args; the process is killed when the test
// ends, whatever happens.
func startChild(t *testing.T, name, bin string, env []string, args ...string) *child {
	t.Helper()
	c := &child{name: name, cmd: exec.Command(bin, args...), log: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	c.cmd.Env = env
	c.cmd.Stdout = lockedWriter{c.mu, c.log}
	c.cmd.Stderr = lockedWriter{c.mu, c.log}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			t.Logf("%s (pid %d) output, last 3000 bytes:\n%s", name, c.cmd.Process.Pid, c.tail(3000))
		}
	})
	return c
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// stop asks the process to shut down (SIGTERM) and kills it if it has not
// within the timeout.
func (c *child) stop(timeout time.Duration) {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(timeout):
		c.kill()
	}
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *child) tail(n int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.log.Bytes()
	return string(b[max(0, len(b)-n):])
}

// riverID is the River client ID qtriage gives a process by default.
func riverID(t *testing.T, c *child) string {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s-%d", host, c.cmd.Process.Pid)
}

// waitUntil polls cond every 100 ms until it holds, failing the test
// after timeout or as soon as one of the children exits.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool, children ...*child) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		for _, c := range children {
			if c.exited() {
				t.Fatalf("waiting for %s: %s exited: %v", what, c.name, c.cmd.ProcessState)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkOutcome checks the end state against the sim's ground truth: every
// item stored with the sim's hash, one report per message, no analysis
// made twice, no export or analysis job lost, and a sound database.
func checkOutcome(t *testing.T, in *installation) {
	t.Helper()
	ctx := context.Background()
	c := in.counts(t)
	if c.Items != len(in.truth) || c.Messages != in.messages || c.Reports != in.messages || c.Pending != 0 || c.Failed != 0 || c.ExpiredUnexported != 0 {
		t.Errorf("counts %+v, want %d items, %d messages and reports, nothing pending or failed", c, len(in.truth), in.messages)
	}
	for _, it := range in.truth {
		got, err := in.st.Item(ctx, in.tenant.ID, it.Identity())
		if err != nil {
			t.Errorf("item %s lost: %v", it.Identity(), err)
			continue
		}
		if got.State != store.ItemExported || fmt.Sprintf("%x", got.SHA256) != it.SHA256 {
			t.Errorf("item %s: state %s, hash %x, want exported with %s", it.Identity(), got.State, got.SHA256, it.SHA256)
		}
	}
	if left, err := in.st.Unanalysed(ctx, in.tenant.ID, "", 10); err != nil || len(left) != 0 {
		t.Errorf("messages without a report: %d (%v)", len(left), err)
	}

	db, ok := store.WriterDB(in.st)
	if !ok {
		t.Fatal("no database handle")
	}
	pg := strings.HasPrefix(in.dbURL, "postgres")
	// Analysis jobs: a job that made a report records so in its output.
	q := `SELECT json(args), json(metadata) FROM river_job WHERE kind = 'qtriage.analyze' AND state = 'completed'`
	if pg {
		q = `SELECT args::text, metadata::text FROM river_job WHERE kind = 'qtriage.analyze' AND state = 'completed'`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	completed, analysed := map[string]int{}, map[string]int{}
	for rows.Next() {
		var args, meta string
		if err := rows.Scan(&args, &meta); err != nil {
			t.Fatal(err)
		}
		var a struct {
			SHA256 string `json:"sha256"`
		}
		var m struct {
			Output struct {
				Analysed bool `json:"analysed"`
			} `json:"output"`
		}
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(meta), &m); err != nil {
			t.Fatal(err)
		}
		completed[a.SHA256]++
		if m.Output.Analysed {
			analysed[a.SHA256]++
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	twice, noops := 0, 0
	for sha, n := range analysed {
		if n > 1 {
			twice++
			t.Errorf("message %s analysed by %d completed jobs", sha, n)
		}
	}
	for sha, n := range completed {
		noops += n - analysed[sha]
	}
	t.Logf("analysis jobs completed: %d for %d messages (%d found the report made already: a job re-run after a crash, or queued again by a sync)",
		sumValues(completed), len(completed), noops)
	if twice > 0 {
		t.Errorf("%d messages analysed more than once", twice)
	}

	var lost int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind IN ('qtriage.export', 'qtriage.analyze')
AND state IN ('discarded', 'cancelled')`).Scan(&lost); err != nil {
		t.Fatal(err)
	}
	if lost != 0 {
		t.Errorf("%d export or analysis jobs discarded or cancelled", lost)
	}

	// Integrity: the engine's own check on SQLite, and on both no row
	// pointing at nothing.
	if !pg {
		var res string
		if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
			t.Errorf("PRAGMA integrity_check: %q %v", res, err)
		}
	}
	for what, q := range map[string]string{
		"exported items without their message": `SELECT COUNT(*) FROM quarantine_items q WHERE q.state = 'exported'
AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = q.tenant_id AND m.sha256 = q.sha256)`,
		"reports without their message": `SELECT COUNT(*) FROM reports r
WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = r.tenant_id AND m.sha256 = r.sha256)`,
		"messages no item points at": `SELECT COUNT(*) FROM messages m
WHERE NOT EXISTS (SELECT 1 FROM quarantine_items q WHERE q.tenant_id = m.tenant_id AND q.sha256 = m.sha256)`,
		"rows of unknown tenants": `SELECT (SELECT COUNT(*) FROM quarantine_items WHERE tenant_id NOT IN (SELECT id FROM tenants))
 + (SELECT COUNT(*) FROM messages WHERE tenant_id NOT IN (SELECT id FROM tenants))
 + (SELECT COUNT(*) FROM reports WHERE tenant_id NOT IN (SELECT id FROM tenants))`,
	} {
		var n int
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Errorf("%d %s", n, what)
		}
	}
}

// logSizes logs the database's bytes per item, message and report, for
// docs/operations.md's sizing.
func logSizes(t *testing.T, in *installation) {
	t.Helper()
	db, _ := store.WriterDB(in.st)
	var raw, zst, rep float64
	if err := db.QueryRow(`SELECT AVG(size), AVG(LENGTH(raw_zstd)) FROM messages`).Scan(&raw, &zst); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT AVG(LENGTH(report_json)) FROM reports`).Scan(&rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("messages: %.0f bytes raw, %.0f bytes zstd on average; report JSON %.0f bytes on average", raw, zst, rep)
	if strings.HasPrefix(in.dbURL, "postgres") {
		for _, table := range []string{"quarantine_items", "messages", "reports", "river_job"} {
			var bytes, rows float64
			if err := db.QueryRow(`SELECT pg_total_relation_size($1::regclass), (SELECT COUNT(*) FROM `+table+`)`, table).Scan(&bytes, &rows); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %.0f rows, %.0f bytes with indexes and TOAST, %.0f bytes per row", table, rows, bytes, bytes/max(rows, 1))
		}
		return
	}
	rows, err := db.Query(`SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12`)
	if err != nil {
		t.Logf("no dbstat: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var bytes int64
		if err := rows.Scan(&name, &bytes); err != nil {
			t.Fatal(err)
		}
		t.Logf("sqlite %s: %d bytes", name, bytes)
	}
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// completedBy returns, for each River client ID, how many jobs of kind it
// completed (the last attempt's process).
func completedBy(t *testing.T, db *sql.DB, pg bool, kind string) map[string]int {
	t.Helper()
	out, err := completedByErr(db, pg, kind)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func completedByErr(db *sql.DB, pg bool, kind string) (map[string]int, error) {
	q := `SELECT json(attempted_by) FROM river_job WHERE kind = $1 AND state = 'completed'`
	if pg {
		q = `SELECT array_to_json(attempted_by)::text FROM river_job WHERE kind = $1 AND state = 'completed'`
	}
	rows, err := db.QueryContext(context.Background(), q, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		var by []string
		if s.Valid {
			if err := json.Unmarshal([]byte(s.String), &by); err != nil {
				return nil, err
			}
		}
		if len(by) > 0 {
			out[by[len(by)-1]]++
		}
	}
	return out, rows.Err()
}

// TestCrash runs `qtriage serve` against 2,000 quarantine items, kills it
// with SIGKILL at random moments (a fixed seed), restarts it each time,
// and checks that nothing was lost or done twice.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds qtriage and runs it for a minute")
	}
	bin := buildQtriage(t)
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); crash(t, bin, storetest.SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); crash(t, bin, storetest.PostgresURL(t)) })
}

func crash(t *testing.T, bin, dbURL string) {
	const mails = 1000 // × 2 recipients = 2,000 items
	in := newInstallation(t, dbURL, mails, m365sim.Faults{Latency: m365sim.Duration(10 * time.Millisecond), ConcurrencyLimit: 3})
	rng := mathrand.New(mathrand.NewPCG(2026, 7))
	begin := time.Now()
	args := []string{"serve", "--listen", "127.0.0.1:0"}
	const kills = 6
	for i := range kills {
		started := time.Now()
		before := in.counts(t)
		c := startChild(t, fmt.Sprintf("serve #%d", i+1), bin, in.env(), args...)
		// A random moment once this process is at work (listing,
		// exporting, analysing: whatever is left), so that a slow start
		// on a busy machine does not turn every kill into a kill at start.
		for deadline := time.Now().Add(20 * time.Second); in.counts(t) == before && time.Now().Before(deadline) && !c.exited(); {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(2500)) * time.Millisecond)
		if c.exited() {
			t.Fatalf("serve exited by itself: %v\n%s", c.cmd.ProcessState, c.tail(3000))
		}
		c.kill()
		cnt := in.counts(t)
		t.Logf("kill %d after %s: %d items listed, %d pending, %d messages, %d reports", i+1, time.Since(started).Round(time.Millisecond), cnt.Items, cnt.Pending, cnt.Messages, cnt.Reports)
	}
	c := startChild(t, "serve (last)", bin, in.env(), args...)
	// A deadline for correctness, not speed: under `go test ./...` this
	// runs beside other packages' tests on two shared cores, where a
	// PostgreSQL run has taken 100 s; alone it takes about a minute.
	waitUntil(t, "every item exported and analysed", 4*time.Minute, func() bool { return in.done(t) }, c)
	c.stop(20 * time.Second)
	t.Logf("%d items, %d messages: done %s after the first start, with %d kills", len(in.truth), mails, time.Since(begin).Round(time.Millisecond), kills)
	checkOutcome(t, in)
	logSizes(t, in)
}
