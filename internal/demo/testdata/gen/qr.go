package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// qrV3L encodes up to 53 bytes as a version-3, level-L QR code (mask 0) and
// returns a PNG with a 4-module quiet zone.
func qrV3L(text string, scale int) []byte {
	const size = 29
	data := []byte(text)
	if len(data) > 53 {
		panic("qr: text too long")
	}
	// bit stream
	var bits []bool
	put := func(v, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, (v>>i)&1 == 1)
		}
	}
	put(4, 4)
	put(len(data), 8)
	for _, b := range data {
		put(int(b), 8)
	}
	capBits := 55 * 8
	for i := 0; i < 4 && len(bits) < capBits; i++ {
		bits = append(bits, false)
	}
	for len(bits)%8 != 0 {
		bits = append(bits, false)
	}
	var cw []byte
	for i := 0; i < len(bits); i += 8 {
		var b byte
		for j := 0; j < 8; j++ {
			if bits[i+j] {
				b |= 1 << (7 - j)
			}
		}
		cw = append(cw, b)
	}
	for pad := byte(0xEC); len(cw) < 55; {
		cw = append(cw, pad)
		pad ^= 0xEC ^ 0x11
	}
	ecc := rsRemainder(cw, rsDivisor(15))
	all := append(append([]byte{}, cw...), ecc...)

	var mod, fn [size][size]bool
	set := func(x, y int, dark bool) { mod[y][x] = dark; fn[y][x] = true }
	// timing
	for i := 0; i < size; i++ {
		set(6, i, i%2 == 0)
		set(i, 6, i%2 == 0)
	}
	finder := func(cx, cy int) {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := cx+dx, cy+dy
				if x < 0 || x >= size || y < 0 || y >= size {
					continue
				}
				d := max(abs(dx), abs(dy))
				set(x, y, d != 2 && d != 4)
			}
		}
	}
	finder(3, 3)
	finder(size-4, 3)
	finder(3, size-4)
	// alignment at (22,22)
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			set(22+dx, 22+dy, max(abs(dx), abs(dy)) != 1)
		}
	}
	// format bits: level L (1), mask 0
	fd := 1 << 3
	rem := fd
	for i := 0; i < 10; i++ {
		rem = (rem << 1) ^ ((rem >> 9) * 0x537)
	}
	fb := (fd<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return (fb>>i)&1 == 1 }
	for i := 0; i <= 5; i++ {
		set(8, i, bit(i))
	}
	set(8, 7, bit(6))
	set(8, 8, bit(7))
	set(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		set(14-i, 8, bit(i))
	}
	for i := 0; i < 8; i++ {
		set(size-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		set(8, size-15+i, bit(i))
	}
	set(8, size-8, true)
	// data
	i := 0
	for right := size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := 0; vert < size; vert++ {
			for j := 0; j < 2; j++ {
				x := right - j
				y := vert
				if (right+1)&2 == 0 {
					y = size - 1 - vert
				}
				if !fn[y][x] && i < len(all)*8 {
					mod[y][x] = (all[i>>3]>>(7-(i&7)))&1 == 1
					i++
				}
			}
		}
	}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if !fn[y][x] && (x+y)%2 == 0 {
				mod[y][x] = !mod[y][x]
			}
		}
	}
	q := 4
	w := (size + 2*q) * scale
	img := image.NewPaletted(image.Rect(0, 0, w, w), color.Palette{color.White, color.Black})
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if !mod[y][x] {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetColorIndex((x+q)*scale+dx, (y+q)*scale+dy, 1)
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func gfMul(x, y byte) byte {
	z := 0
	for i := 7; i >= 0; i-- {
		z = (z << 1) ^ ((z >> 7) * 0x11D)
		z ^= int((y>>i)&1) * int(x)
	}
	return byte(z)
}

func rsDivisor(degree int) []byte {
	r := make([]byte, degree)
	r[degree-1] = 1
	root := byte(1)
	for i := 0; i < degree; i++ {
		for j := range r {
			r[j] = gfMul(r[j], root)
			if j+1 < len(r) {
				r[j] ^= r[j+1]
			}
		}
		root = gfMul(root, 2)
	}
	return r
}

func rsRemainder(data, div []byte) []byte {
	r := make([]byte, len(div))
	for _, b := range data {
		f := b ^ r[0]
		r = append(r[1:], 0)
		for i := range r {
			r[i] ^= gfMul(div[i], f)
		}
	}
	return r
}
