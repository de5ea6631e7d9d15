//! The MLflow registry import against a fake MLflow server on a local port: models and
//! versions land in the inventory with their external references, re-imports change
//! nothing, and a failing or garbled server leaves the inventory untouched.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use aims_core::inventory::Kind;
use aims_store::testing::{TestDb, fresh};
use aims_store::{InventoryItem, ItemFilter, Store};
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::*;

// The importer lives in the server crate, which the web UI and the CLI both call.
use aims_server::mlflow as importer;

use importer::{ImportReport, Tally};

/// Items per page the fake hands out, whatever the client asks: small, to force paging.
const PAGE: usize = 2;

/// What the fake MLflow server holds and what it has been asked.
#[derive(Default)]
struct Registry {
    models: Vec<Value>,
    versions: BTreeMap<String, Vec<Value>>,
    /// Answer requests whose path and query contain the first text with this status and
    /// body.
    fail: Option<(&'static str, u16, String)>,
    requests: Vec<String>,
    authorization: Vec<Option<String>>,
}

struct FakeMlflow {
    url: String,
    registry: Arc<Mutex<Registry>>,
}

impl FakeMlflow {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let registry = Arc::new(Mutex::new(Registry::default()));
        let shared = Arc::clone(&registry);
        // Serves until the test process ends.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &shared);
            }
        });
        Self { url, registry }
    }

    fn with<T>(&self, change: impl FnOnce(&mut Registry) -> T) -> T {
        change(&mut self.registry.lock().unwrap())
    }
}

fn serve(mut stream: TcpStream, registry: &Mutex<Registry>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            authorization = Some(value.trim().to_owned());
        }
    }
    let target = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let (status, body) = answer(&mut registry.lock().unwrap(), &target, authorization);
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Whatever",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn answer(registry: &mut Registry, target: &str, authorization: Option<String>) -> (u16, String) {
    registry.requests.push(target.to_owned());
    registry.authorization.push(authorization);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query: BTreeMap<String, String> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (decode(name), decode(value)))
        .collect();
    if let Some((failing, status, body)) = &registry.fail
        && target.contains(failing)
    {
        return (*status, body.clone());
    }
    let offset: usize = query
        .get("page_token")
        .map_or(0, |token| token.parse().unwrap());
    let (list, items) = match path {
        "/api/2.0/mlflow/registered-models/search" => {
            ("registered_models", registry.models.clone())
        }
        "/api/2.0/mlflow/model-versions/search" => {
            let filter = &query["filter"];
            let name = filter
                .strip_prefix("name='")
                .and_then(|rest| rest.strip_suffix('\''))
                .unwrap_or_else(|| panic!("unexpected filter {filter}"));
            (
                "model_versions",
                registry.versions.get(name).cloned().unwrap_or_default(),
            )
        }
        _ => {
            return (
                404,
                json!({"error_code": "ENDPOINT_NOT_FOUND", "message": "no such endpoint"})
                    .to_string(),
            );
        }
    };
    let page: Vec<Value> = items.iter().skip(offset).take(PAGE).cloned().collect();
    // Like MLflow, leave empty lists out.
    let mut body = serde_json::Map::new();
    if !page.is_empty() {
        body.insert(list.into(), Value::from(page));
    }
    if offset + PAGE < items.len() {
        body.insert("next_page_token".into(), json!((offset + PAGE).to_string()));
    }
    (200, Value::Object(body).to_string())
}

/// Percent-decoding of a query component, `+` being a space.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn model(name: &str, description: &str) -> Value {
    json!({"name": name, "creation_timestamp": 1_700_000_000_000_i64,
           "last_updated_timestamp": 1_700_000_000_000_i64, "description": description,
           "latest_versions": [], "tags": [{"key": "team", "value": "risk"}]})
}

fn version(name: &str, version: &str, tags: &[(&str, &str)]) -> Value {
    let tags: Vec<Value> = tags
        .iter()
        .map(|(key, value)| json!({"key": key, "value": value}))
        .collect();
    json!({"name": name, "version": version, "creation_timestamp": 1_700_000_000_000_i64,
           "last_updated_timestamp": 1_700_000_000_000_i64, "current_stage": "None",
           "description": "retrained", "source": format!("s3://models/{name}/{version}"),
           "run_id": "abc123", "status": "READY", "tags": tags, "run_link": ""})
}

/// Three models over two pages; `credit_pd` has three versions over two pages and
/// `fraud-rules` none.
fn populate(registry: &mut Registry) {
    registry.models = vec![
        model("credit_pd", "Probability of default"),
        model("churn", ""),
        model("fraud-rules", "Rules, not learned"),
    ];
    registry.versions.insert(
        "credit_pd".into(),
        vec![
            version("credit_pd", "1", &[]),
            version(
                "credit_pd",
                "2",
                &[
                    ("mlflow.source.git.commit", "0123abcd"),
                    ("mlflow.source.git.repoURL", "https://git.example/credit"),
                ],
            ),
            version("credit_pd", "3", &[("unrelated", "x")]),
        ],
    );
    registry
        .versions
        .insert("churn".into(), vec![version("churn", "1", &[])]);
}

async fn import(db: &TestDb, fake: &FakeMlflow) -> anyhow::Result<ImportReport> {
    let ctx = TestDb::system_ctx(time::OffsetDateTime::now_utc());
    importer::run(&db.store, &ctx, &fake.url, Some("s3cret")).await
}

async fn ledger_size(store: &Store) -> u64 {
    store.ledger_head().await.unwrap().size
}

async fn all(store: &Store, kind: Kind) -> Vec<InventoryItem> {
    store
        .list_items(
            kind,
            &ItemFilter {
                include_archived: true,
                ..ItemFilter::default()
            },
        )
        .await
        .unwrap()
        .items
}

fn by_ref<'a>(items: &'a [InventoryItem], external_ref: &str) -> &'a InventoryItem {
    items
        .iter()
        .find(|item| item.text("external_ref") == external_ref)
        .unwrap_or_else(|| panic!("no record with external_ref {external_ref}"))
}

async fn assert_verifies(db: &TestDb) {
    let report = db.store.verify_ledger(&db.signer.verifier()).await.unwrap();
    assert!(report.ok(), "{report:?}");
}

/// Prepares the fake for one case.
type Setup = Box<dyn Fn(&mut Registry)>;

fn tally(created: usize, updated: usize, unchanged: usize) -> Tally {
    Tally {
        created,
        updated,
        unchanged,
    }
}

both_backends! {
    async fn models_and_versions_are_imported_once(backend: Backend) {
        let db = fresh(backend).await.unwrap();
        let fake = FakeMlflow::start();
        fake.with(populate);
        let before = ledger_size(&db.store).await;

        let report = import(&db, &fake).await.unwrap();
        assert_eq!((report.models, report.versions), (tally(3, 0, 0), tally(4, 0, 0)));
        assert_eq!(report.source, fake.url);
        assert!(report.to_string().contains("3 new, 0 updated, 0 unchanged"), "{report}");
        assert_eq!(ledger_size(&db.store).await, before + 7);

        // Both lists were read page by page, with the token and the bearer token.
        fake.with(|registry| {
            assert!(registry.requests.iter().any(|r| r.starts_with("/api/2.0/mlflow/registered-models/search") && r.contains("page_token=2")), "{:?}", registry.requests);
            assert!(registry.requests.iter().any(|r| r.contains("model-versions/search") && r.contains("page_token=2")), "{:?}", registry.requests);
            assert!(registry.authorization.iter().all(|a| a.as_deref() == Some("Bearer s3cret")));
        });

        let models = all(&db.store, Kind::Model).await;
        assert_eq!(models.len(), 3);
        let credit = by_ref(&models, "mlflow:credit_pd");
        assert_eq!(credit.name, "credit_pd");
        assert_eq!(credit.text("description"), "Probability of default");
        assert_eq!(by_ref(&models, "mlflow:churn").text("description"), "");

        let versions = all(&db.store, Kind::ModelVersion).await;
        assert_eq!(versions.len(), 4);
        let v2 = by_ref(&versions, "mlflow:credit_pd/2");
        assert_eq!(v2.name, "2");
        assert_eq!(v2.parent_id, Some(credit.id));
        assert_eq!(v2.status, "candidate");
        assert_eq!(v2.fields["model_id"], json!(credit.id.to_string()));
        assert_eq!(v2.text("artifact_uri"), "s3://models/credit_pd/2");
        assert_eq!(v2.text("code_commit"), "0123abcd");
        assert_eq!(v2.text("code_repository"), "https://git.example/credit");
        assert_eq!(by_ref(&versions, "mlflow:credit_pd/3").text("code_commit"), "");
        assert_eq!(by_ref(&versions, "mlflow:churn/1").parent_id, Some(by_ref(&models, "mlflow:churn").id));
        // The version is linked to its model in the graph.
        assert!(db.store.links_of(v2.id).await.unwrap().iter().any(|l| l.edge.relation == "version_of" && l.edge.to.id == credit.id));

        // Again: nothing changes, nothing is recorded.
        let size = ledger_size(&db.store).await;
        let again = import(&db, &fake).await.unwrap();
        assert_eq!((again.models, again.versions), (tally(0, 0, 3), tally(0, 0, 4)));
        assert!(again.to_string().contains("already up to date"), "{again}");
        assert_eq!(ledger_size(&db.store).await, size);
        assert_eq!(all(&db.store, Kind::Model).await.len(), 3);
        assert_eq!(all(&db.store, Kind::ModelVersion).await.len(), 4);
        assert_verifies(&db).await;
    }

    async fn changes_in_mlflow_update_records_and_keep_aims_fields(backend: Backend) {
        let db = fresh(backend).await.unwrap();
        let fake = FakeMlflow::start();
        fake.with(populate);
        import(&db, &fake).await.unwrap();
        let ctx = TestDb::system_ctx(time::OffsetDateTime::now_utc());

        // People fill in what MLflow does not know.
        let models = all(&db.store, Kind::Model).await;
        let credit = by_ref(&models, "mlflow:credit_pd").clone();
        let mut fields = credit.fields.clone();
        fields.insert("owner".into(), json!("Maya"));
        fields.insert("intended_use".into(), json!("Retail credit decisions"));
        db.store.update_item(&ctx, Kind::Model, credit.id, credit.version, &Value::Object(fields)).await.unwrap();

        fake.with(|registry| {
            registry.models[0]["description"] = json!("PD model, recalibrated");
            // An empty description in MLflow does not erase the one in AIMS.
            registry.models[2]["description"] = json!("");
            let credit = registry.versions.get_mut("credit_pd").unwrap();
            credit[0]["source"] = json!("s3://models/credit_pd/1-moved");
            credit.push(version("credit_pd", "4", &[("mlflow.source.git.commit", "feedbeef")]));
        });
        let size = ledger_size(&db.store).await;
        let report = import(&db, &fake).await.unwrap();
        assert_eq!((report.models, report.versions), (tally(0, 1, 2), tally(1, 1, 3)));
        assert_eq!(ledger_size(&db.store).await, size + 3);

        let models = all(&db.store, Kind::Model).await;
        let updated = by_ref(&models, "mlflow:credit_pd");
        assert_eq!(updated.id, credit.id);
        assert_eq!(updated.text("description"), "PD model, recalibrated");
        assert_eq!(updated.text("owner"), "Maya");
        assert_eq!(updated.text("intended_use"), "Retail credit decisions");
        assert_eq!(by_ref(&models, "mlflow:fraud-rules").text("description"), "Rules, not learned");
        let versions = all(&db.store, Kind::ModelVersion).await;
        assert_eq!(versions.len(), 5);
        let v1 = by_ref(&versions, "mlflow:credit_pd/1");
        assert_eq!(v1.text("artifact_uri"), "s3://models/credit_pd/1-moved");
        assert_eq!(v1.version, 2);
        assert_eq!(by_ref(&versions, "mlflow:credit_pd/4").text("code_commit"), "feedbeef");
        assert_verifies(&db).await;
    }

    async fn a_server_error_half_way_writes_nothing(backend: Backend) {
        let db = fresh(backend).await.unwrap();
        let fake = FakeMlflow::start();
        fake.with(|registry| {
            populate(registry);
            registry.fail = Some(("model-versions", 500, json!({"error_code": "INTERNAL_ERROR", "message": "database is down"}).to_string()));
        });
        let before = ledger_size(&db.store).await;
        let error = format!("{:#}", import(&db, &fake).await.unwrap_err());
        for expected in ["500", "INTERNAL_ERROR", "database is down", "credit_pd", "model-versions/search"] {
            assert!(error.contains(expected), "{expected} in {error}");
        }
        assert_eq!(ledger_size(&db.store).await, before);
        assert!(all(&db.store, Kind::Model).await.is_empty());

        // A failure on the second page of models is no different.
        let bad_page = FakeMlflow::start();
        bad_page.with(|registry| {
            populate(registry);
            registry.fail = Some(("registered-models/search?max_results=100&page_token=2", 503, "<html>maintenance</html>".into()));
        });
        let error = format!("{:#}", import(&db, &bad_page).await.unwrap_err());
        assert!(error.contains("503") && error.contains("maintenance"), "{error}");
        assert_eq!(ledger_size(&db.store).await, before);
        assert_verifies(&db).await;
    }

    async fn garbage_is_refused_with_the_problem_named(backend: Backend) {
        let db = fresh(backend).await.unwrap();
        let before = ledger_size(&db.store).await;
        let cases: Vec<(&str, Setup, &[&str])> = vec![
            ("not JSON", Box::new(|r: &mut Registry| r.fail = Some(("registered-models", 200, "<html>login</html>".into()))), &["not JSON", "registered-models/search", "<html>login"]),
            ("wrong shape", Box::new(|r: &mut Registry| r.fail = Some(("registered-models", 200, r#"{"models": []}"#.into()))), &["no `registered_models` list", "`models`"]),
            ("not a list", Box::new(|r: &mut Registry| r.fail = Some(("registered-models", 200, r#"{"registered_models": 3}"#.into()))), &["`registered_models` must be a list"]),
            ("no versions list", Box::new(|r: &mut Registry| { populate(r); r.fail = Some(("model-versions", 200, r#"{"error": "nope"}"#.into())); }), &["credit_pd", "no `model_versions` list"]),
            ("version without version", Box::new(|r: &mut Registry| { populate(r); r.versions.get_mut("churn").unwrap()[0].as_object_mut().unwrap().remove("version"); }), &["MLflow model `churn`", "has no `version`"]),
            ("model without name", Box::new(|r: &mut Registry| { populate(r); r.models[1] = json!({"description": "x"}); }), &["registered model 2", "has no `name`"]),
            ("artifact too long", Box::new(|r: &mut Registry| { populate(r); r.versions.get_mut("churn").unwrap()[0]["source"] = json!("s".repeat(500)); }), &["MLflow model `churn` version 1", "artifact_uri"]),
        ];
        for (case, setup, expected) in cases {
            let fake = FakeMlflow::start();
            fake.with(|registry| setup(registry));
            let error = format!("{:#}", import(&db, &fake).await.expect_err(case));
            for text in expected {
                assert!(error.contains(text), "{case}: `{text}` in {error}");
            }
        }
        assert_eq!(ledger_size(&db.store).await, before);
        assert!(all(&db.store, Kind::Model).await.is_empty());
    }
}

#[tokio::test]
async fn an_unreachable_server_and_a_bad_address_are_explained() {
    let db = fresh(Backend::Sqlite).await.unwrap();
    let ctx = TestDb::system_ctx(time::OffsetDateTime::now_utc());
    // A port nothing listens on any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = importer::run(&db.store, &ctx, &format!("http://127.0.0.1:{port}"), None)
        .await
        .unwrap_err();
    let error = format!("{error:#}");
    assert!(
        error.contains("cannot reach the MLflow server at http://127.0.0.1"),
        "{error}"
    );

    let error = importer::run(&db.store, &ctx, "mlflow.internal:5000", None)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("base URL"), "{error}");
    let error = importer::run(&db.store, &ctx, "http://user:pw@127.0.0.1:1", None)
        .await
        .unwrap_err();
    let error = format!("{error:#}");
    assert!(!error.contains("pw@"), "{error}");
}
