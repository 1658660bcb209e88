package store

import (
	"context"
	"database/sql"
	"time"
)

// User is a person who signs in to the web console. Passwords are stored
// only as argon2id hashes (PHC string form), made by package web.
type User struct {
	ID           string // UUID
	Username     string // lower-case, unique
	PasswordHash string
	GlobalAdmin  bool // sees and administers every tenant
	Disabled     bool
	CreatedAt    time.Time
	// Roles maps tenant id to the user's role in that tenant.
	Roles map[string]Role
}

// Session is a signed-in browser. Only the SHA-256 of the cookie value is
// stored.
type Session struct {
	IDHash     []byte // SHA-256 of the cookie secret, 32 bytes
	UserID     string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

// Accounts persists users, their tenant roles and their sessions.
type Accounts interface {
	// CreateUser inserts a user with its roles. ErrConflict when the
	// username is taken.
	CreateUser(ctx context.Context, u User) error
	// User returns the user with that username, ErrNotFound if none.
	User(ctx context.Context, username string) (User, error)
	// UserByID returns the user with that id, ErrNotFound if none.
	UserByID(ctx context.Context, id string) (User, error)
	// Users lists users ordered by username.
	Users(ctx context.Context) ([]User, error)
	// SetPassword replaces the hash and ends every session of the user.
	SetPassword(ctx context.Context, userID, hash string) error
	// SetUserRole gives the user a role in a tenant; role "" removes it.
	SetUserRole(ctx context.Context, userID, tenantID string, role Role) error
	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the unexpired session with that hash and records
	// now as its last use. ErrNotFound if unknown or expired.
	Session(ctx context.Context, idHash []byte, now time.Time) (Session, error)
	// DeleteSession ends a session; deleting an unknown one is not an error.
	DeleteSession(ctx context.Context, idHash []byte) error
}

const userColumns = `id, username, password_hash, global_admin, disabled, created_at`

func (s *sqlStore) CreateUser(ctx context.Context, u User) error {
	return s.inTx(ctx, "create user", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			u.ID, u.Username, u.PasswordHash, u.GlobalAdmin, u.Disabled, s.timeArg(u.CreatedAt)); err != nil {
			return err
		}
		for tenantID, role := range u.Roles {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, tenant_id, role) VALUES ($1, $2, $3)`,
				u.ID, tenantID, string(role)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *sqlStore) User(ctx context.Context, username string) (User, error) {
	return s.user(ctx, "user", `username = $1`, username)
}

func (s *sqlStore) UserByID(ctx context.Context, id string) (User, error) {
	return s.user(ctx, "user", `id = $1`, id)
}

func (s *sqlStore) user(ctx context.Context, op, where string, arg any) (User, error) {
	var (
		u       User
		created timeValue
	)
	row := s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg)
	if err := row.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.GlobalAdmin, &u.Disabled, &created); err != nil {
		return User{}, s.fail(ctx, op, err)
	}
	u.CreatedAt = created.t
	roles, err := s.roles(ctx, u.ID)
	if err != nil {
		return User{}, err
	}
	u.Roles = roles
	return u, nil
}

func (s *sqlStore) roles(ctx context.Context, userID string) (map[string]Role, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tenant_id, role FROM user_roles WHERE user_id = $1`, userID)
	if err != nil {
		return nil, s.fail(ctx, "user roles", err)
	}
	defer rows.Close()
	roles := map[string]Role{}
	for rows.Next() {
		var tenantID, role string
		if err := rows.Scan(&tenantID, &role); err != nil {
			return nil, s.fail(ctx, "user roles", err)
		}
		roles[tenantID] = Role(role)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "user roles", err)
	}
	return roles, nil
}

func (s *sqlStore) Users(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, s.fail(ctx, "users", err)
	}
	var users []User
	for rows.Next() {
		var (
			u       User
			created timeValue
		)
		if err := rows.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.GlobalAdmin, &u.Disabled, &created); err != nil {
			rows.Close()
			return nil, s.fail(ctx, "users", err)
		}
		u.CreatedAt = created.t
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "users", err)
	}
	for i := range users {
		if users[i].Roles, err = s.roles(ctx, users[i].ID); err != nil {
			return nil, err
		}
	}
	return users, nil
}

func (s *sqlStore) SetPassword(ctx context.Context, userID, hash string) error {
	return s.inTx(ctx, "set password", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return sql.ErrNoRows
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		return err
	})
}

func (s *sqlStore) SetUserRole(ctx context.Context, userID, tenantID string, role Role) error {
	var err error
	if role == "" {
		_, err = s.w.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = $1 AND tenant_id = $2`, userID, tenantID)
	} else {
		_, err = s.w.ExecContext(ctx, `INSERT INTO user_roles (user_id, tenant_id, role) VALUES ($1, $2, $3)
ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = excluded.role`, userID, tenantID, string(role))
	}
	if err != nil {
		return s.fail(ctx, "set user role", err)
	}
	return nil
}

func (s *sqlStore) CreateSession(ctx context.Context, se Session) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen_at)
VALUES ($1, $2, $3, $4, $5)`, nonNil(se.IDHash), se.UserID, s.timeArg(se.CreatedAt), s.timeArg(se.ExpiresAt), s.timeArg(se.LastSeenAt)); err != nil {
		return s.fail(ctx, "create session", err)
	}
	return nil
}

func (s *sqlStore) Session(ctx context.Context, idHash []byte, now time.Time) (Session, error) {
	row := s.w.QueryRowContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1 AND expires_at > $2
RETURNING id_hash, user_id, created_at, expires_at, last_seen_at`, nonNil(idHash), s.timeArg(now))
	var (
		se                     Session
		created, expires, seen timeValue
	)
	if err := row.Scan(&se.IDHash, &se.UserID, &created, &expires, &seen); err != nil {
		return Session{}, s.fail(ctx, "session", err)
	}
	se.CreatedAt, se.ExpiresAt, se.LastSeenAt = created.t, expires.t, seen.t
	return se, nil
}

func (s *sqlStore) DeleteSession(ctx context.Context, idHash []byte) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, nonNil(idHash)); err != nil {
		return s.fail(ctx, "delete session", err)
	}
	return nil
}
