-- An analyst's verdict on a message, kept beside the engine's, never replacing it.

-- +goose Up
CREATE TABLE verdict_overrides (
    tenant_id TEXT NOT NULL,
    sha256    BLOB NOT NULL,
    verdict   TEXT NOT NULL CHECK (verdict IN ('malicious', 'suspicious', 'spam', 'benign')),
    note      TEXT NOT NULL CHECK (length(note) BETWEEN 1 AND 2000),
    by_user   TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, sha256),
    FOREIGN KEY (tenant_id, sha256) REFERENCES messages (tenant_id, sha256) ON DELETE CASCADE
) STRICT;

-- +goose Down
DROP TABLE verdict_overrides;
