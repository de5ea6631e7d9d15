//! The demo organisation's inventory and governance: business units, governance bodies, a
//! RACI chart, vendors, enterprise systems, models and datasets with lineage, the links
//! from AI systems to what they use, the credit-scoring system's classification, and a
//! model version approved through a change request. All through the one write path.

use std::collections::BTreeMap;

use aims_core::access::Role;
use aims_core::governance::{Decision, Subject};
use aims_core::inventory::{FlowDirection, Kind};
use aims_core::risk::classification::IntakeAnswers;
use aims_core::user::User;
use aims_store::{Actor, Decider, InventoryItem, NewLink, Store, WriteCtx};
use anyhow::{Context, Result};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Writes the inventory at `start` minus a few weeks, so reviews and retention have dates.
pub async fn seed(store: &Store, start: OffsetDateTime, people: &[User]) -> Result<()> {
    let person = |role: Role| {
        people
            .iter()
            .find(|u| u.role == role)
            .context("demo user missing")
    };
    let maya = person(Role::MlEngineer)?;
    let rory = person(Role::RiskOwner)?;
    let gina = person(Role::GovernanceLead)?;
    let at = start - Duration::days(30);
    let ctx = WriteCtx::new(Actor::User(maya.id), at);
    let add = |kind: Kind, fields: Value| {
        let ctx = ctx.clone();
        async move {
            store
                .create_item(&ctx, kind, &fields)
                .await
                .with_context(|| format!("demo {kind}"))
        }
    };

    // The organisation.
    let group = add(
        Kind::BusinessUnit,
        json!({"name": "Northwind Bank Group", "lead": "Group COO"}),
    )
    .await?;
    let mut units = BTreeMap::new();
    for name in [
        "Retail Banking",
        "Human Resources",
        "Customer Operations",
        "Payments",
        "Legal",
    ] {
        let unit = add(
            Kind::BusinessUnit,
            json!({"name": name, "parent_id": group.id}),
        )
        .await?;
        units.insert(name, unit.id);
    }
    let board = add(Kind::GovernanceBody, json!({"name": "Board Risk Committee", "tier": "board", "business_unit_id": group.id,
        "mandate": "Sets the AI risk appetite and approves the AI policy.", "members": [{"name": "Chair of the board", "role": "chair"}]})).await?;
    let committee = add(Kind::GovernanceBody, json!({"name": "AI Governance Committee", "tier": "committee", "parent_id": board.id, "business_unit_id": group.id,
        "mandate": "Decides deployments of high-risk AI systems and owns the AIMS.",
        "members": [{"name": gina.display_name, "role": "chair"}, {"name": rory.display_name, "role": "member"}, {"name": "Data Protection Officer", "role": "member"}]})).await?;
    add(Kind::GovernanceBody, json!({"name": "Model Risk Working Group", "tier": "working_group", "parent_id": committee.id, "business_unit_id": units["Retail Banking"],
        "mandate": "Validates models before approval and reviews monitoring monthly.", "members": [{"name": maya.display_name, "role": "member"}]})).await?;

    // Third parties and enterprise systems.
    let bureau = add(Kind::Vendor, json!({"name": "Bureau Data Ltd", "supplies": ["data"], "contact": "partners@bureau.example",
        "contract_start": "2024-01-01", "contract_end": "2027-12-31", "last_review": "2025-11-15", "review_cycle_months": 12,
        "responsibilities": [{"responsibility": "Accuracy of bureau records", "party": "vendor"}, {"responsibility": "Lawful basis for use in lending", "party": "us"}],
        "assessment": {"governance": 3, "documentation": 3, "data_rights": 4, "testing": 2, "incidents": 3, "security": 4, "audit_rights": 3}})).await?;
    let llm = add(Kind::Vendor, json!({"name": "Hosted LLM provider", "supplies": ["model", "platform"], "contract_start": "2025-06-01",
        "last_review": "2025-06-01", "review_cycle_months": 6,
        "assessment": {"governance": 2, "documentation": 2, "data_rights": 1, "testing": 2, "incidents": 3, "security": 4, "audit_rights": 1}})).await?;
    let talent = add(Kind::Vendor, json!({"name": "TalentMatch SaaS", "supplies": ["model", "service"], "contract_start": "2025-03-01", "last_review": "2026-03-01", "review_cycle_months": 12})).await?;
    let core_banking = add(
        Kind::EnterpriseSystem,
        json!({"name": "Core banking", "category": "core_banking", "owner": "IT Operations"}),
    )
    .await?;
    let crm = add(
        Kind::EnterpriseSystem,
        json!({"name": "Customer CRM", "category": "crm", "owner": "Customer Operations"}),
    )
    .await?;
    let hris = add(Kind::EnterpriseSystem, json!({"name": "HR information system", "category": "hris", "owner": "Human Resources", "vendor_id": talent.id})).await?;

    // Data, with lineage: the training set is derived from applications and bureau data.
    let applications = add(Kind::Dataset, json!({"name": "Loan applications", "owner": "Retail Lending Analytics", "source": "Core banking application records",
        "provenance": "Exported monthly from core banking; identifiers pseudonymised before analytics.", "licence": "internal",
        "personal_data_categories": ["identification", "income", "employment"], "sensitive_attributes": ["sex", "age", "race"],
        "known_biases": "Under-represents applicants who apply in branches outside cities.", "retention_days": 2555,
        "retention_rule": "7 years after the credit decision (lending regulation)", "last_review": "2026-06-01", "review_cycle_months": 6})).await?;
    let bureau_data = add(Kind::Dataset, json!({"name": "Bureau credit records", "owner": "Retail Lending Analytics", "vendor_id": bureau.id,
        "source": "Bureau Data Ltd monthly file", "licence": "commercial licence, lending decisions only",
        "personal_data_categories": ["credit history"], "retention_days": 30, "retention_rule": "contract: delete raw files 30 days after delivery"})).await?;
    let schema = json!([{"name": "applicant_id", "type": "string"}, {"name": "income", "type": "float"}, {"name": "sex", "type": "string"},
        {"name": "age", "type": "int"}, {"name": "race", "type": "string"}, {"name": "label", "type": "int"}]);
    let apps_v = add(Kind::DatasetVersion, json!({"dataset_id": applications.id, "version": "2026-10", "file_name": "applications-2026-10.parquet",
        "sha256": "5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592", "row_count": 412_380, "schema": schema})).await?;
    // Delivered long ago: its 30-day retention has passed, so it shows under "my work".
    let old = WriteCtx::new(Actor::User(maya.id), start - Duration::days(75));
    let bureau_v = store.create_item(&old, Kind::DatasetVersion, &json!({"dataset_id": bureau_data.id, "version": "2026-09", "file_name": "bureau-2026-09.csv", "row_count": 398_112})).await?;
    let training = add(Kind::Dataset, json!({"name": "Credit training set", "owner": "Retail Lending Analytics", "sensitive_attributes": ["sex", "age", "race"],
        "provenance": "Joined applications and bureau records; 24-month default label.", "retention_days": 2555})).await?;
    let training_v = add(Kind::DatasetVersion, json!({"dataset_id": training.id, "version": "2026-10", "row_count": 350_004, "schema": schema,
        "parents": [apps_v.id, bureau_v.id]})).await?;
    let holdout_v = add(Kind::DatasetVersion, json!({"dataset_id": training.id, "version": "2026-10-holdout", "row_count": 10_000, "parents": [training_v.id]})).await?;

    // Models.
    let credit_pd = add(Kind::Model, json!({"name": "credit-pd", "task": "classification", "owner": "Retail Lending Analytics",
        "intended_use": "Probability of default for consumer loan applications.", "limitations": "Not validated for business loans or applicants under 21."})).await?;
    add(Kind::ModelVersion, json!({"model_id": credit_pd.id, "version": "2", "framework": "xgboost 1.7", "code_repository": "git.example/lending/credit-pd", "code_commit": "4be1c0d",
        "metrics": {"auc": 0.79}, "intended_use": "Consumer loans.", "limitations": "Trained before the 2025 income rules."})).await?;
    let v3 = add(Kind::ModelVersion, json!({"model_id": credit_pd.id, "version": "3", "framework": "xgboost 2.1", "code_repository": "git.example/lending/credit-pd", "code_commit": "9f2a7e1",
        "hyperparameters": {"max_depth": 5, "eta": 0.1, "n_estimators": 400}, "training_datasets": [training_v.id], "evaluation_datasets": [holdout_v.id],
        "metrics": {"auc": 0.812, "ks": 0.47, "brier": 0.091}, "artifact_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "artifact_uri": "s3://models/credit-pd/3/model.json", "intended_use": "Probability of default for consumer loan applications in the EU.",
        "limitations": "Not for business loans; recalibrate if the approval rate moves by more than 5 points."})).await?;
    let llm_model = add(Kind::Model, json!({"name": "hosted-llm", "task": "generation", "vendor_id": llm.id, "owner": "Digital Channels"})).await?;
    let llm_v = add(Kind::ModelVersion, json!({"model_id": llm_model.id, "version": "2026-08", "intended_use": "Customer service answers with retrieval.", "limitations": "No financial advice."})).await?;
    let talent_model = add(Kind::Model, json!({"name": "talent-rank", "task": "ranking", "vendor_id": talent.id, "owner": "Talent Acquisition"})).await?;
    let talent_v = add(
        Kind::ModelVersion,
        json!({"model_id": talent_model.id, "version": "5.2"}),
    )
    .await?;

    // The systems and what they use.
    let systems = store
        .list_ai_systems(
            &Default::default(),
            &aims_store::ListParams {
                limit: Some(100),
                ..Default::default()
            },
        )
        .await?;
    let system = |name: &str| {
        systems
            .items
            .iter()
            .find(|s| s.fields.name == name)
            .map(|s| s.id)
            .context("demo system missing")
    };
    let credit = system("Credit scoring")?;
    let cv = system("CV screening assistant")?;
    let chatbot = system("Customer service chatbot")?;
    let fraud = system("Card fraud detector")?;
    let link = |from: Uuid,
                relation: &str,
                to: &InventoryItem,
                direction: Option<FlowDirection>,
                data: &str| NewLink {
        from: format!("ai_system:{from}"),
        relation: relation.into(),
        to: to.node().key(),
        direction,
        data: data.into(),
    };
    for new in [
        link(credit, "uses_model", &v3, None, ""),
        link(credit, "uses_dataset", &applications, None, ""),
        link(
            credit,
            "exchanges_data",
            &core_banking,
            Some(FlowDirection::Both),
            "applications in, scores out",
        ),
        link(
            credit,
            "exchanges_data",
            &crm,
            Some(FlowDirection::Outbound),
            "decision reasons for customer letters",
        ),
        link(cv, "uses_model", &talent_v, None, ""),
        link(cv, "supplied_by", &talent, None, ""),
        link(
            cv,
            "exchanges_data",
            &hris,
            Some(FlowDirection::Inbound),
            "vacancies and applications",
        ),
        link(chatbot, "uses_model", &llm_v, None, ""),
        link(
            chatbot,
            "exchanges_data",
            &crm,
            Some(FlowDirection::Both),
            "customer context, conversation summaries",
        ),
        link(
            fraud,
            "exchanges_data",
            &core_banking,
            Some(FlowDirection::Inbound),
            "card transactions",
        ),
    ] {
        store.add_link(&ctx, new).await?;
    }
    add(Kind::Raci, json!({"name": "Credit model release", "ai_system_id": credit, "rows": [
        {"activity": "Train and document the model", "responsible": "ML engineer", "accountable": "Head of Lending Analytics", "consulted": "Model Risk Working Group", "informed": "AI Governance Committee"},
        {"activity": "Validate the model", "responsible": "Model Risk Working Group", "accountable": "Risk owner", "consulted": "ML engineer", "informed": "Internal audit"},
        {"activity": "Approve deployment", "responsible": "AI Governance Committee", "accountable": "AI governance lead", "consulted": "DPO", "informed": "Board Risk Committee"}]})).await?;

    // Credit scoring is classified: high impact, high-risk under Annex III 5(b).
    let risk_ctx = WriteCtx::new(Actor::User(rory.id), start - Duration::days(10));
    store
        .classify_system(
            &risk_ctx,
            credit,
            IntakeAnswers::example_credit_scoring(),
            0,
            &aims_server::inventory::law_version(
                &aims_catalog::Catalog::builtin().map_err(|e| anyhow::anyhow!("{e}"))?,
            ),
        )
        .await?;

    // Its validation: a real performance and fairness check on a generated hold-out set,
    // recorded against the model version (A.6.2.4).
    record_validation(
        store,
        WriteCtx::new(Actor::User(maya.id), start - Duration::days(9)),
        v3.id,
    )
    .await?;

    // credit-pd v3 went through validation and approval by change requests.
    let mut when = start - Duration::days(9);
    for (transition, approver) in [("validate", rory), ("approve", gina)] {
        let ctx = WriteCtx::new(Actor::User(maya.id), when);
        let request = store
            .request_change(
                &ctx,
                Decider {
                    user_id: maya.id,
                    role: maya.role,
                },
                Subject::ModelVersion,
                v3.id,
                transition,
                "validation report attached to the model card",
            )
            .await?;
        when += Duration::days(1);
        store
            .decide_change(
                &WriteCtx::new(Actor::User(approver.id), when),
                Decider {
                    user_id: approver.id,
                    role: approver.role,
                },
                request.id,
                Decision::Approve,
                "checked",
            )
            .await?;
        when += Duration::days(1);
    }
    seed_risks(store, start, rory, credit, &bureau, &llm).await
}

/// Risks: two on credit scoring above appetite and untreated (for the visitor to treat),
/// one on a vendor that reaches it through its data, one on the LLM vendor reaching the
/// chatbot, and a treated one.
async fn seed_risks(
    store: &Store,
    start: OffsetDateTime,
    rory: &User,
    credit: Uuid,
    bureau: &InventoryItem,
    llm: &InventoryItem,
) -> Result<()> {
    use aims_core::risk::register::{RiskFields, RiskStatus};
    let ctx = WriteCtx::new(Actor::User(rory.id), start - Duration::days(8));
    let risk = |title: &str,
                description: &str,
                subject: String,
                source: &str,
                objective: &str,
                l: u8,
                i: u8| RiskFields {
        title: title.into(),
        description: description.into(),
        subject,
        risk_source: source.into(),
        objective: objective.into(),
        category: String::new(),
        owner: rory.display_name.clone(),
        inherent_likelihood: l,
        inherent_impact: i,
        residual_likelihood: None,
        residual_impact: None,
        status: RiskStatus::Open,
        treatment: String::new(),
        // Rated on every dimension of the default methodology, scaled from the impact.
        dimension_scores: [
            ("technical_uncertainty", l.min(4)),
            ("data_provenance", i.saturating_sub(1)),
            ("societal_impact", i.min(4)),
            ("autonomy", 2),
            ("scale", 2),
        ]
        .into_iter()
        .map(|(id, n)| (id.to_owned(), n))
        .collect(),
    };
    let system = format!("ai_system:{credit}");
    store.create_risk(&ctx, risk("Lower approval rates for applicants over 65", "Age correlates with income gaps in the training data; the model may refuse older applicants more often than their repayment record justifies.", system.clone(), "C.3.4", "C.2.5", 4, 4)).await?;
    store.create_risk(&ctx, risk("Applicants cannot understand refusals", "Reasons given for refusals are generic, so applicants cannot contest a decision effectively.", system.clone(), "C.3.2", "C.2.11", 4, 3)).await?;
    store
        .create_risk(
            &ctx,
            risk(
                "Bureau records contain stale defaults",
                "Settled defaults are sometimes still reported, which lowers scores unfairly.",
                bureau.node().key(),
                "C.3.4",
                "C.2.3",
                3,
                4,
            ),
        )
        .await?;
    store
        .create_risk(
            &ctx,
            risk(
                "Provider changes the model without notice",
                "A silent model update could change answers and tone.",
                llm.node().key(),
                "C.3.6",
                "C.2.8",
                3,
                3,
            ),
        )
        .await?;
    let mut treated = risk(
        "Score drift after the income rule change",
        "Income definitions changed in 2025.",
        system,
        "C.3.6",
        "C.2.8",
        3,
        3,
    );
    treated.residual_likelihood = Some(2);
    treated.residual_impact = Some(2);
    treated.treatment = "mitigate".into();
    let recorded = store.create_risk(&ctx, treated).await?;
    store
        .add_risk_action(
            &ctx,
            recorded.id,
            aims_store::ActionFields {
                title: "Monthly PSI monitoring with alert at 0.2".into(),
                owner: "Retail Lending Analytics".into(),
                due: aims_core::timefmt::format_date((start - Duration::days(2)).date()),
                status: aims_core::risk::register::ActionStatus::InProgress,
                validation_criteria: "Three monthly reports with PSI below 0.2".into(),
                validation_result: String::new(),
                controls: vec!["A.6.2.6".into()],
                applied_controls: Vec::new(),
            },
        )
        .await?;
    Ok(())
}

/// The demo's validation spec: performance and fairness thresholds for the hold-out set.
const VALIDATION_SPEC: &str = r#"
name = "credit-pd v3 hold-out"

[columns.id]
type = "integer"
role = "id"

[columns.sex]
kind = "categorical"
role = "sensitive"

[columns.default]
kind = "categorical"
role = "label"

[columns.score]
kind = "numerical"
role = "score"
min = 0
max = 1

[columns.prediction]
kind = "categorical"
role = "prediction"

[fairness]
groupings = [["sex"]]
positive_label = "1"
favourable_label = "0"
privileged = { sex = "F" }
max_demographic_parity_difference = 0.1
max_equalized_odds_difference = 0.15

[performance]
threshold = 0.5
min_roc_auc = 0.75
max_ece = 0.1
"#;

/// Writes a deterministic hold-out set, runs the performance and fairness checks on it with
/// the analytics engine, and records both runs against the model version.
async fn record_validation(store: &Store, ctx: WriteCtx, version: Uuid) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("holdout.csv");
    let spec = dir.path().join("holdout.spec.toml");
    // A small linear congruential generator: the same data every time, no dependency.
    let mut state: u64 = 42;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as f64) / f64::from(1_u32 << 31)
    };
    let mut csv = String::from("id,sex,default,score,prediction\n");
    for id in 0..4000 {
        let sex = if next() < 0.5 { "F" } else { "M" };
        // The score is a calibrated probability; the label is drawn from it.
        let score = (0.02 + 0.9 * next().powi(3)).min(0.98);
        let default = u8::from(next() < score);
        let prediction = u8::from(score >= 0.5);
        csv.push_str(&format!("{id},{sex},{default},{score:.4},{prediction}\n"));
    }
    std::fs::write(&data, csv)?;
    std::fs::write(&spec, VALIDATION_SPEC)?;
    let state = aims_server::AppState::new(
        store.clone(),
        std::sync::Arc::new(aims_server::SystemClock),
        aims_server::ServerConfig::default(),
        None,
    )?;
    for kind in [
        aims_analytics::CheckKind::Performance,
        aims_analytics::CheckKind::Fairness,
    ] {
        let request = aims_analytics::request(kind, &data, None, &spec);
        let report = aims_analytics::run_check(&request)
            .map_err(|e| anyhow::anyhow!("demo validation: {e}"))?;
        let mut inputs = std::collections::BTreeMap::new();
        for (name, path) in [("data", &data), ("spec", &spec)] {
            use sha2::Digest;
            inputs.insert(
                name.to_owned(),
                hex::encode(sha2::Sha256::digest(std::fs::read(path)?)),
            );
        }
        let submission = aims_server::api_checks::CheckSubmission {
            report: serde_json::to_value(&report)?,
            subject_type: "model_version".into(),
            subject_id: version.to_string(),
            controls: Vec::new(),
            inputs,
        };
        aims_server::api_checks::record(&state, &ctx, submission)
            .await
            .map_err(|e| anyhow::anyhow!("demo validation: {}", e.message))?;
    }
    Ok(())
}
