package message

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
)

func hasDefect(m *Message, kind DefectKind, substr string) bool {
	for _, d := range m.Defects {
		if d.Kind == kind && strings.Contains(d.Detail, substr) {
			return true
		}
	}
	return false
}

const limitHeader = "From: a@example.com\r\nTo: b@example.org\r\nSubject: limits\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"

func manyParts(n int) []byte {
	var sb strings.Builder
	sb.WriteString(limitHeader + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n")
	for i := range n {
		fmt.Fprintf(&sb, "--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
	}
	sb.WriteString("--b--\r\n")
	return []byte(sb.String())
}

func deepMultipart(depth int) []byte {
	var sb strings.Builder
	sb.WriteString(limitHeader + "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&sb, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&sb, "--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n", depth-1)
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&sb, "--b%d--\r\n", i)
	}
	return []byte(sb.String())
}

func deepRFC822(depth int) []byte {
	msg := limitHeader + "Content-Type: text/plain\r\n\r\ninnermost\r\n"
	for range depth {
		msg = limitHeader + "Content-Type: message/rfc822\r\n\r\n" + msg
	}
	return []byte(msg)
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func withAttachment(name string, data []byte) []byte {
	return []byte(limitHeader + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(data) + "\r\n--b--\r\n")
}

func TestLimits(t *testing.T) {
	t.Parallel()
	t.Run("limit/message size", func(t *testing.T) {
		t.Parallel()
		raw := manyParts(200)
		m, err := Parse(raw, Limits{MaxMessageBytes: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if m.Size != len(raw) || !hasDefect(m, DefectLimit, "cut to the limit") || !hasDefect(m, DefectTruncated, "") {
			t.Errorf("size=%d defects=%v", m.Size, m.Defects)
		}
	})
	t.Run("limit/parts", func(t *testing.T) {
		t.Parallel()
		m, _ := Parse(manyParts(50), Limits{MaxParts: 10})
		if len(m.Parts) > 10 || !hasDefect(m, DefectLimit, "MIME parts") {
			t.Errorf("parts=%d defects=%v", len(m.Parts), m.Defects)
		}
	})
	t.Run("limit/multipart depth", func(t *testing.T) {
		t.Parallel()
		m, _ := Parse(deepMultipart(30), Limits{MaxDepth: 5})
		for _, p := range m.Parts {
			if p.Depth > 5 {
				t.Errorf("part %s at depth %d", p.ID, p.Depth)
			}
		}
		if !hasDefect(m, DefectLimit, "nesting deeper") {
			t.Errorf("defects=%v", m.Defects)
		}
	})
	t.Run("limit/attached message depth", func(t *testing.T) {
		t.Parallel()
		m, _ := Parse(deepRFC822(20), Limits{MaxDepth: 4})
		depth := 0
		for cur := m; cur != nil; depth++ {
			var next *Message
			for _, p := range cur.Parts {
				if p.Message != nil {
					next = p.Message
				}
			}
			if next == nil && len(cur.Defects) > 0 && hasDefect(cur, DefectLimit, "nested deeper") {
				break
			}
			cur = next
		}
		if depth > 5 {
			t.Errorf("followed %d nested messages with MaxDepth 4", depth)
		}
	})
	t.Run("limit/time", func(t *testing.T) {
		t.Parallel()
		m, _ := Parse(manyParts(5), Limits{MaxTime: time.Nanosecond})
		if !hasDefect(m, DefectLimit, "time budget") {
			t.Errorf("defects=%v", m.Defects)
		}
	})
	t.Run("limit/decoded bytes", func(t *testing.T) {
		t.Parallel()
		m, _ := Parse(manyParts(20), Limits{MaxDecodedBytes: 30})
		if !hasDefect(m, DefectLimit, "decoded content") {
			t.Errorf("defects=%v", m.Defects)
		}
	})
	t.Run("zip/bomb ratio", func(t *testing.T) {
		t.Parallel()
		z := zipOf(t, map[string][]byte{"zeros.bin": make([]byte, 20<<20)})
		m, _ := Parse(withAttachment("bomb.zip", z), Limits{})
		if len(m.Attachments) != 1 || m.Attachments[0].Archive == nil {
			t.Fatalf("attachments=%+v", m.Attachments)
		}
		ar := m.Attachments[0].Archive
		if !ar.Truncated || ar.Entries[0].SHA256 != "" || ar.Entries[0].Size != 20<<20 {
			t.Errorf("bomb expanded or not flagged: %+v", ar)
		}
	})
	t.Run("gzip/bomb ratio", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Name = "zeros.bin"
		_, _ = zw.Write(make([]byte, 20<<20))
		_ = zw.Close()
		m, _ := Parse(withAttachment("bomb.gz", buf.Bytes()), Limits{})
		ar := m.Attachments[0].Archive
		if ar == nil || ar.Format != "gzip" || !ar.Truncated || ar.Entries[0].Name != "zeros.bin" || ar.Entries[0].Size > uint64(buf.Len()*maxZipRatio) {
			t.Errorf("gzip bomb not bounded: %+v", ar)
		}
	})
	t.Run("zip/entries cap", func(t *testing.T) {
		t.Parallel()
		files := map[string][]byte{}
		for i := range 100 {
			files[fmt.Sprintf("f%03d.txt", i)] = []byte("x")
		}
		m, _ := Parse(withAttachment("many.zip", zipOf(t, files)), Limits{MaxArchiveEntries: 10})
		ar := m.Attachments[0].Archive
		if len(ar.Entries) != 10 || !ar.Truncated {
			t.Errorf("entries=%d truncated=%v", len(ar.Entries), ar.Truncated)
		}
	})
	t.Run("zip/nesting depth", func(t *testing.T) {
		t.Parallel()
		z := zipOf(t, map[string][]byte{"payload.exe": []byte("MZ")})
		for i := range 6 {
			z = zipOf(t, map[string][]byte{fmt.Sprintf("level%d.zip", i): z})
		}
		m, _ := Parse(withAttachment("nested.zip", z), Limits{})
		depth := 0
		for ar := m.Attachments[0].Archive; ar != nil; depth++ {
			if len(ar.Entries) == 0 {
				break
			}
			ar = ar.Entries[0].Nested
		}
		if depth != DefaultLimits().MaxArchiveDepth {
			t.Errorf("opened %d levels, want %d", depth, DefaultLimits().MaxArchiveDepth)
		}
	})
	t.Run("zip/expanded bytes cap", func(t *testing.T) {
		t.Parallel()
		data := bytes.Repeat([]byte("abcdefghij0123456789"), 1<<14) // 320 KB, ratio well under the bomb threshold
		z := zipOf(t, map[string][]byte{"a.txt": data, "b.txt": data})
		m, _ := Parse(withAttachment("big.zip", z), Limits{MaxArchiveExpandedBytes: 400 << 10})
		if ar := m.Attachments[0].Archive; !ar.Truncated {
			t.Errorf("expanded-size cap not applied: %+v", ar)
		}
	})
}

func TestDefaultLimits(t *testing.T) {
	t.Parallel()
	d := DefaultLimits()
	if d.MaxMessageBytes != 50<<20 || d.MaxParts != 1000 || d.MaxDepth != 10 || d.MaxArchiveDepth != 3 {
		t.Errorf("defaults changed: %+v", d)
	}
	if got := (Limits{}).withDefaults(); got != d {
		t.Errorf("zero limits = %+v, want defaults", got)
	}
}

func TestParseEmpty(t *testing.T) {
	t.Parallel()
	if _, err := Parse(nil, Limits{}); err != ErrEmpty {
		t.Errorf("err = %v, want ErrEmpty", err)
	}
	m, err := Parse([]byte("garbage without headers"), Limits{})
	if err != nil || m == nil {
		t.Fatalf("garbage: %v", err)
	}
}

func TestDeepNestingMemory(t *testing.T) {
	// Not parallel: peakHeap reads the whole process's heap, which the
	// parallel corpus and archive tests would inflate.
	raw := deepMultipart(20000)
	var m *Message
	peak := peakHeap(func() { m, _ = Parse(raw, Limits{}) })
	if !hasDefect(m, DefectLimit, "multipart nesting deeper") {
		t.Errorf("no limit defect: %v", m.Defects[:min(5, len(m.Defects))])
	}
	if peak > 64<<20 {
		t.Errorf("peak heap %d MB for a %d KB message", peak>>20, len(raw)>>10)
	}
	t.Logf("%d KB message, %d parts kept, peak heap %.1f MB", len(raw)>>10, len(m.Parts), float64(peak)/1e6)
}

// TestUnclosedNesting guards against enmime's exponential time on nested
// multiparts whose closing boundaries are missing.
func TestUnclosedNesting(t *testing.T) {
	t.Parallel()
	raw := deepMultipart(40)
	raw = raw[:bytes.Index(raw, []byte("deep\r\n"))+6]
	start := time.Now()
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("%d bytes took %s", len(raw), d)
	}
	if !hasDefect(m, DefectLimit, "multipart nesting deeper") {
		t.Errorf("defects=%v", m.Defects)
	}
}

func TestManyDelimiters(t *testing.T) {
	t.Parallel()
	m, _ := Parse(manyParts(3000), Limits{})
	if !hasDefect(m, DefectLimit, "boundary delimiters") || len(m.Parts) > DefaultLimits().MaxParts+1 {
		t.Errorf("parts=%d defects=%v", len(m.Parts), m.Defects[:min(3, len(m.Defects))])
	}
}
