//! The OpenAPI 3.1 document, generated from the handlers' annotations. A copy is committed
//! at `docs/openapi.json`, and a test fails when it is out of date.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AIMS API",
        description = "The JSON API of AIMS, the AI management system for ISO/IEC 42001. \
            Authenticate with `Authorization: Bearer <token>` (create tokens under Account, \
            or with `aims token create`). Errors share one format: \
            `{\"error\": {\"code\", \"message\", \"field\"?, \"details\"?, \"request_id\"}}`.",
        license(name = "Apache-2.0")
    ),
    paths(
        api::me, api::dashboard,
        api::systems::list, api::systems::create, api::systems::show, api::systems::update,
        api::systems::archive, api::systems::restore, api::systems::history,
        api::users::list, api::users::create, api::users::show, api::users::update,
        api::tokens::list, api::tokens::create, api::tokens::revoke,
        api::ledger::head, api::ledger::key, api::ledger::entries, api::ledger::proof,
        api::ledger::verify,
        api::conformance::frameworks, api::conformance::framework_import, api::conformance::framework_show, api::conformance::framework_oscal,
        api::conformance::controls, api::conformance::control_create, api::conformance::control_show,
        api::conformance::control_update, api::conformance::soa, api::conformance::soa_update,
        api::conformance::soa_approve, api::conformance::soa_versions, api::conformance::soa_version,
        api::conformance::soa_export, api::conformance::clauses, api::conformance::clause_update,
        api::readiness::readiness, api::readiness::history, api::readiness::crosswalk,
        api::checks::create, api::checks::list, api::checks::history, api::checks::show, api::checks::report,
        api::evidence::list, api::evidence::create_link, api::evidence::upload, api::evidence::show,
        api::evidence::update, api::evidence::new_version, api::evidence::download,
        api::inventory::kinds, api::inventory::list, api::inventory::create, api::inventory::show,
        api::inventory::update, api::inventory::archive, api::inventory::history,
        api::inventory::record_deletion, api::inventory::retention, api::inventory::link_create,
        api::inventory::link_delete, api::inventory::graph, api::inventory::lineage, api::inventory::bom, api::inventory::mlflow_import, api::inventory::my_work,
        api::governance::policy, api::governance::policy_update, api::governance::classification,
        api::governance::classify, api::governance::transitions, api::governance::changes,
        api::governance::change_create, api::governance::change_show, api::governance::change_decide,
        api::governance::change_withdraw, api::governance::conflict_raise, api::governance::conflict_resolve,
        api::governance::waivers, api::governance::waiver_grant, api::governance::waiver_revoke,
        api::risk::list, api::risk::create, api::risk::show, api::risk::update, api::risk::accept,
        api::risk::action_create, api::risk::action_update, api::risk::export, api::risk::import,
        api::risk::heatmap, api::risk::system_risks, api::risk::methodology, api::risk::methodology_approve,
        api::risk::assessments, api::risk::assessment_start, api::risk::assessment, api::risk::assessment_save,
        api::risk::assessment_approve,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail, crate::error::ApiError)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "systems", description = "The AI system register (A.4, A.6)"),
        (name = "users", description = "User administration"),
        (name = "account", description = "The signed-in user and their API tokens"),
        (name = "ledger", description = "The tamper-evident audit trail"),
        (name = "checks", description = "Analytics check runs recorded as evidence, metric history and process-control alarms"),
        (name = "inventory", description = "Models, datasets, vendors, the organisation and enterprise systems (A.3, A.4, A.7.5, A.10), and the dependency graph"),
        (name = "governance", description = "Impact classification, lifecycle transitions with stage gates, approvals, waivers and the governance policy (A.2, A.6.2.5)"),
        (name = "risk", description = "The risk register, treatments and acceptances, the risk methodology, impact assessments (6.1.2 to 6.1.4, 8.2 to 8.4)"),
        (name = "evidence", description = "Evidence files and links, their versions and what they support"),
        (name = "conformance", description = "Frameworks, applied controls, the Statement of Applicability (6.1.3) and clause conformance"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The document as pretty-printed JSON, ending in a newline.
pub fn openapi_json() -> String {
    let mut text = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
}
