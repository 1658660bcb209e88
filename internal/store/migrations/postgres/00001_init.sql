-- Initial schema, PostgreSQL dialect. Keep it in step with ../sqlite/00001_init.sql.
--
-- Tables are created unqualified, in the first schema of search_path, so
-- that one database can hold several qtriage instances (or parallel tests).

-- +goose Up
CREATE TABLE tenants (
    id         text NOT NULL PRIMARY KEY CHECK (id <> ''),
    -- COLLATE "C": tenants are listed by slug, and byte order is what SQLite
    -- does; a linguistic collation would sort "a-c" after "ab".
    slug       text COLLATE "C" NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE connections (
    tenant_id     text NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    app_id        text NOT NULL,
    directory_id  text NOT NULL,
    organization  text NOT NULL,
    cloud         text NOT NULL CHECK (cloud IN ('public', 'gcchigh', 'dod', 'custom')),
    authority_url text NOT NULL,
    exchange_url  text NOT NULL,
    ca_file       text NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE certificates (
    id                text NOT NULL PRIMARY KEY CHECK (id <> ''),
    tenant_id         text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    status            text NOT NULL CHECK (status IN ('pending', 'active', 'retired')),
    subject           text NOT NULL,
    der               bytea NOT NULL,
    not_before        timestamptz NOT NULL,
    not_after         timestamptz NOT NULL,
    sha1_thumbprint   text NOT NULL,
    sha256_thumbprint text NOT NULL,
    key_blob          bytea NOT NULL,
    kek_id            text NOT NULL,
    created_at        timestamptz NOT NULL,
    activated_at      timestamptz,
    retired_at        timestamptz,
    -- The life-cycle timestamps must agree with the status.
    CHECK (status <> 'pending' OR (activated_at IS NULL AND retired_at IS NULL)),
    CHECK (status <> 'active' OR (activated_at IS NOT NULL AND retired_at IS NULL)),
    CHECK (status <> 'retired' OR retired_at IS NOT NULL)
);

-- At most one active and at most one pending certificate per tenant.
CREATE UNIQUE INDEX certificates_one_active ON certificates (tenant_id) WHERE status = 'active';
CREATE UNIQUE INDEX certificates_one_pending ON certificates (tenant_id) WHERE status = 'pending';
CREATE INDEX certificates_tenant_created ON certificates (tenant_id, created_at);

CREATE TABLE api_tokens (
    id           text NOT NULL PRIMARY KEY CHECK (id <> ''),
    name         text NOT NULL,
    hash         bytea NOT NULL UNIQUE CHECK (octet_length(hash) = 32),
    tenant_id    text REFERENCES tenants (id) ON DELETE CASCADE,
    role         text NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    -- A global token (no tenant) must be an admin token.
    CHECK (tenant_id IS NOT NULL OR role = 'admin')
);

CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE certificates;
DROP TABLE connections;
DROP TABLE tenants;
