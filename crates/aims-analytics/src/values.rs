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

/// A text column held as a dictionary: one integer key per row into a short array of values
/// (as Parquet stores low-cardinality text, and as [`crate::input::DataSource::
/// batches_with_dictionaries`] reads it). Work that depends only on a row's text (counting,
/// validity, hashing, comparing with a literal) is done once per dictionary value and then
/// gathered through the keys, instead of once per row.
#[derive(Debug)]
pub(crate) struct TextDictionary {
    /// One key per row; meaningful only where [`Self::valid`] is set.
    keys: arrow::buffer::ScalarBuffer<i32>,
    values: StringArray,
    /// Rows whose key is set and points at a non-null value; `None` when every row does.
    valid: Option<BooleanBuffer>,
}

impl TextDictionary {
    /// The column as a text dictionary, or None when it is not a dictionary of text. Keys of any
    /// integer width and values of any text type are cast to `Int32` keys over `Utf8` values.
    pub(crate) fn new(array: &ArrayRef, name: &str) -> Result<Option<Self>> {
        let DataType::Dictionary(key_type, value_type) = array.data_type() else {
            return Ok(None);
        };
        if !matches!(
            value_type.as_ref(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            return Ok(None);
        }
        let wanted = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let cast_array;
        let array =
            if key_type.as_ref() == &DataType::Int32 && value_type.as_ref() == &DataType::Utf8 {
                array
            } else {
                cast_array = cast(array, &wanted, name)?;
                &cast_array
            };
        let Some(dictionary) = array.as_dictionary_opt::<arrow::datatypes::Int32Type>() else {
            return Ok(None);
        };
        let Some(values) = dictionary.values().as_string_opt::<i32>() else {
            return Ok(None);
        };
        let keys = dictionary.keys();
        let key_valid = keys
            .nulls()
            .filter(|n| n.null_count() > 0)
            .map(|n| n.inner().clone());
        // A null among the values makes the rows pointing at it null.
        let value_valid = values.nulls().filter(|n| n.null_count() > 0).map(|nulls| {
            let codes = keys.values();
            BooleanBuffer::collect_bool(codes.len(), |i| {
                usize::try_from(codes[i]).is_ok_and(|k| k < nulls.len() && nulls.is_valid(k))
            })
        });
        let valid = match (key_valid, value_valid) {
            (None, None) => None,
            (Some(v), None) | (None, Some(v)) => Some(v),
            (Some(a), Some(b)) => Some(&a & &b),
        };
        Ok(Some(Self {
            keys: keys.values().clone(),
            values: values.clone(),
            valid,
        }))
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The distinct values (some may not occur in these rows).
    pub(crate) fn values(&self) -> &StringArray {
        &self.values
    }

    /// Rows that hold a value; `None` when every row does.
    pub(crate) fn valid(&self) -> Option<&BooleanBuffer> {
        self.valid.as_ref()
    }

    /// Rows that are null, as a bitmap.
    pub(crate) fn missing(&self) -> BooleanBuffer {
        match &self.valid {
            Some(v) => !v,
            None => BooleanBuffer::new_unset(self.len()),
        }
    }

    /// Row `i`'s text ("" where null).
    pub(crate) fn get(&self, i: usize) -> &str {
        self.keys
            .get(i)
            .and_then(|k| usize::try_from(*k).ok())
            .filter(|k| *k < self.values.len())
            .map_or("", |k| self.values.value(k))
    }

    /// `table[key]` of every row (`default` where a key is out of range, as it may be in a
    /// null row): a value computed once per dictionary entry, spread over the rows.
    pub(crate) fn gather<'a, T: Copy + 'a>(
        &'a self,
        table: &'a [T],
        default: T,
    ) -> impl Iterator<Item = T> + 'a {
        let table_len = table.len();
        let lookup = move |k: i32| {
            usize::try_from(k)
                .ok()
                .filter(|k| *k < table_len)
                .map_or(default, |k| table[k])
        };
        self.keys.iter().map(move |k| lookup(*k))
    }

    /// `f` of each row's text, as bits: computed once per dictionary value.
    pub(crate) fn test(&self, n: usize, f: impl Fn(&str) -> bool) -> BooleanBuffer {
        let table: Vec<bool> = self.values.iter().map(|v| f(v.unwrap_or(""))).collect();
        BooleanBuffer::collect_bool(n, |i| {
            self.keys
                .get(i)
                .and_then(|k| usize::try_from(*k).ok())
                .and_then(|k| table.get(k).copied())
                .unwrap_or(false)
        })
    }

    /// Rows per dictionary value (null rows not counted), and the number of null rows.
    pub(crate) fn counts(&self) -> (Vec<u64>, u64) {
        let mut counts = vec![0u64; self.values.len()];
        let mut bump = |k: i32| {
            if let Some(c) = usize::try_from(k).ok().and_then(|k| counts.get_mut(k)) {
                *c += 1;
            }
        };
        match &self.valid {
            None => self.keys.iter().for_each(|k| bump(*k)),
            Some(valid) => {
                for (start, end) in valid.set_slices() {
                    self.keys[start..end].iter().for_each(|k| bump(*k));
                }
            }
        }
        let counted: u64 = counts.iter().sum();
        (counts, self.len() as u64 - counted)
    }

    /// Counts per text and null rows, as [`count_keys`] gives them for the same column as
    /// plain text.
    pub(crate) fn count_texts(&self) -> (std::collections::HashMap<String, u64>, u64) {
        let (counts, nulls) = self.counts();
        let mut out: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
        for (k, count) in counts.into_iter().enumerate() {
            // A dictionary may repeat a value: its counts add up.
            if count > 0 {
                *out.entry(self.values.value(k).to_owned()).or_default() += count;
            }
        }
        (out, nulls)
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
            if count_small_range(a, &mut out, &mut nulls) {
                return (out, nulls);
            }
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

/// Counts integer keys within a range at most 4,096 wide (codes, flags, terms) with one counter
/// per value of the range; false, counting nothing, when the range is wider.
fn count_small_range(
    a: &Int64Array,
    out: &mut std::collections::HashMap<String, u64>,
    nulls: &mut u64,
) -> bool {
    // The values of null rows take part: they can only widen the range.
    let (lo, hi) = a
        .values()
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let Some(width) = hi
        .checked_sub(lo)
        .and_then(|w| usize::try_from(w).ok())
        .filter(|w| *w < 4096)
    else {
        return false;
    };
    let mut counts = vec![0u64; width + 1];
    let mut add = |values: &[i64]| {
        for v in values {
            if let Some(c) = usize::try_from(v.wrapping_sub(lo))
                .ok()
                .and_then(|k| counts.get_mut(k))
            {
                *c += 1;
            }
        }
    };
    match a.nulls().filter(|n| n.null_count() > 0) {
        None => add(a.values()),
        Some(valid) => {
            *nulls += valid.null_count() as u64;
            for (start, end) in valid.inner().set_slices() {
                add(&a.values()[start..end]);
            }
        }
    }
    out.extend(
        counts
            .into_iter()
            .enumerate()
            .filter(|(_, c)| *c > 0)
            .map(|(k, c)| ((lo + k as i64).to_string(), c)),
    );
    true
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{DictionaryArray, Int8Array, LargeStringArray};
    use arrow::datatypes::Int8Type;

    use super::*;

    /// A dictionary with a repeated value, an unused value, a null value and null keys, with
    /// `Int8` keys over `LargeUtf8` values (cast on the way), counts and tests as its plain text.
    #[test]
    fn text_dictionary_agrees_with_plain_text() {
        let values = LargeStringArray::from(vec![Some("b"), Some("a"), None, Some("b"), Some("z")]);
        let keys = Int8Array::from(vec![
            Some(0),
            Some(1),
            None,
            Some(2),
            Some(3),
            Some(1),
            Some(0),
        ]);
        let array: ArrayRef =
            Arc::new(DictionaryArray::<Int8Type>::try_new(keys, Arc::new(values)).unwrap());
        for offset in 0..3 {
            let array = array.slice(offset, array.len() - offset);
            let dictionary = TextDictionary::new(&array, "d").unwrap().unwrap();
            let plain = Keys::new(&array, "d").unwrap();
            assert_eq!(dictionary.count_texts(), count_keys(&plain));
            assert_eq!(dictionary.missing(), plain.missing());
            let Keys::Text(text) = &plain else {
                panic!("text keys expected");
            };
            let starts_b = dictionary.test(array.len(), |s| s.starts_with('b'));
            for i in 0..array.len() {
                if text.is_valid(i) {
                    assert_eq!(dictionary.get(i), text.value(i));
                    assert_eq!(starts_b.value(i), text.value(i).starts_with('b'));
                }
            }
        }
        // Not text: left to the other paths.
        let ints: ArrayRef = Arc::new(
            DictionaryArray::<Int8Type>::try_new(
                Int8Array::from(vec![0, 0]),
                Arc::new(Int64Array::from(vec![7])),
            )
            .unwrap(),
        );
        assert!(TextDictionary::new(&ints, "d").unwrap().is_none());
    }

    /// Integer keys are counted per value of a short range, or in a list and a map when the
    /// range is wide; both give the plain count per formatted value, nulls apart.
    #[test]
    fn integer_keys_count_alike_in_short_and_wide_ranges() {
        for spread in [1i64, 7, 4_095, 4_096, 1 << 40] {
            let values: Vec<Option<i64>> = (0..3_000i64)
                .map(|i| (i % 11 != 3).then_some((i * 7919) % 13 * (spread / 13).max(1) - 5))
                .chain([Some(spread - 6), None])
                .collect();
            let mut expected: std::collections::HashMap<String, u64> = Default::default();
            for v in values.iter().flatten() {
                *expected.entry(v.to_string()).or_default() += 1;
            }
            let nulls = values.iter().filter(|v| v.is_none()).count() as u64;
            let array: ArrayRef = Arc::new(Int64Array::from(values));
            for offset in [0, 5] {
                let keys = Keys::new(&array.slice(offset, array.len() - offset), "i").unwrap();
                let (counts, counted_nulls) = count_keys(&keys);
                if offset == 0 {
                    assert_eq!(
                        (&counts, counted_nulls),
                        (&expected, nulls),
                        "spread {spread}"
                    );
                }
                let total: u64 = counts.values().sum();
                assert_eq!(total + counted_nulls, (array.len() - offset) as u64);
            }
        }
    }
}
