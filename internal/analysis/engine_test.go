package analysis

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/message"
)

// fakeDetector is a detector whose behaviour a test chooses.
type fakeDetector struct {
	name string
	run  func(ctx context.Context, in *Input) ([]Finding, error)
}

func (f fakeDetector) Name() string    { return f.name }
func (f fakeDetector) Version() string { return "test" }
func (f fakeDetector) Run(ctx context.Context, in *Input) ([]Finding, error) {
	return f.run(ctx, in)
}

var _ Detector = fakeDetector{}

// defaultEngine is an engine with the built-in detectors and brands.
func defaultEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func parseString(t *testing.T, s string) *message.Message {
	t.Helper()
	m, err := message.Parse([]byte(strings.ReplaceAll(s, "\n", "\r\n")), message.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const plainMessage = `From: Alex <alex@example.org>
To: sam@example.com
Subject: lunch
Date: Tue, 3 Nov 2026 12:00:00 +0000
Message-ID: <a@example.org>

See you at noon.
`

func TestEngineIsolatesDetectors(t *testing.T) {
	t.Parallel()
	found := fakeDetector{name: "finds", run: func(context.Context, *Input) ([]Finding, error) {
		return []Finding{{ID: "content.extortion", Title: "test finding", Evidence: []Evidence{{Location: "body", Value: "x"}}}}, nil
	}}
	panics := fakeDetector{name: "panics", run: func(context.Context, *Input) ([]Finding, error) { panic("boom") }}
	fails := fakeDetector{name: "fails", run: func(context.Context, *Input) ([]Finding, error) { return nil, errors.New("analysis: broken") }}
	hangs := fakeDetector{name: "hangs", run: func(ctx context.Context, _ *Input) ([]Finding, error) {
		time.Sleep(2 * time.Second)
		return []Finding{{ID: "content.extortion"}}, nil
	}}
	e, err := NewEngine(Options{Detectors: []Detector{found, panics, fails, hangs}, Budget: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := e.Analyze(context.Background(), parseString(t, plainMessage), Context{})
	if el := time.Since(start); el > time.Second {
		t.Errorf("Analyze took %s despite a 100ms budget", el)
	}
	want := map[string]DetectorStatus{"finds": StatusOK, "panics": StatusPanic, "fails": StatusError, "hangs": StatusTimeout}
	for _, d := range r.Detectors {
		if d.Status != want[d.Name] {
			t.Errorf("detector %s: status %s, want %s (%s)", d.Name, d.Status, want[d.Name], d.Error)
		}
	}
	if len(r.Findings) != 1 || r.Findings[0].Detector != "finds" || r.Findings[0].Severity != SeverityCritical {
		t.Errorf("findings %+v", r.Findings)
	}
	if r.Verdict != VerdictMalicious {
		t.Errorf("verdict %s with an extortion finding", r.Verdict)
	}
	if r.Confidence >= 0.7 {
		t.Errorf("confidence %.2f not lowered for 3 failed detectors", r.Confidence)
	}
}

func TestEngineInconclusive(t *testing.T) {
	t.Parallel()
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ctx  func() context.Context
		msg  *message.Message
	}{
		{"nil message", context.Background, nil},
		{"cancelled context", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, parseString(t, plainMessage)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.Analyze(tt.ctx(), tt.msg, Context{})
			if r.Verdict != VerdictInconclusive || r.Summary == "" || len(r.RecommendedActions) == 0 {
				t.Errorf("got %s %q %v", r.Verdict, r.Summary, r.RecommendedActions)
			}
		})
	}
}

func TestEngineBenignPlainMessage(t *testing.T) {
	t.Parallel()
	e, _ := NewEngine(Options{})
	r := e.Analyze(context.Background(), parseString(t, plainMessage), Context{})
	if r.Verdict != VerdictBenign || r.Category != CategoryLegitimate || r.AnalyzerVersion != AnalyzerVersion {
		t.Errorf("%s %s %v", r.Verdict, r.Category, findingIDs(r))
	}
	for _, d := range r.Detectors {
		if d.Status != StatusOK || d.Version == "" {
			t.Errorf("detector %+v", d)
		}
	}
}

func TestNewEngineValidates(t *testing.T) {
	t.Parallel()
	d := fakeDetector{name: "same", run: func(context.Context, *Input) ([]Finding, error) { return nil, nil }}
	tests := []struct {
		name string
		opts Options
	}{
		{"error/negative budget", Options{Budget: -time.Second}},
		{"error/duplicate detector", Options{Detectors: []Detector{d, d}}},
		{"error/brand without domain", Options{Brands: []Brand{{Name: "Contoso"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewEngine(tt.opts); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("err = %v, want ErrInvalidOptions", err)
			}
		})
	}
}

func TestBrandListIsLargeAndValid(t *testing.T) {
	t.Parallel()
	bs, err := loadBrands()
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) < 100 {
		t.Errorf("%d brands, want 100+", len(bs))
	}
	seen := map[string]string{}
	for _, b := range bs {
		for _, d := range b.Domains {
			if o, dup := seen[d]; dup && o != b.Name {
				t.Errorf("domain %s in %s and %s", d, o, b.Name)
			}
			seen[d] = b.Name
		}
	}
}

func TestLookalike(t *testing.T) {
	t.Parallel()
	e, _ := NewEngine(Options{})
	in := newInput(parseString(t, plainMessage), Context{TenantDomains: []string{"contoso-example.com"}}, e.brands)
	tests := []struct {
		host string
		kind LookalikeKind
	}{
		{"micros0ft.com", LookalikeDigitSwap},
		{"xn--pypal-4ve.com", LookalikePunycode},
		{"paypal-secure-login.top", LookalikeAddedWords},
		{"paypa1.com", LookalikeDigitSwap},
		{"arnazon.com", LookalikeDigitSwap},
		{"netfllx.com", LookalikeTypo},
		{"contoso-examp1e.com", LookalikeDigitSwap},
		{"paypal.com.account-check.top", LookalikeSubdomain},
		{"login.microsoftonline.com", ""},
		{"example.org", ""},
		{"officedepot.com", ""},
		{"apply.com", ""},
	}
	for _, tt := range tests {
		la, ok := in.lookalikeOf(tt.host)
		if tt.kind == "" && ok || tt.kind != "" && la.kind != tt.kind {
			t.Errorf("%s: got %v %v (%s), want %q", tt.host, ok, la.kind, la.target, tt.kind)
		}
	}
}

func TestFoldText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"РayРal": "paypal", "𝐏𝐚𝐲𝐏𝐚𝐥": "paypal", "Crédit Agricole": "credit agricole", "MеtaMask": "metamask"} {
		if got := foldText(in); got != want {
			t.Errorf("foldText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFindingsOrderIsStable: detectors run concurrently, yet findings of
// equal severity and weight are listed in the detectors' order, not in the
// order the detectors happened to finish (goldens and re-analysis compare
// reports).
func TestFindingsOrderIsStable(t *testing.T) {
	t.Parallel()
	finding := func(id string, delay time.Duration) fakeDetector {
		return fakeDetector{name: id, run: func(context.Context, *Input) ([]Finding, error) {
			time.Sleep(delay)
			return []Finding{{ID: id, Title: id, Evidence: []Evidence{{Location: "body", Value: "x"}}}}, nil
		}}
	}
	// Same severity and weight (30, medium); the first detector finishes last.
	e, err := NewEngine(Options{Detectors: []Detector{finding("content.offmail_contact", 50*time.Millisecond), finding("headers.reply_to_freemail", 0)}})
	if err != nil {
		t.Fatal(err)
	}
	r := e.Analyze(context.Background(), parseString(t, plainMessage), Context{})
	if got, want := findingIDs(r), []string{"content.offmail_contact", "headers.reply_to_freemail"}; !slices.Equal(got, want) {
		t.Fatalf("findings %v, want %v (the detectors' order)", got, want)
	}
}
