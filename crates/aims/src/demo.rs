//! `aims serve --demo`: a throw-away organisation with realistic data, written through the
//! same write path as everything else, so its ledger verifies like any other.

use std::process::ExitCode;

use aims_core::access::Role;
use aims_core::ai_system::{
    AiSystemFields, AutonomyLevel, HumanOversight, LifecycleStage, OrgRole,
};
use aims_core::user::NewUser;
use aims_store::{Actor, Store, WriteCtx};
use anyhow::Result;
use time::{Duration, OffsetDateTime};

use crate::app::App;

/// The password of every demo account. The demo is local and thrown away on exit.
pub const DEMO_PASSWORD: &str = "aims-demo-password";
pub const DEMO_ADMIN: &str = "admin";

/// One person per role, so each role can be tried.
const PEOPLE: &[(&str, &str, Role)] = &[
    ("gina", "Gina Lindqvist", Role::GovernanceLead),
    // A second lead: deploying a high-risk system takes two.
    ("gil", "Gil Moreau", Role::GovernanceLead),
    ("rory", "Rory Okafor", Role::RiskOwner),
    ("maya", "Maya Chen", Role::MlEngineer),
    ("ari", "Ari Haddad", Role::Auditor),
    (
        "eve",
        "Eve Marchetti (certification body)",
        Role::ExternalAuditor,
    ),
    ("vic", "Vic Novak", Role::Viewer),
];

struct DemoSystem {
    name: &'static str,
    purpose: &'static str,
    intended_use: &'static str,
    misuse: &'static str,
    owner: &'static str,
    unit: &'static str,
    role: OrgRole,
    autonomy: AutonomyLevel,
    oversight: HumanOversight,
    context: &'static str,
    subjects: &'static str,
    /// Where it stands today.
    stage: LifecycleStage,
}

const SYSTEMS: &[DemoSystem] = &[
    DemoSystem {
        name: "Credit scoring",
        purpose: "Estimates the probability that a consumer loan applicant defaults within 12 months, to support the lending decision.",
        intended_use: "Underwriters use the score with the applicant's file; applications scoring in the grey zone go to manual review.",
        misuse: "Using the score alone to refuse credit; scoring people who did not apply (marketing lists).",
        owner: "Retail Lending Analytics",
        unit: "Retail Banking",
        role: OrgRole::Provider,
        autonomy: AutonomyLevel::Partial,
        oversight: HumanOversight::HumanInTheLoop,
        context: "Online and branch loan applications in the EU; about 40,000 decisions a month.",
        subjects: "loan applicants",
        // Validated and waiting for the deployment decision, so a visitor can ask for it.
        stage: LifecycleStage::Validation,
    },
    DemoSystem {
        name: "CV screening assistant",
        purpose: "Ranks job applications against the requirements of a vacancy so recruiters read the most relevant first.",
        intended_use: "Recruiters see a ranked list with the matching criteria; every application stays visible and is read by a person.",
        misuse: "Automatic rejection of lower-ranked candidates; use for promotion or dismissal decisions.",
        owner: "Talent Acquisition",
        unit: "Human Resources",
        role: OrgRole::Deployer,
        autonomy: AutonomyLevel::Assistive,
        oversight: HumanOversight::HumanInTheLoop,
        context: "Vendor SaaS configured by HR; all EU vacancies.",
        subjects: "job applicants",
        stage: LifecycleStage::Validation,
    },
    DemoSystem {
        name: "Customer service chatbot",
        purpose: "Answers customers' questions about accounts and cards in the app and on the website, and hands over to an agent on request.",
        intended_use: "General product questions and simple account tasks; discloses that it is an AI system (EU AI Act Art. 50).",
        misuse: "Giving financial advice; handling complaints or vulnerable-customer cases without hand-over.",
        owner: "Digital Channels",
        unit: "Customer Operations",
        role: OrgRole::Deployer,
        autonomy: AutonomyLevel::High,
        oversight: HumanOversight::HumanOnTheLoop,
        context: "Built on a third-party large language model; conversations are logged and sampled weekly.",
        subjects: "customers",
        stage: LifecycleStage::Deployed,
    },
    DemoSystem {
        name: "Card fraud detector",
        purpose: "Scores card transactions in real time and blocks those very likely to be fraudulent.",
        intended_use: "Blocks above a threshold; borderline transactions trigger a customer confirmation.",
        misuse: "Use of fraud scores for credit decisions or marketing.",
        owner: "Financial Crime Analytics",
        unit: "Payments",
        role: OrgRole::Provider,
        autonomy: AutonomyLevel::Full,
        oversight: HumanOversight::HumanOnTheLoop,
        context: "All card transactions; analysts review blocked transactions daily.",
        subjects: "card holders",
        stage: LifecycleStage::Deployed,
    },
    DemoSystem {
        name: "Contract clause summariser",
        purpose: "Summarises supplier contracts and flags unusual clauses for the legal team.",
        intended_use: "Lawyers read the summary next to the contract; the summary is never sent outside Legal.",
        misuse: "Relying on the summary instead of reading the contract.",
        owner: "Legal Operations",
        unit: "Legal",
        role: OrgRole::Deployer,
        autonomy: AutonomyLevel::Assistive,
        oversight: HumanOversight::HumanInTheLoop,
        context: "Proof of concept with a hosted model.",
        subjects: "suppliers' staff named in contracts",
        stage: LifecycleStage::Idea,
    },
];

/// Writes the demo organisation: users for every role, AI systems with a history.
pub async fn seed(store: &Store, start: OffsetDateTime) -> Result<()> {
    let mut now = start - Duration::days(120);
    let system_ctx = |at| WriteCtx::new(Actor::System("demo"), at);
    let mut people = Vec::new();
    for (username, name, role) in PEOPLE {
        let user = store
            .create_user(
                &system_ctx(now),
                NewUser {
                    username: (*username).into(),
                    display_name: (*name).into(),
                    role: *role,
                    password: DEMO_PASSWORD.into(),
                },
            )
            .await?;
        people.push(user);
    }
    let by_role = |role: Role| {
        people
            .iter()
            .find(|u| u.role == role)
            .map(|u| Actor::User(u.id))
            .unwrap_or(Actor::System("demo"))
    };
    for (index, demo) in SYSTEMS.iter().enumerate() {
        now += Duration::days(3);
        let stage = demo.stage;
        let last_review = (now - Duration::days(20)).date();
        // One system is overdue for review, so the dashboard has something to show.
        let next_review = if index == 3 {
            now.date() + Duration::days(30)
        } else {
            start.date() + Duration::days(90)
        };
        let fields = AiSystemFields {
            name: demo.name.into(),
            purpose: demo.purpose.into(),
            intended_use: demo.intended_use.into(),
            foreseeable_misuse: demo.misuse.into(),
            owner: demo.owner.into(),
            business_unit: demo.unit.into(),
            // Registered where they stand today; later moves go through change requests.
            lifecycle_stage: stage,
            org_role: demo.role,
            autonomy_level: demo.autonomy,
            human_oversight: demo.oversight,
            deployment_context: demo.context.into(),
            data_subjects: demo.subjects.into(),
            last_review: aims_core::timefmt::format_date(last_review),
            next_review: aims_core::timefmt::format_date(next_review),
        };
        let engineer = WriteCtx::new(by_role(Role::MlEngineer), now);
        store.create_ai_system(&engineer, fields).await?;
    }
    let retired = AiSystemFields {
        name: "Branch footfall forecaster".into(),
        purpose: "Forecast visits per branch to plan staffing.".into(),
        owner: "Branch Network".into(),
        business_unit: "Retail Banking".into(),
        lifecycle_stage: LifecycleStage::Retired,
        org_role: OrgRole::Provider,
        ..AiSystemFields::blank()
    };
    let ctx = WriteCtx::new(by_role(Role::GovernanceLead), now + Duration::days(1));
    let system = store.create_ai_system(&ctx, retired).await?;
    store
        .set_ai_system_archived(&ctx, system.id, system.version, true)
        .await?;
    seed_conformance(
        store,
        start,
        &by_role(Role::GovernanceLead),
        &by_role(Role::RiskOwner),
    )
    .await?;
    crate::demo_inventory::seed(store, start, &people).await?;
    store.publish_checkpoint(start).await?;
    Ok(())
}

/// Applied controls with their links, most of the SoA decided (two controls are left for
/// the visitor), clause records, and evidence in every state, so readiness has a story.
async fn seed_conformance(
    store: &Store,
    start: OffsetDateTime,
    lead: &Actor,
    risk: &Actor,
) -> Result<()> {
    use aims_core::control::{ControlFields, ControlFrequency, ControlStatus, RequirementRef};
    use aims_core::evidence::{EvidenceFields, EvidenceLink, LinkTarget};
    use aims_core::soa::{
        Applicability, ClauseFields, ClauseState, ImplementationStatus, SoaRowFields,
    };
    use aims_store::ISO42001;

    let catalog = aims_catalog::Catalog::builtin()?;
    let iso = catalog
        .framework(ISO42001)
        .ok_or_else(|| anyhow::anyhow!("the catalogue has no ISO/IEC 42001"))?;
    let at = |days: i64| start - Duration::days(days);
    let ctx = |actor: &Actor, days: i64| WriteCtx::new(actor.clone(), at(days));
    let date = |days: i64| aims_core::timefmt::format_date(at(days).date());
    let iso_ref = |id: &str| RequirementRef {
        framework: ISO42001.into(),
        requirement: id.into(),
    };

    // (name, owner, status, cost, effort in days, requirements it implements)
    type DemoControl<'a> = (&'a str, &'a str, ControlStatus, i64, i64, &'a [&'a str]);
    let controls: &[DemoControl] = &[
        (
            "AI policy and annual review",
            "Governance office",
            ControlStatus::Implemented,
            8_000,
            10,
            &["A.2.2", "A.2.3", "A.2.4", "5.2"],
        ),
        (
            "AI roles, RACI and concern reporting line",
            "Governance office",
            ControlStatus::Implemented,
            5_000,
            6,
            &["A.3.2", "A.3.3", "5.3"],
        ),
        (
            "AI system and resource inventory in AIMS",
            "Model risk",
            ControlStatus::Implemented,
            3_000,
            4,
            &["A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6"],
        ),
        (
            "AI impact assessment procedure",
            "Risk office",
            ControlStatus::InProgress,
            20_000,
            25,
            &["A.5.2", "A.5.3", "A.5.4", "A.5.5", "6.1.4", "8.4"],
        ),
        (
            "Model development standard and lifecycle gates",
            "Model risk",
            ControlStatus::InProgress,
            30_000,
            40,
            &["A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.5"],
        ),
        (
            "Pre-release validation and fairness testing",
            "Model risk",
            ControlStatus::Implemented,
            25_000,
            30,
            &["A.6.2.4", "A.7.4"],
        ),
        (
            "Production monitoring, drift alarms and event logs",
            "ML platform",
            ControlStatus::Planned,
            40_000,
            45,
            &["A.6.2.6", "A.6.2.8", "9.1"],
        ),
        (
            "Data governance: acquisition, provenance, preparation",
            "Data office",
            ControlStatus::InProgress,
            35_000,
            40,
            &["A.7.2", "A.7.3", "A.7.5", "A.7.6"],
        ),
        (
            "Supplier AI due diligence",
            "Procurement",
            ControlStatus::Planned,
            12_000,
            15,
            &["A.10.2", "A.10.3"],
        ),
    ];
    let mut created = Vec::new();
    for (index, (name, owner, status, cost, effort, requirements)) in controls.iter().enumerate() {
        let mut requirements: Vec<RequirementRef> =
            requirements.iter().map(|id| iso_ref(id)).collect();
        if index == 0 {
            requirements.push(RequirementRef {
                framework: "nist-ai-rmf-1.0".into(),
                requirement: "GOVERN 1.2".into(),
            });
        }
        let fields = ControlFields {
            name: (*name).into(),
            description: String::new(),
            owner: (*owner).into(),
            status: *status,
            frequency: ControlFrequency::Continuous,
            cost_estimate: *cost,
            effort_days: *effort,
            requirements,
        };
        created.push(
            store
                .create_control(&ctx(lead, 60 - index as i64), fields)
                .await?,
        );
    }

    let excluded = ["A.10.4", "A.8.3"];
    let undecided = ["A.9.3", "A.8.5"];
    let annex_a = iso
        .sorted()
        .filter(|r| r.kind == aims_catalog::RequirementKind::Control);
    for (index, control) in annex_a.enumerate() {
        if undecided.contains(&control.id.as_str()) {
            continue;
        }
        let linked = created
            .iter()
            .find(|c| c.fields.requirements.contains(&iso_ref(&control.id)));
        let fields = if excluded.contains(&control.id.as_str()) {
            SoaRowFields {
                applicability: Applicability::NotApplicable,
                justification: "We supply no AI systems to customers and publish no external AI reporting beyond what A.8.2 covers.".into(),
                implementation_status: ImplementationStatus::NotApplicable,
                owner: String::new(),
            }
        } else {
            let status = match linked.map(|c| c.fields.status) {
                Some(ControlStatus::Implemented) => ImplementationStatus::Implemented,
                Some(ControlStatus::InProgress) => ImplementationStatus::PartiallyImplemented,
                Some(_) => ImplementationStatus::Planned,
                None => ImplementationStatus::NotStarted,
            };
            SoaRowFields {
                applicability: Applicability::Applicable,
                justification: format!(
                    "Needed to treat the risks of our credit, HR and customer AI systems ({}).",
                    control.title
                ),
                implementation_status: status,
                owner: linked
                    .map(|c| c.fields.owner.clone())
                    .unwrap_or_else(|| "Governance office".into()),
            }
        };
        store
            .update_soa_row(&ctx(risk, 40 - (index as i64 % 20)), &control.id, 0, fields)
            .await?;
    }

    let clause_states = [
        ("4.1", ClauseState::Met),
        ("4.2", ClauseState::Met),
        ("4.3", ClauseState::Met),
        ("5.1", ClauseState::Met),
        ("5.2", ClauseState::Met),
        ("5.3", ClauseState::Met),
        ("6.1.2", ClauseState::PartiallyMet),
        ("6.1.3", ClauseState::PartiallyMet),
        ("6.1.4", ClauseState::Planned),
        ("7.2", ClauseState::PartiallyMet),
        ("7.5.1", ClauseState::Met),
        ("9.2.1", ClauseState::Planned),
    ];
    for (id, state) in clause_states {
        let fields = ClauseFields {
            status: state,
            responsible_role: "AI governance lead".into(),
            notes: String::new(),
        };
        store
            .update_clause_record(&ctx(lead, 30), id, 0, fields)
            .await?;
    }

    let link = |id: &str| EvidenceLink {
        target_type: LinkTarget::Requirement,
        target_id: format!("{ISO42001}:{id}"),
    };
    // (title, what it supports, reviewed this many days ago, valid for this many days)
    let evidence: &[(&str, &[&str], i64, i64)] = &[
        ("AIMS scope statement", &["4.3"], 50, 400),
        (
            "AI policy, approved by the board",
            &["5.2", "A.2.2"],
            45,
            300,
        ),
        ("RACI for AI systems", &["5.3", "A.3.2"], 40, 300),
        ("Risk assessment method", &["6.1.2"], 35, 300),
        (
            "Credit scoring validation report",
            &["A.6.2.4", "A.7.4"],
            20,
            200,
        ),
        ("Supplier questionnaire 2025", &["A.10.3"], 400, 5),
    ];
    for (title, targets, reviewed, valid_for) in evidence {
        let mut fields = EvidenceFields::titled(title);
        fields.url = format!(
            "https://dms.example.org/aims/{}",
            title.to_lowercase().replace([' ', ','], "-")
        );
        fields.reviewed_on = date(*reviewed);
        fields.effective_from = date(*reviewed);
        fields.expires_on = date(*reviewed - *valid_for);
        fields.review_cycle_days = 365;
        fields.owner = "Governance office".into();
        fields.links = targets.iter().map(|id| link(id)).collect();
        store
            .create_evidence(&ctx(lead, *reviewed), fields, None)
            .await?;
    }
    Ok(())
}

pub async fn serve_demo(mut app: App) -> Result<ExitCode> {
    let dir = tempfile::Builder::new().prefix("aims-demo-").tempdir()?;
    app.config.data_dir = dir.path().to_path_buf();
    app.config.database_url = None;
    app.config.ledger.key_file = None;
    let (store, _) = crate::init::initialise(&app, DEMO_ADMIN, DEMO_PASSWORD.into()).await?;
    seed(&store, OffsetDateTime::now_utc()).await?;
    println!(
        "Demo data is in {} and is deleted when the server stops.",
        dir.path().display()
    );
    let result =
        crate::serve::serve_store(&app, store, Some((DEMO_ADMIN.into(), DEMO_PASSWORD.into())))
            .await;
    drop(dir);
    result
}
