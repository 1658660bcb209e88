package message

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

func TestQRCodeAttachment(t *testing.T) {
	t.Parallel()
	const target = "https://qr.example.net/scan?id=42"
	bm, err := qrcode.NewQRCodeWriter().Encode(target, gozxing.BarcodeFormat_QR_CODE, 200, 200, nil)
	if err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, bm); err != nil {
		t.Fatal(err)
	}
	raw := []byte(limitHeader + "Content-Type: multipart/related; boundary=\"r\"\r\n\r\n" +
		"--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Scan to keep your mailbox active:</p><img src=\"cid:qr1\">\r\n" +
		"--r\r\nContent-Type: image/png\r\nContent-ID: <qr1>\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(img.Bytes()) + "\r\n--r--\r\n")
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, l := range m.Links {
		if l.Source == SourceQRCode && l.URL == target && l.Domain == "example.net" {
			found = true
		}
	}
	if !found || len(m.Attachments) != 1 || len(m.Attachments[0].QRCodes) != 1 {
		t.Errorf("QR link not found: links=%+v attachments=%+v", m.Links, m.Attachments)
	}
}
