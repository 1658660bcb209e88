-- Quarantine items, raw messages, reports and per-tenant sync state, SQLite
-- dialect. Keep in step with ../postgres/00004_quarantine.sql.

-- +goose Up
-- One raw message per tenant and SHA-256 of its bytes, zstd-compressed: a
-- message quarantined for forty recipients is stored (and analysed) once.
CREATE TABLE messages (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sha256     BLOB NOT NULL CHECK (length(sha256) = 32),
    size       INTEGER NOT NULL CHECK (size >= 0),
    raw_zstd   BLOB NOT NULL,
    stored_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
) STRICT;

-- One row per quarantine identity (GUID\GUID) Microsoft listed.
CREATE TABLE quarantine_items (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    identity        TEXT NOT NULL CHECK (identity <> ''),
    message_id      TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    qtype           TEXT NOT NULL,
    policy_type     TEXT NOT NULL,
    policy_name     TEXT NOT NULL,
    direction       TEXT NOT NULL,
    sender          TEXT NOT NULL,
    recipients      TEXT NOT NULL, -- JSON array
    subject         TEXT NOT NULL,
    size            INTEGER NOT NULL,
    release_status  TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('listed', 'exported', 'failed', 'expired', 'deleted')),
    sha256          BLOB CHECK (sha256 IS NULL OR length(sha256) = 32),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    first_seen_at   TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, identity),
    CHECK ((state = 'exported') = (sha256 IS NOT NULL)),
    FOREIGN KEY (tenant_id, sha256) REFERENCES messages (tenant_id, sha256)
) STRICT;

CREATE INDEX quarantine_items_pending ON quarantine_items (tenant_id, state, expires_at);
CREATE INDEX quarantine_items_received ON quarantine_items (tenant_id, received_at, identity);
CREATE INDEX quarantine_items_message ON quarantine_items (tenant_id, sha256);

-- The latest analysis of a message, with the analyzer version that made it.
CREATE TABLE reports (
    tenant_id        TEXT NOT NULL,
    sha256           BLOB NOT NULL,
    analyzer_version TEXT NOT NULL,
    verdict          TEXT NOT NULL CHECK (verdict IN ('malicious', 'suspicious', 'spam', 'benign', 'inconclusive')),
    confidence       REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    category         TEXT NOT NULL,
    sender           TEXT NOT NULL, -- From address, lower-case, for sender history
    sender_domain    TEXT NOT NULL,
    report_json      BLOB NOT NULL,
    analyzed_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, sha256),
    FOREIGN KEY (tenant_id, sha256) REFERENCES messages (tenant_id, sha256) ON DELETE CASCADE
) STRICT;

CREATE INDEX reports_sender ON reports (tenant_id, sender, verdict);
CREATE INDEX reports_sender_domain ON reports (tenant_id, sender_domain, verdict);
CREATE INDEX reports_version ON reports (analyzer_version);

CREATE TABLE sync_state (
    tenant_id        TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    paused           INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    backfilled       INTEGER NOT NULL DEFAULT 0 CHECK (backfilled IN (0, 1)),
    last_started_at  TEXT,
    last_finished_at TEXT,
    last_error       TEXT NOT NULL DEFAULT '',
    diagnosis        TEXT NOT NULL DEFAULT '' -- connection-test JSON when the setup is broken
) STRICT;

-- +goose Down
DROP TABLE sync_state;
DROP TABLE reports;
DROP TABLE quarantine_items;
DROP TABLE messages;
