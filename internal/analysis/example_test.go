package analysis_test

import (
	"context"
	"fmt"
	"os"

	"github.com/qtriage/qtriage/internal/analysis"
	"github.com/qtriage/qtriage/internal/message"
)

func ExampleEngine_Analyze() {
	raw, err := os.ReadFile("testdata/tenant_lookalike.eml")
	if err != nil {
		panic(err)
	}
	m, err := message.Parse(raw, message.DefaultLimits())
	if err != nil {
		panic(err)
	}
	e, err := analysis.NewEngine(analysis.Options{})
	if err != nil {
		panic(err)
	}
	r := e.Analyze(context.Background(), m, analysis.Context{TenantDomains: []string{"example.com"}})
	fmt.Println(r.Verdict, r.Category, r.Brand)
	fmt.Println(r.Findings[0].ID)
	// Output:
	// malicious credential_phishing example.com
	// sender.tenant_lookalike
}

func ExampleParseEvalSet() {
	s, err := analysis.ParseEvalSet("phish=malicious:../shared/corpus/phish")
	fmt.Println(s.Name, s.Label, s.Dir, err)
	// Output: phish malicious ../shared/corpus/phish <nil>
}
