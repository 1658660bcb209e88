package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
)

// ErrInvalid marks input the user must correct; the message says how.
var ErrInvalid = errors.New("invalid webhook")

// MaxPerTenant is how many webhooks one tenant may have.
const MaxPerTenant = 10

// NewWebhook is what an admin gives to register a webhook.
type NewWebhook struct {
	URL         string
	Description string
	Events      []string // store.EventTypes; empty means all of them
}

// Redacted is a webhook URL fit for the audit trail, which viewers read:
// its scheme and host only. Receivers put their token in the query, and chat
// services (Slack, Teams, Discord) in the path.
func Redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	out := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		out += "/…"
	}
	return out
}

// Create validates w, generates its signing secret, seals it with kek and
// stores the webhook with its audit entry (by actor), in one transaction
// that also keeps the tenant within MaxPerTenant. The secret is returned
// once, here, and never again.
func Create(ctx context.Context, st store.Store, kek *keyring.KEK, tenantID, actor string, w NewWebhook, allowInsecure bool, now time.Time) (store.Webhook, string, error) {
	u, err := CheckURL(strings.TrimSpace(w.URL), allowInsecure)
	if err != nil {
		return store.Webhook{}, "", fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	desc := strings.TrimSpace(w.Description)
	if len(desc) > 200 {
		return store.Webhook{}, "", fmt.Errorf("%w: the description is longer than 200 characters", ErrInvalid)
	}
	events := w.Events
	if len(events) == 0 {
		events = store.EventTypes
	}
	var clean []string
	for _, e := range events {
		if !slices.Contains(store.EventTypes, e) {
			return store.Webhook{}, "", fmt.Errorf("%w: unknown event type %q (known: %s)", ErrInvalid, e, strings.Join(store.EventTypes, ", "))
		}
		if !slices.Contains(clean, e) {
			clean = append(clean, e)
		}
	}
	secret := NewSecret()
	h := store.Webhook{ID: uuid.NewString(), TenantID: tenantID, URL: u.String(), Description: desc, Events: clean, KEKID: kek.ID, CreatedAt: now.UTC()}
	if h.SecretBlob, err = kek.Seal([]byte(secret), keyring.WebhookAAD(tenantID, h.ID)); err != nil {
		return store.Webhook{}, "", err
	}
	audit := store.AuditEvent{ID: uuid.NewString(), TenantID: tenantID, At: now.UTC(), Actor: actor, Action: "webhook.create",
		Options: map[string]string{"webhook": h.ID, "url": Redacted(h.URL)}, Outcome: store.AuditOK, Detail: "created"}
	err = st.AddWebhook(ctx, h, MaxPerTenant, audit)
	if errors.Is(err, store.ErrConflict) {
		return store.Webhook{}, "", fmt.Errorf("%w: a tenant has at most %d webhooks", ErrInvalid, MaxPerTenant)
	}
	if err != nil {
		return store.Webhook{}, "", err
	}
	return h, secret, nil
}

// Remove deletes a tenant's webhook and its deliveries, with its audit
// entry (by actor), in one transaction. store.ErrNotFound for an unknown id
// or another tenant's.
func Remove(ctx context.Context, st store.Store, tenantID, actor, id string, now time.Time) error {
	h, err := st.Webhook(ctx, tenantID, id)
	if err != nil {
		return err
	}
	return st.RemoveWebhook(ctx, tenantID, id, store.AuditEvent{ID: uuid.NewString(), TenantID: tenantID, At: now.UTC(), Actor: actor,
		Action: "webhook.delete", Options: map[string]string{"webhook": h.ID, "url": Redacted(h.URL)}, Outcome: store.AuditOK, Detail: "deleted"})
}
