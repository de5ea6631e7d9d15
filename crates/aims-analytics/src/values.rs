//! Typed access to Arrow columns: numbers as f64, categories as text keys, times as seconds.

use std::borrow::Cow;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow::buffer::{BooleanBuffer, Buffer};
use arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit};

use crate::error::{Error, Result};

/// Looks a column up by name in a batch.
pub(crate) fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    batch
        .column_by_name(name)
        .ok_or_else(|| Error::Invalid(format!("column '{name}' is missing from a batch")))
}

/// Whether a type holds numbers (not text, not time).
pub(crate) fn is_numeric(data_type: &DataType) -> bool {
    data_type.is_numeric()
}

/// Whether a type holds integers.
pub(crate) fn is_integer(data_type: &DataType) -> bool {
    data_type.is_integer()
}

/// Whether a type holds points in time.
pub(crate) fn is_temporal(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
    )
}

fn cast(array: &ArrayRef, to: &DataType, name: &str) -> Result<ArrayRef> {
    arrow::compute::cast(array, to).map_err(|e| Error::UnsupportedType {
        path: Default::default(),
        column: name.to_owned(),
        data_type: format!("{} ({e})", array.data_type()),
        purpose: "this check".to_owned(),
    })
}

/// The column as f64 values (nulls stay null). Times become seconds since the Unix epoch,
/// booleans 0 and 1, and text that parses as a number is read as one.
pub(crate) fn to_f64(array: &ArrayRef, name: &str) -> Result<Float64Array> {
    let data_type = array.data_type();
    if let DataType::Timestamp(unit, _) = data_type {
        let raw = cast(array, &DataType::Int64, name)?;
        let divisor = match unit {
            TimeUnit::Second => 1.0,
            TimeUnit::Millisecond => 1e3,
            TimeUnit::Microsecond => 1e6,
            TimeUnit::Nanosecond => 1e9,
        };
        let ints = raw.as_primitive::<Int64Type>();
        return Ok(ints.unary::<_, Float64Type>(|x| x as f64 / divisor));
    }
    if matches!(data_type, DataType::Date32 | DataType::Date64) {
        let as_ts = cast(array, &DataType::Timestamp(TimeUnit::Second, None), name)?;
        return to_f64(&as_ts, name);
    }
    if matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(_, _)
    ) {
        // Text is parsed leniently: a number, else a timestamp (seconds since the epoch), else
        // null, which the caller's validity check counts.
        let text = to_text(array, name)?;
        return Ok(text
            .iter()
            .map(|v| {
                v.and_then(|s| {
                    let s = s.trim();
                    s.parse::<f64>()
                        .ok()
                        .or_else(|| crate::time::parse_timestamp(s))
                })
            })
            .collect());
    }
    let floats = cast(array, &DataType::Float64, name)?;
    Ok(floats.as_primitive::<Float64Type>().clone())
}

/// The column as UTF-8 text.
pub(crate) fn to_text(array: &ArrayRef, name: &str) -> Result<StringArray> {
    let cast_array = cast(array, &DataType::Utf8, name)?;
    Ok(cast_array.as_string::<i32>().clone())
}

/// A column viewed as category keys: integers and whole floats print without a fraction, so
/// `60` in one file and `60.0` in another are the same category.
pub(crate) enum Keys {
    Text(StringArray),
    Int(Int64Array),
    Float(Float64Array),
    Bool(BooleanArray),
}

impl Keys {
    pub(crate) fn new(array: &ArrayRef, name: &str) -> Result<Self> {
        let data_type = array.data_type();
        Ok(match data_type {
            DataType::Boolean => Keys::Bool(array.as_boolean().clone()),
            t if t.is_integer() => Keys::Int(
                cast(array, &DataType::Int64, name)?
                    .as_primitive::<Int64Type>()
                    .clone(),
            ),
            t if t.is_floating() => Keys::Float(to_f64(array, name)?),
            _ => Keys::Text(to_text(array, name)?),
        })
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Keys::Text(a) => a.len(),
            Keys::Int(a) => a.len(),
            Keys::Float(a) => a.len(),
            Keys::Bool(a) => a.len(),
        }
    }

    /// Rows that are null (or NaN), as a bitmap.
    pub(crate) fn missing(&self) -> BooleanBuffer {
        let nulls = |a: &dyn Array| match a.nulls() {
            Some(nulls) => !nulls.inner(),
            None => BooleanBuffer::new_unset(a.len()),
        };
        match self {
            Keys::Text(a) => nulls(a),
            Keys::Int(a) => nulls(a),
            Keys::Float(a) => &nulls(a) | &bits(a.values(), f64::is_nan),
            Keys::Bool(a) => nulls(a),
        }
    }

    /// The key of row `i`, or None when null (NaN counts as null, as pandas does).
    pub(crate) fn get(&self, i: usize) -> Option<Cow<'_, str>> {
        match self {
            Keys::Text(a) => a.is_valid(i).then(|| Cow::Borrowed(a.value(i))),
            Keys::Int(a) => a.is_valid(i).then(|| Cow::Owned(a.value(i).to_string())),
            Keys::Float(a) => {
                if a.is_valid(i) && !a.value(i).is_nan() {
                    Some(Cow::Owned(format_number(a.value(i))))
                } else {
                    None
                }
            }
            Keys::Bool(a) => a
                .is_valid(i)
                .then(|| Cow::Borrowed(if a.value(i) { "true" } else { "false" })),
        }
    }
}

/// One bit per value, `f(x)`, packed 64 to a word (the loop over a chunk vectorises).
pub(crate) fn bits<T: Copy>(xs: &[T], f: impl Fn(T) -> bool) -> BooleanBuffer {
    let words: Vec<u64> = xs
        .chunks(64)
        .map(|chunk| {
            chunk
                .iter()
                .enumerate()
                .fold(0u64, |w, (j, x)| w | (u64::from(f(*x)) << j))
        })
        .collect();
    BooleanBuffer::new(Buffer::from_vec(words), 0, xs.len())
}

/// A fast non-cryptographic hasher (multiply-rotate over 8-byte words, after rustc's FxHash) for
/// the per-batch count tables: keys come from the data, the tables live for one batch, and SipHash
/// was the largest cost of counting categories.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        // A final mix so the table's low bits depend on every input bit.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^ (h >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7C_C1_B7_27_22_0A_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
    }

    fn write_i64(&mut self, x: i64) {
        self.write_u64(x as u64);
    }
}

/// A hash map keyed with [`FastHasher`].
pub(crate) type FastMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// Counts the keys of a column: (count per key, nulls). Integers, floats and booleans are counted
/// natively and formatted once per distinct value, not once per row.
pub(crate) fn count_keys(keys: &Keys) -> (std::collections::HashMap<String, u64>, u64) {
    use std::collections::HashMap;
    let mut out: HashMap<String, u64> = HashMap::new();
    let mut nulls = 0u64;
    match keys {
        Keys::Int(a) => {
            // Few distinct values (codes, flags, terms) are counted in a short list first.
            let mut few = FewCounts::default();
            let mut counts: FastMap<i64, u64> = FastMap::default();
            for v in a.iter() {
                match v {
                    Some(x) if counts.is_empty() => {
                        if !few.add(x, |k| *k == x) {
                            counts.extend(few.drain());
                            counts.insert(x, 1);
                        }
                    }
                    Some(x) => *counts.entry(x).or_default() += 1,
                    None => nulls += 1,
                }
            }
            out.extend(few.drain().map(|(k, c)| (k.to_string(), c)));
            out.extend(counts.into_iter().map(|(k, c)| (k.to_string(), c)));
        }
        Keys::Float(a) => {
            let mut counts: FastMap<u64, u64> = FastMap::default();
            for v in a.iter() {
                match v {
                    Some(x) if !x.is_nan() => {
                        // -0.0 and 0.0 are one category, as in pandas.
                        let x = if x == 0.0 { 0.0 } else { x };
                        *counts.entry(x.to_bits()).or_default() += 1;
                    }
                    _ => nulls += 1,
                }
            }
            out.extend(
                counts
                    .into_iter()
                    .map(|(k, c)| (format_number(f64::from_bits(k)), c)),
            );
        }
        Keys::Bool(a) => {
            let (mut t, mut f) = (0u64, 0u64);
            for v in a.iter() {
                match v {
                    Some(true) => t += 1,
                    Some(false) => f += 1,
                    None => nulls += 1,
                }
            }
            if t > 0 {
                out.insert("true".to_owned(), t);
            }
            if f > 0 {
                out.insert("false".to_owned(), f);
            }
        }
        Keys::Text(a) => {
            // Categories are usually few: count them in a short list, each compared by its
            // length and first 8 bytes as one word (and by its bytes only when longer), and move
            // to a hash map only when the list grows past a few dozen.
            let mut few = FewCounts::default();
            let mut counts: FastMap<&str, u64> = FastMap::default();
            let data = a.value_data();
            for (i, v) in a.iter().enumerate() {
                match v {
                    Some(s) if counts.is_empty() => {
                        let start = a.value_offsets().get(i).map_or(0, |o| *o as usize);
                        let key = (prefix_word(data, start, s.len()), s);
                        let found = few.add(key, |(w, k)| {
                            *w == key.0 && k.len() == s.len() && (s.len() <= 8 || *k == s)
                        });
                        if !found {
                            counts.extend(few.drain().map(|((_, k), c)| (k, c)));
                            counts.insert(s, 1);
                        }
                    }
                    Some(s) => *counts.entry(s).or_default() += 1,
                    None => nulls += 1,
                }
            }
            out.extend(few.drain().map(|((_, k), c)| (k.to_owned(), c)));
            out.extend(counts.into_iter().map(|(k, c)| (k.to_owned(), c)));
        }
    }
    (out, nulls)
}

/// Counts of a few distinct keys in a short list, scanned linearly: faster than hashing while
/// the list stays within a cache line or two.
struct FewCounts<K> {
    keys: Vec<(K, u64)>,
}

impl<K> Default for FewCounts<K> {
    fn default() -> Self {
        Self { keys: Vec::new() }
    }
}

impl<K> FewCounts<K> {
    const MAX: usize = 32;

    /// Counts `key` (found by `same`); false when the list is full and `key` is new.
    fn add(&mut self, key: K, same: impl Fn(&K) -> bool) -> bool {
        if let Some(slot) = self.keys.iter_mut().find(|(k, _)| same(k)) {
            slot.1 += 1;
            true
        } else if self.keys.len() < Self::MAX {
            self.keys.push((key, 1));
            true
        } else {
            false
        }
    }

    fn drain(&mut self) -> impl Iterator<Item = (K, u64)> + '_ {
        self.keys.drain(..)
    }
}

/// The first `len.min(8)` bytes of `data` from `start` as a little-endian word, zero above: one
/// unaligned load where 8 bytes are readable, which is everywhere but the buffer's end.
fn prefix_word(data: &[u8], start: usize, len: usize) -> u64 {
    let mut word = [0u8; 8];
    match data.get(start..start + 8) {
        Some(bytes) => word.copy_from_slice(bytes),
        None => {
            let end = data.len().min(start + 8);
            if let Some(bytes) = data.get(start..end) {
                word[..bytes.len()].copy_from_slice(bytes);
            }
        }
    }
    let w = u64::from_le_bytes(word);
    if len >= 8 {
        w
    } else {
        w & ((1u64 << (8 * len)) - 1)
    }
}

/// Formats a number the way keys and reports show it: whole numbers without a fraction.
pub(crate) fn format_number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Whether a text key means the same class as a declared label (`1` matches `true`, `1.0`).
pub(crate) fn same_class(key: &str, declared: &str) -> bool {
    if key == declared {
        return true;
    }
    let norm = |s: &str| -> Option<f64> {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(1.0),
            "false" => Some(0.0),
            other => other.parse::<f64>().ok(),
        }
    };
    matches!((norm(key), norm(declared)), (Some(a), Some(b)) if a == b)
}
