package keyring

import (
	"fmt"
	"testing"
)

func BenchmarkIssue2048(b *testing.B) {
	kek := newTestKEK(b)
	iss := Issuer{Bits: 2048}
	for b.Loop() {
		if _, err := iss.Issue(testTenant, "acme", kek); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
}

// A PKCS#8 RSA-2048 key is about 1.2 kB; 4096 about 2.4 kB.
func BenchmarkSeal(b *testing.B) {
	for _, size := range []int{1218, 2374} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			kek := newTestKEK(b)
			pt, aad := make([]byte, size), AAD(testTenant, "cert")
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := kek.Seal(pt, aad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, size := range []int{1218, 2374} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			kek := newTestKEK(b)
			aad := AAD(testTenant, "cert")
			blob, err := kek.Seal(make([]byte, size), aad)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := kek.Open(blob, aad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRewrap(b *testing.B) {
	oldK, newK := newTestKEK(b), newTestKEK(b)
	aad := AAD(testTenant, "cert")
	blob, err := oldK.Seal(make([]byte, 1218), aad)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Rewrap(oldK, newK, blob, aad); err != nil {
			b.Fatal(err)
		}
	}
}
