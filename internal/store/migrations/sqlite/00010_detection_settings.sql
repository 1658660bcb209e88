-- What each tenant tells the analysis about itself: its other accepted
-- domains, VIP names, partner domains, allow and deny lists. Each list is a
-- JSON array of strings, normalized by DetectionSettings.Normalize.

-- +goose Up
CREATE TABLE detection_settings (
    tenant_id        TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    accepted_domains TEXT NOT NULL,
    vips             TEXT NOT NULL,
    partners         TEXT NOT NULL,
    allow_list       TEXT NOT NULL,
    deny_list        TEXT NOT NULL,
    updated_by       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE detection_settings;
