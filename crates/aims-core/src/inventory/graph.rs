//! The dependency graph: AI systems, models, datasets, vendors and enterprise systems,
//! with an edge from each record to what it depends on.
//!
//! Pure functions over a list of edges: reachability with the path that reaches each node
//! (for "what depends on X" and for cascading risk), cycle detection before a write, and a
//! layered SVG drawing rendered on the server.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Kind;

/// One node: a record of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NodeRef {
    pub kind: Kind,
    pub id: Uuid,
}

impl NodeRef {
    pub fn new(kind: Kind, id: Uuid) -> Self {
        Self { kind, id }
    }

    /// `kind:id`, the form used in URLs and the CLI.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.code(), self.id)
    }

    /// Parses `kind:id`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (kind, id) = text
            .split_once(':')
            .ok_or_else(|| format!("`{text}` is not written kind:id, for example model:6f1c…"))?;
        let kind = Kind::parse(kind)?;
        let id = Uuid::parse_str(id.trim()).map_err(|_| format!("`{id}` is not a record id"))?;
        Ok(Self { kind, id })
    }
}

/// An edge: `from` depends on `to` through `relation`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Edge {
    pub from: NodeRef,
    pub relation: String,
    pub to: NodeRef,
}

/// Which way to walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// What the node depends on (follow edges forward).
    #[default]
    Dependencies,
    /// What depends on the node (follow edges backward).
    Dependents,
}

/// A node reached from the start, with the shortest chain of edges that reaches it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reached {
    pub node: NodeRef,
    pub depth: usize,
    /// The edges from the start to this node, in walking order.
    pub path: Vec<Edge>,
}

/// Every node reachable from `start` in `direction`, breadth first (so each path is a
/// shortest one), without the start itself. Cycles are walked once.
pub fn reach(edges: &[Edge], start: NodeRef, direction: Direction) -> Vec<Reached> {
    let mut adjacency: BTreeMap<NodeRef, Vec<&Edge>> = BTreeMap::new();
    for edge in edges {
        let key = match direction {
            Direction::Dependencies => edge.from,
            Direction::Dependents => edge.to,
        };
        adjacency.entry(key).or_default().push(edge);
    }
    let mut seen: BTreeSet<NodeRef> = BTreeSet::from([start]);
    let mut queue: VecDeque<(NodeRef, Vec<Edge>)> = VecDeque::from([(start, Vec::new())]);
    let mut out = Vec::new();
    while let Some((node, path)) = queue.pop_front() {
        for edge in adjacency.get(&node).map(Vec::as_slice).unwrap_or_default() {
            let next = match direction {
                Direction::Dependencies => edge.to,
                Direction::Dependents => edge.from,
            };
            if seen.insert(next) {
                let mut next_path = path.clone();
                next_path.push((*edge).clone());
                out.push(Reached {
                    node: next,
                    depth: next_path.len(),
                    path: next_path.clone(),
                });
                queue.push_back((next, next_path));
            }
        }
    }
    out
}

/// Whether adding edges `from -> to` for each of `targets` under `relation` would close a
/// cycle among the existing edges of that relation; returns the cycle's nodes if so.
pub fn would_cycle(
    edges: &[Edge],
    relation: &str,
    from: NodeRef,
    targets: &[NodeRef],
) -> Option<Vec<NodeRef>> {
    let same: Vec<Edge> = edges
        .iter()
        .filter(|edge| edge.relation == relation && edge.from != from)
        .cloned()
        .collect();
    for target in targets {
        if *target == from {
            return Some(vec![from, from]);
        }
        // A cycle exists if `from` is reachable from the target through the other edges.
        if let Some(found) = reach(&same, *target, Direction::Dependencies)
            .into_iter()
            .find(|reached| reached.node == from)
        {
            let mut cycle = vec![from, *target];
            cycle.extend(found.path.iter().map(|edge| edge.to));
            return Some(cycle);
        }
    }
    None
}

/// A node as drawn: its reference, a label and where it links to.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeLabel {
    pub node: NodeRef,
    pub label: String,
    pub href: String,
}

/// Column order of the drawing, left to right: consumers to suppliers.
fn column_of(kind: Kind) -> usize {
    match kind {
        Kind::BusinessUnit | Kind::GovernanceBody | Kind::Raci => 0,
        Kind::EnterpriseSystem => 0,
        Kind::AiSystem => 1,
        Kind::Model => 3,
        Kind::ModelVersion => 2,
        Kind::DatasetVersion => 4,
        Kind::Dataset => 5,
        Kind::Vendor => 6,
    }
}

const NODE_W: usize = 170;
const NODE_H: usize = 34;
const GAP_X: usize = 60;
const GAP_Y: usize = 14;

/// Orders each column so that connected nodes sit level with each other: nodes start in
/// kind and name order, then two sweeps (left to right, then right to left) sort each
/// column by the mean row of its neighbours in the column just placed (the barycentre
/// heuristic), which removes most edge crossings in inventory-shaped graphs.
fn order_columns<'a>(
    used: &[usize],
    columns: &BTreeMap<usize, Vec<&'a NodeLabel>>,
    edges: &[Edge],
) -> Vec<Vec<&'a NodeLabel>> {
    let mut ordered: Vec<Vec<&NodeLabel>> = used
        .iter()
        .map(|column| {
            let mut list = columns.get(column).cloned().unwrap_or_default();
            list.sort_by(|a, b| (a.node.kind, &a.label).cmp(&(b.node.kind, &b.label)));
            list
        })
        .collect();
    let neighbours = |node: NodeRef| -> Vec<NodeRef> {
        edges
            .iter()
            .filter_map(|e| {
                if e.from == node {
                    Some(e.to)
                } else if e.to == node {
                    Some(e.from)
                } else {
                    None
                }
            })
            .collect()
    };
    let sweep = |from: usize, to: usize, ordered: &mut Vec<Vec<&'a NodeLabel>>| {
        let rows: BTreeMap<NodeRef, usize> = ordered[from]
            .iter()
            .enumerate()
            .map(|(row, n)| (n.node, row))
            .collect();
        let mut keyed: Vec<(f64, usize, &NodeLabel)> = ordered[to]
            .iter()
            .enumerate()
            .map(|(row, n)| {
                let linked: Vec<usize> = neighbours(n.node)
                    .iter()
                    .filter_map(|m| rows.get(m).copied())
                    .collect();
                let key = if linked.is_empty() {
                    row as f64
                } else {
                    linked.iter().sum::<usize>() as f64 / linked.len() as f64
                };
                (key, row, *n)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        ordered[to] = keyed.into_iter().map(|(_, _, n)| n).collect();
    };
    for to in 1..ordered.len() {
        sweep(to - 1, to, &mut ordered);
    }
    for to in (0..ordered.len().saturating_sub(1)).rev() {
        sweep(to + 1, to, &mut ordered);
    }
    ordered
}

/// Draws the nodes in columns by kind, with each edge as a curve labelled by its relation.
/// `highlight` nodes (the subject of a page) are drawn emphasised. Text is escaped.
pub fn svg(nodes: &[NodeLabel], edges: &[Edge], highlight: &[NodeRef]) -> String {
    let mut columns: BTreeMap<usize, Vec<&NodeLabel>> = BTreeMap::new();
    for node in nodes {
        columns
            .entry(column_of(node.node.kind))
            .or_default()
            .push(node);
    }
    // Only used columns take space.
    let used: Vec<usize> = columns.keys().copied().collect();
    let mut position: BTreeMap<NodeRef, (usize, usize)> = BTreeMap::new();
    let mut height = 0;
    let ordered = order_columns(&used, &columns, edges);
    for (slot, list) in ordered.iter().enumerate() {
        for (row, node) in list.iter().enumerate() {
            let x = 10 + slot * (NODE_W + GAP_X);
            let y = 30 + row * (NODE_H + GAP_Y);
            position.insert(node.node, (x, y));
            height = height.max(y + NODE_H + 10);
        }
    }
    let width = 60 + used.len().max(1) * (NODE_W + GAP_X) - GAP_X;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\
         <title>Dependency graph</title>\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#667\"/></marker></defs>"
    );
    for (slot, column) in used.iter().enumerate() {
        let title = match column {
            0 => "Enterprise & organisation",
            1 => "AI systems",
            2 => "Model versions",
            3 => "Models",
            4 => "Dataset versions",
            5 => "Datasets",
            _ => "Vendors",
        };
        out.push_str(&format!(
            "<text x=\"{}\" y=\"16\" font-weight=\"600\" fill=\"#445\">{}</text>",
            10 + slot * (NODE_W + GAP_X),
            title
        ));
    }
    for edge in edges {
        let (Some(&(fx, fy)), Some(&(tx, ty))) = (position.get(&edge.from), position.get(&edge.to))
        else {
            continue;
        };
        let path = if tx == fx {
            // Within one column (lineage between versions): an arc bulging to the right.
            let (x, y1, y2) = (fx + NODE_W, fy + NODE_H / 2, ty + NODE_H / 2);
            let bulge = x + 24 + (y1.abs_diff(y2) / 8).min(30);
            format!("M {x} {y1} C {bulge} {y1}, {bulge} {y2}, {x} {y2}")
        } else {
            let forward = tx > fx;
            let (x1, x2) = if forward {
                (fx + NODE_W, tx)
            } else {
                (fx, tx + NODE_W)
            };
            let (y1, y2) = (fy + NODE_H / 2, ty + NODE_H / 2);
            let mid = (x1 + x2) / 2;
            format!("M {x1} {y1} C {mid} {y1}, {mid} {y2}, {x2} {y2}")
        };
        out.push_str(&format!(
            "<path d=\"{path}\" fill=\"none\" stroke=\"#99a\" stroke-width=\"1.2\" marker-end=\"url(#arrow)\"><title>{}</title></path>",
            escape(&edge.relation.replace('_', " "))
        ));
    }
    for node in nodes {
        let Some(&(x, y)) = position.get(&node.node) else {
            continue;
        };
        let emphasised = highlight.contains(&node.node);
        let (fill, stroke) = if emphasised {
            ("#fff4d6", "#b7791f")
        } else {
            (fill_of(node.node.kind), "#778")
        };
        let mut label: String = node.label.chars().take(24).collect();
        if node.label.chars().count() > 24 {
            label.push('…');
        }
        out.push_str(&format!(
            "<a href=\"{}\"><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"/><text x=\"{}\" y=\"{}\" fill=\"#223\"><title>{}: {}</title>{}</text></a>",
            escape(&node.href),
            if emphasised { 2 } else { 1 },
            x + 8,
            y + NODE_H / 2 + 4,
            node.node.kind.label(),
            escape(&node.label),
            escape(&label)
        ));
    }
    out.push_str("</svg>");
    out
}

fn fill_of(kind: Kind) -> &'static str {
    match kind {
        Kind::AiSystem => "#e3ecff",
        Kind::Model | Kind::ModelVersion => "#e6f5ea",
        Kind::Dataset | Kind::DatasetVersion => "#f3e8fb",
        Kind::Vendor => "#fde8e8",
        _ => "#eef0f3",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(kind: Kind, n: u128) -> NodeRef {
        NodeRef::new(kind, Uuid::from_u128(n))
    }

    fn edge(from: NodeRef, relation: &str, to: NodeRef) -> Edge {
        Edge {
            from,
            relation: relation.into(),
            to,
        }
    }

    #[test]
    fn dependents_of_a_vendor_carry_their_path() {
        let vendor = node(Kind::Vendor, 1);
        let model = node(Kind::Model, 2);
        let version = node(Kind::ModelVersion, 3);
        let system_a = node(Kind::AiSystem, 4);
        let system_b = node(Kind::AiSystem, 5);
        let edges = vec![
            edge(model, "supplied_by", vendor),
            edge(version, "version_of", model),
            edge(system_a, "uses_model", version),
            edge(system_b, "uses_model", version),
        ];
        let reached = reach(&edges, vendor, Direction::Dependents);
        let systems: Vec<&Reached> = reached
            .iter()
            .filter(|r| r.node.kind == Kind::AiSystem)
            .collect();
        assert_eq!(systems.len(), 2);
        assert!(
            systems
                .iter()
                .all(|r| r.depth == 3 && r.path[0].to == vendor)
        );
        let forward = reach(&edges, system_a, Direction::Dependencies);
        assert_eq!(
            forward.iter().map(|r| r.node).collect::<Vec<_>>(),
            vec![version, model, vendor]
        );
    }

    #[test]
    fn cycles_are_found_before_they_are_written() {
        let a = node(Kind::DatasetVersion, 1);
        let b = node(Kind::DatasetVersion, 2);
        let c = node(Kind::DatasetVersion, 3);
        let edges = vec![edge(b, "derived_from", a), edge(c, "derived_from", b)];
        assert_eq!(
            would_cycle(&edges, "derived_from", a, &[c]),
            Some(vec![a, c, b, a])
        );
        assert_eq!(would_cycle(&edges, "derived_from", c, &[a]), None);
        assert!(would_cycle(&edges, "derived_from", a, &[a]).is_some());
        // Other relations do not count.
        assert_eq!(would_cycle(&edges, "child_of", a, &[c]), None);
    }

    #[test]
    fn columns_are_ordered_to_avoid_crossings() {
        let label = |node: NodeRef, label: &str| NodeLabel {
            node,
            label: label.into(),
            href: String::new(),
        };
        let (a, b) = (node(Kind::AiSystem, 1), node(Kind::AiSystem, 2));
        let (x, y) = (node(Kind::ModelVersion, 3), node(Kind::ModelVersion, 4));
        let nodes = [label(a, "A"), label(b, "B"), label(x, "X"), label(y, "Y")];
        // A uses Y and B uses X: in name order the two edges cross.
        let edges = vec![edge(a, "uses_model", y), edge(b, "uses_model", x)];
        let mut columns: BTreeMap<usize, Vec<&NodeLabel>> = BTreeMap::new();
        for n in &nodes {
            columns.entry(column_of(n.node.kind)).or_default().push(n);
        }
        let used: Vec<usize> = columns.keys().copied().collect();
        let ordered = order_columns(&used, &columns, &edges);
        let names: Vec<Vec<&str>> = ordered
            .iter()
            .map(|c| c.iter().map(|n| n.label.as_str()).collect())
            .collect();
        assert_eq!(names, vec![vec!["A", "B"], vec!["Y", "X"]]);
    }

    #[test]
    fn node_keys_round_trip_and_svg_escapes() {
        let n = node(Kind::Model, 7);
        assert_eq!(NodeRef::parse(&n.key()), Ok(n));
        assert!(NodeRef::parse("robot:1").is_err());
        let drawn = svg(
            &[NodeLabel {
                node: n,
                label: "<script>".into(),
                href: "/x?a=1&b=2".into(),
            }],
            &[],
            &[n],
        );
        assert!(drawn.contains("&lt;script&gt;") && !drawn.contains("<script>"));
        assert!(drawn.contains("a=1&amp;b=2"));
    }
}
