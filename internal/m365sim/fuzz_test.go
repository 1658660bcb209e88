package m365sim

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

// FuzzTokenForm feeds hostile token request bodies through the decoder and
// the whole validation: it must never panic and must answer either a token
// or an AADSTS error with a code.
func FuzzTokenForm(f *testing.F) {
	s := newTestSim(f, Options{})
	c := validCert(f)
	res := setupTenant(f, s, "fuzz", c)
	good := tokenForm(res.AppID, makeAssertion(f, defaultAssertion(s, res.DirectoryID, res.AppID, c))).Encode()
	f.Add(good)
	f.Add("grant_type=client_credentials&client_id=" + res.AppID + "&client_assertion=a.b.c")
	f.Add("client_assertion=eyJhbGciOiJQUzI1NiJ9.e30.AA&client_assertion_type=" + url.QueryEscape(jwtBearerAssertionType))
	f.Add("%zz&&==;")
	f.Add("")
	auds := []string{s.URL() + "/" + res.DirectoryID + "/oauth2/v2.0/token"}
	f.Fuzz(func(t *testing.T, body string) {
		req, err := decodeTokenForm([]byte(body))
		if err != nil {
			return
		}
		out, aerr := s.issueToken(res.DirectoryID, req, auds, time.Now())
		if (out == nil) == (aerr == nil) {
			t.Fatalf("token %v and error %v", out, aerr)
		}
		if aerr != nil && (aerr.code == 0 || aerr.err == "" || aerr.status < 400) {
			t.Fatalf("incomplete error %+v", aerr)
		}
		if out != nil && out.AccessToken == "" {
			t.Fatal("empty token")
		}
	})
}

// FuzzClientAssertion parses hostile compact JWS strings.
func FuzzClientAssertion(f *testing.F) {
	f.Add("eyJhbGciOiJQUzI1NiIsIng1dCNTMjU2IjoiQUFBQSJ9.eyJleHAiOiIxIn0.c2ln")
	f.Add("a.b.c")
	f.Add("...")
	f.Fuzz(func(t *testing.T, in string) {
		p, err := parseAssertion(in)
		if err != nil {
			return
		}
		if p.thumbprint != nil && len(p.thumbprint) != 20 && len(p.thumbprint) != 32 {
			t.Fatalf("thumbprint of %d bytes", len(p.thumbprint))
		}
		_, _ = claimTime(p.claims["exp"])
		_ = audienceMatches(p.claims["aud"], []string{"x"})
	})
}

// FuzzInvokeCommand feeds hostile InvokeCommand bodies through the decoder,
// the parameter checks and the Get-QuarantineMessage query parser.
func FuzzInvokeCommand(f *testing.F) {
	f.Add(`{"CmdletInput":{"CmdletName":"Get-QuarantineMessage","Parameters":{"PageSize":1000,"Page":1}}}`)
	f.Add(`{"CmdletInput":{"CmdletName":"Get-QuarantineMessage","Parameters":{"QuarantineTypes":["Spam","x"],"StartReceivedDate":"2026-01-01T00:00:00","Reported":"true"}}}`)
	f.Add(`{"CmdletInput":{"CmdletName":"Export-QuarantineMessage","Parameters":{"Identity":"000","Identities":["a\\b"]}}}`)
	f.Add(`{"CmdletInput":{"CmdletName":"Get-QuarantineMessage","Parameters":null}}`)
	f.Add(`[]`)
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		name, p, err := decodeInvoke([]byte(body))
		if err != nil {
			return
		}
		if name == "" {
			t.Fatal("empty cmdlet name accepted")
		}
		spec, ok := findCmdlet(name)
		if !ok {
			return
		}
		if cerr := p.checkAllowed(append(spec.params, commonParams...)); cerr != nil {
			if cerr.status != 400 || cerr.text == "" {
				t.Fatalf("bad error %+v", cerr)
			}
			return
		}
		q, cerr := parseQuarantineQuery(p, now)
		if cerr != nil {
			if _, err := json.Marshal(cerr.text); err != nil || cerr.status != 400 {
				t.Fatalf("bad error %+v", cerr)
			}
			return
		}
		if q.page < 1 || q.page > 1000 || q.pageSize < 1 || q.pageSize > 1000 || q.start.Before(now.Add(-maxLookback)) {
			t.Fatalf("query out of range: %+v", q)
		}
		_, _ = identities(p)
	})
}
