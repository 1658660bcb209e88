// Package ingest is the loop that makes qtriage autonomous: for every
// connected tenant it lists new quarantine items, exports each message
// before Microsoft expires it, stores it once per content hash, analyses it
// and keeps the report — through throttling, crashes and several workers.
//
// Work is done by River jobs (service.go): a periodic schedule job enqueues a
// sync job per tenant; a sync lists items and enqueues one export job per
// item still to export; an export stores the message and enqueues one
// analysis job per new message. A re-analysis (after a change of the
// tenant's detection settings, or of the analyzer) is one job per tenant
// that queues the analyses of its messages a page at a time, behind all of
// that work. Every job is idempotent and every step re-derives what is
// left from the database, so a crash at any instant loses nothing and
// duplicates nothing: the next sync re-enqueues whatever is pending, and
// unique jobs keep duplicates out of the queue.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/qtriage/qtriage/internal/store"
)

// Errors a Source classifies its failures into. Anything else is transient
// and retried with backoff.
var (
	// ErrItemGone: the item no longer exists at Microsoft (released or
	// deleted elsewhere, or expired). Permanent for that item.
	ErrItemGone = errors.New("ingest: quarantine item no longer exists")
	// ErrItemPermanent: this item cannot be exported (a malformed identity,
	// an item type that has no message). Recorded, not retried.
	ErrItemPermanent = errors.New("ingest: item cannot be exported")
	// ErrSetup: the tenant's connection is broken (token refused, role
	// missing). Sync stops for that tenant until it works again; other
	// tenants carry on.
	ErrSetup = errors.New("ingest: tenant setup is broken")
)

// Window is a range of received times to list.
type Window struct{ Start, End time.Time }

// Source is what ingest needs from a tenant's Microsoft 365.
type Source interface {
	// List calls fn with each page of quarantine items received in w.
	List(ctx context.Context, w Window, fn func([]store.QuarantineItem) error) error
	// Export returns the raw RFC 5322 bytes of one item.
	Export(ctx context.Context, identity string) ([]byte, error)
}

// Connector opens a tenant's Source. Its errors are tenant-level: wrap
// ErrSetup when the setup is at fault, and say which step in the message.
type Connector interface {
	Connect(ctx context.Context, t store.Tenant) (Source, error)
}

// Analysis is the result of analysing one message, ready to store.
type Analysis struct {
	AnalyzerVersion string
	Verdict         string
	Confidence      float64
	Category        string
	Sender          string // lower-case From address
	SenderDomain    string
	Brand           string // impersonated brand, "" when none
	JSON            []byte // the whole report
}

// Analyzer analyses a raw message for a tenant, with the tenant's detection
// settings as they are when the message is analysed. An error fails the
// job, which River retries: for failures that may pass (the history could
// not be read), not for what the message is (unreadable, too slow to
// analyse), which belongs in the report.
type Analyzer interface {
	Version() string
	Analyze(ctx context.Context, t store.Tenant, settings store.DetectionSettings, raw []byte, history HistoryFunc) (Analysis, error)
}

// HistoryFunc looks up how often a sender has sent this tenant mail before.
type HistoryFunc func(ctx context.Context, address, domain string) (store.SenderHistory, error)

// Options configure the pipeline.
type Options struct {
	Store     store.Store
	DB        string // the database URL: selects River's driver
	Connector Connector
	Analyzer  Analyzer
	// Diagnose, if set, runs the connection test when a tenant's setup is
	// found broken; its JSON is recorded with the tenant's sync state.
	Diagnose func(ctx context.Context, t store.Tenant) []byte
	Log      *slog.Logger
	Now      func() time.Time

	// Interval between periodic syncs of each tenant (default 5 minutes).
	Interval time.Duration
	// Backfill is how far back the first sync lists (default 30 days, what
	// the service keeps).
	Backfill time.Duration
	// Overlap is how far before the last sync's start a later sync lists
	// again, to catch items listed late (default 2 hours).
	Overlap time.Duration
	// Workers is how many jobs one process runs at once (default 8).
	Workers int
	// ExportTimeout bounds one export job (default 2 minutes).
	ExportTimeout time.Duration
	// PollInterval is how often idle workers look for new jobs (River's
	// default, 1 s, when zero). SQLite has no LISTEN/NOTIFY, so this is the
	// latency of a new job there.
	PollInterval time.Duration
	// Schedule enables the periodic scheduler (serve); workers-only
	// processes leave it off. River's leader election keeps one scheduler
	// among several processes anyway.
	Schedule bool
	// ID names this process in the job queue: River records it in each
	// job's attempted_by. It must differ between pipelines running at the
	// same time on one database (two in one process need their own);
	// default "hostname-pid". Jobs a dead process of this machine left
	// running are made available again (see reapOrphans), which needs the
	// default form.
	ID string
	// Registerer receives the pipeline's Prometheus metrics (nil: none).
	Registerer prometheus.Registerer
}

func (o *Options) defaults() error {
	if o.Store == nil || o.Connector == nil || o.Analyzer == nil {
		return errors.New("ingest: Store, Connector and Analyzer are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Interval <= 0 {
		o.Interval = 5 * time.Minute
	}
	if o.Backfill <= 0 {
		o.Backfill = 30 * 24 * time.Hour
	}
	if o.Overlap <= 0 {
		o.Overlap = 2 * time.Hour
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.ExportTimeout <= 0 {
		o.ExportTimeout = 2 * time.Minute
	}
	if o.ID == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "localhost"
		}
		o.ID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return nil
}
