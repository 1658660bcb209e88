package cli

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/web"
)

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the web console, the API, the scheduler and the job workers (migrates the database first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), nil, nil)
		},
	}
}

// serve runs the pipeline (scheduler and workers) and the web server until
// ctx is cancelled. started, if set, runs once both are up, with the
// server's address and the pipeline; an error from it stops everything.
func (a *app) serve(ctx context.Context, ln net.Listener, started func(ctx context.Context, addr string, pipe *ingest.Service) error) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	log, err := a.logger()
	if err != nil {
		return err
	}
	svc, err := a.tenants(ctx) // opens and migrates the store, loads the master key
	if err != nil {
		return err
	}
	if _, err := svc.WarnExpiring(ctx); err != nil {
		return err
	}
	// One registry: /metrics shows the server's and the pipeline's metrics.
	reg := prometheus.NewRegistry()
	pipe, conn, err := a.pipeline(ctx, true, reg)
	if err != nil {
		return err
	}
	if err := pipe.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := contextWithoutCancel(ctx, 30*time.Second)
		defer cancel()
		if err := pipe.Stop(stopCtx); err != nil {
			log.Warn("stopping the job workers", "err", err)
		}
	}()
	stopWebhooks, err := a.startWebhooks(ctx, reg)
	if err != nil {
		return err
	}
	defer stopWebhooks()
	h, err := web.New(web.Options{Store: svc.Store, Tenants: svc, Actions: conn, Tester: conn, Reanalyzer: pipe, Registry: reg, Log: log, PublicHost: cfg.PublicHost, Now: a.now,
		WebhookAllowInsecure: cfg.WebhookAllowInsecure})
	if err != nil {
		return err
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	log.Info("qtriage listening", "addr", "http://"+ln.Addr().String(), "db", redactDB(cfg.DB), "version", version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if started != nil {
		if err := started(ctx, ln.Addr().String(), pipe); err != nil {
			shutCtx, cancel := contextWithoutCancel(ctx, 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(shutCtx)
			return err
		}
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := contextWithoutCancel(ctx, 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
