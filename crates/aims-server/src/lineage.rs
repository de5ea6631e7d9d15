//! OpenLineage ingestion: `POST /api/v1/lineage`, Marquez-compatible, turns the RunEvents
//! that pipelines (Airflow, Spark, dbt, …) emit into dataset records, dataset versions and
//! `derived_from` lineage edges in the inventory.
//!
//! Why: ISO/IEC 42001 A.7.5 asks for the provenance of data used by AI systems to be
//! recorded. Pipelines already describe what they read and wrote as OpenLineage events;
//! taking those in keeps the inventory's lineage true without anyone retyping it, and
//! keeping every event verbatim makes the provenance itself auditable.
//!
//! Three steps, kept apart so each can be tested without a database:
//!
//! 1. [`validate_event`] checks the body against the official OpenLineage 2-0-2 schema
//!    (vendored in `schemas/openlineage-2/`, compiled once) as a RunEvent, with formats
//!    (`date-time`, `uuid`, `uri`) enforced, and names every violation by JSON pointer.
//! 2. [`plan`] reads what AIMS keeps from a valid event into a [`LineagePlan`].
//! 3. [`LineagePlan::actions`] lists the store writes, in order, as [`LineageAction`]s;
//!    [`apply`] carries them out against any [`LineageStore`] (one write transaction).
//!
//! Datasets are keyed as OpenLineage keys them, by namespace and name, through the
//! record's `external_ref`: `openlineage:<namespace>/<name>`. A dataset version is made
//! per output of a `COMPLETE` run, keyed `openlineage:<namespace>/<name>@<runId>`, so a
//! re-sent event changes nothing.

use std::future::Future;
use std::sync::OnceLock;

use aims_core::inventory::Kind;
use aims_store::{InventoryItem, StoreError};
use jsonschema::{Registry, Validator};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The OpenLineage 2-0-2 event schema, unmodified.
const OPENLINEAGE_SCHEMA: &str = include_str!("../schemas/openlineage-2/OpenLineage.json");
/// Its `$id`.
pub const OPENLINEAGE_SCHEMA_ID: &str = "https://openlineage.io/spec/2-0-2/OpenLineage.json";

/// The prefix of the `external_ref` of records made from OpenLineage datasets.
pub const EXTERNAL_REF_PREFIX: &str = "openlineage:";

fn build_validator() -> Result<Validator, String> {
    let schema: Value = serde_json::from_str(OPENLINEAGE_SCHEMA)
        .map_err(|e| format!("the OpenLineage schema is not JSON: {e}"))?;
    let registry = Registry::new()
        .add(OPENLINEAGE_SCHEMA_ID, schema)
        .and_then(|builder| builder.prepare())
        .map_err(|e| format!("the OpenLineage schema does not load: {e}"))?;
    // The server takes run events; DatasetEvent and JobEvent (static metadata) are not
    // ingested. Validating against RunEvent itself, rather than the root `oneOf`, also
    // gives errors that point at the offending field instead of "matches no branch".
    let run_event = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("{OPENLINEAGE_SCHEMA_ID}#/$defs/RunEvent"),
    });
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&run_event)
        .map_err(|e| format!("the OpenLineage schema does not compile: {e}"))
}

fn validator() -> Result<&'static Validator, String> {
    static VALIDATOR: OnceLock<Result<Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(build_validator)
        .as_ref()
        .map_err(Clone::clone)
}

/// Checks `body` is an OpenLineage 2 RunEvent. Each error reads `<JSON pointer>: <what is
/// wrong>` (the pointer is empty for the event itself), with the offending value masked so
/// that error responses and logs never echo data back.
pub fn validate_event(body: &Value) -> Result<(), Vec<String>> {
    let validator = validator().map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    for error in validator.iter_errors(body) {
        describe(&error, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Adds the messages of one error. The schema wraps every facet map in a one-branch
/// `anyOf`; its failure says only "not valid under any of the schemas", so the branch's
/// own errors, which name the facet and the field, are reported instead.
fn describe(error: &jsonschema::ValidationError<'_>, out: &mut Vec<String>) {
    match error.kind() {
        jsonschema::error::ValidationErrorKind::AnyOf { context }
        | jsonschema::error::ValidationErrorKind::OneOfNotValid { context }
            if context.len() == 1 && context.iter().all(|branch| !branch.is_empty()) =>
        {
            for inner in context.iter().flatten() {
                describe(inner, out);
            }
        }
        _ => out.push(format!("{}: {}", error.instance_path(), error.masked())),
    }
}

/// What AIMS takes from one RunEvent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineagePlan {
    /// START, RUNNING, COMPLETE, ABORT, FAIL or OTHER.
    pub event_type: String,
    /// As sent (RFC 3339).
    pub event_time: String,
    pub run_id: String,
    pub job: JobRef,
    pub producer: String,
    pub inputs: Vec<LineageDataset>,
    pub outputs: Vec<LineageDataset>,
}

/// An OpenLineage job, by namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobRef {
    pub namespace: String,
    pub name: String,
}

impl JobRef {
    /// `namespace/name`, the `job` column of `lineage_events`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// An input or output dataset, with the facets AIMS reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LineageDataset {
    pub namespace: String,
    pub name: String,
    /// The `schema` facet's fields (top level only), as `name` and `type`.
    pub fields: Vec<SchemaField>,
    /// `outputStatistics.rowCount` for outputs, `dataQualityMetrics.rowCount` for inputs.
    pub row_count: Option<i64>,
    /// The `version` facet's `datasetVersion`.
    pub version: Option<String>,
    /// The `documentation` facet's description.
    pub description: Option<String>,
    /// The `ownership` facet's owner names.
    pub owners: Vec<String>,
    /// The `dataSource` facet's URI, else its name.
    pub source: Option<String>,
}

/// One column of a dataset, shaped like a row of the `dataset_version.schema` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaField {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
}

impl LineageDataset {
    /// `openlineage:<namespace>/<name>`: the dataset record's `external_ref`.
    pub fn external_ref(&self) -> String {
        format!("{EXTERNAL_REF_PREFIX}{}/{}", self.namespace, self.name)
    }

    /// The `dataset` fields to register it with.
    fn dataset_fields(&self) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("name".into(), Value::from(self.name.clone()));
        fields.insert("external_ref".into(), Value::from(self.external_ref()));
        fields.insert(
            "source".into(),
            Value::from(
                self.source
                    .clone()
                    .unwrap_or_else(|| self.namespace.clone()),
            ),
        );
        if let Some(description) = &self.description {
            fields.insert("description".into(), Value::from(description.clone()));
        }
        if !self.owners.is_empty() {
            fields.insert("owner".into(), Value::from(self.owners.join(", ")));
        }
        fields
    }
}

/// Reads the plan out of an event. Call [`validate_event`] first: on an event that is not
/// a valid RunEvent, missing parts come out empty rather than failing.
pub fn plan(event: &Value) -> LineagePlan {
    let text = |pointer: &str| {
        event
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let datasets = |key: &str, statistics: &str| -> Vec<LineageDataset> {
        event
            .get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().map(|d| dataset(d, statistics)).collect())
            .unwrap_or_default()
    };
    LineagePlan {
        event_type: text("/eventType"),
        event_time: text("/eventTime"),
        run_id: text("/run/runId"),
        job: JobRef {
            namespace: text("/job/namespace"),
            name: text("/job/name"),
        },
        producer: text("/producer"),
        inputs: datasets("inputs", "/inputFacets/dataQualityMetrics/rowCount"),
        outputs: datasets("outputs", "/outputFacets/outputStatistics/rowCount"),
    }
}

fn dataset(value: &Value, row_count_pointer: &str) -> LineageDataset {
    let text = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let names = |pointer: &str, key: &str| -> Vec<(String, String)> {
        value
            .pointer(pointer)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| {
                        let name = item.get("name")?.as_str()?.trim();
                        let other = item.get(key).and_then(Value::as_str).unwrap_or_default();
                        (!name.is_empty()).then(|| (name.to_owned(), other.trim().to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    LineageDataset {
        namespace: text("/namespace").unwrap_or_default(),
        name: text("/name").unwrap_or_default(),
        fields: names("/facets/schema/fields", "type")
            .into_iter()
            .map(|(name, ty)| SchemaField { name, ty })
            .collect(),
        row_count: value.pointer(row_count_pointer).and_then(Value::as_i64),
        version: text("/facets/version/datasetVersion"),
        description: text("/facets/documentation/description"),
        owners: names("/facets/ownership/owners", "type")
            .into_iter()
            .map(|(name, _)| name)
            .collect(),
        source: text("/facets/dataSource/uri").or_else(|| text("/facets/dataSource/name")),
    }
}

/// Picks a dataset version: by label when `version` is given, else the latest one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionSelector {
    /// The dataset's `external_ref`.
    pub dataset: String,
    pub version: Option<String>,
}

/// One store write, in the order [`LineagePlan::actions`] gives them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum LineageAction {
    /// Keep the event verbatim (`lineage_events`: run id, job key, type, time, the raw
    /// body and its SHA-256). Always first, for every event type.
    RecordEvent {
        run_id: String,
        job: String,
        event_type: String,
        event_time: String,
    },
    /// Find the `dataset` record whose `external_ref` is `external_ref`; create it from
    /// `fields` when there is none; otherwise fill only the fields that are empty, so
    /// what people wrote in AIMS is never overwritten by a pipeline.
    UpsertDataset {
        external_ref: String,
        fields: Map<String, Value>,
    },
    /// Make sure an input has a version to derive from: the version labelled `version`
    /// when given, else the latest version; when there is none, create one labelled
    /// `version` or, failing that, `label_if_new`.
    EnsureInputVersion {
        dataset: String,
        version: Option<String>,
        label_if_new: String,
    },
    /// Create (or, if `external_ref` exists, leave alone) the `dataset_version` of dataset
    /// `dataset` with `fields`, its `parents` (`derived_from` edges) being the versions
    /// `derived_from` selects.
    UpsertDatasetVersion {
        dataset: String,
        external_ref: String,
        fields: Map<String, Value>,
        derived_from: Vec<VersionSelector>,
    },
}

impl LineagePlan {
    /// Whether the run finished and its outputs exist.
    pub fn is_complete(&self) -> bool {
        self.event_type == "COMPLETE"
    }

    /// The store writes for this event: record it; register every dataset it names; on
    /// COMPLETE, one version per output derived from the inputs' versions.
    pub fn actions(&self) -> Vec<LineageAction> {
        let mut actions = vec![LineageAction::RecordEvent {
            run_id: self.run_id.clone(),
            job: self.job.key(),
            event_type: self.event_type.clone(),
            event_time: self.event_time.clone(),
        }];
        let mut seen = std::collections::BTreeSet::new();
        for dataset in self.inputs.iter().chain(&self.outputs) {
            if seen.insert(dataset.external_ref()) {
                actions.push(LineageAction::UpsertDataset {
                    external_ref: dataset.external_ref(),
                    fields: dataset.dataset_fields(),
                });
            }
        }
        if !self.is_complete() || self.outputs.is_empty() {
            return actions;
        }
        let observed = format!("observed {}", self.event_time);
        let mut derived_from = Vec::new();
        for input in &self.inputs {
            let selector = VersionSelector {
                dataset: input.external_ref(),
                version: input.version.clone(),
            };
            if !derived_from.contains(&selector) {
                actions.push(LineageAction::EnsureInputVersion {
                    dataset: selector.dataset.clone(),
                    version: selector.version.clone(),
                    label_if_new: observed.clone(),
                });
                derived_from.push(selector);
            }
        }
        for output in &self.outputs {
            let mut fields = Map::new();
            fields.insert(
                "version".into(),
                Value::from(
                    output
                        .version
                        .clone()
                        .unwrap_or_else(|| self.event_time.clone()),
                ),
            );
            fields.insert(
                "external_ref".into(),
                Value::from(format!("{}@{}", output.external_ref(), self.run_id)),
            );
            if let Some(rows) = output.row_count {
                fields.insert("row_count".into(), Value::from(rows));
            }
            if !output.fields.is_empty() {
                fields.insert("schema".into(), json!(output.fields));
            }
            fields.insert(
                "notes".into(),
                Value::from(format!(
                    "Written by OpenLineage job {} in run {} ({}).",
                    self.job.key(),
                    self.run_id,
                    self.producer
                )),
            );
            actions.push(LineageAction::UpsertDatasetVersion {
                dataset: output.external_ref(),
                external_ref: format!("{}@{}", output.external_ref(), self.run_id),
                fields,
                // A job that reads and writes the same dataset does not derive from itself.
                derived_from: derived_from
                    .iter()
                    .filter(|s| s.dataset != output.external_ref())
                    .cloned()
                    .collect(),
            });
        }
        actions
    }
}

/// The store operations ingestion needs, inside one write transaction. `aims_store`'s
/// `WriteTx` provides `insert_item`, `save_item` and `item_by_external_ref` already; the
/// event table and the version listing need public store functions.
pub trait LineageStore {
    /// Stores the raw event in `lineage_events` (and appends its ledger entry).
    fn record_event(
        &mut self,
        raw: &Value,
        plan: &LineagePlan,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The record of `kind` whose `external_ref` field is `external_ref`.
    fn by_external_ref(
        &mut self,
        kind: Kind,
        external_ref: &str,
    ) -> impl Future<Output = Result<Option<InventoryItem>, StoreError>> + Send;
    /// The versions of a dataset, oldest first.
    fn versions_of(
        &mut self,
        dataset: Uuid,
    ) -> impl Future<Output = Result<Vec<InventoryItem>, StoreError>> + Send;
    /// Validates and inserts a record.
    fn insert(
        &mut self,
        kind: Kind,
        fields: &Value,
    ) -> impl Future<Output = Result<InventoryItem, StoreError>> + Send;
    /// Replaces a record's fields (validated, edges rewritten), as `"updated"`.
    fn update(
        &mut self,
        item: &InventoryItem,
        fields: &Value,
    ) -> impl Future<Output = Result<InventoryItem, StoreError>> + Send;
}

/// What [`apply`] did, for the response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub datasets_created: Vec<Uuid>,
    pub datasets_updated: Vec<Uuid>,
    pub versions_created: Vec<Uuid>,
}

/// Carries out `plan`'s actions for the event `raw`. Run it inside one write transaction,
/// so an event is taken in whole or not at all.
pub async fn apply<S: LineageStore + Send>(
    store: &mut S,
    raw: &Value,
    plan: &LineagePlan,
) -> Result<Applied, StoreError> {
    let mut applied = Applied::default();
    for action in plan.actions() {
        match action {
            LineageAction::RecordEvent { .. } => store.record_event(raw, plan).await?,
            LineageAction::UpsertDataset {
                external_ref,
                fields,
            } => match store.by_external_ref(Kind::Dataset, &external_ref).await? {
                None => {
                    let item = store.insert(Kind::Dataset, &Value::Object(fields)).await?;
                    applied.datasets_created.push(item.id);
                }
                Some(item) => {
                    let mut merged = item.fields.clone();
                    let mut changed = false;
                    for (key, value) in fields {
                        if merged.get(&key).is_none_or(aims_core::inventory::is_empty) {
                            merged.insert(key, value);
                            changed = true;
                        }
                    }
                    if changed {
                        let item = store.update(&item, &Value::Object(merged)).await?;
                        applied.datasets_updated.push(item.id);
                    }
                }
            },
            LineageAction::EnsureInputVersion {
                dataset,
                version,
                label_if_new,
            } => {
                let selector = VersionSelector {
                    dataset: dataset.clone(),
                    version: version.clone(),
                };
                if select(store, &selector).await?.is_none() {
                    let parent = dataset_id(store, &dataset).await?;
                    let label = version.unwrap_or(label_if_new);
                    let item = store
                        .insert(
                            Kind::DatasetVersion,
                            &json!({"dataset_id": parent, "version": label,
                                    "notes": "Registered from an OpenLineage run that read it."}),
                        )
                        .await?;
                    applied.versions_created.push(item.id);
                }
            }
            LineageAction::UpsertDatasetVersion {
                dataset,
                external_ref,
                mut fields,
                derived_from,
            } => {
                if store
                    .by_external_ref(Kind::DatasetVersion, &external_ref)
                    .await?
                    .is_some()
                {
                    continue;
                }
                let mut parents = Vec::new();
                for selector in &derived_from {
                    if let Some(version) = select(store, selector).await?
                        && !parents.contains(&version.id)
                    {
                        parents.push(version.id);
                    }
                }
                fields.insert(
                    "dataset_id".into(),
                    Value::from(dataset_id(store, &dataset).await?.to_string()),
                );
                fields.insert("parents".into(), json!(parents));
                let item = store
                    .insert(Kind::DatasetVersion, &Value::Object(fields))
                    .await?;
                applied.versions_created.push(item.id);
            }
        }
    }
    Ok(applied)
}

async fn dataset_id<S: LineageStore>(
    store: &mut S,
    external_ref: &str,
) -> Result<Uuid, StoreError> {
    store
        .by_external_ref(Kind::Dataset, external_ref)
        .await?
        .map(|item| item.id)
        .ok_or_else(|| StoreError::NotFound {
            entity: Kind::Dataset.label(),
            id: external_ref.to_owned(),
        })
}

/// The version a selector picks, if the dataset has it.
async fn select<S: LineageStore>(
    store: &mut S,
    selector: &VersionSelector,
) -> Result<Option<InventoryItem>, StoreError> {
    let Some(dataset) = store
        .by_external_ref(Kind::Dataset, &selector.dataset)
        .await?
    else {
        return Ok(None);
    };
    let versions = store.versions_of(dataset.id).await?;
    Ok(match &selector.version {
        Some(label) => versions.into_iter().find(|v| &v.name == label),
        None => versions.into_iter().rev().find(|v| v.status != "deleted"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    const RUN_ID: &str = "0176a8c2-fe01-7439-87e6-56a1a1b4029f";

    fn facet() -> Value {
        json!({"_producer": "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/airflow",
               "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json"})
    }

    fn with(base: Value, extra: Value) -> Value {
        let mut out = base;
        if let (Some(out), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
            out.extend(extra.clone());
        }
        out
    }

    /// A COMPLETE RunEvent shaped like the spec's examples.
    fn event() -> Value {
        json!({
            "eventType": "COMPLETE",
            "eventTime": "2026-11-30T22:15:04.123Z",
            "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/airflow",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": RUN_ID, "facets": {}},
            "job": {"namespace": "airflow-prod", "name": "credit.build_features"},
            "inputs": [{
                "namespace": "postgres://core-db:5432",
                "name": "lending.public.applications",
                "facets": {
                    "schema": with(facet(), json!({"fields": [{"name": "id", "type": "BIGINT"}, {"name": "income", "type": "NUMERIC"}]})),
                    "version": with(facet(), json!({"datasetVersion": "2026-11"})),
                },
                "inputFacets": {"dataQualityMetrics": with(facet(), json!({"rowCount": 120_000, "columnMetrics": {}}))}
            }],
            "outputs": [{
                "namespace": "s3://ml-features",
                "name": "credit/features.parquet",
                "facets": {
                    "schema": with(facet(), json!({"fields": [{"name": "id", "type": "long"}, {"name": "dti", "type": "double"}]})),
                    "documentation": with(facet(), json!({"description": "Features for credit-pd"})),
                    "ownership": with(facet(), json!({"owners": [{"name": "team:credit-ml", "type": "team"}]})),
                    "dataSource": with(facet(), json!({"name": "ml-features", "uri": "s3://ml-features"}))
                },
                "outputFacets": {"outputStatistics": with(facet(), json!({"rowCount": 118_500, "size": 9_000_000}))}
            }]
        })
    }

    fn errors(event: &Value) -> Vec<String> {
        validate_event(event).err().unwrap_or_default()
    }

    #[test]
    fn the_schema_compiles_and_a_spec_shaped_event_is_valid() {
        assert_eq!(validate_event(&event()), Ok(()));
        let minimal = json!({"eventTime": "2026-11-30T22:15:04Z", "producer": "https://example.org/p",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": RUN_ID}, "job": {"namespace": "n", "name": "j"}});
        assert_eq!(validate_event(&minimal), Ok(()));
    }

    #[test]
    fn a_missing_run_id_is_named_with_its_path() {
        let mut event = event();
        event["run"].as_object_mut().unwrap().remove("runId");
        let errors = errors(&event);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("/run: "), "{errors:?}");
        assert!(errors[0].contains("runId"), "{errors:?}");
    }

    #[test]
    fn formats_are_enforced() {
        let mut event = event();
        event["eventTime"] = json!("2026-11-30 22:15");
        event["run"]["runId"] = json!("run-42");
        let errors = errors(&event);
        assert!(
            errors.iter().any(|e| e.starts_with("/eventTime: ")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.starts_with("/run/runId: ")),
            "{errors:?}"
        );
        // The offending values are not echoed back.
        assert!(!errors.iter().any(|e| e.contains("run-42")), "{errors:?}");

        let mut no_zone = self::event();
        no_zone["eventTime"] = json!("2026-11-30T22:15:04");
        assert!(!super::tests::errors(&no_zone).is_empty());
    }

    #[test]
    fn every_violation_is_listed() {
        let mut event = event();
        event["eventType"] = json!("FINISHED");
        event["job"].as_object_mut().unwrap().remove("name");
        event["outputs"][0]["facets"]["schema"]
            .as_object_mut()
            .unwrap()
            .remove("_producer");
        event.as_object_mut().unwrap().remove("producer");
        let errors = errors(&event);
        for expected in [
            r#": "producer" is a required property"#,
            "/eventType: value is not one of",
            r#"/job: "name" is a required property"#,
            r#"/outputs/0/facets/schema: "_producer" is a required property"#,
        ] {
            assert!(
                errors.iter().any(|e| e.starts_with(expected)),
                "{expected} in {errors:?}"
            );
        }
        assert_eq!(errors.len(), 4, "{errors:?}");
    }

    #[test]
    fn unknown_top_level_keys_are_allowed_as_the_schema_allows_them() {
        // The RunEvent schema does not set additionalProperties: producers may add keys.
        let event = with(event(), json!({"x-custom": {"anything": true}}));
        assert_eq!(validate_event(&event), Ok(()));
    }

    #[test]
    fn static_dataset_events_and_non_objects_are_refused() {
        let dataset_event = json!({"eventTime": "2026-11-30T22:15:04Z", "producer": "https://example.org/p",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
            "dataset": {"namespace": "n", "name": "d"}});
        assert!(!errors(&dataset_event).is_empty());
        assert!(!errors(&json!([1, 2])).is_empty());
    }

    #[test]
    fn the_plan_reads_run_job_datasets_and_facets() {
        let plan = plan(&event());
        assert_eq!(plan.event_type, "COMPLETE");
        assert_eq!(plan.event_time, "2026-11-30T22:15:04.123Z");
        assert_eq!(plan.run_id, RUN_ID);
        assert_eq!(plan.job.key(), "airflow-prod/credit.build_features");
        let input = &plan.inputs[0];
        assert_eq!(
            input.external_ref(),
            "openlineage:postgres://core-db:5432/lending.public.applications"
        );
        assert_eq!(input.version.as_deref(), Some("2026-11"));
        assert_eq!(input.row_count, Some(120_000));
        let output = &plan.outputs[0];
        assert_eq!(output.row_count, Some(118_500));
        assert_eq!(
            output.fields,
            vec![
                SchemaField {
                    name: "id".into(),
                    ty: "long".into()
                },
                SchemaField {
                    name: "dti".into(),
                    ty: "double".into()
                },
            ]
        );
        assert_eq!(output.owners, vec!["team:credit-ml".to_owned()]);
        assert_eq!(output.source.as_deref(), Some("s3://ml-features"));
        assert_eq!(
            output.description.as_deref(),
            Some("Features for credit-pd")
        );
    }

    #[test]
    fn complete_events_make_versions_derived_from_the_inputs() {
        let actions = plan(&event()).actions();
        assert!(
            matches!(&actions[0], LineageAction::RecordEvent { job, .. } if job == "airflow-prod/credit.build_features")
        );
        let upserts: Vec<&str> = actions
            .iter()
            .filter_map(|a| match a {
                LineageAction::UpsertDataset { external_ref, .. } => Some(external_ref.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(upserts.len(), 2);
        let Some(LineageAction::UpsertDatasetVersion {
            dataset,
            external_ref,
            fields,
            derived_from,
        }) = actions.last()
        else {
            panic!("no version: {actions:?}")
        };
        assert_eq!(
            dataset,
            "openlineage:s3://ml-features/credit/features.parquet"
        );
        assert_eq!(external_ref, &format!("{dataset}@{RUN_ID}"));
        assert_eq!(fields["version"], "2026-11-30T22:15:04.123Z");
        assert_eq!(fields["row_count"], 118_500);
        assert_eq!(
            fields["schema"][1],
            json!({"name": "dti", "type": "double"})
        );
        assert_eq!(
            derived_from,
            &vec![VersionSelector {
                dataset: "openlineage:postgres://core-db:5432/lending.public.applications".into(),
                version: Some("2026-11".into())
            }]
        );
        assert!(actions.iter().any(|a| matches!(a, LineageAction::EnsureInputVersion { version: Some(v), .. } if v == "2026-11")));
    }

    #[test]
    fn runs_not_complete_only_record_the_event_and_datasets() {
        for event_type in ["START", "RUNNING", "FAIL", "ABORT", "OTHER"] {
            let mut event = event();
            event["eventType"] = json!(event_type);
            let actions = plan(&event).actions();
            assert_eq!(actions.len(), 3, "{event_type}: {actions:?}");
            assert!(!actions.iter().any(|a| matches!(
                a,
                LineageAction::UpsertDatasetVersion { .. }
                    | LineageAction::EnsureInputVersion { .. }
            )));
        }
    }

    /// An in-memory store: records by kind, with the fields as given.
    #[derive(Default)]
    struct Memory {
        items: Vec<InventoryItem>,
        events: Vec<Value>,
    }

    impl Memory {
        fn item(&self, id: Uuid) -> &InventoryItem {
            self.items.iter().find(|i| i.id == id).unwrap()
        }
    }

    impl LineageStore for Memory {
        async fn record_event(&mut self, raw: &Value, _: &LineagePlan) -> Result<(), StoreError> {
            self.events.push(raw.clone());
            Ok(())
        }
        async fn by_external_ref(
            &mut self,
            kind: Kind,
            external_ref: &str,
        ) -> Result<Option<InventoryItem>, StoreError> {
            Ok(self
                .items
                .iter()
                .find(|i| i.kind == kind && i.text("external_ref") == external_ref)
                .cloned())
        }
        async fn versions_of(&mut self, dataset: Uuid) -> Result<Vec<InventoryItem>, StoreError> {
            Ok(self
                .items
                .iter()
                .filter(|i| i.parent_id == Some(dataset))
                .cloned()
                .collect())
        }
        async fn insert(
            &mut self,
            kind: Kind,
            fields: &Value,
        ) -> Result<InventoryItem, StoreError> {
            let fields = fields.as_object().cloned().unwrap_or_default();
            let parent_id = fields
                .get("dataset_id")
                .and_then(Value::as_str)
                .and_then(|id| Uuid::parse_str(id).ok());
            let item = InventoryItem {
                id: Uuid::new_v4(),
                kind,
                name: fields
                    .get(kind.name_field())
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                parent_id,
                status: kind.initial_status().to_owned(),
                fields,
                archived: false,
                version: 1,
                created_at: String::new(),
                updated_at: String::new(),
                parent_name: None,
            };
            self.items.push(item.clone());
            Ok(item)
        }
        async fn update(
            &mut self,
            item: &InventoryItem,
            fields: &Value,
        ) -> Result<InventoryItem, StoreError> {
            let stored = self.items.iter_mut().find(|i| i.id == item.id).unwrap();
            stored.fields = fields.as_object().cloned().unwrap_or_default();
            stored.version += 1;
            Ok(stored.clone())
        }
    }

    #[tokio::test]
    async fn applying_twice_writes_once_and_links_the_lineage() {
        let mut store = Memory::default();
        let event = event();
        let first = apply(&mut store, &event, &plan(&event)).await.unwrap();
        assert_eq!(first.datasets_created.len(), 2);
        assert_eq!(
            first.versions_created.len(),
            2,
            "the input's version and the output's"
        );
        let output = store.item(first.versions_created[1]).clone();
        let input = store.item(first.versions_created[0]).clone();
        assert_eq!(input.name, "2026-11");
        assert_eq!(output.ids("parents"), vec![input.id]);

        // A person documents the dataset; the pipeline re-sends the event.
        let dataset = store
            .items
            .iter()
            .find(|i| i.kind == Kind::Dataset && i.name == "credit/features.parquet")
            .unwrap()
            .clone();
        let mut edited = dataset.fields.clone();
        edited.insert("description".into(), json!("Curated by the credit team"));
        store
            .update(&dataset, &Value::Object(edited))
            .await
            .unwrap();
        let again = apply(&mut store, &event, &plan(&event)).await.unwrap();
        assert_eq!(again, Applied::default());
        assert_eq!(store.events.len(), 2, "every event is kept");
        assert_eq!(
            store.item(dataset.id).text("description"),
            "Curated by the credit team"
        );
    }
}
