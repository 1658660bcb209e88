-- Audit log of actions taken on a tenant's Microsoft 365 (release, delete),
-- PostgreSQL dialect. Keep it in step with ../sqlite/00002_audit.sql.
--
-- Append-only: a trigger refuses UPDATE and DELETE, and the foreign key has
-- no ON DELETE CASCADE, so a tenant with audit events cannot be removed.

-- +goose Up
CREATE TABLE audit_events (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text NOT NULL UNIQUE CHECK (id <> ''),
    tenant_id  text NOT NULL REFERENCES tenants (id),
    at         timestamptz NOT NULL,
    actor      text NOT NULL CHECK (actor <> ''),
    action     text NOT NULL CHECK (action <> ''),
    identities text NOT NULL, -- JSON array of strings
    options    text NOT NULL, -- JSON object of strings
    outcome    text NOT NULL CHECK (outcome IN ('ok', 'failed')),
    detail     text NOT NULL
);

CREATE INDEX audit_events_tenant ON audit_events (tenant_id, seq);

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
