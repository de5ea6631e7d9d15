-- The AI inventory (models, datasets, vendors, organisation, enterprise systems) as typed
-- records whose fields are validated in aims-core; the dependency graph as edges; and the
-- governance of lifecycle transitions: policy, impact classification, change requests with
-- their approvals, and gate waivers.
CREATE TABLE inventory_items (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_id   TEXT,
    status      TEXT NOT NULL,
    fields      TEXT NOT NULL,
    archived    BIGINT NOT NULL DEFAULT 0,
    version     BIGINT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX inventory_items_kind ON inventory_items (kind, archived, name);
CREATE INDEX inventory_items_parent ON inventory_items (parent_id);

-- Edges: `from` depends on `to`. `origin` is `field` for edges a record's fields imply
-- (kept in step with the record), `explicit` for links people add, `lineage` for edges
-- from OpenLineage events.
CREATE TABLE inventory_links (
    id          TEXT PRIMARY KEY,
    from_kind   TEXT NOT NULL,
    from_id     TEXT NOT NULL,
    relation    TEXT NOT NULL,
    to_kind     TEXT NOT NULL,
    to_id       TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    origin      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (from_id, relation, to_id)
);
CREATE INDEX inventory_links_to ON inventory_links (to_id);

CREATE TABLE governance_policy (
    id          BIGINT PRIMARY KEY,
    policy      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE system_classifications (
    ai_system_id TEXT PRIMARY KEY,
    answers      TEXT NOT NULL,
    result       TEXT NOT NULL,
    impact_class TEXT NOT NULL,
    version      BIGINT NOT NULL,
    classified_at TEXT NOT NULL
);

CREATE TABLE change_requests (
    id            TEXT PRIMARY KEY,
    number        BIGINT NOT NULL UNIQUE,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    transition    TEXT NOT NULL,
    from_state    TEXT NOT NULL,
    to_state      TEXT NOT NULL,
    tier          TEXT NOT NULL,
    business_unit TEXT NOT NULL,
    rule          TEXT NOT NULL,
    gates         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    status        TEXT NOT NULL,
    decisions     TEXT NOT NULL,
    conflict      TEXT NOT NULL,
    deadline      TEXT NOT NULL,
    escalated     BIGINT NOT NULL,
    created_at    TEXT NOT NULL,
    closed_at     TEXT NOT NULL,
    version       BIGINT NOT NULL
);
CREATE INDEX change_requests_subject ON change_requests (subject_type, subject_id);
CREATE INDEX change_requests_status ON change_requests (status);

CREATE TABLE gate_waivers (
    id            TEXT PRIMARY KEY,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    requirement   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    expires_on    TEXT NOT NULL,
    granted_by    TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    closed_at     TEXT NOT NULL
);
CREATE INDEX gate_waivers_subject ON gate_waivers (subject_type, subject_id);

-- OpenLineage run events, kept verbatim as provenance (A.7.5).
CREATE TABLE lineage_events (
    id           TEXT PRIMARY KEY,
    run_id       TEXT NOT NULL,
    job          TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    event_time   TEXT NOT NULL,
    raw          TEXT NOT NULL,
    raw_sha256   TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
CREATE INDEX lineage_events_job ON lineage_events (job);
