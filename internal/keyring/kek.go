// Package keyring protects qtriage's tenant private keys and issues the
// tenant certificates used for Microsoft 365 app-only authentication.
//
// A single master key, the key-encryption key (KEK), is loaded at start-up
// from a file or the environment. Every private key is sealed in an envelope:
// a fresh data key encrypts the payload and the KEK wraps the data key, both
// with AES-256-GCM. The store only ever sees the sealed blob. Rotating the
// KEK rewraps the data keys and leaves the payloads untouched.
//
// Only the standard library's crypto is used.
package keyring

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// KeySize is the size in bytes of a master key (AES-256).
const KeySize = 32

// kekIDLen is how many bytes of the SHA-256 make up a KEK id.
const kekIDLen = 8

// kekIDLabel is hashed before the key to derive its id, so the id is not a
// plain hash of the key that could be matched against anything else.
const kekIDLabel = "qtriage/keyring/kek-id/v1\x00"

// ErrInvalidKey is matched (with errors.Is) by every error about a master
// key that cannot be used: bad base64, wrong length.
var ErrInvalidKey = errors.New("keyring: invalid master key")

// keyError carries a precise message and unwraps to ErrInvalidKey.
type keyError struct{ msg string }

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return ErrInvalidKey }

// contextError adds context to a keyring error without repeating the
// "keyring: " prefix, and unwraps to it.
type contextError struct {
	msg string
	err error
}

func (e *contextError) Error() string { return e.msg }
func (e *contextError) Unwrap() error { return e.err }

// withContext returns "keyring: <context>: <err without its prefix>".
func withContext(err error, context string) error {
	return &contextError{"keyring: " + context + ": " + strings.TrimPrefix(err.Error(), "keyring: "), err}
}

// KEK is the master key-encryption key. It wraps the per-blob data keys.
//
// A KEK never shows its key material: fmt (every verb, including %#v) and
// log/slog print only its ID, so logging one by accident is safe. There is
// deliberately no method that returns the key.
type KEK struct {
	key [KeySize]byte
	// ID identifies the key without revealing it: the lower-case hex of the
	// first 8 bytes of SHA-256 over a fixed label and the key. It is stored
	// next to every sealed blob (store.Certificate.KEKID) and inside it.
	ID string
}

// NewKEK makes a KEK from 32 raw key bytes. The bytes are copied; the caller
// should clear its slice afterwards.
func NewKEK(key []byte) (*KEK, error) {
	if len(key) != KeySize {
		return nil, &keyError{fmt.Sprintf("keyring: master key must be %d bytes, got %d", KeySize, len(key))}
	}
	k := &KEK{}
	copy(k.key[:], key)
	k.ID = kekID(k.key[:])
	return k, nil
}

// GenerateKEK makes a new random KEK from r (crypto/rand when r is nil).
func GenerateKEK(r io.Reader) (*KEK, error) {
	if r == nil {
		r = rand.Reader
	}
	var key [KeySize]byte
	defer clear(key[:])
	if _, err := io.ReadFull(r, key[:]); err != nil {
		return nil, fmt.Errorf("keyring: generate master key: %w", err)
	}
	return NewKEK(key[:])
}

// ParseKEK decodes a base64 master key (standard or URL alphabet, padded or
// not; surrounding white space is ignored). Errors never echo the input.
func ParseKEK(s string) (*KEK, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, &keyError{"keyring: master key is empty"}
	}
	var key []byte
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding,
	} {
		b, err := enc.DecodeString(s)
		if err == nil {
			key = b
			break
		}
		clear(b)
	}
	if key == nil {
		return nil, &keyError{"keyring: master key is not valid base64 (expected 32 random bytes, base64-encoded)"}
	}
	defer clear(key)
	return NewKEK(key)
}

// encode returns the key as padded standard base64, the key-file format.
func (k *KEK) encode() []byte {
	out := make([]byte, base64.StdEncoding.EncodedLen(KeySize))
	base64.StdEncoding.Encode(out, k.key[:])
	return out
}

func kekID(key []byte) string {
	h := sha256.New()
	h.Write([]byte(kekIDLabel))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil)[:kekIDLen])
}

// String returns "keyring.KEK(<id>)"; it never includes key material.
func (k KEK) String() string { return "keyring.KEK(" + k.ID + ")" }

// GoString is like String, for %#v.
func (k KEK) GoString() string { return k.String() }

// Format implements fmt.Formatter so that every verb (%d and %x on the
// struct included) prints the id only.
func (k KEK) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// LogValue implements slog.LogValuer: a group holding only the id.
func (k KEK) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID))
}
