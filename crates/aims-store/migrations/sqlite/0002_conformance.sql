-- Conformance: the Statement of Applicability and its approved versions, applied controls
-- linked to requirements of any framework, and clause conformance.

-- The working SoA: one row per Annex A control once someone has decided about it.
-- Controls without a row are undecided.
CREATE TABLE soa_rows (
    control_id            TEXT PRIMARY KEY,
    applicability         TEXT NOT NULL,
    justification         TEXT NOT NULL,
    implementation_status TEXT NOT NULL,
    owner                 TEXT NOT NULL,
    version               INTEGER NOT NULL,
    updated_at            TEXT NOT NULL
);

-- Approved versions are frozen snapshots of the whole SoA.
CREATE TABLE soa_versions (
    number       INTEGER PRIMARY KEY,
    snapshot     TEXT NOT NULL,
    note         TEXT NOT NULL,
    approved_by  TEXT NOT NULL,
    approved_at  TEXT NOT NULL
);

CREATE TABLE applied_controls (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    owner         TEXT NOT NULL,
    status        TEXT NOT NULL,
    frequency     TEXT NOT NULL,
    cost_estimate INTEGER NOT NULL,
    effort_days   INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX applied_controls_name ON applied_controls (name);

CREATE TABLE control_requirements (
    control_id     TEXT NOT NULL REFERENCES applied_controls (id),
    framework_id   TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    PRIMARY KEY (control_id, framework_id, requirement_id)
);
CREATE INDEX control_requirements_target ON control_requirements (framework_id, requirement_id);

CREATE TABLE clause_status (
    requirement_id   TEXT PRIMARY KEY,
    status           TEXT NOT NULL,
    responsible_role TEXT NOT NULL,
    notes            TEXT NOT NULL,
    version          INTEGER NOT NULL,
    updated_at       TEXT NOT NULL
);
