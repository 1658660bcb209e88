-- Finished webhook deliveries by age, for the hourly prune. Keep in step
-- with ../sqlite/00009_webhook_prune_index.sql.

-- +goose Up
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at) WHERE state <> 'pending';

-- +goose Down
DROP INDEX webhook_deliveries_finished;
