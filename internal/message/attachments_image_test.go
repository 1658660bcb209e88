package message

import (
	"bytes"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// TestLuminanceMatchesGozxing checks that luminance gives, for every image
// type the decoders return, the grey levels gozxing computes itself.
func TestLuminanceMatchesGozxing(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	r := image.Rect(3, 5, 50, 41) // not at the origin, odd sizes
	fill := func(pix []byte) []byte {
		for i := range pix {
			pix[i] = byte(rng.IntN(256))
		}
		return pix
	}
	palette := color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 255, 255, 255}, color.NRGBA{10, 200, 30, 128}, color.Gray{77}}
	paletted := image.NewPaletted(r, palette)
	for i := range paletted.Pix {
		paletted.Pix[i] = byte(rng.IntN(len(palette)))
	}
	cases := map[string]image.Image{
		"rgba":     &image.RGBA{Pix: fill(make([]byte, 4*r.Dx()*r.Dy())), Stride: 4 * r.Dx(), Rect: r},
		"nrgba":    &image.NRGBA{Pix: fill(make([]byte, 4*r.Dx()*r.Dy())), Stride: 4 * r.Dx(), Rect: r},
		"gray":     &image.Gray{Pix: fill(make([]byte, r.Dx()*r.Dy())), Stride: r.Dx(), Rect: r},
		"gray16":   &image.Gray16{Pix: fill(make([]byte, 2*r.Dx()*r.Dy())), Stride: 2 * r.Dx(), Rect: r},
		"cmyk":     &image.CMYK{Pix: fill(make([]byte, 4*r.Dx()*r.Dy())), Stride: 4 * r.Dx(), Rect: r},
		"paletted": paletted,
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440} {
		m := image.NewYCbCr(r, ratio)
		fill(m.Y)
		fill(m.Cb)
		fill(m.Cr)
		cases["ycbcr/"+ratio.String()] = m
	}
	for name, img := range cases {
		want := gozxing.NewLuminanceSourceFromImage(img).GetMatrix()
		if got := luminance(img); !bytes.Equal(got, want) {
			t.Errorf("%s: luminance differs from gozxing's", name)
		}
	}
}
