-- Who made each share, as a keyed hash of the client (never its address), so that share quotas
-- hold across replicas and an operator can delete one client's flood. Older shares have none.
ALTER TABLE shares ADD COLUMN client TEXT;
CREATE INDEX shares_by_client ON shares (client, created_at);
-- Secrets every replica shares, made once by whichever replica opens the database first.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
);
