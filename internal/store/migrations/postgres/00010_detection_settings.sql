-- What each tenant tells the analysis about itself: its other accepted
-- domains, VIP names, partner domains, allow and deny lists. Each list is a
-- JSON array of strings, normalized by DetectionSettings.Normalize.

-- +goose Up
CREATE TABLE detection_settings (
    tenant_id        text NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    accepted_domains text NOT NULL,
    vips             text NOT NULL,
    partners         text NOT NULL,
    allow_list       text NOT NULL,
    deny_list        text NOT NULL,
    updated_by       text NOT NULL,
    updated_at       timestamptz NOT NULL
);

-- +goose Down
DROP TABLE detection_settings;
