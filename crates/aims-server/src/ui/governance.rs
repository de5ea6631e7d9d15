//! Governance pages: a system's impact classification, its dependencies, transitions and
//! change requests; the change request pages where approvers decide; waivers; "my work".

use aims_core::ValidationErrors;
use aims_core::ai_system::{AutonomyLevel, OrgRole};
use aims_core::governance::{Decision, Requirement, Subject};
use aims_core::inventory::{FlowDirection, SYSTEM_RELATIONS};
use aims_core::risk::classification::{
    DecisionEffect, IntakeAnswers, Reversibility, Scale, Sector,
};
use aims_store::{NewLink, NewWaiver, StoreError};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use minijinja::context;

use crate::api::governance::{decider, parse_subject};
use crate::api::systems::parse_id;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::ui::form::{Pairs, back_with, error_map, one, pairs, query_pairs, urlencode};
use crate::ui::systems::redirect;
use crate::ui::{render, render_status};

/// The intake questionnaire with the current classification.
pub async fn classification_form(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let system = state.store().get_ai_system(id).await?;
    let recorded = state.store().classification(id).await?;
    let answers = recorded.as_ref().map(|c| c.answers.clone());
    classification_page(
        &state,
        &current,
        &system,
        answers,
        recorded.map_or(0, |c| c.version),
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

async fn classification_page(
    state: &AppState,
    current: &CurrentUser,
    system: &aims_core::ai_system::AiSystem,
    answers: Option<IntakeAnswers>,
    version: i64,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    let options = context! {
        org_role => OrgRole::ALL.iter().map(|v| (v.code(), v.label())).collect::<Vec<_>>(),
        decision_effect => DecisionEffect::ALL.iter().map(|v| (v.code(), v.label())).collect::<Vec<_>>(),
        autonomy => AutonomyLevel::ALL.iter().map(|v| (v.code(), v.label())).collect::<Vec<_>>(),
        reversibility => Reversibility::ALL.iter().map(|v| (v.code(), v.label())).collect::<Vec<_>>(),
        scale => Scale::ALL.iter().map(|v| (v.code(), v.label())).collect::<Vec<_>>(),
        sector => Sector::ALL.iter().map(|v| (v.code(), v.label())).collect::<Vec<_>>(),
    };
    let practices = [
        (
            'a',
            "Subliminal, manipulative or deceptive techniques causing significant harm",
        ),
        (
            'b',
            "Exploiting vulnerabilities of age, disability or social situation",
        ),
        (
            'c',
            "Social scoring leading to unjustified detrimental treatment",
        ),
        ('d', "Predicting criminal offences from profiling alone"),
        ('e', "Untargeted scraping of facial images"),
        ('f', "Emotion recognition at work or in education"),
        (
            'g',
            "Biometric categorisation inferring sensitive characteristics",
        ),
        (
            'h',
            "Real-time remote biometric identification in public for law enforcement",
        ),
    ];
    let practices: Vec<(String, &str)> =
        practices.iter().map(|(c, l)| (c.to_string(), *l)).collect();
    let answers = answers.unwrap_or_else(|| IntakeAnswers {
        purpose: system.fields.purpose.clone(),
        org_role: system.fields.org_role,
        affected_people: system.fields.data_subjects.clone(),
        decision_effect: DecisionEffect::Minor,
        autonomy: system.fields.autonomy_level,
        reversibility: Reversibility::Easy,
        scale: Scale::Small,
        sensitive_data: false,
        vulnerable_groups: false,
        sector: Sector::General,
        profiling: false,
        annex_i_safety_component: false,
        art_6_3_condition: false,
        prohibited_practices: Vec::new(),
        interacts_with_people: false,
        generates_synthetic_content: false,
        emotion_or_biometric_categorisation: false,
        deep_fakes: false,
    });
    let prohibited: Vec<String> = answers
        .prohibited_practices
        .iter()
        .map(char::to_string)
        .collect();
    render_status(
        state,
        "governance/classify.html",
        Some(current),
        context! {
            nav => "systems", system, answers, prohibited, version, options, practices,
            errors => error_map(errors), error_count => errors.errors.len(),
        },
        status,
    )
}

fn answers_from_form(pairs: &Pairs, errors: &mut ValidationErrors) -> IntakeAnswers {
    fn pick<T: Copy>(
        pairs: &Pairs,
        errors: &mut ValidationErrors,
        field: &str,
        parse: fn(&str) -> Result<T, String>,
        default: T,
    ) -> T {
        parse(one(pairs, field)).unwrap_or_else(|e| {
            errors.add(field, e);
            default
        })
    }
    let flag = |name: &str| !one(pairs, name).is_empty();
    IntakeAnswers {
        purpose: one(pairs, "purpose").to_owned(),
        org_role: pick(pairs, errors, "org_role", OrgRole::parse, OrgRole::Deployer),
        affected_people: one(pairs, "affected_people").to_owned(),
        decision_effect: pick(
            pairs,
            errors,
            "decision_effect",
            DecisionEffect::parse,
            DecisionEffect::Minor,
        ),
        autonomy: pick(
            pairs,
            errors,
            "autonomy",
            AutonomyLevel::parse,
            AutonomyLevel::Assistive,
        ),
        reversibility: pick(
            pairs,
            errors,
            "reversibility",
            Reversibility::parse,
            Reversibility::Easy,
        ),
        scale: pick(pairs, errors, "scale", Scale::parse, Scale::Small),
        sensitive_data: flag("sensitive_data"),
        vulnerable_groups: flag("vulnerable_groups"),
        sector: pick(pairs, errors, "sector", Sector::parse, Sector::General),
        profiling: flag("profiling"),
        annex_i_safety_component: flag("annex_i_safety_component"),
        art_6_3_condition: flag("art_6_3_condition"),
        prohibited_practices: pairs
            .iter()
            .filter(|(k, _)| k == "prohibited")
            .filter_map(|(_, v)| v.chars().next())
            .collect(),
        interacts_with_people: flag("interacts_with_people"),
        generates_synthetic_content: flag("generates_synthetic_content"),
        emotion_or_biometric_categorisation: flag("emotion_or_biometric_categorisation"),
        deep_fakes: flag("deep_fakes"),
    }
}

/// Records the intake answers; the class and screening are computed from them.
pub async fn classify(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let system = state.store().get_ai_system(id).await?;
    let pairs = pairs(&body);
    let version: i64 = one(&pairs, "version").parse().unwrap_or(0);
    let mut errors = ValidationErrors::new();
    let answers = answers_from_form(&pairs, &mut errors);
    let result = if errors.is_empty() {
        state
            .store()
            .classify_system(
                &current.ctx(&state),
                id,
                answers.clone(),
                version,
                &crate::inventory::law_version(state.catalog()),
            )
            .await
            .map(|_| ())
    } else {
        Err(StoreError::Validation(errors))
    };
    match result {
        Ok(()) => Ok(redirect(&format!(
            "/systems/{id}?notice=classified#governance"
        ))),
        Err(StoreError::Validation(errors)) => {
            classification_page(
                &state,
                &current,
                &system,
                Some(answers),
                version,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error @ StoreError::StaleVersion { .. }) => {
            classification_page(
                &state,
                &current,
                &system,
                Some(answers),
                version,
                &ValidationErrors::single("version", error.to_string()),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// The governance part of a system's page: classification, dependencies, transitions with
/// their gates, and change requests.
pub(crate) async fn system_governance(
    state: &AppState,
    id: uuid::Uuid,
) -> ApiResult<minijinja::Value> {
    let store = state.store();
    let classification = store.classification(id).await?;
    let today = state.clock().now().date();
    let transitions = store
        .transition_checks(Subject::AiSystem, id, today)
        .await?;
    let requests = store
        .change_requests(None, Some((Subject::AiSystem, id)))
        .await?;
    let waivers = store.waivers(Some((Subject::AiSystem, id))).await?;
    let names = store.node_names().await?;
    let links: Vec<minijinja::Value> = store
        .links_of(id)
        .await?
        .into_iter()
        .filter(|l| l.edge.from.id == id)
        .map(|l| {
            let name = names.get(&l.edge.to.id).map(|(_, n)| n.clone()).unwrap_or_default();
            context! { id => l.id, relation => l.edge.relation.replace('_', " "), href => crate::inventory::href(l.edge.to), name, kind => l.edge.to.kind.label(), attributes => l.attributes, origin => l.origin }
        })
        .collect();
    let mut target_kinds: Vec<aims_core::inventory::Kind> = Vec::new();
    for (_, _, kinds) in SYSTEM_RELATIONS {
        for kind in *kinds {
            if !target_kinds.contains(kind) {
                target_kinds.push(*kind);
            }
        }
    }
    let targets = crate::inventory::node_choices(store, &target_kinds).await?;
    let (depends_on, depended_by) = crate::ui::inventory::neighbourhood(
        state,
        aims_core::inventory::graph::NodeRef::new(aims_core::inventory::Kind::AiSystem, id),
    )
    .await?;
    let risk = crate::ui::risk::system_risk(state, id).await?;
    Ok(context! {
        risk, classification, transitions, requests, waivers, links, targets, depends_on, depended_by,
        relations => SYSTEM_RELATIONS.iter().map(|(c, l, _)| (*c, *l)).collect::<Vec<_>>(),
        directions => FlowDirection::ALL.iter().map(|d| (d.code(), d.label())).collect::<Vec<_>>(),
        requirements => Requirement::ALL.iter().map(|r| (r.code(), r.label())).collect::<Vec<_>>(),
    })
}

/// Adds a dependency link from a system.
pub async fn link_add(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let pairs = pairs(&body);
    let direction = FlowDirection::parse(one(&pairs, "direction")).ok();
    let new = NewLink {
        from: format!("ai_system:{id}"),
        relation: one(&pairs, "relation").to_owned(),
        to: one(&pairs, "to").to_owned(),
        direction,
        data: one(&pairs, "data").to_owned(),
    };
    let result = state
        .store()
        .add_link(&current.ctx(&state), new)
        .await
        .map(|_| ());
    back_with(&format!("/systems/{id}?notice=linked#dependencies"), result)
}

/// Removes a link, back to the system it started from.
pub async fn link_remove(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let pairs = pairs(&body);
    let back = one(&pairs, "back");
    let back = if back.starts_with('/') && !back.starts_with("//") {
        back.to_owned()
    } else {
        "/inventory".to_owned()
    };
    let result = state.store().remove_link(&current.ctx(&state), id).await;
    back_with(&back, result)
}

fn subject_href(subject: Subject, id: uuid::Uuid) -> String {
    match subject {
        Subject::AiSystem => format!("/systems/{id}"),
        Subject::ModelVersion => format!("/inventory/model_version/{id}"),
    }
}

/// Asks for a transition from a system's or model version's page.
pub async fn request(
    State(state): State<AppState>,
    current: CurrentUser,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let pairs = pairs(&body);
    let subject = parse_subject(one(&pairs, "subject_type"))?;
    let id = parse_id(one(&pairs, "subject_id"))?;
    let result = state
        .store()
        .request_change(
            &current.ctx(&state),
            decider(&current),
            subject,
            id,
            one(&pairs, "transition"),
            one(&pairs, "reason"),
        )
        .await;
    match result {
        Ok(request) => Ok(redirect(&format!(
            "/changes/{}?notice=requested",
            request.number
        ))),
        Err(error) => back_with(
            &format!("{}#governance", subject_href(subject, id)),
            Err(error),
        ),
    }
}

/// Change requests, pending first.
pub async fn changes(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: Uri,
) -> ApiResult<Response> {
    let query = query_pairs(&uri);
    let status = one(&query, "status");
    let requests = state.store().change_requests(Some(status), None).await?;
    render(
        &state,
        "governance/changes.html",
        Some(&current),
        context! { nav => "changes", requests, status },
    )
}

/// One change request, with the decision form for those who may decide.
pub async fn change(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(key): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let query = query_pairs(&uri);
    let request = state.store().change_request(&key).await?;
    let user = current.user();
    let today = aims_core::timefmt::format_date(state.clock().now().date());
    let escalated = request.escalated || request.deadline < today;
    let refusal = if request.status != "pending" {
        Some(format!("This request is {}.", request.status))
    } else if request.requested_by == user.id {
        Some(
            "You made this request: someone else must decide on it (segregation of duties)."
                .to_owned(),
        )
    } else if request.decisions.iter().any(|d| d.user_id == user.id) {
        Some("You have already decided on this request.".to_owned())
    } else {
        aims_core::governance::may_decide(&request.rule, user.role, escalated)
            .err()
            .map(|e| {
                let mut text = e.to_string();
                text[..1].make_ascii_uppercase();
                format!("{text}.")
            })
    };
    let users = state.store().list_users().await?;
    let name_of = |id: uuid::Uuid| {
        users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| id.to_string(), |u| u.display_name.clone())
    };
    let decisions: Vec<minijinja::Value> = request
        .decisions
        .iter()
        .map(|d| context! { d, who => name_of(d.user_id) })
        .collect();
    let history = crate::ui::history::rows(
        &state,
        state
            .store()
            .history("change_request", &request.id.to_string())
            .await?,
    )
    .await?;
    render(
        &state,
        "governance/change.html",
        Some(&current),
        context! {
            nav => "changes", request, decisions, requester => name_of(request.requested_by), refusal, escalated,
            subject_href => subject_href(request.subject_type, request.subject_id), history,
            conflict_by => request.conflict.as_ref().map(|c| name_of(c.raised_by)),
            notice => one(&query, "notice"), error => one(&query, "error"),
            is_requester => request.requested_by == user.id,
        },
    )
}

/// Approves or rejects from the request page.
pub async fn decide(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let request = state.store().change_request(&key).await?;
    let pairs = pairs(&body);
    let decision = match one(&pairs, "decision") {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        other => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("`{other}` is not approve or reject"),
            )
            .with_field("decision"));
        }
    };
    let result = state
        .store()
        .decide_change(
            &current.ctx(&state),
            decider(&current),
            request.id,
            decision,
            one(&pairs, "comment"),
        )
        .await;
    let location = format!("/changes/{}", request.number);
    match result {
        Ok(saved) => Ok(redirect(&format!("{location}?notice={}", saved.status))),
        Err(StoreError::Forbidden { message, .. }) => Ok(redirect(&format!(
            "{location}?error={}",
            urlencode(&message)
        ))),
        Err(other) => back_with(&location, Err(other)),
    }
}

/// Withdraws, raises a conflict on, or resolves the conflict of a request.
pub async fn change_action(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((key, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let request = state.store().change_request(&key).await?;
    let pairs = pairs(&body);
    let ctx = current.ctx(&state);
    let who = decider(&current);
    let store = state.store();
    let result = match action.as_str() {
        "withdraw" => store.withdraw_change(&ctx, who, request.id).await,
        "conflict" => {
            store
                .raise_conflict(
                    &ctx,
                    who,
                    request.id,
                    one(&pairs, "teams"),
                    one(&pairs, "description"),
                )
                .await
        }
        "resolve" if current.can(aims_core::access::Permission::GovernanceDecide) => {
            store
                .resolve_conflict(&ctx, who, request.id, one(&pairs, "resolution"))
                .await
        }
        "resolve" => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role may not resolve conflicts",
            ));
        }
        _ => return Err(ApiError::not_found(format!("no action `{action}`"))),
    };
    let location = format!("/changes/{}", request.number);
    match result {
        Ok(_) => Ok(redirect(&format!("{location}?notice={action}"))),
        Err(StoreError::Forbidden { message, .. }) => Ok(redirect(&format!(
            "{location}?error={}",
            urlencode(&message)
        ))),
        Err(other) => back_with(&location, Err(other)),
    }
}

/// Waivers, with the form to grant one.
pub async fn waivers(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: Uri,
) -> ApiResult<Response> {
    let query = query_pairs(&uri);
    let waivers = state.store().waivers(None).await?;
    let names = state.store().node_names().await?;
    let rows: Vec<minijinja::Value> = waivers.iter().map(|w| context! { w, subject => names.get(&w.subject_id).map(|(_, n)| n.clone()).unwrap_or_default(), href => subject_href(w.subject_type, w.subject_id), requirement => w.requirement.label() }).collect();
    let subjects = crate::inventory::node_choices(
        state.store(),
        &[
            aims_core::inventory::Kind::AiSystem,
            aims_core::inventory::Kind::ModelVersion,
        ],
    )
    .await?;
    let (policy, _) = state.store().governance_policy().await?;
    render(
        &state,
        "governance/waivers.html",
        Some(&current),
        context! {
            nav => "changes", rows, subjects, requirements => Requirement::ALL.iter().map(|r| (r.code(), r.label())).collect::<Vec<_>>(),
            max_days => policy.max_waiver_days, preset => one(&query, "subject"), preset_requirement => one(&query, "requirement"),
            notice => one(&query, "notice"), error => one(&query, "error"),
        },
    )
}

/// Grants a waiver from the form.
pub async fn waiver_grant(
    State(state): State<AppState>,
    current: CurrentUser,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let pairs = pairs(&body);
    let node = aims_core::inventory::graph::NodeRef::parse(one(&pairs, "subject"));
    let requirement = Requirement::parse(one(&pairs, "requirement"));
    let (Ok(node), Ok(requirement)) = (node, requirement) else {
        return Ok(redirect(&format!(
            "/waivers?error={}",
            urlencode("choose a subject and a requirement")
        )));
    };
    let subject = match node.kind {
        aims_core::inventory::Kind::AiSystem => Subject::AiSystem,
        _ => Subject::ModelVersion,
    };
    let new = NewWaiver {
        subject_type: subject,
        subject_id: node.id,
        requirement,
        reason: one(&pairs, "reason").to_owned(),
        expires_on: one(&pairs, "expires_on").to_owned(),
    };
    let result = state
        .store()
        .grant_waiver(&current.ctx(&state), decider(&current), new)
        .await
        .map(|_| ());
    back_with("/waivers?notice=granted", result)
}

/// Revokes a waiver.
pub async fn waiver_revoke(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let result = state
        .store()
        .revoke_waiver(&current.ctx(&state), id)
        .await
        .map(|_| ());
    back_with("/waivers?notice=revoked", result)
}

/// What the signed-in user must approve, review or fix.
pub async fn my_work(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    let user = current.user();
    let items = crate::inventory::my_work(
        state.store(),
        user.id,
        user.role,
        state.clock().now().date(),
        &crate::inventory::law_version(state.catalog()),
    )
    .await?;
    render(
        &state,
        "governance/my_work.html",
        Some(&current),
        context! { nav => "my_work", items },
    )
}

/// The governance policy as tables, with the editor for governance leads.
pub async fn policy(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: Uri,
) -> ApiResult<Response> {
    let query = query_pairs(&uri);
    let (policy, version) = state.store().governance_policy().await?;
    let json = serde_json::to_string_pretty(&policy).unwrap_or_default();
    render(
        &state,
        "governance/policy.html",
        Some(&current),
        context! {
            nav => "changes", policy, version, json, notice => one(&query, "notice"), error => one(&query, "error"),
            labels => Requirement::ALL.iter().map(|r| (r.code(), r.label())).collect::<std::collections::BTreeMap<_, _>>(),
        },
    )
}

/// Saves a new policy from the editor.
pub async fn policy_save(
    State(state): State<AppState>,
    current: CurrentUser,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let pairs = pairs(&body);
    let version: i64 = one(&pairs, "record_version").parse().unwrap_or(0);
    let result = match serde_json::from_str::<aims_core::governance::Policy>(one(&pairs, "policy"))
    {
        Ok(policy) => state
            .store()
            .set_governance_policy(&current.ctx(&state), policy, version)
            .await
            .map(|_| ()),
        Err(e) => Err(ValidationErrors::single(
            "policy",
            format!("line {}, column {}: {e}", e.line(), e.column()),
        )
        .into()),
    };
    back_with("/governance/policy?notice=saved", result)
}
