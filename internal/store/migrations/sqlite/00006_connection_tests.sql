-- The last connection test run from the console, per tenant.

-- +goose Up
CREATE TABLE connection_tests (
    tenant_id   TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    tested_at   TEXT NOT NULL,
    ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
    report_json BLOB NOT NULL
) STRICT;

-- +goose Down
DROP TABLE connection_tests;
