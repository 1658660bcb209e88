// Package m365sim emulates the two Microsoft services qtriage talks to: the
// Entra ID token endpoint (OAuth2 client credentials with a certificate
// assertion) and the Exchange Online admin API (InvokeCommand with the
// quarantine cmdlets). It serves HTTPS with its own CA, persists its
// directory and quarantine in a state directory, and can inject faults.
//
// It is built to docs/m365sim.md and to the wire specification in the
// shared reference (exchange-online.md).
package m365sim

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Errors returned by the sim's Go API. HTTP handlers map them to the
// responses of the emulated services.
var (
	ErrNotFound      = errors.New("m365sim: not found")
	ErrAlreadyExists = errors.New("m365sim: already exists")
	ErrInvalid       = errors.New("m365sim: invalid argument")
)

// DefaultTokenLifetime is the expires_in of issued access tokens.
const DefaultTokenLifetime = 3599 * time.Second

// Options configures a Sim.
type Options struct {
	// StateDir holds ca.pem, the keys and state.json. Empty keeps
	// everything in memory (nothing survives Close).
	StateDir string
	// Listen is the TCP address to serve on; default "127.0.0.1:0".
	Listen string
	// TLSCertFile and TLSKeyFile bring an own server certificate; by
	// default the sim issues one from its CA for 127.0.0.1, ::1 and
	// localhost.
	TLSCertFile, TLSKeyFile string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Seed makes fault injection and generated identifiers of seeding
	// deterministic.
	Seed uint64
	// TokenLifetime is the lifetime of issued access tokens; default 3599s.
	TokenLifetime time.Duration
	// DefaultFaults applies to tenants that have no faults of their own.
	DefaultFaults Faults
	// SeedDir and SeedTenant load a directory of .eml files into the
	// quarantine of a tenant (created if missing) at start.
	SeedDir, SeedTenant string
	// SigningKey, when set, signs access tokens instead of the key kept in
	// the state dir (tests pass a cached key: generating one is slow).
	SigningKey *rsa.PrivateKey
	// Logger receives request logs; default discards.
	Logger *slog.Logger
}

// Sim is a running emulator. It is safe for concurrent use.
type Sim struct {
	opts   Options
	now    func() time.Time
	logger *slog.Logger

	mu    sync.RWMutex
	st    *state
	blobs map[string][]byte // eml bytes by sha256 hex

	rngMu sync.Mutex
	rng   *rand.Rand

	signKey  *rsa.PrivateKey
	signCert *x509.Certificate
	keyID    string

	ca     *certAuthority
	caPEM  []byte
	caPool *x509.CertPool

	jtis     *jtiCache
	stats    *statsCollector
	limiters *tenantLimiters

	saver *saver

	ln      net.Listener
	srv     *http.Server
	url     string
	handler http.Handler
	done    chan struct{}

	transportOnce sync.Once
	transport     *http.Transport
}

// New creates (or reopens, when StateDir holds a previous state) a sim and
// starts serving HTTPS on Options.Listen.
func New(opts Options) (*Sim, error) {
	s, err := newSim(opts)
	if err != nil {
		return nil, err
	}
	if err := s.start(); err != nil {
		s.saver.close()
		return nil, err
	}
	return s, nil
}

func newSim(opts Options) (*Sim, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = DefaultTokenLifetime
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := opts.DefaultFaults.Validate(); err != nil {
		return nil, err
	}
	if (opts.TLSCertFile == "") != (opts.TLSKeyFile == "") {
		return nil, fmt.Errorf("m365sim: --tls-cert and --tls-key go together: %w", ErrInvalid)
	}
	s := &Sim{
		opts:     opts,
		now:      opts.Now,
		logger:   opts.Logger,
		blobs:    map[string][]byte{},
		rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		jtis:     newJTICache(),
		stats:    newStatsCollector(),
		limiters: newTenantLimiters(),
		done:     make(chan struct{}),
	}
	keys, err := loadOrCreateKeys(opts.StateDir, opts.SigningKey)
	if err != nil {
		return nil, err
	}
	s.ca = keys.ca
	s.caPEM = keys.caPEM
	s.caPool = x509.NewCertPool()
	s.caPool.AppendCertsFromPEM(keys.caPEM)
	s.signKey = keys.signKey
	s.signCert = keys.signCert
	s.keyID = keys.keyID

	st, blobs, err := loadState(opts.StateDir)
	if err != nil {
		return nil, err
	}
	s.st = st
	s.blobs = blobs
	s.saver = newSaver(opts.StateDir, s.snapshot, s.logger)
	s.handler = s.routes()

	if opts.SeedDir != "" {
		if opts.SeedTenant == "" {
			return nil, fmt.Errorf("m365sim: seed dir needs a seed tenant: %w", ErrInvalid)
		}
		if _, err := s.Tenant(opts.SeedTenant); errors.Is(err, ErrNotFound) {
			if _, err := s.CreateTenant(opts.SeedTenant); err != nil {
				return nil, err
			}
		}
		if _, err := s.Seed(opts.SeedTenant, opts.SeedDir); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Sim) start() error {
	var tlsCert tls.Certificate
	var err error
	if s.opts.TLSCertFile != "" {
		tlsCert, err = tls.LoadX509KeyPair(s.opts.TLSCertFile, s.opts.TLSKeyFile)
		if err != nil {
			return fmt.Errorf("m365sim: load tls key pair: %w", err)
		}
	} else {
		tlsCert, err = s.ca.serverCertificate(s.opts.StateDir, time.Now()) // real time: TLS clients check it against theirs
		if err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("m365sim: listen: %w", err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{tlsCert},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"h2", "http/1.1"},
		},
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
	}
	s.url = "https://" + ln.Addr().String()
	go func() {
		defer close(s.done)
		if err := s.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("m365sim: serve", "err", err)
		}
	}()
	return nil
}

// URL is the base URL of the sim, e.g. https://127.0.0.1:8443.
func (s *Sim) URL() string { return s.url }

// AuthorityHost is the authority URL a customer types into qtriage, the
// host part with a trailing slash (like https://login.microsoftonline.com/).
func (s *Sim) AuthorityHost() string { return s.url + "/" }

// AuthorityURL is the MSAL authority for a tenant (GUID or domain).
func (s *Sim) AuthorityURL(tenant string) string { return s.url + "/" + tenant }

// ExchangeURL is the Exchange base URL, the part before /adminapi.
func (s *Sim) ExchangeURL() string { return s.url }

// CAPool holds the sim's CA, to be trusted by clients.
func (s *Sim) CAPool() *x509.CertPool { return s.caPool }

// CAPEM is the sim's CA certificate in PEM.
func (s *Sim) CAPEM() []byte { return append([]byte(nil), s.caPEM...) }

// CAFile is the path of ca.pem in the state dir ("" in memory mode).
func (s *Sim) CAFile() string { return caFile(s.opts.StateDir) }

// Handler serves the sim's HTTP surface (for embedding in another server).
func (s *Sim) Handler() http.Handler { return s.handler }

// HTTPClient returns a client that trusts the sim's CA. Clients share one
// transport (and so their connections).
func (s *Sim) HTTPClient() *http.Client {
	s.transportOnce.Do(func() {
		s.transport = &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: s.caPool, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2:   true,
			MaxIdleConnsPerHost: 16,
		}
	})
	return &http.Client{Timeout: 30 * time.Second, Transport: s.transport}
}

// Close stops serving and flushes the state to disk.
func (s *Sim) Close() error {
	var errs []error
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
	if s.srv != nil {
		// Requests in flight get a moment to finish; idle HTTP/2
		// connections of other clients would hold Shutdown until the
		// timeout, so the rest is closed hard.
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
		}
		<-s.done
	}
	if err := s.saver.close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// randFloat returns a deterministic pseudo-random number in [0,1).
func (s *Sim) randFloat() float64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Float64()
}
