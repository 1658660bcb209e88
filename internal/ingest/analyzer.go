package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"

	"github.com/qtriage/qtriage/internal/analysis"
	"github.com/qtriage/qtriage/internal/message"
	"github.com/qtriage/qtriage/internal/store"
)

// Engine adapts analysis.Engine to the pipeline: it parses the raw message,
// gives the engine the tenant's context (its domains and detection
// settings) and its sender history, and keeps the report as JSON.
type Engine struct {
	Engine *analysis.Engine
	Limits message.Limits // zero means message.DefaultLimits()
}

var _ Analyzer = Engine{}

// Version is the analyzer version reports are stamped with.
func (e Engine) Version() string { return analysis.AnalyzerVersion }

// Analyze parses and analyses raw for tenant t with its detection settings d.
func (e Engine) Analyze(ctx context.Context, t store.Tenant, d store.DetectionSettings, raw []byte, history HistoryFunc) (Analysis, error) {
	limits := e.Limits
	if limits == (message.Limits{}) {
		limits = message.DefaultLimits()
	}
	m, err := message.Parse(raw, limits)
	if err != nil {
		// Nothing at all could be read: that is a finding for the analyst,
		// not a job to retry.
		return unreadable(err), nil
	}
	r := e.Engine.Analyze(ctx, m, analysisContext(t, d, history))
	js, err := json.Marshal(r)
	if err != nil {
		return Analysis{}, fmt.Errorf("ingest: report: %w", err)
	}
	sender := strings.ToLower(r.Message.From)
	if a, err := mail.ParseAddress(r.Message.From); err == nil {
		sender = strings.ToLower(a.Address)
	}
	_, domain, _ := strings.Cut(sender, "@")
	return Analysis{AnalyzerVersion: r.AnalyzerVersion, Verdict: string(r.Verdict), Confidence: r.Confidence,
		Category: string(r.Category), Sender: sender, SenderDomain: domain, Brand: r.Brand, JSON: js}, nil
}

// analysisContext is what the engine knows of tenant t: its
// *.onmicrosoft.com organisation and the domains, names and lists of its
// detection settings.
func analysisContext(t store.Tenant, d store.DetectionSettings, history HistoryFunc) analysis.Context {
	c := analysis.Context{
		VIPs:         d.VIPs,
		KnownDomains: d.Partners,
		Allow:        d.Allow,
		Deny:         d.Deny,
		History:      senderHistory(history),
	}
	if t.Connection != nil {
		c.TenantDomains = append(c.TenantDomains, t.Connection.Organization)
	}
	c.TenantDomains = append(c.TenantDomains, d.AcceptedDomains...)
	return c
}

func unreadable(err error) Analysis {
	js, _ := json.Marshal(map[string]any{"schema_version": analysis.SchemaVersion, "analyzer_version": analysis.AnalyzerVersion,
		"verdict": "inconclusive", "confidence": 0, "summary": "The message could not be read: " + err.Error()})
	return Analysis{AnalyzerVersion: analysis.AnalyzerVersion, Verdict: "inconclusive", Category: "unreadable", JSON: js}
}

// senderHistory adapts the store's counts to the engine's interface.
type senderHistory HistoryFunc

func (h senderHistory) SenderStats(ctx context.Context, address, domain string) (analysis.SenderStats, error) {
	s, err := h(ctx, address, domain)
	if err != nil {
		return analysis.SenderStats{}, err
	}
	return analysis.SenderStats{BenignFromAddress: s.FromAddressBenign, BenignFromDomain: s.FromDomainBenign, MaliciousFromDomain: s.FromDomainMalicious}, nil
}
