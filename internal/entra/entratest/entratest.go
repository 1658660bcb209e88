// Package entratest gives tests a Microsoft 365 tenant in m365sim, set up
// the way a customer does it, and an entra.Source for it that goes through
// the real MSAL client over TLS.
package entratest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/entra"
	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
)

// keys are generated once per test binary: RSA key generation is the slow
// part of these tests. They are never changed after creation.
var keys = sync.OnceValues(func() ([]*rsa.PrivateKey, error) {
	var ks []*rsa.PrivateKey
	for range 3 {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	return ks, nil
})

// Key returns cached test key i (0, 1 or 2; 2 signs the sim's tokens).
func Key(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	ks, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	return ks[i]
}

// NewSim starts an in-memory sim closed when the test ends.
func NewSim(t testing.TB, opts m365sim.Options) *m365sim.Sim {
	t.Helper()
	if opts.SigningKey == nil {
		opts.SigningKey = Key(t, 2)
	}
	s, err := m365sim.New(opts)
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

// CAFile writes the sim's CA to a file of the test and returns its path.
func CAFile(t testing.TB, s *m365sim.Sim) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "m365sim-ca.pem")
	if err := os.WriteFile(p, s.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// NewCert issues a self-signed certificate for key i, valid in [notBefore,
// notAfter].
func NewCert(t testing.TB, i int, notBefore, notAfter time.Time) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key := Key(t, i)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "qtriage test", Organization: []string{"qtriage"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

// PEM encodes a certificate.
func PEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// Tenant is a customer tenant in the sim and what qtriage knows of it.
type Tenant struct {
	Sim         *m365sim.Sim
	Name        string
	Setup       m365sim.SetupResult
	Connection  store.Connection
	Certificate *x509.Certificate
	Key         *rsa.PrivateKey
}

// Setup creates tenant name in the sim and walks the setup guide with a
// fresh certificate of key 0, leaving out the steps in skip.
func Setup(t testing.TB, s *m365sim.Sim, name string, skip ...m365sim.SetupStep) Tenant {
	t.Helper()
	cert, key := NewCert(t, 0, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	return SetupWithCert(t, s, name, cert, key, skip...)
}

// SetupWithCert is Setup with a given certificate.
func SetupWithCert(t testing.TB, s *m365sim.Sim, name string, cert *x509.Certificate, key *rsa.PrivateKey, skip ...m365sim.SetupStep) Tenant {
	t.Helper()
	res, err := s.Setup(m365sim.SetupOptions{TenantName: name, Certificate: PEM(cert), Skip: skip})
	if err != nil {
		t.Fatal(err)
	}
	return Tenant{
		Sim: s, Name: name, Setup: res, Certificate: cert, Key: key,
		Connection: store.Connection{
			AppID: res.AppID, DirectoryID: res.DirectoryID, Organization: res.Organization,
			Cloud: store.CloudCustom, AuthorityURL: res.AuthorityURL, ExchangeURL: res.ExchangeURL,
		},
	}
}

// Config is the entra.Config of the tenant, with the sim's HTTP client and
// short waits for tests.
func (tn Tenant) Config() entra.Config {
	return entra.Config{
		Tenant: tn.Name, Connection: tn.Connection, Certificate: tn.Certificate, Key: tn.Key,
		HTTPClient: tn.Sim.HTTPClient(), Timeout: 5 * time.Second,
		RetryBase: 5 * time.Millisecond, MaxWait: 50 * time.Millisecond, MaxAttempts: 4,
	}
}

// StoreCertificate is the tenant's certificate as qtriage stores it
// (without a key blob: tests pass the key through a Signer).
func (tn Tenant) StoreCertificate() store.Certificate {
	s1, s256, _ := keyring.Thumbprints(tn.Certificate.Raw)
	return store.Certificate{
		ID: "cert-" + tn.Name, Status: store.CertActive, Subject: tn.Certificate.Subject.String(), DER: tn.Certificate.Raw,
		NotBefore: tn.Certificate.NotBefore, NotAfter: tn.Certificate.NotAfter, SHA1Thumbprint: s1, SHA256Thumbprint: s256,
	}
}

// Source builds the tenant's entra.Source; edit may change the config.
func (tn Tenant) Source(t testing.TB, edit ...func(*entra.Config)) *entra.Source {
	t.Helper()
	cfg := tn.Config()
	for _, e := range edit {
		e(&cfg)
	}
	src, err := entra.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}
