package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/store"
)

// itemJSON is a quarantine item in the API.
type itemJSON struct {
	Identity      string          `json:"identity"`
	MessageID     string          `json:"message_id"`
	Received      time.Time       `json:"received"`
	Expires       time.Time       `json:"expires"`
	Type          string          `json:"type"`
	PolicyType    string          `json:"policy_type"`
	PolicyName    string          `json:"policy_name"`
	Sender        string          `json:"sender"`
	Recipients    []string        `json:"recipients"`
	Subject       string          `json:"subject"`
	Size          int64           `json:"size"`
	ReleaseStatus string          `json:"release_status"`
	State         string          `json:"state"`
	Error         string          `json:"error,omitempty"`
	SHA256        string          `json:"sha256,omitempty"`
	Verdict       string          `json:"verdict,omitempty"`
	Confidence    float64         `json:"confidence,omitempty"`
	Category      string          `json:"category,omitempty"`
	Report        json.RawMessage `json:"report,omitempty"`
}

func itemOut(it store.QuarantineItem) itemJSON {
	j := itemJSON{Identity: it.Identity, MessageID: it.MessageID, Received: it.ReceivedAt, Expires: it.ExpiresAt, Type: it.Type,
		PolicyType: it.PolicyType, PolicyName: it.PolicyName, Sender: it.Sender, Recipients: it.Recipients, Subject: it.Subject,
		Size: it.Size, ReleaseStatus: it.ReleaseStatus, State: string(it.State)}
	if it.State == store.ItemFailed {
		j.Error = it.LastError
	}
	if it.SHA256 != nil {
		j.SHA256 = fmt.Sprintf("%x", it.SHA256)
	}
	return j
}

// apiTenant is s.tenant plus a role check for the token.
func (s *Server) apiTenant(r *http.Request, min store.Role) (store.Tenant, error) {
	t, err := s.tenant(r)
	if err != nil {
		return store.Tenant{}, err
	}
	if p := principal(r); !p.Global() && !atLeast(p.Role, min) {
		return store.Tenant{}, errForbidden
	}
	return t, nil
}

func (s *Server) apiQuarantine(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	f, err := parseListQuery(r.URL.Query()).filter(t.ID)
	if err != nil {
		return err
	}
	f.After = r.URL.Query().Get("after")
	if n := r.URL.Query().Get("limit"); n != "" {
		if _, err := fmt.Sscanf(n, "%d", &f.Limit); err != nil || f.Limit < 1 || f.Limit > 500 {
			return &apiError{http.StatusBadRequest, "invalid", "limit must be 1 to 500"}
		}
	}
	rows, err := s.st.Items(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]itemJSON, len(rows))
	for i, row := range rows {
		out[i] = itemOut(row.QuarantineItem)
		out[i].Verdict, out[i].Confidence, out[i].Category = row.Verdict, row.Confidence, row.Category
	}
	next := ""
	if len(rows) == f.Limit {
		next = rows[len(rows)-1].Cursor()
	}
	return writeJSON(w, map[string]any{"items": out, "next": next})
}

func (s *Server) apiItem(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	it, err := s.st.Item(r.Context(), t.ID, r.URL.Query().Get("id"))
	if err != nil {
		return err
	}
	out := itemOut(it)
	if it.SHA256 != nil {
		rep, err := s.st.Report(r.Context(), t.ID, it.SHA256)
		switch {
		case err == nil:
			out.Verdict, out.Confidence, out.Category, out.Report = rep.Verdict, rep.Confidence, rep.Category, rep.JSON
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	return writeJSON(w, out)
}

// actionRequest is the body of a release or delete.
type actionRequest struct {
	Identities          []string `json:"identities"`
	Users               []string `json:"users"` // release: only to these recipients
	AllowSender         bool     `json:"allow_sender"`
	ReportFalsePositive bool     `json:"report_false_positive"`
	Hard                bool     `json:"hard"` // delete: beyond recovery
}

func (s *Server) apiAction(action string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.apiTenant(r, store.RoleAnalyst)
		if err != nil {
			return err
		}
		if s.actions == nil {
			return &apiError{http.StatusServiceUnavailable, "unavailable", "actions are not available on this server"}
		}
		var req actionRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return &apiError{http.StatusBadRequest, "invalid", "body must be JSON {\"identities\": [...]}"}
		}
		if len(req.Identities) == 0 || len(req.Identities) > maxBulk {
			return &apiError{http.StatusBadRequest, "invalid", fmt.Sprintf("give 1 to %d identities", maxBulk)}
		}
		for _, id := range req.Identities {
			if _, err := s.st.Item(r.Context(), t.ID, id); err != nil {
				return err
			}
		}
		p := principal(r)
		opts := map[string]string{}
		var actErr error
		status := "Released"
		if action == "release" {
			opts["to"] = "all recipients"
			if len(req.Users) > 0 {
				opts["to"] = strings.Join(req.Users, ", ")
			}
			opts["allow_sender"], opts["report_false_positive"] = fmt.Sprint(req.AllowSender), fmt.Sprint(req.ReportFalsePositive)
			actErr = s.actions.Release(r.Context(), t, req.Identities, ingest.ReleaseOptions{Users: req.Users, AllowSender: req.AllowSender, ReportFalsePositive: req.ReportFalsePositive})
		} else {
			status = "Deleted"
			opts["hard"] = fmt.Sprint(req.Hard)
			actErr = s.actions.Delete(r.Context(), t, req.Identities, req.Hard)
		}
		ev := store.AuditEvent{ID: uuid.NewString(), TenantID: t.ID, At: s.now().UTC(), Actor: "token:" + p.TokenID + " (" + p.Name + ")",
			Action: "quarantine." + action, Identities: req.Identities, Options: opts, Outcome: store.AuditOK, Detail: "done"}
		if actErr != nil {
			ev.Outcome, ev.Detail = store.AuditFailed, actErr.Error()
		}
		if err := s.st.AddAudit(r.Context(), ev); err != nil {
			return errors.Join(actErr, err)
		}
		if actErr != nil {
			return &apiError{http.StatusBadGateway, "microsoft", "Microsoft refused the " + action + ": " + actErr.Error()}
		}
		if err := s.st.SetReleaseStatus(r.Context(), t.ID, req.Identities, status); err != nil {
			return err
		}
		return writeJSON(w, map[string]any{"ok": true, "audit_id": ev.ID})
	}
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	evs, err := s.st.AuditEvents(r.Context(), t.ID, 500)
	if err != nil {
		return err
	}
	out := make([]store.AuditView, len(evs))
	for i, e := range evs {
		out[i] = e.View()
	}
	return writeJSON(w, map[string]any{"events": out})
}
