-- Analytics check runs recorded as evidence: the full report, the SHA-256 of every input,
-- the headline metrics for history and process control, and what the run is about.
CREATE TABLE check_runs (
    id            TEXT PRIMARY KEY,
    position      BIGINT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    controls      TEXT NOT NULL,
    passed        BIGINT NOT NULL,
    failures      BIGINT NOT NULL,
    metrics       TEXT NOT NULL,
    inputs        TEXT NOT NULL,
    report        TEXT NOT NULL,
    report_sha256 TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE INDEX check_runs_subject ON check_runs (subject_type, subject_id, position);
