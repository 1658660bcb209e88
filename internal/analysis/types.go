package analysis

// Verdict is the overall judgement on a message.
type Verdict string

// Verdicts, from most to least dangerous; inconclusive means analysis could not run.
const (
	VerdictMalicious    Verdict = "malicious"
	VerdictSuspicious   Verdict = "suspicious"
	VerdictSpam         Verdict = "spam"
	VerdictBenign       Verdict = "benign"
	VerdictInconclusive Verdict = "inconclusive"
)

// Verdicts lists every verdict in report order.
func Verdicts() []Verdict {
	return []Verdict{VerdictMalicious, VerdictSuspicious, VerdictSpam, VerdictBenign, VerdictInconclusive}
}

// Valid reports whether v is a known verdict.
func (v Verdict) Valid() bool {
	switch v {
	case VerdictMalicious, VerdictSuspicious, VerdictSpam, VerdictBenign, VerdictInconclusive:
		return true
	}
	return false
}

// Severity ranks a finding.
type Severity string

// Severities, from least to most serious. Benign findings count against a threat verdict.
const (
	SeverityBenign   Severity = "benign"
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// rank orders severities for sorting (higher is more serious).
func (s Severity) rank() int {
	switch s {
	case SeverityBenign:
		return 0
	case SeverityInfo:
		return 1
	case SeverityLow:
		return 2
	case SeverityMedium:
		return 3
	case SeverityHigh:
		return 4
	case SeverityCritical:
		return 5
	}
	return 0
}

// Category is the kind of threat (or of legitimate mail) a message is.
type Category string

// Categories, as in the detection reference.
const (
	CategoryCredentialPhishing Category = "credential_phishing"
	CategoryMalware            Category = "malware"
	CategoryBEC                Category = "bec"
	CategoryCallbackPhishing   Category = "callback_phishing"
	CategoryExtortion          Category = "extortion"
	CategoryScam               Category = "scam"
	CategorySpam               Category = "spam"
	CategoryBulk               Category = "bulk"
	CategoryLegitimate         Category = "legitimate"
	// CategoryUnknown is used when analysis could not run.
	CategoryUnknown Category = "unknown"
)

// Priority says how soon an analyst should look at the message.
type Priority string

// Priorities.
const (
	PriorityCritical Priority = "critical"
	PriorityHigh     Priority = "high"
	PriorityMedium   Priority = "medium"
	PriorityLow      Priority = "low"
)

// Action is a recommended next step for the analyst.
type Action string

// Recommended actions.
const (
	ActionKeepQuarantined  Action = "keep_quarantined"
	ActionDelete           Action = "delete"
	ActionBlockSender      Action = "block_sender"
	ActionHuntCampaign     Action = "hunt_campaign"
	ActionBlockIndicators  Action = "block_indicators"
	ActionReview           Action = "human_review"
	ActionReleaseOnRequest Action = "release_on_request"
	ActionRelease          Action = "release"
	ActionReanalyze        Action = "reanalyze"
)

// DetectorStatus says how a detector run ended.
type DetectorStatus string

// Detector statuses.
const (
	StatusOK      DetectorStatus = "ok"
	StatusError   DetectorStatus = "error"
	StatusTimeout DetectorStatus = "timeout"
	StatusPanic   DetectorStatus = "panic"
	StatusSkipped DetectorStatus = "skipped"
)
