package message

import (
	"bytes"
	"image"
	_ "image/gif"  // decoders for QR scanning
	_ "image/jpeg" // decoders for QR scanning
	_ "image/png"  // decoders for QR scanning

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// maxQRPixels bounds the images decoded for QR codes (decoding allocates
// four bytes per pixel, whatever the file size).
const maxQRPixels = 2_500_000

// decodeQR returns the text of the QR code in an image, when it has one.
// Images are checked by their header first, so a small file declaring huge
// dimensions (a decompression bomb) is never decoded.
func decodeQR(b []byte) []string {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	// A QR code needs at least 21 modules a side: icons and tracking pixels are skipped.
	if err != nil || cfg.Width < 42 || cfg.Height < 42 || cfg.Width*cfg.Height > maxQRPixels {
		return nil
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || res == nil || res.GetText() == "" {
		return nil
	}
	return []string{toValidUTF8(res.GetText())}
}
