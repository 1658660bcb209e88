package message

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// loadFolder reads every message of a corpus folder.
func loadFolder(b *testing.B, dir string) ([][]byte, int) {
	b.Helper()
	var msgs [][]byte
	total := 0
	for _, p := range corpusFiles(b, dir) {
		raw, err := os.ReadFile(p)
		if err != nil || len(raw) == 0 {
			continue
		}
		msgs = append(msgs, raw)
		total += len(raw)
	}
	return msgs, total
}

// BenchmarkParse parses every message of ../shared/corpus/phish with the
// full model and, in the same iteration, with a bare enmime.ReadEnvelope
// (enmime's usual entry point) and a bare enmime.ReadParts (its MIME tree
// only, the least enmime does), and reports the throughputs and the time
// ratios. Run it with -cpu 1 for a per-core figure:
//
//	go test ./internal/message -run '^$' -bench BenchmarkParse$ -benchtime 3x -cpu 1
func BenchmarkParse(b *testing.B) {
	msgs, total := loadFolder(b, "phish")
	var modelTime, enmimeTime, partsTime time.Duration
	passes := 0
	for b.Loop() {
		start := time.Now()
		for _, raw := range msgs {
			_, _ = enmime.ReadEnvelope(bytes.NewReader(raw))
		}
		enmimeTime += time.Since(start)
		start = time.Now()
		for _, raw := range msgs {
			_, _ = enmime.ReadParts(bytes.NewReader(raw))
		}
		partsTime += time.Since(start)
		start = time.Now()
		for _, raw := range msgs {
			if _, err := Parse(raw, Limits{}); err != nil {
				b.Fatal(err)
			}
		}
		modelTime += time.Since(start)
		passes++
	}
	n := float64(len(msgs) * passes)
	mb := float64(total*passes) / 1e6
	b.ReportMetric(n/modelTime.Seconds(), "msgs/s")
	b.ReportMetric(mb/modelTime.Seconds(), "MB/s")
	b.ReportMetric(n/enmimeTime.Seconds(), "enmime_msgs/s")
	b.ReportMetric(mb/enmimeTime.Seconds(), "enmime_MB/s")
	b.ReportMetric(n/partsTime.Seconds(), "readparts_msgs/s")
	b.ReportMetric(modelTime.Seconds()/enmimeTime.Seconds(), "x_enmime_time")
	b.ReportMetric(modelTime.Seconds()/partsTime.Seconds(), "x_readparts_time")
}

// syntheticLarge builds a message of about size bytes: a short HTML body and
// one base64 attachment of random bytes filling the rest.
func syntheticLarge(size int) []byte {
	payload := make([]byte, size*3/4-4096)
	_, _ = rand.Read(payload)
	enc := base64.StdEncoding.EncodeToString(payload)
	var sb strings.Builder
	sb.Grow(size + 8192)
	sb.WriteString("From: \"Sender\" <sender@example.com>\r\nTo: user@example.org\r\nSubject: large\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n<p>See <a href=\"https://files.example.net/x\">the file</a>.</p>\r\n" +
		"--b\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n" +
		"Content-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	for i := 0; i < len(enc); i += 76 {
		sb.WriteString(enc[i:min(i+76, len(enc))])
		sb.WriteString("\r\n")
	}
	sb.WriteString("--b--\r\n")
	return []byte(sb.String())
}

// peakHeap runs f while sampling the live heap, and returns the peak growth
// over the heap in use before f started.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var s runtime.MemStats
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&s)
				if s.HeapAlloc > peak.Load() {
					peak.Store(s.HeapAlloc)
				}
			}
		}
	}()
	f()
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > peak.Load() {
		peak.Store(ms.HeapAlloc)
	}
	close(done)
	wg.Wait()
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// BenchmarkParseLarge parses a synthetic 25 MB message (one large base64
// attachment) and reports the peak heap growth, absolute and as a multiple
// of the message size:
//
//	go test ./internal/message -run '^$' -bench BenchmarkParseLarge -benchtime 3x
func BenchmarkParseLarge(b *testing.B) {
	raw := syntheticLarge(25 << 20)
	b.SetBytes(int64(len(raw)))
	var worst uint64
	for b.Loop() {
		p := peakHeap(func() {
			m, err := Parse(raw, Limits{})
			if err != nil || len(m.Attachments) != 1 {
				b.Fatalf("parse: %v", err)
			}
		})
		worst = max(worst, p)
	}
	b.ReportMetric(float64(len(raw))/1e6, "msg_MB")
	b.ReportMetric(float64(worst)/1e6, "peak_heap_MB")
	b.ReportMetric(float64(worst)/float64(len(raw)), "peak_heap_x_size")
}
