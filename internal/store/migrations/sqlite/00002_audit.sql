-- Audit log of actions taken on a tenant's Microsoft 365 (release, delete),
-- SQLite dialect. Keep it in step with ../postgres/00002_audit.sql.
--
-- Append-only: triggers refuse UPDATE and DELETE, and the foreign key has
-- no ON DELETE CASCADE, so a tenant with audit events cannot be removed.

-- +goose Up
CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE CHECK (id <> ''),
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL CHECK (actor <> ''),
    action     TEXT NOT NULL CHECK (action <> ''),
    identities TEXT NOT NULL, -- JSON array of strings
    options    TEXT NOT NULL, -- JSON object of strings
    outcome    TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
    detail     TEXT NOT NULL
) STRICT;

CREATE INDEX audit_events_tenant ON audit_events (tenant_id, seq);

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_events;
