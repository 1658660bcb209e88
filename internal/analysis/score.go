package analysis

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Technique ids and names used in reports.
var (
	techAttachment = Technique{ID: "T1566.001", Name: "Phishing: Spearphishing Attachment"}
	techLink       = Technique{ID: "T1566.002", Name: "Phishing: Spearphishing Link"}
	techService    = Technique{ID: "T1566.003", Name: "Phishing: Spearphishing via Service"}
	techInfo       = Technique{ID: "T1598", Name: "Phishing for Information"}
	techInternal   = Technique{ID: "T1534", Name: "Internal Spearphishing"}
)

// score fills the verdict fields of r from its findings, using the rules table.
func score(r *Report, in *Input) {
	var threat, benign, spam int
	catPoints := map[Category]int{}
	for i := range r.Findings {
		f := &r.Findings[i]
		ru, ok := rules[f.ID]
		if !ok {
			ru = rule{severity: SeverityInfo}
		}
		f.Severity = ru.severity
		f.Weight = ru.threat
		if ru.threat > 0 {
			threat += ru.threat
		} else {
			benign -= ru.threat
		}
		spam += ru.spam
		if ru.category != "" && ru.threat > 0 {
			catPoints[ru.category] += ru.threat
		}
	}
	// Benign evidence cannot clear a message that impersonates or carries malware.
	if hasAny(r.Findings, "sender.brand_lookalike", "sender.tenant_lookalike", "sender.partner_lookalike", "links.lookalike", "attach.executable",
		"sender.brand_display_name", "sender.brand_freemail", "sender.vip_impersonation", "links.brand_display_mismatch",
		"attach.double_extension", "attach.html_smuggling", "attach.archive_dangerous", "headers.deny_listed", "links.deny_listed") {
		benign = min(benign, 10)
	}
	net := threat - benign
	// A delivery report (multipart/report) speaks for the mail system: its
	// risk signals are the quoted original's.
	unvouched := !hasAny(r.Findings, vouching...) && !isDeliveryReportPart(in.Msg)
	bulk := hasAny(r.Findings, "headers.bulk_sender", "content.bulk_footer") && !hasAny(r.Findings, "headers.mailing_list")
	r.Score = Score{Threat: threat, Benign: benign, Spam: spam, Net: net}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity.rank(), a.Severity.rank()); c != 0 {
			return c
		}
		return cmp.Compare(b.Weight, a.Weight)
	})

	errored := 0
	for _, d := range r.Detectors {
		if d.Status != StatusOK {
			errored++
		}
	}
	switch {
	case net >= thresholdMalicious:
		r.Verdict = VerdictMalicious
		r.Confidence = 0.7 + 0.29*clamp01(float64(net-thresholdMalicious)/80)
	case net >= thresholdSuspicious:
		r.Verdict = VerdictSuspicious
		r.Confidence = 0.5 + 0.3*clamp01(float64(net-thresholdSuspicious)/float64(thresholdMalicious-thresholdSuspicious))
	case spam >= thresholdSpam || net >= riskyBulkNet && spam >= riskyBulkSpam || unvouched && (net >= riskyUnvouchedNet || bulk):
		r.Verdict = VerdictSpam
		r.Confidence = 0.55 + 0.4*clamp01(float64(spam-thresholdSpam)/50)
	default:
		r.Verdict = VerdictBenign
		r.Confidence = 0.6 + 0.39*clamp01(float64(thresholdSuspicious-net)/float64(thresholdSuspicious+20))
	}
	r.Confidence = math.Round(max(0.05, r.Confidence-0.15*float64(errored))*100) / 100

	r.Category = category(r, catPoints, in)
	r.Brand = brandOf(r)
	r.MITRE = techniques(r, in)
	r.Priority = priority(r)
	r.RecommendedActions = actions(r)
}

// category picks the category with the most threat points among the findings.
func category(r *Report, points map[Category]int, in *Input) Category {
	switch r.Verdict {
	case VerdictBenign:
		return CategoryLegitimate
	case VerdictSpam:
		if len(in.Msg.ListUnsubscribe) > 0 || hasAny(r.Findings, "content.bulk_footer") {
			return CategoryBulk
		}
		return CategorySpam
	case VerdictInconclusive:
		return CategoryUnknown
	}
	best, bestPts := Category(""), 0
	// Fixed order so ties are stable: the more specific categories win.
	for _, c := range []Category{CategoryMalware, CategoryExtortion, CategoryCallbackPhishing, CategoryBEC, CategoryCredentialPhishing, CategoryScam} {
		if p := points[c]; p > bestPts {
			best, bestPts = c, p
		}
	}
	if best != "" {
		return best
	}
	// Dangerous mail whose findings name no category (spoofed, generated
	// senders, hostile links): a fraud of unknown kind. "Spam" would say it
	// is not dangerous.
	return CategoryScam
}

// brandOf returns the brand of the heaviest finding that names one.
func brandOf(r *Report) string {
	best, w := "", math.MinInt
	for _, f := range r.Findings {
		if f.Brand != "" && f.Weight > w {
			best, w = f.Brand, f.Weight
		}
	}
	if r.Verdict == VerdictBenign || r.Verdict == VerdictSpam {
		return ""
	}
	return best
}

// techniques maps a threat to MITRE ATT&CK techniques.
func techniques(r *Report, in *Input) []Technique {
	out := []Technique{}
	if r.Verdict != VerdictMalicious && r.Verdict != VerdictSuspicious {
		return out
	}
	att, link, svc := false, false, false
	for _, f := range r.Findings {
		switch {
		case strings.HasPrefix(f.ID, "attach.") && f.Weight >= 20:
			att = true
		case strings.HasPrefix(f.ID, "links.") && f.Weight > 0:
			link = true
		}
		if f.ID == "sender.brand_freemail" || f.ID == "sender.freemail_org_claim" || f.ID == "sender.free_host_domain" || f.ID == "links.free_host" {
			svc = true
		}
	}
	if in.isTenantDomain(in.FromHost) && in.Auth.passedFor(in.FromDomain) {
		out = append(out, techInternal)
	}
	if att {
		out = append(out, techAttachment)
	}
	if link || !att && hasClickable(in) && r.Category == CategoryCredentialPhishing {
		out = append(out, techLink)
	}
	if svc {
		out = append(out, techService)
	}
	switch r.Category {
	case CategoryBEC, CategoryCallbackPhishing, CategoryScam, CategoryExtortion:
		out = append(out, techInfo)
	case CategoryCredentialPhishing:
		if !att && !link {
			out = append(out, techInfo)
		}
	}
	if len(out) == 0 {
		out = append(out, techInfo)
	}
	return out
}

func hasClickable(in *Input) bool {
	for _, l := range in.Msg.Links {
		if l.Source == "href" || l.Source == "text" {
			return true
		}
	}
	return false
}

// priority says how soon an analyst should look.
func priority(r *Report) Priority {
	switch r.Verdict {
	case VerdictMalicious:
		if r.Category == CategoryMalware || r.Category == CategoryBEC ||
			hasAny(r.Findings, "sender.vip_impersonation", "sender.tenant_lookalike") || r.Confidence >= 0.9 {
			return PriorityCritical
		}
		return PriorityHigh
	case VerdictSuspicious, VerdictInconclusive:
		return PriorityMedium
	}
	return PriorityLow
}

// actions recommends what to do.
func actions(r *Report) []Action {
	switch r.Verdict {
	case VerdictMalicious:
		a := []Action{ActionKeepQuarantined, ActionDelete, ActionBlockSender}
		if len(r.Indicators.URLs) > 0 || len(r.Indicators.Hashes) > 0 || len(r.Indicators.Domains) > 0 {
			a = append(a, ActionBlockIndicators)
		}
		return append(a, ActionHuntCampaign)
	case VerdictSuspicious:
		return []Action{ActionKeepQuarantined, ActionReview}
	case VerdictSpam:
		return []Action{ActionKeepQuarantined, ActionReleaseOnRequest}
	case VerdictBenign:
		return []Action{ActionRelease}
	}
	return []Action{ActionKeepQuarantined, ActionReanalyze, ActionReview}
}

func hasAny(fs []Finding, ids ...string) bool {
	for _, f := range fs {
		for _, id := range ids {
			if f.ID == id {
				return true
			}
		}
	}
	return false
}

func clamp01(f float64) float64 { return max(0, min(1, f)) }
