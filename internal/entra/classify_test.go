package entra

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
)

func callErr(status int, body string, header http.Header) error {
	if header == nil {
		header = http.Header{}
	}
	resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body))}
	return fmt.Errorf("wrapped: %w", msalerrors.CallErr{Resp: resp, Err: errors.New("http call error")})
}

func aad(code int, oauth string) string {
	return fmt.Sprintf(`{"error":%q,"error_description":"AADSTS%d: Something.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: now","error_codes":[%d],"trace_id":"t-1","correlation_id":"c-1"}`, oauth, code, code)
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		err   error
		cause error
		retry bool
	}{
		{"aadsts/90002", callErr(400, aad(90002, "invalid_request"), nil), ErrUnknownTenant, false},
		{"aadsts/700016", callErr(400, aad(700016, "unauthorized_client"), nil), ErrUnknownApp, false},
		{"aadsts/700027", callErr(401, aad(700027, "invalid_client"), nil), ErrCertNotRegistered, false},
		{"aadsts/50013", callErr(401, aad(50013, "invalid_client"), nil), ErrBadSignature, false},
		{"aadsts/700024", callErr(401, aad(700024, "invalid_client"), nil), ErrClockSkew, false},
		{"aadsts/7000112", callErr(400, aad(7000112, "unauthorized_client"), nil), ErrAppDisabled, false},
		{"aadsts/70011", callErr(400, aad(70011, "invalid_scope"), nil), ErrInvalidScope, false},
		{"aadsts/other", callErr(400, aad(50999, "invalid_request"), nil), ErrRejected, false},
		{"http/503 not json", callErr(503, "Service Unavailable", http.Header{"Retry-After": {"1.5"}}), ErrUnavailable, true},
		{"http/500 no body", callErr(500, "", nil), ErrUnavailable, true},
		{"network", fmt.Errorf("server response error:\n %w", context.DeadlineExceeded), ErrUnavailable, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := classify(tc.err)
			if !errors.Is(e, tc.cause) || e.Transient() != tc.retry {
				t.Fatalf("%v: cause %v transient %v", e, e.Cause, e.Transient())
			}
			var ce msalerrors.CallErr
			if errors.As(e, &ce) {
				t.Fatal("an MSAL type leaks")
			}
			if strings.HasPrefix(tc.name, "aadsts/") && (e.TraceID != "t-1" || e.CorrelationID != "c-1" || e.Description != "Something.") {
				t.Fatalf("%+v", e)
			}
			if tc.name == "http/503 not json" && e.RetryAfter.Seconds() != 1.5 {
				t.Fatalf("retry after %v", e.RetryAfter)
			}
		})
	}
}
