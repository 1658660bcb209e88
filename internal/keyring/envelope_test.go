package keyring

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func newTestKEK(t testing.TB) *KEK {
	t.Helper()
	k, err := GenerateKEK(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k := newTestKEK(t)
	big := make([]byte, 1<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{name: "empty plaintext", plaintext: nil, aad: AAD("t", "c")},
		{name: "short", plaintext: []byte("hello"), aad: AAD("tenant-1", "cert-1")},
		{name: "nil aad", plaintext: []byte("no binding"), aad: nil},
		{name: "1 MiB", plaintext: big, aad: AAD("tenant", "big")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			blob, err := k.Seal(tt.plaintext, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(blob), minBlobSize+len(tt.plaintext); got != want {
				t.Errorf("blob length %d, want %d", got, want)
			}
			if blob[0] != version1 {
				t.Errorf("version byte %d", blob[0])
			}
			if id, err := BlobKEKID(blob); err != nil || id != k.ID {
				t.Errorf("BlobKEKID = %q, %v; want %q", id, err, k.ID)
			}
			if len(tt.plaintext) >= 8 && bytes.Contains(blob, tt.plaintext[:8]) {
				t.Errorf("blob contains plaintext")
			}
			got, err := k.Open(blob, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("round trip changed the plaintext")
			}
			again, err := k.Seal(tt.plaintext, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(again[offWrapNonce:offPayload], blob[offWrapNonce:offPayload]) {
				t.Errorf("two seals share data key or nonces")
			}
		})
	}
}

func TestSealDeterministicWithInjectedRand(t *testing.T) {
	t.Parallel()
	k := mustKEK(t, testKey())
	seal := func() []byte {
		b, err := k.seal(bytes.NewReader(bytes.Repeat([]byte{7}, 100)), []byte("pt"), []byte("aad"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(seal(), seal()) {
		t.Error("same randomness, different blobs")
	}
	if _, err := k.seal(bytes.NewReader(make([]byte, 40)), []byte("pt"), nil); err == nil {
		t.Error("seal succeeded with too little randomness")
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	k := newTestKEK(t)
	other := newTestKEK(t)
	aad := AAD("tenant-a", "cert-1")
	blob, err := k.Seal([]byte("secret payload"), aad)
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(blob)) }
	tests := []struct {
		name    string
		kek     *KEK
		blob    []byte
		aad     []byte
		wantErr error
	}{
		{name: "error/wrong master key", kek: other, blob: blob, aad: aad, wantErr: ErrWrongKey},
		{name: "error/moved to another certificate", kek: k, blob: blob, aad: AAD("tenant-a", "cert-2"), wantErr: ErrCorrupt},
		{name: "error/moved to another tenant", kek: k, blob: blob, aad: AAD("tenant-b", "cert-1"), wantErr: ErrCorrupt},
		{name: "error/no aad", kek: k, blob: blob, aad: nil, wantErr: ErrCorrupt},
		{name: "error/nil blob", kek: k, blob: nil, aad: aad, wantErr: ErrCorrupt},
		{name: "error/version 0", kek: k, blob: mutate(func(b []byte) []byte { b[0] = 0; return b }), aad: aad, wantErr: ErrCorrupt},
		{name: "error/version 2", kek: k, blob: mutate(func(b []byte) []byte { b[0] = 2; return b }), aad: aad, wantErr: ErrCorrupt},
		{name: "error/header only", kek: k, blob: blob[:offPayload], aad: aad, wantErr: ErrCorrupt},
		{name: "error/tag cut", kek: k, blob: blob[:len(blob)-1], aad: aad, wantErr: ErrCorrupt},
		{name: "error/appended byte", kek: k, blob: append(bytes.Clone(blob), 0), aad: aad, wantErr: ErrCorrupt},
		{name: "error/kek id swapped", kek: k, blob: mutate(func(b []byte) []byte { copy(b[offKEKID:], mustDecodeHex(t, other.ID)); return b }), aad: aad, wantErr: ErrWrongKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pt, err := tt.kek.Open(tt.blob, tt.aad)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if pt != nil {
				t.Errorf("plaintext returned with an error")
			}
			if tt.wantErr == ErrWrongKey && err.Error() != "keyring: cannot decrypt: wrong master key?" {
				t.Errorf("message = %q", err.Error())
			}
			if !strings.HasPrefix(err.Error(), "keyring: ") {
				t.Errorf("message %q lacks the package prefix", err)
			}
		})
	}
}

func TestOpenTruncatedAndFlipped(t *testing.T) {
	t.Parallel()
	k := newTestKEK(t)
	aad := AAD("t", "c")
	blob, err := k.Seal([]byte("0123456789abcdef"), aad)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("truncated", func(t *testing.T) {
		t.Parallel()
		for n := range len(blob) {
			if _, err := k.Open(blob[:n], aad); !errors.Is(err, ErrCorrupt) {
				t.Errorf("len %d: err = %v, want ErrCorrupt", n, err)
			}
		}
	})
	t.Run("flipped bit", func(t *testing.T) {
		t.Parallel()
		for i := range 8 * len(blob) {
			b := bytes.Clone(blob)
			b[i/8] ^= 1 << (i % 8)
			want := ErrCorrupt
			if i/8 >= offKEKID && i/8 < offWrapNonce {
				want = ErrWrongKey // the id no longer names the key
			}
			if _, err := k.Open(b, aad); !errors.Is(err, want) {
				t.Errorf("bit %d (byte %d): err = %v, want %v", i, i/8, err, want)
			}
		}
	})
}

func TestRewrap(t *testing.T) {
	t.Parallel()
	oldK, newK, stranger := newTestKEK(t), newTestKEK(t), newTestKEK(t)
	aad := AAD("tenant", "cert")
	payload := []byte("the private key")
	blob, err := oldK.Seal(payload, aad)
	if err != nil {
		t.Fatal(err)
	}
	re, err := Rewrap(oldK, newK, blob, aad)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := newK.Open(re, aad); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("Open with the new key: %q, %v", got, err)
	}
	if _, err := oldK.Open(re, aad); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Open rewrapped blob with the old key: err = %v, want ErrWrongKey", err)
	}
	if !bytes.Equal(re[offNonce:], blob[offNonce:]) {
		t.Errorf("payload changed by Rewrap")
	}
	if id, _ := BlobKEKID(re); id != newK.ID {
		t.Errorf("BlobKEKID = %s, want %s", id, newK.ID)
	}
	if got, err := oldK.Open(blob, aad); err != nil || !bytes.Equal(got, payload) {
		t.Errorf("Rewrap modified its input: %v", err)
	}

	tests := []struct {
		name     string
		old, new *KEK
		blob     []byte
		aad      []byte
		wantErr  error
		wantSame bool
	}{
		{name: "ok/already rewrapped is a no-op", old: oldK, new: newK, blob: re, aad: aad, wantSame: true},
		{name: "ok/same key twice", old: oldK, new: oldK, blob: blob, aad: aad},
		{name: "error/wrong old key", old: stranger, new: newK, blob: blob, aad: aad, wantErr: ErrWrongKey},
		{name: "error/aad mismatch", old: oldK, new: newK, blob: blob, aad: AAD("tenant", "other"), wantErr: ErrCorrupt},
		{name: "error/corrupt payload", old: oldK, new: newK, blob: func() []byte { b := bytes.Clone(blob); b[len(b)-1] ^= 1; return b }(), aad: aad, wantErr: ErrCorrupt},
		{name: "error/truncated", old: oldK, new: newK, blob: blob[:10], aad: aad, wantErr: ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := Rewrap(tt.old, tt.new, tt.blob, tt.aad)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || out != nil {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantSame != bytes.Equal(out, tt.blob) {
				t.Errorf("output equal to input: %v, want %v", !tt.wantSame, tt.wantSame)
			}
			if got, err := tt.new.Open(out, tt.aad); err != nil || !bytes.Equal(got, payload) {
				t.Errorf("Open after Rewrap: %v", err)
			}
		})
	}
}

func TestAAD(t *testing.T) {
	t.Parallel()
	got := AAD("ab", "c")
	want := append([]byte("qtriage/keyring/cert-key/v1"), 0, 0, 0, 2, 'a', 'b', 0, 0, 0, 1, 'c')
	if !bytes.Equal(got, want) {
		t.Errorf("AAD = %q, want %q", got, want)
	}
	pairs := [][2]string{
		{"ab", "c"}, {"a", "bc"}, {"", "abc"}, {"abc", ""}, {"", ""},
		{"a\x00\x00\x00\x01b", ""}, {"a", "b"},
	}
	seen := map[string][2]string{}
	for _, p := range pairs {
		k := string(AAD(p[0], p[1]))
		if q, dup := seen[k]; dup {
			t.Errorf("AAD(%q) == AAD(%q)", p, q)
		}
		seen[k] = p
	}
}

func TestNilAndZeroKEK(t *testing.T) {
	t.Parallel()
	var nilK *KEK
	if _, err := nilK.Seal([]byte("x"), nil); err == nil {
		t.Error("Seal with nil KEK succeeded")
	}
	if _, err := nilK.Open(make([]byte, 200), nil); err == nil {
		t.Error("Open with nil KEK succeeded")
	}
	if _, err := (&KEK{}).Seal([]byte("x"), nil); err == nil {
		t.Error("Seal with a zero KEK (no id) succeeded")
	}
	if _, err := Rewrap(nil, newTestKEK(t), nil, nil); err == nil {
		t.Error("Rewrap with nil KEK succeeded")
	}
}

func mustDecodeHex(t testing.TB, s string) []byte {
	t.Helper()
	b := make([]byte, kekIDLen)
	if err := putKEKID(b, s); err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzOpen(f *testing.F) {
	k := mustKEK(f, testKey())
	aad := AAD("tenant", "cert")
	plaintext := []byte("fuzz payload")
	var seeds [][]byte
	for _, pt := range [][]byte{plaintext, nil} {
		// Deterministic: fuzz workers rerun this setup in other processes.
		blob, err := k.seal(bytes.NewReader(bytes.Repeat([]byte{byte(len(pt))}, 64)), pt, aad)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, blob)
		f.Add(blob)
	}
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add(make([]byte, minBlobSize))
	f.Fuzz(func(t *testing.T, blob []byte) {
		pt, err := k.Open(blob, aad)
		if err != nil {
			if pt != nil {
				t.Fatal("plaintext with an error")
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongKey) {
				t.Fatalf("unclassified error %v", err)
			}
			if _, err := Rewrap(k, k, blob, aad); err == nil {
				t.Fatal("Rewrap accepted a blob Open rejects")
			}
			return
		}
		// Everything is authenticated: only an untouched seal opens.
		switch {
		case bytes.Equal(blob, seeds[0]):
			if !bytes.Equal(pt, plaintext) {
				t.Fatal("wrong plaintext")
			}
		case bytes.Equal(blob, seeds[1]):
			if len(pt) != 0 {
				t.Fatal("wrong plaintext")
			}
		default:
			t.Fatalf("a forged blob opened: %x", blob)
		}
	})
}
