package message

import (
	"bytes"
	"compress/zlib"
	"slices"
	"testing"
)

func TestScanPDF(t *testing.T) {
	t.Parallel()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write([]byte("<< /Type /Action /S /URI /URI (https://hidden.example.net/in-stream) >> << /S /J#61vaScript /JS (x) >>"))
	_ = zw.Close()
	pdf := append([]byte("%PDF-1.7\n1 0 obj << /OpenAction 2 0 R /AA << >> >> endobj\n2 0 obj << /URI <68747470733a2f2f6865782e6578616d706c652e6e65742f> >> endobj\n3 0 obj << /Filter /FlateDecode >> stream\n"), z.Bytes()...)
	pdf = append(pdf, []byte("\nendstream endobj\n%%EOF")...)
	info := scanPDF(pdf)
	if info.OpenAction != 1 || info.JavaScript != 2 || info.AA != 1 || info.URICount != 3 {
		t.Errorf("counts = %+v", info)
	}
	for _, u := range []string{"https://hex.example.net/", "https://hidden.example.net/in-stream"} {
		if !slices.Contains(info.URIs, u) {
			t.Errorf("URI %q missing from %v", u, info.URIs)
		}
	}
}

func TestDoubleExtension(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"invoice.pdf.exe":   true,
		"scan.PDF.js":       true,
		"report      .scr":  true,
		"photo.jpg":         false,
		"setup.exe":         false,
		"archive.tar.gz":    false,
		"Secure Doc ✔.html": false,
	} {
		if got := doubleExtension(name); got != want {
			t.Errorf("doubleExtension(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestParseICS(t *testing.T) {
	t.Parallel()
	info := parseICS([]byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nORGANIZER;CN=HR:mailto:hr@example.com\r\nDESCRIPTION:Sign at https://sign.example.net/d\r\n oc?id=1\\, today\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	if info.Method != "REQUEST" || info.Organizer != "hr@example.com" || !slices.Contains(info.URLs, "https://sign.example.net/doc?id=1") {
		t.Errorf("ics = %+v", info)
	}
}
