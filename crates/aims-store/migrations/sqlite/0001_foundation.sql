-- Foundation schema: the ledger, accounts, sessions and the AI system register.
-- Portable types only: integers, text; times are RFC 3339 text (records) or unix seconds
-- (session bookkeeping); JSON and UUIDs are text; flags are 0/1 integers.

CREATE TABLE ledger_entries (
    seq          INTEGER PRIMARY KEY,
    time         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    state_sha256 TEXT NOT NULL,
    state        TEXT
);
CREATE INDEX ledger_entries_entity ON ledger_entries (entity_type, entity_id, seq);

-- One row: the tree head after the last committed write, its compact-range frontier
-- and the signed checkpoint that covers it. Every write transaction locks this row first.
CREATE TABLE ledger_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    size        INTEGER NOT NULL,
    frontier    TEXT NOT NULL,
    root        TEXT NOT NULL,
    checkpoint  TEXT NOT NULL,
    locked_at   TEXT NOT NULL
);

-- Checkpoints kept for good: published heads an auditor may have copied elsewhere.
CREATE TABLE ledger_checkpoints (
    size        INTEGER PRIMARY KEY,
    root        TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    id_hash             TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users (id),
    csrf_token          TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    last_seen_at        INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_throttle (
    username     TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until INTEGER NOT NULL
);

CREATE TABLE ai_systems (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    purpose            TEXT NOT NULL,
    intended_use       TEXT NOT NULL,
    foreseeable_misuse TEXT NOT NULL,
    owner              TEXT NOT NULL,
    business_unit      TEXT NOT NULL,
    lifecycle_stage    TEXT NOT NULL,
    org_role           TEXT NOT NULL,
    autonomy_level     TEXT NOT NULL,
    human_oversight    TEXT NOT NULL,
    deployment_context TEXT NOT NULL,
    data_subjects      TEXT NOT NULL,
    last_review        TEXT NOT NULL,
    next_review        TEXT NOT NULL,
    archived           INTEGER NOT NULL,
    version            INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX ai_systems_name ON ai_systems (name);
