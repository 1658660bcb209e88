package tenant

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/qtriage/qtriage/internal/store"
)

var (
	slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)
	guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// A DNS label: letters, digits and inner hyphens.
	labelRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// ValidateSlug checks a tenant slug: 2 to 40 characters, lower-case letters,
// digits and hyphens, starting with a letter or digit.
func ValidateSlug(slug string) error {
	if !slugRe.MatchString(slug) {
		return fmt.Errorf("%w: slug %q must be 2-40 characters of a-z, 0-9 and '-', starting with a letter or digit", ErrInvalid, slug)
	}
	return nil
}

func validateName(name string) error {
	if len(name) > 200 {
		return fmt.Errorf("%w: name is longer than 200 bytes", ErrInvalid)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: name contains a control character", ErrInvalid)
		}
	}
	return nil
}

// ConnectInput is what the customer gives us, as typed.
type ConnectInput struct {
	AppID        string
	DirectoryID  string
	Organization string
	Cloud        string // empty means public
	AuthorityURL string
	ExchangeURL  string
	CAFile       string
}

// Normalize validates the input and returns the connection to store. It
// reports every problem at once, each naming the field the customer must fix.
func (in ConnectInput) Normalize() (store.Connection, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	c := store.Connection{
		AppID:        strings.ToLower(strings.TrimSpace(in.AppID)),
		DirectoryID:  strings.ToLower(strings.TrimSpace(in.DirectoryID)),
		Organization: strings.ToLower(strings.TrimSpace(in.Organization)),
		Cloud:        store.Cloud(strings.ToLower(strings.TrimSpace(in.Cloud))),
		AuthorityURL: strings.TrimSpace(in.AuthorityURL),
		ExchangeURL:  strings.TrimSpace(in.ExchangeURL),
		CAFile:       strings.TrimSpace(in.CAFile),
	}
	if c.Cloud == "" {
		c.Cloud = store.CloudPublic
	}
	if !guidRe.MatchString(c.AppID) {
		bad("application (client) ID %q is not a GUID like 00000000-0000-0000-0000-000000000000: copy it from the app's Overview page in Entra ID", in.AppID)
	}
	if !guidRe.MatchString(c.DirectoryID) {
		bad("directory (tenant) ID %q is not a GUID like 00000000-0000-0000-0000-000000000000: copy it from the app's Overview page in Entra ID", in.DirectoryID)
	}
	if err := validateOrganization(c.Organization); err != nil {
		bad("organization ID %q %v", in.Organization, err)
	}
	switch c.Cloud {
	case store.CloudPublic, store.CloudGCCHigh, store.CloudDoD:
		if c.AuthorityURL != "" || c.ExchangeURL != "" || c.CAFile != "" {
			bad("--authority-url, --exchange-url and --ca-file are only for the custom cloud, not %q", c.Cloud)
		}
	case store.CloudCustom:
		if err := validateHTTPSURL(c.AuthorityURL); err != nil {
			bad("authority URL: %v", err)
		}
		if err := validateHTTPSURL(c.ExchangeURL); err != nil {
			bad("exchange URL: %v", err)
		}
		if c.CAFile != "" {
			if err := validateCAFile(c.CAFile); err != nil {
				bad("CA file: %v", err)
			} else if abs, err := filepath.Abs(c.CAFile); err == nil {
				c.CAFile = abs // the server may run from another directory
			}
		}
	default:
		bad("cloud %q: want public, gcchigh, dod or custom", in.Cloud)
	}
	if len(errs) > 0 {
		return store.Connection{}, errors.Join(errs...)
	}
	return c, nil
}

func validateOrganization(org string) error {
	name, ok := strings.CutSuffix(org, ".onmicrosoft.com")
	if !ok || name == "" {
		return errors.New("must be the domain ending in .onmicrosoft.com (Entra ID → Custom domain names), e.g. contoso.onmicrosoft.com")
	}
	for _, l := range strings.Split(name, ".") {
		if !labelRe.MatchString(l) {
			return errors.New("is not a valid domain name")
		}
	}
	return nil
}

func validateHTTPSURL(raw string) error {
	if raw == "" {
		return errors.New("required for the custom cloud")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q does not parse: %v", raw, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%q must be an absolute https:// URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q must not have a query, fragment or user info", raw)
	}
	return nil
}

func validateCAFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	n := 0
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s holds no PEM certificate", path)
	}
	return nil
}
