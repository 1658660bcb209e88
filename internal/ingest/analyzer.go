package ingest

import (
	"context"
	"encoding/json"
	"errors"
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
// When a detector fails for a reason other than the message, it returns
// ErrDetectorFailed rather than a report without that detector's findings.
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
	if err := incomplete(r); err != nil {
		return Analysis{}, err
	}
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

// ErrDetectorFailed: a detector ended with an error, which the message did
// not cause (the sender history could not be read, the analysis was
// cancelled). The report would lack the detector's findings and its
// verdict could be wrong, so none is stored: the job fails and River
// retries it.
var ErrDetectorFailed = errors.New("ingest: a detector failed")

// incomplete returns ErrDetectorFailed, with each detector's error, when a
// detector of r ended with analysis.StatusError. A timeout or a panic is
// the message's doing and would happen again: the report records it and
// is kept.
func incomplete(r analysis.Report) error {
	var failed []error
	for _, d := range r.Detectors {
		if d.Status == analysis.StatusError {
			failed = append(failed, fmt.Errorf("%s: %s", d.Name, d.Error))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrDetectorFailed, errors.Join(failed...))
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
