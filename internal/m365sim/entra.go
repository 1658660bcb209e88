package m365sim

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	assertionClockSkew     = 5 * time.Minute
	maxFormBytes           = 1 << 16
)

// aadError is one error answer of the token endpoint.
type aadError struct {
	status int
	err    string // OAuth2 error, e.g. invalid_client
	code   int    // AADSTS code
	text   string // text after "AADSTSnnn: "
}

func (e *aadError) Error() string { return fmt.Sprintf("AADSTS%d: %s", e.code, e.text) }

func errTenantNotFound(ref string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_request", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", ref)}
}

func errMissingParam(name string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_request", 900144, fmt.Sprintf("The request body must contain the following parameter: '%s'.", name)}
}

func errInvalidClient(code int, text string) *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", code, text}
}

func errMalformedAssertion() *aadError {
	return errInvalidClient(50027, "JWT token is invalid or malformed.")
}

func keyNotFoundText(thumb, appID string) string {
	return fmt.Sprintf("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/%s'].", thumb, appID, appID)
}

// writeAADError writes the token endpoint's error JSON.
func (s *Sim) writeAADError(w http.ResponseWriter, r *http.Request, e *aadError) {
	now := s.now().UTC()
	trace := newGUID()
	corr := r.Header.Get("client-request-id")
	if !isGUID(corr) {
		corr = newGUID()
	}
	body := map[string]any{
		"error": e.err,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			e.code, e.text, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		"error_codes":    []int{e.code},
		"timestamp":      now.Format("2006-01-02 15:04:05Z"),
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      "https://login.microsoftonline.com/error?code=" + strconv.Itoa(e.code),
	}
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("x-ms-request-id", trace)
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_client"`)
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func baseURL(r *http.Request) string { return "https://" + r.Host }

// handleOpenIDConfiguration serves /{tenant}/v2.0/.well-known/openid-configuration.
func (s *Sim) handleOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("tenant")
	info := reqInfoFrom(r.Context())
	tid := ""
	switch strings.ToLower(ref) {
	case "common", "organizations":
		tid = "{tenantid}"
	default:
		s.mu.RLock()
		t := s.findTenant(ref)
		if t != nil {
			tid = t.ID
			info.tenant = t.ID
		}
		s.mu.RUnlock()
		if t == nil {
			e := errTenantNotFound(ref)
			e.err = "invalid_tenant"
			s.writeAADError(w, r, e)
			return
		}
	}
	b := baseURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        b + "/" + tid + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              b + "/" + tid + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                b + "/" + tid + "/v2.0",
		"request_uri_parameter_supported":       false,
		"authorization_endpoint":                b + "/" + tid + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         b + "/" + tid + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  b + "/" + tid + "/oauth2/v2.0/logout",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "roles", "wids"},
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
	})
}

// handleInstanceDiscovery serves /common/discovery/instance.
func (s *Sim) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	tenant := "common"
	if ae := r.URL.Query().Get("authorization_endpoint"); ae != "" {
		if u, err := url.Parse(ae); err == nil {
			if seg := strings.Split(strings.Trim(u.Path, "/"), "/"); len(seg) > 0 && seg[0] != "" {
				tenant = seg[0]
			}
		}
	}
	b := baseURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": b + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": r.Host,
			"preferred_cache":   r.Host,
			"aliases":           []string{r.Host},
		}},
	})
}

// handleKeys serves the token signing keys.
func (s *Sim) handleKeys(w http.ResponseWriter, r *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &s.signKey.PublicKey, KeyID: s.keyID, Algorithm: string(jose.RS256), Use: "sig",
		Certificates: []*x509.Certificate{s.signCert},
	}}}
	writeJSON(w, http.StatusOK, set)
}

// tokenRequest is the decoded form of a token request.
type tokenRequest struct {
	GrantType           string
	ClientID            string
	Scope               string
	ClientAssertionType string
	ClientAssertion     string
	ClientSecret        string
}

// decodeTokenForm reads a token request body (application/x-www-form-urlencoded).
func decodeTokenForm(body []byte) (tokenRequest, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return tokenRequest{}, fmt.Errorf("m365sim: token form: %w: %w", ErrInvalid, err)
	}
	return tokenRequest{
		GrantType:           v.Get("grant_type"),
		ClientID:            v.Get("client_id"),
		Scope:               v.Get("scope"),
		ClientAssertionType: v.Get("client_assertion_type"),
		ClientAssertion:     v.Get("client_assertion"),
		ClientSecret:        v.Get("client_secret"),
	}, nil
}

// handleToken serves /{tenant}/oauth2/v2.0/token.
func (s *Sim) handleToken(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("tenant")
	info := reqInfoFrom(r.Context())
	s.mu.RLock()
	t := s.findTenant(ref)
	var f Faults
	if t != nil {
		info.tenant = t.ID
		f = s.faultsLocked(t)
	}
	s.mu.RUnlock()
	if t != nil && f.TokenOutage {
		w.Header().Set("Retry-After", "1")
		s.writeAADError(w, r, &aadError{http.StatusServiceUnavailable, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again."})
		return
	}
	if err := s.latency(r.Context(), f); err != nil {
		return
	}
	body, err := readBody(w, r, maxFormBytes)
	if err != nil {
		s.writeAADError(w, r, errMissingParam("grant_type"))
		return
	}
	if t == nil {
		s.writeAADError(w, r, errTenantNotFound(ref))
		return
	}
	req, err := decodeTokenForm(body)
	if err != nil {
		s.writeAADError(w, r, errMissingParam("grant_type"))
		return
	}
	now := s.now().Add(time.Duration(f.ClockSkew))
	res, aerr := s.issueToken(t.ID, req, requestTokenEndpoints(r, t), now)
	if aerr != nil {
		s.writeAADError(w, r, aerr)
		return
	}
	s.stats.tokenIssued()
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, res)
}

// requestTokenEndpoints lists the audiences a client assertion may carry:
// the token endpoint URL with the tenant as GUID or any of its domains.
func requestTokenEndpoints(r *http.Request, t *tenantState) []string {
	b := baseURL(r)
	var out []string
	for _, ref := range append([]string{t.ID}, t.Domains...) {
		out = append(out, b+"/"+ref+"/oauth2/v2.0/token", b+"/"+ref+"/oauth2/token")
	}
	return out
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("m365sim: read body: %w", err)
	}
	return buf.Bytes(), nil
}

// tokenResponse is the success answer of the token endpoint.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// issueToken validates a client credentials request and issues an access
// token for Exchange Online.
func (s *Sim) issueToken(tenantID string, req tokenRequest, audiences []string, now time.Time) (*tokenResponse, *aadError) {
	if req.GrantType == "" {
		return nil, errMissingParam("grant_type")
	}
	if req.GrantType != "client_credentials" {
		return nil, &aadError{http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", req.GrantType)}
	}
	if req.ClientID == "" {
		return nil, errMissingParam("client_id")
	}
	s.mu.RLock()
	t := s.findTenant(tenantID)
	var app App
	found := false
	if t != nil {
		for _, a := range t.Apps {
			if strings.EqualFold(a.AppID, req.ClientID) {
				app, found = cloneApp(a), true
			}
		}
	}
	var tenant Tenant
	if t != nil {
		tenant = cloneTenant(t)
	}
	s.mu.RUnlock()
	if t == nil {
		return nil, errTenantNotFound(tenantID)
	}
	if !found {
		return nil, &aadError{http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", req.ClientID, tenant.DisplayName)}
	}
	if !app.Enabled {
		return nil, &aadError{http.StatusBadRequest, "unauthorized_client", 7000112, fmt.Sprintf("Application '%s'(%s) is disabled.", app.AppID, app.DisplayName)}
	}
	if req.ClientAssertion == "" {
		if req.ClientSecret != "" {
			return nil, errInvalidClient(7000215, fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.AppID))
		}
		return nil, errInvalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	if req.ClientAssertionType == "" {
		return nil, errMissingParam("client_assertion_type")
	}
	if req.ClientAssertionType != jwtBearerAssertionType {
		return nil, errInvalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	claims, aerr := s.verifyAssertion(app, req.ClientAssertion, audiences, now)
	if aerr != nil {
		return nil, aerr
	}
	if req.Scope == "" {
		return nil, errMissingParam("scope")
	}
	if aerr := checkScope(req.Scope); aerr != nil {
		return nil, aerr
	}
	if claims.jti != "" && !s.jtis.add(app.AppID+"|"+claims.jti, claims.exp.Add(assertionClockSkew), now) {
		return nil, errInvalidClient(50027, "JWT token is invalid or malformed. [Reason - The client assertion has already been used (jti replay).]")
	}
	tok, err := s.signAccessToken(tenant, app, now)
	if err != nil {
		return nil, &aadError{http.StatusInternalServerError, "server_error", 90033, "A transient error has occurred. Please try again."}
	}
	life := int(s.opts.TokenLifetime / time.Second)
	return &tokenResponse{TokenType: "Bearer", ExpiresIn: life, ExtExpiresIn: life, AccessToken: tok}, nil
}

// checkScope accepts exactly one <Exchange resource>/.default scope plus the
// OIDC extras MSAL appends.
func checkScope(scope string) *aadError {
	var resource []string
	for _, sc := range strings.Fields(scope) {
		switch strings.ToLower(sc) {
		case "openid", "offline_access", "profile", "email":
			continue
		}
		resource = append(resource, sc)
	}
	bad := func(sc string) *aadError {
		return &aadError{http.StatusBadRequest, "invalid_scope", 70011, fmt.Sprintf("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", sc)}
	}
	if len(resource) != 1 {
		return bad(scope)
	}
	sc := resource[0]
	res, ok := strings.CutSuffix(sc, "/.default")
	if !ok {
		return bad(sc)
	}
	switch strings.ToLower(strings.TrimSuffix(res, "/")) {
	case "https://outlook.office365.com", "https://outlook.office.com", ExchangeResourceAppID:
		return nil
	}
	return &aadError{http.StatusBadRequest, "invalid_resource", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", res, "the directory")}
}

// assertionClaims are the validated claims of a client assertion.
type assertionClaims struct {
	jti string
	exp time.Time
}

// decodeSegment decodes a JWT segment in base64url (with or without
// padding) or, leniently, standard base64.
func decodeB64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("m365sim: bad base64: %w", ErrInvalid)
}

// parsedAssertion is a client assertion split into its parts.
type parsedAssertion struct {
	header     map[string]any
	claims     map[string]any
	signingIn  []byte
	signature  []byte
	thumbprint []byte // decoded x5t#S256 (32 bytes) or x5t (20 bytes)
	sha256     bool
}

// parseAssertion splits and decodes a compact JWS client assertion.
func parseAssertion(assertion string) (*parsedAssertion, error) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("m365sim: assertion has %d parts: %w", len(parts), ErrInvalid)
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("m365sim: assertion header: %w", ErrInvalid)
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("m365sim: assertion payload: %w", ErrInvalid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("m365sim: assertion signature: %w", ErrInvalid)
	}
	p := &parsedAssertion{signingIn: []byte(parts[0] + "." + parts[1]), signature: sig}
	if err := json.Unmarshal(hb, &p.header); err != nil || p.header == nil {
		return nil, fmt.Errorf("m365sim: assertion header json: %w", ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	if err := dec.Decode(&p.claims); err != nil || p.claims == nil {
		return nil, fmt.Errorf("m365sim: assertion payload json: %w", ErrInvalid)
	}
	if v, ok := p.header["x5t#S256"].(string); ok && v != "" {
		b, err := decodeB64(v)
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("m365sim: x5t#S256: %w", ErrInvalid)
		}
		p.thumbprint, p.sha256 = b, true
	} else if v, ok := p.header["x5t"].(string); ok && v != "" {
		b, err := decodeB64(v)
		if err != nil || len(b) != 20 {
			return nil, fmt.Errorf("m365sim: x5t: %w", ErrInvalid)
		}
		p.thumbprint = b
	}
	return p, nil
}

// claimTime reads a NumericDate claim given as a number or a numeric string.
func claimTime(v any) (time.Time, bool) {
	var f float64
	switch x := v.(type) {
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return time.Time{}, false
		}
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(x), 64); err != nil {
			return time.Time{}, false
		}
	case float64:
		f = x
	default:
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

func claimString(v any) string {
	s, _ := v.(string)
	return s
}

// verifyAssertion checks a client assertion against the app's certificates.
func (s *Sim) verifyAssertion(app App, assertion string, audiences []string, now time.Time) (*assertionClaims, *aadError) {
	p, err := parseAssertion(assertion)
	if err != nil {
		return nil, errMalformedAssertion()
	}
	if p.thumbprint == nil {
		return nil, errMalformedAssertion()
	}
	thumb := strings.ToUpper(hex.EncodeToString(p.thumbprint))
	var cert *Certificate
	for i, c := range app.Certificates {
		want := c.ThumbprintSHA1
		if p.sha256 {
			want = c.ThumbprintSHA256
		}
		if want == thumb {
			cert = &app.Certificates[i]
		}
	}
	if cert == nil {
		return nil, errInvalidClient(700027, keyNotFoundText(thumb, app.AppID))
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		reason := "The key used is expired."
		if now.Before(cert.NotBefore) {
			reason = "The key is not yet valid."
		}
		return nil, errInvalidClient(700027, fmt.Sprintf("Client assertion contains an invalid signature. [Reason - %s, Thumbprint of key used by client: '%s', Found key 'Start=%s, End=%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]",
			reason, thumb, cert.NotBefore.Format("01/02/2006 15:04:05"), cert.NotAfter.Format("01/02/2006 15:04:05"), app.AppID))
	}
	badSig := func(reason string) *aadError {
		return errInvalidClient(50013, fmt.Sprintf("Assertion failed signature validation. [Reason - %s, Thumbprint of key used by client: '%s', Found key 'Start=%s, End=%s']",
			reason, thumb, cert.NotBefore.Format("01/02/2006 15:04:05"), cert.NotAfter.Format("01/02/2006 15:04:05")))
	}
	x, err := ParseCertificate(cert.DER)
	if err != nil {
		return nil, badSig("The key could not be read.")
	}
	pub, ok := x.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, badSig("The key is not an RSA key.")
	}
	digest := sha256.Sum256(p.signingIn)
	switch claimString(p.header["alg"]) {
	case "PS256":
		err = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], p.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: crypto.SHA256})
	case "RS256":
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], p.signature)
	default:
		return nil, badSig("The signature algorithm is not supported.")
	}
	if err != nil {
		return nil, badSig("The provided signature value did not match the expected signature value.")
	}
	exp, okExp := claimTime(p.claims["exp"])
	if !okExp {
		return nil, errMalformedAssertion()
	}
	nbf, okNbf := claimTime(p.claims["nbf"])
	if !okNbf {
		nbf, okNbf = claimTime(p.claims["iat"])
	}
	if now.After(exp.Add(assertionClockSkew)) || (okNbf && now.Add(assertionClockSkew).Before(nbf)) {
		from := "(none)"
		if okNbf {
			from = nbf.UTC().Format(time.RFC3339)
		}
		return nil, errInvalidClient(700024, fmt.Sprintf("Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
			now.UTC().Format("2006-01-02T15:04:05.0000000Z"), from, exp.UTC().Format(time.RFC3339)))
	}
	if !strings.EqualFold(claimString(p.claims["iss"]), app.AppID) || !strings.EqualFold(claimString(p.claims["sub"]), app.AppID) {
		return nil, errInvalidClient(700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .")
	}
	if !audienceMatches(p.claims["aud"], audiences) {
		return nil, errInvalidClient(50027, fmt.Sprintf("JWT token is invalid or malformed. [Reason - The audience of the client assertion does not match the token endpoint '%s'.]", audiences[0]))
	}
	return &assertionClaims{jti: claimString(p.claims["jti"]), exp: exp}, nil
}

func audienceMatches(aud any, audiences []string) bool {
	var auds []string
	switch x := aud.(type) {
	case string:
		auds = []string{x}
	case []any:
		for _, v := range x {
			auds = append(auds, claimString(v))
		}
	}
	for _, a := range auds {
		for _, want := range audiences {
			if strings.EqualFold(strings.TrimSuffix(a, "/"), want) {
				return true
			}
		}
	}
	return false
}

// accessClaims are the claims of the sim's v1.0 access tokens.
type accessClaims struct {
	Aud        string   `json:"aud"`
	Iss        string   `json:"iss"`
	Iat        int64    `json:"iat"`
	Nbf        int64    `json:"nbf"`
	Exp        int64    `json:"exp"`
	AppDisplay string   `json:"app_displayname,omitempty"`
	AppID      string   `json:"appid"`
	AppIDAcr   string   `json:"appidacr"`
	Idp        string   `json:"idp"`
	IDTyp      string   `json:"idtyp"`
	Oid        string   `json:"oid"`
	Roles      []string `json:"roles,omitempty"`
	Sub        string   `json:"sub"`
	Tid        string   `json:"tid"`
	Uti        string   `json:"uti"`
	Ver        string   `json:"ver"`
	Wids       []string `json:"wids,omitempty"`
}

func (s *Sim) signAccessToken(t Tenant, app App, now time.Time) (string, error) {
	iss := "https://sts.windows.net/" + t.ID + "/"
	c := accessClaims{
		Aud: ExchangeResource, Iss: iss, Idp: iss,
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(s.opts.TokenLifetime).Unix(),
		AppDisplay: app.DisplayName, AppID: app.AppID, AppIDAcr: "2", IDTyp: "app",
		Oid: app.ServicePrincipalID, Sub: app.ServicePrincipalID, Tid: t.ID,
		Uti: strings.ReplaceAll(newGUID(), "-", "")[:22], Ver: "1.0",
	}
	if app.PermissionRequested && app.ConsentGranted {
		c.Roles = []string{ManageAsAppRole}
	}
	for _, r := range app.DirectoryRoles {
		c.Wids = append(c.Wids, r.TemplateID())
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: s.signKey},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", s.keyID).WithHeader("x5t", s.keyID))
	if err != nil {
		return "", fmt.Errorf("m365sim: signer: %w", err)
	}
	tok, err := jwt.Signed(signer).Claims(c).Serialize()
	if err != nil {
		return "", fmt.Errorf("m365sim: sign token: %w", err)
	}
	return tok, nil
}

var errBadToken = errors.New("m365sim: invalid access token")

// verifyAccessToken checks a bearer token issued by the sim.
func (s *Sim) verifyAccessToken(raw string, now time.Time) (*accessClaims, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBadToken, err)
	}
	var c accessClaims
	if err := tok.Claims(&s.signKey.PublicKey, &c); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadToken, err)
	}
	if !strings.EqualFold(strings.TrimSuffix(c.Aud, "/"), ExchangeResource) && !strings.EqualFold(c.Aud, ExchangeResourceAppID) {
		return nil, fmt.Errorf("%w: audience %q", errBadToken, c.Aud)
	}
	if c.Iss != "https://sts.windows.net/"+c.Tid+"/" {
		return nil, fmt.Errorf("%w: issuer %q", errBadToken, c.Iss)
	}
	if now.Unix() >= c.Exp+int64(assertionClockSkew/time.Second) || now.Unix()+int64(assertionClockSkew/time.Second) < c.Nbf {
		return nil, fmt.Errorf("%w: expired", errBadToken)
	}
	return &c, nil
}

func (c *accessClaims) hasRole(role string) bool { return slices.Contains(c.Roles, role) }

// jtiCache remembers client assertion ids until they expire.
type jtiCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func newJTICache() *jtiCache { return &jtiCache{seen: map[string]time.Time{}} }

// add records key until expiry and reports whether it was new.
func (c *jtiCache) add(key string, expiry, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) > 1024 {
		for k, e := range c.seen {
			if now.After(e) {
				delete(c.seen, k)
			}
		}
	}
	if e, ok := c.seen[key]; ok && !now.After(e) {
		return false
	}
	c.seen[key] = expiry
	return true
}
