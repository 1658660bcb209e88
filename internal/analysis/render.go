package analysis

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteText writes the report as an analyst reads it: the verdict line, the
// summary, then the findings with their evidence.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (confidence %.2f) · %s · priority %s", strings.ToUpper(string(r.Verdict)), r.Confidence, r.Category, r.Priority)
	if r.Brand != "" {
		fmt.Fprintf(&b, " · brand %s", r.Brand)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "From: %s\nSubject: %s\n", r.Message.From, r.Message.Subject)
	if len(r.MITRE) > 0 {
		var ts []string
		for _, t := range r.MITRE {
			ts = append(ts, t.ID+" "+t.Name)
		}
		fmt.Fprintf(&b, "MITRE ATT&CK: %s\n", strings.Join(ts, "; "))
	}
	fmt.Fprintf(&b, "\n%s\n", r.Summary)
	if len(r.Findings) > 0 {
		b.WriteString("\nFindings:\n")
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  [%s] %s (%s, %+d)\n", f.Severity, f.Title, f.ID, f.Weight)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "      %s: %s", e.Location, oneLine(e.Value))
			if e.Note != "" {
				fmt.Fprintf(&b, " (%s)", oneLine(e.Note))
			}
			b.WriteString("\n")
		}
	}
	writeIndicatorsText(&b, r.Indicators)
	var acts []string
	for _, a := range r.RecommendedActions {
		acts = append(acts, string(a))
	}
	fmt.Fprintf(&b, "\nRecommended: %s\n", strings.Join(acts, ", "))
	var failed []string
	for _, d := range r.Detectors {
		if d.Status != StatusOK {
			failed = append(failed, d.Name+" "+string(d.Status))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(&b, "Detectors not completed: %s\n", strings.Join(failed, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeIndicatorsText(b *strings.Builder, ind Indicators) {
	rows := []struct {
		name string
		vals []string
	}{
		{"URLs", ind.URLs}, {"Domains", ind.Domains}, {"IPs", ind.IPs}, {"Emails", ind.Emails}, {"Phones", ind.Phones},
	}
	var hashes, crypto []string
	for _, h := range ind.Hashes {
		hashes = append(hashes, h.Name+" sha256:"+h.SHA256)
	}
	for _, c := range ind.Crypto {
		crypto = append(crypto, c.Currency+":"+c.Address)
	}
	rows = append(rows, struct {
		name string
		vals []string
	}{"Hashes", hashes}, struct {
		name string
		vals []string
	}{"Crypto", crypto})
	header := false
	for _, row := range rows {
		if len(row.vals) == 0 {
			continue
		}
		if !header {
			b.WriteString("\nIndicators:\n")
			header = true
		}
		vals := row.vals
		more := ""
		if len(vals) > 10 {
			more = fmt.Sprintf(" (+%d more)", len(vals)-10)
			vals = vals[:10]
		}
		fmt.Fprintf(b, "  %s: %s%s\n", row.name, strings.Join(vals, ", "), more)
	}
}

// WriteMarkdown writes the report as Markdown, for tickets and chat.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s — %s (confidence %.2f)\n\n", strings.ToUpper(string(r.Verdict)), r.Category, r.Confidence)
	fmt.Fprintf(&b, "| | |\n|---|---|\n| From | %s |\n| Subject | %s |\n| Priority | %s |\n", mdCell(r.Message.From), mdCell(r.Message.Subject), r.Priority)
	if r.Brand != "" {
		fmt.Fprintf(&b, "| Brand | %s |\n", mdCell(r.Brand))
	}
	for _, t := range r.MITRE {
		fmt.Fprintf(&b, "| MITRE | %s %s |\n", t.ID, t.Name)
	}
	fmt.Fprintf(&b, "\n%s\n", r.Summary)
	if len(r.Findings) > 0 {
		b.WriteString("\n#### Findings\n\n")
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "- **%s** %s (`%s`)\n", f.Severity, f.Title, f.ID)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "  - %s: `%s`", e.Location, strings.ReplaceAll(oneLine(e.Value), "`", "'"))
			if e.Note != "" {
				fmt.Fprintf(&b, " — %s", oneLine(e.Note))
			}
			b.WriteString("\n")
		}
	}
	var acts []string
	for _, a := range r.RecommendedActions {
		acts = append(acts, "`"+string(a)+"`")
	}
	fmt.Fprintf(&b, "\n**Recommended:** %s\n", strings.Join(acts, ", "))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the evaluation as a table per set, then the worst mistakes.
func (res EvalResult) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s %-9s %6s %6s %9s %10s %6s %6s %6s %9s %9s\n", "set", "label", "total", "errors", "malicious", "suspicious", "spam", "benign", "inconc", "mal|susp", "mistake")
	for _, s := range res.Sets {
		fmt.Fprintf(&b, "%-14s %-9s %6d %6d %9d %10d %6d %6d %6d %8.2f%% %8.2f%%\n", s.Name, s.Label, s.Total, s.Errors,
			s.Verdicts.Malicious, s.Verdicts.Suspicious, s.Verdicts.Spam, s.Verdicts.Benign, s.Verdicts.Inconclusive,
			100*s.Rates.MaliciousOrSuspicious, 100*s.Rates.Mistake)
	}
	b.WriteString("\nmistake: malicious called benign, benign called malicious or suspicious, spam called benign\n")
	for _, s := range res.Sets {
		cats := make([]string, 0, len(s.Categories))
		for _, c := range slices.Sorted(mapKeys(s.Categories)) {
			cats = append(cats, fmt.Sprintf("%s %d", c, s.Categories[c]))
		}
		fmt.Fprintf(&b, "%-14s categories: %s\n", s.Name, strings.Join(cats, ", "))
	}
	fmt.Fprintf(&b, "\n%d messages in %.1fs: %.1f messages/s (analyzer %s)\n", res.Messages, res.Seconds, res.MessagesPerSecond, res.AnalyzerVersion)
	for _, s := range res.Sets {
		if len(s.Misses) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nWorst mistakes in %s:\n", s.Name)
		for _, m := range s.Misses {
			fmt.Fprintf(&b, "  %s  %s %.2f (net %d)\n      %s\n", m.File, m.Verdict, m.Confidence, m.Net, m.Summary)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mapKeys(m map[string]int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func mdCell(s string) string {
	return strings.ReplaceAll(oneLine(s), "|", "\\|")
}
