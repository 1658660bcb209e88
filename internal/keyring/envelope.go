package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/qtriage/qtriage/internal/store"
)

// Sentinel errors of Open, Rewrap and Signer.
var (
	// ErrWrongKey is returned when the blob's data key was wrapped by another
	// master key than the one given.
	ErrWrongKey = errors.New("keyring: cannot decrypt: wrong master key?")
	// ErrCorrupt is returned for a truncated or altered blob, an unknown
	// format version, or an aad that differs from the one used to seal
	// (for example a blob copied to another certificate's row).
	ErrCorrupt = errors.New("keyring: sealed key is corrupt or bound to another certificate")
)

// Envelope format, version 1 (all sizes in bytes):
//
//	off  len  field
//	  0    1  version = 1
//	  1    8  KEK id (raw bytes of KEK.ID)
//	  9   12  wrap nonce
//	 21   48  wrapped data key: AES-256-GCM under the KEK (32 + 16 tag)
//	 69   12  payload nonce
//	 81  n+16 payload: AES-256-GCM under the data key (n + 16 tag)
//
// The wrap is authenticated with wrapLabel || blob[0:9] || aad, the payload
// with payloadLabel || blob[0:1] || aad. The payload does not depend on the
// KEK, so Rewrap replaces bytes 1..68 only.
const (
	version1     = 1
	nonceSize    = 12
	tagSize      = 16
	dataKeySize  = 32
	offKEKID     = 1
	offWrapNonce = offKEKID + kekIDLen
	offWrapped   = offWrapNonce + nonceSize
	offNonce     = offWrapped + dataKeySize + tagSize
	offPayload   = offNonce + nonceSize
	minBlobSize  = offPayload + tagSize

	wrapLabel    = "qtriage/keyring/v1/wrap\x00"
	payloadLabel = "qtriage/keyring/v1/payload\x00"
	aadLabel     = "qtriage/keyring/cert-key/v1"
	// webhookAADLabel starts webhook secrets' AAD.
	webhookAADLabel = "qtriage/keyring/webhook-secret/v1"
)

// AAD returns the additional authenticated data that binds a certificate's
// sealed key to its tenant and certificate ids. Each id is prefixed with its
// length (4 bytes, big-endian), so no two pairs encode alike.
func AAD(tenantID, certID string) []byte {
	return labelledAAD(aadLabel, tenantID, certID)
}

func labelledAAD(label, tenantID, id string) []byte {
	b := make([]byte, 0, len(label)+8+len(tenantID)+len(id))
	b = append(b, label...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(tenantID)))
	b = append(b, tenantID...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(id)))
	b = append(b, id...)
	return b
}

// WebhookAAD binds a webhook's sealed signing secret to its tenant and
// webhook ids, as AAD does for certificate keys; its label differs, so a
// certificate's blob never opens as a webhook's, nor the reverse.
func WebhookAAD(tenantID, webhookID string) []byte {
	return labelledAAD(webhookAADLabel, tenantID, webhookID)
}

// SealedAAD is the AAD a sealed secret was sealed with.
func SealedAAD(k store.SealedKey) []byte {
	if k.Kind == store.SealedWebhookSecret {
		return WebhookAAD(k.TenantID, k.ID)
	}
	return AAD(k.TenantID, k.ID)
}

// Seal encrypts plaintext in an envelope: a fresh random data key encrypts
// it with AES-256-GCM, and the KEK wraps the data key with AES-256-GCM. Both
// layers authenticate aad, which is not stored: Open needs the same aad, so a
// blob moved to another row (another AAD) no longer opens.
func (k *KEK) Seal(plaintext, aad []byte) ([]byte, error) {
	return k.seal(rand.Reader, plaintext, aad)
}

func (k *KEK) seal(r io.Reader, plaintext, aad []byte) ([]byte, error) {
	if k == nil {
		return nil, errors.New("keyring: seal: no master key")
	}
	if r == nil {
		r = rand.Reader
	}
	var dataKey [dataKeySize]byte
	defer clear(dataKey[:])
	blob := make([]byte, offPayload, offPayload+len(plaintext)+tagSize)
	blob[0] = version1
	if err := putKEKID(blob[offKEKID:offWrapNonce], k.ID); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(r, dataKey[:]); err != nil {
		return nil, fmt.Errorf("keyring: seal: %w", err)
	}
	if _, err := io.ReadFull(r, blob[offWrapNonce:offWrapped]); err != nil {
		return nil, fmt.Errorf("keyring: seal: %w", err)
	}
	if _, err := io.ReadFull(r, blob[offNonce:offPayload]); err != nil {
		return nil, fmt.Errorf("keyring: seal: %w", err)
	}
	if err := k.wrap(blob, dataKey[:], aad); err != nil {
		return nil, err
	}
	g, err := newGCM(dataKey[:])
	if err != nil {
		return nil, err
	}
	return g.Seal(blob, blob[offNonce:offPayload], plaintext, payloadAAD(blob, aad)), nil
}

// Open decrypts a blob made by Seal with the same aad.
//
// It returns ErrWrongKey (unwrapped, so the message is exactly ErrWrongKey's)
// when the blob was sealed under another master key, and an error matching
// ErrCorrupt when the blob is truncated, altered, of an unknown version, or
// the aad differs. It never panics, whatever the input.
func (k *KEK) Open(blob, aad []byte) ([]byte, error) {
	if k == nil {
		return nil, errors.New("keyring: open: no master key")
	}
	dataKey, err := k.unwrap(blob, aad)
	if err != nil {
		return nil, err
	}
	defer clear(dataKey)
	return openPayload(dataKey, blob, aad)
}

// Rewrap re-encrypts the blob's data key under next instead of old and
// returns the new blob; the payload bytes are unchanged. The payload is
// authenticated (decrypted in memory, then cleared) before the new blob is
// produced, so a corrupt blob is found at rotation time, not later.
//
// If the blob is already wrapped by next and opens with it, a copy of it is
// returned unchanged, so a rotation can be run again safely.
func Rewrap(old, next *KEK, blob, aad []byte) ([]byte, error) {
	if old == nil || next == nil {
		return nil, errors.New("keyring: rewrap: no master key")
	}
	if id, err := BlobKEKID(blob); err == nil && id == next.ID && id != old.ID {
		if _, err := next.Open(blob, aad); err != nil {
			return nil, err
		}
		return bytes.Clone(blob), nil
	}
	dataKey, err := old.unwrap(blob, aad)
	if err != nil {
		return nil, err
	}
	defer clear(dataKey)
	pt, err := openPayload(dataKey, blob, aad)
	clear(pt)
	if err != nil {
		return nil, err
	}
	out := bytes.Clone(blob)
	if err := putKEKID(out[offKEKID:offWrapNonce], next.ID); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(rand.Reader, out[offWrapNonce:offWrapped]); err != nil {
		return nil, fmt.Errorf("keyring: rewrap: %w", err)
	}
	if err := next.wrap(out, dataKey, aad); err != nil {
		return nil, err
	}
	return out, nil
}

// BlobKEKID returns the id of the master key that wrapped the blob, read
// from its header (not authenticated until the blob is opened). It lets a
// rotation tool report which key a row needs.
func BlobKEKID(blob []byte) (string, error) {
	if err := checkHeader(blob); err != nil {
		return "", err
	}
	return hex.EncodeToString(blob[offKEKID:offWrapNonce]), nil
}

func checkHeader(blob []byte) error {
	if len(blob) == 0 {
		return fmt.Errorf("%w: empty", ErrCorrupt)
	}
	if blob[0] != version1 {
		return fmt.Errorf("%w: unknown format version %d", ErrCorrupt, blob[0])
	}
	if len(blob) < minBlobSize {
		return fmt.Errorf("%w: truncated (%d bytes, want at least %d)", ErrCorrupt, len(blob), minBlobSize)
	}
	return nil
}

// wrap fills blob[offWrapped:offNonce] with the data key wrapped under k.
// The version, KEK id and wrap nonce must already be in place.
func (k *KEK) wrap(blob, dataKey, aad []byte) error {
	g, err := newGCM(k.key[:])
	if err != nil {
		return err
	}
	wrapped := g.Seal(nil, blob[offWrapNonce:offWrapped], dataKey, wrapAAD(blob, aad))
	copy(blob[offWrapped:offNonce], wrapped)
	return nil
}

// unwrap returns the blob's data key; the caller clears it.
func (k *KEK) unwrap(blob, aad []byte) ([]byte, error) {
	if err := checkHeader(blob); err != nil {
		return nil, err
	}
	if hex.EncodeToString(blob[offKEKID:offWrapNonce]) != k.ID {
		return nil, ErrWrongKey
	}
	g, err := newGCM(k.key[:])
	if err != nil {
		return nil, err
	}
	dataKey, err := g.Open(nil, blob[offWrapNonce:offWrapped], blob[offWrapped:offNonce], wrapAAD(blob, aad))
	if err != nil {
		// The KEK id matches, so the key is right: the aad differs or the
		// header was altered.
		return nil, fmt.Errorf("%w: data key does not authenticate (blob altered, or moved to another certificate)", ErrCorrupt)
	}
	return dataKey, nil
}

func openPayload(dataKey, blob, aad []byte) ([]byte, error) {
	g, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	pt, err := g.Open(nil, blob[offNonce:offPayload], blob[offPayload:], payloadAAD(blob, aad))
	if err != nil {
		return nil, fmt.Errorf("%w: payload does not authenticate", ErrCorrupt)
	}
	return pt, nil
}

func wrapAAD(blob, aad []byte) []byte {
	b := make([]byte, 0, len(wrapLabel)+offWrapNonce+len(aad))
	b = append(b, wrapLabel...)
	b = append(b, blob[:offWrapNonce]...)
	return append(b, aad...)
}

func payloadAAD(blob, aad []byte) []byte {
	b := make([]byte, 0, len(payloadLabel)+1+len(aad))
	b = append(b, payloadLabel...)
	b = append(b, blob[0])
	return append(b, aad...)
}

func putKEKID(dst []byte, id string) error {
	if hex.DecodedLen(len(id)) != len(dst) {
		return fmt.Errorf("keyring: malformed master key id %q", id)
	}
	if _, err := hex.Decode(dst, []byte(id)); err != nil {
		return fmt.Errorf("keyring: malformed master key id %q", id)
	}
	return nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return g, nil
}
