//! `aims serve --demo`: a throw-away organisation with realistic data, written through the
//! same write path as everything else, so its ledger verifies like any other.

use std::process::ExitCode;

use aims_core::access::Role;
use aims_core::ai_system::{
    AiSystemFields, AiSystemPatch, AutonomyLevel, HumanOversight, LifecycleStage, OrgRole,
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
    /// The stages it went through, ending where it is now.
    path: &'static [LifecycleStage],
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
        path: &[
            LifecycleStage::Design,
            LifecycleStage::Development,
            LifecycleStage::Validation,
            LifecycleStage::Deployed,
        ],
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
        path: &[LifecycleStage::Design, LifecycleStage::Validation],
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
        path: &[LifecycleStage::Development, LifecycleStage::Deployed],
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
        path: &[
            LifecycleStage::Development,
            LifecycleStage::Validation,
            LifecycleStage::Deployed,
        ],
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
        path: &[LifecycleStage::Idea],
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
        let first_stage = demo.path.first().copied().unwrap_or(LifecycleStage::Idea);
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
            lifecycle_stage: first_stage,
            org_role: demo.role,
            autonomy_level: demo.autonomy,
            human_oversight: demo.oversight,
            deployment_context: demo.context.into(),
            data_subjects: demo.subjects.into(),
            last_review: aims_core::timefmt::format_date(last_review),
            next_review: aims_core::timefmt::format_date(next_review),
        };
        let engineer = WriteCtx::new(by_role(Role::MlEngineer), now);
        let mut system = store.create_ai_system(&engineer, fields).await?;
        for stage in demo.path.iter().skip(1) {
            now += Duration::days(9);
            let actor = if *stage == LifecycleStage::Deployed {
                by_role(Role::GovernanceLead)
            } else {
                by_role(Role::MlEngineer)
            };
            let patch = AiSystemPatch {
                version: system.version,
                lifecycle_stage: Some(*stage),
                ..AiSystemPatch::default()
            };
            system = store
                .update_ai_system(&WriteCtx::new(actor, now), system.id, patch)
                .await?;
        }
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
    store.publish_checkpoint(start).await?;
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
