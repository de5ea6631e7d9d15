//! Interchange formats: the CycloneDX 1.6 ML-BOM of an AI system, validated against the
//! official schema, and OpenLineage events checked against theirs.

use aims_core::ai_system::AiSystemFields;
use aims_core::inventory::Kind;
use aims_server::{cyclonedx, lineage};
use aims_store::NewLink;
use aims_store::testing::TestDb;
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::*;

const TIMESTAMP: &str = "2026-12-01T09:00:00Z";
const ARTIFACT: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const DATA_HASH: &str = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

fn shared_schema(path: &str) -> Value {
    let path = format!(
        "{}/../../../shared/schemas/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The CycloneDX 1.6 schema, with the two schemas it `$ref`s registered so that nothing
/// is fetched.
fn cyclonedx_validator() -> jsonschema::Validator {
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.schema.json",
            shared_schema("cyclonedx-1.6/spdx.schema.json"),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.schema.json",
            shared_schema("cyclonedx-1.6/jsf-0.82.schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&shared_schema("cyclonedx-1.6/bom-1.6.schema.json"))
        .unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, document: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "CycloneDX schema errors: {errors:#?}");
}

fn component<'a>(bom: &'a Value, bom_ref: &str) -> &'a Value {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["bom-ref"] == bom_ref)
        .unwrap_or_else(|| panic!("no component {bom_ref} in {bom:#}"))
}

fn depends_on(bom: &Value, bom_ref: &str) -> Vec<String> {
    let entry = bom["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == bom_ref)
        .unwrap_or_else(|| panic!("no dependency entry for {bom_ref}"));
    entry["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn a_system_exports_a_valid_ml_bom_with_its_models_data_and_suppliers(backend: Backend) {
        let app = app(backend).await;
        let s = &app.db.store;
        let ctx = TestDb::system_ctx(T0);

        let vendor = s.create_item(&ctx, Kind::Vendor, &json!({
            "name": "Bureau Data Ltd", "supplies": ["data", "model"], "contact": "dpo@bureau.example"
        })).await.unwrap();
        let dataset = s.create_item(&ctx, Kind::Dataset, &json!({
            "name": "Loan applications", "description": "Applications 2019-2025 with outcomes",
            "owner": "Credit risk data team", "source": "Core lending system", "licence": "Proprietary",
            "vendor_id": vendor.id, "personal_data_categories": ["contact details", "income"],
            "sensitive_attributes": ["age", "sex"], "known_biases": "Under-represents thin-file applicants"
        })).await.unwrap();
        let training = s.create_item(&ctx, Kind::DatasetVersion, &json!({
            "dataset_id": dataset.id, "version": "2026-11", "file_name": "applications.parquet",
            "sha256": DATA_HASH, "row_count": 120000,
            "schema": [{"name": "income", "type": "decimal"}, {"name": "defaulted", "type": "bool"}]
        })).await.unwrap();
        let holdout_set = s.create_item(&ctx, Kind::Dataset, &json!({"name": "Holdout"})).await.unwrap();
        let holdout = s.create_item(&ctx, Kind::DatasetVersion, &json!({
            "dataset_id": holdout_set.id, "version": "1"
        })).await.unwrap();
        let model = s.create_item(&ctx, Kind::Model, &json!({
            "name": "credit-pd", "task": "classification", "owner": "Maya", "vendor_id": vendor.id,
            "description": "Probability of default"
        })).await.unwrap();
        let version = s.create_item(&ctx, Kind::ModelVersion, &json!({
            "model_id": model.id, "version": "3", "code_repository": "https://git.example.org/credit/pd",
            "code_commit": "4f2a9c1", "framework": "xgboost 2.1",
            "hyperparameters": {"max_depth": 6, "eta": 0.1},
            "training_datasets": [training.id], "evaluation_datasets": [holdout.id],
            "metrics": {"auc": 0.81, "ks": 0.42}, "artifact_sha256": ARTIFACT,
            "artifact_uri": "s3://models/credit-pd/3/model.json",
            "intended_use": "Scoring consumer loan applications", "limitations": "Not for business loans"
        })).await.unwrap();
        let erp = s.create_item(&ctx, Kind::EnterpriseSystem, &json!({
            "name": "Core banking", "category": "core_banking"
        })).await.unwrap();
        let system = s.create_ai_system(&ctx, AiSystemFields {
            name: "Credit scoring".into(),
            purpose: "Scores loan applications".into(),
            intended_use: "Decision support for underwriters".into(),
            owner: "Rory Risk".into(),
            ..AiSystemFields::blank()
        }).await.unwrap();
        let from = format!("ai_system:{}", system.id);
        for (relation, to) in [
            ("uses_model", format!("model_version:{}", version.id)),
            ("supplied_by", format!("vendor:{}", vendor.id)),
            ("exchanges_data", format!("enterprise_system:{}", erp.id)),
        ] {
            s.add_link(&ctx, NewLink {
                from: from.clone(), relation: relation.into(), to, direction: None,
                data: if relation == "exchanges_data" { "applications".into() } else { String::new() },
            }).await.unwrap();
        }

        let bom = cyclonedx::bom_for_system(s, system.id, TIMESTAMP).await.unwrap();
        let validator = cyclonedx_validator();
        assert_valid(&validator, &bom);
        // The validator does catch mistakes in the shapes emitted.
        let mut wrong = bom.clone();
        wrong["components"][0]["modelCard"]["considerations"]["useCase"] = json!(["x"]);
        assert!(!validator.is_valid(&wrong));
        if std::env::var_os("AIMS_PRINT_BOM").is_some() {
            println!("{bom:#}");
        }

        assert_eq!(bom["bomFormat"], "CycloneDX");
        assert_eq!(bom["specVersion"], "1.6");
        assert_eq!(bom["serialNumber"], cyclonedx::serial_number(system.id, TIMESTAMP));
        assert_eq!(bom["metadata"]["timestamp"], TIMESTAMP);
        let system_ref = format!("ai_system:{}", system.id);
        assert_eq!(bom["metadata"]["component"]["bom-ref"], system_ref);
        assert_eq!(bom["metadata"]["component"]["type"], "application");
        assert_eq!(bom["metadata"]["component"]["supplier"]["name"], "Bureau Data Ltd");
        assert_eq!(bom["metadata"]["tools"]["components"][0]["name"], "AIMS");

        let model_ref = format!("model_version:{}", version.id);
        let training_ref = format!("dataset_version:{}", training.id);
        let holdout_ref = format!("dataset_version:{}", holdout.id);
        let erp_ref = format!("enterprise_system:{}", erp.id);
        let m = component(&bom, &model_ref);
        assert_eq!(m["type"], "machine-learning-model");
        assert_eq!((m["name"].as_str(), m["version"].as_str()), (Some("credit-pd"), Some("3")));
        assert_eq!(m["hashes"], json!([{"alg": "SHA-256", "content": ARTIFACT}]));
        assert_eq!(m["supplier"]["name"], "Bureau Data Ltd");
        assert_eq!(m["supplier"]["contact"][0]["email"], "dpo@bureau.example");
        assert!(m["externalReferences"].as_array().unwrap().iter().any(|r|
            r["type"] == "vcs" && r["url"] == "https://git.example.org/credit/pd" && r["comment"] == "commit 4f2a9c1"));
        let card = &m["modelCard"];
        assert_eq!(card["modelParameters"]["task"], "classification");
        assert_eq!(card["modelParameters"]["approach"]["type"], "supervised");
        assert_eq!(card["modelParameters"]["datasets"], json!([{"ref": training_ref}, {"ref": holdout_ref}]));
        let metrics = card["quantitativeAnalysis"]["performanceMetrics"].as_array().unwrap();
        assert!(metrics.contains(&json!({"type": "auc", "value": "0.81"})), "{metrics:?}");
        assert!(metrics.contains(&json!({"type": "ks", "value": "0.42"})), "{metrics:?}");
        assert_eq!(card["considerations"]["useCases"], json!(["Scoring consumer loan applications"]));
        assert_eq!(card["considerations"]["technicalLimitations"], json!(["Not for business loans"]));
        assert!(card["properties"].as_array().unwrap().contains(&json!({"name": "aims:hyperparameter:max_depth", "value": "6"})));

        let d = component(&bom, &training_ref);
        assert_eq!(d["type"], "data");
        assert_eq!(d["hashes"], json!([{"alg": "SHA-256", "content": DATA_HASH}]));
        let data = &d["data"][0];
        assert_eq!(data["type"], "dataset");
        assert_eq!(data["name"], "Loan applications v2026-11");
        assert_eq!(data["classification"], "personal data");
        assert_eq!(data["sensitiveData"], json!(["contact details", "income"]));
        assert_eq!(data["governance"]["owners"][0]["contact"]["name"], "Credit risk data team");
        assert_eq!(data["governance"]["custodians"][0]["organization"]["name"], "Bureau Data Ltd");
        assert!(data["contents"]["properties"].as_array().unwrap().contains(&json!({"name": "aims:row_count", "value": "120000"})));
        assert_eq!(d["licenses"], json!([{"license": {"name": "Proprietary"}}]));

        assert_eq!(component(&bom, &erp_ref)["type"], "application");

        // The system depends on its model and the systems it exchanges data with; the model
        // on its training data (not its evaluation data); every component has an entry.
        assert_eq!(depends_on(&bom, &system_ref), vec![model_ref.clone(), erp_ref.clone()]);
        assert_eq!(depends_on(&bom, &model_ref), vec![training_ref.clone()]);
        assert!(depends_on(&bom, &training_ref).is_empty());
        assert!(depends_on(&bom, &holdout_ref).is_empty());
        assert_eq!(bom["components"].as_array().unwrap().len(), 4);
        assert_eq!(bom["dependencies"].as_array().unwrap().len(), 5);

        // Deterministic: the same system at the same instant gives the same document.
        assert_eq!(cyclonedx::bom_for_system(s, system.id, TIMESTAMP).await.unwrap(), bom);
    }

    async fn a_system_with_nothing_linked_still_exports_a_valid_bom(backend: Backend) {
        let app = app(backend).await;
        let system = app.create_system("Chat assistant").await;
        let id = system["id"].as_str().unwrap().parse().unwrap();
        let bom = cyclonedx::bom_for_system(&app.db.store, id, TIMESTAMP).await.unwrap();
        assert_valid(&cyclonedx_validator(), &bom);
        assert_eq!(bom["components"], json!([]));
        assert_eq!(bom["dependencies"], json!([{"ref": format!("ai_system:{id}"), "dependsOn": []}]));
    }
}

/// The schema the server compiles in is the shared, official one.
#[test]
fn the_vendored_openlineage_schema_is_the_shared_one() {
    let vendored = std::fs::read(format!(
        "{}/schemas/openlineage-2/OpenLineage.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let shared = std::fs::read(format!(
        "{}/../../../shared/schemas/openlineage-2/OpenLineage.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(
        vendored == shared,
        "schemas/openlineage-2/OpenLineage.json differs from shared/schemas"
    );
}

#[test]
fn openlineage_run_events_validate_and_plan() {
    let event = json!({
        "eventType": "COMPLETE", "eventTime": "2026-11-30T22:15:04Z",
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/spark",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0176a8c2-fe01-7439-87e6-56a1a1b4029f"},
        "job": {"namespace": "spark", "name": "features"},
        "inputs": [{"namespace": "hive", "name": "raw.applications"}],
        "outputs": [{"namespace": "hive", "name": "ml.features"}]
    });
    assert_eq!(lineage::validate_event(&event), Ok(()));
    let plan = lineage::plan(&event);
    assert_eq!(
        plan.outputs[0].external_ref(),
        "openlineage:hive/ml.features"
    );
    let mut broken = event.clone();
    broken["run"] = json!({});
    let errors = lineage::validate_event(&broken).unwrap_err();
    assert!(errors[0].starts_with("/run: "), "{errors:?}");
}

fn run_event(run: &str, output_rows: i64) -> Value {
    json!({
        "eventType": "COMPLETE", "eventTime": "2026-11-30T22:15:04Z",
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/spark",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run},
        "job": {"namespace": "spark", "name": "features"},
        "inputs": [{"namespace": "hive", "name": "raw.applications"}],
        "outputs": [{"namespace": "hive", "name": "ml.features", "outputFacets": {"outputStatistics": {
            "_producer": "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/spark",
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json",
            "rowCount": output_rows}}}]
    })
}

both_backends! {
    async fn openlineage_events_build_datasets_and_lineage_over_http(backend: Backend) {
        let app = app(backend).await;
        let token = app.token(aims_core::access::Role::MlEngineer).to_owned();
        let post = |body: Value| {
            let token = token.clone();
            let app = &app;
            async move {
                app.send(axum::http::Method::POST, "/api/v1/lineage", Some(&token), &[("content-type", "application/json")], axum::body::Body::from(body.to_string())).await
            }
        };
        // A broken event is refused with the schema's reasons, and nothing is stored.
        let size = app.db.store.ledger_head().await.unwrap().size;
        let mut broken = run_event("0176a8c2-fe01-7439-87e6-56a1a1b4029f", 10);
        broken["eventTime"] = json!("yesterday");
        let reply = post(broken).await;
        assert_eq!(reply.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert!(reply.body.contains("eventTime"), "{}", reply.body);
        assert_eq!(app.db.store.ledger_head().await.unwrap().size, size);

        let reply = post(run_event("0176a8c2-fe01-7439-87e6-56a1a1b4029f", 118_500)).await;
        assert_eq!(reply.status, axum::http::StatusCode::CREATED, "{}", reply.body);
        let datasets = app.db.store.all_items(Kind::Dataset).await.unwrap();
        let features = datasets.iter().find(|d| d.text("external_ref") == "openlineage:hive/ml.features").expect("output dataset");
        assert!(datasets.iter().any(|d| d.text("external_ref") == "openlineage:hive/raw.applications"));
        let versions = app.db.store.list_items(Kind::DatasetVersion, &aims_store::ItemFilter { parent_id: Some(features.id), ..Default::default() }).await.unwrap().items;
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].fields["row_count"], json!(118_500));
        assert!(!versions[0].ids("parents").is_empty(), "the output version derives from the input");
        // The raw event is kept and covered by the ledger.
        let events = app.db.store.lineage_events(10).await.unwrap();
        assert_eq!((events.len(), events[0].job.as_str()), (1, "spark/features"));
        let report = app.db.store.verify_ledger(&app.db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }

    async fn the_bom_endpoint_serves_cyclonedx(backend: Backend) {
        let app = app(backend).await;
        let system = app.create_system("Scoring").await;
        let reply = app.get(&format!("/api/v1/systems/{}/bom", system["id"].as_str().unwrap()), aims_core::access::Role::Auditor).await;
        assert_eq!(reply.status, axum::http::StatusCode::OK);
        assert!(reply.headers["content-type"].to_str().unwrap().starts_with("application/vnd.cyclonedx+json"));
        let bom: Value = serde_json::from_str(&reply.body).unwrap();
        assert_valid(&cyclonedx_validator(), &bom);
        assert_eq!(bom["metadata"]["component"]["name"], "Scoring");
    }
}

/// A fake MLflow tracking server on a local port: one registered model with one version.
/// `broken` answers every request with a 500.
fn fake_mlflow(broken: bool) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let (status, body) = if broken {
                (
                    "500 Internal Server Error",
                    json!({"error_code": "INTERNAL_ERROR", "message": "database is down"}),
                )
            } else if request_line.contains("registered-models/search") {
                (
                    "200 OK",
                    json!({"registered_models": [{"name": "churn-model", "description": "Predicts churn"}]}),
                )
            } else {
                (
                    "200 OK",
                    json!({"model_versions": [{"name": "churn-model", "version": "7", "source": "s3://models/churn/7", "status": "READY"}]}),
                )
            };
            let body = body.to_string();
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

both_backends! {
    async fn the_configured_mlflow_registry_imports_from_the_api_and_the_page(backend: Backend) {
        use aims_core::access::Role;
        use axum::http::{Method, StatusCode};
        // Not configured: refused with the reason.
        let plain = app(backend).await;
        let reply = plain.json(Method::POST, "/api/v1/imports/mlflow", Role::MlEngineer, &json!({})).await;
        assert_eq!((reply.status, reply.code()), (StatusCode::CONFLICT, "not_configured".to_owned()));

        let config = aims_server::ServerConfig { mlflow_url: Some(fake_mlflow(false)), ..Default::default() };
        let app = app_with(backend, config).await;
        let reply = app.json(Method::POST, "/api/v1/imports/mlflow", Role::MlEngineer, &json!({})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["models"]["created"], 1);
        let versions = app.db.store.all_items(Kind::ModelVersion).await.unwrap();
        assert_eq!((versions[0].display_name(), versions[0].text("external_ref")), ("churn-model v7".to_owned(), "mlflow:churn-model/7"));
        // Again: nothing changes.
        let again = app.json(Method::POST, "/api/v1/imports/mlflow", Role::MlEngineer, &json!({})).await;
        assert_eq!(again.json()["models"]["unchanged"], 1, "{}", again.body);
        assert_eq!(app.json(Method::POST, "/api/v1/imports/mlflow", Role::Viewer, &json!({})).await.status, StatusCode::FORBIDDEN);

        // A failing MLflow is a bad gateway with its message, and nothing is written.
        let config = aims_server::ServerConfig { mlflow_url: Some(fake_mlflow(true)), ..Default::default() };
        let broken = app_with(backend, config).await;
        let size = broken.db.store.ledger_head().await.unwrap().size;
        let reply = broken.json(Method::POST, "/api/v1/imports/mlflow", Role::MlEngineer, &json!({})).await;
        assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.body);
        assert!(reply.body.contains("database is down"), "{}", reply.body);
        assert_eq!(broken.db.store.ledger_head().await.unwrap().size, size);
        let page = broken.get("/inventory/model", Role::MlEngineer).await;
        assert!(page.body.contains("Import from MLflow"));
    }
}
