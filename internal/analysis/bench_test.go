package analysis

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/qtriage/qtriage/internal/message"
)

// loadCorpus reads every message of a corpus folder into memory.
func loadCorpus(b *testing.B, dir string) [][]byte {
	b.Helper()
	files, err := listMessages(filepath.Join(corpusDir, dir))
	if err != nil || len(files) == 0 {
		b.Skipf("corpus %s not present", dir)
	}
	out := make([][]byte, 0, len(files))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err == nil && len(raw) > 0 {
			out = append(out, raw)
		}
	}
	return out
}

// BenchmarkAnalyze measures full analysis (parse + every detector + scoring)
// over ../shared/corpus/phish and, interleaved message by message in the same
// run, a bare enmime parse of the same bytes, so that machine load affects
// both alike. ns/op covers both; msgs/s, enmime_msgs/s and x_enmime (full
// analysis time over enmime time) are the figures to read. Run with -cpu 1
// for per-core figures:
//
//	go test ./internal/analysis -run '^$' -bench BenchmarkAnalyze -cpu 1 -benchtime 2744x
func BenchmarkAnalyze(b *testing.B) {
	msgs := loadCorpus(b, "phish")
	e, err := NewEngine(Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var full, bare time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		raw := msgs[i%len(msgs)]
		t0 := time.Now()
		_, _ = enmime.ReadEnvelope(bytes.NewReader(raw))
		t1 := time.Now()
		m, err := message.Parse(raw, message.DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		if r := e.Analyze(ctx, m, Context{}); r.Verdict == "" {
			b.Fatal("no verdict")
		}
		full += time.Since(t1)
		bare += t1.Sub(t0)
	}
	b.ReportMetric(float64(b.N)/full.Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N)/bare.Seconds(), "enmime_msgs/s")
	b.ReportMetric(full.Seconds()/bare.Seconds(), "x_enmime")
}

// BenchmarkDetectors measures the detectors and scoring alone, on parsed messages.
func BenchmarkDetectors(b *testing.B) {
	msgs := loadCorpus(b, "phish")
	if len(msgs) > 500 {
		msgs = msgs[:500]
	}
	parsed := make([]*message.Message, 0, len(msgs))
	for _, raw := range msgs {
		m, err := message.Parse(raw, message.DefaultLimits())
		if err == nil {
			parsed = append(parsed, m)
		}
	}
	e, _ := NewEngine(Options{})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		e.Analyze(ctx, parsed[i%len(parsed)], Context{})
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
