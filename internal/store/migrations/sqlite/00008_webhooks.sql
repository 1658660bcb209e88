-- Outgoing webhooks and their deliveries (a transactional outbox), SQLite
-- dialect. Keep in step with ../postgres/00008_webhooks.sql.

-- +goose Up
-- A tenant's webhook. The signing secret is sealed by the keyring, like a
-- certificate's private key.
CREATE TABLE webhooks (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url              TEXT NOT NULL CHECK (url <> ''),
    description      TEXT NOT NULL,
    events           TEXT NOT NULL CHECK (events <> ''), -- comma-separated event types
    secret_blob      BLOB NOT NULL,
    kek_id           TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    last_delivery_at TEXT,
    last_status      INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX webhooks_tenant ON webhooks (tenant_id);

-- One event for one webhook. Written in the transaction of what caused it
-- (the audit event, the report), so no event is lost to a crash; sent by
-- whichever process claims it first.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    body            BLOB NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    delivered_at    TEXT,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    UNIQUE (webhook_id, event_id)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries (tenant_id, created_at);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
