-- The impersonated brand of a report, for the dashboard's top brands.

-- +goose Up
ALTER TABLE reports ADD COLUMN brand TEXT NOT NULL DEFAULT '';
CREATE INDEX reports_brand ON reports (tenant_id, brand);

-- +goose Down
DROP INDEX reports_brand;
ALTER TABLE reports DROP COLUMN brand;
