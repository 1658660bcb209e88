package ingest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/store"
)

// Service runs the pipeline: River workers, and the scheduler when asked.
type Service struct {
	o     Options
	q     queue
	close func()
	enc   *zstd.Encoder
	dec   *zstd.Decoder
	m     *metrics
	db    *sql.DB // the store's writer: River's tables are beside ours
	pg    bool
	// page is how many messages a re-analysis queues at once.
	page int

	stopReaper context.CancelFunc
	reaperDone chan struct{}

	// slots bounds the requests to each tenant across processes
	// (PostgreSQL only).
	slots *pgSlots
}

// New builds the pipeline on the store's database and migrates River's
// tables. Call Start to begin working and Stop to end.
func New(ctx context.Context, o Options) (*Service, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	s := &Service{o: o, pg: isPostgres(o.DB), page: reanalysisPage}
	s.db, _ = store.WriterDB(o.Store)
	var err error
	if s.pg {
		// One slot per worker, and room for analysts' actions beside them.
		if s.slots, err = newPGSlots(ctx, o.DB, o.Workers+8); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				s.slots.close()
			}
		}()
	}
	if s.m, err = newMetrics(o.Registerer, s.db); err != nil {
		return nil, fmt.Errorf("ingest: metrics: %w", err)
	}
	if s.enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault)); err != nil {
		return nil, err
	}
	if s.dec, err = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(256<<20)); err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &scheduleWorker{s: s})
	river.AddWorker(workers, &syncWorker{s: s})
	river.AddWorker(workers, &exportWorker{s: s})
	river.AddWorker(workers, &analyzeWorker{s: s})
	river.AddWorker(workers, &reanalyzeWorker{s: s})
	cfg := &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers: workers,
		Logger:  o.Log.With("component", "river"),
		ID:      o.ID,
		// A job that keeps failing transiently is retried with River's
		// exponential backoff; when it gives up, the next sync queues the
		// item again, so nothing is dropped.
		MaxAttempts: 10,
	}
	if o.PollInterval > 0 {
		cfg.FetchPollInterval = o.PollInterval
		cfg.FetchCooldown = o.PollInterval / 2
	}
	if o.Schedule {
		cfg.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(o.Interval), func() (river.JobArgs, *river.InsertOpts) {
				return ScheduleArgs{}, &river.InsertOpts{UniqueOpts: uniqueWhileQueued()}
			}, &river.PeriodicJobOpts{RunOnStart: true, ID: "qtriage-schedule"}),
		}
	}
	if s.q, s.close, err = openQueue(ctx, o.Store, o.DB, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Start begins working jobs (and scheduling, if enabled). Jobs that a
// killed process of this machine left running are made available first.
func (s *Service) Start(ctx context.Context) error {
	if _, err := s.reapOrphans(ctx, true); err != nil {
		s.o.Log.Warn("jobs left running by dead processes could not be released", "err", err)
	}
	if err := s.q.Start(ctx); err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopReaper, s.reaperDone = cancel, make(chan struct{})
	go func() {
		defer close(s.reaperDone)
		t := time.NewTicker(reapInterval)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				if _, err := s.reapOrphans(rctx, false); err != nil && rctx.Err() == nil {
					s.o.Log.Warn("jobs left running by dead processes could not be released", "err", err)
				}
			}
		}
	}()
	return nil
}

// Stop waits for running jobs to finish (bounded by ctx) and releases the
// queue's resources.
func (s *Service) Stop(ctx context.Context) error {
	if s.stopReaper != nil {
		s.stopReaper()
		<-s.reaperDone
	}
	err := s.q.Stop(ctx)
	s.close()
	if s.slots != nil {
		s.slots.close()
	}
	return err
}

// TokenFetched counts a token fetched from Entra ID (Observer).
func (s *Service) TokenFetched(tenant string) { s.m.tokenFetched(tenant) }

// Throttled counts a throttled answer of Exchange Online (Observer).
func (s *Service) Throttled(tenant string) { s.m.throttleAnswer(tenant) }

// Slots is what bounds the requests in flight to each tenant across every
// process of a PostgreSQL deployment (exchange.Config.Slots); nil on
// SQLite, where one process does the work.
func (s *Service) Slots() exchange.Slots {
	if s.slots == nil {
		return nil
	}
	return s.slots
}

// reapInterval is how often a running process looks for jobs that a dead
// process of the same machine left running.
const reapInterval = 10 * time.Second

// reapOrphans makes jobs that a killed process left in the running state
// available again. River itself only rescues a running job once both its
// RescueStuckJobsAfter (an hour) and the job's timeout have passed; until
// then the unique job keeps its item from being queued again. A process
// recognises the processes of its own machine by River's client ID
// ("hostname-pid", Options.ID's default) and asks the system whether they
// still live; at start (atStart) its own ID counts as dead too: the same
// hostname and pid is a restarted container. Jobs of other machines are
// left to River's rescuer. It returns how many jobs it released.
func (s *Service) reapOrphans(ctx context.Context, atStart bool) (int, error) {
	lister, ok := s.q.(interface {
		JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	})
	if !ok || s.db == nil {
		return 0, nil
	}
	res, err := lister.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateRunning).First(10_000))
	if err != nil {
		return 0, err
	}
	now := `datetime('now', 'subsec')`
	if s.pg {
		now = `now()`
	}
	n := 0
	for _, j := range res.Jobs {
		if len(j.AttemptedBy) == 0 || !s.deadHere(j.AttemptedBy[len(j.AttemptedBy)-1], atStart) {
			continue
		}
		r, err := s.db.ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = `+now+` WHERE id = $1 AND state = 'running'`, j.ID)
		if err != nil {
			return n, err
		}
		if k, _ := r.RowsAffected(); k == 1 {
			n++
			s.o.Log.Info("job left running by a dead process made available again", "job", j.ID, "kind", j.Kind, "process", j.AttemptedBy[len(j.AttemptedBy)-1])
		}
	}
	return n, nil
}

// deadHere reports whether the River client id names a process of this
// machine that no longer runs.
func (s *Service) deadHere(id string, atStart bool) bool {
	if id == s.o.ID {
		return atStart
	}
	i := strings.LastIndexByte(id, '-')
	if i < 0 {
		return false
	}
	pid, err := strconv.Atoi(id[i+1:])
	if host, _ := os.Hostname(); err != nil || pid <= 0 || id[:i] != host {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}

func isPostgres(dbURL string) bool {
	lower := strings.ToLower(dbURL)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// SyncNow queues a sync of one tenant.
func (s *Service) SyncNow(ctx context.Context, tenantID string) error {
	_, err := s.q.Insert(ctx, SyncArgs{TenantID: tenantID}, &river.InsertOpts{UniqueOpts: uniqueWhileQueued(), Priority: 1})
	return err
}

// Job priorities are River's 1 to 4; a worker takes the highest (1) first,
// and the oldest job within one. The pipeline's own jobs take 1 to 3:
// schedules, syncs and analyses of new messages 1, exports by the time
// their item has left (expiryPriority). Re-analysis alone takes 4, its own
// job and the analyses it queues: a tenant admin can ask for it for a
// million messages, and they wait for every tenant's syncs, exports and
// analyses of new mail instead of holding them up. (Re-analyses of several
// tenants take turns in the order they were asked for.)
const reanalysisPriority = 4

// Subscribe passes River's job events through, for progress and tests.
func (s *Service) Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return s.q.Subscribe(kinds...)
}

// Job arguments. Kinds are part of the database's contents: never rename.

// ScheduleArgs queues a sync of every connected, unpaused tenant.
type ScheduleArgs struct{}

// Kind implements river.JobArgs.
func (ScheduleArgs) Kind() string { return "qtriage.schedule" }

// SyncArgs lists one tenant's quarantine and queues what is left to do.
type SyncArgs struct {
	TenantID string `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (SyncArgs) Kind() string { return "qtriage.sync" }

// ExportArgs exports and stores one quarantine item.
type ExportArgs struct {
	TenantID string `json:"tenant_id"`
	Identity string `json:"identity"`
}

// Kind implements river.JobArgs.
func (ExportArgs) Kind() string { return "qtriage.export" }

// AnalyzeArgs analyses one stored message.
type AnalyzeArgs struct {
	TenantID string `json:"tenant_id"`
	SHA256   string `json:"sha256"` // hex
	// Force analyses again even when a report of the current analyzer
	// version exists (qtriage reanalyze without --outdated).
	Force bool `json:"force,omitempty"`
}

// Kind implements river.JobArgs.
func (AnalyzeArgs) Kind() string { return "qtriage.analyze" }

type scheduleWorker struct {
	river.WorkerDefaults[ScheduleArgs]
	s *Service
}

func (w *scheduleWorker) Work(ctx context.Context, _ *river.Job[ScheduleArgs]) error {
	tenants, err := w.s.o.Store.Tenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		if t.Connection == nil {
			continue
		}
		st, err := w.s.o.Store.SyncState(ctx, t.ID)
		if err != nil {
			return err
		}
		if st.Paused {
			continue
		}
		if _, err := w.s.q.Insert(ctx, SyncArgs{TenantID: t.ID}, &river.InsertOpts{UniqueOpts: uniqueWhileQueued()}); err != nil {
			return err
		}
	}
	return nil
}

type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	s *Service
}

func (w *syncWorker) Timeout(*river.Job[SyncArgs]) time.Duration { return 30 * time.Minute }

func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	return w.s.sync(ctx, job.Args.TenantID)
}

// sync lists the tenant's quarantine and queues exports and analyses for
// everything not yet done, whether found now or left by an earlier crash.
func (s *Service) sync(ctx context.Context, tenantID string) error {
	st := s.o.Store
	t, err := st.TenantByID(ctx, tenantID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err) // tenant deleted
	}
	if err != nil {
		return err
	}
	state, err := st.SyncState(ctx, t.ID)
	if err != nil {
		return err
	}
	if state.Paused || t.Connection == nil {
		return nil
	}
	log := s.o.Log.With("tenant", t.Slug)
	now := s.o.Now().UTC()
	w := Window{Start: now.Add(-s.o.Backfill), End: now}
	if state.Backfilled && state.LastStartedAt != nil {
		w.Start = state.LastStartedAt.Add(-s.o.Overlap)
	}
	state.LastStartedAt = &now

	src, err := s.o.Connector.Connect(ctx, t)
	if err == nil {
		n := 0
		err = src.List(ctx, w, func(page []store.QuarantineItem) error {
			for i := range page {
				page[i].TenantID, page[i].LastSeenAt = t.ID, s.o.Now().UTC()
			}
			n += len(page)
			created, err := st.UpsertItems(ctx, page)
			s.m.itemsSeen(t.Slug, len(created))
			return err
		})
		log.Info("quarantine listed", "items", n, "from", w.Start, "to", w.End)
	}
	if err != nil {
		s.m.failed(t.Slug, err)
		state.LastError = err.Error()
		if errors.Is(err, ErrSetup) && s.o.Diagnose != nil {
			state.Diagnosis = string(s.o.Diagnose(ctx, t))
		}
		if perr := st.PutSyncState(ctx, state); perr != nil {
			return errors.Join(err, perr)
		}
		if errors.Is(err, ErrSetup) {
			// Tenant-level: no retry storm; the next periodic sync tries again.
			log.Warn("sync stopped: the tenant's Microsoft 365 setup is broken", "err", err)
			return river.JobCancel(err)
		}
		return err
	}

	if err := s.queuePending(ctx, t, now); err != nil {
		return err
	}
	finished := s.o.Now().UTC()
	state.Backfilled, state.LastFinishedAt, state.LastError, state.Diagnosis = true, &finished, "", ""
	if err := st.PutSyncState(ctx, state); err != nil {
		return err
	}
	s.m.synced(t.Slug, finished)
	return nil
}

// queuePending queues an export for every item still listed (closest to
// expiry first, and first in the queue), records items that expired before
// we could export them, and queues analysis of messages without a report.
func (s *Service) queuePending(ctx context.Context, t store.Tenant, now time.Time) error {
	items, err := s.o.Store.PendingItems(ctx, t.ID, 100_000)
	if err != nil {
		return err
	}
	live := items[:0:0]
	for _, it := range items {
		if !it.ExpiresAt.After(now) {
			s.o.Log.Warn("quarantine item expired before it could be exported", "tenant", t.Slug, "identity", it.Identity, "expired", it.ExpiresAt)
			if err := s.o.Store.SetItemState(ctx, t.ID, it.Identity, store.ItemExpired); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			s.m.itemExpired(t.Slug)
			continue
		}
		if s.m != nil {
			live = append(live, it)
		}
		// Items that failed before get their job again (if River gave up
		// on it); the others are queued a few at a time, below.
		if it.Attempts > 0 {
			if err := s.queueExport(ctx, it, now); err != nil {
				return err
			}
		}
	}
	s.m.backlog(t.Slug, live, now)
	if err := s.queueNextExports(ctx, t.ID, ""); err != nil {
		return err
	}
	// Messages left without a report (a crash between storing and queueing).
	hashes, err := s.o.Store.Unanalysed(ctx, t.ID, "", 100_000)
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if err := s.queueAnalysis(ctx, t.ID, h, false); err != nil {
			return err
		}
	}
	return nil
}

// queueExport queues the item's export, unless it is queued already.
func (s *Service) queueExport(ctx context.Context, it store.QuarantineItem, now time.Time) error {
	_, err := s.q.Insert(ctx, ExportArgs{TenantID: it.TenantID, Identity: it.Identity},
		&river.InsertOpts{UniqueOpts: uniqueWhileQueued(), Priority: expiryPriority(it.ExpiresAt.Sub(now))})
	return err
}

// queueNextExports keeps a window of a tenant's next exports in the queue,
// the closest to expiry first: 2 × Workers jobs, refilled as exports end.
// A tenant with ten thousand items waiting so holds a few places in the
// queue, and the other tenants' jobs come up beside its jobs instead of
// behind all of them. It queues the window's items that have no job yet:
// after an export, usually the one item that entered the window as the
// exported one left it.
//
// done, when set, names the export calling this as it ends: its job still
// runs, but its place is free.
func (s *Service) queueNextExports(ctx context.Context, tenantID, done string) error {
	next, err := s.o.Store.NextExports(ctx, tenantID, s.window())
	if err != nil || len(next) == 0 {
		return err
	}
	queued, err := s.queuedExports(ctx, tenantID)
	if err != nil {
		return err
	}
	// The window's places are taken by its items that have a job, and by
	// jobs waiting to be retried: while Microsoft fails, the window does
	// not grow into the whole backlog. (A job whose export just ended may
	// still show as running for a moment: its item, no longer pending, is
	// not in next and takes no place.)
	delete(queued, done)
	room := s.window()
	for _, state := range queued {
		if state == string(rivertype.JobStateRetryable) || state == string(rivertype.JobStateScheduled) {
			room--
		}
	}
	for _, it := range next {
		if st, ok := queued[it.Identity]; ok && st != string(rivertype.JobStateRetryable) && st != string(rivertype.JobStateScheduled) {
			room--
		}
	}
	now := s.o.Now().UTC()
	for _, it := range next {
		if room <= 0 {
			break
		}
		if _, ok := queued[it.Identity]; ok {
			continue
		}
		if err := s.queueExport(ctx, it, now); err != nil {
			return err
		}
		room--
	}
	return nil
}

// queuedExports returns the identities of the tenant's export jobs that are
// not finished, with their River state, read from River's table.
func (s *Service) queuedExports(ctx context.Context, tenantID string) (map[string]string, error) {
	// Through River's index on state, which holds few unfinished jobs, not
	// its index on kind, which holds every finished export too: SQLite
	// would pick the kind index, so "+kind" (and "kind || ''" on
	// PostgreSQL, whose statistics of a new table may mislead it too) keeps
	// it from using it.
	q := `SELECT json_extract(args, '$.identity'), state FROM river_job
WHERE +kind = 'qtriage.export' AND state IN ('available', 'pending', 'running', 'retryable', 'scheduled')
AND json_extract(args, '$.tenant_id') = $1`
	if s.pg {
		q = `SELECT args->>'identity', state FROM river_job
WHERE kind || '' = 'qtriage.export' AND state IN ('available', 'pending', 'running', 'retryable', 'scheduled')
AND args->>'tenant_id' = $1`
	}
	rows, err := s.db.QueryContext(ctx, q, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, state sql.NullString
		if err := rows.Scan(&id, &state); err != nil {
			return nil, err
		}
		out[id.String] = state.String
	}
	return out, rows.Err()
}

// window is how many of a tenant's exports wait in the queue at once.
func (s *Service) window() int { return 2 * s.o.Workers }

// expiryPriority maps time left before expiry to River's priorities (1 is
// worked first), so the items closest to being lost go first. It stops at
// 3: 4 is re-analysis's (reanalysisPriority). Among the exports of 3 (a
// week or more left) the tenant's window is filled closest to expiry
// first (queueNextExports).
func expiryPriority(left time.Duration) int {
	switch {
	case left < 48*time.Hour:
		return 1
	case left < 7*24*time.Hour:
		return 2
	default:
		return 3
	}
}

func (s *Service) queueAnalysis(ctx context.Context, tenantID string, sha []byte, force bool) error {
	_, err := s.q.Insert(ctx, AnalyzeArgs{TenantID: tenantID, SHA256: hex.EncodeToString(sha), Force: force},
		&river.InsertOpts{UniqueOpts: uniqueWhileQueued()})
	return err
}

type exportWorker struct {
	river.WorkerDefaults[ExportArgs]
	s *Service
}

func (w *exportWorker) Timeout(*river.Job[ExportArgs]) time.Duration { return w.s.o.ExportTimeout }

func (w *exportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	err := w.s.export(ctx, job.Args.TenantID, job.Args.Identity)
	if errors.Is(err, ErrSetup) {
		// The tenant's setup is broken: queue nothing more. The next
		// periodic sync finds out, records the diagnosis, and tries again
		// when it is fixed.
		return err
	}
	// This job's place in the tenant's window is free: queue the next
	// export, even if this job's own time ran out. (A crash here leaves the
	// window one short until the next sync refills it.)
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if qerr := w.s.queueNextExports(qctx, job.Args.TenantID, job.Args.Identity); qerr != nil {
		w.s.o.Log.Warn("next exports not queued; the next sync will", "err", qerr)
	}
	return err
}

func (s *Service) export(ctx context.Context, tenantID, identity string) error {
	st := s.o.Store
	it, err := st.Item(ctx, tenantID, identity)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if it.State != store.ItemListed {
		return nil // done already (a duplicate job, or a crash after storing)
	}
	t, err := st.TenantByID(ctx, tenantID)
	if err != nil {
		return err
	}
	began := time.Now()
	src, err := s.o.Connector.Connect(ctx, t)
	var raw []byte
	if err == nil {
		raw, err = src.Export(ctx, identity)
	}
	s.m.failed(t.Slug, err)
	switch {
	case err == nil:
	case errors.Is(err, ErrItemGone), errors.Is(err, ErrItemPermanent):
		s.o.Log.Warn("quarantine item cannot be exported", "tenant", t.Slug, "identity", identity, "err", err)
		return errors.Join(river.JobCancel(err), st.FailItem(ctx, tenantID, identity, err.Error(), true))
	case errors.Is(err, ErrSetup):
		return river.JobCancel(err) // the next sync reports it at tenant level
	default:
		if ferr := st.FailItem(ctx, tenantID, identity, err.Error(), false); ferr != nil {
			return errors.Join(err, ferr)
		}
		return err // River retries with backoff
	}
	sum := sha256.Sum256(raw)
	m := store.Message{TenantID: tenantID, SHA256: sum[:], Size: int64(len(raw)), RawZstd: s.enc.EncodeAll(raw, nil), StoredAt: s.o.Now().UTC()}
	created, err := st.StoreMessage(ctx, m, identity)
	if err != nil {
		return err
	}
	s.m.itemExported(t.Slug, time.Since(began))
	if !created {
		// Another recipient's copy of the same mail: stored and analysed once.
		if _, err := st.Report(ctx, tenantID, sum[:]); err == nil {
			return nil
		}
	}
	return s.queueAnalysis(ctx, tenantID, sum[:], false)
}

type analyzeWorker struct {
	river.WorkerDefaults[AnalyzeArgs]
	s *Service
}

func (w *analyzeWorker) Timeout(*river.Job[AnalyzeArgs]) time.Duration { return time.Minute }

func (w *analyzeWorker) Work(ctx context.Context, job *river.Job[AnalyzeArgs]) error {
	return w.s.analyze(ctx, job.Args)
}

func (s *Service) analyze(ctx context.Context, a AnalyzeArgs) error {
	st := s.o.Store
	sha, err := hex.DecodeString(a.SHA256)
	if err != nil || len(sha) != 32 {
		return river.JobCancel(fmt.Errorf("ingest: bad hash %q", a.SHA256))
	}
	if r, err := st.Report(ctx, a.TenantID, sha); err == nil && !a.Force && r.AnalyzerVersion == s.o.Analyzer.Version() {
		return nil // done already
	}
	t, err := st.TenantByID(ctx, a.TenantID)
	if err != nil {
		return err
	}
	// Read for every analysis, so that a change applies to the messages
	// analysed after it. Without them the verdict could be wrong: the job
	// fails and is retried.
	settings, err := st.DetectionSettings(ctx, a.TenantID)
	if err != nil {
		return err
	}
	m, err := st.Message(ctx, a.TenantID, sha)
	if err != nil {
		return err
	}
	raw, err := s.dec.DecodeAll(m.RawZstd, make([]byte, 0, m.Size))
	if err != nil {
		return river.JobCancel(fmt.Errorf("ingest: stored message %x does not decompress: %w", sha, err))
	}
	history := func(ctx context.Context, address, domain string) (store.SenderHistory, error) {
		return st.SenderHistory(ctx, a.TenantID, strings.ToLower(address), strings.ToLower(domain))
	}
	began := time.Now()
	res, err := s.o.Analyzer.Analyze(ctx, t, settings, raw, history)
	if err != nil {
		s.m.failed(t.Slug, err)
		return err
	}
	if err := st.PutReport(ctx, store.Report{
		TenantID: a.TenantID, SHA256: sha, AnalyzerVersion: res.AnalyzerVersion, Verdict: res.Verdict,
		Confidence: res.Confidence, Category: res.Category, Sender: strings.ToLower(res.Sender),
		SenderDomain: strings.ToLower(res.SenderDomain), Brand: res.Brand, JSON: res.JSON, AnalyzedAt: s.o.Now().UTC(),
	}); err != nil {
		return err
	}
	s.m.messageAnalysed(t.Slug, time.Since(began))
	// The job's output says that this attempt made the report (a job that
	// found the report made already has none): operators, and the crash
	// test, can tell analyses from no-ops in River's table.
	return river.RecordOutput(ctx, analyzeOutput{Analysed: true, AnalyzerVersion: res.AnalyzerVersion})
}

// analyzeOutput is recorded as an analysis job's output.
type analyzeOutput struct {
	Analysed        bool   `json:"analysed"`
	AnalyzerVersion string `json:"analyzer_version"`
}

// ErrReanalysisRunning is Reanalyze's answer when a re-analysis of the
// tenant is queued or running already: it queued nothing.
var ErrReanalysisRunning = errors.New("ingest: a re-analysis of the tenant is already queued or running")

// ReanalyzeArgs analyses a tenant's stored messages again: all of them, or
// (Outdated) those without a report of the current analyzer version. It
// queues their analyses a page at a time (reanalyzeWorker).
type ReanalyzeArgs struct {
	// The tenant alone makes the job unique: one re-analysis of a tenant
	// at a time, whichever messages it goes through.
	TenantID string `json:"tenant_id" river:"unique"`
	Outdated bool   `json:"outdated,omitempty"`
}

// Kind implements river.JobArgs.
func (ReanalyzeArgs) Kind() string { return "qtriage.reanalyze" }

// reanalysisPage is how many messages a re-analysis queues at once: one
// query of the store and one insert of River's.
const reanalysisPage = 1000

// Reanalyze queues a re-analysis of the tenant's stored messages: all of
// them, or (outdated) those without a report of the current analyzer
// version. It counts them and queues one job, which queues their analyses
// (see ReanalyzeArgs), and returns the count; ErrReanalysisRunning, and
// nothing queued, when a re-analysis of the tenant is queued or running.
func (s *Service) Reanalyze(ctx context.Context, tenantID string, outdated bool) (int, error) {
	n, err := s.o.Store.CountMessageHashes(ctx, tenantID, s.outdatedFor(outdated))
	if err != nil {
		return 0, err
	}
	res, err := s.q.Insert(ctx, ReanalyzeArgs{TenantID: tenantID, Outdated: outdated},
		&river.InsertOpts{UniqueOpts: uniqueWhileQueued(), Priority: reanalysisPriority})
	if err != nil {
		return 0, err
	}
	if res.UniqueSkippedAsDuplicate {
		return 0, ErrReanalysisRunning
	}
	return n, nil
}

// QueueReanalysis queues the analyses of a re-analysis here, a page at a
// time, as the re-analysis job does (for qtriage reanalyze, which no
// request timeout bounds and whose operator sees the outcome). It returns
// how many it queued: analyses still queued are neither queued again nor
// counted, so running it again after an interruption is harmless (and,
// outdated, queues just the rest).
func (s *Service) QueueReanalysis(ctx context.Context, tenantID string, outdated bool) (int, error) {
	p, err := s.queueReanalysis(ctx, tenantID, outdated, reanalysisProgress{}, nil)
	return p.Queued, err
}

// outdatedFor is the store's argument that selects a re-analysis's
// messages: "" for all of them.
func (s *Service) outdatedFor(outdated bool) string {
	if outdated {
		return s.o.Analyzer.Version()
	}
	return ""
}

// reanalysisProgress is a re-analysis job's output. The job records it
// after each page, so that when it runs again (retried after an error, or
// made available again after its process died) it goes on after the last
// page it queued. A page queued again would be harmless anyway: analysis
// jobs are unique while queued, and analysing a message again only
// replaces its report.
type reanalysisProgress struct {
	After  string `json:"after,omitempty"` // the last hash queued (hex)
	Queued int    `json:"queued"`          // analyses queued (not those queued already)
	Done   bool   `json:"done,omitempty"`
}

type reanalyzeWorker struct {
	river.WorkerDefaults[ReanalyzeArgs]
	s *Service
}

// Timeout: a page takes well under a second; a job that runs out of time
// is retried, and goes on where it was.
func (w *reanalyzeWorker) Timeout(*river.Job[ReanalyzeArgs]) time.Duration { return 30 * time.Minute }

func (w *reanalyzeWorker) Work(ctx context.Context, job *river.Job[ReanalyzeArgs]) error {
	var p reanalysisProgress
	if out := job.Output(); len(out) > 0 { // run before: go on after its last page
		err := json.Unmarshal(out, &p)
		if err == nil {
			_, err = hex.DecodeString(p.After)
		}
		if err != nil {
			w.s.o.Log.Warn("re-analysis progress unreadable: going through every message again", "job", job.ID, "err", err)
			p = reanalysisProgress{}
		}
	}
	p, err := w.s.queueReanalysis(ctx, job.Args.TenantID, job.Args.Outdated, p, func(now reanalysisProgress) error {
		_, err := w.s.q.JobUpdate(ctx, job.ID, &river.JobUpdateParams{Output: now})
		return err
	})
	if err != nil {
		return err
	}
	p.Done = true
	return river.RecordOutput(ctx, p)
}

// queueReanalysis queues the analyses of the re-analysis's messages after
// p.After (a hash in hex, valid or ""), a page at a time, at
// reanalysisPriority, and calls saved (if set) with the progress after
// each page. Forced (not outdated), the analyses replace reports of the
// current analyzer version too.
func (s *Service) queueReanalysis(ctx context.Context, tenantID string, outdated bool, p reanalysisProgress, saved func(reanalysisProgress) error) (reanalysisProgress, error) {
	after, _ := hex.DecodeString(p.After)
	version := s.outdatedFor(outdated)
	for {
		hashes, err := s.o.Store.MessageHashes(ctx, tenantID, version, after, s.page)
		if err != nil || len(hashes) == 0 {
			return p, err
		}
		jobs := make([]river.InsertManyParams, len(hashes))
		for i, h := range hashes {
			jobs[i] = river.InsertManyParams{
				Args:       AnalyzeArgs{TenantID: tenantID, SHA256: hex.EncodeToString(h), Force: !outdated},
				InsertOpts: &river.InsertOpts{UniqueOpts: uniqueWhileQueued(), Priority: reanalysisPriority},
			}
		}
		res, err := s.q.InsertMany(ctx, jobs)
		if err != nil {
			return p, err
		}
		for _, r := range res {
			if !r.UniqueSkippedAsDuplicate {
				p.Queued++
			}
		}
		after = hashes[len(hashes)-1]
		p.After = hex.EncodeToString(after)
		if saved != nil {
			if err := saved(p); err != nil {
				return p, err
			}
		}
		if len(hashes) < s.page {
			return p, nil
		}
	}
}
