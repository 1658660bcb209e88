package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"

	"github.com/qtriage/qtriage/internal/analysis"
	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/message"
	"github.com/qtriage/qtriage/internal/store"
)

// Actions acts on a tenant's quarantine at Microsoft.
type Actions interface {
	Release(ctx context.Context, t store.Tenant, identities []string, o ingest.ReleaseOptions) error
	Delete(ctx context.Context, t store.Tenant, identities []string, hard bool) error
}

// maxBulk is the most items one action takes.
const maxBulk = 100

var verdictNames = []string{"malicious", "suspicious", "spam", "benign", "inconclusive", "unanalysed"}

var quarantineTypes = []string{"Phish", "HighConfPhish", "Malware", "Spam", "Bulk", "TransportRule", "FileTypeBlock", "AdminTriggered", "DataLossPrevention", "SPOMalware", "PPI"}

// listQuery is the quarantine list's filter as the URL carries it.
type listQuery struct {
	Verdict, Type, Release, Sender, Recipient, Subject, From, To, Sort string
}

func parseListQuery(q url.Values) listQuery {
	return listQuery{Verdict: q.Get("verdict"), Type: q.Get("type"), Release: q.Get("release"), Sender: q.Get("sender"),
		Recipient: q.Get("recipient"), Subject: q.Get("subject"), From: q.Get("from"), To: q.Get("to"), Sort: q.Get("sort")}
}

func (lq listQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"verdict": lq.Verdict, "type": lq.Type, "release": lq.Release, "sender": lq.Sender,
		"recipient": lq.Recipient, "subject": lq.Subject, "from": lq.From, "to": lq.To, "sort": lq.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

func (lq listQuery) filter(tenantID string) (store.ItemFilter, error) {
	f := store.ItemFilter{TenantID: tenantID, Sender: lq.Sender, Recipient: lq.Recipient, Subject: lq.Subject, Oldest: lq.Sort == "oldest", Limit: 50}
	if lq.Verdict != "" {
		if !slices.Contains(verdictNames, lq.Verdict) {
			return f, &apiError{http.StatusBadRequest, "invalid", "unknown verdict " + lq.Verdict}
		}
		f.Verdicts = []string{lq.Verdict}
	}
	if lq.Type != "" {
		f.Types = []string{lq.Type}
	}
	if lq.Release != "" {
		f.ReleaseStatus = []string{lq.Release}
	}
	for _, d := range []struct {
		s   string
		dst *time.Time
		end bool
	}{{lq.From, &f.From, false}, {lq.To, &f.To, true}} {
		if d.s == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.s)
		if err != nil {
			return f, &apiError{http.StatusBadRequest, "invalid", "dates are YYYY-MM-DD"}
		}
		if d.end {
			t = t.Add(24 * time.Hour)
		}
		*d.dst = t
	}
	return f, nil
}

func (s *Server) quarantineList(w http.ResponseWriter, r *http.Request) error {
	t, role, err := s.uiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	lq := parseListQuery(r.URL.Query())
	f, err := lq.filter(t.ID)
	if err != nil {
		return err
	}
	f.After = r.URL.Query().Get("after")
	rows, err := s.st.Items(r.Context(), f)
	if err != nil {
		return err
	}
	next := ""
	if len(rows) == f.Limit {
		v := lq.values()
		v.Set("after", rows[len(rows)-1].Cursor())
		next = "?" + v.Encode()
	}
	return s.render(w, r, http.StatusOK, "quarantine", page{Title: "Quarantine", Tenant: &t, Data: map[string]any{
		"Rows": rows, "Query": lq, "Next": next, "Verdicts": verdictNames, "Types": quarantineTypes,
		"CanAct": atLeast(role, store.RoleAnalyst) && s.actions != nil, "Max": maxBulk, "First": f.After == "",
	}})
}

// itemView is what the message page shows.
type itemView struct {
	Item       store.QuarantineItem
	Others     []store.ItemRow // the same message for other recipients
	Report     *analysis.Report
	Message    *message.Message
	Preview    string
	Headers    []message.Header
	CanAct     bool
	Identities string
	Override   *store.Override
}

func (s *Server) quarantineItem(w http.ResponseWriter, r *http.Request) error {
	t, role, err := s.uiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	it, err := s.st.Item(r.Context(), t.ID, r.URL.Query().Get("id"))
	if err != nil {
		return err
	}
	v := itemView{Item: it, CanAct: atLeast(role, store.RoleAnalyst) && s.actions != nil, Identities: it.Identity}
	if it.SHA256 != nil {
		if rep, err := s.st.Report(r.Context(), t.ID, it.SHA256); err == nil {
			var ar analysis.Report
			if err := json.Unmarshal(rep.JSON, &ar); err == nil {
				v.Report = &ar
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if o, err := s.st.Override(r.Context(), t.ID, it.SHA256); err == nil {
			v.Override = &o
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if m, err := s.st.Message(r.Context(), t.ID, it.SHA256); err == nil {
			if raw, err := s.decompress(m); err == nil {
				if msg, err := message.Parse(raw, message.DefaultLimits()); err == nil {
					v.Message = msg
					v.Headers = msg.Headers
					v.Preview = previewText(msg)
				}
			}
		}
		others, err := s.st.ItemsOfMessage(r.Context(), t.ID, it.SHA256)
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.Identity != it.Identity {
				v.Others = append(v.Others, store.ItemRow{QuarantineItem: o})
			}
		}
	}
	return s.render(w, r, http.StatusOK, "item", page{Title: it.Subject, Tenant: &t, Data: v})
}

func (s *Server) decompress(m store.Message) ([]byte, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderMaxMemory(256<<20))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	return dec.DecodeAll(m.RawZstd, make([]byte, 0, m.Size))
}

// previewText is what the analyst may safely read: the plain text body, or
// the visible text of the HTML body. Email HTML itself is never rendered.
func previewText(m *message.Message) string {
	text := strings.TrimSpace(m.Text)
	if text == "" {
		text = strings.TrimSpace(m.VisibleText)
	}
	if len(text) > 20000 {
		text = text[:20000] + "\n[…]"
	}
	return text
}

// quarantineAction releases or deletes the selected items at Microsoft and
// writes the audit trail.
func (s *Server) quarantineAction(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleAnalyst)
	if err != nil {
		return err
	}
	if s.actions == nil {
		return errForbidden
	}
	if err := r.ParseForm(); err != nil {
		return &apiError{http.StatusBadRequest, "invalid", "bad form"}
	}
	ids := r.PostForm["id"]
	action := r.PostFormValue("action")
	switch {
	case len(ids) == 0:
		return &apiError{http.StatusBadRequest, "invalid", "select at least one message"}
	case len(ids) > maxBulk:
		return &apiError{http.StatusBadRequest, "invalid", fmt.Sprintf("select at most %d messages", maxBulk)}
	case action != "release" && action != "delete":
		return &apiError{http.StatusBadRequest, "invalid", "unknown action"}
	}
	items := make([]store.QuarantineItem, 0, len(ids))
	for _, id := range ids {
		it, err := s.st.Item(r.Context(), t.ID, id)
		if err != nil {
			return err // another tenant's identity is simply not found
		}
		items = append(items, it)
	}
	ro := ingest.ReleaseOptions{AllowSender: r.PostFormValue("allow_sender") == "on", ReportFalsePositive: r.PostFormValue("report_false_positive") == "on"}
	if to := strings.TrimSpace(r.PostFormValue("to")); to != "" {
		for _, a := range strings.FieldsFunc(to, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
			addr, err := mail.ParseAddress(a)
			if err != nil {
				return &apiError{http.StatusBadRequest, "invalid", fmt.Sprintf("%q is not an email address", a)}
			}
			ro.Users = append(ro.Users, strings.ToLower(addr.Address))
		}
	}
	hard := r.PostFormValue("hard") == "on"
	if r.PostFormValue("confirm") != "yes" {
		// First say exactly what will happen; the confirmation posts again.
		return s.render(w, r, http.StatusOK, "confirm", page{Title: "Confirm", Tenant: &t, Data: map[string]any{
			"Action": action, "Items": items, "Release": ro, "To": strings.Join(ro.Users, ", "), "Hard": hard, "Back": r.PostFormValue("back"),
		}})
	}
	u, _ := currentUser(r)
	opts := map[string]string{}
	var actErr error
	status := "Released"
	if action == "release" {
		opts["to"] = "all recipients"
		if len(ro.Users) > 0 {
			opts["to"] = strings.Join(ro.Users, ", ")
		}
		opts["allow_sender"], opts["report_false_positive"] = fmt.Sprint(ro.AllowSender), fmt.Sprint(ro.ReportFalsePositive)
		actErr = s.actions.Release(r.Context(), t, ids, ro)
	} else {
		status = "Deleted"
		opts["hard"] = fmt.Sprint(hard)
		actErr = s.actions.Delete(r.Context(), t, ids, hard)
	}
	ev := store.AuditEvent{ID: uuid.NewString(), TenantID: t.ID, At: s.now().UTC(), Actor: "user:" + u.Username, Action: "quarantine." + action,
		Identities: ids, Options: opts, Outcome: store.AuditOK, Detail: "done"}
	if actErr != nil {
		ev.Outcome, ev.Detail = store.AuditFailed, actErr.Error()
	}
	if err := s.st.AddAudit(r.Context(), ev); err != nil {
		return errors.Join(actErr, err)
	}
	if actErr != nil {
		s.log.Warn("quarantine action failed", "request_id", requestID(r.Context()), "tenant", t.Slug, "action", action, "err", actErr)
		return &apiError{http.StatusBadGateway, "microsoft", "Microsoft refused the " + action + ": " + actErr.Error()}
	}
	if err := s.st.SetReleaseStatus(r.Context(), t.ID, ids, status); err != nil {
		return err
	}
	s.log.Info("quarantine action", "request_id", requestID(r.Context()), "tenant", t.Slug, "action", action, "items", len(ids), "user", u.Username)
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/t/"+t.Slug+"/") {
		back = "/t/" + t.Slug + "/quarantine"
	}
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"flash="+action+"d", http.StatusSeeOther)
	return nil
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := auditFilter{Actor: q.Get("actor"), Action: q.Get("action"), Outcome: q.Get("outcome"), From: q.Get("from"), To: q.Get("to")}
	evs, err := s.st.AuditEvents(r.Context(), t.ID, 10_000)
	if err != nil {
		return err
	}
	if evs, err = f.apply(evs); err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return writeAuditCSV(w, t.Slug, evs)
	}
	csv := "?" + q.Encode()
	if q.Encode() == "" {
		csv = "?"
	}
	return s.render(w, r, http.StatusOK, "audit", page{Title: "Audit", Tenant: &t, Data: map[string]any{
		"Events": evs, "Filter": f, "CSV": csv + "&format=csv", "Actions": []string{"quarantine.release", "quarantine.delete", "verdict.override", "detection_settings.update", "analysis.reanalyze"},
	}})
}

// auditFilter selects audit events: who (substring), what, result, when.
type auditFilter struct{ Actor, Action, Outcome, From, To string }

func (f auditFilter) apply(evs []store.AuditEvent) ([]store.AuditEvent, error) {
	var from, to time.Time
	for _, d := range []struct {
		s   string
		dst *time.Time
		end bool
	}{{f.From, &from, false}, {f.To, &to, true}} {
		if d.s == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.s)
		if err != nil {
			return nil, &apiError{http.StatusBadRequest, "invalid", "dates are YYYY-MM-DD"}
		}
		if d.end {
			t = t.Add(24 * time.Hour)
		}
		*d.dst = t
	}
	out := evs[:0:0]
	for _, e := range evs {
		switch {
		case f.Actor != "" && !strings.Contains(strings.ToLower(e.Actor), strings.ToLower(f.Actor)),
			f.Action != "" && e.Action != f.Action,
			f.Outcome != "" && string(e.Outcome) != f.Outcome,
			!from.IsZero() && e.At.Before(from),
			!to.IsZero() && !e.At.Before(to):
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// writeAuditCSV exports audit events. Cells that a spreadsheet would read
// as a formula are prefixed with a quote (CSV injection).
func writeAuditCSV(w http.ResponseWriter, slug string, evs []store.AuditEvent) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="qtriage-audit-`+slug+`.csv"`)
	cw := csv.NewWriter(w)
	safe := func(s string) string {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			return "'" + s
		}
		return s
	}
	if err := cw.Write([]string{"at", "actor", "action", "outcome", "identities", "options", "detail"}); err != nil {
		return err
	}
	for _, e := range evs {
		var opts []string
		for k, v := range e.Options {
			opts = append(opts, k+"="+v)
		}
		slices.Sort(opts)
		if err := cw.Write([]string{e.At.UTC().Format(time.RFC3339), safe(e.Actor), e.Action, string(e.Outcome),
			safe(strings.Join(e.Identities, " ")), safe(strings.Join(opts, "; ")), safe(e.Detail)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// quarantinePreview serves a message's HTML body made safe, for the
// message page's <iframe sandbox>. Its own CSP allows inline style and
// nothing else: no script, no image, no font, no connection, no form.
func (s *Server) quarantinePreview(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	it, err := s.st.Item(r.Context(), t.ID, r.URL.Query().Get("id"))
	if err != nil {
		return err
	}
	if it.SHA256 == nil {
		return errNotFound
	}
	m, err := s.st.Message(r.Context(), t.ID, it.SHA256)
	if err != nil {
		return err
	}
	raw, err := s.decompress(m)
	if err != nil {
		return err
	}
	msg, err := message.Parse(raw, message.DefaultLimits())
	if err != nil {
		return err
	}
	body := sanitizeEmailHTML(msg.HTML)
	if strings.TrimSpace(msg.HTML) == "" {
		body = "<pre>" + html.EscapeString(msg.Text) + "</pre>"
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	_, err = io.WriteString(w, `<!doctype html><meta charset="utf-8"><style>body{font:14px/1.45 sans-serif;margin:12px;color:#222}`+
		`.q-target{color:#b42318;font:12px monospace}.q-link{text-decoration:underline}.q-img{color:#6b7280;font-style:italic}</style>`+body)
	return err
}

// quarantineOverride records an analyst's verdict with its reason, beside
// the engine's (which it never replaces), and audits it.
func (s *Server) quarantineOverride(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleAnalyst)
	if err != nil {
		return err
	}
	it, err := s.st.Item(r.Context(), t.ID, r.PostFormValue("id"))
	if err != nil {
		return err
	}
	verdict, note := r.PostFormValue("verdict"), strings.TrimSpace(r.PostFormValue("note"))
	switch {
	case it.SHA256 == nil:
		return &apiError{http.StatusConflict, "conflict", "the message is not exported yet"}
	case !slices.Contains([]string{"malicious", "suspicious", "spam", "benign"}, verdict):
		return &apiError{http.StatusBadRequest, "invalid", "verdict must be malicious, suspicious, spam or benign"}
	case note == "" || len(note) > 2000:
		return &apiError{http.StatusBadRequest, "invalid", "say why in a note (up to 2,000 characters)"}
	}
	u, _ := currentUser(r)
	now := s.now().UTC()
	if err := s.st.SetOverride(r.Context(), store.Override{TenantID: t.ID, SHA256: it.SHA256, Verdict: verdict, Note: note, By: u.Username, At: now}); err != nil {
		return err
	}
	if err := s.st.AddAudit(r.Context(), store.AuditEvent{ID: uuid.NewString(), TenantID: t.ID, At: now, Actor: "user:" + u.Username,
		Action: "verdict.override", Identities: []string{it.Identity}, Options: map[string]string{"verdict": verdict, "note": note},
		Outcome: store.AuditOK, Detail: "recorded"}); err != nil {
		return err
	}
	http.Redirect(w, r, "/t/"+t.Slug+"/quarantine/item?id="+url.QueryEscape(it.Identity), http.StatusSeeOther)
	return nil
}
