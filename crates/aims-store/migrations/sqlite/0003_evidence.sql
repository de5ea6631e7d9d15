-- Evidence: files (content-addressed on disk, only their SHA-256 here) and links, with
-- versions that share a lineage, and links to the records each item supports.
CREATE TABLE evidence (
    id                TEXT PRIMARY KEY,
    lineage_id        TEXT NOT NULL,
    version_no        INTEGER NOT NULL,
    is_current        INTEGER NOT NULL,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    owner             TEXT NOT NULL,
    reviewer          TEXT NOT NULL,
    url               TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    size_bytes        INTEGER NOT NULL,
    media_type        TEXT NOT NULL,
    file_name         TEXT NOT NULL,
    effective_from    TEXT NOT NULL,
    expires_on        TEXT NOT NULL,
    reviewed_on       TEXT NOT NULL,
    review_cycle_days INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX evidence_lineage ON evidence (lineage_id, version_no);

CREATE TABLE evidence_links (
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    PRIMARY KEY (evidence_id, target_type, target_id)
);
CREATE INDEX evidence_links_target ON evidence_links (target_type, target_id);

-- One readiness figure per day, for the trend. Derived data, recomputed on demand.
CREATE TABLE readiness_history (
    day           TEXT PRIMARY KEY,
    overall_tenths INTEGER NOT NULL,
    clauses_tenths INTEGER NOT NULL,
    annex_a_tenths INTEGER NOT NULL
);
