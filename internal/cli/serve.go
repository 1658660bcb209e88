package cli

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/web"
)

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the web server and API (migrates the database first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
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
			h, err := web.New(web.Options{Store: svc.Store, Tenants: svc, Log: log, PublicHost: cfg.PublicHost, Now: a.now})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return err
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
		},
	}
}
