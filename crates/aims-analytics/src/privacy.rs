//! Privacy (ISO/IEC 42001 A.7): k-anonymity and l-diversity over declared quasi-identifiers.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::stream::Partial;
use crate::values::{Keys, column};

/// Equivalence classes: rows sharing all quasi-identifier values, with the sensitive values seen.
#[derive(Debug, Clone, Default)]
pub(crate) struct PrivacyPartial {
    pub classes: BTreeMap<Vec<String>, (u64, BTreeSet<String>)>,
}

impl PrivacyPartial {
    pub fn update(
        &mut self,
        quasi: &[String],
        sensitive: Option<&str>,
        batch: &RecordBatch,
    ) -> Result<()> {
        let keys: Vec<Keys> = quasi
            .iter()
            .map(|q| Keys::new(column(batch, q)?, q))
            .collect::<Result<_>>()?;
        let sensitive_keys = match sensitive {
            Some(s) => Some(Keys::new(column(batch, s)?, s)?),
            None => None,
        };
        let mut key = Vec::with_capacity(quasi.len());
        for i in 0..batch.num_rows() {
            key.clear();
            for k in &keys {
                key.push(
                    k.get(i)
                        .map(|c| c.into_owned())
                        .unwrap_or_else(|| crate::fairness::NULL_GROUP.to_owned()),
                );
            }
            let entry = self.classes.entry(key.clone()).or_default();
            entry.0 += 1;
            if let Some(s) = &sensitive_keys
                && let Some(v) = s.get(i)
                && !entry.1.contains(v.as_ref())
            {
                entry.1.insert(v.into_owned());
            }
        }
        Ok(())
    }
}

impl Partial for PrivacyPartial {
    fn merge(&mut self, later: Self) -> Result<()> {
        for (k, (n, set)) in later.classes {
            let entry = self.classes.entry(k).or_default();
            entry.0 += n;
            entry.1.extend(set);
        }
        Ok(())
    }
}

/// k-anonymity and l-diversity results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacyResult {
    pub quasi_identifiers: Vec<String>,
    pub sensitive: Option<String>,
    pub classes: u64,
    /// Size of the smallest equivalence class: the k the data achieves.
    pub k_anonymity: u64,
    /// Fewest distinct sensitive values in a class: the l the data achieves.
    pub l_diversity: Option<u64>,
    pub k_required: Option<u64>,
    pub l_required: Option<u64>,
    /// Rows in classes smaller than the required k.
    pub rows_below_k: u64,
    pub share_below_k: f64,
    /// Classes with fewer distinct sensitive values than the required l.
    pub classes_below_l: u64,
}

pub(crate) fn evaluate(
    partial: &PrivacyPartial,
    quasi: &[String],
    sensitive: Option<&str>,
    k: Option<u64>,
    l: Option<u64>,
) -> PrivacyResult {
    let rows: u64 = partial.classes.values().map(|c| c.0).sum();
    let k_anonymity = partial.classes.values().map(|c| c.0).min().unwrap_or(0);
    let l_diversity = sensitive.map(|_| {
        partial
            .classes
            .values()
            .map(|c| c.1.len() as u64)
            .min()
            .unwrap_or(0)
    });
    let rows_below_k = k
        .map(|k| {
            partial
                .classes
                .values()
                .filter(|c| c.0 < k)
                .map(|c| c.0)
                .sum()
        })
        .unwrap_or(0);
    let classes_below_l = match (l, sensitive) {
        (Some(l), Some(_)) => partial
            .classes
            .values()
            .filter(|c| (c.1.len() as u64) < l)
            .count() as u64,
        _ => 0,
    };
    PrivacyResult {
        quasi_identifiers: quasi.to_vec(),
        sensitive: sensitive.map(str::to_owned),
        classes: partial.classes.len() as u64,
        k_anonymity,
        l_diversity,
        k_required: k,
        l_required: l,
        rows_below_k,
        share_below_k: if rows > 0 {
            rows_below_k as f64 / rows as f64
        } else {
            0.0
        },
        classes_below_l,
    }
}
