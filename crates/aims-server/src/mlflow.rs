//! Import of the MLflow model registry into the AIMS inventory.
//!
//! Teams already register their models in MLflow; asking them to type every model and
//! version into AIMS again is how inventories go stale (ISO/IEC 42001 A.4.2, A.6.2). This
//! module reads the registry over MLflow's REST API (2.x) and keeps one `model` record per
//! registered model and one `model_version` record per version, found again on the next
//! run by their external reference (`mlflow:<name>`, `mlflow:<name>/<version>`), so
//! importing twice never duplicates anything.
//!
//! The import is all or nothing: every page is fetched and every record validated before
//! the one write transaction starts, so a server error or a malformed answer half-way
//! leaves the inventory as it was. A record whose fields would not change is not written,
//! so re-running an import appends nothing to the ledger.
//!
//! What is taken from MLflow, and what is left to people:
//! - model: `name`, `description`, `external_ref`;
//! - version: `model_id`, `version`, `artifact_uri` (the version's `source`),
//!   `external_ref`, and `code_commit` / `code_repository` from the version tags
//!   `mlflow.source.git.commit` / `mlflow.source.git.repoURL` when present.
//!
//! Other fields of an existing record (owner, task, intended use, limitations, metrics…)
//! are kept, and an empty value in MLflow never erases one filled in AIMS. A version's
//! MLflow description is not imported: model versions have no description field, and the
//! model-card fields (`intended_use`, `limitations`) are statements the organisation
//! makes, not release notes. MLflow stages are not mapped to statuses either: a version's
//! status moves only through the governed transitions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use aims_core::inventory::{Kind, validate_record};
use aims_store::{InventoryItem, ItemFilter, Store, WriteCtx, WriteTx};
use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// Connect, read and write timeout of every request to MLflow.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Page sizes asked of MLflow (its maxima are larger; these keep answers small).
const MODELS_PER_PAGE: &str = "100";
const VERSIONS_PER_PAGE: &str = "200";
/// A guard against a server that never stops handing out page tokens.
const MAX_PAGES: usize = 10_000;

const MODELS_PATH: &str = "/api/2.0/mlflow/registered-models/search";
const VERSIONS_PATH: &str = "/api/2.0/mlflow/model-versions/search";
const GIT_COMMIT_TAG: &str = "mlflow.source.git.commit";
const GIT_REPO_TAG: &str = "mlflow.source.git.repoURL";

/// Counts of records of one kind by what the import did to them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Tally {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} new, {} updated, {} unchanged",
            self.created, self.updated, self.unchanged
        )
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The MLflow server, without any credentials in its URL.
    pub source: String,
    pub models: Tally,
    pub versions: Tally,
}

impl ImportReport {
    /// Whether the import wrote anything.
    pub fn changed(&self) -> bool {
        self.models.created + self.models.updated + self.versions.created + self.versions.updated
            > 0
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "MLflow registry at {}", self.source)?;
        writeln!(f, "  models:         {}", self.models)?;
        write!(f, "  model versions: {}", self.versions)?;
        if !self.changed() {
            write!(f, "\nThe inventory was already up to date.")?;
        }
        Ok(())
    }
}

/// Imports every registered model and model version of the MLflow tracking server at
/// `base_url` (for example `http://mlflow.internal:5000`), sending `token` as a bearer
/// token when given. Returns what was created, updated and left unchanged; on any error
/// nothing has been written.
pub async fn run(
    store: &Store,
    ctx: &WriteCtx,
    base_url: &str,
    token: Option<&str>,
) -> Result<ImportReport> {
    let base = normalise_base(base_url)?;
    let source = redact(&base);
    let fetch_base = base.clone();
    let token = token.map(str::to_owned);
    let models = tokio::task::spawn_blocking(move || fetch_registry(&fetch_base, token.as_deref()))
        .await
        .context("the MLflow download stopped unexpectedly")??;
    check_all(&models)?;
    let mut report = write(store, ctx, &models).await?;
    report.source = source;
    Ok(report)
}

// ---------------------------------------------------------------------------------------
// What MLflow holds, as far as AIMS cares.

/// A registered model with all its versions.
#[derive(Debug, Clone, PartialEq)]
struct RemoteModel {
    name: String,
    description: String,
    versions: Vec<RemoteVersion>,
}

/// One model version.
#[derive(Debug, Clone, PartialEq)]
struct RemoteVersion {
    version: String,
    source: String,
    tags: BTreeMap<String, String>,
}

impl RemoteModel {
    fn external_ref(&self) -> String {
        format!("mlflow:{}", self.name)
    }

    /// The fields MLflow decides; empty ones are left out so they never erase AIMS values.
    fn fields(&self) -> Map<String, Value> {
        let mut fields = Map::new();
        put(&mut fields, "name", &self.name);
        put(&mut fields, "description", &self.description);
        put(&mut fields, "external_ref", &self.external_ref());
        fields
    }
}

impl RemoteVersion {
    fn external_ref(&self, model: &str) -> String {
        format!("mlflow:{model}/{}", self.version)
    }

    fn fields(&self, model_name: &str, model_id: Uuid) -> Map<String, Value> {
        let mut fields = Map::new();
        put(&mut fields, "model_id", &model_id.to_string());
        put(&mut fields, "version", &self.version);
        put(&mut fields, "artifact_uri", &self.source);
        put(&mut fields, "external_ref", &self.external_ref(model_name));
        for (tag, field) in [
            (GIT_COMMIT_TAG, "code_commit"),
            (GIT_REPO_TAG, "code_repository"),
        ] {
            if let Some(value) = self.tags.get(tag) {
                put(&mut fields, field, value);
            }
        }
        fields
    }
}

fn put(fields: &mut Map<String, Value>, field: &str, value: &str) {
    let value = value.trim();
    if !value.is_empty() {
        fields.insert(field.to_owned(), Value::String(value.to_owned()));
    }
}

// ---------------------------------------------------------------------------------------
// HTTP.

/// Checks the server address and removes a trailing slash.
fn normalise_base(base_url: &str) -> Result<String> {
    let base = base_url.trim().trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) || base.contains(['?', '#']) {
        bail!(
            "the MLflow address `{}` must be the tracking server's base URL, such as http://mlflow.internal:5000",
            redact(base)
        );
    }
    Ok(base.to_owned())
}

/// The URL without a `user:password@` part, for messages and reports.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            match authority.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://***@{host}{path}"),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    }
}

struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
}

impl Client {
    fn new(base: &str, token: Option<&str>) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(TIMEOUT)
            .timeout_read(TIMEOUT)
            .timeout_write(TIMEOUT)
            .user_agent(concat!("aims/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            agent,
            base: base.to_owned(),
            token: token
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        }
    }

    /// GETs `path` with `query` and returns the JSON object MLflow answered.
    fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Map<String, Value>> {
        let mut request = self.agent.get(&format!("{}{path}", self.base));
        for (name, value) in query {
            request = request.query(name, value);
        }
        if let Some(token) = &self.token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let response = match request.call() {
            Ok(response) => response,
            Err(ureq::Error::Status(status, response)) => {
                let reason = response.status_text().to_owned();
                let body = response.into_string().unwrap_or_default();
                bail!(
                    "MLflow answered {status} {reason} to GET {path}{}",
                    error_detail(&body)
                );
            }
            Err(ureq::Error::Transport(transport)) => bail!(
                "cannot reach the MLflow server at {}: {}",
                redact(&self.base),
                describe_transport(&transport)
            ),
        };
        let body = response
            .into_string()
            .with_context(|| format!("cannot read MLflow's answer to GET {path}"))?;
        match serde_json::from_str::<Value>(&body) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(other) => bail!(
                "MLflow's answer to GET {path} is JSON but not an object (it is {}); is {} an MLflow tracking server?",
                json_type(&other),
                redact(&self.base)
            ),
            Err(error) => bail!(
                "MLflow's answer to GET {path} is not JSON ({error}): {}; is {} an MLflow tracking server?",
                snippet(&body),
                redact(&self.base)
            ),
        }
    }
}

/// `: ERROR_CODE: message` from an MLflow error body, or a snippet of any other body.
fn error_detail(body: &str) -> String {
    if let Ok(Value::Object(error)) = serde_json::from_str::<Value>(body) {
        let code = error.get("error_code").and_then(Value::as_str);
        let message = error.get("message").and_then(Value::as_str);
        match (code, message) {
            (Some(code), Some(message)) => return format!(": {code}: {message}"),
            (Some(text), None) | (None, Some(text)) => return format!(": {text}"),
            (None, None) => {}
        }
    }
    if body.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", snippet(body))
    }
}

fn describe_transport(transport: &ureq::Transport) -> String {
    let mut text = transport.kind().to_string();
    if let Some(message) = transport.message() {
        text.push_str(": ");
        text.push_str(message);
    }
    if let Some(source) = std::error::Error::source(transport) {
        text.push_str(": ");
        text.push_str(&source.to_string());
    }
    text
}

/// The start of a body, on one line, for an error message.
fn snippet(body: &str) -> String {
    const MAX: usize = 120;
    let flat: String = body
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > MAX {
        format!("`{}…`", flat.chars().take(MAX).collect::<String>())
    } else {
        format!("`{flat}`")
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Fetches every page of a search and returns the items of `list` in order.
fn fetch_all_pages(
    client: &Client,
    path: &str,
    query: &[(&str, &str)],
    list: &str,
) -> Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    for page in 1..=MAX_PAGES {
        let mut page_query = query.to_vec();
        if let Some(token) = &token {
            page_query.push(("page_token", token));
        }
        let mut body = client.get(path, &page_query)?;
        match body.remove(list) {
            Some(Value::Array(page_items)) => items.extend(page_items),
            Some(other) => bail!(
                "page {page} of GET {path}: `{list}` must be a list, not {}",
                json_type(&other)
            ),
            // MLflow leaves empty lists out of its answers, so `{}` is an empty page;
            // anything else without the list is not the answer we asked for.
            None if body.keys().all(|key| key == "next_page_token") => {}
            None => bail!(
                "page {page} of GET {path} has no `{list}` list (it has {}); is this an MLflow tracking server?",
                body.keys()
                    .map(|key| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
        let next = match body.get("next_page_token") {
            None | Some(Value::Null) => None,
            Some(Value::String(next)) if next.is_empty() => None,
            Some(Value::String(next)) => Some(next.clone()),
            Some(other) => bail!(
                "page {page} of GET {path}: `next_page_token` must be text, not {}",
                json_type(other)
            ),
        };
        match next {
            None => return Ok(items),
            Some(next) if token.as_deref() == Some(next.as_str()) => {
                bail!("page {page} of GET {path} hands out the same page token again; stopping")
            }
            Some(next) => token = Some(next),
        }
    }
    bail!("GET {path} has more than {MAX_PAGES} pages; stopping")
}

/// Downloads the whole registry: the models, then each model's versions.
fn fetch_registry(base: &str, token: Option<&str>) -> Result<Vec<RemoteModel>> {
    let client = Client::new(base, token);
    let raw_models = fetch_all_pages(
        &client,
        MODELS_PATH,
        &[("max_results", MODELS_PER_PAGE)],
        "registered_models",
    )?;
    let mut models = Vec::with_capacity(raw_models.len());
    for (index, raw) in raw_models.iter().enumerate() {
        let mut model = parse_model(index, raw)?;
        let filter = name_filter(&model.name)?;
        let raw_versions = fetch_all_pages(
            &client,
            VERSIONS_PATH,
            &[("filter", &filter), ("max_results", VERSIONS_PER_PAGE)],
            "model_versions",
        )
        .with_context(|| format!("fetching the versions of MLflow model `{}`", model.name))?;
        model.versions = raw_versions
            .iter()
            .enumerate()
            .map(|(index, raw)| parse_version(&model.name, index, raw))
            .collect::<Result<_>>()?;
        models.push(model);
    }
    Ok(models)
}

/// `name='…'` for the model-versions search, quoted the way MLflow's filter parser reads.
fn name_filter(name: &str) -> Result<String> {
    match (name.contains('\''), name.contains('"')) {
        (false, _) => Ok(format!("name='{name}'")),
        (true, false) => Ok(format!("name=\"{name}\"")),
        (true, true) => bail!(
            "MLflow model `{name}`: a name with both kinds of quote cannot be searched for its versions"
        ),
    }
}

/// A text (or number, as MLflow sometimes sends versions) member; `None` when absent.
fn text_member(object: &Map<String, Value>, key: &str, what: &str) -> Result<Option<String>> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(anyhow!(
            "{what}: `{key}` must be text, not {}",
            json_type(other)
        )),
    }
}

fn parse_model(index: usize, raw: &Value) -> Result<RemoteModel> {
    let what = format!("registered model {} in MLflow's answer", index + 1);
    let object = raw
        .as_object()
        .ok_or_else(|| anyhow!("{what} must be an object, not {}", json_type(raw)))?;
    let name = text_member(object, "name", &what)?
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| anyhow!("{what} has no `name`"))?;
    let what = format!("MLflow model `{name}`");
    Ok(RemoteModel {
        description: text_member(object, "description", &what)?.unwrap_or_default(),
        name,
        versions: Vec::new(),
    })
}

fn parse_version(model: &str, index: usize, raw: &Value) -> Result<RemoteVersion> {
    let what = format!("MLflow model `{model}`, version entry {}", index + 1);
    let object = raw
        .as_object()
        .ok_or_else(|| anyhow!("{what} must be an object, not {}", json_type(raw)))?;
    if let Some(name) = text_member(object, "name", &what)?
        && name.trim() != model
    {
        bail!("{what} belongs to model `{name}`: the server ignored the name filter");
    }
    let version = text_member(object, "version", &what)?
        .map(|version| version.trim().to_owned())
        .filter(|version| !version.is_empty())
        .ok_or_else(|| anyhow!("{what} has no `version`"))?;
    let what = format!("MLflow model `{model}` version {version}");
    let source = text_member(object, "source", &what)?.unwrap_or_default();
    let mut tags = BTreeMap::new();
    match object.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for tag in list {
                let key = tag.get("key").and_then(Value::as_str);
                let value = tag.get("value").and_then(Value::as_str);
                match (key, value) {
                    (Some(key), Some(value)) => {
                        tags.insert(key.to_owned(), value.to_owned());
                    }
                    // A tag without a value is allowed in MLflow; it carries nothing for us.
                    (Some(_), None) => {}
                    (None, _) => bail!("{what}: every tag must have a `key`"),
                }
            }
        }
        Some(other) => bail!("{what}: `tags` must be a list, not {}", json_type(other)),
    }
    Ok(RemoteVersion {
        version,
        source,
        tags,
    })
}

// ---------------------------------------------------------------------------------------
// Writing.

/// Validates everything before the write transaction starts, so errors name the MLflow
/// model or version rather than surfacing half-way through the writes.
fn check_all(models: &[RemoteModel]) -> Result<()> {
    let mut seen = HashSet::new();
    for model in models {
        if !seen.insert(model.name.as_str()) {
            bail!("MLflow listed model `{}` twice", model.name);
        }
        validate_record(Kind::Model, &Value::Object(model.fields()))
            .map_err(|errors| anyhow!("MLflow model `{}`: {errors}", model.name))?;
        let mut versions = HashSet::new();
        for version in &model.versions {
            if !versions.insert(version.version.as_str()) {
                bail!(
                    "MLflow listed version {} of model `{}` twice",
                    version.version,
                    model.name
                );
            }
            // Any id will do here: only its form is checked before the model exists.
            validate_record(
                Kind::ModelVersion,
                &Value::Object(version.fields(&model.name, Uuid::nil())),
            )
            .map_err(|errors| {
                anyhow!(
                    "MLflow model `{}` version {}: {errors}",
                    model.name,
                    version.version
                )
            })?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// The ids of existing records by external reference, read before the transaction.
///
/// `WriteTx::item_by_external_ref` matches with `LIKE` after dropping `%` and `_` from the
/// reference, so it misses every name with an underscore (common in MLflow); this index
/// finds those, and the transaction's own lookup catches records created since.
async fn external_refs(store: &Store, kind: Kind) -> Result<HashMap<String, Uuid>> {
    const PAGE: i64 = 1000;
    let mut refs = HashMap::new();
    let mut offset = 0;
    loop {
        let page = store
            .list_items(
                kind,
                &ItemFilter {
                    include_archived: true,
                    limit: Some(PAGE),
                    offset: Some(offset),
                    ..ItemFilter::default()
                },
            )
            .await?;
        let count = page.items.len();
        for item in page.items {
            let external = item.text("external_ref");
            if external.starts_with("mlflow:") {
                refs.entry(external.to_owned()).or_insert(item.id);
            }
        }
        if i64::try_from(count).unwrap_or(PAGE) < PAGE {
            return Ok(refs);
        }
        offset += PAGE;
    }
}

async fn write(store: &Store, ctx: &WriteCtx, models: &[RemoteModel]) -> Result<ImportReport> {
    let known_models = external_refs(store, Kind::Model).await?;
    let known_versions = external_refs(store, Kind::ModelVersion).await?;
    let mut report = ImportReport::default();
    let mut tx = store.begin_write(ctx).await?;
    for model in models {
        let (item, outcome) = upsert(
            &mut tx,
            &known_models,
            Kind::Model,
            &model.external_ref(),
            model.fields(),
        )
        .await
        .with_context(|| format!("importing MLflow model `{}`", model.name))?;
        report.models.count(outcome);
        for version in &model.versions {
            let (_, outcome) = upsert(
                &mut tx,
                &known_versions,
                Kind::ModelVersion,
                &version.external_ref(&model.name),
                version.fields(&model.name, item.id),
            )
            .await
            .with_context(|| {
                format!(
                    "importing MLflow model `{}` version {}",
                    model.name, version.version
                )
            })?;
            report.versions.count(outcome);
        }
    }
    if report.changed() {
        tx.commit().await?;
    }
    // Otherwise the transaction is dropped, which rolls it back: nothing to record.
    Ok(report)
}

/// Creates the record with `external_ref`, or merges `fields` into the existing one and
/// saves it if anything changed.
async fn upsert(
    tx: &mut WriteTx<'_>,
    known: &HashMap<String, Uuid>,
    kind: Kind,
    external_ref: &str,
    fields: Map<String, Value>,
) -> Result<(InventoryItem, Outcome)> {
    let existing = match known.get(external_ref) {
        Some(id) => Some(tx.item_for_update(kind, *id).await?),
        None => tx.item_by_external_ref(kind, external_ref).await?,
    };
    let Some(current) = existing.filter(|item| item.text("external_ref") == external_ref) else {
        let item = tx.insert_item(kind, &Value::Object(fields)).await?;
        return Ok((item, Outcome::Created));
    };
    let mut merged = current.fields.clone();
    merged.extend(fields);
    // `save_item` does not validate, so the merged record is checked here.
    let record = validate_record(kind, &Value::Object(merged))?;
    if record.fields == current.fields
        && record.name == current.name
        && record.parent == current.parent_id
    {
        return Ok((current, Outcome::Unchanged));
    }
    let updated = InventoryItem {
        name: record.name,
        parent_id: record.parent,
        fields: record.fields,
        ..current
    };
    let saved = tx.save_item(updated, "updated").await?;
    Ok((saved, Outcome::Updated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_messages() {
        assert_eq!(
            redact("https://me:secret@mlflow.example/x"),
            "https://***@mlflow.example/x"
        );
        assert_eq!(redact("http://mlflow:5000"), "http://mlflow:5000");
        assert!(normalise_base("mlflow:5000").is_err());
        assert_eq!(
            normalise_base(" http://mlflow:5000/ ").ok().as_deref(),
            Some("http://mlflow:5000")
        );
    }

    #[test]
    fn mlflow_errors_are_quoted() {
        assert_eq!(
            error_detail(r#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"gone"}"#),
            ": RESOURCE_DOES_NOT_EXIST: gone"
        );
        assert_eq!(error_detail("<html>oops</html>"), ": `<html>oops</html>`");
        assert_eq!(error_detail(""), "");
    }

    #[test]
    fn names_are_quoted_for_the_filter() {
        assert_eq!(name_filter("a").ok().as_deref(), Some("name='a'"));
        assert_eq!(name_filter("it's").ok().as_deref(), Some("name=\"it's\""));
        assert!(name_filter("'\"").is_err());
    }
}
