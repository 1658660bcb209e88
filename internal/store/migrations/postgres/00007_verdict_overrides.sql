-- An analyst's verdict on a message, kept beside the engine's, never replacing it.

-- +goose Up
CREATE TABLE verdict_overrides (
    tenant_id text NOT NULL,
    sha256    bytea NOT NULL,
    verdict   text NOT NULL CHECK (verdict IN ('malicious', 'suspicious', 'spam', 'benign')),
    note      text NOT NULL CHECK (length(note) BETWEEN 1 AND 2000),
    by_user   text NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, sha256),
    FOREIGN KEY (tenant_id, sha256) REFERENCES messages (tenant_id, sha256) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE verdict_overrides;
