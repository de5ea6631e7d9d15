//! The AI inventory beyond the system register (ISO/IEC 42001 A.3, A.4, A.6, A.7.5, A.10):
//! models and their versions, datasets and their versions, vendors, the organisation
//! (business units, governance bodies, RACI charts) and the enterprise systems AI systems
//! exchange data with.
//!
//! Every kind is declared as data: its fields ([`FieldSpec`]), the statuses it moves
//! through and the field that names its parent. References between records are fields of
//! type [`FieldType::Ref`] or [`FieldType::Refs`]; the store turns them into the edges of
//! the dependency graph. Design: `docs/design/0006-inventory-and-governance.md`.

mod fields;
pub mod graph;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use fields::field;
pub use fields::{Assessment, FieldSpec, FieldType, SCORE_MAX, assess, is_empty, validate};

use crate::error::ValidationErrors;

vocabulary! {
    /// A kind of inventory record. `ai_system` is the register of issue 2; it takes part
    /// in the graph but keeps its own table.
    pub enum Kind {
        AiSystem => ("ai_system", "AI system"),
        Model => ("model", "Model"),
        ModelVersion => ("model_version", "Model version"),
        Dataset => ("dataset", "Dataset"),
        DatasetVersion => ("dataset_version", "Dataset version"),
        Vendor => ("vendor", "Vendor"),
        EnterpriseSystem => ("enterprise_system", "Enterprise system"),
        BusinessUnit => ("business_unit", "Business unit"),
        GovernanceBody => ("governance_body", "Governance body"),
        Raci => ("raci", "RACI chart"),
    }
}

impl Kind {
    /// Kinds stored as inventory records (all but the AI system).
    pub const RECORDS: &'static [Kind] = &[
        Kind::Model,
        Kind::ModelVersion,
        Kind::Dataset,
        Kind::DatasetVersion,
        Kind::Vendor,
        Kind::EnterpriseSystem,
        Kind::BusinessUnit,
        Kind::GovernanceBody,
        Kind::Raci,
    ];

    /// The plural label for lists and navigation.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::AiSystem => "AI systems",
            Kind::Model => "Models",
            Kind::ModelVersion => "Model versions",
            Kind::Dataset => "Datasets",
            Kind::DatasetVersion => "Dataset versions",
            Kind::Vendor => "Vendors and third parties",
            Kind::EnterpriseSystem => "Enterprise systems",
            Kind::BusinessUnit => "Business units",
            Kind::GovernanceBody => "Governance bodies",
            Kind::Raci => "RACI charts",
        }
    }

    /// The fields of a record of this kind.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            Kind::AiSystem => &[],
            Kind::Model => MODEL,
            Kind::ModelVersion => MODEL_VERSION,
            Kind::Dataset => DATASET,
            Kind::DatasetVersion => DATASET_VERSION,
            Kind::Vendor => VENDOR,
            Kind::EnterpriseSystem => ENTERPRISE_SYSTEM,
            Kind::BusinessUnit => BUSINESS_UNIT,
            Kind::GovernanceBody => GOVERNANCE_BODY,
            Kind::Raci => RACI,
        }
    }

    /// The field holding the record's name (or version label).
    pub fn name_field(self) -> &'static str {
        match self {
            Kind::ModelVersion | Kind::DatasetVersion => "version",
            _ => "name",
        }
    }

    /// The field naming the record this one belongs to, if any.
    pub fn parent_field(self) -> Option<&'static str> {
        match self {
            Kind::ModelVersion => Some("model_id"),
            Kind::DatasetVersion => Some("dataset_id"),
            Kind::BusinessUnit | Kind::GovernanceBody => Some("parent_id"),
            _ => None,
        }
    }

    /// The statuses a record moves through, first being the initial one; empty when the
    /// kind has no status.
    pub fn statuses(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::ModelVersion => MODEL_VERSION_STATUSES,
            Kind::DatasetVersion => &[("active", "Active"), ("deleted", "Deleted (retention)")],
            Kind::Vendor => &[("active", "Active"), ("offboarded", "Offboarded")],
            _ => &[],
        }
    }

    /// The status a new record starts in.
    pub fn initial_status(self) -> &'static str {
        self.statuses().first().map_or("", |(code, _)| code)
    }

    /// Relations that must never form a cycle (lineage, organisation trees).
    pub fn acyclic_relations() -> &'static [&'static str] {
        &["derived_from", "child_of", "reports_to"]
    }
}

/// Model version statuses (A.6.2.5: a version is deployed only once approved).
pub const MODEL_VERSION_STATUSES: &[(&str, &str)] = &[
    ("candidate", "Candidate"),
    ("validated", "Validated"),
    ("approved", "Approved"),
    ("deployed", "Deployed"),
    ("retired", "Retired"),
];

const TASKS: &[(&str, &str)] = &[
    ("classification", "Classification"),
    ("regression", "Regression"),
    ("ranking", "Ranking"),
    ("recommendation", "Recommendation"),
    ("generation", "Generation (LLM, images)"),
    ("clustering", "Clustering"),
    ("other", "Other"),
];

/// What a vendor supplies (A.10.3).
pub const SUPPLIES: &[(&str, &str)] = &[
    ("model", "Models"),
    ("data", "Data"),
    ("platform", "Platform or infrastructure"),
    ("service", "Service"),
];

/// The third-party assessment questionnaire (A.10.2, A.10.3), our own wording.
pub const VENDOR_QUESTIONS: &[(&str, &str)] = &[
    (
        "governance",
        "Has an AI governance programme with named accountability",
    ),
    (
        "documentation",
        "Documents its models and data (cards, datasheets, limitations)",
    ),
    (
        "data_rights",
        "Can show the rights to the data it trains on or supplies",
    ),
    (
        "testing",
        "Tests for bias, robustness and performance and shares the results",
    ),
    (
        "incidents",
        "Notifies incidents and changes within an agreed time",
    ),
    (
        "security",
        "Holds a current security certification or equivalent audit",
    ),
    (
        "audit_rights",
        "Grants audit and information rights in the contract",
    ),
];

const ENTERPRISE_CATEGORIES: &[(&str, &str)] = &[
    ("erp", "ERP"),
    ("crm", "CRM"),
    ("hris", "HRIS"),
    ("core_banking", "Core banking / transaction system"),
    ("data_warehouse", "Data warehouse or lake"),
    ("identity", "Identity and access"),
    ("other", "Other"),
];

const BODY_TIERS: &[(&str, &str)] = &[
    ("board", "Board"),
    ("committee", "Committee"),
    ("working_group", "Working group"),
];

use FieldType as T;

const MODEL: &[FieldSpec] = &[
    field(
        "name",
        "Name",
        T::Line,
        true,
        "How people refer to the model, for example credit-pd.",
    ),
    field("description", "Description", T::Text, false, ""),
    field("task", "Task", T::Choice(TASKS), false, ""),
    field(
        "owner",
        "Owner",
        T::Line,
        false,
        "The accountable person or team.",
    ),
    field(
        "vendor_id",
        "Supplied by",
        T::Ref {
            kind: Kind::Vendor,
            relation: "supplied_by",
        },
        false,
        "The vendor, when the model is bought or licensed.",
    ),
    field("intended_use", "Intended use", T::Text, false, ""),
    field("limitations", "Limitations", T::Text, false, ""),
    field(
        "external_ref",
        "External reference",
        T::Line,
        false,
        "Its name in another registry, such as mlflow:credit-pd.",
    ),
];

const MODEL_VERSION: &[FieldSpec] = &[
    field(
        "model_id",
        "Model",
        T::Ref {
            kind: Kind::Model,
            relation: "version_of",
        },
        true,
        "",
    ),
    field(
        "version",
        "Version",
        T::Line,
        true,
        "As the team names it: 3, 2.1.0, 2026-11.",
    ),
    field(
        "code_repository",
        "Code repository",
        T::Line,
        false,
        "Where the training code lives.",
    ),
    field(
        "code_commit",
        "Commit",
        T::Line,
        false,
        "The commit the version was trained from.",
    ),
    field(
        "framework",
        "Framework",
        T::Line,
        false,
        "For example xgboost 2.1 or pytorch 2.5.",
    ),
    field(
        "hyperparameters",
        "Hyperparameters",
        T::Object,
        false,
        "Name = value, one per line.",
    ),
    field(
        "training_datasets",
        "Training data",
        T::Refs {
            kind: Kind::DatasetVersion,
            relation: "trained_on",
        },
        false,
        "The dataset versions it was trained on.",
    ),
    field(
        "evaluation_datasets",
        "Evaluation data",
        T::Refs {
            kind: Kind::DatasetVersion,
            relation: "evaluated_on",
        },
        false,
        "The dataset versions it was evaluated on.",
    ),
    field(
        "metrics",
        "Metrics",
        T::NumberMap,
        false,
        "Name = number, one per line.",
    ),
    field(
        "artifact_sha256",
        "Artifact SHA-256",
        T::Sha256,
        false,
        "The hash of the model file.",
    ),
    field("artifact_uri", "Artifact location", T::Line, false, ""),
    field(
        "intended_use",
        "Intended use",
        T::Text,
        false,
        "Model card: what it is for and for whom.",
    ),
    field(
        "limitations",
        "Limitations",
        T::Text,
        false,
        "Model card: where it should not be relied on.",
    ),
    field(
        "external_ref",
        "External reference",
        T::Line,
        false,
        "Its id in another registry, such as mlflow:credit-pd/3.",
    ),
];

const DATASET: &[FieldSpec] = &[
    field("name", "Name", T::Line, true, ""),
    field("description", "Description", T::Text, false, ""),
    field("owner", "Owner", T::Line, false, ""),
    field(
        "source",
        "Source",
        T::Line,
        false,
        "Where the data comes from.",
    ),
    field(
        "provenance",
        "Provenance",
        T::Text,
        false,
        "How it was collected and processed (A.7.5).",
    ),
    field("licence", "Licence", T::Line, false, ""),
    field(
        "vendor_id",
        "Supplied by",
        T::Ref {
            kind: Kind::Vendor,
            relation: "supplied_by",
        },
        false,
        "",
    ),
    field(
        "personal_data_categories",
        "Personal data",
        T::Tags,
        false,
        "Comma-separated, for example contact details, income.",
    ),
    field(
        "sensitive_data_categories",
        "Special categories",
        T::Tags,
        false,
        "Health, ethnicity, religion and the like.",
    ),
    field(
        "sensitive_attributes",
        "Sensitive attributes",
        T::Tags,
        false,
        "Columns fairness checks group by.",
    ),
    field("known_biases", "Known biases", T::Text, false, ""),
    field(
        "retention_days",
        "Retention (days)",
        T::Integer {
            min: 1,
            max: 36_500,
        },
        false,
        "How long a version is kept after it is registered.",
    ),
    field(
        "retention_rule",
        "Retention rule",
        T::Line,
        false,
        "The legal or policy basis of the retention period.",
    ),
    field("last_review", "Last review", T::Date, false, ""),
    field(
        "review_cycle_months",
        "Review every (months)",
        T::Integer { min: 1, max: 120 },
        false,
        "",
    ),
    field(
        "external_ref",
        "External reference",
        T::Line,
        false,
        "Its name elsewhere, such as openlineage:<namespace>/<name>.",
    ),
];

const DATASET_VERSION: &[FieldSpec] = &[
    field(
        "dataset_id",
        "Dataset",
        T::Ref {
            kind: Kind::Dataset,
            relation: "version_of",
        },
        true,
        "",
    ),
    field("version", "Version", T::Line, true, ""),
    field("file_name", "File", T::Line, false, ""),
    field(
        "sha256",
        "Content SHA-256",
        T::Sha256,
        false,
        "`aims dataset register <file>` computes it.",
    ),
    field(
        "row_count",
        "Rows",
        T::Integer {
            min: 0,
            max: i64::MAX,
        },
        false,
        "",
    ),
    field(
        "schema",
        "Schema",
        T::Table(&["name", "type"]),
        false,
        "One column per line: name | type.",
    ),
    field(
        "parents",
        "Derived from",
        T::Refs {
            kind: Kind::DatasetVersion,
            relation: "derived_from",
        },
        false,
        "The dataset versions this one was made from (lineage).",
    ),
    field(
        "retain_until",
        "Keep until",
        T::Date,
        false,
        "Filled from the dataset's retention period when empty.",
    ),
    field("notes", "Notes", T::Text, false, ""),
    field(
        "external_ref",
        "External reference",
        T::Line,
        false,
        "Its id elsewhere, such as an OpenLineage run.",
    ),
];

const VENDOR: &[FieldSpec] = &[
    field("name", "Name", T::Line, true, ""),
    field("supplies", "Supplies", T::Choices(SUPPLIES), true, ""),
    field("description", "Description", T::Text, false, ""),
    field("contact", "Contact", T::Line, false, ""),
    field("contract_start", "Contract start", T::Date, false, ""),
    field("contract_end", "Contract end", T::Date, false, ""),
    field(
        "responsibilities",
        "Allocated responsibilities",
        T::Table(&["responsibility", "party"]),
        false,
        "One per line: responsibility | vendor or us.",
    ),
    field(
        "assessment",
        "Assessment",
        T::Scores(VENDOR_QUESTIONS),
        false,
        "Each question scored 0 (no) to 4 (fully).",
    ),
    field("last_review", "Last review", T::Date, false, ""),
    field(
        "review_cycle_months",
        "Review every (months)",
        T::Integer { min: 1, max: 120 },
        false,
        "",
    ),
];

const ENTERPRISE_SYSTEM: &[FieldSpec] = &[
    field("name", "Name", T::Line, true, ""),
    field(
        "category",
        "Category",
        T::Choice(ENTERPRISE_CATEGORIES),
        true,
        "",
    ),
    field("owner", "Owner", T::Line, false, ""),
    field(
        "vendor_id",
        "Supplied by",
        T::Ref {
            kind: Kind::Vendor,
            relation: "supplied_by",
        },
        false,
        "",
    ),
    field("description", "Description", T::Text, false, ""),
];

const BUSINESS_UNIT: &[FieldSpec] = &[
    field("name", "Name", T::Line, true, ""),
    field(
        "parent_id",
        "Part of",
        T::Ref {
            kind: Kind::BusinessUnit,
            relation: "child_of",
        },
        false,
        "Empty for a top-level organisation.",
    ),
    field("lead", "Lead", T::Line, false, ""),
    field("description", "Description", T::Text, false, ""),
];

const GOVERNANCE_BODY: &[FieldSpec] = &[
    field("name", "Name", T::Line, true, ""),
    field("tier", "Tier", T::Choice(BODY_TIERS), true, ""),
    field(
        "parent_id",
        "Reports to",
        T::Ref {
            kind: Kind::GovernanceBody,
            relation: "reports_to",
        },
        false,
        "",
    ),
    field(
        "business_unit_id",
        "Business unit",
        T::Ref {
            kind: Kind::BusinessUnit,
            relation: "serves",
        },
        false,
        "",
    ),
    field(
        "mandate",
        "Mandate",
        T::Text,
        false,
        "What it decides and on whose authority.",
    ),
    field(
        "members",
        "Members",
        T::Table(&["name", "role"]),
        false,
        "One per line: name | chair, member or secretary.",
    ),
];

const RACI: &[FieldSpec] = &[
    field(
        "name",
        "Name",
        T::Line,
        true,
        "The AIMS process or AI system the chart covers.",
    ),
    field(
        "ai_system_id",
        "AI system",
        T::Ref {
            kind: Kind::AiSystem,
            relation: "raci_for",
        },
        false,
        "Empty for an AIMS process.",
    ),
    field(
        "rows",
        "Activities",
        T::Table(&[
            "activity",
            "responsible",
            "accountable",
            "consulted",
            "informed",
        ]),
        true,
        "One per line: activity | R | A | C | I.",
    ),
];

/// A reference from one record's fields to another record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub field: &'static str,
    pub relation: &'static str,
    pub kind: Kind,
    pub id: Uuid,
}

/// The references a validated field object makes, in field order.
pub fn references(kind: Kind, fields: &Map<String, Value>) -> Vec<Reference> {
    let mut out = Vec::new();
    for spec in kind.fields() {
        let (target, relation, ids): (Kind, &'static str, Vec<&str>) =
            match (spec.ty, fields.get(spec.name)) {
                (FieldType::Ref { kind, relation }, Some(Value::String(id))) => {
                    (kind, relation, vec![id.as_str()])
                }
                (FieldType::Refs { kind, relation }, Some(Value::Array(ids))) => (
                    kind,
                    relation,
                    ids.iter().filter_map(Value::as_str).collect(),
                ),
                _ => continue,
            };
        for id in ids {
            if let Ok(id) = Uuid::parse_str(id) {
                out.push(Reference {
                    field: spec.name,
                    relation,
                    kind: target,
                    id,
                });
            }
        }
    }
    out
}

/// Validates the fields of a `kind` record; the name is taken from its name field.
pub fn validate_record(kind: Kind, input: &Value) -> Result<ValidatedRecord, ValidationErrors> {
    if kind == Kind::AiSystem {
        return Err(ValidationErrors::single(
            "kind",
            "AI systems have their own register",
        ));
    }
    let fields = validate(kind.fields(), input)?;
    let name = fields
        .get(kind.name_field())
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let parent = kind
        .parent_field()
        .and_then(|field| fields.get(field))
        .and_then(Value::as_str)
        .and_then(|id| Uuid::parse_str(id).ok());
    Ok(ValidatedRecord {
        name,
        parent,
        fields,
    })
}

/// A record's fields after validation, with the columns the store indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedRecord {
    pub name: String,
    pub parent: Option<Uuid>,
    pub fields: Map<String, Value>,
}

/// Explicit links from an AI system to what it depends on (the graph edges that no
/// record field implies).
pub const SYSTEM_RELATIONS: &[(&str, &str, &[Kind])] = &[
    (
        "uses_model",
        "Uses model",
        &[Kind::ModelVersion, Kind::Model],
    ),
    (
        "uses_dataset",
        "Uses data",
        &[Kind::DatasetVersion, Kind::Dataset],
    ),
    ("supplied_by", "Supplied by", &[Kind::Vendor]),
    (
        "exchanges_data",
        "Exchanges data with",
        &[Kind::EnterpriseSystem],
    ),
    ("runs_on", "Runs on", &[Kind::EnterpriseSystem]),
];

vocabulary! {
    /// Which way data flows between an AI system and an enterprise system.
    pub enum FlowDirection {
        Inbound => ("inbound", "Into the AI system"),
        Outbound => ("outbound", "Out of the AI system"),
        Both => ("both", "Both ways"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_declares_its_name_and_parent_fields() {
        for kind in Kind::RECORDS {
            let names: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
            assert!(names.contains(&kind.name_field()), "{kind}");
            if let Some(parent) = kind.parent_field() {
                assert!(names.contains(&parent), "{kind}");
            }
        }
    }

    #[test]
    fn unknown_and_missing_fields_are_named() {
        let error = validate_record(Kind::Model, &json!({"nmae": "x"})).err();
        let error = error.map(|e| e.errors).unwrap_or_default();
        assert!(
            error
                .iter()
                .any(|e| e.field == "nmae" && e.message.contains("not a field"))
        );
        assert!(
            error
                .iter()
                .any(|e| e.field == "name" && e.message == "is required")
        );
    }

    #[test]
    fn values_are_normalised_and_checked() {
        let model = Uuid::new_v4();
        let parent = Uuid::new_v4();
        let record = validate_record(
            Kind::ModelVersion,
            &json!({"model_id": model.to_string(), "version": " 3 ", "metrics": {"auc": 0.81},
                    "training_datasets": [parent.to_string(), parent.to_string()],
                    "artifact_sha256": "AB".repeat(32)}),
        );
        let Ok(record) = record else {
            unreachable!("valid: {record:?}")
        };
        assert_eq!(record.name, "3");
        assert_eq!(record.parent, Some(model));
        assert_eq!(record.fields["artifact_sha256"], json!("ab".repeat(32)));
        assert_eq!(
            record.fields["training_datasets"],
            json!([parent.to_string()])
        );
        let refs = references(Kind::ModelVersion, &record.fields);
        assert_eq!(refs.len(), 2);
        assert_eq!(
            (refs[0].relation, refs[0].kind),
            ("version_of", Kind::Model)
        );
        assert_eq!(
            (refs[1].relation, refs[1].kind),
            ("trained_on", Kind::DatasetVersion)
        );

        let bad = validate_record(
            Kind::Vendor,
            &json!({"name": "V", "supplies": ["model", "robots"], "assessment": {"governance": 9, "nope": 1},
                    "contract_end": "31/12/2026", "review_cycle_months": "x"}),
        )
        .err()
        .map(|e| e.errors)
        .unwrap_or_default();
        let fields: Vec<&str> = bad.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "supplies",
            "assessment.governance",
            "assessment.nope",
            "contract_end",
            "review_cycle_months",
        ] {
            assert!(fields.contains(&expected), "{expected} in {fields:?}");
        }
    }

    #[test]
    fn tables_accept_rows_and_name_bad_cells() {
        let ok = validate_record(
            Kind::Raci,
            &json!({"name": "Model release", "rows": [{"activity": "Approve", "accountable": "Gina"}]}),
        );
        assert!(ok.is_ok_and(|r| r.fields["rows"][0]["responsible"] == json!("")));
        let bad = validate_record(Kind::Raci, &json!({"name": "x", "rows": [{"who": "me"}]}))
            .err()
            .map(|e| e.errors)
            .unwrap_or_default();
        assert!(bad.iter().any(|e| e.field == "rows[0].who"));
        assert!(bad.iter().any(|e| e.field == "rows[0].activity"));
    }

    #[test]
    fn questionnaires_score_to_a_result() {
        let all_strong: Map<String, Value> = VENDOR_QUESTIONS
            .iter()
            .map(|(id, _)| ((*id).to_owned(), json!(4)))
            .collect();
        assert_eq!(
            assess(VENDOR_QUESTIONS, &Value::Object(all_strong)).result,
            "approved"
        );
        let half = json!({"governance": 2, "documentation": 2});
        let assessed = assess(VENDOR_QUESTIONS, &half);
        assert_eq!((assessed.score, assessed.result), (50.0, "conditional"));
        assert_eq!(assess(VENDOR_QUESTIONS, &json!({})).result, "not_assessed");
        assert_eq!(
            assess(VENDOR_QUESTIONS, &json!({"governance": 1})).result,
            "rejected"
        );
    }
}
