-- Initial schema, SQLite dialect. Keep it in step with ../postgres/00001_init.sql.
--
-- Times are TEXT in the fixed-width UTC form 2006-01-02T15:04:05.000000Z
-- (written by the store, see timeLayout in sql.go), so that they sort as
-- text in time order and round-trip to the microsecond, like timestamptz.
-- STRICT tables make SQLite reject values of the wrong type instead of
-- silently storing them.

-- +goose Up
CREATE TABLE tenants (
    id         TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
    -- ^[a-z0-9][a-z0-9-]{1,39}$ spelt with GLOB, which SQLite has built in.
    slug       TEXT NOT NULL UNIQUE CHECK (
                   length(slug) BETWEEN 2 AND 40
                   AND slug GLOB '[a-z0-9]*'
                   AND slug NOT GLOB '*[^a-z0-9-]*'),
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE connections (
    tenant_id     TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    app_id        TEXT NOT NULL,
    directory_id  TEXT NOT NULL,
    organization  TEXT NOT NULL,
    cloud         TEXT NOT NULL CHECK (cloud IN ('public', 'gcchigh', 'dod', 'custom')),
    authority_url TEXT NOT NULL,
    exchange_url  TEXT NOT NULL,
    ca_file       TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE certificates (
    id                TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
    tenant_id         TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'active', 'retired')),
    subject           TEXT NOT NULL,
    der               BLOB NOT NULL,
    not_before        TEXT NOT NULL,
    not_after         TEXT NOT NULL,
    sha1_thumbprint   TEXT NOT NULL,
    sha256_thumbprint TEXT NOT NULL,
    key_blob          BLOB NOT NULL,
    kek_id            TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    activated_at      TEXT,
    retired_at        TEXT,
    -- The life-cycle timestamps must agree with the status.
    CHECK (status <> 'pending' OR (activated_at IS NULL AND retired_at IS NULL)),
    CHECK (status <> 'active' OR (activated_at IS NOT NULL AND retired_at IS NULL)),
    CHECK (status <> 'retired' OR retired_at IS NOT NULL)
) STRICT;

-- At most one active and at most one pending certificate per tenant.
CREATE UNIQUE INDEX certificates_one_active ON certificates (tenant_id) WHERE status = 'active';
CREATE UNIQUE INDEX certificates_one_pending ON certificates (tenant_id) WHERE status = 'pending';
CREATE INDEX certificates_tenant_created ON certificates (tenant_id, created_at);

CREATE TABLE api_tokens (
    id           TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
    tenant_id    TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    -- A global token (no tenant) must be an admin token.
    CHECK (tenant_id IS NOT NULL OR role = 'admin')
) STRICT;

CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE certificates;
DROP TABLE connections;
DROP TABLE tenants;
