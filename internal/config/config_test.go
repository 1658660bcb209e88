package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/qtriage/qtriage/internal/config"
)

// TestDocumented fails when a setting is added without documenting it.
func TestDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range config.Settings() {
		for _, want := range []string{"`" + s.Key + "`", "`" + s.Env + "`", "`--" + config.FlagName(s.Key) + "`"} {
			if !strings.Contains(string(doc), want) {
				t.Errorf("docs/configuration.md does not mention %s", want)
			}
		}
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	env := map[string]string{"QTRIAGE_DATA_DIR": "/srv/q", "QTRIAGE_LOG_LEVEL": "debug", "QTRIAGE_MASTER_KEY": "k"}
	cfg, err := config.Load("", func(k string) string { return env[k] }, map[string]string{"log_level": "warn"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "/srv/q/qtriage.db" || cfg.MasterKeyFile != "/srv/q/master.key" || cfg.LogLevel != "warn" || cfg.MasterKey != "k" {
		t.Fatalf("%+v", cfg)
	}
	if cfg.IsPostgres() {
		t.Fatal("sqlite path taken for postgres")
	}
	cases := map[string]map[string]string{
		"error/bits not a number": {"QTRIAGE_CERT_KEY_BITS": "lots"},
		"error/validity":          {"QTRIAGE_CERT_VALIDITY_DAYS": "5"},
		"error/public host":       {"QTRIAGE_PUBLIC_HOST": "Not A Host"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := config.Load("", func(k string) string { return env[k] }, nil); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
