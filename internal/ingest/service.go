package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/riverqueue/river"

	"github.com/qtriage/qtriage/internal/store"
)

// Service runs the pipeline: River workers, and the scheduler when asked.
type Service struct {
	o     Options
	q     queue
	close func()
	enc   *zstd.Encoder
	dec   *zstd.Decoder
}

// New builds the pipeline on the store's database and migrates River's
// tables. Call Start to begin working and Stop to end.
func New(ctx context.Context, o Options) (*Service, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	s := &Service{o: o}
	var err error
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
	cfg := &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers: workers,
		Logger:  o.Log.With("component", "river"),
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

// Start begins working jobs (and scheduling, if enabled).
func (s *Service) Start(ctx context.Context) error { return s.q.Start(ctx) }

// Stop waits for running jobs to finish (bounded by ctx) and releases the
// queue's resources.
func (s *Service) Stop(ctx context.Context) error {
	err := s.q.Stop(ctx)
	s.close()
	return err
}

// SyncNow queues a sync of one tenant.
func (s *Service) SyncNow(ctx context.Context, tenantID string) error {
	_, err := s.q.Insert(ctx, SyncArgs{TenantID: tenantID}, &river.InsertOpts{UniqueOpts: uniqueWhileQueued(), Priority: 1})
	return err
}

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
			_, err := st.UpsertItems(ctx, page)
			return err
		})
		log.Info("quarantine listed", "items", n, "from", w.Start, "to", w.End)
	}
	if err != nil {
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
	return st.PutSyncState(ctx, state)
}

// queuePending queues an export for every item still listed (closest to
// expiry first, and first in the queue), records items that expired before
// we could export them, and queues analysis of messages without a report.
func (s *Service) queuePending(ctx context.Context, t store.Tenant, now time.Time) error {
	items, err := s.o.Store.PendingItems(ctx, t.ID, 100_000)
	if err != nil {
		return err
	}
	for _, it := range items {
		if !it.ExpiresAt.After(now) {
			s.o.Log.Warn("quarantine item expired before it could be exported", "tenant", t.Slug, "identity", it.Identity, "expired", it.ExpiresAt)
			if err := s.o.Store.SetItemState(ctx, t.ID, it.Identity, store.ItemExpired); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			continue
		}
		if _, err := s.q.Insert(ctx, ExportArgs{TenantID: t.ID, Identity: it.Identity},
			&river.InsertOpts{UniqueOpts: uniqueWhileQueued(), Priority: expiryPriority(it.ExpiresAt.Sub(now))}); err != nil {
			return err
		}
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

// expiryPriority maps time left before expiry to River's priorities (1 is
// worked first), so the items closest to being lost go first.
func expiryPriority(left time.Duration) int {
	switch {
	case left < 48*time.Hour:
		return 1
	case left < 7*24*time.Hour:
		return 2
	case left < 14*24*time.Hour:
		return 3
	default:
		return 4
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
	return w.s.export(ctx, job.Args.TenantID, job.Args.Identity)
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
	src, err := s.o.Connector.Connect(ctx, t)
	var raw []byte
	if err == nil {
		raw, err = src.Export(ctx, identity)
	}
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
	res, err := s.o.Analyzer.Analyze(ctx, t, raw, history)
	if err != nil {
		return err
	}
	return st.PutReport(ctx, store.Report{
		TenantID: a.TenantID, SHA256: sha, AnalyzerVersion: res.AnalyzerVersion, Verdict: res.Verdict,
		Confidence: res.Confidence, Category: res.Category, Sender: strings.ToLower(res.Sender),
		SenderDomain: strings.ToLower(res.SenderDomain), Brand: res.Brand, JSON: res.JSON, AnalyzedAt: s.o.Now().UTC(),
	})
}

// Reanalyze queues analysis of the tenant's stored messages: all of them,
// or (outdated) those without a report of the current analyzer version. It
// returns how many.
func (s *Service) Reanalyze(ctx context.Context, tenantID string, outdated bool) (int, error) {
	// No report has the version "\x00", so that lists every message.
	version := "\x00"
	if outdated {
		version = s.o.Analyzer.Version()
	}
	hashes, err := s.o.Store.Unanalysed(ctx, tenantID, version, 1_000_000)
	if err != nil {
		return 0, err
	}
	for _, h := range hashes {
		if err := s.queueAnalysis(ctx, tenantID, h, !outdated); err != nil {
			return 0, err
		}
	}
	return len(hashes), nil
}
