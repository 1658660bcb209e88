package message

import (
	"bytes"
	"image"
	"image/color"
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
	r := img.Bounds()
	src, err := gozxing.NewPlanarYUVLuminanceSource(luminance(img), r.Dx(), r.Dy(), 0, 0, r.Dx(), r.Dy(), false)
	if err != nil {
		return nil
	}
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return nil
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || res == nil || res.GetText() == "" {
		return nil
	}
	return []string{toValidUTF8(res.GetText())}
}

// luminance returns the grey level of every pixel of img, row by row, with
// the formula of gozxing.NewLuminanceSourceFromImage (alpha blended over
// white). That function calls img.At for every pixel, which allocates; the
// image types the standard decoders return are read here without it. The
// loops are written out per type on purpose: one generic loop taking the
// pixel accessor as a func value measured 50% slower on a 600×600 image.
func luminance(img image.Image) []byte {
	r := img.Bounds()
	out := make([]byte, 0, r.Dx()*r.Dy())
	switch m := img.(type) {
	case *image.YCbCr:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				out = append(out, luma(m.YCbCrAt(x, y)))
			}
		}
	case *image.RGBA:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				out = append(out, luma(m.RGBAAt(x, y)))
			}
		}
	case *image.NRGBA:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				out = append(out, luma(m.NRGBAAt(x, y)))
			}
		}
	case *image.Gray:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				out = append(out, luma(m.GrayAt(x, y)))
			}
		}
	case *image.Paletted:
		// One value per palette entry; image.Paletted.At reads any other index.
		lut := make([]byte, len(m.Palette))
		for i, c := range m.Palette {
			lut[i] = luma(c)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if i := int(m.ColorIndexAt(x, y)); i < len(lut) {
					out = append(out, lut[i])
				} else {
					out = append(out, luma(m.At(x, y)))
				}
			}
		}
	default:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				out = append(out, luma(img.At(x, y)))
			}
		}
	}
	return out
}

// luma is gozxing's grey level of one colour.
func luma[C color.Color](c C) byte {
	r, g, b, a := c.RGBA()
	lum := (r + 2*g + b) * 255 / (4 * 0xffff)
	return byte((lum*a + (0xffff-a)*255) / 0xffff)
}
