//! Governance over JSON: the policy, impact classification, transitions with their gates,
//! change requests and their decisions, and gate waivers.

use aims_core::governance::{Decision, Policy, Subject};
use aims_core::risk::classification::IntakeAnswers;
use aims_store::{
    ChangeRequest, Decider, NewWaiver, SystemClassification, TransitionCheck, Waiver,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::systems::{parse_id, parse_query};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;

pub(crate) fn decider(current: &CurrentUser) -> Decider {
    Decider {
        user_id: current.user().id,
        role: current.user().role,
    }
}

pub(crate) fn parse_subject(subject: &str) -> ApiResult<Subject> {
    Subject::parse(subject).map_err(ApiError::not_found)
}

/// The policy with its version.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// 0 while the shipped default is in force.
    pub version: i64,
    pub policy: Policy,
}

/// The governance policy: stage gates by tier and approval rules.
#[utoipa::path(get, path = "/api/v1/governance/policy", tag = "governance",
    responses((status = 200, body = PolicyBody)))]
pub async fn policy(State(state): State<AppState>) -> ApiResult<Json<PolicyBody>> {
    let (policy, version) = state.store().governance_policy().await?;
    Ok(Json(PolicyBody { version, policy }))
}

/// Replace the governance policy (governance leads only).
#[utoipa::path(put, path = "/api/v1/governance/policy", tag = "governance", request_body = PolicyBody,
    responses((status = 200, body = PolicyBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn policy_update(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<PolicyBody>,
) -> ApiResult<Json<PolicyBody>> {
    let policy = state
        .store()
        .set_governance_policy(&current.ctx(&state), body.policy, body.version)
        .await?;
    Ok(Json(PolicyBody {
        version: body.version + 1,
        policy,
    }))
}

/// Intake answers with the classification version last read (0 for the first).
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassificationBody {
    pub version: i64,
    pub answers: IntakeAnswers,
}

/// A system's impact classification and EU AI Act screening.
#[utoipa::path(get, path = "/api/v1/systems/{id}/classification", tag = "governance",
    params(("id" = Uuid, Path, description = "system id")),
    responses((status = 200, body = SystemClassification), (status = 404, body = crate::error::ErrorBody)))]
pub async fn classification(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<SystemClassification>> {
    let id = parse_id(&id)?;
    state.store().get_ai_system(id).await?;
    state
        .store()
        .classification(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("this system has not been classified yet"))
}

/// Record a system's intake answers; the class, the screening and the reasons are computed.
#[utoipa::path(put, path = "/api/v1/systems/{id}/classification", tag = "governance", request_body = ClassificationBody,
    params(("id" = Uuid, Path, description = "system id")),
    responses((status = 200, body = SystemClassification), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn classify(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ClassificationBody>,
) -> ApiResult<Json<SystemClassification>> {
    let id = parse_id(&id)?;
    Ok(Json(
        state
            .store()
            .classify_system(
                &current.ctx(&state),
                id,
                body.answers,
                body.version,
                &crate::inventory::law_version(state.catalog()),
            )
            .await?,
    ))
}

/// The transitions open to a system or model version, each with its gates and approvers.
#[utoipa::path(get, path = "/api/v1/transitions/{subject}/{id}", tag = "governance",
    params(("subject" = String, Path, description = "ai_system or model_version"), ("id" = Uuid, Path, description = "its id")),
    responses((status = 200, body = Vec<TransitionCheck>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn transitions(
    State(state): State<AppState>,
    Path((subject, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<TransitionCheck>>> {
    let (subject, id) = (parse_subject(&subject)?, parse_id(&id)?);
    let today = state.clock().now().date();
    Ok(Json(
        state.store().transition_checks(subject, id, today).await?,
    ))
}

/// A request for a transition.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChange {
    pub subject_type: Subject,
    pub subject_id: Uuid,
    /// The transition's name, as listed by `/api/v1/transitions/...`.
    pub transition: String,
    pub reason: String,
}

/// Filter of the list.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// `pending`, `applied`, `rejected` or `withdrawn`.
    pub status: Option<String>,
    pub subject_type: Option<Subject>,
    pub subject_id: Option<Uuid>,
}

/// Change requests, newest first.
#[utoipa::path(get, path = "/api/v1/changes", tag = "governance", params(ChangeQuery),
    responses((status = 200, body = Vec<ChangeRequest>)))]
pub async fn changes(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> ApiResult<Json<Vec<ChangeRequest>>> {
    let query: ChangeQuery = parse_query(uri.query())?;
    let subject = query.subject_type.zip(query.subject_id);
    Ok(Json(
        state
            .store()
            .change_requests(query.status.as_deref(), subject)
            .await?,
    ))
}

/// Ask for a transition; refused (422) while a gate is unmet and not waived.
#[utoipa::path(post, path = "/api/v1/changes", tag = "governance", request_body = NewChange,
    responses((status = 201, body = ChangeRequest), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(new): ApiJson<NewChange>,
) -> ApiResult<impl IntoResponse> {
    let request = state
        .store()
        .request_change(
            &current.ctx(&state),
            decider(&current),
            new.subject_type,
            new.subject_id,
            &new.transition,
            &new.reason,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(request)))
}

/// One change request, by id or number (`12` or `CR-12`).
#[utoipa::path(get, path = "/api/v1/changes/{id}", tag = "governance",
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = ChangeRequest), (status = 404, body = crate::error::ErrorBody)))]
pub async fn change_show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ChangeRequest>> {
    Ok(Json(state.store().change_request(&id).await?))
}

/// A decision on a request.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub decision: Decision,
    /// Required for a rejection.
    #[serde(default)]
    pub comment: String,
}

/// Approve or reject. 403 for one's own request or a role the rule does not name.
#[utoipa::path(post, path = "/api/v1/changes/{id}/decisions", tag = "governance", request_body = DecisionBody,
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = ChangeRequest), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_decide(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<ChangeRequest>> {
    let id = state.store().change_request(&id).await?.id;
    Ok(Json(
        state
            .store()
            .decide_change(
                &current.ctx(&state),
                decider(&current),
                id,
                body.decision,
                &body.comment,
            )
            .await?,
    ))
}

/// Withdraw one's own pending request.
#[utoipa::path(post, path = "/api/v1/changes/{id}/withdraw", tag = "governance",
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = ChangeRequest), (status = 403, body = crate::error::ErrorBody)))]
pub async fn change_withdraw(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ChangeRequest>> {
    let id = state.store().change_request(&id).await?.id;
    Ok(Json(
        state
            .store()
            .withdraw_change(&current.ctx(&state), decider(&current), id)
            .await?,
    ))
}

/// A conflict between teams on a request.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictBody {
    /// The teams that disagree, such as `data science vs compliance`.
    pub teams: String,
    pub description: String,
}

/// Record a conflict between teams on a pending request (an escalation).
#[utoipa::path(post, path = "/api/v1/changes/{id}/conflict", tag = "governance", request_body = ConflictBody,
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = ChangeRequest), (status = 409, body = crate::error::ErrorBody)))]
pub async fn conflict_raise(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConflictBody>,
) -> ApiResult<Json<ChangeRequest>> {
    let id = state.store().change_request(&id).await?.id;
    Ok(Json(
        state
            .store()
            .raise_conflict(
                &current.ctx(&state),
                decider(&current),
                id,
                &body.teams,
                &body.description,
            )
            .await?,
    ))
}

/// How a conflict was settled.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionBody {
    pub resolution: String,
}

/// Record the resolution of a conflict.
#[utoipa::path(post, path = "/api/v1/changes/{id}/conflict/resolve", tag = "governance", request_body = ResolutionBody,
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = ChangeRequest), (status = 409, body = crate::error::ErrorBody)))]
pub async fn conflict_resolve(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResolutionBody>,
) -> ApiResult<Json<ChangeRequest>> {
    let id = state.store().change_request(&id).await?.id;
    Ok(Json(
        state
            .store()
            .resolve_conflict(
                &current.ctx(&state),
                decider(&current),
                id,
                &body.resolution,
            )
            .await?,
    ))
}

/// Every waiver, newest first.
#[utoipa::path(get, path = "/api/v1/waivers", tag = "governance",
    responses((status = 200, body = Vec<Waiver>)))]
pub async fn waivers(State(state): State<AppState>) -> ApiResult<Json<Vec<Waiver>>> {
    Ok(Json(state.store().waivers(None).await?))
}

/// Grant a time-limited waiver of one gate requirement.
#[utoipa::path(post, path = "/api/v1/waivers", tag = "governance", request_body = NewWaiver,
    responses((status = 201, body = Waiver), (status = 422, body = crate::error::ErrorBody)))]
pub async fn waiver_grant(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(new): ApiJson<NewWaiver>,
) -> ApiResult<impl IntoResponse> {
    let waiver = state
        .store()
        .grant_waiver(&current.ctx(&state), decider(&current), new)
        .await?;
    Ok((StatusCode::CREATED, Json(waiver)))
}

/// Revoke an active waiver.
#[utoipa::path(post, path = "/api/v1/waivers/{id}/revoke", tag = "governance",
    params(("id" = Uuid, Path, description = "waiver id")),
    responses((status = 200, body = Waiver), (status = 409, body = crate::error::ErrorBody)))]
pub async fn waiver_revoke(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Waiver>> {
    Ok(Json(
        state
            .store()
            .revoke_waiver(&current.ctx(&state), parse_id(&id)?)
            .await?,
    ))
}
