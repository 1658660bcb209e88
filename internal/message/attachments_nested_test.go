package message

import (
	"archive/zip"
	"bytes"
	"testing"
)

// A 7z inside a zip is listed as the zip's entry's nested archive.
func TestSevenZipInsideZip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("statement.7z")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(readArchiveFile(t, "encrypted.7z")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	ar, errText := testParser(Limits{}).readZip(buf.Bytes())
	if errText != "" || ar == nil || len(ar.Entries) != 1 {
		t.Fatalf("zip: %+v %q", ar, errText)
	}
	n := ar.Entries[0].Nested
	if n == nil || n.Format != "7z" || !n.Encrypted || len(n.Entries) != 3 {
		t.Fatalf("nested 7z: %+v", n)
	}
	// At the depth limit it is not opened, and the listing says so.
	ar, _ = testParser(Limits{MaxArchiveDepth: 1}).readZip(buf.Bytes())
	if ar.Entries[0].Nested != nil || !ar.Truncated {
		t.Fatalf("at depth 1: nested %+v, truncated %v", ar.Entries[0].Nested, ar.Truncated)
	}
}
