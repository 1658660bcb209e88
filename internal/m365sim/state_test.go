package m365sim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := validCert(t)
	keys, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	s1, err := New(Options{StateDir: dir, SigningKey: keys[2]})
	if err != nil {
		t.Fatal(err)
	}
	res := setupTenant(t, s1, "persist", c)
	items := seedOne(t, s1, res.DirectoryID)
	if _, err := s1.SetFaults(res.DirectoryID, Faults{Rate429: 0.25, Latency: Duration(time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	caBefore, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := newTestSim(t, Options{StateDir: dir, SigningKey: keys[2]})
	if string(s2.CAPEM()) != string(caBefore) || s2.CAFile() != filepath.Join(dir, "ca.pem") {
		t.Error("CA changed across restart")
	}
	block, _ := pem.Decode(caBefore)
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		t.Fatalf("ca.pem: %v", err)
	}
	got, err := s2.Quarantine("persist")
	if err != nil || len(got) != 2 || got[0].Identity() != items[0].Identity() && got[0].Identity() != items[1].Identity() {
		t.Fatalf("quarantine after restart: %v %+v", err, got)
	}
	f, _ := s2.TenantFaults("persist")
	if f.Rate429 != 0.25 || f.Latency != Duration(time.Millisecond) {
		t.Errorf("faults after restart: %+v", f)
	}
	// The app, its certificate and roles still work, and messages export.
	tok := tokenFor(t, s2, res, c)
	r := invoke(t, s2, res.Organization, tok, "Export-QuarantineMessage", map[string]any{"Identity": items[0].Identity()})
	if r.status != 200 {
		t.Fatalf("export after restart: %d %s", r.status, r.body)
	}
}

func TestSeedDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a.eml", sampleEML)
	write("b.eml", string(emlN(7, "carol@contoso.com")))
	write("b.json", `{"type":"Malware","policy_name":"Strict","received":"2026-11-20T10:00:00Z","recipient_tag":["Priority Account"]}`)
	write("c.eml", "not a message at all")
	write("notes.txt", "ignored")
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := newTestSim(t, Options{Now: func() time.Time { return now }, SeedDir: dir, SeedTenant: "seeded"})
	items, err := s.Quarantine("seeded")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("%d items, want 3: %+v", len(items), items)
	}
	var b *QuarantineItem
	for i := range items {
		if items[i].Recipient == "carol@contoso.com" {
			b = &items[i]
		}
		if items[i].Received.Before(now.Add(-SeedSpread)) || items[i].Received.After(now) {
			t.Errorf("received %v outside the last 14 days", items[i].Received)
		}
	}
	if b == nil || b.Type != TypeMalware || b.PolicyName != "Strict" || !b.Received.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) || b.Subject != "Message 7" {
		t.Errorf("sidecar not applied: %+v", b)
	}
	// Seeding again is deterministic and adds nothing, not even what was
	// deleted meanwhile.
	s.mu.Lock()
	st := s.findTenant("seeded")
	st.removeLocked(st.Items[:1])
	s.mu.Unlock()
	res, err := s.Seed("seeded", dir)
	if err != nil || res.Items != 0 || res.Skipped != 1 {
		t.Errorf("reseed: %+v %v", res, err)
	}
	if after, _ := s.Quarantine("seeded"); len(after) != 2 {
		t.Errorf("deleted item came back: %d items", len(after))
	}
	s2 := newTestSim(t, Options{Now: func() time.Time { return now }, SeedDir: dir, SeedTenant: "seeded"})
	items2, _ := s2.Quarantine("seeded")
	for i := range items {
		if items[i].Identity() != items2[i].Identity() || !items[i].Received.Equal(items2[i].Received) || items[i].Type != items2[i].Type {
			t.Errorf("seeding is not deterministic: %+v vs %+v", items[i], items2[i])
		}
	}
}

func TestServeAndAdminClient(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	keys, _ := testKeys()
	pr, pw := newPipe()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, Options{StateDir: dir, SigningKey: keys[2]}, pw) }()
	line := <-pr
	var ready Ready
	if err := jsonUnmarshal(line, &ready); err != nil || !strings.HasPrefix(ready.URL, "https://127.0.0.1:") || ready.CAFile != filepath.Join(dir, "ca.pem") {
		t.Fatalf("ready line %q: %v", line, err)
	}
	c := validCert(t)
	certFile := filepath.Join(t.TempDir(), "qtriage.pem")
	if err := os.WriteFile(certFile, c.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	client, err := NewAdminClient(ready.URL, ready.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	verbs := map[string]AdminVerb{}
	for _, v := range AdminVerbs() {
		verbs[v.Name] = v
	}
	run := func(verb string, a AdminArgs) map[string]any {
		t.Helper()
		out, err := verbs[verb].Run(ctx, client, a)
		if err != nil {
			t.Fatalf("%s: %v", verb, err)
		}
		var m map[string]any
		if err := jsonUnmarshal(string(out), &m); err != nil {
			t.Fatalf("%s printed %q", verb, out)
		}
		return m
	}
	str := func(kv ...string) AdminArgs {
		a := AdminArgs{Strings: map[string]string{}, Lists: map[string][]string{}, Bools: map[string]bool{}}
		for i := 0; i < len(kv); i += 2 {
			a.Strings[kv[i]] = kv[i+1]
		}
		return a
	}
	// Step by step, like a customer.
	ten := run("tenant-create", str("name", "stepwise"))
	app := run("app-create", str("tenant", "stepwise", "name", "qtriage"))
	appID := app["app_id"].(string)
	cert := run("cert-upload", str("tenant", "stepwise", "app", appID, "file", certFile))
	if cert["thumbprint_sha1"] == "" {
		t.Errorf("cert-upload: %v", cert)
	}
	perm := str("tenant", "stepwise", "app", appID)
	perm.Bools["consent"] = true
	if m := run("permission-add", perm); m["consent_granted"] != true {
		t.Errorf("permission-add: %v", m)
	}
	run("sp-create", str("tenant", "stepwise", "app", appID))
	run("role-assign", str("tenant", "stepwise", "app", appID, "role", "Transport Hygiene"))
	run("directory-role-assign", str("tenant", "stepwise", "app", appID, "role", "Security Reader"))
	// The whole guide in one call.
	setup := str("tenant-name", "oneshot", "cert", certFile)
	setup.Lists["skip"] = []string{"role"}
	res := run("setup", setup)
	if res["organization"] != "oneshot.onmicrosoft.com" || res["authority_url"] != ready.URL+"/" || res["exchange_url"] != ready.URL || res["app_id"] == "" || res["directory_id"] == "" {
		t.Errorf("setup: %v", res)
	}
	run("app-disable", str("tenant", ten["id"].(string), "app", appID))
	emlFile := filepath.Join(t.TempDir(), "m.eml")
	if err := os.WriteFile(emlFile, []byte(sampleEML), 0o600); err != nil {
		t.Fatal(err)
	}
	if m := run("quarantine-add", str("tenant", "stepwise", "file", emlFile, "type", "Phish")); len(m["items"].([]any)) != 2 {
		t.Errorf("quarantine-add: %v", m)
	}
	if m := run("quarantine-list", str("tenant", "stepwise")); len(m["items"].([]any)) != 2 {
		t.Errorf("quarantine-list: %v", m)
	}
	if m := run("faults", str("tenant", "stepwise", "json", `{"rate_429":0.5,"retry_after":0.25,"latency":"5ms"}`)); m["rate_429"] != 0.5 || m["latency"] != "5ms" {
		t.Errorf("faults: %v", m)
	}
	seedDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(seedDir, "x.eml"), emlN(3), 0o600); err != nil {
		t.Fatal(err)
	}
	if m := run("seed", str("tenant", "oneshot", "dir", seedDir)); m["items"] != float64(1) {
		t.Errorf("seed: %v", m)
	}
	stats := run("stats", str())
	if stats["requests"].(float64) < 8 {
		t.Errorf("stats: %v", stats)
	}
	if _, err := verbs["app-create"].Run(ctx, client, str("tenant", "nosuch", "name", "x")); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown tenant: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestOwnServerCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, _, err := loadOrCreateCA("")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ca.serverCertificate(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_ = pair
	// serverCertificate wrote server.pem and server-key.pem into dir.
	s := newTestSim(t, Options{TLSCertFile: filepath.Join(dir, serverCertName), TLSKeyFile: filepath.Join(dir, serverKeyName)})
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := New(Options{TLSCertFile: "x.pem"}); err == nil {
		t.Error("tls cert without key accepted")
	}
}

func TestTLSWithInjectedClock(t *testing.T) {
	t.Parallel()
	future := time.Now().AddDate(3, 0, 0)
	s := newTestSim(t, Options{Now: func() time.Time { return future }})
	resp, err := s.HTTPClient().Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatalf("TLS with a clock three years ahead: %v", err)
	}
	resp.Body.Close()
}
