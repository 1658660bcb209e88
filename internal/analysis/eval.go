package analysis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/qtriage/qtriage/internal/message"
)

// ErrBadEvalSet is wrapped when an evaluation set is malformed.
var ErrBadEvalSet = errors.New("analysis: bad evaluation set")

// EvalSet is a folder of messages that all carry the same label.
type EvalSet struct {
	Name string
	// Label is the truth: VerdictMalicious, VerdictSpam or VerdictBenign.
	Label Verdict
	Dir   string
}

// ParseEvalSet reads NAME=LABEL:DIR.
func ParseEvalSet(s string) (EvalSet, error) {
	name, rest, ok := strings.Cut(s, "=")
	label, dir, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || name == "" || dir == "" {
		return EvalSet{}, fmt.Errorf("%w: %q is not NAME=LABEL:DIR", ErrBadEvalSet, s)
	}
	v := Verdict(strings.ToLower(label))
	switch v {
	case VerdictMalicious, VerdictSpam, VerdictBenign:
	default:
		return EvalSet{}, fmt.Errorf("%w: label %q is not malicious, spam or benign", ErrBadEvalSet, label)
	}
	return EvalSet{Name: name, Label: v, Dir: dir}, nil
}

// EvalOptions tune Evaluate.
type EvalOptions struct {
	// Workers analyse files in parallel; GOMAXPROCS when zero.
	Workers int
	// Misses is how many of the worst mistakes to keep per set.
	Misses int
	// Context is the tenant context given to every analysis.
	Context Context
}

// EvalResult is the outcome of an evaluation. Its JSON keys sets[].name,
// label, total, errors, verdicts and messages_per_second are stable.
type EvalResult struct {
	Sets              []SetResult `json:"sets"`
	MessagesPerSecond float64     `json:"messages_per_second"`
	Messages          int         `json:"messages"`
	Seconds           float64     `json:"seconds"`
	AnalyzerVersion   string      `json:"analyzer_version"`
}

// VerdictCounts counts the verdicts of a set, in a fixed key order.
type VerdictCounts struct {
	Malicious    int `json:"malicious"`
	Suspicious   int `json:"suspicious"`
	Spam         int `json:"spam"`
	Benign       int `json:"benign"`
	Inconclusive int `json:"inconclusive"`
}

func (c *VerdictCounts) add(v Verdict) {
	switch v {
	case VerdictMalicious:
		c.Malicious++
	case VerdictSuspicious:
		c.Suspicious++
	case VerdictSpam:
		c.Spam++
	case VerdictBenign:
		c.Benign++
	case VerdictInconclusive:
		c.Inconclusive++
	}
}

// SetResult is the outcome for one set.
type SetResult struct {
	Name     string        `json:"name"`
	Label    Verdict       `json:"label"`
	Total    int           `json:"total"`
	Errors   int           `json:"errors"`
	Verdicts VerdictCounts `json:"verdicts"`
	// Rates are the shares of the set (0–1) for each kind of outcome.
	Rates      Rates          `json:"rates"`
	Categories map[string]int `json:"categories"`
	Misses     []Miss         `json:"misses,omitempty"`
}

// Rates are shares of a set.
type Rates struct {
	// MaliciousOrSuspicious is the share called malicious or suspicious.
	MaliciousOrSuspicious float64 `json:"malicious_or_suspicious"`
	// Benign is the share called benign.
	Benign float64 `json:"benign"`
	// Mistake is the rate of the mistake that matters for the label: malicious
	// called benign, benign called malicious or suspicious, spam called benign.
	Mistake float64 `json:"mistake"`
}

// Miss is one mistaken verdict.
type Miss struct {
	File       string  `json:"file"`
	Verdict    Verdict `json:"verdict"`
	Confidence float64 `json:"confidence"`
	Net        int     `json:"net"`
	Summary    string  `json:"summary"`
}

// Evaluate runs the engine over each set with default options.
func Evaluate(ctx context.Context, e *Engine, sets []EvalSet) (EvalResult, error) {
	return EvaluateWith(ctx, e, sets, EvalOptions{})
}

// EvaluateWith runs the engine over each set's folder (recursively, every
// .eml file or file without extension) and counts the verdicts.
func EvaluateWith(ctx context.Context, e *Engine, sets []EvalSet, opts EvalOptions) (EvalResult, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	res := EvalResult{Sets: []SetResult{}, AnalyzerVersion: AnalyzerVersion}
	start := time.Now()
	for _, s := range sets {
		files, err := listMessages(s.Dir)
		if err != nil {
			return res, fmt.Errorf("analysis: eval set %s: %w", s.Name, err)
		}
		sr := SetResult{Name: s.Name, Label: s.Label, Total: len(files), Categories: map[string]int{}}
		type outcome struct {
			file string
			rep  Report
			err  error
		}
		outs := make([]outcome, len(files))
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					rep, err := AnalyzeFile(ctx, e, files[i], opts.Context)
					outs[i] = outcome{file: files[i], rep: rep, err: err}
				}
			}()
		}
		for i := range files {
			if ctx.Err() != nil {
				break
			}
			next <- i
		}
		close(next)
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("analysis: eval: %w", err)
		}
		var misses []Miss
		for _, o := range outs {
			v := o.rep.Verdict
			if o.err != nil {
				sr.Errors++
				v = VerdictInconclusive
			}
			sr.Verdicts.add(v)
			sr.Categories[string(o.rep.Category)]++
			if isMistake(s.Label, v) {
				rel, _ := filepath.Rel(s.Dir, o.file)
				misses = append(misses, Miss{File: filepath.Join(s.Dir, rel), Verdict: v, Confidence: o.rep.Confidence, Net: o.rep.Score.Net, Summary: o.rep.Summary})
			}
		}
		if sr.Total > 0 {
			n := float64(sr.Total)
			sr.Rates.MaliciousOrSuspicious = round4(float64(sr.Verdicts.Malicious+sr.Verdicts.Suspicious) / n)
			sr.Rates.Benign = round4(float64(sr.Verdicts.Benign) / n)
			sr.Rates.Mistake = round4(float64(len(misses)) / n)
		}
		if opts.Misses > 0 {
			slices.SortStableFunc(misses, func(a, b Miss) int {
				if s.Label == VerdictBenign {
					return cmp.Compare(b.Net, a.Net)
				}
				return cmp.Compare(a.Net, b.Net)
			})
			sr.Misses = first(misses, opts.Misses)
		}
		res.Sets = append(res.Sets, sr)
		res.Messages += sr.Total
	}
	el := time.Since(start).Seconds()
	res.Seconds = round4(el)
	if el > 0 {
		res.MessagesPerSecond = float64(int(float64(res.Messages)/el*10)) / 10
	}
	return res, nil
}

// isMistake reports the mistake that matters for a label.
func isMistake(label, v Verdict) bool {
	switch label {
	case VerdictMalicious, VerdictSpam:
		return v == VerdictBenign
	case VerdictBenign:
		return v == VerdictMalicious || v == VerdictSuspicious
	}
	return false
}

// AnalyzeFile reads, parses and analyses one message file.
func AnalyzeFile(ctx context.Context, e *Engine, path string, c Context) (Report, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return e.Analyze(ctx, nil, c), fmt.Errorf("analysis: read %s: %w", path, err)
	}
	m, err := message.Parse(raw, message.DefaultLimits())
	if err != nil {
		return e.Analyze(ctx, nil, c), fmt.Errorf("analysis: parse %s: %w", path, err)
	}
	return e.Analyze(ctx, m, c), nil
}

// listMessages lists the message files under dir, sorted.
func listMessages(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if ext := strings.ToLower(filepath.Ext(d.Name())); ext == ".eml" || ext == "" {
			out = append(out, p)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

func round4(f float64) float64 { return float64(int(f*10000+0.5)) / 10000 }
