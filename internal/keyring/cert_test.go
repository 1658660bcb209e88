package keyring

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/store"
)

const testTenant = "6f1c1e44-8a4b-4d4e-9a55-6d0a3a1d2c01"

// fixedNow is whole seconds: certificates store times to the second.
var fixedNow = time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("CET", 3600))

func issue(t testing.TB, iss Issuer, slug string, kek *KEK) store.Certificate {
	t.Helper()
	c, err := iss.Issue(testTenant, slug, kek)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIssue(t *testing.T) {
	t.Parallel()
	kek := newTestKEK(t)
	tests := []struct {
		name       string
		iss        Issuer
		slug       string
		wantBits   int
		wantCN     string
		wantExpiry time.Time
		slow       bool
	}{
		{
			name:       "defaults",
			iss:        Issuer{Now: func() time.Time { return fixedNow }},
			slug:       "acme",
			wantBits:   2048,
			wantCN:     "acme.qtriage.local",
			wantExpiry: fixedNow.Add(730 * 24 * time.Hour),
		},
		{
			name:       "3072 bits, custom host and validity",
			iss:        Issuer{Bits: 3072, Validity: 90 * 24 * time.Hour, PublicHost: "triage.example.com", Now: func() time.Time { return fixedNow }},
			slug:       "contoso-eu",
			wantBits:   3072,
			wantCN:     "contoso-eu.triage.example.com",
			wantExpiry: fixedNow.Add(90 * 24 * time.Hour),
		},
		{
			name:       "4096 bits",
			iss:        Issuer{Bits: 4096, Now: func() time.Time { return fixedNow }},
			slug:       "big",
			wantBits:   4096,
			wantCN:     "big.qtriage.local",
			wantExpiry: fixedNow.Add(730 * 24 * time.Hour),
			slow:       true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.slow && testing.Short() {
				t.Skip("4096-bit key generation is slow; skipped with -short")
			}
			c := issue(t, tt.iss, tt.slug, kek)

			// The store record.
			if _, err := uuid.Parse(c.ID); err != nil {
				t.Errorf("ID %q is not a UUID: %v", c.ID, err)
			}
			if c.TenantID != testTenant || c.Status != store.CertPending || c.KEKID != kek.ID {
				t.Errorf("TenantID=%q Status=%q KEKID=%q", c.TenantID, c.Status, c.KEKID)
			}
			if want := "CN=" + tt.wantCN + ",O=qtriage"; c.Subject != want {
				t.Errorf("Subject = %q, want %q", c.Subject, want)
			}
			if !c.CreatedAt.Equal(fixedNow) || c.CreatedAt.Location() != time.UTC {
				t.Errorf("CreatedAt = %v, want %v in UTC", c.CreatedAt, fixedNow)
			}
			if !c.NotBefore.Equal(fixedNow.Add(-5*time.Minute)) || c.NotBefore.Location() != time.UTC {
				t.Errorf("NotBefore = %v, want now-5m in UTC", c.NotBefore)
			}
			if !c.NotAfter.Equal(tt.wantExpiry) || c.NotAfter.Location() != time.UTC {
				t.Errorf("NotAfter = %v, want %v in UTC", c.NotAfter, tt.wantExpiry)
			}
			s1, s256 := sha1.Sum(c.DER), sha256.Sum256(c.DER)
			if c.SHA1Thumbprint != strings.ToUpper(string(hexOf(s1[:]))) || len(c.SHA1Thumbprint) != 40 {
				t.Errorf("SHA1Thumbprint = %s", c.SHA1Thumbprint)
			}
			if c.SHA256Thumbprint != strings.ToUpper(string(hexOf(s256[:]))) || len(c.SHA256Thumbprint) != 64 {
				t.Errorf("SHA256Thumbprint = %s", c.SHA256Thumbprint)
			}
			if c.ActivatedAt != nil || c.RetiredAt != nil {
				t.Errorf("ActivatedAt/RetiredAt set")
			}

			// The certificate.
			cert, err := x509.ParseCertificate(c.DER)
			if err != nil {
				t.Fatal(err)
			}
			if cert.Version != 3 {
				t.Errorf("Version = %d", cert.Version)
			}
			if cert.Subject.CommonName != tt.wantCN || len(cert.Subject.Organization) != 1 || cert.Subject.Organization[0] != "qtriage" {
				t.Errorf("Subject = %v", cert.Subject)
			}
			if cert.Issuer.String() != cert.Subject.String() {
				t.Errorf("Issuer %v != Subject %v", cert.Issuer, cert.Subject)
			}
			if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			pub, ok := cert.PublicKey.(*rsa.PublicKey)
			if !ok || pub.N.BitLen() != tt.wantBits {
				t.Fatalf("public key %T, want RSA-%d", cert.PublicKey, tt.wantBits)
			}
			if cert.SerialNumber.Sign() <= 0 || cert.SerialNumber.BitLen() != 128 {
				t.Errorf("serial %v: %d bits", cert.SerialNumber, cert.SerialNumber.BitLen())
			}
			if cert.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("KeyUsage = %v, want DigitalSignature only", cert.KeyUsage)
			}
			if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth || len(cert.UnknownExtKeyUsage) != 0 {
				t.Errorf("ExtKeyUsage = %v", cert.ExtKeyUsage)
			}
			if !cert.BasicConstraintsValid || cert.IsCA {
				t.Errorf("BasicConstraintsValid=%v IsCA=%v", cert.BasicConstraintsValid, cert.IsCA)
			}
			ski := sha1.Sum(x509.MarshalPKCS1PublicKey(pub))
			if !bytes.Equal(cert.SubjectKeyId, ski[:]) {
				t.Errorf("SubjectKeyId = %x, want %x", cert.SubjectKeyId, ski)
			}
			if !cert.NotBefore.Equal(c.NotBefore) || !cert.NotAfter.Equal(c.NotAfter) {
				t.Errorf("validity %v..%v, record %v..%v", cert.NotBefore, cert.NotAfter, c.NotBefore, c.NotAfter)
			}
			if len(cert.DNSNames) != 0 || len(cert.EmailAddresses) != 0 {
				t.Errorf("unexpected SANs")
			}

			// The sealed key.
			pkcs8, err := kek.Open(c.KeyBlob, AAD(c.TenantID, c.ID))
			if err != nil {
				t.Fatal(err)
			}
			key, err := x509.ParsePKCS8PrivateKey(pkcs8)
			if err != nil {
				t.Fatal(err)
			}
			if !key.(*rsa.PrivateKey).PublicKey.Equal(pub) {
				t.Error("sealed key does not match the certificate")
			}
			if bytes.Contains(c.KeyBlob, pkcs8[len(pkcs8)-32:]) {
				t.Error("key blob contains key bytes in clear")
			}
		})
	}
}

func TestIssueUniqueness(t *testing.T) {
	t.Parallel()
	kek := newTestKEK(t)
	a := issue(t, Issuer{}, "acme", kek)
	b := issue(t, Issuer{}, "acme", kek)
	ca, _ := x509.ParseCertificate(a.DER)
	cb, _ := x509.ParseCertificate(b.DER)
	if a.ID == b.ID || ca.SerialNumber.Cmp(cb.SerialNumber) == 0 || a.SHA1Thumbprint == b.SHA1Thumbprint {
		t.Error("two issued certificates share id, serial or thumbprint")
	}
	if ca.PublicKey.(*rsa.PublicKey).Equal(cb.PublicKey) {
		t.Error("two issued certificates share a key")
	}
}

func TestIssueErrors(t *testing.T) {
	t.Parallel()
	kek := newTestKEK(t)
	tests := []struct {
		name   string
		iss    Issuer
		tenant string
		slug   string
		kek    *KEK
		want   string
	}{
		{name: "error/1024 bits", iss: Issuer{Bits: 1024}, tenant: testTenant, slug: "acme", kek: kek, want: "unsupported RSA key size 1024"},
		{name: "error/2047 bits", iss: Issuer{Bits: 2047}, tenant: testTenant, slug: "acme", kek: kek, want: "unsupported RSA key size"},
		{name: "error/8192 bits", iss: Issuer{Bits: 8192}, tenant: testTenant, slug: "acme", kek: kek, want: "unsupported RSA key size"},
		{name: "error/negative validity", iss: Issuer{Validity: -time.Hour}, tenant: testTenant, slug: "acme", kek: kek, want: "negative certificate validity"},
		{name: "error/bad host", iss: Issuer{PublicHost: "bad host"}, tenant: testTenant, slug: "acme", kek: kek, want: "invalid public host"},
		{name: "error/host with empty label", iss: Issuer{PublicHost: "a..b"}, tenant: testTenant, slug: "acme", kek: kek, want: "invalid public host"},
		{name: "error/nil kek", tenant: testTenant, slug: "acme", kek: nil, want: "no master key"},
		{name: "error/empty tenant", tenant: "", slug: "acme", kek: kek, want: "empty tenant id"},
		{name: "error/empty slug", tenant: testTenant, slug: "", kek: kek, want: "invalid tenant slug"},
		{name: "error/upper-case slug", tenant: testTenant, slug: "Acme", kek: kek, want: "invalid tenant slug"},
		{name: "error/slug with dot", tenant: testTenant, slug: "a.b", kek: kek, want: "invalid tenant slug"},
		{name: "error/slug leading hyphen", tenant: testTenant, slug: "-acme", kek: kek, want: "invalid tenant slug"},
		{name: "error/slug too long", tenant: testTenant, slug: strings.Repeat("a", 41), kek: kek, want: "invalid tenant slug"},
		{name: "error/no randomness", iss: Issuer{Rand: bytes.NewReader(nil)}, tenant: testTenant, slug: "acme", kek: kek, want: "certificate id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := tt.iss.Issue(tt.tenant, tt.slug, tt.kek)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "keyring: ") {
				t.Fatalf("err = %v, want keyring: ...%q", err, tt.want)
			}
			if c.ID != "" || c.KeyBlob != nil {
				t.Errorf("partial certificate returned with an error")
			}
		})
	}
}

func TestThumbprints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		der               []byte
		sha1, sha256, x5t string
	}{
		{
			name:   "empty",
			der:    nil,
			sha1:   "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
			sha256: "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
			x5t:    "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
		},
		{
			name:   "abc",
			der:    []byte("abc"),
			sha1:   "A9993E364706816ABA3E25717850C26C9CD0D89D",
			sha256: "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
			x5t:    "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s1, s256, x5t := Thumbprints(tt.der)
			if s1 != tt.sha1 || s256 != tt.sha256 || x5t != tt.x5t {
				t.Errorf("Thumbprints = %s, %s, %s", s1, s256, x5t)
			}
			if strings.ContainsAny(x5t, "=+/") {
				t.Errorf("x5t#S256 %q is not unpadded base64url", x5t)
			}
			if raw, _ := base64.RawURLEncoding.DecodeString(x5t); len(raw) != 32 {
				t.Errorf("x5t#S256 decodes to %d bytes", len(raw))
			}
		})
	}
}

func TestOpenSSLAgrees(t *testing.T) {
	t.Parallel()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		if _, err := os.Stat("/usr/bin/openssl"); err != nil {
			t.Skip("openssl not installed")
		}
		openssl = "/usr/bin/openssl"
	}
	kek := newTestKEK(t)
	c := issue(t, Issuer{}, "acme", kek)
	dir := t.TempDir()
	pemPath := filepath.Join(dir, FileName("acme", "", FormatPEM))
	derPath := filepath.Join(dir, FileName("acme", "", FormatDER))
	if err := os.WriteFile(pemPath, FormatPEM.Encode(c.DER), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(derPath, FormatDER.Encode(c.DER), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(openssl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	fingerprint := func(out string) string {
		_, fp, ok := strings.Cut(out, "=")
		if !ok {
			t.Fatalf("unexpected openssl output %q", out)
		}
		return strings.ToUpper(strings.ReplaceAll(fp, ":", ""))
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "pem sha1", args: []string{"x509", "-in", pemPath, "-noout", "-fingerprint", "-sha1"}, want: c.SHA1Thumbprint},
		{name: "pem sha256", args: []string{"x509", "-in", pemPath, "-noout", "-fingerprint", "-sha256"}, want: c.SHA256Thumbprint},
		{name: "der sha1", args: []string{"x509", "-inform", "DER", "-in", derPath, "-noout", "-fingerprint", "-sha1"}, want: c.SHA1Thumbprint},
	}
	for _, tt := range tests {
		if got := fingerprint(run(tt.args...)); got != tt.want {
			t.Errorf("%s: openssl says %s, we say %s", tt.name, got, tt.want)
		}
	}
	subject := run("x509", "-inform", "DER", "-in", derPath, "-noout", "-subject")
	if !strings.Contains(subject, "acme.qtriage.local") || !strings.Contains(subject, "qtriage") {
		t.Errorf("openssl subject = %q", subject)
	}
	text := run("x509", "-in", pemPath, "-noout", "-text")
	for _, want := range []string{"Version: 3", "Public-Key: (2048 bit)", "TLS Web Client Authentication", "CA:FALSE", "Digital Signature", "Subject Key Identifier"} {
		if !strings.Contains(text, want) {
			t.Errorf("openssl -text lacks %q", want)
		}
	}
	if strings.Contains(text, "Key Encipherment") {
		t.Errorf("certificate allows key encipherment")
	}
}

func TestSigner(t *testing.T) {
	t.Parallel()
	kek := newTestKEK(t)
	c := issue(t, Issuer{}, "acme", kek)

	cert, signer, err := Signer(c, kek)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cert.Raw, c.DER) {
		t.Error("Signer returned another certificate")
	}
	digest := sha256.Sum256([]byte("client assertion"))
	pub := cert.PublicKey.(*rsa.PublicKey)
	t.Run("PKCS1v15", func(t *testing.T) {
		t.Parallel()
		sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			t.Error(err)
		}
		if err := cert.CheckSignature(x509.SHA256WithRSA, []byte("client assertion"), sig); err != nil {
			t.Error(err)
		}
	})
	t.Run("PSS", func(t *testing.T) {
		t.Parallel()
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
		sig, err := signer.Sign(rand.Reader, digest[:], opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, opts); err != nil {
			t.Error(err)
		}
	})
}

func TestSignerErrors(t *testing.T) {
	t.Parallel()
	kek, other := newTestKEK(t), newTestKEK(t)
	c := issue(t, Issuer{}, "acme", kek)
	c2 := issue(t, Issuer{}, "globex", kek)
	notPKCS8, err := kek.Seal([]byte("not a key"), AAD(c.TenantID, c.ID))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(*store.Certificate)) store.Certificate {
		x := c
		f(&x)
		return x
	}
	tests := []struct {
		name    string
		c       store.Certificate
		kek     *KEK
		wantErr error
		want    string
	}{
		{
			name: "error/other master key", c: c, kek: other, wantErr: ErrWrongKey,
			want: "certificate key was wrapped by master key " + kek.ID + ", but the loaded master key is " + other.ID,
		},
		{name: "error/other master key, no KEKID recorded", c: edit(func(x *store.Certificate) { x.KEKID = "" }), kek: other, wantErr: ErrWrongKey, want: "wrong master key?"},
		{name: "error/blob moved to another certificate", c: edit(func(x *store.Certificate) { x.KeyBlob = c2.KeyBlob }), kek: kek, wantErr: ErrCorrupt},
		{name: "error/certificate id changed", c: edit(func(x *store.Certificate) { x.ID = c2.ID }), kek: kek, wantErr: ErrCorrupt},
		{name: "error/tenant id changed", c: edit(func(x *store.Certificate) { x.TenantID = "another-tenant" }), kek: kek, wantErr: ErrCorrupt},
		{name: "error/key does not match certificate", c: edit(func(x *store.Certificate) { x.DER = c2.DER }), kek: kek, wantErr: ErrCorrupt, want: "does not match the certificate"},
		{name: "error/garbage DER", c: edit(func(x *store.Certificate) { x.DER = []byte("garbage") }), kek: kek, wantErr: ErrCorrupt, want: "parse DER"},
		{name: "error/truncated blob", c: edit(func(x *store.Certificate) { x.KeyBlob = c.KeyBlob[:50] }), kek: kek, wantErr: ErrCorrupt},
		{name: "error/no blob", c: edit(func(x *store.Certificate) { x.KeyBlob = nil }), kek: kek, wantErr: ErrCorrupt},
		{name: "error/sealed payload not PKCS#8", c: edit(func(x *store.Certificate) { x.KeyBlob = notPKCS8 }), kek: kek, wantErr: ErrCorrupt, want: "not a PKCS#8 private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cert, signer, err := Signer(tt.c, tt.kek)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if cert != nil || signer != nil {
				t.Error("results returned with an error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "keyring: ") {
				t.Errorf("err = %q, want keyring: ...%q", err, tt.want)
			}
			if strings.Count(err.Error(), "keyring:") > 1 {
				t.Errorf("err = %q repeats the package prefix", err)
			}
		})
	}
	if _, _, err := Signer(c, nil); err == nil {
		t.Error("Signer with nil KEK succeeded")
	}
}

func TestSignerAfterRewrap(t *testing.T) {
	t.Parallel()
	oldK, newK := newTestKEK(t), newTestKEK(t)
	c := issue(t, Issuer{}, "acme", oldK)
	blob, err := Rewrap(oldK, newK, c.KeyBlob, AAD(c.TenantID, c.ID))
	if err != nil {
		t.Fatal(err)
	}
	c.KeyBlob, c.KEKID = blob, newK.ID
	if _, _, err := Signer(c, newK); err != nil {
		t.Fatalf("Signer after rotation: %v", err)
	}
	if _, _, err := Signer(c, oldK); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Signer with the retired key: err = %v, want ErrWrongKey", err)
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	der := []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	tests := []struct {
		name     string
		in       string
		host     string
		want     Format
		wantFile string
		wantErr  bool
	}{
		{name: "pem", in: "pem", host: "qtriage.example.com", want: FormatPEM, wantFile: "acme.qtriage.example.com.crt"},
		{name: "der", in: "der", host: "qtriage.example.com", want: FormatDER, wantFile: "acme.qtriage.example.com.cer"},
		{name: "upper case", in: " PEM ", want: FormatPEM, wantFile: "acme.qtriage.local.crt"},
		{name: "error/crt", in: "crt", wantErr: true},
		{name: "error/pfx", in: "pfx", wantErr: true},
		{name: "error/empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFormat(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrUnknownFormat) {
					t.Fatalf("err = %v, want ErrUnknownFormat", err)
				}
				return
			}
			if err != nil || f != tt.want {
				t.Fatalf("ParseFormat(%q) = %q, %v", tt.in, f, err)
			}
			if got := FileName("acme", tt.host, f); got != tt.wantFile {
				t.Errorf("FileName = %q, want %q", got, tt.wantFile)
			}
			enc := f.Encode(der)
			switch f {
			case FormatPEM:
				b, rest := pem.Decode(enc)
				if b == nil || b.Type != "CERTIFICATE" || !bytes.Equal(b.Bytes, der) || len(rest) != 0 {
					t.Errorf("PEM encoding %q", enc)
				}
			case FormatDER:
				if !bytes.Equal(enc, der) {
					t.Errorf("DER encoding changed the bytes")
				}
			}
			if f.ContentType() == "application/octet-stream" {
				t.Errorf("no content type for %s", f)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	now := fixedNow
	tests := []struct {
		name     string
		notAfter time.Time
		wantDays int
		wantSoon bool
	}{
		{name: "fresh two-year cert", notAfter: now.Add(730 * day), wantDays: 730},
		{name: "31 days", notAfter: now.Add(31 * day), wantDays: 31},
		{name: "just over 30 days", notAfter: now.Add(30*day + time.Second), wantDays: 30},
		{name: "exactly 30 days", notAfter: now.Add(30 * day), wantDays: 30, wantSoon: true},
		{name: "29.5 days", notAfter: now.Add(29*day + 12*time.Hour), wantDays: 29, wantSoon: true},
		{name: "an hour", notAfter: now.Add(time.Hour), wantDays: 0, wantSoon: true},
		{name: "expiring now", notAfter: now, wantDays: 0, wantSoon: true},
		{name: "expired an hour ago", notAfter: now.Add(-time.Hour), wantDays: -1, wantSoon: true},
		{name: "expired 2 days ago", notAfter: now.Add(-2 * day), wantDays: -2, wantSoon: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := store.Certificate{NotAfter: tt.notAfter.UTC()}
			if got := DaysLeft(c, now); got != tt.wantDays {
				t.Errorf("DaysLeft = %d, want %d", got, tt.wantDays)
			}
			if got := ExpiresSoon(c, now); got != tt.wantSoon {
				t.Errorf("ExpiresSoon = %v, want %v", got, tt.wantSoon)
			}
		})
	}
}

func hexOf(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}
