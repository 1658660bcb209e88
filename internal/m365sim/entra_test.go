package m365sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestMSALGetsTokenAndCachesIt(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{StateDir: t.TempDir()})
	c := validCert(t)
	res := setupTenant(t, s, "contoso", c)

	client := msalClient(t, s, res.Organization, res.AppID, c)
	ctx := context.Background()
	first, err := client.AcquireTokenByCredential(ctx, exchangeScope)
	if err != nil {
		t.Fatalf("first token: %v", err)
	}
	before := s.Stats()
	if before.TokensIssued != 1 {
		t.Fatalf("tokens issued = %d, want 1", before.TokensIssued)
	}
	second, err := client.AcquireTokenByCredential(ctx, exchangeScope)
	if err != nil {
		t.Fatalf("second token: %v", err)
	}
	after := s.Stats()
	if after.Requests != before.Requests {
		t.Errorf("second acquisition made %d HTTP calls, want 0", after.Requests-before.Requests)
	}
	if first.AccessToken != second.AccessToken {
		t.Error("second acquisition returned a different token")
	}
	r := invoke(t, s, res.Organization, first.AccessToken, "Get-QuarantineMessage", nil)
	if r.status != 200 {
		t.Fatalf("InvokeCommand status %d: %s", r.status, r.body)
	}
	// The token works with the tenant GUID as organization too.
	if r := invoke(t, s, res.DirectoryID, first.AccessToken, "Get-QuarantineMessage", nil); r.status != 200 {
		t.Fatalf("InvokeCommand by GUID status %d", r.status)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{})
	c := validCert(t)
	res := setupTenant(t, s, "tokens", c)
	spec := func(mod func(*assertionSpec)) string {
		a := defaultAssertion(s, res.DirectoryID, res.AppID, c)
		if mod != nil {
			mod(&a)
		}
		return makeAssertion(t, a)
	}
	cases := []struct {
		name   string
		tenant string
		form   func() url.Values
		status int
		err    string
		code   int
		text   string
	}{
		{name: "ok/PS256 x5t#S256 standard base64", form: func() url.Values { return tokenForm(res.AppID, spec(nil)) }, status: 200},
		{name: "ok/PS256 x5t#S256 base64url", form: func() url.Values {
			return tokenForm(res.AppID, spec(func(a *assertionSpec) { a.urlB64 = true }))
		}, status: 200},
		{name: "ok/RS256 x5t", form: func() url.Values {
			return tokenForm(res.AppID, spec(func(a *assertionSpec) { a.alg, a.thumbKey, a.urlB64 = "RS256", "x5t", true }))
		}, status: 200},
		{name: "ok/string exp and nbf", form: func() url.Values {
			return tokenForm(res.AppID, spec(func(a *assertionSpec) {
				a.nbf, a.exp = fmt.Sprint(time.Now().Unix()), fmt.Sprint(time.Now().Add(5*time.Minute).Unix())
			}))
		}, status: 200},
		{name: "ok/tenant by domain, upper case", tenant: "TOKENS.onmicrosoft.com", form: func() url.Values {
			return tokenForm(res.AppID, spec(func(a *assertionSpec) { a.aud = s.URL() + "/tokens.onmicrosoft.com/oauth2/v2.0/token" }))
		}, status: 200},
		{name: "error/no thumbprint", form: func() url.Values {
			return tokenForm(res.AppID, spec(func(a *assertionSpec) { a.thumbKey = "" }))
		}, status: 401, err: "invalid_client", code: 50027, text: "JWT token is invalid or malformed."},
		{name: "error/malformed assertion", form: func() url.Values { return tokenForm(res.AppID, "not.a-jwt") }, status: 401, err: "invalid_client", code: 50027},
		{name: "error/bad scope", form: func() url.Values {
			f := tokenForm(res.AppID, spec(nil))
			f.Set("scope", "https://outlook.office365.com/Exchange.ManageAsApp")
			return f
		}, status: 400, err: "invalid_scope", code: 70011, text: "The scope https://outlook.office365.com/Exchange.ManageAsApp is not valid."},
		{name: "error/no grant_type", form: func() url.Values {
			f := tokenForm(res.AppID, spec(nil))
			f.Del("grant_type")
			return f
		}, status: 400, err: "invalid_request", code: 900144, text: "'grant_type'"},
		{name: "error/no assertion", form: func() url.Values {
			f := tokenForm(res.AppID, "")
			f.Del("client_assertion")
			return f
		}, status: 401, err: "invalid_client", code: 7000218, text: "'client_assertion' or 'client_secret'"},
		{name: "error/expired assertion", form: func() url.Values {
			return tokenForm(res.AppID, spec(func(a *assertionSpec) {
				a.nbf, a.exp = time.Now().Add(-30*time.Minute).Unix(), time.Now().Add(-20*time.Minute).Unix()
			}))
		}, status: 401, err: "invalid_client", code: 700024},
		{name: "error/wrong audience", form: func() url.Values {
			return tokenForm(res.AppID, spec(func(a *assertionSpec) { a.aud = "https://login.microsoftonline.com/x/oauth2/v2.0/token" }))
		}, status: 401, err: "invalid_client", code: 50027},
		{name: "error/issuer is not the client", form: func() url.Values {
			return tokenForm(res.AppID, spec(func(a *assertionSpec) { a.iss = newGUID() }))
		}, status: 401, err: "invalid_client", code: 700021},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tenant := tc.tenant
			if tenant == "" {
				tenant = res.DirectoryID
			}
			got := postToken(t, s, tenant, tc.form())
			if tc.status == 200 {
				got.accessToken(t)
				return
			}
			checkAAD(t, got, tc.status, tc.err, tc.code, tc.text)
		})
	}
	t.Run("error/jti replay", func(t *testing.T) {
		a := spec(nil)
		postToken(t, s, res.DirectoryID, tokenForm(res.AppID, a)).accessToken(t)
		checkAAD(t, postToken(t, s, res.DirectoryID, tokenForm(res.AppID, a)), 401, "invalid_client", 50027, "jti")
	})
	t.Run("error/token outage", func(t *testing.T) {
		out := setupTenant(t, s, "outage", c)
		if _, err := s.SetFaults(out.DirectoryID, Faults{TokenOutage: true}); err != nil {
			t.Fatal(err)
		}
		got := postToken(t, s, out.DirectoryID, tokenForm(out.AppID, makeAssertion(t, defaultAssertion(s, out.DirectoryID, out.AppID, c))))
		if got.status != 503 {
			t.Errorf("status %d", got.status)
		}
	})
}

func TestIssuedTokenClaims(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{TokenLifetime: 10 * time.Minute})
	c := validCert(t)
	res := setupTenant(t, s, "claims", c)
	if _, err := s.AssignDirectoryRole(res.DirectoryID, res.AppID, "security reader"); err != nil {
		t.Fatal(err)
	}
	got := postToken(t, s, res.DirectoryID, tokenForm(res.AppID, makeAssertion(t, defaultAssertion(s, res.DirectoryID, res.AppID, c))))
	if got.body["expires_in"] != float64(600) || got.body["token_type"] != "Bearer" {
		t.Errorf("answer %v", got.body)
	}
	// Verify against the published keys, as a resource server would.
	resp, err := s.HTTPClient().Get(s.URL() + "/" + res.DirectoryID + "/discovery/v2.0/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("keys: %v", err)
	}
	tok, err := jwt.ParseSigned(got.accessToken(t), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Headers[0].KeyID != set.Keys[0].KeyID {
		t.Errorf("kid %q not published", tok.Headers[0].KeyID)
	}
	var claims map[string]any
	if err := tok.Claims(set.Keys[0].Key, &claims); err != nil {
		t.Fatal(err)
	}
	app, _ := s.App(res.DirectoryID, res.AppID)
	want := map[string]any{
		"aud": "https://outlook.office365.com", "iss": "https://sts.windows.net/" + res.DirectoryID + "/",
		"appid": res.AppID, "tid": res.DirectoryID, "oid": app.ServicePrincipalID, "ver": "1.0",
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("%s = %v, want %v", k, claims[k], v)
		}
	}
	if fmt.Sprint(claims["roles"]) != "[Exchange.ManageAsApp]" || fmt.Sprint(claims["wids"]) != "["+RoleSecurityReader.TemplateID()+"]" {
		t.Errorf("roles %v wids %v", claims["roles"], claims["wids"])
	}
	// Without consent the token is issued without the role.
	noConsent := setupTenant(t, s, "claims2", c, StepConsent)
	got = postToken(t, s, noConsent.DirectoryID, tokenForm(noConsent.AppID, makeAssertion(t, defaultAssertion(s, noConsent.DirectoryID, noConsent.AppID, c))))
	if strings.Contains(got.accessToken(t), ".") {
		parsed, _ := jwt.ParseSigned(got.accessToken(t), []jose.SignatureAlgorithm{jose.RS256})
		var cl map[string]any
		_ = parsed.UnsafeClaimsWithoutVerification(&cl)
		if _, ok := cl["roles"]; ok {
			t.Errorf("roles without consent: %v", cl["roles"])
		}
	}
}

func TestDiscoveryEndpoints(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{})
	ten, err := s.CreateTenant("disco")
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, map[string]any) {
		resp, err := s.HTTPClient().Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	status, cfg := get("/DISCO.onmicrosoft.com/v2.0/.well-known/openid-configuration")
	if status != 200 || cfg["issuer"] != s.URL()+"/"+ten.ID+"/v2.0" || cfg["token_endpoint"] != s.URL()+"/"+ten.ID+"/oauth2/v2.0/token" || cfg["authorization_endpoint"] == nil {
		t.Errorf("openid configuration %d %v", status, cfg)
	}
	if status, m := get("/" + newGUID() + "/v2.0/.well-known/openid-configuration"); status != 400 || m["error"] != "invalid_tenant" {
		t.Errorf("unknown tenant %d %v", status, m)
	}
	status, inst := get("/common/discovery/instance?api-version=1.1&authorization_endpoint=" + url.QueryEscape(s.URL()+"/disco.onmicrosoft.com/oauth2/v2.0/authorize"))
	if status != 200 || inst["tenant_discovery_endpoint"] != s.URL()+"/disco.onmicrosoft.com/v2.0/.well-known/openid-configuration" {
		t.Errorf("instance discovery %d %v", status, inst)
	}
}

// TestMSALSeesAADErrors checks that MSAL surfaces the sim's AADSTS errors.
func TestMSALSeesAADErrors(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{})
	c := validCert(t)
	res := setupTenant(t, s, "msalerr", c, StepCert)
	cases := []struct{ name, tenant, appID, want string }{
		{"error/certificate not uploaded", res.DirectoryID, res.AppID, "AADSTS700027"},
		{"error/wrong directory id", newGUID(), res.AppID, "AADSTS90002"},
		{"error/wrong application id", res.DirectoryID, newGUID(), "AADSTS700016"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := msalClient(t, s, tc.tenant, tc.appID, c).AcquireTokenByCredential(context.Background(), exchangeScope)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v lacks %s", err, tc.want)
			}
		})
	}
}
