package m365sim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// assertionSpec describes a client assertion to build.
type assertionSpec struct {
	alg       string // PS256 or RS256
	thumbKey  string // x5t#S256, x5t or "" for none
	urlB64    bool   // thumbprint in base64url instead of standard base64
	aud       string
	iss, sub  string
	nbf, exp  any
	jti       string
	signWith  *rsa.PrivateKey
	certBytes []byte
}

func makeAssertion(t testing.TB, a assertionSpec) string {
	t.Helper()
	h := map[string]any{"alg": a.alg, "typ": "JWT"}
	enc := base64.StdEncoding
	if a.urlB64 {
		enc = base64.RawURLEncoding
	}
	switch a.thumbKey {
	case "x5t#S256":
		sum := sha256.Sum256(a.certBytes)
		h["x5t#S256"] = enc.EncodeToString(sum[:])
	case "x5t":
		sum := sha1.Sum(a.certBytes)
		h["x5t"] = enc.EncodeToString(sum[:])
	}
	claims := map[string]any{"aud": a.aud, "iss": a.iss, "sub": a.sub, "nbf": a.nbf, "exp": a.exp}
	if a.jti != "" {
		claims["jti"] = a.jti
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	digest := sha256.Sum256([]byte(in))
	var sig []byte
	var err error
	if a.alg == "RS256" {
		sig, err = rsa.SignPKCS1v15(rand.Reader, a.signWith, crypto.SHA256, digest[:])
	} else {
		sig, err = rsa.SignPSS(rand.Reader, a.signWith, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// defaultAssertion is what MSAL Go sends for an app and certificate.
func defaultAssertion(s *Sim, tenantID, appID string, c testCert) assertionSpec {
	now := time.Now()
	return assertionSpec{
		alg: "PS256", thumbKey: "x5t#S256", aud: s.URL() + "/" + tenantID + "/oauth2/v2.0/token",
		iss: appID, sub: appID, nbf: now.Unix(), exp: now.Add(10 * time.Minute).Unix(),
		jti: newGUID(), signWith: c.key, certBytes: c.cert.Raw,
	}
}

// aadResult is a token endpoint answer.
type aadResult struct {
	status int
	body   map[string]any
}

func (r aadResult) code() int {
	codes, _ := r.body["error_codes"].([]any)
	if len(codes) == 0 {
		return 0
	}
	f, _ := codes[0].(float64)
	return int(f)
}

func (r aadResult) errName() string { s, _ := r.body["error"].(string); return s }

func (r aadResult) description() string { s, _ := r.body["error_description"].(string); return s }

func tokenForm(appID, assertion string) url.Values {
	return url.Values{
		"client_id":             {appID},
		"scope":                 {"https://outlook.office365.com/.default openid offline_access profile"},
		"client_assertion_type": {jwtBearerAssertionType},
		"client_assertion":      {assertion},
		"grant_type":            {"client_credentials"},
	}
}

func postToken(t testing.TB, s *Sim, tenant string, form url.Values) aadResult {
	t.Helper()
	resp, err := s.HTTPClient().Post(s.URL()+"/"+tenant+"/oauth2/v2.0/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("token answer is not JSON: %s", b)
	}
	return aadResult{status: resp.StatusCode, body: m}
}

func (r aadResult) accessToken(t testing.TB) string {
	t.Helper()
	tok, _ := r.body["access_token"].(string)
	if r.status != http.StatusOK || tok == "" {
		t.Fatalf("no token: %d %v", r.status, r.body)
	}
	return tok
}
