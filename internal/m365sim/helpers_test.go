package m365sim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// testKeys caches RSA keys: generating them is the slow part of the tests.
var testKeys = sync.OnceValues(func() ([]*rsa.PrivateKey, error) {
	var keys []*rsa.PrivateKey
	for range 3 {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
})

// testCert is a tenant certificate as qtriage would issue it.
type testCert struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	pem  []byte
}

func newTestCert(t testing.TB, keyIndex int, notBefore, notAfter time.Time) testCert {
	t.Helper()
	c, err := makeTestCert(keyIndex, notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func makeTestCert(keyIndex int, notBefore, notAfter time.Time) (testCert, error) {
	keys, err := testKeys()
	if err != nil {
		return testCert{}, err
	}
	key := keys[keyIndex]
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "qtriage test"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return testCert{}, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return testCert{}, err
	}
	return testCert{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

func validCert(t testing.TB) testCert {
	return newTestCert(t, 0, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
}

func newTestSim(t testing.TB, opts Options) *Sim {
	t.Helper()
	if opts.SigningKey == nil {
		keys, err := testKeys()
		if err != nil {
			t.Fatal(err)
		}
		opts.SigningKey = keys[2]
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// msalClient is the real MSAL Go confidential client pointed at the sim.
func msalClient(t testing.TB, s *Sim, tenant, appID string, c testCert) confidential.Client {
	t.Helper()
	cred, err := confidential.NewCredFromCert([]*x509.Certificate{c.cert}, c.key)
	if err != nil {
		t.Fatal(err)
	}
	client, err := confidential.New(s.AuthorityURL(tenant), appID, cred,
		confidential.WithHTTPClient(s.HTTPClient()), confidential.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	return client
}

var exchangeScope = []string{"https://outlook.office365.com/.default"}

// invokeResult is an InvokeCommand answer.
type invokeResult struct {
	status int
	header http.Header
	body   []byte
}

func (r invokeResult) rows(t testing.TB) []map[string]any {
	t.Helper()
	var env struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("decode rows: %v: %s", err, r.body)
	}
	return env.Value
}

// detail is the useful error text of an error envelope.
func (r invokeResult) detail(t testing.TB) string {
	t.Helper()
	var env struct {
		Error struct {
			Details []struct {
				Message string `json:"message"`
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || len(env.Error.Details) == 0 {
		t.Fatalf("not an error envelope: %v: %s", err, r.body)
	}
	return env.Error.Details[0].Message
}

func invoke(t testing.TB, s *Sim, org, token, cmdlet string, params map[string]any) invokeResult {
	t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	body, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": cmdlet, "Parameters": params}})
	req, err := http.NewRequest(http.MethodPost, s.ExchangeURL()+"/adminapi/beta/"+org+"/InvokeCommand", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CmdletName", cmdlet)
	req.Header.Set("Accept-Encoding", "identity") // keep the 403's raw bytes
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return invokeResult{status: resp.StatusCode, header: resp.Header, body: b}
}

// setupTenant runs the whole customer guide and returns the result.
func setupTenant(t testing.TB, s *Sim, name string, c testCert, skip ...SetupStep) SetupResult {
	t.Helper()
	res, err := s.Setup(SetupOptions{TenantName: name, Certificate: c.pem, Skip: skip})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const sampleEML = "From: \"PayPal\" <service@paypa1-login.top>\r\n" +
	"To: alice@contoso.com, bob@contoso.com\r\n" +
	"Subject: Your account is limited\r\n" +
	"Message-ID: <abc123@paypa1-login.top>\r\n" +
	"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p>Click <a href=\"https://paypa1-login.top/x\">paypal.com</a></p>\r\n"

func sha256Hex(c testCert) string {
	sum := sha256.Sum256(c.cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// linePipe is an io.Writer that hands each written line to a channel.
type linePipe chan string

func (p linePipe) Write(b []byte) (int, error) {
	p <- strings.TrimSpace(string(b))
	return len(b), nil
}

func newPipe() (<-chan string, linePipe) {
	p := make(linePipe, 4)
	return p, p
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
