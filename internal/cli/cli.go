// Package cli is qtriage's command line. Run is the whole program: main only
// calls it, and tests call it the same way with their own arguments, writers
// and context.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/config"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// version is set at build time with -ldflags "-X ...cli.version=...".
var version = "dev"

// Run executes the command line in args (args[0] is the program name) and
// returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return RunIO(ctx, args, os.Getenv, os.Stdin, stdout, stderr)
}

// RunEnv is Run with the environment given explicitly, so tests can run in
// parallel without touching the process environment.
func RunEnv(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return RunIO(ctx, args, getenv, strings.NewReader(""), stdout, stderr)
}

// RunIO is RunEnv with standard input given too.
func RunIO(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	defer a.close()
	root := a.rootCommand()
	if len(args) > 0 {
		args = args[1:]
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "qtriage: "+strings.ReplaceAll(err.Error(), "\n", "\n  "))
		var ex exitError
		if errors.As(err, &ex) {
			return ex.code
		}
		return 1
	}
	return 0
}

// exitError carries an exit code other than 1.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// app holds what commands share; its parts are built on first use so that
// `qtriage version` needs no database.
type app struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time

	configFile string
	flags      *cobra.Command // the root, whose persistent flags hold settings
	cfg        *config.Config
	log        *slog.Logger
	st         store.Store
	kek        *keyring.KEK
	closers    []func() // run by close, after the store
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "qtriage",
		Short:         "Triage Microsoft 365 quarantined mail",
		Long:          "qtriage connects to Microsoft 365 tenants with their own certificates, analyses quarantined mail and helps analysts release or delete it.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "configuration file (TOML)")
	for _, s := range config.Settings() {
		pf.String(config.FlagName(s.Key), "", fmt.Sprintf("%s (env %s, default %s)", s.Help, s.Env, s.Default))
	}
	a.flags = root
	root.AddCommand(
		a.versionCommand(),
		a.migrateCommand(),
		a.tenantCommand(),
		a.certCommand(),
		a.tokenCommand(),
		a.webhookCommand(),
		a.detectionCommand(),
		a.keyringCommand(),
		a.userCommand(),
		newM365simCommand(a.stdout, a.stderr),
		a.serveCommand(),
		a.workerCommand(),
		a.statusCommand(),
		a.syncCommand(),
		a.reanalyzeCommand(),
		a.demoCommand(),
		a.parseCommand(),
		newAnalyzeCommand(a.stdout, a.stderr),
		newEvalCommand(a.stdout, a.stderr),
		a.connectCommand(), a.quarantineCommand(),
	)
	return root
}

// config loads the configuration once: defaults, file, environment, flags.
func (a *app) config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	flags := map[string]string{}
	for _, s := range config.Settings() {
		if f := a.flags.PersistentFlags().Lookup(config.FlagName(s.Key)); f != nil && f.Changed {
			flags[s.Key] = f.Value.String()
		}
	}
	file := a.configFile
	if file == "" {
		file = a.getenv("QTRIAGE_CONFIG")
	}
	cfg, err := config.Load(file, a.getenv, flags)
	if err != nil {
		return nil, err
	}
	a.cfg = &cfg
	return a.cfg, nil
}

func (a *app) logger() (*slog.Logger, error) {
	if a.log != nil {
		return a.log, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	}
	return a.log, nil
}

// store opens the database and applies pending migrations, so every command
// sees the schema it expects.
func (a *app) store(ctx context.Context) (store.Store, error) {
	if a.st != nil {
		return a.st, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	if !cfg.IsPostgres() {
		if err := cfg.EnsureDataDir(); err != nil {
			return nil, err
		}
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	a.st = st
	return st, nil
}

// keyEncryptionKey loads the master key: QTRIAGE_MASTER_KEY if set, else the
// key file. The key file is created only while no tenant exists; creating a
// new key beside keys sealed by a lost one would only hide the loss.
func (a *app) keyEncryptionKey(ctx context.Context) (*keyring.KEK, error) {
	if a.kek != nil {
		return a.kek, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	log, err := a.logger()
	if err != nil {
		return nil, err
	}
	if cfg.MasterKey != "" {
		kek, err := keyring.ParseKEK(cfg.MasterKey)
		if err != nil {
			return nil, fmt.Errorf("QTRIAGE_MASTER_KEY: %w", err)
		}
		a.kek = kek
		return kek, nil
	}
	if _, err := os.Stat(cfg.MasterKeyFile); err == nil {
		kek, err := keyring.LoadKeyFile(cfg.MasterKeyFile)
		if err != nil {
			return nil, err
		}
		a.kek = kek
		return kek, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	st, err := a.store(ctx)
	if err != nil {
		return nil, err
	}
	tenants, err := st.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	if len(tenants) > 0 {
		return nil, fmt.Errorf("master key file %s is missing but the database holds %d tenants whose keys it sealed: restore the file from your backup, or set QTRIAGE_MASTER_KEY", cfg.MasterKeyFile, len(tenants))
	}
	if err := cfg.EnsureDataDir(); err != nil {
		return nil, err
	}
	kek, created, err := keyring.LoadOrCreateKeyFile(cfg.MasterKeyFile)
	if err != nil {
		return nil, err
	}
	if created {
		log.Warn("CREATED A NEW MASTER KEY: back this file up now; without it no tenant private key can be decrypted", "file", cfg.MasterKeyFile, "kek_id", kek.ID)
	}
	a.kek = kek
	return kek, nil
}

// tenants builds the tenant service with the store and master key.
func (a *app) tenants(ctx context.Context) (*tenant.Service, error) {
	st, err := a.store(ctx)
	if err != nil {
		return nil, err
	}
	kek, err := a.keyEncryptionKey(ctx)
	if err != nil {
		return nil, err
	}
	cfg, _ := a.config()
	log, _ := a.logger()
	return &tenant.Service{
		Store: st,
		KEK:   kek,
		Issuer: keyring.Issuer{
			Bits:       cfg.CertKeyBits,
			Validity:   time.Duration(cfg.CertValidityDays) * 24 * time.Hour,
			PublicHost: cfg.PublicHost,
			Now:        a.now,
		},
		Now: a.now,
		Log: log,
	}, nil
}

func (a *app) close() {
	for _, c := range a.closers {
		c()
	}
	if a.st != nil {
		a.st.Close()
	}
}

// tenant opens the store and finds the tenant with that slug.
func (a *app) tenant(ctx context.Context, slug string) (store.Store, store.Tenant, error) {
	st, err := a.store(ctx)
	if err != nil {
		return nil, store.Tenant{}, err
	}
	t, err := st.Tenant(ctx, slug)
	if err != nil {
		return nil, store.Tenant{}, fmt.Errorf("tenant %q: %w", slug, err)
	}
	return st, t, nil
}
