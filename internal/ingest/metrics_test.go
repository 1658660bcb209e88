package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
)

// metricValue returns the value of the series of name whose labels
// include labels (name=value pairs), and whether it exists.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels ...string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == labels[i] && l.GetValue() == labels[i+1] }) {
					continue series
				}
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue(), true
			case m.Gauge != nil:
				return m.GetGauge().GetValue(), true
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

// TestMetrics: the pipeline's counters, histograms and gauges follow what
// it did, and River records the process ID given in Options.ID.
func TestMetrics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := storetest.SQLiteURL(t)
	st, ten := setup(t, dbURL)
	now := time.Now().UTC()
	src := &fakeSource{raw: map[string][]byte{}, transient: map[string]int{}, gone: map[string]bool{}, exports: map[string]int{}}
	for i := range 6 {
		src.add(fmt.Sprintf(`m%d\r1`, i), now.Add(-time.Duration(i+1)*time.Hour), now.Add(time.Duration(29-i)*24*time.Hour), fmt.Sprintf("Subject: m %d\r\n\r\nb", i))
	}
	src.transient[`m1\r1`] = 1
	src.gone[`m2\r1`] = true
	src.add(`late\r1`, now.Add(-29*24*time.Hour), now.Add(-time.Minute), "expired")

	reg := prometheus.NewRegistry()
	pipe := syncing(t, ingest.Options{Store: st, DB: dbURL, Connector: fakeConnector{src}, Analyzer: &fakeAnalyzer{},
		PollInterval: 20 * time.Millisecond, Registerer: reg, ID: "metrics-test-1"}, ten.ID)
	waitFor(t, "the pipeline to drain", func() bool {
		c, _ := st.Counts(ctx, ten.ID)
		return c.Items == 7 && c.Pending == 0 && c.Reports == 5
	})

	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"qtriage_ingest_items_seen_total", []string{"tenant", "contoso"}, 7},
		{"qtriage_ingest_items_exported_total", []string{"tenant", "contoso"}, 5},
		{"qtriage_ingest_messages_analyzed_total", []string{"tenant", "contoso"}, 5},
		{"qtriage_ingest_items_expired_unexported_total", []string{"tenant", "contoso"}, 1},
		{"qtriage_ingest_errors_total", []string{"cause", "transient"}, 1},
		{"qtriage_ingest_errors_total", []string{"cause", "item_permanent"}, 1},
		{"qtriage_ingest_export_duration_seconds", nil, 5},
		{"qtriage_ingest_analysis_duration_seconds", nil, 5},
	} {
		if got, ok := metricValue(t, reg, c.name, c.labels...); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// The first sync saw six items waiting, received 1 to 6 hours ago and
	// expiring in 29 to 24 days.
	if age, ok := metricValue(t, reg, "qtriage_ingest_oldest_unexported_age_seconds", "tenant", "contoso"); !ok || age < 6*3600 || age > 7*3600 {
		t.Errorf("oldest unexported age %v (present %v)", age, ok)
	}
	if left, ok := metricValue(t, reg, "qtriage_ingest_unexported_expires_in_seconds", "tenant", "contoso"); !ok || left < 23*24*3600 || left > 24*24*3600 {
		t.Errorf("least time left %v (present %v)", left, ok)
	}
	if at, ok := metricValue(t, reg, "qtriage_ingest_last_sync_timestamp_seconds", "tenant", "contoso"); !ok || at < float64(now.Unix()) {
		t.Errorf("last sync %v (present %v)", at, ok)
	}
	// Queue depth is read when scraped: the periodic series exist once a
	// job waits.
	if err := pipe.SyncNow(ctx, ten.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Gather(); err != nil {
		t.Fatalf("gather with the queue-depth collector: %v", err)
	}

	db, _ := store.WriterDB(st)
	var by string
	if err := db.QueryRow(`SELECT json(attempted_by) FROM river_job WHERE kind = 'qtriage.export' AND state = 'completed' LIMIT 1`).Scan(&by); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := json.Unmarshal([]byte(by), &ids); err != nil || !slices.Contains(ids, "metrics-test-1") {
		t.Fatalf("attempted_by %s (%v), want metrics-test-1", by, err)
	}

	// No Registerer, no metrics, and a second pipeline may register with
	// its own registry.
	other, err := ingest.New(ctx, ingest.Options{Store: st, DB: dbURL, Connector: fakeConnector{src}, Analyzer: &fakeAnalyzer{}, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	_ = other.Stop(ctx)
	if _, err := ingest.New(ctx, ingest.Options{Store: st, DB: dbURL, Connector: fakeConnector{src}, Analyzer: &fakeAnalyzer{}, Registerer: reg}); err == nil {
		t.Fatal("registering the same metrics twice in one registry succeeded")
	}
}
