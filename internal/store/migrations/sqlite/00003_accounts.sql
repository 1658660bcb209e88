-- Web console accounts, SQLite dialect. Keep in step with ../postgres/00003_accounts.sql.

-- +goose Up
CREATE TABLE users (
    id            TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
    username      TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64 AND username = lower(username)),
    password_hash TEXT NOT NULL,
    global_admin  INTEGER NOT NULL CHECK (global_admin IN (0, 1)),
    disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE user_roles (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    PRIMARY KEY (user_id, tenant_id)
) STRICT;

CREATE TABLE sessions (
    id_hash      BLOB NOT NULL PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);

-- +goose Down
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
