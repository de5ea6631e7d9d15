-- Risk and impact: methodology versions (one active), the risk register with treatment
-- actions and formal acceptances, and impact assessments in versions that freeze when
-- approved.
CREATE TABLE risk_methodologies (
    version      BIGINT PRIMARY KEY,
    methodology  TEXT NOT NULL,
    active       BIGINT NOT NULL,
    approved_at  TEXT NOT NULL
);

CREATE TABLE risks (
    id                  TEXT PRIMARY KEY,
    number              BIGINT NOT NULL UNIQUE,
    subject_kind        TEXT NOT NULL,
    subject_id          TEXT NOT NULL,
    fields              TEXT NOT NULL,
    methodology_version BIGINT NOT NULL,
    inherent_level      TEXT NOT NULL,
    residual_level      TEXT NOT NULL,
    weighted_score      DOUBLE PRECISION NOT NULL,
    above_appetite      BIGINT NOT NULL,
    acceptance          TEXT NOT NULL,
    version             BIGINT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX risks_subject ON risks (subject_id);

CREATE TABLE risk_actions (
    id          TEXT PRIMARY KEY,
    risk_id     TEXT NOT NULL REFERENCES risks (id),
    fields      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX risk_actions_risk ON risk_actions (risk_id);

CREATE TABLE impact_assessments (
    id            TEXT PRIMARY KEY,
    ai_system_id  TEXT NOT NULL,
    number        BIGINT NOT NULL,
    template      TEXT NOT NULL,
    answers       TEXT NOT NULL,
    status        TEXT NOT NULL,
    approved_by   TEXT NOT NULL,
    approved_at   TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (ai_system_id, number)
);

-- A daily figure of the register for its trend (derived, like readiness_history: not a
-- governance record, so not in the ledger).
CREATE TABLE risk_history (
    day             TEXT PRIMARY KEY,
    open_risks      BIGINT NOT NULL,
    above_appetite  BIGINT NOT NULL,
    untreated       BIGINT NOT NULL
);
