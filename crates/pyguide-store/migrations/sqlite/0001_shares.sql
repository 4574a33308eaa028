-- Programs shared with the Share button, by their random id.
CREATE TABLE shares (
    id         TEXT PRIMARY KEY NOT NULL,
    code       TEXT NOT NULL,
    -- Extra files beside main.py, as a JSON object {"name.py": "source"}.
    files      TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL -- Unix seconds
);
