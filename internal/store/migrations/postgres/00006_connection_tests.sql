-- The last connection test run from the console, per tenant.

-- +goose Up
CREATE TABLE connection_tests (
    tenant_id   text NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    tested_at   timestamptz NOT NULL,
    ok          boolean NOT NULL,
    report_json bytea NOT NULL
);

-- +goose Down
DROP TABLE connection_tests;
