package analysis

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
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
