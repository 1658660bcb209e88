package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/message"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedNow is the analysis time stamped on golden reports.
var fixedNow = time.Date(2026, 11, 3, 20, 0, 0, 0, time.UTC)

// goldenReport analyses testdata/<name>.eml with testdata/<name>.context.json
// if present, and zeroes the measured durations.
func goldenReport(t *testing.T, e *Engine, name string) Report {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	var c Context
	if b, err := os.ReadFile(filepath.Join("testdata", name+".context.json")); err == nil {
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("context: %v", err)
		}
	}
	m, err := message.Parse(raw, message.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	r := e.Analyze(context.Background(), m, c)
	r.Duration = 0
	for i := range r.Detectors {
		r.Detectors[i].Duration = 0
	}
	return r
}

func TestGolden(t *testing.T) {
	e, err := NewEngine(Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	cases, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if len(cases) == 0 {
		t.Fatal("no golden cases")
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".eml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := goldenReport(t, e, name)
			for _, f := range r.Findings {
				if _, ok := rules[f.ID]; !ok {
					t.Errorf("finding %q is not in the rules table (weights.go)", f.ID)
				}
			}
			got, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			gp := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(gp, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(gp)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("report differs from %s (run go test -update and review the diff):\n%s", gp, firstDiff(string(want), string(got)))
			}
		})
	}
}

// TestGoldenExpectations pins the verdict and the key findings of each case,
// so an -update cannot silently lose what a case is about.
func TestGoldenExpectations(t *testing.T) {
	e, err := NewEngine(Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		verdicts []Verdict
		category Category
		findings []string
	}{
		{"auth_dmarc_fail", []Verdict{VerdictMalicious}, CategoryBEC, []string{"auth.dmarc_fail", "headers.reply_to_freemail", "content.bec_request"}},
		{"sender_brand_lookalike", []Verdict{VerdictMalicious}, CategoryCredentialPhishing, []string{"sender.brand_lookalike", "links.lookalike", "content.credential_lure_strong"}},
		{"links_deceptive", []Verdict{VerdictMalicious}, CategoryCredentialPhishing, []string{"links.brand_display_mismatch", "links.ip_host", "links.shortener", "links.free_host", "links.abused_redirect"}},
		{"attach_malware", []Verdict{VerdictMalicious}, CategoryMalware, []string{"attach.executable", "attach.double_extension", "attach.html_smuggling"}},
		{"content_callback", []Verdict{VerdictMalicious}, CategoryCallbackPhishing, []string{"content.callback", "sender.freemail_org_claim"}},
		{"content_extortion", []Verdict{VerdictMalicious}, CategoryExtortion, []string{"content.extortion"}},
		{"bec_vip", []Verdict{VerdictMalicious}, CategoryBEC, []string{"sender.vip_impersonation", "content.bec_request", "sender.freemail_executive"}},
		{"tenant_lookalike", []Verdict{VerdictMalicious}, CategoryCredentialPhishing, []string{"sender.tenant_lookalike", "links.password_form"}},
		// Bulk mail that nothing vouches for is kept as bulk; the same mail
		// from an allow-listed, authenticated sender is released.
		{"benign_newsletter", []Verdict{VerdictSpam}, CategoryBulk, []string{"links.sender_aligned", "headers.bulk_sender"}},
		{"newsletter_allowed", []Verdict{VerdictBenign}, CategoryLegitimate, []string{"auth.allowlisted", "headers.bulk_sender"}},
		// Modern discussion lists: From rewritten to the list (Mailman's
		// DMARC mitigation), or DKIM broken by the list with ARC intact.
		{"list_from_rewritten", []Verdict{VerdictBenign}, CategoryLegitimate, []string{"headers.mailing_list"}},
		{"list_dkim_broken_arc", []Verdict{VerdictBenign}, CategoryLegitimate, []string{"headers.mailing_list"}},
		{"defects_malformed", []Verdict{VerdictBenign, VerdictSuspicious, VerdictMalicious}, "", []string{"defects.structure", "headers.from_malformed"}},
		{"content_mixed_script", []Verdict{VerdictSuspicious, VerdictMalicious}, "", []string{"content.mixed_script", "content.styled_unicode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := goldenReport(t, e, tt.name)
			ok := false
			for _, v := range tt.verdicts {
				ok = ok || r.Verdict == v
			}
			if !ok {
				t.Errorf("verdict %s, want one of %v (net %d): %s", r.Verdict, tt.verdicts, r.Score.Net, r.Summary)
			}
			if tt.category != "" && r.Category != tt.category {
				t.Errorf("category %s, want %s", r.Category, tt.category)
			}
			for _, id := range tt.findings {
				if !hasAny(r.Findings, id) {
					t.Errorf("missing finding %s; have %v", id, findingIDs(r))
				}
			}
			if r.Summary == "" || len(r.MITRE) == 0 && (r.Verdict == VerdictMalicious || r.Verdict == VerdictSuspicious) {
				t.Errorf("summary %q, mitre %v", r.Summary, r.MITRE)
			}
		})
	}
}

func findingIDs(r Report) []string {
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return ""
}
