package ingest

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/store"
)

// Error causes, the values of qtriage_ingest_errors_total's cause label.
type errorCause string

const (
	causeTransient     errorCause = "transient"      // retried with backoff
	causeItemPermanent errorCause = "item_permanent" // recorded on the item, not retried
	causeSetup         errorCause = "setup"          // the tenant's setup is broken: its sync stops
)

// metrics are the pipeline's Prometheus metrics. A nil *metrics (no
// Registerer) records nothing.
type metrics struct {
	seen, exported, analysed, expired  *prometheus.CounterVec
	errors, throttled                  *prometheus.CounterVec
	tokens, throttleAnswers            *prometheus.CounterVec
	exportSeconds, analysisSeconds     prometheus.Histogram
	oldestAge, leastTimeLeft, lastSync *prometheus.GaugeVec
}

// newMetrics registers the pipeline's metrics with reg; nil reg means none.
// db, when set, is queried on each scrape for River's queue depth.
func newMetrics(reg prometheus.Registerer, db *sql.DB) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	tenant := []string{"tenant"}
	m := &metrics{
		seen: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qtriage_ingest_items_seen_total", Help: "Quarantine items listed for the first time, by tenant slug.",
		}, tenant),
		exported: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qtriage_ingest_items_exported_total", Help: "Quarantine items exported and stored, by tenant slug.",
		}, tenant),
		analysed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qtriage_ingest_messages_analyzed_total", Help: "Messages analysed and their reports stored, by tenant slug.",
		}, tenant),
		expired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qtriage_ingest_items_expired_unexported_total", Help: "Quarantine items Microsoft expired before qtriage could export them (lost), by tenant slug.",
		}, tenant),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qtriage_ingest_errors_total", Help: "Failed sync, export and analysis attempts by cause: transient (retried), item_permanent (recorded on the item), setup (the tenant's sync stops).",
		}, []string{"cause"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qtriage_ingest_throttled_total", Help: "Exchange Online calls that stayed throttled (429) after the client's own retries, by tenant slug.",
		}, tenant),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qtriage_m365_tokens_fetched_total", Help: "Access tokens fetched from Entra ID (not from the cache), by tenant slug.",
		}, tenant),
		throttleAnswers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qtriage_m365_throttled_responses_total", Help: "Throttled (429) answers from Exchange Online, each one, retried or not, by tenant slug.",
		}, tenant),
		exportSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "qtriage_ingest_export_duration_seconds", Help: "Time to export one quarantine item from Microsoft 365 (retries included).",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 12), // 10 ms … ~10 min
		}),
		analysisSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "qtriage_ingest_analysis_duration_seconds", Help: "Time to analyse one message.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12), // 1 ms … ~60 s
		}),
		oldestAge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "qtriage_ingest_oldest_unexported_age_seconds", Help: "Age (since received) of the oldest item not yet exported, per tenant; set by each sync, absent when nothing waits.",
		}, tenant),
		leastTimeLeft: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "qtriage_ingest_unexported_expires_in_seconds", Help: "Least time left before Microsoft expires an item not yet exported, per tenant; set by each sync, absent when nothing waits.",
		}, tenant),
		lastSync: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "qtriage_ingest_last_sync_timestamp_seconds", Help: "When the tenant's last successful sync finished (Unix time), as seen by this process.",
		}, tenant),
	}
	cs := []prometheus.Collector{m.seen, m.exported, m.analysed, m.expired, m.errors, m.throttled, m.tokens, m.throttleAnswers, m.exportSeconds, m.analysisSeconds,
		m.oldestAge, m.leastTimeLeft, m.lastSync}
	if db != nil {
		cs = append(cs, newQueueDepth(db))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) tokenFetched(tenant string) {
	if m != nil {
		m.tokens.WithLabelValues(tenant).Inc()
	}
}

func (m *metrics) throttleAnswer(tenant string) {
	if m != nil {
		m.throttleAnswers.WithLabelValues(tenant).Inc()
	}
}

func (m *metrics) itemsSeen(tenant string, n int) {
	if m != nil && n > 0 {
		m.seen.WithLabelValues(tenant).Add(float64(n))
	}
}

func (m *metrics) itemExported(tenant string, took time.Duration) {
	if m != nil {
		m.exported.WithLabelValues(tenant).Inc()
		m.exportSeconds.Observe(took.Seconds())
	}
}

func (m *metrics) messageAnalysed(tenant string, took time.Duration) {
	if m != nil {
		m.analysed.WithLabelValues(tenant).Inc()
		m.analysisSeconds.Observe(took.Seconds())
	}
}

func (m *metrics) synced(tenant string, at time.Time) {
	if m != nil {
		m.lastSync.WithLabelValues(tenant).Set(float64(at.UnixNano()) / 1e9)
	}
}

func (m *metrics) itemExpired(tenant string) {
	if m != nil {
		m.expired.WithLabelValues(tenant).Inc()
	}
}

// failed counts a failed attempt by its cause.
func (m *metrics) failed(tenant string, err error) {
	if m == nil || err == nil {
		return
	}
	cause := causeTransient
	switch {
	case errors.Is(err, ErrSetup):
		cause = causeSetup
	case errors.Is(err, ErrItemGone), errors.Is(err, ErrItemPermanent):
		cause = causeItemPermanent
	}
	m.errors.WithLabelValues(string(cause)).Inc()
	if errors.Is(err, exchange.ErrThrottled) {
		m.throttled.WithLabelValues(tenant).Inc()
	}
}

// backlog sets the tenant's gauges from the items still to export.
func (m *metrics) backlog(tenant string, pending []store.QuarantineItem, now time.Time) {
	if m == nil {
		return
	}
	if len(pending) == 0 {
		m.oldestAge.DeleteLabelValues(tenant)
		m.leastTimeLeft.DeleteLabelValues(tenant)
		return
	}
	oldest, soonest := pending[0].ReceivedAt, pending[0].ExpiresAt
	for _, it := range pending[1:] {
		if it.ReceivedAt.Before(oldest) {
			oldest = it.ReceivedAt
		}
		if it.ExpiresAt.Before(soonest) {
			soonest = it.ExpiresAt
		}
	}
	m.oldestAge.WithLabelValues(tenant).Set(now.Sub(oldest).Seconds())
	m.leastTimeLeft.WithLabelValues(tenant).Set(soonest.Sub(now).Seconds())
}

// queueDepth reports River's unfinished jobs by kind and state, counted
// when scraped: one indexed GROUP BY, the same figure from every process
// sharing the database.
type queueDepth struct {
	db   *sql.DB
	desc *prometheus.Desc
}

func newQueueDepth(db *sql.DB) queueDepth {
	return queueDepth{db: db, desc: prometheus.NewDesc("qtriage_ingest_queue_jobs",
		"Jobs not yet finished in the queue (shared by all processes on the database), by job kind and state.",
		[]string{"kind", "state"}, nil)}
}

func (q queueDepth) Describe(ch chan<- *prometheus.Desc) { ch <- q.desc }

func (q queueDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := q.db.QueryContext(ctx, `SELECT kind, state, COUNT(*) FROM river_job
WHERE state IN ('available', 'pending', 'retryable', 'running', 'scheduled') GROUP BY kind, state`)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(q.desc, err)
		return
	}
	defer rows.Close()
	// Every kind and state of ours is reported, at 0 when none waits, so
	// that an alert sees 0 rather than no data.
	type key struct{ kind, state string }
	counts := map[key]float64{}
	for _, kind := range []string{ScheduleArgs{}.Kind(), SyncArgs{}.Kind(), ExportArgs{}.Kind(), AnalyzeArgs{}.Kind()} {
		for _, state := range []string{"available", "pending", "retryable", "running", "scheduled"} {
			counts[key{kind, state}] = 0
		}
	}
	for rows.Next() {
		var k key
		var n float64
		if err := rows.Scan(&k.kind, &k.state, &n); err != nil {
			ch <- prometheus.NewInvalidMetric(q.desc, err)
			return
		}
		counts[k] = n
	}
	if err := rows.Err(); err != nil {
		ch <- prometheus.NewInvalidMetric(q.desc, err)
		return
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, n, k.kind, k.state)
	}
}
