package cli_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qtriage/qtriage/internal/cli"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
	"github.com/qtriage/qtriage/internal/web"
)

// env is one qtriage installation: a data dir and a database.
type env struct {
	t    *testing.T
	vars map[string]string
}

// backends runs fn once on SQLite and, when QTRIAGE_TEST_POSTGRES is set,
// once on a fresh PostgreSQL schema.
func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		fn(t, &env{t: t, vars: map[string]string{"QTRIAGE_DATA_DIR": dir}})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db := storetest.PostgresURL(t) // skips without QTRIAGE_TEST_POSTGRES
		fn(t, &env{t: t, vars: map[string]string{"QTRIAGE_DATA_DIR": t.TempDir(), "QTRIAGE_DB": db}})
	})
}

func (e *env) getenv(k string) string { return e.vars[k] }

// run executes qtriage with args and returns exit code, stdout and stderr.
func (e *env) run(args ...string) (int, string, string) {
	e.t.Helper()
	var out, errb bytes.Buffer
	code := cli.RunEnv(context.Background(), append([]string{"qtriage"}, args...), e.getenv, &out, &errb)
	return code, out.String(), errb.String()
}

// ok runs qtriage and fails the test unless it exits 0.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	code, out, errs := e.run(args...)
	if code != 0 {
		e.t.Fatalf("qtriage %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// fails runs qtriage, expects a non-zero exit and stderr containing want.
func (e *env) fails(want string, args ...string) {
	e.t.Helper()
	code, out, errs := e.run(args...)
	if code == 0 {
		e.t.Fatalf("qtriage %s: exit 0, want failure\nstdout: %s", strings.Join(args, " "), out)
	}
	if !strings.Contains(errs, want) {
		e.t.Fatalf("qtriage %s: stderr does not contain %q:\n%s", strings.Join(args, " "), want, errs)
	}
}

func (e *env) openStore() store.Store {
	e.t.Helper()
	db := e.vars["QTRIAGE_DB"]
	if db == "" {
		db = filepath.Join(e.vars["QTRIAGE_DATA_DIR"], "qtriage.db")
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

func decodeJSON[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, s)
	}
	return v
}

type certJSON struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	NotBefore        string `json:"not_before"`
	NotAfter         string `json:"not_after"`
	SHA1Thumbprint   string `json:"sha1_thumbprint"`
	SHA256Thumbprint string `json:"sha256_thumbprint"`
	X5TS256          string `json:"x5t_s256"`
	Subject          string `json:"subject"`
}

func TestVersion(t *testing.T) {
	t.Parallel()
	e := &env{t: t, vars: map[string]string{}}
	if out := e.ok("version"); !strings.HasPrefix(out, "qtriage ") {
		t.Fatalf("version: %q", out)
	}
}

func TestTenantLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.ok("migrate")
		e.ok("tenant", "create", "contoso", "--name", "Contoso Ltd")

		e.fails("already exists", "tenant", "create", "contoso")
		e.fails("slug", "tenant", "create", "Bad_Slug")
		e.fails("slug", "tenant", "create", "x")
		e.fails("slug", "tenant", "create", strings.Repeat("a", 41))
		e.fails("not found", "tenant", "show", "nosuch")

		list := decodeJSON[[]map[string]any](t, e.ok("tenant", "list", "--json"))
		if len(list) != 1 || list[0]["slug"] != "contoso" || list[0]["name"] != "Contoso Ltd" || list[0]["connection"] != nil {
			t.Fatalf("tenant list: %v", list)
		}
		show := decodeJSON[map[string]any](t, e.ok("tenant", "show", "contoso", "--json"))
		if show["active_certificate"] == nil {
			t.Fatalf("tenant show has no active certificate: %v", show)
		}
		if out := e.ok("tenant", "show", "contoso"); !strings.Contains(out, "not connected") {
			t.Fatalf("tenant show: %s", out)
		}
	})
}

func TestTenantConnect(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.ok("tenant", "create", "fabrikam")
		const app, dir = "11111111-2222-3333-4444-555555555555", "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"

		// Every problem at once, and nothing stored.
		code, _, errs := e.run("tenant", "connect", "fabrikam", "--app-id", "not-a-guid", "--directory-id", "123", "--organization", "fabrikam.com")
		if code == 0 {
			t.Fatal("bad connection accepted")
		}
		for _, want := range []string{"application (client) ID", "directory (tenant) ID", "onmicrosoft.com"} {
			if !strings.Contains(errs, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errs)
			}
		}
		if show := decodeJSON[map[string]any](t, e.ok("tenant", "show", "fabrikam", "--json")); show["connection"] != nil {
			t.Fatalf("a rejected connection was stored: %v", show["connection"])
		}

		cases := []struct {
			name string
			args []string
			want string
		}{
			{"error/vanity organization", []string{"--organization", "fabrikam.com"}, "onmicrosoft.com"},
			{"error/bare suffix", []string{"--organization", ".onmicrosoft.com"}, "onmicrosoft.com"},
			{"error/unknown cloud", []string{"--organization", "fabrikam.onmicrosoft.com", "--cloud", "mars"}, "cloud"},
			{"error/custom without urls", []string{"--organization", "fabrikam.onmicrosoft.com", "--cloud", "custom"}, "authority URL"},
			{"error/custom http", []string{"--organization", "fabrikam.onmicrosoft.com", "--cloud", "custom", "--authority-url", "http://127.0.0.1:1/", "--exchange-url", "https://127.0.0.1:1"}, "https"},
			{"error/urls on public", []string{"--organization", "fabrikam.onmicrosoft.com", "--authority-url", "https://x/"}, "only for the custom cloud"},
			{"error/missing ca file", []string{"--organization", "fabrikam.onmicrosoft.com", "--cloud", "custom", "--authority-url", "https://127.0.0.1:1/", "--exchange-url", "https://127.0.0.1:1", "--ca-file", "/nonexistent/ca.pem"}, "CA file"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.fails(c.want, append([]string{"tenant", "connect", "fabrikam", "--app-id", app, "--directory-id", dir}, c.args...)...)
			})
		}
		e.fails("not found", "tenant", "connect", "nosuch", "--app-id", app, "--directory-id", dir, "--organization", "x.onmicrosoft.com")

		e.ok("tenant", "connect", "fabrikam", "--app-id", app, "--directory-id", dir, "--organization", "Fabrikam.onmicrosoft.com")
		conn := connectionOf(t, e, "fabrikam")
		if conn["app_id"] != app || conn["directory_id"] != strings.ToLower(dir) || conn["organization"] != "fabrikam.onmicrosoft.com" || conn["cloud"] != "public" {
			t.Fatalf("stored connection: %v", conn)
		}

		// The custom cloud (how qtriage reaches m365sim), with a CA file.
		caFile := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(caFile, pemOfActiveCert(t, e, "fabrikam"), 0o644); err != nil {
			t.Fatal(err)
		}
		e.ok("tenant", "connect", "fabrikam", "--app-id", app, "--directory-id", dir, "--organization", "fabrikam.onmicrosoft.com",
			"--cloud", "custom", "--authority-url", "https://127.0.0.1:8443/", "--exchange-url", "https://127.0.0.1:8443", "--ca-file", caFile)
		if conn := connectionOf(t, e, "fabrikam"); conn["cloud"] != "custom" || conn["authority_url"] != "https://127.0.0.1:8443/" || conn["ca_file"] != caFile {
			t.Fatalf("custom connection: %v", conn)
		}
		if err := os.WriteFile(caFile, []byte("not a certificate"), 0o644); err != nil {
			t.Fatal(err)
		}
		e.fails("no PEM certificate", "tenant", "connect", "fabrikam", "--app-id", app, "--directory-id", dir, "--organization", "fabrikam.onmicrosoft.com",
			"--cloud", "custom", "--authority-url", "https://127.0.0.1:8443/", "--exchange-url", "https://127.0.0.1:8443", "--ca-file", caFile)
	})
}

func connectionOf(t *testing.T, e *env, slug string) map[string]any {
	t.Helper()
	show := decodeJSON[map[string]any](t, e.ok("tenant", "show", slug, "--json"))
	conn, _ := show["connection"].(map[string]any)
	return conn
}

func pemOfActiveCert(t *testing.T, e *env, slug string) []byte {
	t.Helper()
	code, out, errs := e.run("cert", "download", slug, "-o", "-")
	if code != 0 {
		t.Fatalf("cert download: %s", errs)
	}
	return []byte(out)
}

func TestCertificates(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.vars["QTRIAGE_PUBLIC_HOST"] = "qtriage.example.test"
		e.ok("tenant", "create", "contoso")
		info := decodeJSON[certJSON](t, e.ok("cert", "show", "contoso", "--json"))
		if info.Status != "active" || info.Subject != "CN=contoso.qtriage.example.test,O=qtriage" {
			t.Fatalf("cert show: %+v", info)
		}
		raw := decodeJSON[map[string]any](t, e.ok("cert", "show", "contoso", "--json"))
		for _, k := range []string{"id", "status", "not_before", "not_after", "sha1_thumbprint", "sha256_thumbprint", "x5t_s256", "subject"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("cert show --json lacks %q", k)
			}
		}

		// Download both formats into a directory, under the default names.
		dir := t.TempDir()
		pemPath := filepath.Join(dir, "contoso.qtriage.example.test.crt")
		derPath := filepath.Join(dir, "contoso.qtriage.example.test.cer")
		e.ok("cert", "download", "contoso", "-o", pemPath)
		e.ok("cert", "download", "contoso", "--format", "der", "-o", derPath)
		e.fails("unknown certificate format", "cert", "download", "contoso", "--format", "pfx")
		pemBytes, _ := os.ReadFile(pemPath)
		derBytes, _ := os.ReadFile(derPath)
		blk, _ := pem.Decode(pemBytes)
		if blk == nil || blk.Type != "CERTIFICATE" || !bytes.Equal(blk.Bytes, derBytes) {
			t.Fatal("PEM and DER downloads differ or PEM is not a CERTIFICATE")
		}
		if bytes.Contains(pemBytes, []byte("PRIVATE")) {
			t.Fatal("download contains a private key")
		}
		cert, err := x509.ParseCertificate(derBytes)
		if err != nil {
			t.Fatal(err)
		}
		if cert.Subject.CommonName != "contoso.qtriage.example.test" || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
			t.Fatalf("certificate: %v %v", cert.Subject, cert.ExtKeyUsage)
		}
		if openssl, err := exec.LookPath("openssl"); err == nil {
			for _, args := range [][]string{{"-in", pemPath}, {"-inform", "DER", "-in", derPath}} {
				out, err := exec.Command(openssl, append([]string{"x509", "-noout", "-fingerprint", "-sha1"}, args...)...).CombinedOutput()
				if err != nil {
					t.Fatalf("openssl: %v\n%s", err, out)
				}
				_, fp, _ := strings.Cut(strings.TrimSpace(string(out)), "=")
				if got := strings.ReplaceAll(fp, ":", ""); got != info.SHA1Thumbprint {
					t.Fatalf("openssl SHA-1 %s, cert show %s", got, info.SHA1Thumbprint)
				}
			}
		} else {
			t.Log("openssl not installed: skipping the openssl cross-check (make test installs it)")
		}

		// Rotation: pending beside active, one pending at a time, then activate.
		first := info.ID
		rot := decodeJSON[certJSON](t, e.ok("cert", "rotate", "contoso", "--json"))
		if rot.Status != "pending" || rot.ID == first {
			t.Fatalf("rotate: %+v", rot)
		}
		e.fails("pending certificate", "cert", "rotate", "contoso")
		if cur := decodeJSON[certJSON](t, e.ok("cert", "show", "contoso", "--json")); cur.ID != first {
			t.Fatal("rotate changed the active certificate")
		}
		pendingPEM := e.ok("cert", "download", "contoso", "--id", rot.ID, "-o", "-")
		if blk, _ := pem.Decode([]byte(pendingPEM)); blk == nil || bytes.Equal(blk.Bytes, derBytes) {
			t.Fatal("download --id did not return the pending certificate")
		}
		e.fails("only a pending certificate", "cert", "activate", "contoso", first)
		e.fails("not found", "cert", "activate", "contoso", "00000000-0000-0000-0000-000000000000")
		e.ok("cert", "activate", "contoso", rot.ID)
		list := decodeJSON[[]certJSON](t, e.ok("cert", "list", "contoso", "--json"))
		statuses := map[string]string{}
		for _, c := range list {
			statuses[c.ID] = c.Status
		}
		if statuses[rot.ID] != "active" || statuses[first] != "retired" || len(list) != 2 {
			t.Fatalf("after activate: %v", statuses)
		}
		// Another tenant's certificate id is not found.
		e.ok("tenant", "create", "other")
		e.fails("not found", "cert", "show", "other", "--id", rot.ID)
	})
}

func TestAPITokenCreate(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.ok("tenant", "create", "contoso")
		tok := strings.TrimSpace(e.ok("token", "create", "--name", "ops"))
		if !strings.HasPrefix(tok, "qtr_") || len(tok) < 40 {
			t.Fatalf("token: %q", tok)
		}
		e.fails("must have role admin", "token", "create", "--role", "viewer")
		e.fails("role", "token", "create", "--tenant", "contoso", "--role", "root")
		e.fails("not found", "token", "create", "--tenant", "nosuch", "--role", "viewer")
		e.ok("token", "create", "--tenant", "contoso", "--role", "viewer")
	})
}

func TestMasterKey(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.ok("tenant", "create", "contoso")
		keyFile := filepath.Join(e.vars["QTRIAGE_DATA_DIR"], "master.key")
		fi, err := os.Stat(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("master.key mode %v", fi.Mode())
		}
		e.ok("cert", "rotate", "contoso")
		pending := decodeJSON[[]certJSON](t, e.ok("cert", "list", "contoso", "--json"))[0].ID

		// A wrong key is named as such; nothing changes.
		wrong := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
		e.vars["QTRIAGE_MASTER_KEY"] = wrong
		e.fails("wrong master key", "cert", "activate", "contoso", pending)
		e.vars["QTRIAGE_MASTER_KEY"] = base64.StdEncoding.EncodeToString([]byte("short"))
		e.fails("32 bytes", "cert", "rotate", "contoso")
		delete(e.vars, "QTRIAGE_MASTER_KEY")

		// A lost key file is not silently replaced.
		saved, _ := os.ReadFile(keyFile)
		os.Remove(keyFile)
		e.fails("missing", "cert", "rotate", "contoso")
		if _, err := os.Stat(keyFile); err == nil {
			t.Fatal("a new master key was created beside existing tenants")
		}
		os.WriteFile(keyFile, saved, 0o600)

		// Rotate the KEK: every blob re-wrapped; the old key no longer opens them.
		// A webhook's signing secret is sealed too, and re-wrapped with the keys.
		hookOut := e.ok("webhook", "add", "--tenant", "contoso", "https://siem.example.com/hook", "--event", "action.taken")
		hookID := strings.Fields(hookOut)[1]
		hookSecret := regexp.MustCompile(`whsec_\S+`).FindString(hookOut)
		newKey := filepath.Join(t.TempDir(), "new.key")
		out := e.ok("keyring", "rotate-kek", "--new-key-file", newKey)
		if !strings.Contains(out, "re-wrapped 3 sealed secrets") {
			t.Fatalf("rotate-kek: %s", out)
		}
		e.fails("master key", "cert", "activate", "contoso", pending)
		e.vars["QTRIAGE_MASTER_KEY_FILE"] = newKey
		e.ok("cert", "activate", "contoso", pending)
		kek, err := keyring.LoadKeyFile(newKey)
		if err != nil {
			t.Fatal(err)
		}
		st := e.openStore()
		ten, _ := st.Tenant(context.Background(), "contoso")
		certs, _ := st.Certificates(context.Background(), ten.ID)
		for _, c := range certs {
			if c.KEKID != kek.ID {
				t.Fatalf("certificate %s still sealed by %s", c.ID, c.KEKID)
			}
			if _, _, err := keyring.Signer(c, kek); err != nil {
				t.Fatal(err)
			}
		}
		h, err := st.Webhook(context.Background(), ten.ID, hookID)
		if err != nil {
			t.Fatal(err)
		}
		if secret, err := kek.Open(h.SecretBlob, keyring.WebhookAAD(ten.ID, h.ID)); err != nil || string(secret) != hookSecret || h.KEKID != kek.ID {
			t.Fatalf("webhook secret after rotate-kek: %q %v (kek %s)", secret, err, h.KEKID)
		}
		if out := e.ok("webhook", "list", "--tenant", "contoso"); !strings.Contains(out, hookID) || strings.Contains(out, "whsec_") {
			t.Fatalf("webhook list: %s", out)
		}
		e.ok("webhook", "test", "--tenant", "contoso", hookID)
		e.ok("webhook", "remove", "--tenant", "contoso", hookID)
		e.fails("not found", "webhook", "remove", "--tenant", "contoso", hookID)
	})
}

// TestNoPrivateKeyAtRest scans the raw database for any form of the keys.
func TestNoPrivateKeyAtRest(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		var secrets [][]byte
		for _, s := range []string{"alpha", "bravo"} {
			e.ok("tenant", "create", s)
			e.ok("cert", "rotate", s)
			out := e.ok("webhook", "add", "--tenant", s, "https://siem.example.com/"+s)
			secrets = append(secrets, []byte(regexp.MustCompile(`whsec_\S+`).FindString(out)))
		}
		kek, err := keyring.LoadKeyFile(filepath.Join(e.vars["QTRIAGE_DATA_DIR"], "master.key"))
		if err != nil {
			t.Fatal(err)
		}
		st := e.openStore()
		for _, s := range []string{"alpha", "bravo"} {
			ten, _ := st.Tenant(context.Background(), s)
			certs, _ := st.Certificates(context.Background(), ten.ID)
			for _, c := range certs {
				_, signer, err := keyring.Signer(c, kek)
				if err != nil {
					t.Fatal(err)
				}
				der, err := x509.MarshalPKCS8PrivateKey(signer)
				if err != nil {
					t.Fatal(err)
				}
				// The whole DER, and a 64-byte window from its middle (the
				// private exponent) in case of re-encoding around it.
				secrets = append(secrets, der, der[len(der)/2:len(der)/2+64])
			}
		}
		st.Close()

		var dump []byte
		if db := e.vars["QTRIAGE_DB"]; db != "" {
			dump = pgDump(t, db)
		} else {
			path := filepath.Join(e.vars["QTRIAGE_DATA_DIR"], "qtriage.db")
			for _, p := range []string{path, path + "-wal"} {
				b, _ := os.ReadFile(p)
				dump = append(dump, b...)
			}
		}
		if len(dump) < 1000 {
			t.Fatalf("dump is only %d bytes", len(dump))
		}
		if bytes.Contains(dump, []byte("PRIVATE KEY")) {
			t.Fatal("database contains PRIVATE KEY")
		}
		for _, s := range secrets {
			for _, form := range [][]byte{s, []byte(base64.StdEncoding.EncodeToString(s)), []byte(strings.ToLower(hexString(s)))} {
				if bytes.Contains(dump, form) {
					t.Fatal("database contains private key or webhook secret material")
				}
			}
		}
	})
}

func hexString(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// pgDump dumps the schema that the test's database URL selects. bytea comes
// out in hex, so the caller also looks for the hex form.
func pgDump(t *testing.T, db string) []byte {
	t.Helper()
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Skip("pg_dump not installed")
	}
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	out, err := exec.Command(bin, "--data-only", "--schema="+schema, "--dbname="+u.String()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "qtriage.toml")
	os.WriteFile(file, []byte("data_dir = \""+filepath.Join(dir, "from-file")+"\"\npublic_host = \"file.example.test\"\n"), 0o644)
	e := &env{t: t, vars: map[string]string{"QTRIAGE_CONFIG": file, "QTRIAGE_PUBLIC_HOST": "env.example.test"}}
	e.ok("tenant", "create", "contoso")
	if _, err := os.Stat(filepath.Join(dir, "from-file", "qtriage.db")); err != nil {
		t.Fatal("data_dir from the config file was not used")
	}
	if c := decodeJSON[certJSON](t, e.ok("cert", "show", "contoso", "--json")); c.Subject != "CN=contoso.env.example.test,O=qtriage" {
		t.Fatalf("env did not override the file: %s", c.Subject)
	}
	e.ok("--public-host", "flag.example.test", "tenant", "create", "fabrikam")
	if c := decodeJSON[certJSON](t, e.ok("cert", "show", "fabrikam", "--json")); c.Subject != "CN=fabrikam.flag.example.test,O=qtriage" {
		t.Fatalf("flag did not override env: %s", c.Subject)
	}

	// Every problem at once.
	code, _, errs := e.run("--log-format", "xml", "--log-level", "loud", "--cert-key-bits", "1024", "--listen", "nowhere", "tenant", "list")
	if code == 0 {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"log_format", "log_level", "cert_key_bits", "listen"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	os.WriteFile(file, []byte("no_such_setting = 1\n"), 0o644)
	e.fails("unknown setting", "tenant", "list")
}

func TestBadDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notDB := filepath.Join(dir, "garbage.db")
	os.WriteFile(notDB, bytes.Repeat([]byte("not a database "), 500), 0o644)
	e := &env{t: t, vars: map[string]string{"QTRIAGE_DATA_DIR": dir, "QTRIAGE_DB": notDB}}
	e.fails("qtriage:", "tenant", "list")
	e.vars["QTRIAGE_DB"] = "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2"
	e.fails("unavailable", "tenant", "list")
}

// TestExpiringCertificateFlagged: a certificate within 30 days of expiry is
// flagged in tenant show, cert show and the log.
func TestExpiringCertificateFlagged(t *testing.T) {
	t.Parallel()
	e := &env{t: t, vars: map[string]string{"QTRIAGE_DATA_DIR": t.TempDir(), "QTRIAGE_CERT_VALIDITY_DAYS": "30"}}
	e.ok("tenant", "create", "contoso")
	if out := e.ok("tenant", "show", "contoso"); !strings.Contains(out, "EXPIRES IN 29 DAYS") {
		t.Fatalf("tenant show does not flag expiry:\n%s", out)
	}
	if c := decodeJSON[map[string]any](t, e.ok("cert", "show", "contoso", "--json")); c["expires_soon"] != true {
		t.Fatalf("cert show --json: %v", c)
	}
	code, _, logs := e.run("cert", "show", "contoso")
	if code != 0 || !strings.Contains(logs, "expires soon") {
		t.Fatalf("cert show does not log the expiry: %s", logs)
	}
	delete(e.vars, "QTRIAGE_CERT_VALIDITY_DAYS")
	e.ok("tenant", "create", "fabrikam")
	if c := decodeJSON[map[string]any](t, e.ok("cert", "show", "fabrikam", "--json")); c["expires_soon"] != false {
		t.Fatalf("a 2-year certificate is flagged: %v", c)
	}
}

func TestUsers(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.ok("tenant", "create", "contoso")
		out := e.ok("user", "create", "Alice", "--tenant", "contoso", "--role", "viewer")
		if !strings.Contains(out, "password: ") {
			t.Fatalf("no generated password: %s", out)
		}
		e.ok("user", "create", "root", "--global-admin")
		e.fails("already exists", "user", "create", "alice", "--global-admin")
		e.fails("either --global-admin or --tenant", "user", "create", "bob")
		e.fails("not found", "user", "create", "bob", "--tenant", "nosuch")
		e.fails("username", "user", "create", "bad name", "--global-admin")
		e.ok("user", "grant", "alice", "--tenant", "contoso", "--role", "analyst")
		users := decodeJSON[[]map[string]any](t, e.ok("user", "list", "--json"))
		if len(users) != 2 || users[0]["username"] != "alice" || users[0]["roles"].(map[string]any)["contoso"] != "analyst" || users[1]["global_admin"] != true {
			t.Fatalf("user list: %v", users)
		}
		var stdout, stderr bytes.Buffer
		if code := cli.RunIO(context.Background(), []string{"qtriage", "user", "passwd", "alice", "--password-stdin"}, e.getenv, strings.NewReader("short\n"), &stdout, &stderr); code == 0 {
			t.Fatal("short password accepted")
		}
		if code := cli.RunIO(context.Background(), []string{"qtriage", "user", "passwd", "alice", "--password-stdin"}, e.getenv, strings.NewReader("a long enough passphrase\n"), &stdout, &stderr); code != 0 {
			t.Fatalf("passwd: %s", stderr.String())
		}
		st := e.openStore()
		u, err := st.User(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := web.CheckPassword(u.PasswordHash, "a long enough passphrase"); !ok {
			t.Fatal("password from stdin not set")
		}
	})
}
