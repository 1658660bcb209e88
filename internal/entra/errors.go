package entra

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
)

// Causes of a failed token request. An *Error matches exactly one of them
// with errors.Is.
var (
	// ErrUnknownTenant: AADSTS90002, the directory (tenant) id is wrong or
	// belongs to another cloud.
	ErrUnknownTenant = errors.New("entra: directory (tenant) not found")
	// ErrUnknownApp: AADSTS700016, the application (client) id is not in
	// that directory.
	ErrUnknownApp = errors.New("entra: application not found in the directory")
	// ErrCertNotRegistered: AADSTS700027, the certificate that signed the
	// assertion is not uploaded to the app.
	ErrCertNotRegistered = errors.New("entra: certificate not registered on the application")
	// ErrBadSignature: AADSTS50012/50013, the key is known but the
	// signature does not verify.
	ErrBadSignature = errors.New("entra: client assertion signature invalid")
	// ErrClockSkew: AADSTS700024, the assertion is outside its validity
	// window, so this machine's clock is wrong.
	ErrClockSkew = errors.New("entra: client assertion outside its valid time range (clock skew)")
	// ErrAppDisabled: AADSTS7000112, sign-in is disabled for the app.
	ErrAppDisabled = errors.New("entra: application disabled")
	// ErrInvalidScope: AADSTS70011/500011, the Exchange resource is not
	// known in the directory.
	ErrInvalidScope = errors.New("entra: scope or resource invalid")
	// ErrUnavailable: the token endpoint could not be reached or answered
	// with a transient error. Retrying later may work.
	ErrUnavailable = errors.New("entra: token endpoint unavailable")
	// ErrRejected: any other answer of the token endpoint.
	ErrRejected = errors.New("entra: token request rejected")
	// ErrConfig: the tenant's connection or certificate cannot be used.
	ErrConfig = errors.New("entra: bad configuration")
)

// Error is a failed token request as Microsoft described it.
type Error struct {
	// Cause is one of the Err* sentinels above.
	Cause error
	// Code is the AADSTS number (0 when there was no answer).
	Code int
	// OAuthError is the OAuth2 error, e.g. "invalid_client".
	OAuthError string
	// Description is the first line of Microsoft's error_description,
	// without the trace lines.
	Description string
	// HTTPStatus is the status of the answer (0 when there was none).
	HTTPStatus int
	// TraceID and CorrelationID identify the request for Microsoft support.
	TraceID, CorrelationID string
	// Timestamp is Microsoft's timestamp of the error.
	Timestamp string
	// Thumbprint, for ErrCertNotRegistered, is the SHA-1 thumbprint (as
	// the Azure portal shows it) of the certificate that signed.
	Thumbprint string
	// RotationHint, for ErrCertNotRegistered while a certificate rotation
	// is in progress, says what to do about the pending certificate.
	RotationHint string
	// RetryAfter is the wait Microsoft asked for, if any.
	RetryAfter time.Duration

	// err is the transport or context error, if any (never an MSAL type).
	err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Cause.Error())
	if e.Code != 0 {
		fmt.Fprintf(&b, ": AADSTS%d", e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.err != nil {
		b.WriteString(": " + e.err.Error())
	}
	if e.RotationHint != "" {
		b.WriteString(" (" + e.RotationHint + ")")
	}
	if e.TraceID != "" || e.CorrelationID != "" {
		fmt.Fprintf(&b, " [trace id %s, correlation id %s]", e.TraceID, e.CorrelationID)
	}
	return b.String()
}

// Unwrap returns the cause and the transport or context error.
func (e *Error) Unwrap() []error {
	if e.err != nil {
		return []error{e.Cause, e.err}
	}
	return []error{e.Cause}
}

// Transient reports whether retrying the same request later may succeed.
func (e *Error) Transient() bool { return e.Cause == ErrUnavailable }

// aadBody is the token endpoint's error JSON.
type aadBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
}

var (
	aadstsRE     = regexp.MustCompile(`AADSTS(\d+)`)
	thumbprintRE = regexp.MustCompile(`Thumbprint of key used by client: '([0-9A-Fa-f]+)'`)
)

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// classify turns an error of MSAL into an *Error. MSAL's types stop here.
func classify(err error) *Error {
	var ce msalerrors.CallErr
	if !errors.As(err, &ce) || ce.Resp == nil {
		// No answer: a network failure, a timeout, a cancelled context,
		// or an invalid answer. Keep the text, drop the MSAL wrapping.
		return &Error{Cause: ErrUnavailable, err: plainError(err)}
	}
	e := &Error{HTTPStatus: ce.Resp.StatusCode}
	var raw []byte
	if ce.Resp.Body != nil {
		raw, _ = io.ReadAll(io.LimitReader(ce.Resp.Body, maxErrorBody))
		// MSAL keeps the body in memory; give it back for anyone else.
		ce.Resp.Body = io.NopCloser(bytes.NewReader(raw))
	}
	if ra := ce.Resp.Header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.ParseFloat(ra, 64); err == nil && secs >= 0 {
			e.RetryAfter = time.Duration(secs * float64(time.Second))
		}
	}
	var body aadBody
	if json.Unmarshal(raw, &body) == nil {
		e.OAuthError = body.Error
		e.TraceID, e.CorrelationID, e.Timestamp = body.TraceID, body.CorrelationID, body.Timestamp
		e.Description, _, _ = strings.Cut(body.ErrorDescription, "\r\n")
		e.Description, _, _ = strings.Cut(e.Description, "\n")
		if len(body.ErrorCodes) > 0 {
			e.Code = body.ErrorCodes[0]
		}
	}
	if e.Code == 0 {
		if m := aadstsRE.FindSubmatch(raw); m != nil {
			e.Code, _ = strconv.Atoi(string(m[1]))
		}
	}
	// "AADSTS700027: text" → "text": the code is printed on its own.
	if _, rest, ok := strings.Cut(e.Description, ": "); ok && strings.HasPrefix(e.Description, "AADSTS") {
		e.Description = rest
	}
	if m := thumbprintRE.FindStringSubmatch(e.Description); m != nil {
		e.Thumbprint = strings.ToUpper(m[1])
	}
	e.Cause = causeOf(e.Code, e.OAuthError, e.HTTPStatus)
	return e
}

// causeOf maps an AADSTS code (and, failing that, the HTTP status) to a
// cause.
func causeOf(code int, oauthErr string, status int) error {
	switch code {
	case 90002, 90001:
		return ErrUnknownTenant
	case 700016:
		return ErrUnknownApp
	case 700027:
		return ErrCertNotRegistered
	case 50012, 50013:
		return ErrBadSignature
	case 700024:
		return ErrClockSkew
	case 7000112:
		return ErrAppDisabled
	case 70011, 500011:
		return ErrInvalidScope
	case 90033, 50196:
		return ErrUnavailable
	}
	if oauthErr == "invalid_tenant" {
		return ErrUnknownTenant
	}
	if oauthErr == "temporarily_unavailable" || status == http.StatusTooManyRequests || status >= 500 {
		return ErrUnavailable
	}
	return ErrRejected
}

// plainError keeps an error's text and its standard causes (context and
// network errors) but none of MSAL's types.
func plainError(err error) error {
	w := &wrapped{msg: strings.Join(strings.Fields(err.Error()), " ")}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		w.err = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		w.err = context.DeadlineExceeded
	case errors.As(err, &ne):
		w.err = ne
	}
	return w
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }
