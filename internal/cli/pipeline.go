package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/analysis"
	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/webhook"
)

// pipeline builds the sync pipeline on this process's store: the tenant's
// Exchange Online through entra and exchange, the analysis engine, River.
func (a *app) pipeline(ctx context.Context, schedule bool, reg prometheus.Registerer) (*ingest.Service, *ingest.M365, error) {
	svc, err := a.tenants(ctx)
	if err != nil {
		return nil, nil, err
	}
	cfg, _ := a.config()
	log, _ := a.logger()
	engine, err := analysis.NewEngine(analysis.Options{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	conn := &ingest.M365{Tenants: svc, Log: log}
	p, err := ingest.New(ctx, ingest.Options{
		Store: svc.Store, DB: cfg.DB, Connector: conn, Analyzer: ingest.Engine{Engine: engine}, Diagnose: conn.Diagnose,
		Log: log, Now: a.now, Interval: cfg.Interval(), Workers: cfg.Workers, Schedule: schedule, Registerer: reg,
	})
	if err != nil {
		return nil, nil, err
	}
	// With PostgreSQL, the limit of requests to each tenant holds across
	// every process.
	conn.Exchange.Slots = p.Slots()
	conn.Observer = p
	return p, conn, nil
}

// startWebhooks runs the webhook dispatcher until the returned stop is
// called; stop waits for the deliveries in flight.
func (a *app) startWebhooks(ctx context.Context, reg prometheus.Registerer) (stop func(), err error) {
	svc, err := a.tenants(ctx)
	if err != nil {
		return nil, err
	}
	cfg, _ := a.config()
	log, _ := a.logger()
	d, err := webhook.NewDispatcher(webhook.Options{Store: svc.Store, KEK: svc.KEK, Log: log.With("component", "webhook"),
		AllowInsecure: cfg.WebhookAllowInsecure, UserAgent: "qtriage-webhook/" + version, Registerer: reg})
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); d.Run(dctx) }()
	return func() { cancel(); <-done }, nil
}

func (a *app) workerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run sync, export and analysis jobs only (no web server, no scheduler)",
		Long:  "Runs the job workers. With PostgreSQL, any number of worker and serve processes on any machines share the work.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := a.config()
			if err != nil {
				return err
			}
			log, _ := a.logger()
			reg := prometheus.NewRegistry()
			p, _, err := a.pipeline(ctx, false, reg)
			if err != nil {
				return err
			}
			// Everything that can fail is set up before the jobs start.
			stopWebhooks, err := a.startWebhooks(ctx, reg)
			if err != nil {
				return err
			}
			defer stopWebhooks()
			if cfg.MetricsListen != "" {
				stop, err := serveMetrics(cfg.MetricsListen, reg, log)
				if err != nil {
					return err
				}
				defer stop()
			}
			if err := p.Start(ctx); err != nil {
				if ctx.Err() != nil {
					return nil // stopped while starting
				}
				return err
			}
			log.Info("worker started")
			<-ctx.Done()
			log.Info("worker stopping: finishing running jobs")
			stopCtx, cancel := contextWithoutCancel(ctx, 30*time.Second)
			defer cancel()
			return p.Stop(stopCtx)
		},
	}
}

// serveMetrics serves /metrics (the process's registry, with Go and
// process metrics) and /healthz on addr, for a worker, which has no other
// listener; stop shuts it down.
func serveMetrics(addr string, reg *prometheus.Registry, log *slog.Logger) (stop func(), err error) {
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics_listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("worker metrics listening", "addr", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// tenantStatus is one line of `qtriage status --json`.
type tenantStatus struct {
	Slug              string     `json:"slug"`
	Items             int        `json:"items"`
	Messages          int        `json:"messages"`
	Reports           int        `json:"reports"`
	Pending           int        `json:"pending"`
	Failed            int        `json:"failed"`
	ExpiredUnexported int        `json:"expired_unexported"`
	LastSync          *time.Time `json:"last_sync"`
	LastError         string     `json:"last_error"`
	Paused            bool       `json:"paused"`
	Connected         bool       `json:"connected"`
}

func statusOf(ctx context.Context, st store.Store, t store.Tenant) (tenantStatus, error) {
	c, err := st.Counts(ctx, t.ID)
	if err != nil {
		return tenantStatus{}, err
	}
	s, err := st.SyncState(ctx, t.ID)
	if err != nil {
		return tenantStatus{}, err
	}
	return tenantStatus{Slug: t.Slug, Items: c.Items, Messages: c.Messages, Reports: c.Reports, Pending: c.Pending, Failed: c.Failed,
		ExpiredUnexported: c.ExpiredUnexported, LastSync: s.LastFinishedAt, LastError: s.LastError, Paused: s.Paused, Connected: t.Connection != nil}, nil
}

func (a *app) statusCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each tenant's sync: items, messages, reports, pending work, failures, last sync and error",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := a.store(ctx)
			if err != nil {
				return err
			}
			tenants, err := st.Tenants(ctx)
			if err != nil {
				return err
			}
			out := []tenantStatus{}
			for _, t := range tenants {
				s, err := statusOf(ctx, st, t)
				if err != nil {
					return err
				}
				out = append(out, s)
			}
			if asJSON {
				return printJSON(a.stdout, map[string]any{"tenants": out})
			}
			w := table(a.stdout)
			fmt.Fprintln(w, "TENANT\tITEMS\tMESSAGES\tREPORTS\tPENDING\tFAILED\tEXPIRED\tLAST SYNC\tLAST ERROR")
			for _, s := range out {
				last := "never"
				if s.LastSync != nil {
					last = s.LastSync.Format("2006-01-02 15:04:05Z07:00")
				}
				if !s.Connected {
					last = "not connected"
				}
				fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", s.Slug, s.Items, s.Messages, s.Reports, s.Pending, s.Failed, s.ExpiredUnexported, last, printable(s.LastError, 80))
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) syncCommand() *cobra.Command {
	var wait bool
	cmd := &cobra.Command{
		Use:   "sync <slug> [--wait]",
		Short: "Sync a tenant's quarantine now; --wait works the jobs here and shows progress until done",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.store(ctx)
			if err != nil {
				return err
			}
			t, err := st.Tenant(ctx, args[0])
			if err != nil {
				return fmt.Errorf("tenant %q: %w", args[0], err)
			}
			if t.Connection == nil {
				return fmt.Errorf("tenant %s is not connected (run qtriage tenant connect %s)", t.Slug, t.Slug)
			}
			p, _, err := a.pipeline(ctx, false, nil)
			if err != nil {
				return err
			}
			started := a.now().UTC()
			if err := p.SyncNow(ctx, t.ID); err != nil {
				return err
			}
			if !wait {
				_, err := fmt.Fprintf(a.stdout, "sync of %s queued; a running serve or worker process will do it\n", t.Slug)
				return err
			}
			if err := p.Start(ctx); err != nil {
				return err
			}
			defer func() {
				stopCtx, cancel := contextWithoutCancel(ctx, 30*time.Second)
				defer cancel()
				_ = p.Stop(stopCtx)
			}()
			return a.waitForSync(ctx, st, t, started, a.stdout)
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "work the sync here and wait until every item is exported and analysed")
	return cmd
}

// waitForSync writes progress lines to w until the sync started after
// started has finished and nothing is left to export or analyse.
func (a *app) waitForSync(ctx context.Context, st store.Store, t store.Tenant, started time.Time, w io.Writer) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	begin := time.Now()
	last := ""
	for {
		s, err := statusOf(ctx, st, t)
		if err != nil {
			return err
		}
		state, err := st.SyncState(ctx, t.ID)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s: %d items listed, %d exported (%d messages), %d analysed, %d waiting, %d failed",
			t.Slug, s.Items, s.Items-s.Pending-s.Failed-s.ExpiredUnexported, s.Messages, s.Reports, s.Pending, s.Failed)
		if line != last {
			rate := float64(s.Reports) / time.Since(begin).Seconds()
			fmt.Fprintf(w, "%s (%.1f analysed/s)\n", line, rate)
			last = line
		}
		if state.LastError != "" && state.LastStartedAt != nil && !state.LastStartedAt.Before(started) {
			return errors.New("sync failed: " + state.LastError)
		}
		if state.LastFinishedAt != nil && !state.LastFinishedAt.Before(started) && s.Pending == 0 && s.Reports >= s.Messages {
			_, err := fmt.Fprintf(w, "sync of %s done in %s\n", t.Slug, time.Since(begin).Round(time.Millisecond))
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (a *app) reanalyzeCommand() *cobra.Command {
	var slug string
	var outdated bool
	cmd := &cobra.Command{
		Use:   "reanalyze [--tenant slug] [--outdated]",
		Short: "Queue analysis of stored messages again (--outdated: only those an older analyzer judged)",
		Long: `Queues the analysis of each tenant's stored messages again (or of one tenant's,
with --tenant): every message, or with --outdated those without a report of
this analyzer version (after an upgrade). It queues them here, a thousand at a
time, and prints how many it queued; a running serve or worker process
analyses them, after every sync, export and analysis of new mail (re-analyses
take the lowest priority). Analyses still queued, by an earlier run or by a
re-analysis asked for in the console, are neither queued again nor counted, so
an interrupted run can simply be run again. A message whose verdict does not
change is not announced to webhooks again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := a.store(ctx)
			if err != nil {
				return err
			}
			var tenants []store.Tenant
			if slug != "" {
				t, err := st.Tenant(ctx, slug)
				if err != nil {
					return fmt.Errorf("tenant %q: %w", slug, err)
				}
				tenants = append(tenants, t)
			} else if tenants, err = st.Tenants(ctx); err != nil {
				return err
			}
			p, _, err := a.pipeline(ctx, false, nil)
			if err != nil {
				return err
			}
			for _, t := range tenants {
				n, err := p.QueueReanalysis(ctx, t.ID, outdated)
				if err != nil {
					return fmt.Errorf("%s: %w (%d messages queued before it)", t.Slug, err, n)
				}
				fmt.Fprintf(a.stdout, "%s: %d messages queued for analysis\n", t.Slug, n)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&slug, "tenant", "", "only this tenant")
	cmd.Flags().BoolVar(&outdated, "outdated", false, "only messages whose report an older analyzer version made")
	return cmd
}
