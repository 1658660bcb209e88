-- Web console accounts, PostgreSQL dialect. Keep in step with ../sqlite/00003_accounts.sql.

-- +goose Up
CREATE TABLE users (
    id            text NOT NULL PRIMARY KEY CHECK (id <> ''),
    username      text NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64 AND username = lower(username)),
    password_hash text NOT NULL,
    global_admin  boolean NOT NULL,
    disabled      boolean NOT NULL,
    created_at    timestamptz NOT NULL
);

CREATE TABLE user_roles (
    user_id   text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    role      text NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    PRIMARY KEY (user_id, tenant_id)
);

CREATE TABLE sessions (
    id_hash      bytea NOT NULL PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

-- +goose Down
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
