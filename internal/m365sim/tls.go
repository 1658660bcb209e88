package m365sim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

const (
	caCertName     = "ca.pem"
	caKeyName      = "ca-key.pem"
	serverCertName = "server.pem"
	serverKeyName  = "server-key.pem"
	signKeyName    = "token-signing-key.pem"
)

// certAuthority is the sim's own CA that issues its server certificate.
type certAuthority struct {
	cert *x509.Certificate
	key  crypto.Signer
}

type simKeys struct {
	ca       *certAuthority
	caPEM    []byte
	signKey  *rsa.PrivateKey
	signCert *x509.Certificate // self-signed, published in the keys' x5c
	keyID    string
}

func caFile(dir string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, caCertName)
}

// loadOrCreateKeys reads the CA and the token signing key from dir, creating
// them on first start. An empty dir creates them in memory.
func loadOrCreateKeys(dir string, signKey *rsa.PrivateKey) (*simKeys, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("m365sim: create state dir: %w", err)
		}
	}
	ca, caPEM, err := loadOrCreateCA(dir)
	if err != nil {
		return nil, err
	}
	if signKey == nil {
		signKey, err = loadOrCreateSigningKey(dir)
		if err != nil {
			return nil, err
		}
	}
	der, err := x509.MarshalPKIXPublicKey(&signKey.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("m365sim: marshal signing key: %w", err)
	}
	sum := sha1.Sum(der)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(sum[:]),
		Subject:      pkix.Name{CommonName: "accounts.m365sim.invalid"},
		NotBefore:    now.Add(-24 * time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &signKey.PublicKey, signKey)
	if err != nil {
		return nil, fmt.Errorf("m365sim: signing certificate: %w", err)
	}
	signCert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, fmt.Errorf("m365sim: signing certificate: %w", err)
	}
	return &simKeys{ca: ca, caPEM: caPEM, signKey: signKey, signCert: signCert, keyID: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}

func loadOrCreateCA(dir string) (*certAuthority, []byte, error) {
	if dir != "" {
		certPEM, err1 := os.ReadFile(filepath.Join(dir, caCertName))
		keyPEM, err2 := os.ReadFile(filepath.Join(dir, caKeyName))
		if err1 == nil && err2 == nil {
			pair, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				return nil, nil, fmt.Errorf("m365sim: load ca: %w", err)
			}
			cert, err := x509.ParseCertificate(pair.Certificate[0])
			if err != nil {
				return nil, nil, fmt.Errorf("m365sim: parse ca: %w", err)
			}
			signer, ok := pair.PrivateKey.(crypto.Signer)
			if !ok {
				return nil, nil, fmt.Errorf("m365sim: ca key is not a signer: %w", ErrInvalid)
			}
			return &certAuthority{cert: cert, key: signer}, certPEM, nil
		}
		if !errors.Is(err1, fs.ErrNotExist) && err1 != nil {
			return nil, nil, fmt.Errorf("m365sim: read ca: %w", err1)
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("m365sim: generate ca key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "m365sim local CA", Organization: []string{"qtriage m365sim"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("m365sim: create ca: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("m365sim: parse ca: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if dir != "" {
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, fmt.Errorf("m365sim: marshal ca key: %w", err)
		}
		if err := writeFileAtomic(filepath.Join(dir, caKeyName), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
			return nil, nil, err
		}
		if err := writeFileAtomic(filepath.Join(dir, caCertName), certPEM, 0o644); err != nil {
			return nil, nil, err
		}
	}
	return &certAuthority{cert: cert, key: key}, certPEM, nil
}

func loadOrCreateSigningKey(dir string) (*rsa.PrivateKey, error) {
	path := ""
	if dir != "" {
		path = filepath.Join(dir, signKeyName)
		b, err := os.ReadFile(path)
		if err == nil {
			block, _ := pem.Decode(b)
			if block == nil {
				return nil, fmt.Errorf("m365sim: %s is not PEM: %w", path, ErrInvalid)
			}
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("m365sim: parse signing key: %w", err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("m365sim: signing key is not RSA: %w", ErrInvalid)
			}
			return rk, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("m365sim: read signing key: %w", err)
		}
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("m365sim: generate signing key: %w", err)
	}
	if path != "" {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("m365sim: marshal signing key: %w", err)
		}
		if err := writeFileAtomic(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, err
		}
	}
	return key, nil
}

// serverCertificate loads the server certificate from dir when it is still
// valid for a day, else issues a new one for 127.0.0.1, ::1 and localhost.
func (ca *certAuthority) serverCertificate(dir string, now time.Time) (tls.Certificate, error) {
	if dir != "" {
		certPEM, err1 := os.ReadFile(filepath.Join(dir, serverCertName))
		keyPEM, err2 := os.ReadFile(filepath.Join(dir, serverKeyName))
		if err1 == nil && err2 == nil {
			pair, err := tls.X509KeyPair(certPEM, keyPEM)
			if err == nil {
				leaf, err := x509.ParseCertificate(pair.Certificate[0])
				if err == nil && leaf.CheckSignatureFrom(ca.cert) == nil && now.Add(24*time.Hour).Before(leaf.NotAfter) {
					return pair, nil
				}
			}
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("m365sim: generate server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"qtriage m365sim"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("m365sim: issue server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("m365sim: marshal server key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if dir != "" {
		if err := writeFileAtomic(filepath.Join(dir, serverKeyName), keyPEM, 0o600); err != nil {
			return tls.Certificate{}, err
		}
		if err := writeFileAtomic(filepath.Join(dir, serverCertName), certPEM, 0o644); err != nil {
			return tls.Certificate{}, err
		}
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("m365sim: server key pair: %w", err)
	}
	return pair, nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

// writeFileAtomic writes data to a temporary file in the same directory and
// renames it over path.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("m365sim: write %s: %w", filepath.Base(path), err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, perm)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("m365sim: write %s: %w", filepath.Base(path), werr)
	}
	return nil
}
