-- Quarantine items, raw messages, reports and per-tenant sync state, PostgreSQL
-- dialect. Keep in step with ../sqlite/00004_quarantine.sql.

-- +goose Up
-- One raw message per tenant and SHA-256 of its bytes, zstd-compressed: a
-- message quarantined for forty recipients is stored (and analysed) once.
CREATE TABLE messages (
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sha256     bytea NOT NULL CHECK (length(sha256) = 32),
    size       bigint NOT NULL CHECK (size >= 0),
    raw_zstd   bytea NOT NULL,
    stored_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);

-- One row per quarantine identity (GUID\GUID) Microsoft listed.
CREATE TABLE quarantine_items (
    tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    identity        text NOT NULL CHECK (identity <> ''),
    message_id      text NOT NULL,
    received_at     timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    qtype           text NOT NULL,
    policy_type     text NOT NULL,
    policy_name     text NOT NULL,
    direction       text NOT NULL,
    sender          text NOT NULL,
    recipients      text NOT NULL, -- JSON array
    subject         text NOT NULL,
    size            bigint NOT NULL,
    release_status  text NOT NULL,
    state           text NOT NULL CHECK (state IN ('listed', 'exported', 'failed', 'expired', 'deleted')),
    sha256          bytea CHECK (sha256 IS NULL OR length(sha256) = 32),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    first_seen_at   timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, identity),
    CHECK ((state = 'exported') = (sha256 IS NOT NULL)),
    FOREIGN KEY (tenant_id, sha256) REFERENCES messages (tenant_id, sha256)
);

CREATE INDEX quarantine_items_pending ON quarantine_items (tenant_id, state, expires_at);
CREATE INDEX quarantine_items_received ON quarantine_items (tenant_id, received_at, identity);
CREATE INDEX quarantine_items_message ON quarantine_items (tenant_id, sha256);

-- The latest analysis of a message, with the analyzer version that made it.
CREATE TABLE reports (
    tenant_id        text NOT NULL,
    sha256           bytea NOT NULL,
    analyzer_version text NOT NULL,
    verdict          text NOT NULL CHECK (verdict IN ('malicious', 'suspicious', 'spam', 'benign', 'inconclusive')),
    confidence       double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    category         text NOT NULL,
    sender           text NOT NULL, -- From address, lower-case, for sender history
    sender_domain    text NOT NULL,
    report_json      bytea NOT NULL,
    analyzed_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, sha256),
    FOREIGN KEY (tenant_id, sha256) REFERENCES messages (tenant_id, sha256) ON DELETE CASCADE
);

CREATE INDEX reports_sender ON reports (tenant_id, sender, verdict);
CREATE INDEX reports_sender_domain ON reports (tenant_id, sender_domain, verdict);
CREATE INDEX reports_version ON reports (analyzer_version);

CREATE TABLE sync_state (
    tenant_id        text NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    paused           boolean NOT NULL DEFAULT false,
    backfilled       boolean NOT NULL DEFAULT false,
    last_started_at  timestamptz,
    last_finished_at timestamptz,
    last_error       text NOT NULL DEFAULT '',
    diagnosis        text NOT NULL DEFAULT '' -- connection-test JSON when the setup is broken
);

-- +goose Down
DROP TABLE sync_state;
DROP TABLE reports;
DROP TABLE quarantine_items;
DROP TABLE messages;
