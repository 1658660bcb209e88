package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/qtriage/qtriage/internal/store"
)

func testAccounts(t *testing.T, ctx context.Context, s store.Store) {
	alpha, _ := createTenant(t, ctx, s, "alpha", at(0))
	bravo, _ := createTenant(t, ctx, s, "bravo", at(0))
	u := store.User{ID: "u-1", Username: "ana", PasswordHash: "$argon2id$fake", CreatedAt: at(1),
		Roles: map[string]store.Role{alpha.ID: store.RoleAnalyst}}
	mustNotFail(t, "create user", s.CreateUser(ctx, u))
	if err := s.CreateUser(ctx, store.User{ID: "u-2", Username: "ana", PasswordHash: "x", CreatedAt: at(1)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate username: %v, want ErrConflict", err)
	}
	// A failed create with roles writes nothing.
	err := s.CreateUser(ctx, store.User{ID: "u-3", Username: "bob", PasswordHash: "x", CreatedAt: at(1),
		Roles: map[string]store.Role{"no-such-tenant": store.RoleViewer}})
	if err == nil {
		t.Fatal("role in an unknown tenant accepted")
	}
	if _, err := s.User(ctx, "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("half-created user: %v", err)
	}
	mustNotFail(t, "create admin", s.CreateUser(ctx, store.User{ID: "u-4", Username: "root", PasswordHash: "x", GlobalAdmin: true, CreatedAt: at(2)}))

	got, err := s.User(ctx, "ana")
	mustNotFail(t, "user", err)
	if got.ID != "u-1" || got.PasswordHash != u.PasswordHash || got.GlobalAdmin || !got.CreatedAt.Equal(at(1)) || got.Roles[alpha.ID] != store.RoleAnalyst || len(got.Roles) != 1 {
		t.Fatalf("user: %+v", got)
	}
	if got, err := s.UserByID(ctx, "u-4"); err != nil || !got.GlobalAdmin || got.Username != "root" {
		t.Fatalf("user by id: %+v %v", got, err)
	}
	if _, err := s.User(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}

	mustNotFail(t, "add role", s.SetUserRole(ctx, "u-1", bravo.ID, store.RoleViewer))
	mustNotFail(t, "change role", s.SetUserRole(ctx, "u-1", alpha.ID, store.RoleAdmin))
	got, _ = s.User(ctx, "ana")
	if got.Roles[alpha.ID] != store.RoleAdmin || got.Roles[bravo.ID] != store.RoleViewer {
		t.Fatalf("roles: %v", got.Roles)
	}
	mustNotFail(t, "remove role", s.SetUserRole(ctx, "u-1", bravo.ID, ""))
	users, err := s.Users(ctx)
	mustNotFail(t, "users", err)
	if len(users) != 2 || users[0].Username != "ana" || users[1].Username != "root" || len(users[0].Roles) != 1 {
		t.Fatalf("users: %+v", users)
	}

	// Sessions: found while unexpired, last use recorded, gone after expiry,
	// logout or a password change.
	h1, h2 := hash("session-1"), hash("session-2")
	mustNotFail(t, "create session", s.CreateSession(ctx, store.Session{IDHash: h1, UserID: "u-1", CreatedAt: at(10), ExpiresAt: at(70), LastSeenAt: at(10)}))
	mustNotFail(t, "create session", s.CreateSession(ctx, store.Session{IDHash: h2, UserID: "u-1", CreatedAt: at(10), ExpiresAt: at(70), LastSeenAt: at(10)}))
	se, err := s.Session(ctx, h1, at(20))
	mustNotFail(t, "session", err)
	if se.UserID != "u-1" || !se.LastSeenAt.Equal(at(20)) || !se.ExpiresAt.Equal(at(70)) {
		t.Fatalf("session: %+v", se)
	}
	if _, err := s.Session(ctx, h1, at(71)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session: %v", err)
	}
	mustNotFail(t, "logout", s.DeleteSession(ctx, h1))
	mustNotFail(t, "logout twice", s.DeleteSession(ctx, h1))
	if _, err := s.Session(ctx, h1, at(20)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
	mustNotFail(t, "set password", s.SetPassword(ctx, "u-1", "$argon2id$new"))
	if _, err := s.Session(ctx, h2, at(20)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session survived a password change: %v", err)
	}
	if got, _ := s.User(ctx, "ana"); got.PasswordHash != "$argon2id$new" {
		t.Fatal("password not changed")
	}
	if err := s.SetPassword(ctx, "no-such-user", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("set password of unknown user: %v", err)
	}
}

func testConnectionTests(t *testing.T, ctx context.Context, s store.Store) {
	alpha, _ := createTenant(t, ctx, s, "alpha", at(0))
	if _, err := s.LastConnectionTest(ctx, alpha.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no test yet: %v", err)
	}
	mustNotFail(t, "put", s.PutConnectionTest(ctx, store.ConnectionTest{TenantID: alpha.ID, TestedAt: at(1), OK: false, JSON: []byte(`{"ok":false}`)}))
	mustNotFail(t, "replace", s.PutConnectionTest(ctx, store.ConnectionTest{TenantID: alpha.ID, TestedAt: at(2), OK: true, JSON: []byte(`{"ok":true}`)}))
	c, err := s.LastConnectionTest(ctx, alpha.ID)
	mustNotFail(t, "get", err)
	if !c.OK || !c.TestedAt.Equal(at(2)) || string(c.JSON) != `{"ok":true}` {
		t.Fatalf("last test: %+v", c)
	}
}
