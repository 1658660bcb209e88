package analysis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/qtriage/qtriage/internal/message"
)

// Errors returned by NewEngine and detectors.
var (
	// ErrInvalidOptions is wrapped by NewEngine when Options are unusable.
	ErrInvalidOptions = errors.New("analysis: invalid options")
	// ErrDetectorTimeout is recorded when a detector overruns the message's time budget.
	ErrDetectorTimeout = errors.New("analysis: detector timed out")
	// ErrDetectorPanic is recorded when a detector panics.
	ErrDetectorPanic = errors.New("analysis: detector panicked")
)

// DefaultBudget is the time one message may take when Options.Budget is zero.
const DefaultBudget = 5 * time.Second

// Options configure an Engine. The zero value is usable.
type Options struct {
	// Now gives the time stamped on reports; time.Now when nil.
	Now func() time.Time
	// Budget is the wall time all detectors of one message share; DefaultBudget when zero.
	Budget time.Duration
	// Detectors replaces the built-in detectors when non-nil (tests, experiments).
	Detectors []Detector
	// Brands are protected brands added to the built-in list for every tenant.
	Brands []Brand
	// Logger receives one line per errored detector; discarded when nil.
	Logger *slog.Logger
}

// Engine analyses messages. It is safe for concurrent use.
type Engine struct {
	now       func() time.Time
	budget    time.Duration
	detectors []Detector
	brands    *brandIndex
	log       *slog.Logger
}

// NewEngine validates opts and builds an engine with the built-in brand list
// and detectors.
func NewEngine(opts Options) (*Engine, error) {
	if opts.Budget < 0 {
		return nil, fmt.Errorf("%w: negative budget %s", ErrInvalidOptions, opts.Budget)
	}
	e := &Engine{now: opts.Now, budget: opts.Budget, log: opts.Logger}
	if e.now == nil {
		e.now = time.Now
	}
	if e.budget == 0 {
		e.budget = DefaultBudget
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	builtin, err := loadBrands()
	if err != nil {
		return nil, err
	}
	if err := validateBrands(opts.Brands); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	e.brands = newBrandIndex(append(builtin, opts.Brands...))
	e.detectors = opts.Detectors
	if e.detectors == nil {
		e.detectors = DefaultDetectors()
	}
	seen := map[string]bool{}
	for _, d := range e.detectors {
		if d == nil {
			return nil, fmt.Errorf("%w: nil detector", ErrInvalidOptions)
		}
		if d.Name() == "" || seen[d.Name()] {
			return nil, fmt.Errorf("%w: detector name %q empty or duplicated", ErrInvalidOptions, d.Name())
		}
		seen[d.Name()] = true
	}
	return e, nil
}

// DefaultDetectors returns the built-in detectors, one per signal family.
func DefaultDetectors() []Detector {
	return []Detector{
		authDetector{},
		senderDetector{},
		linkDetector{},
		attachmentDetector{},
		contentDetector{},
		defectDetector{},
	}
}

// The built-in detectors implement Detector.
var (
	_ Detector = authDetector{}
	_ Detector = senderDetector{}
	_ Detector = linkDetector{}
	_ Detector = attachmentDetector{}
	_ Detector = contentDetector{}
	_ Detector = defectDetector{}
)

// Detectors returns the names and versions of the engine's detectors.
func (e *Engine) Detectors() []DetectorRun {
	out := make([]DetectorRun, len(e.detectors))
	for i, d := range e.detectors {
		out[i] = DetectorRun{Name: d.Name(), Version: d.Version(), Status: StatusSkipped}
	}
	return out
}

// detectorResult is what one detector goroutine sends back.
type detectorResult struct {
	index    int
	findings []Finding
	err      error
	status   DetectorStatus
	duration time.Duration
}

// Analyze runs every detector on m within the time budget and scores the
// findings. It always returns a report: a nil message, a cancelled context
// or all detectors failing give the verdict inconclusive.
func (e *Engine) Analyze(ctx context.Context, m *message.Message, c Context) Report {
	start := time.Now()
	r := Report{
		SchemaVersion:   SchemaVersion,
		AnalyzerVersion: AnalyzerVersion,
		AnalyzedAt:      e.now().UTC(),
		Detectors:       e.Detectors(),
		Findings:        []Finding{},
	}
	if m == nil {
		r.finishInconclusive("no message to analyse")
		r.Duration = Duration(time.Since(start))
		return r
	}
	r.Message = messageInfo(m)
	r.Indicators = indicators(m)
	in := newInput(m, c, e.brands)

	ctx, cancel := context.WithTimeout(ctx, e.budget)
	defer cancel()
	results := make(chan detectorResult, len(e.detectors))
	for i, d := range e.detectors {
		go runDetector(ctx, i, d, in, results)
	}
	// Findings are kept per detector and joined in the detectors' order, so
	// that the report does not depend on which goroutine finished first.
	found := make([][]Finding, len(e.detectors))
	pending := len(e.detectors)
wait:
	for pending > 0 {
		select {
		case res := <-results:
			pending--
			run := &r.Detectors[res.index]
			run.Status = res.status
			run.Duration = Duration(res.duration)
			if res.err != nil {
				run.Error = res.err.Error()
				e.log.Warn("analysis: detector failed", "detector", run.Name, "status", res.status, "err", res.err, "sha256", m.SHA256)
				continue
			}
			run.Findings = len(res.findings)
			for i := range res.findings {
				res.findings[i].Detector = run.Name
			}
			found[res.index] = res.findings
		case <-ctx.Done():
			break wait
		}
	}
	for _, fs := range found {
		r.Findings = append(r.Findings, fs...)
	}
	ok := 0
	for i := range r.Detectors {
		run := &r.Detectors[i]
		if run.Status == StatusSkipped {
			run.Status = StatusTimeout
			run.Error = ErrDetectorTimeout.Error()
			run.Duration = Duration(time.Since(start))
			e.log.Warn("analysis: detector timed out", "detector", run.Name, "sha256", m.SHA256)
		}
		if run.Status == StatusOK {
			ok++
		}
	}
	if ok == 0 && len(r.Detectors) > 0 {
		r.Findings = []Finding{}
		r.finishInconclusive("no detector completed")
	} else {
		score(&r, in)
		r.Summary = summarize(&r, in)
	}
	r.Duration = Duration(time.Since(start))
	return r
}

// runDetector runs one detector, turning a panic into an error, and sends
// exactly one result.
func runDetector(ctx context.Context, i int, d Detector, in *Input, out chan<- detectorResult) {
	start := time.Now()
	res := detectorResult{index: i, status: StatusOK}
	defer func() {
		if p := recover(); p != nil {
			res.findings = nil
			res.status = StatusPanic
			res.err = fmt.Errorf("%w: %v", ErrDetectorPanic, p)
		}
		res.duration = time.Since(start)
		out <- res
	}()
	fs, err := d.Run(ctx, in)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		res.status, res.err = StatusTimeout, fmt.Errorf("%w: %w", ErrDetectorTimeout, err)
	case err != nil:
		res.status, res.err = StatusError, err
	default:
		res.findings = fs
	}
}

// finishInconclusive fills the verdict fields of a report that could not be scored.
func (r *Report) finishInconclusive(why string) {
	r.Verdict = VerdictInconclusive
	r.Confidence = 0
	r.Category = CategoryUnknown
	r.Priority = PriorityMedium
	r.MITRE = []Technique{}
	r.RecommendedActions = []Action{ActionKeepQuarantined, ActionReanalyze, ActionReview}
	r.Summary = "Analysis was inconclusive: " + why + ". Keep the message in quarantine and have an analyst review it."
	if r.Indicators.URLs == nil {
		r.Indicators = emptyIndicators()
	}
}

// messageInfo extracts the identifying fields of m.
func messageInfo(m *message.Message) MessageInfo {
	mi := MessageInfo{Subject: m.Subject, MessageID: m.MessageID, Size: m.Size, SHA256: m.SHA256, Date: m.Date, To: []string{}}
	if m.From != nil {
		mi.From = formatAddress(*m.From)
	}
	for _, a := range m.To {
		mi.To = append(mi.To, formatAddress(a))
	}
	return mi
}

func formatAddress(a message.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return fmt.Sprintf("%s <%s>", a.Name, a.Address)
}

func emptyIndicators() Indicators {
	return Indicators{URLs: []string{}, Domains: []string{}, IPs: []string{}, Emails: []string{}, Phones: []string{}, Hashes: []FileHash{}, Crypto: []CryptoAddress{}}
}

// indicators copies the message's observables and adds the MD5/SHA-1 of attachments.
func indicators(m *message.Message) Indicators {
	ind := emptyIndicators()
	mi := m.Indicators
	ind.URLs = append(ind.URLs, mi.URLs...)
	ind.Domains = append(ind.Domains, mi.Domains...)
	ind.IPs = append(ind.IPs, mi.IPs...)
	ind.Emails = append(ind.Emails, mi.Emails...)
	ind.Phones = append(ind.Phones, mi.Phones...)
	for _, c := range mi.Crypto {
		ind.Crypto = append(ind.Crypto, CryptoAddress{Currency: c.Currency, Address: c.Address})
	}
	parts := map[string]*message.Part{}
	for i := range m.Parts {
		parts[m.Parts[i].ID] = &m.Parts[i]
	}
	seen := map[string]bool{}
	for _, a := range m.Attachments {
		if a.SHA256 == "" || seen[a.SHA256] {
			continue
		}
		seen[a.SHA256] = true
		h := FileHash{Name: a.Filename, SHA256: a.SHA256}
		if p := parts[a.Part]; p != nil {
			h.SHA1, h.MD5 = p.SHA1, p.MD5
		}
		ind.Hashes = append(ind.Hashes, h)
		if a.Archive != nil {
			addArchiveHashes(&ind, a.Filename, a.Archive, seen, 0)
		}
	}
	slices.SortStableFunc(ind.Hashes, func(a, b FileHash) int { return strings.Compare(a.Name, b.Name) })
	return ind
}

func addArchiveHashes(ind *Indicators, parent string, ar *message.Archive, seen map[string]bool, depth int) {
	if depth > 3 {
		return
	}
	for _, e := range ar.Entries {
		if e.SHA256 != "" && !seen[e.SHA256] {
			seen[e.SHA256] = true
			ind.Hashes = append(ind.Hashes, FileHash{Name: parent + "/" + e.Name, SHA256: e.SHA256})
		}
		if e.Nested != nil {
			addArchiveHashes(ind, parent+"/"+e.Name, e.Nested, seen, depth+1)
		}
	}
}
