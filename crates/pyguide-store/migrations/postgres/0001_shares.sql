-- Programs shared with the Share button, by their random id.
CREATE TABLE shares (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    -- Extra files beside main.py, as a JSON object {"name.py": "source"}.
    files      TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
