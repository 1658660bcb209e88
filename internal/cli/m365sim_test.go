package cli_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/cli"
)

// TestM365simCommand runs the emulator as a user would, performs the
// customer's setup in it with `m365sim admin setup`, and connects a qtriage
// tenant with the values it prints.
func TestM365simCommand(t *testing.T) {
	t.Parallel()
	e := &env{t: t, vars: map[string]string{"QTRIAGE_DATA_DIR": t.TempDir()}}
	state := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.RunEnv(ctx, []string{"qtriage", "m365sim", "--listen", "127.0.0.1:0", "--state", state}, e.getenv, &stdout, &stderr)
	}()
	var ready struct {
		URL    string `json:"url"`
		CAFile string `json:"ca_file"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		line, _, _ := strings.Cut(stdout.String(), "\n")
		if json.Unmarshal([]byte(line), &ready) == nil && ready.URL != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready line: %q\n%s", stdout.String(), stderr.String())
		}
		select {
		case code := <-done:
			t.Fatalf("m365sim exited %d: %s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !strings.HasPrefix(ready.URL, "https://127.0.0.1:") || ready.CAFile != filepath.Join(state, "ca.pem") {
		t.Fatalf("ready line: %+v", ready)
	}

	e.ok("tenant", "create", "contoso")
	certFile := filepath.Join(t.TempDir(), "contoso.crt")
	e.ok("cert", "download", "contoso", "-o", certFile)
	out := e.ok("m365sim", "admin", "--url", ready.URL, "--ca", ready.CAFile, "setup", "--tenant-name", "contoso", "--cert", certFile)
	var setup struct {
		DirectoryID  string `json:"directory_id"`
		AppID        string `json:"app_id"`
		Organization string `json:"organization"`
		AuthorityURL string `json:"authority_url"`
		ExchangeURL  string `json:"exchange_url"`
	}
	if err := json.Unmarshal([]byte(out), &setup); err != nil || setup.Organization != "contoso.onmicrosoft.com" {
		t.Fatalf("setup: %v %s", err, out)
	}
	e.ok("tenant", "connect", "contoso", "--app-id", setup.AppID, "--directory-id", setup.DirectoryID, "--organization", setup.Organization,
		"--cloud", "custom", "--authority-url", setup.AuthorityURL, "--exchange-url", setup.ExchangeURL, "--ca-file", ready.CAFile)
	if stats := e.ok("m365sim", "admin", "--url", ready.URL, "--ca", ready.CAFile, "stats"); !strings.HasPrefix(strings.TrimSpace(stats), "{") {
		t.Fatalf("stats: %s", stats)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("m365sim exit %d: %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("m365sim did not stop")
	}
}
