package analysis

import "time"

// SchemaVersion is the version of the Report JSON form (docs/report.md).
// It changes when a key is renamed or removed; new keys do not change it.
const SchemaVersion = "1"

// AnalyzerVersion is the version of the engine and its scoring table.
// Bump it when weights or thresholds change so old reports can be re-run.
const AnalyzerVersion = "0.4.1"

// Report is the analysis of one message.
type Report struct {
	SchemaVersion   string   `json:"schema_version"`
	AnalyzerVersion string   `json:"analyzer_version"`
	Verdict         Verdict  `json:"verdict"`
	Confidence      float64  `json:"confidence"`
	Category        Category `json:"category"`
	Priority        Priority `json:"priority"`
	Summary         string   `json:"summary"`
	// Brand is the impersonated brand (or VIP, or tenant), "" when none.
	Brand              string        `json:"brand"`
	MITRE              []Technique   `json:"mitre"`
	Findings           []Finding     `json:"findings"`
	Indicators         Indicators    `json:"indicators"`
	RecommendedActions []Action      `json:"recommended_actions"`
	Detectors          []DetectorRun `json:"detectors"`
	Message            MessageInfo   `json:"message"`
	// Score shows the sums the verdict was taken from.
	Score Score `json:"score"`
	// AnalyzedAt is when the analysis ran (from Options.Now).
	AnalyzedAt time.Time `json:"analyzed_at"`
	// Duration is the wall time of the analysis.
	Duration Duration `json:"duration_ms"`
}

// Finding is one observation with its evidence.
type Finding struct {
	// ID is stable and names a row of the scoring table (weights.go), e.g. "sender.brand_lookalike".
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	Detector string   `json:"detector"`
	// Evidence are the exact strings and where they were found.
	Evidence []Evidence `json:"evidence"`
	// Brand is the brand (or VIP or tenant domain) the finding is about, if any.
	Brand string `json:"brand,omitempty"`
	// Weight is the threat points this finding added (negative for benign evidence).
	Weight int `json:"weight"`
}

// Evidence is one exact string and where it was found.
type Evidence struct {
	// Location names where: "header:From", "link:href part 1.2", "attachment:invoice.pdf.exe", "body".
	Location string `json:"location"`
	Value    string `json:"value"`
	// Note explains the evidence when the value alone does not.
	Note string `json:"note,omitempty"`
}

// Technique is one MITRE ATT&CK technique.
type Technique struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Indicators are the observables of a message, for blocking and hunting.
type Indicators struct {
	URLs    []string        `json:"urls"`
	Domains []string        `json:"domains"`
	IPs     []string        `json:"ips"`
	Emails  []string        `json:"emails"`
	Phones  []string        `json:"phones"`
	Hashes  []FileHash      `json:"hashes"`
	Crypto  []CryptoAddress `json:"crypto"`
}

// FileHash names one attachment (or archive entry) and its digests.
type FileHash struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	SHA1   string `json:"sha1,omitempty"`
	MD5    string `json:"md5,omitempty"`
}

// CryptoAddress is a cryptocurrency wallet address.
type CryptoAddress struct {
	Currency string `json:"currency"`
	Address  string `json:"address"`
}

// DetectorRun records how one detector ran.
type DetectorRun struct {
	Name     string         `json:"name"`
	Version  string         `json:"version"`
	Status   DetectorStatus `json:"status"`
	Error    string         `json:"error,omitempty"`
	Findings int            `json:"findings"`
	Duration Duration       `json:"duration_ms"`
}

// MessageInfo identifies the analysed message.
type MessageInfo struct {
	Subject   string    `json:"subject"`
	From      string    `json:"from"`
	To        []string  `json:"to"`
	Date      time.Time `json:"date,omitzero"`
	MessageID string    `json:"message_id"`
	Size      int       `json:"size"`
	SHA256    string    `json:"sha256"`
}

// Score holds the sums the verdict was derived from.
type Score struct {
	// Threat is the sum of positive threat weights.
	Threat int `json:"threat"`
	// Benign is the sum of benign evidence (a positive number subtracted from Threat).
	Benign int `json:"benign"`
	// Spam is the sum of spam weights.
	Spam int `json:"spam"`
	// Net is Threat - Benign, the number compared with the thresholds.
	Net int `json:"net"`
}

// Duration is a time.Duration that marshals as fractional milliseconds.
type Duration time.Duration

// MarshalJSON writes the duration in milliseconds with microsecond precision.
func (d Duration) MarshalJSON() ([]byte, error) {
	ms := float64(time.Duration(d).Microseconds()) / 1000
	return []byte(formatFloat(ms)), nil
}

// UnmarshalJSON reads milliseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	f, err := parseFloat(string(b))
	if err != nil {
		return err
	}
	*d = Duration(time.Duration(f * float64(time.Millisecond)))
	return nil
}
