package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/store"
)

// DetectionConflict is a save refused because the settings changed since
// the caller read them; Current is what they are now.
type DetectionConflict struct {
	Current store.DetectionSettings
}

func (e *DetectionConflict) Error() string {
	if e.Current.UpdatedAt.IsZero() {
		return "the detection settings have not been saved yet (send updated_at null, or read them again)"
	}
	return fmt.Sprintf("the detection settings were changed since you read them, by %s at %s",
		e.Current.UpdatedBy, e.Current.UpdatedAt.UTC().Format("2006-01-02 15:04:05 MST"))
}

// SaveDetection normalizes and stores the tenant's detection settings on
// behalf of actor, audits the change entry by entry and returns the
// settings as stored (the console, the API and the CLI save through it). A refused entry is a
// *store.SettingsError, and nothing is stored then.
//
// prev, when not nil, is the settings' UpdatedAt the change was made from
// (zero: never saved); the store checks it in the write itself, and when
// the settings changed in between nothing is stored and the error is a
// *DetectionConflict.
func (s *Service) SaveDetection(ctx context.Context, t store.Tenant, actor string, in store.DetectionSettings, prev *time.Time) (store.DetectionSettings, error) {
	in.TenantID = t.ID
	n, err := in.Normalize()
	if err != nil {
		return store.DetectionSettings{}, err
	}
	old, err := s.Store.DetectionSettings(ctx, t.ID)
	if err != nil {
		return store.DetectionSettings{}, err
	}
	if prev != nil && !old.UpdatedAt.Equal(*prev) {
		return store.DetectionSettings{}, &DetectionConflict{Current: old}
	}
	// UpdatedAt is the settings' version: it must move forward with every
	// save, even when the clock does not (the databases keep microseconds).
	n.UpdatedBy, n.UpdatedAt = actor, s.now()
	if next := old.UpdatedAt.Add(time.Microsecond); !old.UpdatedAt.IsZero() && n.UpdatedAt.Before(next) {
		n.UpdatedAt = next
	}
	if prev == nil {
		err = s.Store.SetDetectionSettings(ctx, n)
	} else {
		err = s.Store.ReplaceDetectionSettings(ctx, n, *prev)
	}
	if errors.Is(err, store.ErrConflict) {
		// Saved by someone else since old was read.
		cur, rerr := s.Store.DetectionSettings(ctx, t.ID)
		if rerr != nil {
			return store.DetectionSettings{}, rerr
		}
		return store.DetectionSettings{}, &DetectionConflict{Current: cur}
	}
	if err != nil {
		return store.DetectionSettings{}, err
	}
	detail := settingsChange(old, n)
	if err := s.Store.AddAudit(ctx, store.AuditEvent{ID: uuid.NewString(), TenantID: t.ID, At: n.UpdatedAt, Actor: actor,
		Action: "detection_settings.update", Outcome: store.AuditOK, Detail: detail}); err != nil {
		return store.DetectionSettings{}, err
	}
	s.log().Info("detection settings saved", "tenant", t.Slug, "actor", actor, "change", detail)
	return s.Store.DetectionSettings(ctx, t.ID)
}

// maxChangeDetail bounds the audit detail of a settings change.
const maxChangeDetail = 2000

// settingsChange says what a save changed, entry by entry, for the audit
// trail: "partners: +fabrikam.com; allow: -old@example.com" (a trusted
// sender swapped for another must leave a trace, not just a count).
func settingsChange(old, n store.DetectionSettings) string {
	var b strings.Builder
	was := old.Lists()
	for i, l := range n.Lists() {
		before, after := *was[i].Entries, *l.Entries
		var ch []string
		for _, e := range after {
			if !slices.Contains(before, e) {
				ch = append(ch, "+"+e)
			}
		}
		for _, e := range before {
			if !slices.Contains(after, e) {
				ch = append(ch, "-"+e)
			}
		}
		if len(ch) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(l.Name + ": " + strings.Join(ch, ", "))
	}
	if b.Len() == 0 {
		return "no change"
	}
	if d := b.String(); len(d) > maxChangeDetail {
		return strings.ToValidUTF8(d[:maxChangeDetail], "") + "…"
	}
	return b.String()
}
