-- Outgoing webhooks and their deliveries (a transactional outbox), PostgreSQL
-- dialect. Keep in step with ../sqlite/00008_webhooks.sql.

-- +goose Up
-- A tenant's webhook. The signing secret is sealed by the keyring, like a
-- certificate's private key.
CREATE TABLE webhooks (
    id               text PRIMARY KEY,
    tenant_id        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url              text NOT NULL CHECK (url <> ''),
    description      text NOT NULL,
    events           text NOT NULL CHECK (events <> ''), -- comma-separated event types
    secret_blob      bytea NOT NULL,
    kek_id           text NOT NULL,
    created_at       timestamptz NOT NULL,
    last_delivery_at timestamptz,
    last_status      integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT ''
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id);

-- One event for one webhook. Written in the transaction of what caused it
-- (the audit event, the report), so no event is lost to a crash; sent by
-- whichever process claims it first.
CREATE TABLE webhook_deliveries (
    id              text PRIMARY KEY,
    webhook_id      text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    event_id        text NOT NULL,
    event_type      text NOT NULL,
    body            bytea NOT NULL,
    state           text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    lease_until     timestamptz,
    delivered_at    timestamptz,
    last_status     integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries (tenant_id, created_at);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
