package keyring

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/store"
)

// Issuer defaults.
const (
	DefaultBits       = 2048
	DefaultValidity   = 730 * 24 * time.Hour // two years
	DefaultPublicHost = "qtriage.local"
	// ClockSkew is subtracted from the issue time for NotBefore, so a
	// certificate is valid at once on a server whose clock runs behind.
	ClockSkew = 5 * time.Minute
	// ExpiryWarning is how close to NotAfter ExpiresSoon starts reporting.
	ExpiryWarning = 30 * 24 * time.Hour
	// Organization is the subject O of every issued certificate.
	Organization = "qtriage"
)

// Issuer makes self-signed tenant certificates. The zero value is usable.
type Issuer struct {
	// Bits is the RSA key size: 2048 (default when 0), 3072 or 4096.
	Bits int
	// Validity is how long a certificate is valid; DefaultValidity when 0.
	Validity time.Duration
	// PublicHost is the host name part of the subject CN
	// (<slug>.<PublicHost>); DefaultPublicHost when empty.
	PublicHost string
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Rand supplies the serial number, the data key and the nonces;
	// crypto/rand when nil. Since Go 1.26 the RSA key itself always comes
	// from crypto/rand (use testing/cryptotest.SetGlobalRandom in tests).
	Rand io.Reader
}

func (i Issuer) withDefaults() (Issuer, error) {
	switch i.Bits {
	case 0:
		i.Bits = DefaultBits
	case 2048, 3072, 4096:
	default:
		return i, fmt.Errorf("keyring: unsupported RSA key size %d (want 2048, 3072 or 4096)", i.Bits)
	}
	if i.Validity == 0 {
		i.Validity = DefaultValidity
	}
	if i.Validity < 0 {
		return i, fmt.Errorf("keyring: negative certificate validity %s", i.Validity)
	}
	if i.PublicHost == "" {
		i.PublicHost = DefaultPublicHost
	}
	if !validHost(i.PublicHost) {
		return i, fmt.Errorf("keyring: invalid public host %q", i.PublicHost)
	}
	if i.Now == nil {
		i.Now = time.Now
	}
	if i.Rand == nil {
		i.Rand = rand.Reader
	}
	return i, nil
}

// Issue generates an RSA key and a self-signed certificate for the tenant
// (subject CN <slug>.<PublicHost>, O qtriage, client authentication only),
// and returns it as a pending store.Certificate whose KeyBlob holds the
// PKCS#8 private key sealed under kek and bound to AAD(tenantID, ID). The
// caller sets Status to active for a tenant's first certificate.
func (i Issuer) Issue(tenantID, slug string, kek *KEK) (store.Certificate, error) {
	i, err := i.withDefaults()
	if err != nil {
		return store.Certificate{}, err
	}
	if kek == nil {
		return store.Certificate{}, errors.New("keyring: issue: no master key")
	}
	if tenantID == "" {
		return store.Certificate{}, errors.New("keyring: issue: empty tenant id")
	}
	if !validLabel(slug) {
		return store.Certificate{}, fmt.Errorf("keyring: issue: invalid tenant slug %q", slug)
	}
	certID, err := uuid.NewRandomFromReader(i.Rand)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("keyring: issue: certificate id: %w", err)
	}
	serial, err := newSerial(i.Rand)
	if err != nil {
		return store.Certificate{}, err
	}

	key, err := rsa.GenerateKey(rand.Reader, i.Bits)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("keyring: issue: generate RSA key: %w", err)
	}
	// key lives only in this frame: its PKCS#8 encoding is cleared after
	// sealing and no reference to it escapes. (big.Int limbs cannot be
	// cleared; the garbage collector reclaims them.)

	// Certificates carry whole seconds; truncating here keeps CreatedAt,
	// NotBefore and NotAfter consistent (DaysLeft at issue time = validity).
	now := i.Now().Truncate(time.Second)
	ski := sha1.Sum(x509.MarshalPKCS1PublicKey(&key.PublicKey)) // RFC 5280 4.2.1.2 (1)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   slug + "." + i.PublicHost,
			Organization: []string{Organization},
		},
		NotBefore:             now.Add(-ClockSkew).UTC(),
		NotAfter:              now.Add(i.Validity).UTC(),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
		SubjectKeyId:          ski[:],
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("keyring: issue: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("keyring: issue: parse new certificate: %w", err)
	}

	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("keyring: issue: marshal key: %w", err)
	}
	blob, err := kek.seal(i.Rand, pkcs8, AAD(tenantID, certID.String()))
	clear(pkcs8)
	if err != nil {
		return store.Certificate{}, err
	}

	sha1Hex, sha256Hex, _ := Thumbprints(der)
	return store.Certificate{
		ID:               certID.String(),
		TenantID:         tenantID,
		Status:           store.CertPending,
		Subject:          cert.Subject.String(),
		DER:              der,
		NotBefore:        cert.NotBefore.UTC(),
		NotAfter:         cert.NotAfter.UTC(),
		SHA1Thumbprint:   sha1Hex,
		SHA256Thumbprint: sha256Hex,
		KeyBlob:          blob,
		KEKID:            kek.ID,
		CreatedAt:        now.UTC(),
	}, nil
}

// newSerial returns a random positive serial number of exactly 128 bits
// (the top bit set, 127 bits of entropy).
func newSerial(r io.Reader) (*big.Int, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, fmt.Errorf("keyring: issue: serial number: %w", err)
	}
	b[0] |= 0x80
	return new(big.Int).SetBytes(b[:]), nil
}

// Thumbprints returns the upper-case hex SHA-1 and SHA-256 of a DER
// certificate (no separators; the SHA-1 is what the Azure portal shows as
// the thumbprint) and its RFC 7517 "x5t#S256" value: base64url, unpadded,
// of the SHA-256.
func Thumbprints(der []byte) (sha1Hex, sha256Hex, x5tS256 string) {
	s1 := sha1.Sum(der)
	s256 := sha256.Sum256(der)
	return strings.ToUpper(hex.EncodeToString(s1[:])),
		strings.ToUpper(hex.EncodeToString(s256[:])),
		base64.RawURLEncoding.EncodeToString(s256[:])
}

// Signer opens the certificate's private key with kek, in memory only, and
// returns the parsed certificate and a signer for it. Errors match
// ErrWrongKey (another master key sealed it; the message names both key
// ids when c.KEKID is set) or ErrCorrupt (the blob, the DER or the pairing
// of key and certificate is broken).
func Signer(c store.Certificate, kek *KEK) (*x509.Certificate, crypto.Signer, error) {
	if kek == nil {
		return nil, nil, errors.New("keyring: signer: no master key")
	}
	if c.KEKID != "" && c.KEKID != kek.ID {
		return nil, nil, withContext(ErrWrongKey, fmt.Sprintf(
			"certificate %s: certificate key was wrapped by master key %s, but the loaded master key is %s",
			c.ID, c.KEKID, kek.ID))
	}
	cert, err := x509.ParseCertificate(c.DER)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: certificate %s: parse DER: %v", ErrCorrupt, c.ID, err)
	}
	pkcs8, err := kek.Open(c.KeyBlob, AAD(c.TenantID, c.ID))
	if err != nil {
		return nil, nil, withContext(err, "certificate "+c.ID)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(pkcs8)
	clear(pkcs8)
	if err != nil {
		// Do not include err: it would describe key material.
		return nil, nil, fmt.Errorf("%w: certificate %s: sealed key is not a PKCS#8 private key", ErrCorrupt, c.ID)
	}
	signer, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("%w: certificate %s: sealed key of type %T cannot sign", ErrCorrupt, c.ID, parsed)
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, nil, fmt.Errorf("%w: certificate %s: sealed key does not match the certificate's public key", ErrCorrupt, c.ID)
	}
	return cert, signer, nil
}

// EncodePEM returns the DER certificate as a PEM "CERTIFICATE" block.
func EncodePEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// Format is a certificate download format.
type Format string

// Certificate download formats. Entra ID accepts both.
const (
	FormatPEM Format = "pem" // .crt, base64 text
	FormatDER Format = "der" // .cer, binary
)

// ErrUnknownFormat is returned by ParseFormat for anything but pem or der.
var ErrUnknownFormat = errors.New("keyring: unknown certificate format")

// ParseFormat parses "pem" or "der" (case-insensitive).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatPEM, FormatDER:
		return f, nil
	default:
		return "", fmt.Errorf("%w %q (want pem or der)", ErrUnknownFormat, s)
	}
}

// Ext returns the file extension, with its dot: ".crt" for PEM, ".cer" for
// DER, "" for an unknown format.
func (f Format) Ext() string {
	switch f {
	case FormatPEM:
		return ".crt"
	case FormatDER:
		return ".cer"
	default:
		return ""
	}
}

// ContentType returns the media type to serve the certificate with.
func (f Format) ContentType() string {
	switch f {
	case FormatPEM:
		return "application/x-pem-file"
	case FormatDER:
		return "application/pkix-cert"
	default:
		return "application/octet-stream"
	}
}

// Encode returns the DER certificate in format f (DER is returned as is).
func (f Format) Encode(der []byte) []byte {
	switch f {
	case FormatPEM:
		return EncodePEM(der)
	case FormatDER:
		return der
	default:
		return nil
	}
}

// FileName returns the download file name of a tenant certificate:
// <slug>.<publicHost>.crt for PEM, .cer for DER. publicHost defaults to
// DefaultPublicHost when empty. Use ParseFormat to validate user input first;
// an unknown format gets no extension.
func FileName(slug, publicHost string, f Format) string {
	if publicHost == "" {
		publicHost = DefaultPublicHost
	}
	return slug + "." + publicHost + f.Ext()
}

// DaysLeft returns the whole days from now until c.NotAfter, rounded down;
// negative once the certificate has expired.
func DaysLeft(c store.Certificate, now time.Time) int {
	d := c.NotAfter.Sub(now)
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days-- // floor, not truncation toward zero
	}
	return days
}

// ExpiresSoon reports whether c expires within ExpiryWarning (30 days) of
// now, or has already expired.
func ExpiresSoon(c store.Certificate, now time.Time) bool {
	return c.NotAfter.Sub(now) <= ExpiryWarning
}

// validLabel reports whether s is a tenant slug: ^[a-z0-9][a-z0-9-]{1,39}$.
func validLabel(s string) bool {
	if len(s) < 2 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0:
		default:
			return false
		}
	}
	return true
}

// validHost reports whether s looks like a DNS host name: dot-separated
// labels of letters, digits and hyphens.
func validHost(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
