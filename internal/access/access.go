// Package access issues and checks API tokens. A token is shown to its owner
// once; qtriage keeps only its SHA-256, which is enough because the secret has
// 256 bits of entropy (no dictionary to guess from, so no slow hash needed).
package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/store"
)

// tokenPrefix makes qtriage tokens recognisable to secret scanners.
const tokenPrefix = "qtr_"

// ErrBadToken is returned for a token that is malformed or unknown.
var ErrBadToken = errors.New("access: invalid API token")

// Principal is who is calling: a global admin, or a role within one tenant.
type Principal struct {
	TokenID  string
	Name     string
	TenantID string // "" for a global token
	Role     store.Role
}

// Global reports whether the principal may see every tenant.
func (p Principal) Global() bool { return p.TenantID == "" }

// CanSee reports whether the principal may see the tenant with that id.
func (p Principal) CanSee(tenantID string) bool { return p.Global() || p.TenantID == tenantID }

// ParseRole accepts admin, analyst or viewer.
func ParseRole(s string) (store.Role, error) {
	switch r := store.Role(strings.ToLower(s)); r {
	case store.RoleAdmin, store.RoleAnalyst, store.RoleViewer:
		return r, nil
	}
	return "", fmt.Errorf("access: role %q: want admin, analyst or viewer", s)
}

// Hash is how a token secret is stored and looked up.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Create makes a token, stores its hash and returns the secret, which is not
// kept anywhere. tenantID "" makes a global token, which must be admin.
func Create(ctx context.Context, st store.Store, name, tenantID string, role store.Role, now time.Time) (secret string, tok store.APIToken, err error) {
	if tenantID == "" && role != store.RoleAdmin {
		return "", store.APIToken{}, fmt.Errorf("access: a token without --tenant is global and must have role admin, not %s", role)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", store.APIToken{}, fmt.Errorf("access: %w", err)
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	tok = store.APIToken{ID: uuid.NewString(), Name: name, Hash: Hash(secret), TenantID: tenantID, Role: role, CreatedAt: now.UTC()}
	if err := st.CreateAPIToken(ctx, tok); err != nil {
		return "", store.APIToken{}, err
	}
	return secret, tok, nil
}

// Authenticate resolves a bearer secret to its principal.
func Authenticate(ctx context.Context, st store.Store, secret string, now time.Time) (Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return Principal{}, ErrBadToken
	}
	tok, err := st.APITokenByHash(ctx, Hash(secret), now.UTC())
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrBadToken
	}
	if err != nil {
		return Principal{}, err
	}
	return Principal{TokenID: tok.ID, Name: tok.Name, TenantID: tok.TenantID, Role: tok.Role}, nil
}
