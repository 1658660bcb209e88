// Package config loads qtriage's settings. Every setting has a default, may be
// set in a TOML file (--config), overridden by a QTRIAGE_* environment variable,
// and finally by a command-line flag. Validate reports every problem at once.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the whole of qtriage's configuration. The toml tags are the keys
// of the configuration file; docs/configuration.md lists each setting.
type Config struct {
	DataDir          string `toml:"data_dir"`
	DB               string `toml:"db"`
	LogFormat        string `toml:"log_format"`
	LogLevel         string `toml:"log_level"`
	Listen           string `toml:"listen"`
	PublicHost       string `toml:"public_host"`
	MasterKeyFile    string `toml:"master_key_file"`
	CertKeyBits      int    `toml:"cert_key_bits"`
	CertValidityDays int    `toml:"cert_validity_days"`
	SyncInterval     string `toml:"sync_interval"`
	Workers          int    `toml:"workers"`
	// WebhookAllowInsecure lets webhooks use http:// and reach loopback and
	// private addresses.
	WebhookAllowInsecure bool `toml:"webhook_allow_insecure"`
	// MetricsListen is where a worker serves /metrics; empty: nowhere.
	MetricsListen string `toml:"metrics_listen"`

	// MasterKey is the base64 key-encryption key. It is read only from the
	// environment (QTRIAGE_MASTER_KEY): never from a file qtriage might echo,
	// never from a flag visible in the process list.
	MasterKey string `toml:"-"`
}

// Setting describes one configuration key, for loading and for the docs.
type Setting struct {
	Key     string // TOML key and flag name (with '_' → '-')
	Env     string
	Default string
	Help    string
}

// Settings lists every setting in one place; Load, the CLI flags and the
// documentation all derive from it.
func Settings() []Setting {
	return []Setting{
		{"data_dir", "QTRIAGE_DATA_DIR", "./qtriage-data", "directory for the SQLite database, master.key and other state"},
		{"db", "QTRIAGE_DB", "<data_dir>/qtriage.db", "database: a SQLite file path, or a postgres:// URL"},
		{"log_format", "QTRIAGE_LOG_FORMAT", "text", "log format: text or json"},
		{"log_level", "QTRIAGE_LOG_LEVEL", "info", "log level: debug, info, warn or error"},
		{"listen", "QTRIAGE_LISTEN", "127.0.0.1:8080", "address the HTTP server listens on"},
		{"public_host", "QTRIAGE_PUBLIC_HOST", "qtriage.local", "host name of this qtriage; tenant certificates are issued to <tenant>.<public_host>"},
		{"master_key_file", "QTRIAGE_MASTER_KEY_FILE", "<data_dir>/master.key", "file holding the base64 master key (created on first run when QTRIAGE_MASTER_KEY is unset)"},
		{"cert_key_bits", "QTRIAGE_CERT_KEY_BITS", "2048", "RSA key size of new tenant certificates: 2048, 3072 or 4096"},
		{"cert_validity_days", "QTRIAGE_CERT_VALIDITY_DAYS", "730", "validity of new tenant certificates, in days"},
		{"sync_interval", "QTRIAGE_SYNC_INTERVAL", "5m", "time between two syncs of each tenant's quarantine (a Go duration: 30s, 5m, 1h)"},
		{"workers", "QTRIAGE_WORKERS", "8", "jobs (syncs, exports, analyses) one process runs at once"},
		{"metrics_listen", "QTRIAGE_METRICS_LISTEN", "", "address where `qtriage worker` serves /metrics and /healthz (serve has them on listen); empty: none"},
		{"webhook_allow_insecure", "QTRIAGE_WEBHOOK_ALLOW_INSECURE", "false", "let webhooks use http:// URLs and loopback or private addresses (an in-house receiver); off, only https to public addresses"},
	}
}

// Default returns the configuration with every default applied.
func Default() Config {
	return Config{
		DataDir:          "./qtriage-data",
		LogFormat:        "text",
		LogLevel:         "info",
		Listen:           "127.0.0.1:8080",
		PublicHost:       "qtriage.local",
		CertKeyBits:      2048,
		CertValidityDays: 730,
		SyncInterval:     "5m",
		Workers:          8,
	}
}

// Load builds the configuration: defaults, then the file (if file is not
// empty), then environment variables from getenv, then flags (a map from
// setting key to the value given on the command line; only flags the user set).
// It returns every problem it met, joined, and validates the result.
func Load(file string, getenv func(string) string, flags map[string]string) (Config, error) {
	cfg := Default()
	var errs []error
	if file != "" {
		meta, err := toml.DecodeFile(file, &cfg)
		if err != nil {
			return cfg, fmt.Errorf("config: reading %s: %w", file, err)
		}
		for _, k := range meta.Undecoded() {
			errs = append(errs, fmt.Errorf("config: %s: unknown setting %q", file, k.String()))
		}
	}
	for _, s := range Settings() {
		if v := getenv(s.Env); v != "" {
			errs = append(errs, cfg.set(s.Key, v, s.Env))
		}
	}
	cfg.MasterKey = getenv("QTRIAGE_MASTER_KEY")
	for _, s := range Settings() {
		if v, ok := flags[s.Key]; ok {
			errs = append(errs, cfg.set(s.Key, v, "--"+FlagName(s.Key)))
		}
	}
	if cfg.DB == "" {
		cfg.DB = filepath.Join(cfg.DataDir, "qtriage.db")
	}
	if cfg.MasterKeyFile == "" {
		cfg.MasterKeyFile = filepath.Join(cfg.DataDir, "master.key")
	}
	errs = append(errs, cfg.Validate())
	return cfg, errors.Join(errs...)
}

// FlagName is the command-line flag for a setting key.
func FlagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

func (c *Config) set(key, value, source string) error {
	atoi := func(dst *int) error {
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("config: %s: %q is not a number", source, value)
		}
		*dst = n
		return nil
	}
	switch key {
	case "data_dir":
		c.DataDir = value
	case "db":
		c.DB = value
	case "log_format":
		c.LogFormat = value
	case "log_level":
		c.LogLevel = value
	case "listen":
		c.Listen = value
	case "public_host":
		c.PublicHost = value
	case "master_key_file":
		c.MasterKeyFile = value
	case "cert_key_bits":
		return atoi(&c.CertKeyBits)
	case "cert_validity_days":
		return atoi(&c.CertValidityDays)
	case "sync_interval":
		c.SyncInterval = value
	case "workers":
		return atoi(&c.Workers)
	case "metrics_listen":
		c.MetricsListen = value
	case "webhook_allow_insecure":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("config: %s: %q is not true or false", source, value)
		}
		c.WebhookAllowInsecure = b
	default:
		return fmt.Errorf("config: unknown setting %q", key)
	}
	return nil
}

var hostRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// Validate checks every setting and reports all problems, joined.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("config: "+format, args...)) }
	if c.DataDir == "" {
		bad("data_dir must not be empty")
	}
	if !slices.Contains([]string{"text", "json"}, c.LogFormat) {
		bad("log_format %q: want text or json", c.LogFormat)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		bad("log_level %q: want debug, info, warn or error", c.LogLevel)
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		bad("listen %q: want host:port", c.Listen)
	}
	if !hostRe.MatchString(c.PublicHost) || len(c.PublicHost) > 200 {
		bad("public_host %q: want a lower-case DNS name such as qtriage.example.com", c.PublicHost)
	}
	if !slices.Contains([]int{2048, 3072, 4096}, c.CertKeyBits) {
		bad("cert_key_bits %d: want 2048, 3072 or 4096", c.CertKeyBits)
	}
	if c.CertValidityDays < 30 || c.CertValidityDays > 3650 {
		bad("cert_validity_days %d: want between 30 and 3650", c.CertValidityDays)
	}
	if d, err := time.ParseDuration(c.SyncInterval); err != nil || d < 10*time.Second || d > 24*time.Hour {
		bad("sync_interval %q: want a duration between 10s and 24h, such as 5m", c.SyncInterval)
	}
	if c.MetricsListen != "" {
		if _, port, err := net.SplitHostPort(c.MetricsListen); err != nil || port == "" {
			bad("metrics_listen %q: want host:port", c.MetricsListen)
		}
	}
	if c.Workers < 1 || c.Workers > 256 {
		bad("workers %d: want between 1 and 256", c.Workers)
	}
	return errors.Join(errs...)
}

// Interval is SyncInterval parsed (valid after Validate).
func (c Config) Interval() time.Duration {
	d, _ := time.ParseDuration(c.SyncInterval)
	return d
}

// IsPostgres reports whether the database URL selects PostgreSQL.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// EnsureDataDir creates the data directory (mode 0700) if it is missing.
func (c Config) EnsureDataDir() error {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("config: creating data dir: %w", err)
	}
	return nil
}
