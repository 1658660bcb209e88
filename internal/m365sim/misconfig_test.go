package m365sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSetupMisconfigurations walks every mistake of the customer's setup
// guide and checks the exact answer of the emulated service.
func TestSetupMisconfigurations(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{})
	good := validCert(t)
	other := newTestCert(t, 1, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	expired := newTestCert(t, 0, time.Now().AddDate(-2, 0, 0), time.Now().AddDate(-1, 0, 0))

	type tokenWant struct {
		status int
		err    string
		code   int
		text   string // substring of error_description
	}
	type exchangeWant struct {
		status int
		cmdlet string
		text   string // substring of the error detail
	}
	cases := []struct {
		name     string
		skip     []SetupStep
		prepare  func(t *testing.T, res *SetupResult) (tenant, appID string, c testCert)
		token    *tokenWant
		exchange *exchangeWant
	}{
		{name: "ok/full setup", exchange: &exchangeWant{status: 200, cmdlet: "Get-QuarantineMessage"}},
		{name: "ok/release with transport hygiene", exchange: &exchangeWant{status: 200, cmdlet: "Release-QuarantineMessage"}},
		{
			name:  "error/certificate not uploaded",
			skip:  []SetupStep{StepCert},
			token: &tokenWant{401, "invalid_client", 700027, "Thumbprint of key used by client: '" + sha256Hex(good) + "'"},
		},
		{
			name: "error/wrong application id",
			prepare: func(t *testing.T, res *SetupResult) (string, string, testCert) {
				return res.DirectoryID, newGUID(), good
			},
			token: &tokenWant{400, "unauthorized_client", 700016, "was not found in the directory"},
		},
		{
			name: "error/wrong directory id",
			prepare: func(t *testing.T, res *SetupResult) (string, string, testCert) {
				return newGUID(), res.AppID, good
			},
			token: &tokenWant{400, "invalid_request", 90002, "not found"},
		},
		{name: "error/permission missing", skip: []SetupStep{StepPermission}, exchange: &exchangeWant{status: 401, cmdlet: "Get-QuarantineMessage"}},
		{name: "error/consent missing", skip: []SetupStep{StepConsent}, exchange: &exchangeWant{status: 401, cmdlet: "Get-QuarantineMessage"}},
		{name: "error/no service principal", skip: []SetupStep{StepSP}, exchange: &exchangeWant{status: 403, cmdlet: "Get-QuarantineMessage"}},
		{name: "error/no role assignment", skip: []SetupStep{StepRole}, exchange: &exchangeWant{status: 403, cmdlet: "Get-QuarantineMessage"}},
		{
			name: "error/read-only role then release",
			skip: []SetupStep{StepSP},
			prepare: func(t *testing.T, res *SetupResult) (string, string, testCert) {
				if _, err := s.AssignDirectoryRole(res.DirectoryID, res.AppID, "Security Reader"); err != nil {
					t.Fatal(err)
				}
				return res.DirectoryID, res.AppID, good
			},
			exchange: &exchangeWant{status: 403, cmdlet: "Release-QuarantineMessage"},
		},
		{
			name: "ok/read-only role reads",
			skip: []SetupStep{StepSP},
			prepare: func(t *testing.T, res *SetupResult) (string, string, testCert) {
				if _, err := s.AssignDirectoryRole(res.DirectoryID, res.AppID, "Security Reader"); err != nil {
					t.Fatal(err)
				}
				return res.DirectoryID, res.AppID, good
			},
			exchange: &exchangeWant{status: 200, cmdlet: "Get-QuarantineMessage"},
		},
		{
			name: "error/vanity organization",
			prepare: func(t *testing.T, res *SetupResult) (string, string, testCert) {
				if _, err := s.AddDomain(res.DirectoryID, strings.TrimSuffix(res.Organization, ".onmicrosoft.com")+".example"); err != nil {
					t.Fatal(err)
				}
				res.Organization = strings.TrimSuffix(res.Organization, ".onmicrosoft.com") + ".example"
				return res.DirectoryID, res.AppID, good
			},
			exchange: &exchangeWant{status: 401, cmdlet: "Get-QuarantineMessage"},
		},
		{
			name: "error/unknown organization",
			prepare: func(t *testing.T, res *SetupResult) (string, string, testCert) {
				res.Organization = "nosuchorg.onmicrosoft.com"
				return res.DirectoryID, res.AppID, good
			},
			exchange: &exchangeWant{status: 404, cmdlet: "Get-QuarantineMessage", text: "ManagementObjectNotFoundException"},
		},
		{
			name: "error/expired certificate",
			prepare: func(t *testing.T, res *SetupResult) (string, string, testCert) {
				if _, err := s.UploadCertificate(res.DirectoryID, res.AppID, expired.pem); err != nil {
					t.Fatal(err)
				}
				return res.DirectoryID, res.AppID, expired
			},
			token: &tokenWant{401, "invalid_client", 700027, "The key used is expired."},
		},
		{
			name: "error/known key bad signature",
			prepare: func(t *testing.T, res *SetupResult) (string, string, testCert) {
				forged := good
				forged.key = other.key
				return res.DirectoryID, res.AppID, forged
			},
			token: &tokenWant{401, "invalid_client", 50013, "signature"},
		},
		{
			name: "error/clock skew",
			prepare: func(t *testing.T, res *SetupResult) (string, string, testCert) {
				if _, err := s.SetFaults(res.DirectoryID, Faults{ClockSkew: Duration(20 * time.Minute)}); err != nil {
					t.Fatal(err)
				}
				return res.DirectoryID, res.AppID, good
			},
			token: &tokenWant{401, "invalid_client", 700024, "not within its valid time range"},
		},
		{
			name: "error/disabled app",
			prepare: func(t *testing.T, res *SetupResult) (string, string, testCert) {
				if _, err := s.SetAppEnabled(res.DirectoryID, res.AppID, false); err != nil {
					t.Fatal(err)
				}
				return res.DirectoryID, res.AppID, good
			},
			token: &tokenWant{400, "unauthorized_client", 7000112, "is disabled"},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := setupTenant(t, s, "mis"+string(rune('a'+i)), good, tc.skip...)
			tenant, appID, c := res.DirectoryID, res.AppID, good
			if tc.prepare != nil {
				tenant, appID, c = tc.prepare(t, &res)
			}
			got := postToken(t, s, tenant, tokenForm(appID, makeAssertion(t, defaultAssertion(s, tenant, appID, c))))
			if tc.token != nil {
				checkAAD(t, got, tc.token.status, tc.token.err, tc.token.code, tc.token.text)
				return
			}
			tok := got.accessToken(t)
			seedOne(t, s, res.DirectoryID)
			params := map[string]any{}
			if tc.exchange.cmdlet == "Release-QuarantineMessage" {
				items, _ := s.Quarantine(res.DirectoryID)
				params = map[string]any{"Identity": items[0].Identity(), "ReleaseToAll": true}
			}
			r := invoke(t, s, res.Organization, tok, tc.exchange.cmdlet, params)
			if r.status != tc.exchange.status {
				t.Fatalf("status %d, want %d: %q", r.status, tc.exchange.status, r.body)
			}
			switch r.status {
			case http.StatusUnauthorized:
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("401 without WWW-Authenticate: %v", r.header)
				}
			case http.StatusForbidden:
				if len(r.body) == 0 || len(bytes.Trim(r.body, "\x00")) != 0 || json.Valid(r.body) {
					t.Errorf("403 body is not a run of NUL bytes: %q", r.body)
				}
			case http.StatusNotFound:
				if d := r.detail(t); !strings.Contains(d, tc.exchange.text) {
					t.Errorf("detail %q lacks %q", d, tc.exchange.text)
				}
			}
		})
	}
}

func checkAAD(t *testing.T, got aadResult, status int, errName string, code int, text string) {
	t.Helper()
	if got.status != status || got.errName() != errName || got.code() != code {
		t.Fatalf("got %d %s %d, want %d %s %d: %v", got.status, got.errName(), got.code(), status, errName, code, got.body)
	}
	desc := got.description()
	if !strings.HasPrefix(desc, "AADSTS") || !strings.Contains(desc, text) || !strings.Contains(desc, "\r\nTrace ID: ") ||
		!strings.Contains(desc, "\r\nCorrelation ID: ") || !strings.Contains(desc, "\r\nTimestamp: ") {
		t.Errorf("error_description %q lacks %q or the trailer", desc, text)
	}
	for _, k := range []string{"timestamp", "trace_id", "correlation_id", "error_uri"} {
		if _, ok := got.body[k]; !ok {
			t.Errorf("error body lacks %s", k)
		}
	}
}

func seedOne(t testing.TB, s *Sim, tenant string) []QuarantineItem {
	t.Helper()
	items, err := s.AddMessage(tenant, []byte(sampleEML), MessageMeta{Type: TypePhish})
	if err != nil {
		t.Fatal(err)
	}
	return items
}
