package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// Detection settings are what a tenant tells the analysis about itself:
// its other domains, its VIPs, its partners, its allow and deny lists.
// Anyone who may see the tenant reads them; like the tenant's connection,
// only its admins change them. A change applies to messages analysed
// afterwards.

// detectionListsJSON are the five lists as the API writes them, in a GET's
// answer and a PUT's body alike.
type detectionListsJSON struct {
	AcceptedDomains []string `json:"accepted_domains"`
	VIPs            []string `json:"vips"`
	Partners        []string `json:"partners"`
	Allow           []string `json:"allow"`
	Deny            []string `json:"deny"`
}

// detectionView is a tenant's detection settings in the API, as a GET
// returns them. What a GET returns can be sent back changed as the body of
// a PUT (detectionRequest).
type detectionView struct {
	detectionListsJSON
	UpdatedBy string     `json:"updated_by"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// detectionRequest is the body of a PUT: the lists, and updated_at as the
// precondition of the save (updated_by is accepted and ignored). Absent,
// the settings are saved whatever they are now; null, they must never have
// been saved; a time, it must be theirs: what a GET returned, so that a
// change saved in between is not silently undone.
type detectionRequest struct {
	detectionListsJSON
	UpdatedBy string       `json:"updated_by"`
	UpdatedAt precondition `json:"updated_at"`
}

// precondition is the updated_at of a PUT: whether it was given, and the
// time (zero for null).
type precondition struct {
	set bool
	at  time.Time
}

// UnmarshalJSON is called only when the key is present, null included.
func (p *precondition) UnmarshalJSON(b []byte) error {
	p.set = true
	if string(b) == "null" {
		p.at = time.Time{}
		return nil
	}
	return json.Unmarshal(b, &p.at)
}

// prev is the precondition as tenant.Service.SaveDetection takes it: nil for none.
func (p precondition) prev() *time.Time {
	if !p.set {
		return nil
	}
	return &p.at
}

// newDetectionView writes settings read from the store (lists never nil,
// so never null in JSON).
func newDetectionView(d store.DetectionSettings) detectionView {
	v := detectionView{detectionListsJSON: detectionListsJSON{AcceptedDomains: d.AcceptedDomains, VIPs: d.VIPs,
		Partners: d.Partners, Allow: d.Allow, Deny: d.Deny}, UpdatedBy: d.UpdatedBy}
	if !d.UpdatedAt.IsZero() {
		at := d.UpdatedAt.UTC()
		v.UpdatedAt = &at
	}
	return v
}

// settingsErrorMessage says which entry of which list was refused, in the
// API's names (the store's error adds its package prefix).
func settingsErrorMessage(e *store.SettingsError) string {
	if e.Entry == "" {
		return e.List + ": " + e.Reason
	}
	return fmt.Sprintf("%s: %q: %s", e.List, e.Entry, e.Reason)
}

// Reanalyzer analyses every message of a tenant again, in the background
// (the pipeline's Reanalyze), and says how many it queued.
type Reanalyzer interface {
	Reanalyze(ctx context.Context, tenantID string, outdated bool) (int, error)
}

// reanalyze has every message of the tenant analysed again with its
// current settings, in the background (a job of the pipeline that queues
// them page by page, after other work), and audits the request. It says
// how many messages the re-analysis covers; ingest.ErrReanalysisRunning
// when one is already queuing.
func (s *Server) reanalyze(ctx context.Context, t store.Tenant, actor string) (int, error) {
	n, err := s.reanalyzer.Reanalyze(ctx, t.ID, false)
	if err != nil {
		return 0, err
	}
	if err := s.st.AddAudit(ctx, store.AuditEvent{ID: uuid.NewString(), TenantID: t.ID, At: s.now().UTC(), Actor: actor,
		Action: "analysis.reanalyze", Outcome: store.AuditOK, Detail: fmt.Sprintf("re-analysis of %d messages requested", n)}); err != nil {
		return 0, err
	}
	s.log.Info("re-analysis queued", "request_id", requestID(ctx), "tenant", t.Slug, "actor", actor, "messages", n)
	return n, nil
}

// API.

// apiReanalyze queues every message of the tenant for analysis again, with
// the detection settings as they are now: 202 {"queued": n}.
func (s *Server) apiReanalyze(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	if s.tenants == nil {
		return errForbidden // a read-only server
	}
	if s.reanalyzer == nil {
		return &apiError{http.StatusServiceUnavailable, "unavailable", "re-analysis is not available on this server"}
	}
	n, err := s.reanalyze(r.Context(), t, tokenActor(r))
	if errors.Is(err, ingest.ErrReanalysisRunning) {
		return &apiError{http.StatusConflict, "conflict", "a re-analysis of this tenant is already under way; ask again when it has queued its messages"}
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	return json.NewEncoder(w).Encode(map[string]int{"queued": n})
}

func (s *Server) apiDetection(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	d, err := s.st.DetectionSettings(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, newDetectionView(d))
}

func (s *Server) apiSetDetection(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	if s.tenants == nil {
		return errForbidden
	}
	var req *detectionRequest
	// Five lists of at most 500 entries of at most 254 bytes.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
	if err != nil || !utf8.Valid(body) {
		return &apiError{http.StatusBadRequest, "invalid", "body must be UTF-8 JSON of at most 4 MB"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req == nil || dec.More() {
		// null or trailing data would clear every list or hide a typo.
		return &apiError{http.StatusBadRequest, "invalid", `body must be one JSON object {"accepted_domains": [...], "vips": [...], "partners": [...], "allow": [...], "deny": [...]}`}
	}
	d, err := s.tenants.SaveDetection(r.Context(), t, tokenActor(r), store.DetectionSettings{
		AcceptedDomains: req.AcceptedDomains, VIPs: req.VIPs, Partners: req.Partners, Allow: req.Allow, Deny: req.Deny},
		req.UpdatedAt.prev())
	var dc *tenant.DetectionConflict
	if errors.As(err, &dc) {
		return &apiError{http.StatusConflict, "conflict", dc.Error() + "; read them again (GET) and send your change with their updated_at"}
	}
	if err != nil {
		return err
	}
	return writeJSON(w, newDetectionView(d))
}

// Console.

// detectionList is one list of the settings form.
type detectionList struct {
	Name, Label, Help, Placeholder string
	Text                           string // one entry per line
	Count                          int
	Invalid                        bool // the list of the error shown
}

// detectionForm is the settings page's data.
type detectionForm struct {
	Lists        []detectionList
	CanEdit      bool
	CanReanalyze bool   // the server can analyse the tenant's messages again
	Organization string // the tenant's *.onmicrosoft.com domain, when connected
	UpdatedBy    string
	UpdatedAt    time.Time
	// Version is the updated_at the form's text was made from (RFC 3339
	// with nanoseconds, "" when never saved): the precondition of saving it.
	Version string
	Error   string
}

// formVersion is the hidden updated_at of the settings form.
func formVersion(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	return at.UTC().Format(time.RFC3339Nano)
}

// detectionLists describes the form's lists in the order of the API's;
// values holds the text of each, by name.
func detectionLists(values map[string]string, counts map[string]int) []detectionList {
	ls := []detectionList{
		{Name: "accepted_domains", Label: "Your other domains",
			Help:        "Your own mail domains besides your *.onmicrosoft.com one. A domain made to be mistaken for one of them is flagged; a VIP's name on mail from them is not.",
			Placeholder: "contoso.com\ncontoso.co.uk"},
		{Name: "vips", Label: "People worth impersonating (VIPs)",
			Help:        "Display names, as they appear in mail (the CEO, the CFO). Mail from outside your domains that carries one of these names is flagged.",
			Placeholder: "Jane Doe\nJohn Smith"},
		{Name: "partners", Label: "Partner and supplier domains",
			Help:        "Registrable domains you receive legitimate mail from. A domain made to be mistaken for one of them (fabrikarn.com for fabrikam.com) is flagged as partner impersonation.",
			Placeholder: "fabrikam.com\nnorthwindtraders.com"},
		{Name: "allow", Label: "Allow list",
			Help:        "Sender addresses or domains you trust. They count only when the message's authentication passes for them.",
			Placeholder: "invoices@fabrikam.com\nnewsletter.example.com"},
		{Name: "deny", Label: "Deny list",
			Help:        "Sender addresses or domains, or link domains, you always block.",
			Placeholder: "bad-actor@example.net\nphish.example"},
	}
	for i := range ls {
		ls[i].Text, ls[i].Count = values[ls[i].Name], counts[ls[i].Name]
	}
	return ls
}

// lines splits a textarea into its entries; Normalize trims them and drops
// the empty ones.
func lines(text string) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
}

func (s *Server) detectionPage(w http.ResponseWriter, r *http.Request) error {
	t, role, err := s.uiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	d, err := s.st.DetectionSettings(r.Context(), t.ID)
	if err != nil {
		return err
	}
	values, counts := map[string]string{}, map[string]int{}
	for _, l := range d.Lists() {
		values[l.Name], counts[l.Name] = strings.Join(*l.Entries, "\n"), len(*l.Entries)
	}
	f := detectionForm{Lists: detectionLists(values, counts), CanEdit: s.canConfigure(role), UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt,
		Version: formVersion(d.UpdatedAt)}
	return s.renderDetection(w, r, t, http.StatusOK, f)
}

func (s *Server) renderDetection(w http.ResponseWriter, r *http.Request, t store.Tenant, status int, f detectionForm) error {
	f.CanReanalyze = f.CanEdit && s.reanalyzer != nil
	if t.Connection != nil {
		f.Organization = t.Connection.Organization
	}
	return s.render(w, r, status, "detection", page{Title: "Detection settings", Tenant: &t, Data: f})
}

// canConfigure reports whether a user of this role may change the tenant's
// configuration from the console: admins, on a server that is not
// read-only (Options.Tenants).
func (s *Server) canConfigure(role store.Role) bool {
	return atLeast(role, store.RoleAdmin) && s.tenants != nil
}

func (s *Server) saveDetectionForm(w http.ResponseWriter, r *http.Request) error {
	t, role, err := s.uiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	if !s.canConfigure(role) {
		return errForbidden
	}
	if err := r.ParseForm(); err != nil {
		return &apiError{http.StatusBadRequest, "invalid", "bad form"}
	}
	f := r.PostForm
	// The form is always saved on the condition that the settings are
	// still those it showed (its hidden updated_at; "" or none: never
	// saved), so that an admin does not undo another's change unawares.
	var prev time.Time
	if v := f.Get("updated_at"); v != "" {
		if prev, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return &apiError{http.StatusBadRequest, "invalid", "bad form: updated_at is not a time"}
		}
	}
	u, _ := currentUser(r)
	actor := "user:" + u.Username
	var in store.DetectionSettings
	for _, l := range in.Lists() {
		*l.Entries = lines(f.Get(l.Name))
	}
	_, err = s.tenants.SaveDetection(r.Context(), t, actor, in, &prev)
	// The typed text stays as it was when the save is refused.
	typed := func() map[string]string {
		values := map[string]string{}
		for _, l := range in.Lists() {
			values[l.Name] = f.Get(l.Name)
		}
		return values
	}
	var dc *tenant.DetectionConflict
	if errors.As(err, &dc) {
		// The hidden field takes the settings' current version: saving
		// again is a deliberate overwrite of the change shown.
		cur := dc.Current
		form := detectionForm{Lists: detectionLists(typed(), nil), CanEdit: true, UpdatedBy: cur.UpdatedBy, UpdatedAt: cur.UpdatedAt,
			Version: formVersion(cur.UpdatedAt)}
		if cur.UpdatedAt.IsZero() {
			form.Error = "This page was made from detection settings other than the current ones, which were never saved. Your text is kept below; save again to store it."
		} else {
			form.Error = fmt.Sprintf("The detection settings were changed since you opened this page, by %s at %s; see the audit trail for what they changed. "+
				"Your text is kept below: saving again replaces their change with it.", cur.UpdatedBy, cur.UpdatedAt.UTC().Format("2006-01-02 15:04:05 MST"))
		}
		return s.renderDetection(w, r, t, http.StatusConflict, form)
	}
	var se *store.SettingsError
	if errors.As(err, &se) {
		// The list in error is marked; the version stays the form's.
		form := detectionForm{Lists: detectionLists(typed(), nil), CanEdit: true, Version: f.Get("updated_at")}
		for i, l := range form.Lists {
			if l.Name == se.List {
				form.Lists[i].Invalid = true
				form.Error = l.Label + ": " + settingsErrorText(se)
			}
		}
		if form.Error == "" {
			form.Error = settingsErrorMessage(se)
		}
		if cur, err := s.st.DetectionSettings(r.Context(), t.ID); err == nil {
			form.UpdatedBy, form.UpdatedAt = cur.UpdatedBy, cur.UpdatedAt
		}
		return s.renderDetection(w, r, t, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	flash := "detection-saved"
	if f.Get("reanalyze") != "" && s.reanalyzer != nil {
		_, err := s.reanalyze(r.Context(), t, actor)
		switch {
		case errors.Is(err, ingest.ErrReanalysisRunning):
			flash = "detection-saved-reanalysis-running"
		case err != nil:
			return err
		default:
			flash = "detection-saved-reanalyzing"
		}
	}
	http.Redirect(w, r, "/t/"+t.Slug+"/settings/detection?flash="+flash, http.StatusSeeOther)
	return nil
}

// settingsErrorText is the refused entry and why, for the console, which
// names the list by its label.
func settingsErrorText(e *store.SettingsError) string {
	if e.Entry == "" {
		return e.Reason
	}
	return "“" + e.Entry + "”: " + e.Reason
}
