package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/qtriage/qtriage/internal/store"
)

const (
	sessionCookie   = "qtriage_session"
	sessionLifetime = 12 * time.Hour
)

const userKey ctxKey = iota + 200

// currentUser returns the signed-in user of a UI request.
func currentUser(r *http.Request) (store.User, bool) {
	u, ok := r.Context().Value(userKey).(store.User)
	return u, ok
}

// roleIn returns the user's role in a tenant; a global admin is admin
// everywhere.
func roleIn(u store.User, tenantID string) (store.Role, bool) {
	if u.GlobalAdmin {
		return store.RoleAdmin, true
	}
	r, ok := u.Roles[tenantID]
	return r, ok
}

// atLeast reports whether role r grants what min requires.
func atLeast(r, min store.Role) bool {
	rank := map[store.Role]int{store.RoleViewer: 1, store.RoleAnalyst: 2, store.RoleAdmin: 3}
	return rank[r] >= rank[min]
}

func sessionHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// secureCookies decides the Secure flag: always over TLS or for a public
// host name (behind a TLS-terminating proxy), and not for plain HTTP on a
// loopback address, where the local demo runs and a Secure cookie would be
// refused by some browsers.
func secureCookies(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip == nil || !ip.IsLoopback()
}

// startSession creates a session for u and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u store.User) error {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now().UTC()
	if err := s.st.CreateSession(r.Context(), store.Session{
		IDHash: sessionHash(secret), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(sessionLifetime), LastSeenAt: now,
	}); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: secureCookies(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(sessionLifetime.Seconds()),
	})
	return nil
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.st.DeleteSession(r.Context(), sessionHash(c.Value)); err != nil {
			s.log.Warn("logout: deleting session", "request_id", requestID(r.Context()), "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// sessionUser finds the user of the request's session cookie.
func (s *Server) sessionUser(ctx context.Context, r *http.Request) (store.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) > 100 {
		return store.User{}, store.ErrNotFound
	}
	se, err := s.st.Session(ctx, sessionHash(c.Value), s.now().UTC())
	if err != nil {
		return store.User{}, err
	}
	u, err := s.st.UserByID(ctx, se.UserID)
	if err != nil {
		return store.User{}, err
	}
	if u.Disabled {
		return store.User{}, store.ErrNotFound
	}
	return u, nil
}

// ui wraps a page handler: it requires a session (redirecting to /login),
// and renders returned errors as an error page.
func (s *Server) ui(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return s.csrf.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.sessionUser(r.Context(), r)
		if errors.Is(err, store.ErrNotFound) {
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), userKey, u))
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	}))
}
