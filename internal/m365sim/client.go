package m365sim

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// ErrAdmin is returned when the sim's admin surface answers with an error.
var ErrAdmin = errors.New("m365sim: admin call failed")

// AdminClient calls a running sim's /_sim/ admin surface over HTTPS.
type AdminClient struct {
	base string
	http *http.Client
}

// NewAdminClient returns a client for the sim at baseURL that trusts the CA
// in caFile (PEM). An empty caFile uses the system roots.
func NewAdminClient(baseURL, caFile string) (*AdminClient, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("m365sim: admin url %q must be https://host:port: %w", baseURL, ErrInvalid)
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pemBytes, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("m365sim: read ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return nil, fmt.Errorf("m365sim: %s holds no PEM certificate: %w", caFile, ErrInvalid)
		}
		tlsCfg.RootCAs = pool
	}
	return &AdminClient{
		base: strings.TrimSuffix(baseURL, "/"),
		http: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
	}, nil
}

// Call performs one admin request and returns the JSON answer.
func (c *AdminClient) Call(ctx context.Context, method, path string, in any) (json.RawMessage, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("m365sim: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("m365sim: admin request: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("m365sim: admin request: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("m365sim: admin answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return nil, fmt.Errorf("%w: %s %s: %d: %s", ErrAdmin, method, path, resp.StatusCode, e.Error)
	}
	return json.RawMessage(bytes.TrimSpace(b)), nil
}

func esc(s string) string { return url.PathEscape(s) }

func appPath(tenant, app string) string {
	return "/_sim/tenants/" + esc(tenant) + "/apps/" + esc(app)
}

// FlagKind is the type of an admin verb's flag.
type FlagKind int

// Flag kinds.
const (
	FlagString FlagKind = iota + 1
	FlagStrings
	FlagBool
)

// AdminFlag is one flag of an admin verb.
type AdminFlag struct {
	Name     string
	Kind     FlagKind
	Usage    string
	Required bool
}

// AdminArgs are the parsed flags of an admin verb.
type AdminArgs struct {
	Strings map[string]string
	Lists   map[string][]string
	Bools   map[string]bool
}

// AdminVerb is one verb of `qtriage m365sim admin`.
type AdminVerb struct {
	Name  string
	Short string
	Flags []AdminFlag
	Run   func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error)
}

func tenantFlag() AdminFlag {
	return AdminFlag{Name: "tenant", Kind: FlagString, Usage: "tenant name, GUID or domain", Required: true}
}

func appFlag() AdminFlag {
	return AdminFlag{Name: "app", Kind: FlagString, Usage: "application (client) id or display name", Required: true}
}

// AdminVerbs lists the verbs of `qtriage m365sim admin`; each prints one
// JSON object.
func AdminVerbs() []AdminVerb {
	return []AdminVerb{
		{Name: "tenant-create", Short: "create a tenant <name>.onmicrosoft.com",
			Flags: []AdminFlag{{Name: "name", Kind: FlagString, Usage: "tenant name", Required: true}, {Name: "id", Kind: FlagString, Usage: "directory id (random when empty)"}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodPost, "/_sim/tenants", map[string]string{"name": a.Strings["name"], "id": a.Strings["id"]})
			}},
		{Name: "tenant-show", Short: "show a tenant with its apps and role assignments",
			Flags: []AdminFlag{tenantFlag()},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodGet, "/_sim/tenants/"+esc(a.Strings["tenant"]), nil)
			}},
		{Name: "domain-add", Short: "add a verified (vanity) domain",
			Flags: []AdminFlag{tenantFlag(), {Name: "domain", Kind: FlagString, Usage: "domain", Required: true}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodPost, "/_sim/tenants/"+esc(a.Strings["tenant"])+"/domains", map[string]string{"domain": a.Strings["domain"]})
			}},
		{Name: "app-create", Short: "register an app (and its service principal)",
			Flags: []AdminFlag{tenantFlag(), {Name: "name", Kind: FlagString, Usage: "display name", Required: true}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodPost, "/_sim/tenants/"+esc(a.Strings["tenant"])+"/apps", map[string]string{"name": a.Strings["name"]})
			}},
		{Name: "cert-upload", Short: "upload a certificate (PEM or DER) to an app",
			Flags: []AdminFlag{tenantFlag(), appFlag(), {Name: "file", Kind: FlagString, Usage: "certificate file (.pem, .crt, .cer)", Required: true}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				b, err := os.ReadFile(a.Strings["file"])
				if err != nil {
					return nil, fmt.Errorf("m365sim: read certificate: %w", err)
				}
				return c.Call(ctx, http.MethodPost, appPath(a.Strings["tenant"], a.Strings["app"])+"/certificates", map[string]string{"certificate": certString(b)})
			}},
		{Name: "permission-add", Short: "request Exchange.ManageAsApp (with --consent also grant admin consent)",
			Flags: []AdminFlag{tenantFlag(), appFlag(), {Name: "consent", Kind: FlagBool, Usage: "grant admin consent too"}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodPost, appPath(a.Strings["tenant"], a.Strings["app"])+"/permissions", map[string]bool{"consent": a.Bools["consent"]})
			}},
		{Name: "consent", Short: "grant admin consent",
			Flags: []AdminFlag{tenantFlag(), appFlag()},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodPost, appPath(a.Strings["tenant"], a.Strings["app"])+"/consent", nil)
			}},
		{Name: "sp-create", Short: "New-ServicePrincipal for the app in Exchange",
			Flags: []AdminFlag{tenantFlag(), appFlag(), {Name: "display-name", Kind: FlagString, Usage: "display name (default: the app's)"}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodPost, appPath(a.Strings["tenant"], a.Strings["app"])+"/service-principal", map[string]string{"display_name": a.Strings["display-name"]})
			}},
		{Name: "role-assign", Short: "New-ManagementRoleAssignment -App <sp> -Role <role>",
			Flags: []AdminFlag{tenantFlag(), appFlag(), {Name: "role", Kind: FlagString, Usage: "Exchange role, e.g. 'Transport Hygiene'", Required: true}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodPost, appPath(a.Strings["tenant"], a.Strings["app"])+"/role-assignments", map[string]string{"role": a.Strings["role"]})
			}},
		{Name: "directory-role-assign", Short: "assign an Entra directory role to the app's service principal",
			Flags: []AdminFlag{tenantFlag(), appFlag(), {Name: "role", Kind: FlagString, Usage: "e.g. 'Security Reader'", Required: true}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodPost, appPath(a.Strings["tenant"], a.Strings["app"])+"/directory-roles", map[string]string{"role": a.Strings["role"]})
			}},
		{Name: "app-disable", Short: "disable sign-in for an app",
			Flags: []AdminFlag{tenantFlag(), appFlag()},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodPost, appPath(a.Strings["tenant"], a.Strings["app"])+"/disable", nil)
			}},
		{Name: "seed", Short: "load a directory of .eml files (on the sim's machine) into a tenant's quarantine",
			Flags: []AdminFlag{tenantFlag(), {Name: "dir", Kind: FlagString, Usage: "directory of .eml files", Required: true}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodPost, "/_sim/tenants/"+esc(a.Strings["tenant"])+"/seed", map[string]string{"dir": a.Strings["dir"]})
			}},
		{Name: "quarantine-add", Short: "quarantine a message now (new mail arriving)",
			Flags: []AdminFlag{tenantFlag(), {Name: "file", Kind: FlagString, Usage: ".eml file", Required: true}, {Name: "type", Kind: FlagString, Usage: "quarantine type, e.g. Phish"}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				b, err := os.ReadFile(a.Strings["file"])
				if err != nil {
					return nil, fmt.Errorf("m365sim: read message: %w", err)
				}
				items, err := c.Call(ctx, http.MethodPost, "/_sim/tenants/"+esc(a.Strings["tenant"])+"/quarantine",
					map[string]string{"eml": base64.StdEncoding.EncodeToString(b), "type": a.Strings["type"]})
				if err != nil {
					return nil, err
				}
				return json.Marshal(map[string]json.RawMessage{"items": items})
			}},
		{Name: "quarantine-list", Short: "list the sim's ground truth for a tenant",
			Flags: []AdminFlag{tenantFlag()},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				items, err := c.Call(ctx, http.MethodGet, "/_sim/tenants/"+esc(a.Strings["tenant"])+"/quarantine", nil)
				if err != nil {
					return nil, err
				}
				return json.Marshal(map[string]json.RawMessage{"items": items})
			}},
		{Name: "faults", Short: "set a tenant's faults from a JSON object (or show them without --json)",
			Flags: []AdminFlag{tenantFlag(), {Name: "json", Kind: FlagString, Usage: `faults, e.g. '{"rate_429":0.1,"retry_after":0.5}'`}},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				p := "/_sim/tenants/" + esc(a.Strings["tenant"]) + "/faults"
				if a.Strings["json"] == "" {
					return c.Call(ctx, http.MethodGet, p, nil)
				}
				var f Faults
				if err := json.Unmarshal([]byte(a.Strings["json"]), &f); err != nil {
					return nil, fmt.Errorf("m365sim: faults json: %w: %w", ErrInvalid, err)
				}
				return c.Call(ctx, http.MethodPut, p, f)
			}},
		{Name: "stats", Short: "show request counters",
			Run: func(ctx context.Context, c *AdminClient, _ AdminArgs) (json.RawMessage, error) {
				return c.Call(ctx, http.MethodGet, "/_sim/stats", nil)
			}},
		{Name: "setup", Short: "perform the whole customer setup guide for a certificate",
			Flags: []AdminFlag{
				{Name: "tenant-name", Kind: FlagString, Usage: "tenant name (created if missing)", Required: true},
				{Name: "cert", Kind: FlagString, Usage: "certificate file (PEM or DER)"},
				{Name: "app-name", Kind: FlagString, Usage: "app display name (default qtriage)"},
				{Name: "skip", Kind: FlagStrings, Usage: "leave a step out: cert, permission, consent, sp, role (repeatable)"},
			},
			Run: func(ctx context.Context, c *AdminClient, a AdminArgs) (json.RawMessage, error) {
				in := map[string]any{"tenant_name": a.Strings["tenant-name"], "app_name": a.Strings["app-name"]}
				var skip []SetupStep
				for _, s := range a.Lists["skip"] {
					for _, part := range strings.Split(s, ",") {
						st, err := ParseSetupStep(strings.TrimSpace(part))
						if err != nil {
							return nil, err
						}
						skip = append(skip, st)
					}
				}
				in["skip"] = skip
				if f := a.Strings["cert"]; f != "" {
					b, err := os.ReadFile(f)
					if err != nil {
						return nil, fmt.Errorf("m365sim: read certificate: %w", err)
					}
					in["certificate"] = certString(b)
				}
				return c.Call(ctx, http.MethodPost, "/_sim/setup", in)
			}},
	}
}

// certString passes PEM as is and DER as base64.
func certString(b []byte) string {
	if bytes.Contains(b, []byte("-----BEGIN")) {
		return string(b)
	}
	return base64.StdEncoding.EncodeToString(b)
}
