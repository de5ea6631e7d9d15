//! Every route with the permission it needs, in one table.
//!
//! The router is built from this table, and the role test walks the same table, so a
//! route cannot exist without a declared permission or escape the test.

use aims_core::access::Permission;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::routing::{MethodRouter, delete, get, patch, post, put};

use crate::state::AppState;
use crate::{api, auth, ui};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteAccess {
    /// Anyone, signed in or not (sign-in page, health checks, static files, the API spec).
    Public,
    /// A signed-in user whose role grants the permission.
    Requires(Permission),
}

/// One route: method, path pattern and access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: RouteAccess,
}

type Handler = MethodRouter<AppState>;

// One route per line reads as a table, which is what this is.
#[rustfmt::skip]
fn table() -> Vec<(RouteSpec, Handler)> {
    use Permission as P;
    use RouteAccess::{Public, Requires};
    let r = |method: &'static str, path: &'static str, access: RouteAccess, handler: Handler| {
        (RouteSpec { method, path, access }, handler)
    };
    vec![
        // Operations
        r("GET", "/healthz", Public, get(api::ops::healthz)),
        r("GET", "/readyz", Public, get(api::ops::readyz)),
        r("GET", "/api/v1/openapi.json", Public, get(api::ops::openapi)),
        r("GET", "/static/{file}", Public, get(ui::assets::asset)),
        // JSON API
        r("GET", "/api/v1/me", Requires(P::Authenticated), get(api::me)),
        r("GET", "/api/v1/dashboard", Requires(P::Authenticated), get(api::dashboard)),
        r("GET", "/api/v1/systems", Requires(P::SystemRead), get(api::systems::list)),
        r("POST", "/api/v1/systems", Requires(P::SystemWrite), post(api::systems::create)),
        r("GET", "/api/v1/systems/{id}", Requires(P::SystemRead), get(api::systems::show)),
        r("PATCH", "/api/v1/systems/{id}", Requires(P::SystemWrite), patch(api::systems::update)),
        r("POST", "/api/v1/systems/{id}/archive", Requires(P::SystemArchive), post(api::systems::archive)),
        r("POST", "/api/v1/systems/{id}/restore", Requires(P::SystemArchive), post(api::systems::restore)),
        r("GET", "/api/v1/systems/{id}/history", Requires(P::SystemRead), get(api::systems::history)),
        r("GET", "/api/v1/users", Requires(P::UserAdmin), get(api::users::list)),
        r("POST", "/api/v1/users", Requires(P::UserAdmin), post(api::users::create)),
        r("GET", "/api/v1/users/{id}", Requires(P::UserAdmin), get(api::users::show)),
        r("PATCH", "/api/v1/users/{id}", Requires(P::UserAdmin), patch(api::users::update)),
        r("GET", "/api/v1/tokens", Requires(P::Authenticated), get(api::tokens::list)),
        r("POST", "/api/v1/tokens", Requires(P::Authenticated), post(api::tokens::create)),
        r("DELETE", "/api/v1/tokens/{id}", Requires(P::Authenticated), delete(api::tokens::revoke)),
        r("GET", "/api/v1/ledger/head", Requires(P::LedgerRead), get(api::ledger::head)),
        r("GET", "/api/v1/ledger/key", Requires(P::LedgerRead), get(api::ledger::key)),
        r("GET", "/api/v1/ledger/entries", Requires(P::LedgerRead), get(api::ledger::entries)),
        r("GET", "/api/v1/ledger/entries/{seq}/proof", Requires(P::LedgerRead), get(api::ledger::proof)),
        r("POST", "/api/v1/ledger/verify", Requires(P::LedgerRead), post(api::ledger::verify)),
        r("GET", "/api/v1/frameworks", Requires(P::ConformanceRead), get(api::conformance::frameworks)),
        r("POST", "/api/v1/frameworks", Requires(P::ConformanceWrite), post(api::conformance::framework_import)),
        r("GET", "/api/v1/frameworks/{id}", Requires(P::ConformanceRead), get(api::conformance::framework_show)),
        r("GET", "/api/v1/frameworks/{id}/oscal", Requires(P::ConformanceRead), get(api::conformance::framework_oscal)),
        r("GET", "/api/v1/controls", Requires(P::ConformanceRead), get(api::conformance::controls)),
        r("POST", "/api/v1/controls", Requires(P::ConformanceWrite), post(api::conformance::control_create)),
        r("GET", "/api/v1/controls/{id}", Requires(P::ConformanceRead), get(api::conformance::control_show)),
        r("PUT", "/api/v1/controls/{id}", Requires(P::ConformanceWrite), put(api::conformance::control_update)),
        r("GET", "/api/v1/soa", Requires(P::ConformanceRead), get(api::conformance::soa)),
        r("PUT", "/api/v1/soa/{control_id}", Requires(P::ConformanceWrite), put(api::conformance::soa_update)),
        r("POST", "/api/v1/soa/approve", Requires(P::SoaApprove), post(api::conformance::soa_approve)),
        r("GET", "/api/v1/soa/versions", Requires(P::ConformanceRead), get(api::conformance::soa_versions)),
        r("GET", "/api/v1/soa/versions/{number}", Requires(P::ConformanceRead), get(api::conformance::soa_version)),
        r("GET", "/api/v1/soa/export", Requires(P::ConformanceRead), get(api::conformance::soa_export)),
        r("GET", "/api/v1/clauses", Requires(P::ConformanceRead), get(api::conformance::clauses)),
        r("PUT", "/api/v1/clauses/{id}", Requires(P::ConformanceWrite), put(api::conformance::clause_update)),
        r("GET", "/api/v1/readiness", Requires(P::ConformanceRead), get(api::readiness::readiness)),
        r("GET", "/api/v1/readiness/history", Requires(P::ConformanceRead), get(api::readiness::history)),
        r("GET", "/api/v1/crosswalk/{framework}", Requires(P::ConformanceRead), get(api::readiness::crosswalk)),
        r("POST", "/api/v1/checks", Requires(P::ConformanceWrite), post(api::checks::create).layer(upload_limit())),
        r("GET", "/api/v1/checks", Requires(P::ConformanceRead), get(api::checks::list)),
        r("GET", "/api/v1/checks/history", Requires(P::ConformanceRead), get(api::checks::history)),
        r("GET", "/api/v1/checks/{id}", Requires(P::ConformanceRead), get(api::checks::show)),
        r("GET", "/api/v1/checks/{id}/report", Requires(P::ConformanceRead), get(api::checks::report)),
        r("GET", "/api/v1/evidence", Requires(P::ConformanceRead), get(api::evidence::list)),
        r("POST", "/api/v1/evidence", Requires(P::ConformanceWrite), post(api::evidence::create_link)),
        r("POST", "/api/v1/evidence/files", Requires(P::ConformanceWrite), post(api::evidence::upload).layer(upload_limit())),
        r("GET", "/api/v1/evidence/{id}", Requires(P::ConformanceRead), get(api::evidence::show)),
        r("PUT", "/api/v1/evidence/{id}", Requires(P::ConformanceWrite), put(api::evidence::update)),
        r("POST", "/api/v1/evidence/{id}/versions", Requires(P::ConformanceWrite), post(api::evidence::new_version).layer(upload_limit())),
        r("GET", "/api/v1/evidence/{id}/file", Requires(P::ConformanceRead), get(api::evidence::download)),
        r("GET", "/api/v1/inventory/kinds", Requires(P::SystemRead), get(api::inventory::kinds)),
        r("GET", "/api/v1/inventory/{kind}", Requires(P::SystemRead), get(api::inventory::list)),
        r("POST", "/api/v1/inventory/{kind}", Requires(P::SystemWrite), post(api::inventory::create)),
        r("GET", "/api/v1/inventory/{kind}/{id}", Requires(P::SystemRead), get(api::inventory::show)),
        r("PUT", "/api/v1/inventory/{kind}/{id}", Requires(P::SystemWrite), put(api::inventory::update)),
        r("POST", "/api/v1/inventory/{kind}/{id}/archive", Requires(P::SystemArchive), post(api::inventory::archive)),
        r("GET", "/api/v1/inventory/{kind}/{id}/history", Requires(P::SystemRead), get(api::inventory::history)),
        r("POST", "/api/v1/inventory/dataset_version/{id}/deletion", Requires(P::SystemWrite), post(api::inventory::record_deletion)),
        r("GET", "/api/v1/retention", Requires(P::SystemRead), get(api::inventory::retention)),
        r("POST", "/api/v1/links", Requires(P::SystemWrite), post(api::inventory::link_create)),
        r("DELETE", "/api/v1/links/{id}", Requires(P::SystemWrite), delete(api::inventory::link_delete)),
        r("POST", "/api/v1/imports/mlflow", Requires(P::SystemWrite), post(api::inventory::mlflow_import)),
        r("POST", "/api/v1/lineage", Requires(P::SystemWrite), post(api::inventory::lineage).layer(upload_limit())),
        r("GET", "/api/v1/systems/{id}/bom", Requires(P::SystemRead), get(api::inventory::bom)),
        r("GET", "/api/v1/graph", Requires(P::SystemRead), get(api::inventory::graph)),
        r("GET", "/api/v1/my-work", Requires(P::Authenticated), get(api::inventory::my_work)),
        r("GET", "/api/v1/governance/policy", Requires(P::SystemRead), get(api::governance::policy)),
        r("PUT", "/api/v1/governance/policy", Requires(P::PolicyAdmin), put(api::governance::policy_update)),
        r("GET", "/api/v1/systems/{id}/classification", Requires(P::SystemRead), get(api::governance::classification)),
        r("PUT", "/api/v1/systems/{id}/classification", Requires(P::SystemWrite), put(api::governance::classify)),
        r("GET", "/api/v1/transitions/{subject}/{id}", Requires(P::SystemRead), get(api::governance::transitions)),
        r("GET", "/api/v1/changes", Requires(P::SystemRead), get(api::governance::changes)),
        r("POST", "/api/v1/changes", Requires(P::SystemWrite), post(api::governance::change_create)),
        r("GET", "/api/v1/changes/{id}", Requires(P::SystemRead), get(api::governance::change_show)),
        r("POST", "/api/v1/changes/{id}/decisions", Requires(P::GovernanceDecide), post(api::governance::change_decide)),
        r("POST", "/api/v1/changes/{id}/withdraw", Requires(P::SystemWrite), post(api::governance::change_withdraw)),
        r("POST", "/api/v1/changes/{id}/conflict", Requires(P::SystemWrite), post(api::governance::conflict_raise)),
        r("POST", "/api/v1/changes/{id}/conflict/resolve", Requires(P::GovernanceDecide), post(api::governance::conflict_resolve)),
        r("GET", "/api/v1/waivers", Requires(P::SystemRead), get(api::governance::waivers)),
        r("POST", "/api/v1/waivers", Requires(P::WaiverGrant), post(api::governance::waiver_grant)),
        r("POST", "/api/v1/waivers/{id}/revoke", Requires(P::WaiverGrant), post(api::governance::waiver_revoke)),
        r("GET", "/api/v1/risks", Requires(P::SystemRead), get(api::risk::list)),
        r("POST", "/api/v1/risks", Requires(P::RiskWrite), post(api::risk::create)),
        r("GET", "/api/v1/risks/export", Requires(P::SystemRead), get(api::risk::export)),
        r("POST", "/api/v1/risks/import", Requires(P::RiskWrite), post(api::risk::import).layer(upload_limit())),
        r("GET", "/api/v1/risks/heatmap", Requires(P::SystemRead), get(api::risk::heatmap)),
        r("GET", "/api/v1/risks/{id}", Requires(P::SystemRead), get(api::risk::show)),
        r("PUT", "/api/v1/risks/{id}", Requires(P::RiskWrite), put(api::risk::update)),
        r("POST", "/api/v1/risks/{id}/acceptance", Requires(P::RiskWrite), post(api::risk::accept)),
        r("POST", "/api/v1/risks/{id}/actions", Requires(P::RiskWrite), post(api::risk::action_create)),
        r("PUT", "/api/v1/risk-actions/{id}", Requires(P::RiskWrite), put(api::risk::action_update)),
        r("GET", "/api/v1/risk-methodology", Requires(P::SystemRead), get(api::risk::methodology)),
        r("PUT", "/api/v1/risk-methodology", Requires(P::PolicyAdmin), put(api::risk::methodology_approve)),
        r("GET", "/api/v1/systems/{id}/risks", Requires(P::SystemRead), get(api::risk::system_risks)),
        r("GET", "/api/v1/systems/{id}/assessments", Requires(P::SystemRead), get(api::risk::assessments)),
        r("POST", "/api/v1/systems/{id}/assessments", Requires(P::RiskWrite), post(api::risk::assessment_start)),
        r("GET", "/api/v1/assessments/{id}", Requires(P::SystemRead), get(api::risk::assessment)),
        r("PUT", "/api/v1/assessments/{id}", Requires(P::RiskWrite), put(api::risk::assessment_save)),
        r("POST", "/api/v1/assessments/{id}/approve", Requires(P::AssessmentApprove), post(api::risk::assessment_approve)),
        // Web UI
        r("GET", "/login", Public, get(ui::session::login_page)),
        r("POST", "/login", Public, post(ui::session::login)),
        r("POST", "/logout", Requires(P::Authenticated), post(ui::session::logout)),
        r("GET", "/", Requires(P::Authenticated), get(ui::dashboard)),
        r("GET", "/systems", Requires(P::SystemRead), get(ui::systems::list)),
        r("GET", "/systems/new", Requires(P::SystemWrite), get(ui::systems::new_form)),
        r("POST", "/systems", Requires(P::SystemWrite), post(ui::systems::create)),
        r("GET", "/systems/{id}", Requires(P::SystemRead), get(ui::systems::show)),
        r("GET", "/systems/{id}/edit", Requires(P::SystemWrite), get(ui::systems::edit_form)),
        r("POST", "/systems/{id}", Requires(P::SystemWrite), post(ui::systems::update)),
        r("POST", "/systems/{id}/archive", Requires(P::SystemArchive), post(ui::systems::archive)),
        r("POST", "/systems/{id}/restore", Requires(P::SystemArchive), post(ui::systems::restore)),
        r("GET", "/inventory", Requires(P::SystemRead), get(ui::inventory::overview)),
        r("GET", "/inventory/graph", Requires(P::SystemRead), get(ui::inventory::graph_page)),
        r("GET", "/inventory/{kind}", Requires(P::SystemRead), get(ui::inventory::list)),
        r("GET", "/inventory/{kind}/new", Requires(P::SystemWrite), get(ui::inventory::new_form)),
        r("POST", "/inventory/{kind}", Requires(P::SystemWrite), post(ui::inventory::create)),
        r("GET", "/inventory/{kind}/{id}", Requires(P::SystemRead), get(ui::inventory::show)),
        r("GET", "/inventory/{kind}/{id}/edit", Requires(P::SystemWrite), get(ui::inventory::edit_form)),
        r("POST", "/inventory/{kind}/{id}", Requires(P::SystemWrite), post(ui::inventory::update)),
        r("POST", "/inventory/import/mlflow", Requires(P::SystemWrite), post(ui::inventory::mlflow_import)),
        r("POST", "/inventory/dataset_version/{id}/deletion", Requires(P::SystemWrite), post(ui::inventory::record_deletion)),
        r("GET", "/systems/{id}/classification", Requires(P::SystemWrite), get(ui::governance::classification_form)),
        r("POST", "/systems/{id}/classification", Requires(P::SystemWrite), post(ui::governance::classify)),
        r("POST", "/systems/{id}/links", Requires(P::SystemWrite), post(ui::governance::link_add)),
        r("POST", "/links/{id}/delete", Requires(P::SystemWrite), post(ui::governance::link_remove)),
        r("POST", "/changes", Requires(P::SystemWrite), post(ui::governance::request)),
        r("GET", "/changes", Requires(P::SystemRead), get(ui::governance::changes)),
        r("GET", "/changes/{id}", Requires(P::SystemRead), get(ui::governance::change)),
        r("POST", "/changes/{id}/decide", Requires(P::GovernanceDecide), post(ui::governance::decide)),
        r("POST", "/changes/{id}/{action}", Requires(P::SystemWrite), post(ui::governance::change_action)),
        r("GET", "/waivers", Requires(P::SystemRead), get(ui::governance::waivers)),
        r("POST", "/waivers", Requires(P::WaiverGrant), post(ui::governance::waiver_grant)),
        r("POST", "/waivers/{id}/revoke", Requires(P::WaiverGrant), post(ui::governance::waiver_revoke)),
        r("GET", "/governance/policy", Requires(P::SystemRead), get(ui::governance::policy)),
        r("POST", "/governance/policy", Requires(P::PolicyAdmin), post(ui::governance::policy_save)),
        r("GET", "/my-work", Requires(P::Authenticated), get(ui::governance::my_work)),
        r("GET", "/risks", Requires(P::SystemRead), get(ui::risk::register)),
        r("GET", "/risks/new", Requires(P::RiskWrite), get(ui::risk::new_form)),
        r("POST", "/risks", Requires(P::RiskWrite), post(ui::risk::create)),
        r("POST", "/risks/import", Requires(P::RiskWrite), post(ui::risk::import).layer(upload_limit())),
        r("GET", "/risks/methodology", Requires(P::SystemRead), get(ui::risk::methodology)),
        r("POST", "/risks/methodology", Requires(P::PolicyAdmin), post(ui::risk::methodology_approve)),
        r("GET", "/risks/{id}", Requires(P::SystemRead), get(ui::risk::show)),
        r("GET", "/risks/{id}/edit", Requires(P::RiskWrite), get(ui::risk::edit_form)),
        r("POST", "/risks/{id}", Requires(P::RiskWrite), post(ui::risk::update)),
        r("POST", "/risks/{id}/accept", Requires(P::RiskWrite), post(ui::risk::accept)),
        r("POST", "/risks/{id}/actions", Requires(P::RiskWrite), post(ui::risk::action_add)),
        r("POST", "/risk-actions/{id}", Requires(P::RiskWrite), post(ui::risk::action_update)),
        r("POST", "/systems/{id}/assessments", Requires(P::RiskWrite), post(ui::risk::assessment_start)),
        r("GET", "/assessments/{id}", Requires(P::SystemRead), get(ui::risk::assessment)),
        r("POST", "/assessments/{id}", Requires(P::RiskWrite), post(ui::risk::assessment_save)),
        r("POST", "/assessments/{id}/approve", Requires(P::AssessmentApprove), post(ui::risk::assessment_approve)),
        r("GET", "/admin/users", Requires(P::UserAdmin), get(ui::users::list)),
        r("POST", "/admin/users", Requires(P::UserAdmin), post(ui::users::create)),
        r("GET", "/admin/users/{id}", Requires(P::UserAdmin), get(ui::users::edit_form)),
        r("POST", "/admin/users/{id}", Requires(P::UserAdmin), post(ui::users::update)),
        r("GET", "/account/tokens", Requires(P::Authenticated), get(ui::tokens::list)),
        r("POST", "/account/tokens", Requires(P::Authenticated), post(ui::tokens::create)),
        r("POST", "/account/tokens/{id}/revoke", Requires(P::Authenticated), post(ui::tokens::revoke)),
        r("GET", "/ledger", Requires(P::LedgerRead), get(ui::ledger::page)),
        r("GET", "/frameworks", Requires(P::ConformanceRead), get(ui::conformance::frameworks)),
        r("POST", "/frameworks", Requires(P::ConformanceWrite), post(ui::conformance::framework_import)),
        r("GET", "/frameworks/{id}", Requires(P::ConformanceRead), get(ui::conformance::framework)),
        r("GET", "/soa", Requires(P::ConformanceRead), get(ui::conformance::soa)),
        r("POST", "/soa/approve", Requires(P::SoaApprove), post(ui::conformance::soa_approve)),
        r("GET", "/soa/versions/{number}", Requires(P::ConformanceRead), get(ui::conformance::soa_version)),
        r("GET", "/soa/controls/{control_id}", Requires(P::ConformanceWrite), get(ui::conformance::soa_edit)),
        r("POST", "/soa/controls/{control_id}", Requires(P::ConformanceWrite), post(ui::conformance::soa_save)),
        r("GET", "/controls", Requires(P::ConformanceRead), get(ui::conformance::controls)),
        r("GET", "/controls/new", Requires(P::ConformanceWrite), get(ui::conformance::control_new)),
        r("POST", "/controls", Requires(P::ConformanceWrite), post(ui::conformance::control_create)),
        r("GET", "/controls/{id}", Requires(P::ConformanceRead), get(ui::conformance::control_edit)),
        r("POST", "/controls/{id}", Requires(P::ConformanceWrite), post(ui::conformance::control_update)),
        r("GET", "/clauses", Requires(P::ConformanceRead), get(ui::conformance::clauses)),
        r("GET", "/clauses/{id}", Requires(P::ConformanceRead), get(ui::conformance::clause_edit)),
        r("POST", "/clauses/{id}", Requires(P::ConformanceWrite), post(ui::conformance::clause_save)),
        r("GET", "/readiness", Requires(P::ConformanceRead), get(ui::readiness::page)),
        r("GET", "/readiness/report", Requires(P::ConformanceRead), get(ui::readiness::report)),
        r("GET", "/crosswalk", Requires(P::ConformanceRead), get(ui::readiness::crosswalk)),
        r("GET", "/checks", Requires(P::ConformanceRead), get(ui::checks::list)),
        r("GET", "/checks/history", Requires(P::ConformanceRead), get(ui::checks::history)),
        r("GET", "/checks/{id}", Requires(P::ConformanceRead), get(ui::checks::show)),
        r("GET", "/evidence", Requires(P::ConformanceRead), get(ui::evidence::list)),
        r("GET", "/evidence/new", Requires(P::ConformanceWrite), get(ui::evidence::new_form)),
        r("POST", "/evidence", Requires(P::ConformanceWrite), post(ui::evidence::create).layer(upload_limit())),
        r("GET", "/evidence/{id}", Requires(P::ConformanceRead), get(ui::evidence::show)),
        r("POST", "/evidence/{id}", Requires(P::ConformanceWrite), post(ui::evidence::update)),
        r("POST", "/evidence/{id}/versions", Requires(P::ConformanceWrite), post(ui::evidence::new_version).layer(upload_limit())),
    ]
}

/// Uploads may be larger than other requests; the configured evidence limit is enforced
/// by the handler, this only lifts the general body limit for these routes.
fn upload_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(UPLOAD_CEILING)
}

/// The most any upload route reads, whatever the configuration says.
pub const UPLOAD_CEILING: usize = 256 * 1024 * 1024;

/// The route table without handlers, for tests and documentation.
pub fn route_table() -> Vec<RouteSpec> {
    table().into_iter().map(|(spec, _)| spec).collect()
}

pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (spec, handler) in table() {
        let handler = match spec.access {
            RouteAccess::Public => handler,
            RouteAccess::Requires(permission) => handler.route_layer(from_fn_with_state(
                state.clone(),
                move |State(state): State<AppState>, request: Request, next: Next| {
                    auth::authorize(state, permission, request, next)
                },
            )),
        };
        router = router.route(spec.path, handler);
    }
    router
        .fallback(api::ops::not_found)
        .method_not_allowed_fallback(api::ops::method_not_allowed)
        .with_state(state)
}
