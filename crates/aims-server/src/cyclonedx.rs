//! CycloneDX 1.6 ML-BOM export of one AI system: the system, the model versions and
//! dataset versions it is built from, who supplied them and the enterprise systems it runs
//! on or exchanges data with.
//!
//! Why: ISO/IEC 42001 asks for documented AI system components and data (A.4.2 to A.4.5,
//! A.6.2.3, A.7) and for the supply chain to be known (A.10). CycloneDX is the format
//! customers, regulators and SBOM tooling already read, and 1.6 carries model cards and
//! dataset descriptions. The published `cyclonedx-bom` crate stops at spec 1.5 and cannot
//! write 1.6 model-card considerations, so this module has its own serde types for the
//! subset AIMS emits (see `shared/design/formats.md`).
//!
//! [`ml_bom`] is pure: the same [`BomInput`] always gives the same document, byte for byte
//! (the serial number is derived from the system id and the timestamp passed in; nothing
//! reads a clock). [`bom_for_system`] gathers the input from the store.
//!
//! Every element has a `bom-ref` of the form `<kind>:<uuid>` (`model_version:…`,
//! `dataset_version:…`, `ai_system:…`), so a BOM can be traced back to the inventory.

use std::collections::{BTreeMap, BTreeSet};

use aims_core::ai_system::AiSystem;
use aims_core::inventory::Kind;
use aims_store::{InventoryItem, Store, StoreError};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// The CycloneDX specification version written.
pub const SPEC_VERSION: &str = "1.6";

/// Namespace of the `properties` AIMS adds (CycloneDX property taxonomy style).
const NS: &str = "aims";

/// A model the system uses: a model version with its model, or a model on its own when
/// the system links to the model rather than one of its versions.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelEntry {
    pub model: InventoryItem,
    pub version: Option<InventoryItem>,
}

/// A dataset the system or one of its models uses: a dataset version with its dataset, or
/// a dataset on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetEntry {
    pub dataset: InventoryItem,
    pub version: Option<InventoryItem>,
    /// Linked from the system with `uses_dataset` (else reached only as a model
    /// version's training or evaluation data).
    pub direct: bool,
}

/// An enterprise system the AI system runs on or exchanges data with.
#[derive(Debug, Clone, PartialEq)]
pub struct EnterpriseEntry {
    pub system: InventoryItem,
    /// Linked with `runs_on`: the AI system's platform.
    pub runs_on: bool,
    /// Linked with `exchanges_data`: the link's `direction` (`inbound`, `outbound`,
    /// `both`) and `data` attributes.
    pub data_flow: Option<DataFlow>,
}

/// The attributes of an `exchanges_data` link.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataFlow {
    pub direction: String,
    pub data: String,
}

/// Everything one BOM is made from. Order is kept: callers sort for stable output
/// ([`bom_for_system`] sorts by name).
#[derive(Debug, Clone, PartialEq)]
pub struct BomInput {
    pub system: AiSystem,
    /// Models linked from the system with `uses_model`.
    pub models: Vec<ModelEntry>,
    /// Datasets linked from the system with `uses_dataset`, then the training and
    /// evaluation data of its model versions, each once.
    pub datasets: Vec<DatasetEntry>,
    /// Every vendor referenced: the system's `supplied_by` vendors and the `vendor_id` of
    /// the models, datasets and enterprise systems above.
    pub vendors: Vec<InventoryItem>,
    /// The ids of the vendors linked from the system itself with `supplied_by`.
    pub system_vendors: Vec<Uuid>,
    pub enterprise_systems: Vec<EnterpriseEntry>,
    /// RFC 3339 date-time the BOM is stamped with, such as `2026-12-01T09:00:00Z`.
    pub timestamp: String,
}

/// The BOM serial number: a v5 UUID of the system id and the timestamp, so exporting the
/// same system at the same instant gives the same BOM.
pub fn serial_number(system_id: Uuid, timestamp: &str) -> String {
    format!(
        "urn:uuid:{}",
        Uuid::new_v5(&system_id, timestamp.as_bytes())
    )
}

/// `<kind>:<uuid>`, the `bom-ref` of a record.
pub fn bom_ref(kind: Kind, id: Uuid) -> String {
    format!("{}:{id}", kind.code())
}

/// Builds the CycloneDX 1.6 JSON document for `input`.
pub fn ml_bom(input: &BomInput) -> Value {
    let vendors: BTreeMap<Uuid, &InventoryItem> = input.vendors.iter().map(|v| (v.id, v)).collect();
    let supplier_of = |item: &InventoryItem| -> Option<OrganizationalEntity> {
        Uuid::parse_str(item.text("vendor_id"))
            .ok()
            .and_then(|id| vendors.get(&id))
            .map(|vendor| organization(vendor))
    };

    let system_ref = bom_ref(Kind::AiSystem, input.system.id);
    let mut components = Vec::new();
    let mut dependencies: Vec<Dependency> = Vec::new();
    let present: BTreeSet<String> = input.datasets.iter().map(DatasetEntry::bom_ref).collect();
    let mut system_depends = Vec::new();

    for entry in &input.models {
        let component = model_component(entry, supplier_of(&entry.model), &present);
        system_depends.push(component.bom_ref.clone());
        let training = entry
            .version
            .as_ref()
            .map(|v| v.ids("training_datasets"))
            .unwrap_or_default()
            .into_iter()
            .map(|id| bom_ref(Kind::DatasetVersion, id))
            .filter(|r| present.contains(r))
            .collect();
        dependencies.push(Dependency::new(component.bom_ref.clone(), training));
        components.push(component);
    }

    let direct: BTreeSet<Uuid> = input.direct_dataset_ids();
    for entry in &input.datasets {
        let component = dataset_component(entry, supplier_of(&entry.dataset));
        if direct.contains(&entry.id()) {
            system_depends.push(component.bom_ref.clone());
        }
        let parents = entry
            .version
            .as_ref()
            .map(|v| v.ids("parents"))
            .unwrap_or_default()
            .into_iter()
            .map(|id| bom_ref(Kind::DatasetVersion, id))
            .filter(|r| present.contains(r))
            .collect();
        dependencies.push(Dependency::new(component.bom_ref.clone(), parents));
        components.push(component);
    }

    for entry in &input.enterprise_systems {
        let component = enterprise_component(entry, supplier_of(&entry.system));
        system_depends.push(component.bom_ref.clone());
        dependencies.push(Dependency::new(component.bom_ref.clone(), Vec::new()));
        components.push(component);
    }

    dependencies.insert(0, Dependency::new(system_ref.clone(), system_depends));

    let system_supplier = input
        .system_vendors
        .iter()
        .find_map(|id| vendors.get(id))
        .map(|vendor| organization(vendor));
    let bom = Bom {
        bom_format: "CycloneDX",
        spec_version: SPEC_VERSION,
        serial_number: serial_number(input.system.id, &input.timestamp),
        version: 1,
        metadata: Metadata {
            timestamp: input.timestamp.clone(),
            tools: Tools {
                components: vec![Component {
                    name: "AIMS".into(),
                    version: Some(env!("CARGO_PKG_VERSION").into()),
                    description: Some("AI management system (ISO/IEC 42001)".into()),
                    ..Component::new("application", String::new())
                }],
            },
            component: system_component(&input.system, system_ref, system_supplier),
        },
        components,
        dependencies,
    };
    // Cannot fail: every map in these types has string keys.
    serde_json::to_value(&bom).unwrap_or(Value::Null)
}

impl DatasetEntry {
    /// The id of the version, or of the dataset when there is no version.
    pub fn id(&self) -> Uuid {
        self.version.as_ref().map_or(self.dataset.id, |v| v.id)
    }

    pub fn bom_ref(&self) -> String {
        match &self.version {
            Some(version) => bom_ref(Kind::DatasetVersion, version.id),
            None => bom_ref(Kind::Dataset, self.dataset.id),
        }
    }
}

impl ModelEntry {
    pub fn bom_ref(&self) -> String {
        match &self.version {
            Some(version) => bom_ref(Kind::ModelVersion, version.id),
            None => bom_ref(Kind::Model, self.model.id),
        }
    }
}

impl BomInput {
    /// Datasets the system uses directly, not only through a model version.
    fn direct_dataset_ids(&self) -> BTreeSet<Uuid> {
        self.datasets
            .iter()
            .filter(|d| d.direct)
            .map(DatasetEntry::id)
            .collect()
    }
}

// The serde types of the CycloneDX subset AIMS writes. Field names follow the schema.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "String::is_empty")]
    bom_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<OrganizationalEntity>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_card: Option<ModelCard>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    data: Vec<ComponentData>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

impl Component {
    fn new(kind: &'static str, bom_ref: String) -> Self {
        Self {
            kind,
            bom_ref,
            ..Self::default()
        }
    }
}

#[derive(Serialize, Default)]
struct OrganizationalEntity {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contact: Vec<Contact>,
}

#[derive(Serialize, Default)]
struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Serialize)]
struct LicenseChoice {
    license: License,
}

#[derive(Serialize)]
struct License {
    name: String,
}

#[derive(Serialize)]
struct ExternalReference {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

#[derive(Serialize)]
struct Property {
    name: String,
    value: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ModelCard {
    model_parameters: ModelParameters,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantitative_analysis: Option<QuantitativeAnalysis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    considerations: Option<Considerations>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ModelParameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    approach: Option<Approach>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    datasets: Vec<DatasetRef>,
}

#[derive(Serialize)]
struct Approach {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct DatasetRef {
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QuantitativeAnalysis {
    performance_metrics: Vec<PerformanceMetric>,
}

#[derive(Serialize)]
struct PerformanceMetric {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Considerations {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    use_cases: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    technical_limitations: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ComponentData {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    contents: Option<DataContents>,
    #[serde(skip_serializing_if = "Option::is_none")]
    classification: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sensitive_data: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    governance: Option<DataGovernance>,
}

#[derive(Serialize)]
struct DataContents {
    properties: Vec<Property>,
}

#[derive(Serialize, Default)]
struct DataGovernance {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    owners: Vec<ResponsibleParty>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    custodians: Vec<ResponsibleParty>,
}

/// Exactly one of the two (the schema's `oneOf`).
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum ResponsibleParty {
    Organization(OrganizationalEntity),
    Contact(Contact),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

impl Dependency {
    /// `dependsOn` must hold unique items: duplicates are dropped, first one kept.
    fn new(reference: String, depends_on: Vec<String>) -> Self {
        let mut seen = BTreeSet::new();
        let depends_on = depends_on
            .into_iter()
            .filter(|r| seen.insert(r.clone()))
            .collect();
        Self {
            reference,
            depends_on,
        }
    }
}

/// `Some(text)` unless blank.
fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn property(name: &str, value: impl Into<String>) -> Property {
    Property {
        name: format!("{NS}:{name}"),
        value: value.into(),
    }
}

/// Properties for the non-empty text fields named, as `aims:<field>`.
fn text_properties(item: &InventoryItem, fields: &[&str]) -> Vec<Property> {
    fields
        .iter()
        .filter_map(|field| some(item.text(field)).map(|value| property(field, value)))
        .collect()
}

/// A list field (tags) as strings.
fn strings(item: &InventoryItem, field: &str) -> Vec<String> {
    item.fields
        .get(field)
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .filter_map(some)
                .collect()
        })
        .unwrap_or_default()
}

/// A JSON scalar as text: strings as they are, anything else in JSON notation.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn sha256(hex: &str) -> Vec<Hash> {
    some(hex)
        .map(|content| {
            vec![Hash {
                alg: "SHA-256",
                content,
            }]
        })
        .unwrap_or_default()
}

/// `text` as an IRI for `externalReferences[].url`: URLs as they are, and the scp-like
/// `git@host:owner/repo.git` that git accepts rewritten as `ssh://git@host/owner/repo.git`;
/// `None` for anything else, which the schema's `iri-reference` format might refuse.
fn iri(text: &str) -> Option<String> {
    if text.contains(char::is_whitespace) {
        return None;
    }
    if let Some((scheme, rest)) = text.split_once("://") {
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        return (scheme_ok && !rest.is_empty()).then(|| text.to_owned());
    }
    let (user_host, path) = text.split_once(':')?;
    let (user, host) = user_host.split_once('@')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    };
    (plain(user) && plain(host) && !path.is_empty() && !path.starts_with('/'))
        .then(|| format!("ssh://{user}@{host}/{path}"))
}

/// A contact: an email address when it looks like one, a name otherwise.
fn contact(text: &str) -> Option<Contact> {
    let text = some(text)?;
    let looks_like_email = text.split('@').count() == 2
        && !text.contains(char::is_whitespace)
        && text
            .rsplit('@')
            .next()
            .is_some_and(|host| host.contains('.'));
    Some(if looks_like_email {
        Contact {
            email: Some(text),
            ..Contact::default()
        }
    } else {
        Contact {
            name: Some(text),
            ..Contact::default()
        }
    })
}

fn organization(vendor: &InventoryItem) -> OrganizationalEntity {
    OrganizationalEntity {
        name: vendor.name.clone(),
        contact: contact(vendor.text("contact")).into_iter().collect(),
    }
}

/// The CycloneDX learning approach implied by the model's task, where it is clear.
fn approach(task: &str) -> Option<Approach> {
    let kind = match task {
        "classification" | "regression" | "ranking" => "supervised",
        "clustering" => "unsupervised",
        _ => return None,
    };
    Some(Approach { kind })
}

fn system_component(
    system: &AiSystem,
    bom_ref: String,
    supplier: Option<OrganizationalEntity>,
) -> Component {
    let f = &system.fields;
    let mut properties = vec![
        property("lifecycle_stage", f.lifecycle_stage.code()),
        property("org_role", f.org_role.code()),
        property("autonomy_level", f.autonomy_level.code()),
        property("human_oversight", f.human_oversight.code()),
    ];
    for (name, value) in [
        ("intended_use", &f.intended_use),
        ("foreseeable_misuse", &f.foreseeable_misuse),
        ("owner", &f.owner),
        ("business_unit", &f.business_unit),
        ("deployment_context", &f.deployment_context),
        ("data_subjects", &f.data_subjects),
    ] {
        if let Some(value) = some(value) {
            properties.push(property(name, value));
        }
    }
    Component {
        supplier,
        name: f.name.clone(),
        version: Some(system.version.to_string()),
        description: some(&f.purpose),
        properties,
        ..Component::new("application", bom_ref)
    }
}

fn model_component(
    entry: &ModelEntry,
    supplier: Option<OrganizationalEntity>,
    datasets: &BTreeSet<String>,
) -> Component {
    let model = &entry.model;
    let mut component = Component {
        supplier,
        name: model.name.clone(),
        description: some(model.text("description")),
        properties: text_properties(model, &["owner", "external_ref"]),
        ..Component::new("machine-learning-model", entry.bom_ref())
    };
    let task = model.text("task");
    let mut card = ModelCard {
        model_parameters: ModelParameters {
            approach: approach(task),
            task: some(task),
            datasets: Vec::new(),
        },
        ..ModelCard::default()
    };
    // The version's model card text wins over the model's.
    let card_text = |field: &str| -> Vec<String> {
        entry
            .version
            .as_ref()
            .and_then(|v| some(v.text(field)))
            .or_else(|| some(model.text(field)))
            .into_iter()
            .collect()
    };
    let considerations = Considerations {
        use_cases: card_text("intended_use"),
        technical_limitations: card_text("limitations"),
    };
    if !considerations.use_cases.is_empty() || !considerations.technical_limitations.is_empty() {
        card.considerations = Some(considerations);
    }

    if let Some(version) = &entry.version {
        component.version = Some(version.name.clone());
        component.hashes = sha256(version.text("artifact_sha256"));
        let mut properties = vec![property("status", version.status.clone())];
        for (field, kind, comment) in [
            (
                "code_repository",
                "vcs",
                some(version.text("code_commit")).map(|c| format!("commit {c}")),
            ),
            (
                "artifact_uri",
                "distribution",
                Some("model artifact".into()),
            ),
        ] {
            let Some(text) = some(version.text(field)) else {
                continue;
            };
            match iri(&text) {
                Some(url) => {
                    component
                        .external_references
                        .push(ExternalReference { kind, url, comment })
                }
                // Not a URL (a path, a description): kept, but not as a reference.
                None => properties.push(property(field, text)),
            }
        }
        properties.extend(text_properties(
            version,
            &["framework", "code_commit", "external_ref"],
        ));
        // A version's own external reference replaces the model's.
        component.properties.retain(|p| {
            p.name != format!("{NS}:external_ref") || version.text("external_ref").is_empty()
        });
        component.properties.extend(properties);

        let mut refs: Vec<String> = version
            .ids("training_datasets")
            .into_iter()
            .chain(version.ids("evaluation_datasets"))
            .map(|id| bom_ref(Kind::DatasetVersion, id))
            .filter(|r| datasets.contains(r))
            .collect();
        let mut seen = BTreeSet::new();
        refs.retain(|r| seen.insert(r.clone()));
        card.model_parameters.datasets = refs
            .into_iter()
            .map(|reference| DatasetRef { reference })
            .collect();

        if let Some(metrics) = version.fields.get("metrics").and_then(Value::as_object)
            && !metrics.is_empty()
        {
            card.quantitative_analysis = Some(QuantitativeAnalysis {
                performance_metrics: metrics
                    .iter()
                    .map(|(name, value)| PerformanceMetric {
                        kind: name.clone(),
                        value: scalar_text(value),
                    })
                    .collect(),
            });
        }
        if let Some(hyperparameters) = version
            .fields
            .get("hyperparameters")
            .and_then(Value::as_object)
        {
            card.properties = hyperparameters
                .iter()
                .map(|(name, value)| {
                    property(&format!("hyperparameter:{name}"), scalar_text(value))
                })
                .collect();
        }
    }
    component.model_card = Some(card);
    component
}

fn dataset_component(entry: &DatasetEntry, supplier: Option<OrganizationalEntity>) -> Component {
    let dataset = &entry.dataset;
    let personal = strings(dataset, "personal_data_categories");
    let special = strings(dataset, "sensitive_data_categories");
    let classification = if !special.is_empty() {
        Some("personal data including special categories".to_owned())
    } else if !personal.is_empty() {
        Some("personal data".to_owned())
    } else {
        None
    };
    let mut governance = DataGovernance::default();
    if let Some(owner) = contact(dataset.text("owner")) {
        governance.owners.push(ResponsibleParty::Contact(owner));
    }
    if let Some(vendor) = &supplier {
        governance
            .custodians
            .push(ResponsibleParty::Organization(OrganizationalEntity {
                name: vendor.name.clone(),
                contact: Vec::new(),
            }));
    }
    let governance =
        (!governance.owners.is_empty() || !governance.custodians.is_empty()).then_some(governance);

    let mut contents = Vec::new();
    let mut properties = text_properties(
        dataset,
        &["source", "provenance", "known_biases", "retention_rule"],
    );
    let attributes = strings(dataset, "sensitive_attributes");
    if !attributes.is_empty() {
        properties.push(property("sensitive_attributes", attributes.join(", ")));
    }
    let mut hashes = Vec::new();
    let mut version_label = None;
    let mut name = dataset.name.clone();
    if let Some(version) = &entry.version {
        version_label = Some(version.name.clone());
        name = format!("{} v{}", dataset.name, version.name);
        hashes = sha256(version.text("sha256"));
        contents.extend(text_properties(version, &["file_name"]));
        if let Some(rows) = version.fields.get("row_count").and_then(Value::as_i64) {
            contents.push(property("row_count", rows.to_string()));
        }
        if let Some(columns) = version.fields.get("schema").and_then(Value::as_array) {
            for column in columns.iter().filter_map(Value::as_object) {
                let text = |key: &str| column.get(key).and_then(Value::as_str).unwrap_or_default();
                if let Some(column_name) = some(text("name")) {
                    contents.push(property(&format!("column:{column_name}"), text("type")));
                }
            }
        }
        properties.push(property("status", version.status.clone()));
        properties.extend(text_properties(version, &["retain_until"]));
    }

    Component {
        supplier,
        name: dataset.name.clone(),
        version: version_label,
        description: some(dataset.text("description")),
        hashes,
        licenses: some(dataset.text("licence"))
            .map(|name| LicenseChoice {
                license: License { name },
            })
            .into_iter()
            .collect(),
        data: vec![ComponentData {
            kind: "dataset",
            name,
            contents: (!contents.is_empty()).then_some(DataContents {
                properties: contents,
            }),
            classification,
            sensitive_data: personal.into_iter().chain(special).collect(),
            description: some(dataset.text("description")),
            governance,
        }],
        properties,
        ..Component::new("data", entry.bom_ref())
    }
}

fn enterprise_component(
    entry: &EnterpriseEntry,
    supplier: Option<OrganizationalEntity>,
) -> Component {
    let system = &entry.system;
    let mut properties = text_properties(system, &["category", "owner"]);
    if entry.runs_on {
        properties.push(property("relation", "runs_on"));
    }
    if let Some(flow) = &entry.data_flow {
        properties.push(property("relation", "exchanges_data"));
        if let Some(direction) = some(&flow.direction) {
            properties.push(property("flow_direction", direction));
        }
        if let Some(data) = some(&flow.data) {
            properties.push(property("flow_data", data));
        }
    }
    Component {
        supplier,
        name: system.name.clone(),
        description: some(system.text("description")),
        properties,
        ..Component::new(
            if entry.runs_on {
                "platform"
            } else {
                "application"
            },
            bom_ref(Kind::EnterpriseSystem, system.id),
        )
    }
}

/// Gathers the [`BomInput`] for one AI system from the store and builds its BOM, stamped
/// with `timestamp` (RFC 3339).
pub async fn bom_for_system(
    store: &Store,
    system_id: Uuid,
    timestamp: &str,
) -> Result<Value, StoreError> {
    Ok(ml_bom(&gather(store, system_id, timestamp).await?))
}

/// Reads what the system links to (`uses_model`, `uses_dataset`, `supplied_by`,
/// `runs_on`, `exchanges_data`), the data its model versions were trained and evaluated
/// on, and every vendor referenced.
pub async fn gather(
    store: &Store,
    system_id: Uuid,
    timestamp: &str,
) -> Result<BomInput, StoreError> {
    let system = store.get_ai_system(system_id).await?;
    let links = store.links_of(system_id).await?;
    let outgoing = links
        .iter()
        .filter(|l| l.edge.from.kind == Kind::AiSystem && l.edge.from.id == system_id);

    let mut models = Vec::new();
    let mut datasets: Vec<DatasetEntry> = Vec::new();
    let mut system_vendors = Vec::new();
    let mut enterprise: BTreeMap<Uuid, EnterpriseEntry> = BTreeMap::new();
    for link in outgoing {
        let to = link.edge.to;
        match (link.edge.relation.as_str(), to.kind) {
            ("uses_model", Kind::ModelVersion) => {
                let version = store.get_item(Kind::ModelVersion, to.id).await?;
                let model = parent(store, Kind::Model, &version).await?;
                models.push(ModelEntry {
                    model,
                    version: Some(version),
                });
            }
            ("uses_model", Kind::Model) => models.push(ModelEntry {
                model: store.get_item(Kind::Model, to.id).await?,
                version: None,
            }),
            ("uses_dataset", Kind::DatasetVersion | Kind::Dataset) => {
                let mut entry = dataset_entry(store, to.kind, to.id).await?;
                entry.direct = true;
                datasets.push(entry);
            }
            ("supplied_by", Kind::Vendor) => system_vendors.push(to.id),
            ("runs_on" | "exchanges_data", Kind::EnterpriseSystem) => {
                let entry = match enterprise.entry(to.id) {
                    std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::btree_map::Entry::Vacant(e) => e.insert(EnterpriseEntry {
                        system: store.get_item(Kind::EnterpriseSystem, to.id).await?,
                        runs_on: false,
                        data_flow: None,
                    }),
                };
                if link.edge.relation == "runs_on" {
                    entry.runs_on = true;
                } else {
                    let attribute = |key: &str| {
                        link.attributes
                            .get(key)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    entry.data_flow = Some(DataFlow {
                        direction: attribute("direction"),
                        data: attribute("data"),
                    });
                }
            }
            _ => {}
        }
    }

    // The training and evaluation data of the model versions, each dataset version once.
    let mut seen: BTreeSet<Uuid> = datasets.iter().map(DatasetEntry::id).collect();
    for version in models.iter().filter_map(|m| m.version.as_ref()) {
        for id in version
            .ids("training_datasets")
            .into_iter()
            .chain(version.ids("evaluation_datasets"))
        {
            if seen.insert(id) {
                datasets.push(dataset_entry(store, Kind::DatasetVersion, id).await?);
            }
        }
    }

    models.sort_by_cached_key(|m| sort_key(&m.model, &m.version));
    datasets.sort_by_cached_key(|d| sort_key(&d.dataset, &d.version));
    let mut enterprise_systems: Vec<EnterpriseEntry> = enterprise.into_values().collect();
    enterprise_systems.sort_by_cached_key(|e| (e.system.name.to_lowercase(), e.system.id));

    let mut vendor_ids: BTreeSet<Uuid> = system_vendors.iter().copied().collect();
    let referenced = models
        .iter()
        .map(|m| &m.model)
        .chain(datasets.iter().map(|d| &d.dataset))
        .chain(enterprise_systems.iter().map(|e| &e.system));
    vendor_ids.extend(referenced.filter_map(|item| Uuid::parse_str(item.text("vendor_id")).ok()));
    let mut vendors = Vec::new();
    for id in vendor_ids {
        vendors.push(store.get_item(Kind::Vendor, id).await?);
    }

    Ok(BomInput {
        system,
        models,
        datasets,
        vendors,
        system_vendors,
        enterprise_systems,
        timestamp: timestamp.to_owned(),
    })
}

/// Name, then version label, then id: a stable order for the BOM.
fn sort_key(item: &InventoryItem, version: &Option<InventoryItem>) -> (String, String, Uuid) {
    (
        item.name.to_lowercase(),
        version.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
        version.as_ref().map_or(item.id, |v| v.id),
    )
}

/// The record a version belongs to.
async fn parent(
    store: &Store,
    kind: Kind,
    version: &InventoryItem,
) -> Result<InventoryItem, StoreError> {
    let id = version.parent_id.ok_or_else(|| StoreError::NotFound {
        entity: kind.label(),
        id: format!("parent of {}", version.id),
    })?;
    store.get_item(kind, id).await
}

async fn dataset_entry(store: &Store, kind: Kind, id: Uuid) -> Result<DatasetEntry, StoreError> {
    if kind == Kind::DatasetVersion {
        let version = store.get_item(Kind::DatasetVersion, id).await?;
        let dataset = parent(store, Kind::Dataset, &version).await?;
        Ok(DatasetEntry {
            dataset,
            version: Some(version),
            direct: false,
        })
    } else {
        Ok(DatasetEntry {
            dataset: store.get_item(Kind::Dataset, id).await?,
            version: None,
            direct: false,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn repository_locations_become_iris_or_stay_properties() {
        let https = "https://git.example.org/credit/pd";
        assert_eq!(iri(https).as_deref(), Some(https));
        assert_eq!(
            iri("git@github.com:acme/credit-pd.git").as_deref(),
            Some("ssh://git@github.com/acme/credit-pd.git")
        );
        assert_eq!(iri("s3://models/x").as_deref(), Some("s3://models/x"));
        for not_a_url in ["the team share", "/srv/repo", "C:\\repos\\pd", "://x", ""] {
            assert_eq!(iri(not_a_url), None, "{not_a_url}");
        }
    }

    #[test]
    fn serial_numbers_are_stable_per_system_and_instant() {
        let id = Uuid::from_u128(7);
        let a = serial_number(id, "2026-12-01T09:00:00Z");
        assert_eq!(a, serial_number(id, "2026-12-01T09:00:00Z"));
        assert_ne!(a, serial_number(id, "2026-12-01T09:00:01Z"));
        assert!(a.starts_with("urn:uuid:") && a.len() == 45, "{a}");
    }

    #[test]
    fn contacts_are_emails_only_when_they_look_like_one() {
        assert!(contact("dpo@bureau.example").unwrap().email.is_some());
        assert!(contact("Jane <jane@x.example>").unwrap().name.is_some());
        assert!(contact("  ").is_none());
    }
}
