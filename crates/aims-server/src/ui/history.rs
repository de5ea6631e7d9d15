//! History panels: ledger entries shown with who made them and what changed.

use std::collections::HashMap;

use aims_store::HistoryEntry;
use serde::Serialize;

use crate::error::ApiResult;
use crate::state::AppState;

/// Fields that change on every write and say nothing about what the person changed.
const BOOKKEEPING: &[&str] = &["version", "updated_at", "created_at"];

/// One row of a history panel.
#[derive(Debug, Serialize)]
pub struct HistoryRow {
    #[serde(flatten)]
    pub entry: HistoryEntry,
    /// The actor's display name, when the actor is a user.
    pub actor_name: Option<String>,
    /// The fields this entry changed, compared with the entity's previous entry.
    pub changed: Vec<String>,
}

/// Decorates entries (newest first, as the store returns them) for display.
pub async fn rows(state: &AppState, entries: Vec<HistoryEntry>) -> ApiResult<Vec<HistoryRow>> {
    let names = state.store().actor_names().await?;
    Ok(decorate(entries, &names))
}

fn decorate(entries: Vec<HistoryEntry>, names: &HashMap<String, String>) -> Vec<HistoryRow> {
    let mut previous: HashMap<(String, String), serde_json::Value> = HashMap::new();
    let mut rows: Vec<HistoryRow> = entries
        .into_iter()
        .rev()
        .map(|entry| {
            let key = (entry.entity_type.clone(), entry.entity_id.clone());
            let changed = match (&entry.state, previous.get(&key)) {
                (Some(serde_json::Value::Object(now)), Some(serde_json::Value::Object(before))) => {
                    now.iter()
                        .filter(|(field, value)| {
                            !BOOKKEEPING.contains(&field.as_str())
                                && before.get(*field) != Some(*value)
                        })
                        .map(|(field, _)| field.clone())
                        .collect()
                }
                _ => Vec::new(),
            };
            if let Some(state) = &entry.state {
                previous.insert(key, state.clone());
            }
            HistoryRow {
                actor_name: names.get(&entry.actor).cloned(),
                entry,
                changed,
            }
        })
        .collect();
    rows.reverse();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(seq: u64, state: serde_json::Value) -> HistoryEntry {
        HistoryEntry {
            seq,
            time: String::new(),
            actor: "user:1".into(),
            action: "ai_system.updated".into(),
            entity_type: "ai_system".into(),
            entity_id: "a".into(),
            state_sha256: String::new(),
            state: Some(state),
        }
    }

    #[test]
    fn changes_are_listed_against_the_previous_entry() {
        let entries = vec![
            entry(2, json!({"owner": "B", "name": "x", "version": 3})),
            entry(1, json!({"owner": "A", "name": "x", "version": 2})),
            entry(0, json!({"owner": "A", "name": "y", "version": 1})),
        ];
        let names = HashMap::from([("user:1".to_owned(), "Ada".to_owned())]);
        let rows = decorate(entries, &names);
        assert_eq!(rows[0].changed, ["owner"]);
        assert_eq!(rows[1].changed, ["name"]);
        assert!(rows[2].changed.is_empty());
        assert_eq!(rows[0].actor_name.as_deref(), Some("Ada"));
    }
}
