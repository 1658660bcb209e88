package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/webhook"
)

// Webhooks are managed by tenant admins only: their URLs may carry a
// receiver's token, and they decide where the tenant's events go.

// webhookView is a webhook as the API and the console show it: never its
// secret, which is shown once, when it is created.
type webhookView struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Description    string     `json:"description"`
	Events         []string   `json:"events"`
	CreatedAt      time.Time  `json:"created_at"`
	LastDeliveryAt *time.Time `json:"last_delivery_at"`
	LastStatus     int        `json:"last_status"`
	LastError      string     `json:"last_error"`
}

func newWebhookView(h store.Webhook) webhookView {
	return webhookView{ID: h.ID, URL: h.URL, Description: h.Description, Events: h.Events, CreatedAt: h.CreatedAt,
		LastDeliveryAt: h.LastDeliveryAt, LastStatus: h.LastStatus, LastError: h.LastError}
}

// deliveryView is one delivery, without its body.
type deliveryView struct {
	ID            string     `json:"id"`
	WebhookID     string     `json:"webhook_id"`
	URL           string     `json:"url"`
	EventID       string     `json:"event_id"`
	EventType     string     `json:"event_type"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	CreatedAt     time.Time  `json:"created_at"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at"`
	LastStatus    int        `json:"last_status"`
	LastError     string     `json:"last_error"`
}

func newDeliveryView(d store.Delivery) deliveryView {
	v := deliveryView{ID: d.ID, WebhookID: d.Webhook.ID, URL: d.Webhook.URL, EventID: d.EventID, EventType: d.EventType, State: string(d.State),
		Attempts: d.Attempts, CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt, LastStatus: d.LastStatus, LastError: d.LastError}
	if d.State == store.DeliveryPending {
		next := d.NextAttemptAt
		v.NextAttemptAt = &next
	}
	return v
}

// createWebhook registers a webhook with its audit entry; the secret is
// returned to show once.
func (s *Server) createWebhook(ctx context.Context, t store.Tenant, actor string, in webhook.NewWebhook) (store.Webhook, string, error) {
	if s.tenants == nil {
		return store.Webhook{}, "", errForbidden
	}
	h, secret, err := webhook.Create(ctx, s.st, s.tenants.KEK, t.ID, actor, in, s.webhookAllowInsecure, s.now())
	if errors.Is(err, webhook.ErrInvalid) {
		return store.Webhook{}, "", &apiError{http.StatusUnprocessableEntity, "invalid", err.Error()}
	}
	return h, secret, err
}

func (s *Server) deleteWebhook(ctx context.Context, t store.Tenant, actor, id string) error {
	return webhook.Remove(ctx, s.st, t.ID, actor, id, s.now())
}

func tokenActor(r *http.Request) string {
	p := principal(r)
	return "token:" + p.TokenID + " (" + p.Name + ")"
}

// API.

func (s *Server) apiWebhooks(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	hooks, err := s.st.Webhooks(r.Context(), t.ID)
	if err != nil {
		return err
	}
	out := []webhookView{}
	for _, h := range hooks {
		out = append(out, newWebhookView(h))
	}
	return writeJSON(w, map[string]any{"webhooks": out})
}

func (s *Server) apiCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	var req struct {
		URL         string   `json:"url"`
		Description string   `json:"description"`
		Events      []string `json:"events"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return &apiError{http.StatusBadRequest, "invalid", `body must be JSON {"url": "https://…", "events": ["report.ready", "action.taken"]}`}
	}
	h, secret, err := s.createWebhook(r.Context(), t, tokenActor(r), webhook.NewWebhook{URL: req.URL, Description: req.Description, Events: req.Events})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	return json.NewEncoder(w).Encode(struct {
		webhookView
		Secret string `json:"secret"`
	}{newWebhookView(h), secret})
}

func (s *Server) apiDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	if err := s.deleteWebhook(r.Context(), t, tokenActor(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiTestWebhook(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	id, err := s.st.PingWebhook(r.Context(), t.ID, r.PathValue("id"), s.now())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	return json.NewEncoder(w).Encode(map[string]string{"delivery_id": id})
}

func (s *Server) apiDeliveries(w http.ResponseWriter, r *http.Request) error {
	t, err := s.apiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return &apiError{http.StatusBadRequest, "invalid", "limit is a number from 1 to 500"}
		}
		limit = n
	}
	ds, err := s.st.Deliveries(r.Context(), t.ID, limit)
	if err != nil {
		return err
	}
	out := []deliveryView{}
	for _, d := range ds {
		out = append(out, newDeliveryView(d))
	}
	return writeJSON(w, map[string]any{"deliveries": out})
}

// Console.

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	return s.renderWebhooks(w, r, t, http.StatusOK, nil)
}

// renderWebhooks shows the page; created, when set, is a webhook just made,
// with its secret shown this once.
func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, t store.Tenant, status int, data map[string]any) error {
	hooks, err := s.st.Webhooks(r.Context(), t.ID)
	if err != nil {
		return err
	}
	ds, err := s.st.Deliveries(r.Context(), t.ID, 20)
	if err != nil {
		return err
	}
	if data == nil {
		data = map[string]any{}
	}
	var hv []webhookView
	for _, h := range hooks {
		hv = append(hv, newWebhookView(h))
	}
	var dv []deliveryView
	for _, d := range ds {
		dv = append(dv, newDeliveryView(d))
	}
	data["Webhooks"], data["Deliveries"], data["EventTypes"], data["CanEdit"] = hv, dv, store.EventTypes, s.tenants != nil
	data["Max"], data["Insecure"] = webhook.MaxPerTenant, s.webhookAllowInsecure
	return s.render(w, r, status, "webhooks", page{Title: "Webhooks", Tenant: &t, Data: data})
}

func (s *Server) createWebhookForm(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &apiError{http.StatusBadRequest, "invalid", "bad form"}
	}
	u, _ := currentUser(r)
	in := webhook.NewWebhook{URL: r.PostFormValue("url"), Description: r.PostFormValue("description"), Events: r.PostForm["event"]}
	h, secret, err := s.createWebhook(r.Context(), t, "user:"+u.Username, in)
	var ae *apiError
	if errors.As(err, &ae) && ae.code == "invalid" {
		return s.renderWebhooks(w, r, t, http.StatusUnprocessableEntity, map[string]any{"Error": ae.message, "Form": in})
	}
	if err != nil {
		return err
	}
	// The secret is on this page only: rendered, not redirected, and the
	// page is never cached (Cache-Control: no-store on every response).
	return s.renderWebhooks(w, r, t, http.StatusOK, map[string]any{"Created": newWebhookView(h), "Secret": secret})
}

func (s *Server) deleteWebhookForm(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	u, _ := currentUser(r)
	if err := s.deleteWebhook(r.Context(), t, "user:"+u.Username, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/t/"+t.Slug+"/settings/integrations/webhooks?flash=webhook-deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) testWebhookForm(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleAdmin)
	if err != nil {
		return err
	}
	if _, err := s.st.PingWebhook(r.Context(), t.ID, r.PathValue("id"), s.now()); err != nil {
		return err
	}
	http.Redirect(w, r, "/t/"+t.Slug+"/settings/integrations/webhooks?flash=webhook-pinged#deliveries", http.StatusSeeOther)
	return nil
}
