package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// apiError is an error with a stable code the client may rely on.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.message }

var (
	errNotFound     = &apiError{http.StatusNotFound, "not_found", "not found"}
	errUnauthorized = &apiError{http.StatusUnauthorized, "unauthorized", "a valid API token is required: Authorization: Bearer <token>"}
	errForbidden    = &apiError{http.StatusForbidden, "forbidden", "your role does not allow this"}
)

// classify maps err to the status, code and message a client may see.
func classify(err error) *apiError {
	var (
		ae *apiError
		se *store.SettingsError
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &se):
		// A refused entry of a tenant's detection settings, named.
		return &apiError{http.StatusBadRequest, "invalid", settingsErrorMessage(se)}
	case errors.Is(err, tenant.ErrInvalid):
		// Our own validation messages, written for the user.
		return &apiError{http.StatusUnprocessableEntity, "invalid", err.Error()}
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errors.Is(err, store.ErrConflict):
		return &apiError{http.StatusConflict, "conflict", "this conflicts with the current state (a duplicate, or a pending certificate already exists)"}
	case errors.Is(err, store.ErrUnavailable):
		return &apiError{http.StatusServiceUnavailable, "unavailable", "the database is unavailable, try again"}
	default:
		return &apiError{http.StatusInternalServerError, "internal", "internal error; the log has the details under this request id"}
	}
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// writeError maps err to a status and a stable code. Only apiErrors and
// known sentinels reach the client as text; anything else is logged with the
// request id and the client gets "internal".
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	id := requestID(r.Context())
	ae := classify(err)
	if ae.status >= 500 {
		log.Error("request failed", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		log.Debug("request refused", "request_id", id, "code", ae.code, "err", err)
	}
	if ae.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="qtriage"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ae.status)
	_ = json.NewEncoder(w).Encode(errorBody{Code: ae.code, Message: ae.message, RequestID: id})
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
