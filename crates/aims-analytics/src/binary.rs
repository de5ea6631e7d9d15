//! Reading a label or prediction column as two classes, failing on a third value with its row.

use std::path::Path;

use arrow::array::{Array, ArrayRef, Int64Array};

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
    // Fast paths compare native values; the text form is only built for a new class.
    let positive_f = positive_number(positive);
    let mut last_other: Option<String> = state.other.as_ref().map(|(s, _)| s.clone());
    let mut last_other_f: Option<f64> = last_other.as_deref().and_then(positive_number);
    // Row `i`'s class, updating the state; an error for a third class.
    let mut judge = |i: usize| -> Result<Option<bool>> {
        let is_positive = match &keys {
            Keys::Int(a) => {
                if a.is_null(i) {
                    return Ok(None);
                }
                positive_f == Some(a.value(i) as f64)
            }
            Keys::Float(a) => {
                if a.is_null(i) || a.value(i).is_nan() {
                    return Ok(None);
                }
                positive_f == Some(a.value(i))
            }
            _ => match keys.get(i) {
                None => return Ok(None),
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
                return Ok(Some(false));
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
        Ok(Some(is_positive))
    };
    if let Keys::Int(a) = &keys
        && let Some(out) = judge_small_range(a, &mut judge)?
    {
        return Ok(out);
    }
    (0..array.len()).map(judge).collect()
}

/// Integer classes within a short range (0 and 1, codes): a row's class depends only on its
/// value, so each distinct value is judged once, at its first row and in the order of first
/// rows (the state changes, and a third class is reported at its first row, exactly as row by
/// row), then every row takes its value's verdict. None when the range is wide.
fn judge_small_range(
    a: &Int64Array,
    judge: &mut impl FnMut(usize) -> Result<Option<bool>>,
) -> Result<Option<Vec<Option<bool>>>> {
    let values = a.values();
    // The values of null rows take part: they can only widen the range.
    let (lo, hi) = values
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let Some(width) = hi
        .checked_sub(lo)
        .and_then(|w| usize::try_from(w).ok())
        .filter(|w| *w < 4096)
    else {
        return Ok(None);
    };
    let slot = |v: i64| usize::try_from(v.wrapping_sub(lo)).unwrap_or(usize::MAX);
    let mut first = vec![usize::MAX; width + 1];
    let valid = a.nulls().filter(|n| n.null_count() > 0);
    for (i, v) in values.iter().enumerate() {
        if valid.is_none_or(|n| n.is_valid(i))
            && let Some(f) = first.get_mut(slot(*v))
            && *f == usize::MAX
        {
            *f = i;
        }
    }
    let mut order: Vec<(usize, usize)> = first
        .iter()
        .enumerate()
        .filter(|(_, row)| **row != usize::MAX)
        .map(|(s, row)| (*row, s))
        .collect();
    order.sort_unstable();
    let mut verdict: Vec<Option<bool>> = vec![None; width + 1];
    for (row, s) in order {
        verdict[s] = judge(row)?;
    }
    let of = |v: i64| verdict.get(slot(v)).copied().flatten();
    Ok(Some(match valid {
        None => values.iter().map(|v| of(*v)).collect(),
        Some(nulls) => values
            .iter()
            .zip(nulls.iter())
            .map(|(v, ok)| if ok { of(*v) } else { None })
            .collect(),
    }))
}

fn positive_number(positive: &str) -> Option<f64> {
    match positive.trim().to_ascii_lowercase().as_str() {
        "true" => Some(1.0),
        "false" => Some(0.0),
        other => other.parse::<f64>().ok(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::sync::Arc;

    use arrow::array::Float64Array;

    use super::*;

    /// Integers judged once per distinct value give what the row-by-row path gives for the same
    /// values as floats: classes, nulls, the state carried between batches, and the first row of
    /// a third class in the error.
    #[test]
    fn integer_classes_judged_per_value_agree_with_rows() {
        let cases: Vec<Vec<Option<i64>>> = vec![
            vec![Some(0), Some(1), None, Some(1), Some(0)],
            vec![None, Some(1), Some(1), Some(7), Some(0), Some(7)],
            vec![Some(3), None, Some(1), Some(3), Some(2), Some(3)],
            vec![None, None],
            (0..300).map(|i| (i % 13 != 0).then_some(i % 2)).collect(),
        ];
        for (k, values) in cases.into_iter().enumerate() {
            for (positive, carried) in [("1", None), ("1", Some("0")), ("7", Some("3"))] {
                let ints: ArrayRef = Arc::new(Int64Array::from(values.clone()));
                let floats: ArrayRef = Arc::new(Float64Array::from(
                    values
                        .iter()
                        .map(|v| v.map(|x| x as f64))
                        .collect::<Vec<_>>(),
                ));
                let state = BinaryState {
                    other: carried.map(|c| (c.to_owned(), 1)),
                };
                let run = |array: &ArrayRef| {
                    let mut state = state.clone();
                    let result = read_binary(array, "y", positive, &mut state, Path::new("f"), 10);
                    (result.map_err(|e| e.to_string()), state.other)
                };
                assert_eq!(run(&ints), run(&floats), "case {k}, positive {positive}");
            }
        }
    }
}
