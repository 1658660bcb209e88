package analysis

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/qtriage/qtriage/internal/message"
)

// FuzzAnalyze feeds hostile bytes through parse and analysis: the engine
// must never panic, always give a known verdict, and keep confidence in 0–1.
func FuzzAnalyze(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From: =?utf-8?B?0JzQtXRh?= <a@xn--pypal-4ve.com>\r\nSubject: \x00\xff\r\n\r\nhttp://[::1]/\xe2\x80\x8b"))
	e, err := NewEngine(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := message.Parse(raw, message.DefaultLimits())
		if err != nil {
			return
		}
		r := e.Analyze(context.Background(), m, Context{TenantDomains: []string{"example.com"}, VIPs: []string{"Dana Whitfield"}})
		if !r.Verdict.Valid() || r.Confidence < 0 || r.Confidence > 1 || r.Summary == "" {
			t.Fatalf("bad report: %s %v %q", r.Verdict, r.Confidence, r.Summary)
		}
		for _, d := range r.Detectors {
			if d.Status == StatusPanic {
				t.Fatalf("detector %s panicked: %s", d.Name, d.Error)
			}
		}
	})
}
