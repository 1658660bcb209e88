package web_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/access"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
	"github.com/qtriage/qtriage/internal/tenant"
	"github.com/qtriage/qtriage/internal/web"
)

// fixture is a running API with two tenants and tokens of each kind.
type fixture struct {
	srv                          *httptest.Server
	st                           store.Store
	global, alphaViewer, bravoAd string
	alphaCert                    store.Certificate
}

func newFixture(t *testing.T, dbURL string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	kek, err := keyring.GenerateKEK(nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &tenant.Service{Store: st, KEK: kek, Issuer: keyring.Issuer{PublicHost: "qtriage.example.test"}}
	f := &fixture{st: st}
	alpha, cert, err := svc.Create(ctx, "alpha", "Alpha Corp")
	if err != nil {
		t.Fatal(err)
	}
	f.alphaCert = cert
	bravo, _, err := svc.Create(ctx, "bravo", "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if f.global, _, err = access.Create(ctx, st, "ops", "", store.RoleAdmin, now); err != nil {
		t.Fatal(err)
	}
	if f.alphaViewer, _, err = access.Create(ctx, st, "alpha viewer", alpha.ID, store.RoleViewer, now); err != nil {
		t.Fatal(err)
	}
	if f.bravoAd, _, err = access.Create(ctx, st, "bravo admin", bravo.ID, store.RoleAdmin, now); err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Options{Store: st, PublicHost: "qtriage.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) get(t *testing.T, token, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func backends(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, storetest.SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, storetest.PostgresURL(t)) })
}

func TestAPIAccess(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		f := newFixture(t, dbURL)
		cases := []struct {
			name, token, path string
			status            int
			code              string // error code expected in the JSON body
		}{
			{"error/no token", "", "/api/v1/tenants", 401, "unauthorized"},
			{"error/bad token", "qtr_nope", "/api/v1/tenants", 401, "unauthorized"},
			{"error/not a qtriage token", "Basic abc", "/api/v1/tenants", 401, "unauthorized"},
			{"global/list", f.global, "/api/v1/tenants", 200, ""},
			{"global/alpha", f.global, "/api/v1/tenants/alpha", 200, ""},
			{"global/unknown", f.global, "/api/v1/tenants/nosuch", 404, "not_found"},
			{"viewer/own", f.alphaViewer, "/api/v1/tenants/alpha", 200, ""},
			{"viewer/own certs", f.alphaViewer, "/api/v1/tenants/alpha/certificates", 200, ""},
			{"error/viewer other tenant", f.alphaViewer, "/api/v1/tenants/bravo", 404, "not_found"},
			{"error/viewer other certs", f.alphaViewer, "/api/v1/tenants/bravo/certificates", 404, "not_found"},
			{"error/viewer other download", f.alphaViewer, "/api/v1/tenants/bravo/certificate.crt", 404, "not_found"},
			{"error/admin other tenant", f.bravoAd, "/api/v1/tenants/alpha", 404, "not_found"},
			{"error/other tenant cert id", f.bravoAd, "/api/v1/tenants/bravo/certificate.crt?id=" + f.alphaCert.ID, 404, "not_found"},
			{"error/unknown route", f.global, "/api/v1/nothing", 404, "not_found"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				resp, body := f.get(t, c.token, c.path)
				if resp.StatusCode != c.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
				}
				if c.code != "" {
					var e struct{ Code, Message, RequestID string }
					if err := json.Unmarshal(body, &e); err != nil {
						t.Fatalf("error body is not JSON: %s", body)
					}
					if e.Code != c.code || e.Message == "" || resp.Header.Get("X-Request-Id") == "" {
						t.Fatalf("error body %s", body)
					}
				}
			})
		}

		// A tenant token lists only its own tenant.
		_, body := f.get(t, f.alphaViewer, "/api/v1/tenants")
		var list struct{ Tenants []tenant.Info }
		json.Unmarshal(body, &list)
		if len(list.Tenants) != 1 || list.Tenants[0].Slug != "alpha" {
			t.Fatalf("viewer sees %+v", list.Tenants)
		}
		_, body = f.get(t, f.global, "/api/v1/tenants")
		json.Unmarshal(body, &list)
		if len(list.Tenants) != 2 {
			t.Fatalf("global sees %d tenants", len(list.Tenants))
		}
		if strings.Contains(string(body), "key_blob") || strings.Contains(string(body), "PRIVATE") {
			t.Fatal("API response carries key material")
		}
	})
}

func TestAPICertificateDownload(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		f := newFixture(t, dbURL)
		resp, body := f.get(t, f.alphaViewer, "/api/v1/tenants/alpha/certificate.crt")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != `attachment; filename="alpha.qtriage.example.test.crt"` {
			t.Fatalf("crt: %d %v", resp.StatusCode, resp.Header)
		}
		blk, _ := pem.Decode(body)
		if blk == nil || blk.Type != "CERTIFICATE" {
			t.Fatalf("not PEM: %s", body)
		}
		resp, der := f.get(t, f.alphaViewer, "/api/v1/tenants/alpha/certificate.cer")
		if resp.StatusCode != 200 || !strings.HasSuffix(resp.Header.Get("Content-Disposition"), `.cer"`) {
			t.Fatalf("cer: %d %v", resp.StatusCode, resp.Header)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil || string(blk.Bytes) != string(der) {
			t.Fatalf("DER does not match PEM: %v", err)
		}
		if sha1, _, _ := keyring.Thumbprints(der); sha1 != f.alphaCert.SHA1Thumbprint {
			t.Fatal("downloaded certificate is not the active one")
		}
		if c.Subject.CommonName != "alpha.qtriage.example.test" {
			t.Fatal(c.Subject)
		}
		_, body = f.get(t, f.alphaViewer, "/api/v1/tenants/alpha/certificates")
		var certs struct{ Certificates []tenant.CertInfo }
		json.Unmarshal(body, &certs)
		if len(certs.Certificates) != 1 || certs.Certificates[0].SHA1Thumbprint != f.alphaCert.SHA1Thumbprint {
			t.Fatalf("certificates: %s", body)
		}
	})
}

func TestProbesAndMetrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLiteURL(t))
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		resp, body := f.get(t, "", path)
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	f.get(t, f.global, "/api/v1/tenants")
	_, body := f.get(t, "", "/metrics")
	if !strings.Contains(string(body), `qtriage_http_requests_total{code="200",route="GET /api/v1/tenants"}`) {
		t.Fatalf("metrics lack the request counter:\n%s", body)
	}
	// A closed database makes the server unready, not dead.
	f.st.Close()
	if resp, _ := f.get(t, "", "/readyz"); resp.StatusCode != 503 {
		t.Fatalf("readyz with a closed database: %d", resp.StatusCode)
	}
	if resp, _ := f.get(t, "", "/healthz"); resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}
