//! Reading a label or prediction column as two classes, failing on a third value with its row.

use std::path::Path;

use arrow::array::{Array, ArrayRef};

use crate::error::{Error, Result};
use crate::values::{Keys, same_class};

/// What a binary column has shown so far: the first value that is not the positive class, so a
/// second, different one can be reported as the non-binary value it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct BinaryState {
    pub other: Option<(String, u64)>,
}

impl BinaryState {
    /// Combines what two partitions saw; a different "other" class in each means three classes.
    pub(crate) fn merge(
        &mut self,
        later: &BinaryState,
        column: &str,
        path: &Path,
        positive: &str,
    ) -> Result<()> {
        match (&self.other, &later.other) {
            (None, Some(_)) => self.other = later.other.clone(),
            (Some((a, _)), Some((b, row))) if a != b => {
                return Err(not_binary(path, column, *row, b, a, positive));
            }
            _ => {}
        }
        Ok(())
    }
}

fn not_binary(
    path: &Path,
    column: &str,
    row: u64,
    value: &str,
    other: &str,
    positive: &str,
) -> Error {
    Error::NotBinary {
        path: path.to_path_buf(),
        column: column.to_owned(),
        row,
        value: value.to_owned(),
        expected: format!("'{positive}' and one other class, already seen '{other}'"),
    }
}

/// Converts a column into `Some(true)` for the positive class, `Some(false)` for the other class
/// and `None` for nulls. `row_offset` is the index of the batch's first row in the file; rows are
/// reported 1-based, counting data rows only.
pub(crate) fn read_binary(
    array: &ArrayRef,
    column: &str,
    positive: &str,
    state: &mut BinaryState,
    path: &Path,
    row_offset: u64,
) -> Result<Vec<Option<bool>>> {
    let keys = Keys::new(array, column)?;
    let mut out = Vec::with_capacity(array.len());
    // Fast paths compare native values; the text form is only built for a new class.
    let positive_f = positive_number(positive);
    let mut last_other: Option<String> = state.other.as_ref().map(|(s, _)| s.clone());
    let mut last_other_f: Option<f64> = last_other.as_deref().and_then(positive_number);
    for i in 0..keys.len() {
        let is_positive = match &keys {
            Keys::Int(a) => {
                if a.is_null(i) {
                    out.push(None);
                    continue;
                }
                positive_f == Some(a.value(i) as f64)
            }
            Keys::Float(a) => {
                if a.is_null(i) || a.value(i).is_nan() {
                    out.push(None);
                    continue;
                }
                positive_f == Some(a.value(i))
            }
            _ => match keys.get(i) {
                None => {
                    out.push(None);
                    continue;
                }
                Some(k) => same_class(&k, positive),
            },
        };
        if !is_positive {
            let numeric_value = match &keys {
                Keys::Int(a) => Some(a.value(i) as f64),
                Keys::Float(a) => Some(a.value(i)),
                _ => None,
            };
            if numeric_value.is_some() && numeric_value == last_other_f {
                out.push(Some(false));
                continue;
            }
            let key = keys.get(i).map(|k| k.into_owned()).unwrap_or_default();
            match &last_other {
                None => {
                    state.other = Some((key.clone(), row_offset + i as u64 + 1));
                    last_other_f = positive_number(&key);
                    last_other = Some(key);
                }
                Some(other) if *other != key && !same_class(other, &key) => {
                    return Err(not_binary(
                        path,
                        column,
                        row_offset + i as u64 + 1,
                        &key,
                        other,
                        positive,
                    ));
                }
                Some(_) => {}
            }
        }
        out.push(Some(is_positive));
    }
    Ok(out)
}

fn positive_number(positive: &str) -> Option<f64> {
    match positive.trim().to_ascii_lowercase().as_str() {
        "true" => Some(1.0),
        "false" => Some(0.0),
        other => other.parse::<f64>().ok(),
    }
}
