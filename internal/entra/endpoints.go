package entra

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/qtriage/qtriage/internal/store"
)

// Endpoints are the Microsoft endpoints of one tenant's cloud.
type Endpoints struct {
	// Authority is the MSAL authority: the login host followed by the
	// directory (tenant) id.
	Authority string
	// Scope is the Exchange Online resource's .default scope.
	Scope string
	// ExchangeURL is the Exchange Online base URL, the part before
	// /adminapi.
	ExchangeURL string
	// InstanceDiscovery is false for the custom cloud: MSAL must not ask
	// login.microsoftonline.com about a host it does not know.
	InstanceDiscovery bool
	// CAFile, custom cloud only, is a PEM bundle trusted besides the system
	// roots.
	CAFile string
}

// Hosts of the clouds qtriage knows (the shared reference, section 2).
const (
	publicLogin   = "https://login.microsoftonline.com/"
	govLogin      = "https://login.microsoftonline.us/"
	publicOutlook = "https://outlook.office365.com"
	gccHighOutlk  = "https://outlook.office365.us"
	dodOutlook    = "https://outlook-dod.office365.us"
)

// EndpointsFor returns the endpoints of a tenant's connection.
func EndpointsFor(c store.Connection) (Endpoints, error) {
	if c.DirectoryID == "" {
		return Endpoints{}, fmt.Errorf("%w: no directory (tenant) id", ErrConfig)
	}
	switch c.Cloud {
	case store.CloudPublic, "":
		return Endpoints{Authority: publicLogin + c.DirectoryID, Scope: publicOutlook + "/.default", ExchangeURL: publicOutlook, InstanceDiscovery: true}, nil
	case store.CloudGCCHigh:
		return Endpoints{Authority: govLogin + c.DirectoryID, Scope: gccHighOutlk + "/.default", ExchangeURL: gccHighOutlk, InstanceDiscovery: true}, nil
	case store.CloudDoD:
		return Endpoints{Authority: govLogin + c.DirectoryID, Scope: dodOutlook + "/.default", ExchangeURL: dodOutlook, InstanceDiscovery: true}, nil
	case store.CloudCustom:
		if c.AuthorityURL == "" || c.ExchangeURL == "" {
			return Endpoints{}, fmt.Errorf("%w: the custom cloud needs an authority URL and an Exchange URL", ErrConfig)
		}
		return Endpoints{
			Authority: strings.TrimSuffix(c.AuthorityURL, "/") + "/" + c.DirectoryID,
			// The emulator stands in for the public cloud's Exchange.
			Scope:       publicOutlook + "/.default",
			ExchangeURL: strings.TrimSuffix(c.ExchangeURL, "/"),
			CAFile:      c.CAFile,
		}, nil
	}
	return Endpoints{}, fmt.Errorf("%w: unknown cloud %q", ErrConfig, c.Cloud)
}

// HTTPClient returns an HTTP client for the endpoints: TLS 1.2 or later,
// the system roots plus CAFile, connection timeouts. Each request still
// carries its own context deadline.
func (e Endpoints) HTTPClient() (*http.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if e.CAFile != "" {
		pem, err := os.ReadFile(e.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: CA file: %w", ErrConfig, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: CA file %s holds no PEM certificate", ErrConfig, e.CAFile)
		}
		tc.RootCAs = pool
	}
	return &http.Client{
		// A bound for the whole exchange; callers' contexts are shorter.
		Timeout: 20 * time.Minute,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       tc,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 16 * time.Minute, // cmdlets time out server-side after 15 minutes
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   8,
			ForceAttemptHTTP2:     true,
		},
	}, nil
}
