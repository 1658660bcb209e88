package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// diagnosis is the part of a recorded connection test the dashboard shows.
type diagnosis struct {
	OK    bool `json:"ok"`
	Steps []struct {
		ID, Title, Status, Observed, Step, Fix string
	} `json:"steps"`
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.uiTenant(r, store.RoleViewer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.st.ActiveCertificate(ctx, t.ID)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	since := now.Add(-30 * 24 * time.Hour)
	byVerdict, byType, err := s.st.ItemCounts(ctx, t.ID, since)
	if err != nil {
		return err
	}
	brands, err := s.st.Top(ctx, t.ID, "brand", since, 5)
	if err != nil {
		return err
	}
	senders, err := s.st.Top(ctx, t.ID, "sender_domain", since, 5)
	if err != nil {
		return err
	}
	daily, err := s.st.Daily(ctx, t.ID, since)
	if err != nil {
		return err
	}
	counts, err := s.st.Counts(ctx, t.ID)
	if err != nil {
		return err
	}
	sync, err := s.st.SyncState(ctx, t.ID)
	if err != nil {
		return err
	}
	detection, err := s.st.DetectionSettings(ctx, t.ID)
	if err != nil {
		return err
	}
	data := map[string]any{
		"Info": tenant.NewInfo(t, &c, now), "ByVerdict": byVerdict, "ByType": byType, "Brands": brands, "Senders": senders,
		"Trend": trendSVG(daily, since, now), "Counts": counts, "Sync": sync, "Detection": detection,
	}
	if pending, err := s.st.PendingItems(ctx, t.ID, 1); err == nil && len(pending) == 1 {
		data["Oldest"] = pending[0]
	}
	if sync.Diagnosis != "" {
		var d diagnosis
		if json.Unmarshal([]byte(sync.Diagnosis), &d) == nil {
			data["Diagnosis"] = d
		}
	}
	return s.render(w, r, http.StatusOK, "overview", page{Title: t.Name, Tenant: &t, Data: data})
}

// trendSVG draws items per day as bars, server-side: readable without
// JavaScript, and nothing but our own numbers goes into it.
func trendSVG(daily []store.VerdictCount, since, now time.Time) template.HTML {
	const w, h, pad = 720, 160, 20
	per := map[string]int{}
	peak := 1
	for _, d := range daily {
		per[d.Key] = d.Count
		peak = max(peak, d.Count)
	}
	days := int(now.Sub(since).Hours()/24) + 1
	bw := float64(w-2*pad) / float64(days)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend" viewBox="0 0 %d %d" role="img" aria-label="Messages quarantined per day, last %d days">`, w, h+30, days)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#d9dde5"/>`, pad, h, w-pad, h)
	for i := range days {
		day := since.AddDate(0, 0, i).Format("2006-01-02")
		n := per[day]
		bh := float64(h-pad) * float64(n) / float64(peak)
		x := float64(pad) + float64(i)*bw
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#1f5fbf"><title>%s: %d</title></rect>`, x+1, float64(h)-bh, bw-2, bh, day, n)
		if i%7 == 0 || i == days-1 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="#6b7280">%s</text>`, x, h+16, day[5:])
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="12" font-size="11" fill="#6b7280">max %d/day</text></svg>`, pad, peak)
	return template.HTML(b.String())
}

// templateFuncs are the helpers the templates use.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"pct":  func(f float64) float64 { return f * 100 },
		"join": strings.Join,
		"list": func(s ...string) []string { return s },
		"until": func(t time.Time) string {
			d := time.Until(t).Round(time.Hour)
			if d < 48*time.Hour {
				return d.String()
			}
			return fmt.Sprintf("%d days", int(d.Hours()/24))
		},
	}
}
