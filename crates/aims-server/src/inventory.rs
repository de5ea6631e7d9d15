//! Inventory views shared by the JSON API and the web UI: kinds as data for clients, the
//! dependency graph with names, and the "my work" list.

use std::collections::BTreeMap;

use aims_core::access::Role;
use aims_core::inventory::graph::{Direction, Edge, NodeLabel, NodeRef, Reached, reach};
use aims_core::inventory::{FieldType, Kind};
use aims_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

/// One field of a kind, for API clients building forms.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldDoc {
    pub name: String,
    pub label: String,
    /// `line`, `text`, `date`, `integer`, `choice`, `choices`, `tags`, `sha256`, `ref`,
    /// `refs`, `number_map`, `object`, `table` or `scores`.
    pub r#type: String,
    pub required: bool,
    /// Allowed codes, table columns or questionnaire questions.
    pub options: Vec<String>,
    /// For references: the kind referred to.
    pub refers_to: Option<Kind>,
    pub help: String,
}

/// A kind with its fields and statuses.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KindDoc {
    pub kind: Kind,
    pub label: String,
    pub plural: String,
    pub statuses: Vec<String>,
    pub fields: Vec<FieldDoc>,
}

/// Every inventory kind, described.
pub fn kind_docs() -> Vec<KindDoc> {
    Kind::RECORDS
        .iter()
        .map(|kind| KindDoc {
            kind: *kind,
            label: kind.label().into(),
            plural: kind.plural().into(),
            statuses: kind
                .statuses()
                .iter()
                .map(|(c, _)| (*c).to_owned())
                .collect(),
            fields: kind
                .fields()
                .iter()
                .map(|spec| {
                    let codes = |options: &[(&str, &str)]| {
                        options.iter().map(|(c, _)| (*c).to_owned()).collect()
                    };
                    let (ty, options, refers_to) = match spec.ty {
                        FieldType::Line => ("line", Vec::new(), None),
                        FieldType::Text => ("text", Vec::new(), None),
                        FieldType::Date => ("date", Vec::new(), None),
                        FieldType::Integer { .. } => ("integer", Vec::new(), None),
                        FieldType::Choice(o) => ("choice", codes(o), None),
                        FieldType::Choices(o) => ("choices", codes(o), None),
                        FieldType::Tags => ("tags", Vec::new(), None),
                        FieldType::Sha256 => ("sha256", Vec::new(), None),
                        FieldType::Ref { kind, .. } => ("ref", Vec::new(), Some(kind)),
                        FieldType::Refs { kind, .. } => ("refs", Vec::new(), Some(kind)),
                        FieldType::NumberMap => ("number_map", Vec::new(), None),
                        FieldType::Object => ("object", Vec::new(), None),
                        FieldType::Table(columns) => (
                            "table",
                            columns.iter().map(|c| (*c).to_owned()).collect(),
                            None,
                        ),
                        FieldType::Scores(q) => ("scores", codes(q), None),
                    };
                    FieldDoc {
                        name: spec.name.into(),
                        label: spec.label.into(),
                        r#type: ty.into(),
                        required: spec.required,
                        options,
                        refers_to,
                        help: spec.help.into(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// A node with its name.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GraphNode {
    #[serde(flatten)]
    pub node: NodeRef,
    pub name: String,
}

/// The graph, or the part of it reachable from one node.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GraphView {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<Edge>,
    /// With a start node: every node reached, with its path.
    pub reached: Vec<Reached>,
}

fn is_organisation(kind: Kind) -> bool {
    matches!(kind, Kind::BusinessUnit | Kind::GovernanceBody | Kind::Raci)
}

/// The page of a node in the web UI.
pub fn href(node: NodeRef) -> String {
    match node.kind {
        Kind::AiSystem => format!("/systems/{}", node.id),
        kind => format!("/inventory/{}/{}", kind.code(), node.id),
    }
}

/// The whole graph (`start` = None) or what `start` reaches in `direction`, with the
/// edges among the nodes shown.
pub async fn graph(
    store: &Store,
    start: Option<NodeRef>,
    direction: Direction,
) -> Result<GraphView, StoreError> {
    let names = store.node_names().await?;
    let edges: Vec<Edge> = store
        .all_links()
        .await?
        .into_iter()
        .map(|l| l.edge)
        .filter(|e| names.contains_key(&e.from.id) && names.contains_key(&e.to.id))
        // The organisation (units, bodies, RACI charts) is a tree of its own, not a
        // dependency: it stays out of this graph.
        .filter(|e| {
            start.is_some_and(|s| is_organisation(s.kind))
                || (!is_organisation(e.from.kind) && !is_organisation(e.to.kind))
        })
        .collect();
    let (reached, mut keep): (Vec<Reached>, Vec<NodeRef>) = match start {
        Some(start) => {
            let reached = reach(&edges, start, direction);
            let mut keep: Vec<NodeRef> = reached.iter().map(|r| r.node).collect();
            keep.push(start);
            (reached, keep)
        }
        None => {
            let mut keep: Vec<NodeRef> = Vec::new();
            for edge in &edges {
                keep.push(edge.from);
                keep.push(edge.to);
            }
            (Vec::new(), keep)
        }
    };
    keep.sort();
    keep.dedup();
    let nodes = keep
        .iter()
        .map(|node| GraphNode {
            node: *node,
            name: names
                .get(&node.id)
                .map(|(_, name)| name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let edges = edges
        .into_iter()
        .filter(|e| keep.binary_search(&e.from).is_ok() && keep.binary_search(&e.to).is_ok())
        .collect();
    Ok(GraphView {
        nodes,
        edges,
        reached,
    })
}

/// The graph drawn as SVG, `highlight` emphasised.
pub fn graph_svg(view: &GraphView, highlight: &[NodeRef]) -> String {
    let labels: Vec<NodeLabel> = view
        .nodes
        .iter()
        .map(|n| NodeLabel {
            node: n.node,
            label: n.name.clone(),
            href: href(n.node),
        })
        .collect();
    aims_core::inventory::graph::svg(&labels, &view.edges, highlight)
}

/// One thing a user has to do.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkItem {
    /// `approve`, `review`, `retention`, `waiver_expiring`, `my_request`.
    pub kind: String,
    pub title: String,
    pub detail: String,
    /// `YYYY-MM-DD`, when it is due; empty when it has no date.
    pub due: String,
    pub overdue: bool,
    pub href: String,
}

/// What `user` with `role` must approve, review or fix, overdue first, then by date.
pub async fn my_work(
    store: &Store,
    user_id: uuid::Uuid,
    role: Role,
    today: time::Date,
    law_version: &str,
) -> Result<Vec<WorkItem>, StoreError> {
    let today_text = aims_core::timefmt::format_date(today);
    let mut items = Vec::new();
    for request in store.change_requests(Some("pending"), None).await? {
        let escalated = request.escalated || request.deadline < today_text;
        let may = request.rule.approvers.contains(&role)
            || (escalated && request.rule.escalate_to.contains(&role));
        let decided = request.decisions.iter().any(|d| d.user_id == user_id);
        let href = format!("/changes/{}", request.number);
        if request.requested_by == user_id {
            items.push(WorkItem {
                kind: "my_request".into(),
                title: format!(
                    "CR-{}: {} {} (your request)",
                    request.number, request.transition.name, request.subject_name
                ),
                detail: format!(
                    "{} of {} approvals",
                    request.approvals(),
                    request.rule.quorum
                ),
                due: request.deadline.clone(),
                overdue: request.deadline < today_text,
                href,
            });
        } else if may && !decided {
            items.push(WorkItem {
                kind: "approve".into(),
                title: format!(
                    "CR-{}: approve {} of {}",
                    request.number, request.transition.name, request.subject_name
                ),
                detail: format!(
                    "{} tier; {} of {} approvals{}",
                    request.tier.label(),
                    request.approvals(),
                    request.rule.quorum,
                    if escalated { "; escalated" } else { "" }
                ),
                due: request.deadline.clone(),
                overdue: request.deadline < today_text,
                href,
            });
        }
    }
    // Reviews and retention: for those who may edit the records.
    if role.allows(aims_core::access::Permission::SystemWrite) {
        record_work(store, today, &mut items).await?;
    }
    risk_work(store, role, today, law_version, &mut items).await?;
    evidence_work(store, role, today, &mut items).await?;
    items.sort_by(|a, b| {
        (!a.overdue, a.due.is_empty(), &a.due).cmp(&(!b.overdue, b.due.is_empty(), &b.due))
    });
    Ok(items)
}

/// Reviews of AI systems, vendors and datasets due within 30 days, and data past retention.
async fn record_work(
    store: &Store,
    today: time::Date,
    items: &mut Vec<WorkItem>,
) -> Result<(), StoreError> {
    let today_text = aims_core::timefmt::format_date(today);
    let soon = aims_core::timefmt::format_date(today + time::Duration::days(30));
    // Reviews of AI systems, vendors and datasets by their cycle.
    let systems = store
        .list_ai_systems(
            &Default::default(),
            &aims_store::ListParams {
                limit: Some(500),
                ..Default::default()
            },
        )
        .await?;
    for system in systems.items {
        let next = &system.fields.next_review;
        if !next.is_empty() && *next <= soon {
            items.push(WorkItem {
                kind: "review".into(),
                title: format!("Review AI system {}", system.fields.name),
                detail: format!("owner: {}", system.fields.owner),
                due: next.clone(),
                overdue: *next < today_text,
                href: format!("/systems/{}", system.id),
            });
        }
    }
    for kind in [Kind::Vendor, Kind::Dataset] {
        for item in store.all_items(kind).await? {
            let Some(due) = next_review(
                item.text("last_review"),
                item.fields
                    .get("review_cycle_months")
                    .and_then(serde_json::Value::as_i64),
            ) else {
                continue;
            };
            if due <= soon {
                items.push(WorkItem {
                    kind: "review".into(),
                    title: format!(
                        "Review {} {}",
                        kind.label().to_lowercase(),
                        item.display_name()
                    ),
                    detail: format!("last reviewed {}", item.text("last_review")),
                    overdue: due < today_text,
                    due,
                    href: href(item.node()),
                });
            }
        }
    }
    for item in retention_due(store, today).await? {
        items.push(WorkItem {
            kind: "retention".into(),
            title: format!("Delete dataset version {} (retention)", item.display_name()),
            detail: "past its retention date: delete the data and record it".into(),
            due: item.text("retain_until").to_owned(),
            overdue: true,
            href: href(item.node()),
        });
    }
    Ok(())
}

/// Evidence (policies, procedures, records) to review or renew, for those who keep it.
async fn evidence_work(
    store: &Store,
    role: Role,
    today: time::Date,
    items: &mut Vec<WorkItem>,
) -> Result<(), StoreError> {
    use crate::evidence::EvidenceStatus;
    if !role.allows(aims_core::access::Permission::ConformanceWrite) {
        return Ok(());
    }
    for evidence in store
        .list_evidence(&aims_store::EvidenceFilter::default())
        .await?
    {
        let (what, overdue) = match crate::evidence::status(&evidence, today) {
            EvidenceStatus::ReviewDue => ("Review", true),
            EvidenceStatus::Expired => ("Renew (expired)", true),
            EvidenceStatus::ExpiringSoon => ("Renew (expiring)", false),
            _ => continue,
        };
        items.push(WorkItem {
            kind: "review".into(),
            title: format!("{what} evidence “{}”", evidence.fields.title),
            detail: if evidence.fields.owner.is_empty() {
                String::new()
            } else {
                format!("owner: {}", evidence.fields.owner)
            },
            due: evidence.fields.expires_on.clone(),
            overdue,
            href: format!("/evidence/{}", evidence.id),
        });
    }
    Ok(())
}

/// Risk work: treatment actions past due and risks above appetite left untreated (for
/// those who may record and treat risks), and classifications to review because the
/// methodology or the EU AI Act data changed, or a fairness or drift check failed since.
async fn risk_work(
    store: &Store,
    role: Role,
    today: time::Date,
    law_version: &str,
    items: &mut Vec<WorkItem>,
) -> Result<(), StoreError> {
    if !role.allows(aims_core::access::Permission::RiskWrite) {
        return Ok(());
    }
    let today_text = aims_core::timefmt::format_date(today);
    for view in store.risks(None, today).await? {
        for action in view.actions.iter().filter(|a| a.overdue(&today_text)) {
            items.push(WorkItem {
                kind: "treatment".into(),
                title: format!(
                    "Finish “{}” for R-{}",
                    action.fields.title, view.risk.number
                ),
                detail: format!("owner: {}", action.fields.owner),
                due: action.fields.due.clone(),
                overdue: true,
                href: format!("/risks/{}#actions", view.risk.number),
            });
        }
        if view.risk.above_appetite
            && !view.treated
            && view.risk.fields.status != aims_core::risk::register::RiskStatus::Closed
        {
            items.push(WorkItem {
                kind: "treatment".into(),
                title: format!(
                    "Treat or accept R-{} {}",
                    view.risk.number, view.risk.fields.title
                ),
                detail: format!(
                    "{} residual risk above appetite on {}",
                    view.risk.residual_level, view.subject_name
                ),
                due: String::new(),
                overdue: false,
                href: format!("/risks/{}", view.risk.number),
            });
        }
    }
    let (_, methodology_version) = store.active_methodology().await?;
    let methodology_since = if methodology_version > 0 {
        store
            .history("risk_methodology", &methodology_version.to_string())
            .await?
            .first()
            .map(|h| h.time.clone())
    } else {
        None
    };
    let systems = store
        .list_ai_systems(
            &Default::default(),
            &aims_store::ListParams {
                limit: Some(500),
                ..Default::default()
            },
        )
        .await?;
    for system in systems.items {
        let Some(classification) = store.classification(system.id).await? else {
            continue;
        };
        let mut reasons = Vec::new();
        if methodology_since
            .as_deref()
            .is_some_and(|t| t > classification.classified_at.as_str())
        {
            reasons.push("the risk methodology changed".to_owned());
        }
        let runs = store
            .list_check_runs(Some(("ai_system", &system.id.to_string())), 20)
            .await?;
        if runs.iter().any(|r| {
            !r.run.passed
                && matches!(r.run.kind.as_str(), "fairness" | "drift" | "all")
                && r.recorded_at > classification.classified_at
        }) {
            reasons.push("a fairness or drift check failed".to_owned());
        }
        if !law_version.is_empty() && classification.law_version != law_version {
            reasons.push(format!(
                "the EU AI Act data changed (classified with {}, now {law_version})",
                if classification.law_version.is_empty() {
                    "an earlier version"
                } else {
                    &classification.law_version
                }
            ));
        }
        if !reasons.is_empty() {
            items.push(WorkItem {
                kind: "review".into(),
                title: format!("Review the classification of {}", system.fields.name),
                detail: reasons.join("; "),
                due: String::new(),
                overdue: false,
                href: format!("/systems/{}/classification", system.id),
            });
        }
    }
    Ok(())
}

/// `last_review` plus the cycle in months (the day clamped to the month's length).
fn next_review(last: &str, months: Option<i64>) -> Option<String> {
    let last = aims_core::timefmt::parse_date(last).ok()?;
    let months = i32::try_from(months?).ok()?;
    let total = last.year() * 12 + i32::from(u8::from(last.month())) - 1 + months;
    let month = time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let year = total.div_euclid(12);
    let day = last.day().min(time::util::days_in_month(month, year));
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    Some(aims_core::timefmt::format_date(date))
}

/// Active dataset versions past their retention date.
pub async fn retention_due(
    store: &Store,
    today: time::Date,
) -> Result<Vec<aims_store::InventoryItem>, StoreError> {
    let today = aims_core::timefmt::format_date(today);
    Ok(store
        .all_items(Kind::DatasetVersion)
        .await?
        .into_iter()
        .filter(|item| {
            item.status == "active"
                && !item.text("retain_until").is_empty()
                && item.text("retain_until") < today.as_str()
        })
        .collect())
}

/// Counts of records per kind, every kind present.
pub async fn counts(store: &Store) -> Result<BTreeMap<String, i64>, StoreError> {
    let mut counts = store.item_counts().await?;
    for kind in Kind::RECORDS {
        counts.entry(kind.code().to_owned()).or_insert(0);
    }
    Ok(counts)
}

/// The version of the EU AI Act data in the catalogue, which classifications record.
pub fn law_version(catalog: &aims_catalog::Catalog) -> String {
    catalog
        .framework(EU_AI_ACT)
        .map(|f| f.library_version.clone())
        .unwrap_or_default()
}

/// The catalogue id of the EU AI Act library.
pub const EU_AI_ACT: &str = "eu-ai-act-2024";

/// Every record of `kinds` as (`kind:id`, "Kind: name") for pickers, AI systems first.
pub async fn node_choices(
    store: &Store,
    kinds: &[Kind],
) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::new();
    for kind in kinds {
        if *kind == Kind::AiSystem {
            let systems = store
                .list_ai_systems(
                    &Default::default(),
                    &aims_store::ListParams {
                        limit: Some(500),
                        ..Default::default()
                    },
                )
                .await?;
            out.extend(systems.items.into_iter().map(|s| {
                (
                    format!("ai_system:{}", s.id),
                    format!("AI system: {}", s.fields.name),
                )
            }));
        } else {
            for item in store.all_items(*kind).await? {
                out.push((
                    item.node().key(),
                    format!("{}: {}", kind.label(), item.display_name()),
                ));
            }
        }
    }
    Ok(out)
}
