package exchange

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Kinds of failure. An *Error matches exactly one of them with errors.Is.
var (
	// ErrNotFound: the object (a quarantine item, the organization) does
	// not exist.
	ErrNotFound = errors.New("exchange: not found")
	// ErrInvalidParameter: the cmdlet refused its input (a malformed
	// identity, a bad enum value, a parameter set that does not resolve,
	// an item already released or expired).
	ErrInvalidParameter = errors.New("exchange: invalid parameter")
	// ErrForbidden (403): the app has no Exchange role that grants the
	// cmdlet, or no Exchange service principal.
	ErrForbidden = errors.New("exchange: forbidden")
	// ErrUnauthorized (401, after one retry with a fresh token): the
	// token has no Exchange.ManageAsApp role (consent missing), or the
	// organization is not one of the tenant's *.onmicrosoft.com domain or
	// id.
	ErrUnauthorized = errors.New("exchange: unauthorized")
	// ErrThrottled (429 after every retry): the tenant's limit of
	// concurrent requests.
	ErrThrottled = errors.New("exchange: throttled")
	// ErrTransient: 5xx, a dropped connection, a timed-out attempt, after
	// every retry.
	ErrTransient = errors.New("exchange: transient failure")
	// ErrToken: no access token could be obtained; the *Error also wraps
	// the token source's error.
	ErrToken = errors.New("exchange: no access token")
	// ErrBadResponse: an answer that could not be read.
	ErrBadResponse = errors.New("exchange: unreadable response")
)

// Error is a failed cmdlet.
type Error struct {
	// Kind is one of the Err* sentinels.
	Kind error
	// Cmdlet is the cmdlet's name.
	Cmdlet string
	// Status is the last HTTP status (0 when there was no answer).
	Status int
	// Code is the error envelope's code (BadRequest, NotFound, ...).
	Code string
	// ErrID and Type come from details[0].message ("ErrId|.NET type|text")
	// or innererror.internalexception.
	ErrID, Type string
	// Message is the useful text of the error.
	Message string
	// RequestID is Exchange's request-id header; ClientRequestID is ours,
	// the same for every attempt.
	RequestID, ClientRequestID string
	// Attempts is how many requests were made.
	Attempts int

	err error // a token, transport or context error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	fmt.Fprintf(&b, ": %s", e.Cmdlet)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.err != nil {
		b.WriteString(": " + e.err.Error())
	}
	if e.RequestID != "" || e.ClientRequestID != "" {
		fmt.Fprintf(&b, " [request-id %s, client-request-id %s]", e.RequestID, e.ClientRequestID)
	}
	return b.String()
}

// Unwrap returns the kind and the underlying error, if any.
func (e *Error) Unwrap() []error {
	if e.err != nil {
		return []error{e.Kind, e.err}
	}
	return []error{e.Kind}
}

// Transient reports whether trying again later may succeed.
func (e *Error) Transient() bool {
	return e.Kind == ErrThrottled || e.Kind == ErrTransient
}

// errorEnvelope is the admin API's JSON error.
type errorEnvelope struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"details"`
		InnerError struct {
			Message           string `json:"message"`
			Type              string `json:"type"`
			InternalException struct {
				Message string `json:"message"`
				Type    string `json:"type"`
			} `json:"internalexception"`
		} `json:"innererror"`
	} `json:"error"`
}

// decodeError fills e from an error answer. The body of a 403 is not
// JSON (Exchange sends NUL bytes labelled gzip): then only the status
// speaks.
func decodeError(e *Error, status int, body []byte) {
	e.Status = status
	e.Kind = kindOf(status)
	var env errorEnvelope
	if json.Unmarshal(body, &env) == nil {
		e.Code = env.Error.Code
		if len(env.Error.Details) > 0 {
			// "ErrId|.NET type|text"
			parts := strings.SplitN(env.Error.Details[0].Message, "|", 3)
			if len(parts) == 3 {
				e.ErrID, e.Type, e.Message = parts[0], parts[1], parts[2]
			} else {
				e.Message = env.Error.Details[0].Message
			}
		}
		if ie := env.Error.InnerError.InternalException; ie.Message != "" {
			e.Message = ie.Message
			if ie.Type != "" {
				e.Type = ie.Type
			}
		}
		if e.Message == "" {
			e.Message = env.Error.Message
		}
	}
	e.Message = strings.Join(strings.Fields(e.Message), " ")
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("status %d", status)
	}
	// Some lookups answer 400 with a not-found exception.
	if e.Kind == ErrInvalidParameter && (strings.Contains(e.Type, "NotFound") ||
		strings.Contains(e.Message, "couldn't be found") || strings.Contains(e.Message, "Cannot find an object")) {
		e.Kind = ErrNotFound
	}
}

func kindOf(status int) error {
	switch {
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusTooManyRequests:
		return ErrThrottled
	case status >= 500, status == http.StatusRequestTimeout:
		return ErrTransient
	case status >= 400:
		return ErrInvalidParameter
	}
	return ErrBadResponse
}

// retryAfter reads a Retry-After header in seconds, possibly fractional.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var secs float64
	if _, err := fmt.Sscanf(v, "%g", &secs); err == nil && secs >= 0 && secs < 3600 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
