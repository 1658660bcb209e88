package analysis

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var corpusEval = flag.Bool("corpus", false, "run the evaluation over ../../../shared/corpus and print it")

// corpusDir is the shared corpus relative to this package.
const corpusDir = "../../../shared/corpus"

func TestCorpusEval(t *testing.T) {
	if !*corpusEval {
		t.Skip("use -corpus to evaluate over the shared corpus")
	}
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not present")
	}
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sets []EvalSet
	for _, s := range []struct{ name, label, dir string }{
		{"phish", "malicious", "phish"}, {"attacks", "malicious", "attacks"}, {"spam", "spam", "spam"},
		{"ham-easy", "benign", "ham/easy"}, {"ham-hard", "benign", "ham/hard"}, {"ham-bounces", "benign", "ham/bounces"}, {"ham-shipping", "benign", "ham/shipping"},
	} {
		sets = append(sets, EvalSet{Name: s.name, Label: Verdict(s.label), Dir: filepath.Join(corpusDir, s.dir)})
	}
	res, err := EvaluateWith(context.Background(), e, sets, EvalOptions{Misses: 40})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if p := os.Getenv("EVAL_OUT"); p != "" {
		_ = os.WriteFile(p, b, 0o644)
	}
	for _, s := range res.Sets {
		t.Logf("%-13s %-9s n=%4d mal=%4d susp=%4d spam=%4d ben=%4d inc=%d  mal|susp=%.4f benign=%.4f",
			s.Name, s.Label, s.Total, s.Verdicts.Malicious, s.Verdicts.Suspicious, s.Verdicts.Spam, s.Verdicts.Benign, s.Verdicts.Inconclusive,
			s.Rates.MaliciousOrSuspicious, s.Rates.Benign)
	}
	t.Logf("%.1f messages/s", res.MessagesPerSecond)
}

// TestCorpusGoals runs the evaluation over the shared corpus (when it is
// present) and fails when a quality goal of docs/quality.md that the
// analyzer meets stops being met. Skipped with -short.
func TestCorpusGoals(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not present")
	}
	t.Parallel()
	// A generous budget: a loaded machine must not turn a verdict.
	e, err := NewEngine(Options{Budget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	goals := []struct {
		name, label, dir string
		// maxMistake is the highest allowed share of mistakes: malicious
		// called benign, benign called malicious or suspicious, spam called benign.
		maxMistake float64
		// minCaught is the lowest allowed share called malicious or suspicious.
		minCaught float64
	}{
		{"phish", "malicious", "phish", 0.02, 0.90},
		{"attacks", "malicious", "attacks", 0, 1},
		{"spam", "spam", "spam", 0.20, 0},
		{"ham-easy", "benign", "ham/easy", 0.005, 0},
		{"ham-hard", "benign", "ham/hard", 0.03, 0},
		{"ham-bounces", "benign", "ham/bounces", 0.01, 0},
		{"ham-shipping", "benign", "ham/shipping", 0.01, 0},
	}
	var sets []EvalSet
	for _, g := range goals {
		sets = append(sets, EvalSet{Name: g.name, Label: Verdict(g.label), Dir: filepath.Join(corpusDir, g.dir)})
	}
	res, err := EvaluateWith(context.Background(), e, sets, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range res.Sets {
		g := goals[i]
		mistakes := s.Verdicts.Benign
		if g.label == "benign" {
			mistakes = s.Verdicts.Malicious + s.Verdicts.Suspicious
		}
		share := float64(mistakes) / float64(max(1, s.Total))
		caught := float64(s.Verdicts.Malicious+s.Verdicts.Suspicious) / float64(max(1, s.Total))
		t.Logf("%-13s n=%4d mistakes=%4d (%.2f%%, goal <= %.1f%%) malicious or suspicious %.2f%%", s.Name, s.Total, mistakes, 100*share, 100*g.maxMistake, 100*caught)
		if share > g.maxMistake {
			t.Errorf("%s: %d mistakes of %d (%.2f%%), goal at most %.1f%%", s.Name, mistakes, s.Total, 100*share, 100*g.maxMistake)
		}
		if caught < g.minCaught {
			t.Errorf("%s: %.2f%% called malicious or suspicious, goal at least %.0f%%", s.Name, 100*caught, 100*g.minCaught)
		}
	}
}
