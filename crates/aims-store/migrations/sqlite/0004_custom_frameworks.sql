-- Frameworks imported by users, kept as the YAML they uploaded (validated on import).
CREATE TABLE custom_frameworks (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    source     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
