//! Data quality (ISO/IEC 42001 A.7.4): completeness, uniqueness, validity, consistency,
//! timeliness and summary statistics, from one streaming pass.
//!
//! The pass is bound by memory traffic (and, on a virtual machine, by the page faults of fresh
//! memory) more than by arithmetic, so it avoids touching memory twice: dictionary-encoded text
//! is counted and hashed per dictionary value and gathered through the integer keys
//! (`values::TextDictionary`); numeric columns are counted per distinct value while they hold
//! few (`tally`), and only columns with many distinct values keep their numbers, which stay in
//! the batch's own arrays until the merge copies them once into vectors sized up front (integers
//! and times converted to floats on the way); row hashes are built in place in their output
//! slots. Exact quantiles and distinct counts need the kept values in order: sorted (reusing one
//! scratch buffer per worker), or counted by offset when they are whole numbers in a short range.
//! Every statistic is computed from the ascending runs of equal values, so results do not depend
//! on batch size, thread count or how the values were gathered. Columns whose numbers would pass
//! the memory budget are read again afterwards, a column at a time (see `check::run_quality`).

use std::collections::{BTreeMap, HashMap};

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch};
use arrow::buffer::BooleanBuffer;
use arrow::row::{RowConverter, SortField};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::stream::Partial;
use crate::tally::{BATCH_DISTINCT, COLUMN_DISTINCT, CountTable, Moments, Sorted};
use crate::values::{Keys, TextDictionary, bits, column, format_number, to_f64};

/// How the pass treats a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityKind {
    Numeric,
    Text,
    Temporal,
}

/// What the pass needs per column.
#[derive(Debug, Clone)]
pub(crate) struct QualityColumn {
    pub name: String,
    pub kind: QualityKind,
    /// Declared integer: values must be whole numbers.
    pub integer: bool,
}

/// Aggregates of one column.
#[derive(Debug, Default)]
pub(crate) struct ColumnAgg {
    pub nulls: u64,
    pub type_invalid: u64,
    pub infinite: u64,
    /// The numbers gathered so far (numeric and time columns).
    pub gathered: Gathered,
    /// This partial's own batches, not yet merged: each batch's numbers, counted or kept as
    /// they are. Merging copies kept numbers straight into the total's vector (sized up front),
    /// so a batch's values are copied once.
    pub pending: Vec<Piece>,
    pub counts: HashMap<String, u64>,
}

/// A numeric column's numbers as gathered (in no particular order).
#[derive(Debug)]
pub(crate) enum Gathered {
    /// Counted per distinct value (while there are at most [`COLUMN_DISTINCT`]).
    Counts(CountTable),
    /// Every number, to be sorted.
    Kept(Vec<f64>),
    /// Not gathered: keeping them would pass the memory budget, so they are read again from
    /// the file on their own once the kept columns are done (see [`gather`]).
    Deferred,
}

impl Default for Gathered {
    fn default() -> Self {
        Gathered::Counts(CountTable::default())
    }
}

/// One batch's numbers of a column.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    Counts(CountTable),
    /// The batch's numbers and the rows to keep.
    Kept(Numbers, BooleanBuffer),
}

/// Memory the kept numbers of the first pass may still take.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Room {
    /// Bytes left.
    pub bytes: u64,
    /// Rows expected (a kept column's vector is sized for them).
    pub rows: usize,
}

impl Room {
    /// Where a column's numbers go once they are no longer counted: a vector sized for every
    /// row while the budget lasts, then nowhere (deferred).
    fn take(&mut self) -> Gathered {
        let need = self.rows as u64 * 8;
        if need > self.bytes {
            return Gathered::Deferred;
        }
        self.bytes -= need;
        Gathered::Kept(Vec::with_capacity(self.rows))
    }
}

/// A batch's numbers as kept until the merge: floats, or integers (and times) with the divisor
/// that turns them into floats (`x as f64 / divisor`, as [`to_f64`] does), converted only as
/// they are copied into the total, without a float copy of every batch.
#[derive(Debug, Clone)]
pub(crate) enum Numbers {
    Floats(Float64Array),
    Ints(Int64Array, f64),
}

impl Numbers {
    /// The column's numbers: integers and times stay integers (every present value is a finite
    /// number), anything else goes through [`to_f64`].
    fn new(array: &ArrayRef, name: &str) -> Result<Self> {
        use arrow::datatypes::{DataType, Int64Type, TimeUnit};
        let divisor = match array.data_type() {
            DataType::Int64 => 1.0,
            DataType::Timestamp(TimeUnit::Second, _) => 1.0,
            DataType::Timestamp(TimeUnit::Millisecond, _) => 1e3,
            DataType::Timestamp(TimeUnit::Microsecond, _) => 1e6,
            DataType::Timestamp(TimeUnit::Nanosecond, _) => 1e9,
            _ => return Ok(Numbers::Floats(to_f64(array, name)?)),
        };
        // Times reinterpret as their integer count of units, without a copy.
        let ints = arrow::compute::cast(array, &DataType::Int64)
            .map_err(|e| Error::Invalid(format!("column '{name}': {e}")))?;
        Ok(Numbers::Ints(
            ints.as_primitive::<Int64Type>().clone(),
            divisor,
        ))
    }

    /// Rows holding a number (for text read as numbers, those that parse); `None` when all do.
    fn present(&self) -> Option<&arrow::buffer::NullBuffer> {
        match self {
            Numbers::Floats(a) => a.nulls(),
            Numbers::Ints(a, _) => a.nulls(),
        }
        .filter(|n| n.null_count() > 0)
    }

    /// Appends rows `start..end` as floats.
    fn extend(&self, into: &mut Vec<f64>, start: usize, end: usize) {
        match self {
            Numbers::Floats(a) => into.extend_from_slice(&a.values()[start..end]),
            Numbers::Ints(a, divisor) => {
                let divisor = *divisor;
                into.extend(a.values()[start..end].iter().map(|x| *x as f64 / divisor));
            }
        }
    }
}

impl ColumnAgg {
    fn add_run(&mut self, value: f64, count: u64, room: &mut Room) {
        if let Gathered::Counts(table) = &mut self.gathered
            && table.add(value, count, COLUMN_DISTINCT)
        {
            return;
        }
        self.keep(room);
        if let Gathered::Kept(kept) = &mut self.gathered {
            kept.extend(std::iter::repeat_n(value, count as usize));
        }
    }

    /// Turns counted numbers into kept ones (deferred when the budget is spent).
    fn keep(&mut self, room: &mut Room) {
        if !self.counting() {
            return;
        }
        let counted = std::mem::replace(&mut self.gathered, room.take());
        if let (Gathered::Kept(kept), Gathered::Counts(table)) = (&mut self.gathered, counted) {
            for (value, count) in table.iter() {
                kept.extend(std::iter::repeat_n(value, count as usize));
            }
        }
    }

    /// Whether the numbers are still counted (else a batch need not try).
    fn counting(&self) -> bool {
        matches!(self.gathered, Gathered::Counts(_))
    }

    /// Roughly how much work summarising the column takes (kept numbers are sorted).
    pub fn weight(&self) -> usize {
        match &self.gathered {
            Gathered::Kept(values) => values.len(),
            Gathered::Counts(_) | Gathered::Deferred => 0,
        }
    }

    /// Whether the numbers were left to be read again.
    pub fn deferred(&self) -> bool {
        matches!(self.gathered, Gathered::Deferred)
    }

    /// The gathered numbers in ascending order (`scratch` is the radix sort's working space).
    pub fn sorted(&mut self, scratch: &mut Vec<u64>) -> Sorted {
        match std::mem::replace(&mut self.gathered, Gathered::Deferred) {
            Gathered::Counts(table) => table.sorted(),
            Gathered::Kept(values) => Sorted::values(values, scratch),
            Gathered::Deferred => Sorted::default(),
        }
    }
}

/// Appends the numbers of one batch of one column (read on its own, for a deferred column): what
/// the first pass would have kept, every finite number of the rows that hold one.
pub(crate) fn gather(spec: &QualityColumn, batch: &RecordBatch, into: &mut Vec<f64>) -> Result<()> {
    let numbers = Numbers::new(column(batch, &spec.name)?, &spec.name)?;
    let present = match numbers.present() {
        Some(nulls) => nulls.inner().clone(),
        None => BooleanBuffer::new_set(batch.num_rows()),
    };
    let kept = match &numbers {
        Numbers::Floats(values) => &present & &bits(values.values(), f64::is_finite),
        Numbers::Ints(..) => present,
    };
    for (start, end) in kept.set_slices() {
        numbers.extend(into, start, end);
    }
    Ok(())
}

/// A batch's kept rows of `numbers`, counted when they hold at most [`BATCH_DISTINCT`] distinct
/// values (and `try_counting`), else kept as they are.
fn piece(numbers: Numbers, kept: BooleanBuffer, try_counting: bool) -> Piece {
    if try_counting {
        let mut table = CountTable::with_capacity(64);
        let counted = match &numbers {
            Numbers::Floats(a) => count_rows(&mut table, a.values(), &kept, |x| x),
            Numbers::Ints(a, divisor) => {
                let divisor = *divisor;
                count_rows(&mut table, a.values(), &kept, |x| x as f64 / divisor)
            }
        };
        if counted {
            return Piece::Counts(table);
        }
    }
    Piece::Kept(numbers, kept)
}

/// Counts `f` of the kept rows of `values`; false as soon as there are too many distinct ones.
fn count_rows<T: Copy>(
    table: &mut CountTable,
    values: &[T],
    kept: &BooleanBuffer,
    f: impl Fn(T) -> f64,
) -> bool {
    for (start, end) in kept.set_slices() {
        for x in &values[start..end] {
            if !table.add(f(*x), 1, BATCH_DISTINCT) {
                return false;
            }
        }
    }
    true
}

/// Aggregates of the whole table.
#[derive(Debug, Default)]
pub(crate) struct QualityPartial {
    pub columns: Vec<ColumnAgg>,
    /// Row hashes of the merged rows, in file order; sorted once at the end to count distinct
    /// rows (appending is cheaper than inserting into a set while the other threads wait).
    pub row_hashes: Vec<u128>,
    /// Row hashes of this partial's own batches, inserted into the set when merged.
    pub new_hashes: Vec<u128>,
    pub rows: u64,
    pub rows_with_missing: u64,
    pub rules: Vec<(u64, u64)>,
    /// Memory left for kept numbers (the total's; partials keep nothing of their own).
    pub room: Room,
    /// Per column, whether the total still counts its numbers: shared with the batches, which
    /// skip counting once it does not (a hint only: counted and kept batches merge alike).
    pub counting: Option<std::sync::Arc<[std::sync::atomic::AtomicBool]>>,
}

impl QualityPartial {
    pub fn new(columns: usize, rules: usize) -> Self {
        Self {
            columns: (0..columns).map(|_| ColumnAgg::default()).collect(),
            rules: vec![(0, 0); rules],
            ..Default::default()
        }
    }

    /// The aggregate a pass merges into: numbers kept within `room`, and a counting hint for the
    /// batches (see [`Self::update`]).
    pub fn total(
        columns: usize,
        rules: usize,
        room: Room,
        counting: std::sync::Arc<[std::sync::atomic::AtomicBool]>,
    ) -> Self {
        Self {
            room,
            counting: Some(counting),
            ..Self::new(columns, rules)
        }
    }

    /// Adds one batch: counts nulls and categories, hashes rows, checks rules, and gathers the
    /// numbers of the columns `collect` marks, counted per distinct value while `counting` (the
    /// total's hint) says the column is still counted, else kept as they are.
    pub fn update(
        &mut self,
        columns: &[QualityColumn],
        collect: &[bool],
        rules: &[Expr],
        counting: &[std::sync::atomic::AtomicBool],
        batch: &RecordBatch,
    ) -> Result<()> {
        let counting = |i: usize| {
            counting
                .get(i)
                .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        };
        let n = batch.num_rows();
        self.rows += n as u64;
        let mut row_missing = BooleanBuffer::new_unset(n);
        for (i, ((spec, agg), keep)) in columns
            .iter()
            .zip(self.columns.iter_mut())
            .zip(collect)
            .enumerate()
        {
            let array = column(batch, &spec.name)?;
            match spec.kind {
                QualityKind::Numeric | QualityKind::Temporal => {
                    let kept_numbers = Numbers::new(array, &spec.name)?;
                    let values = match &kept_numbers {
                        Numbers::Floats(values) => values,
                        Numbers::Ints(..) => {
                            // Integers and times: every present value is a finite whole number.
                            if let Some(nulls) = kept_numbers.present() {
                                agg.nulls += nulls.null_count() as u64;
                                row_missing = &row_missing | &!nulls.inner();
                            }
                            if *keep {
                                let present = match kept_numbers.present() {
                                    Some(nulls) => nulls.inner().clone(),
                                    None => BooleanBuffer::new_set(n),
                                };
                                agg.pending.push(piece(kept_numbers, present, counting(i)));
                            }
                            continue;
                        }
                    };
                    let numbers = values.values();
                    // Bitmaps, 64 rows to a word, instead of a branch per row: a row null in the
                    // file or NaN is missing, one present but not a number is a type violation,
                    // an infinity is invalid (kept out of the summary so the statistics stay
                    // finite) and a finite number is kept.
                    let valid = |a: &dyn Array| match a.nulls().filter(|n| n.null_count() > 0) {
                        Some(nulls) => nulls.inner().clone(),
                        None => BooleanBuffer::new_set(n),
                    };
                    let in_file = valid(array);
                    let is_number = &in_file & &valid(&values);
                    let nan = &is_number & &bits(numbers, f64::is_nan);
                    let kept = &is_number & &bits(numbers, f64::is_finite);
                    let missing = &!&in_file | &nan;
                    agg.nulls += missing.count_set_bits() as u64;
                    agg.type_invalid +=
                        (in_file.count_set_bits() - is_number.count_set_bits()) as u64;
                    agg.infinite += (is_number.count_set_bits()
                        - nan.count_set_bits()
                        - kept.count_set_bits()) as u64;
                    if spec.integer {
                        agg.type_invalid +=
                            (&kept & &bits(numbers, |v| v.fract() != 0.0)).count_set_bits() as u64;
                    }
                    if *keep {
                        agg.pending
                            .push(piece(Numbers::Floats(values.clone()), kept, counting(i)));
                    }
                    row_missing = &row_missing | &missing;
                }
                QualityKind::Text => {
                    if let Some(dictionary) = TextDictionary::new(array, &spec.name)? {
                        // Counted per key, then once per distinct value.
                        let (local, nulls) = dictionary.count_texts();
                        agg.nulls += nulls;
                        if nulls > 0 {
                            row_missing = &row_missing | &dictionary.missing();
                        }
                        for (k, c) in local {
                            *agg.counts.entry(k).or_default() += c;
                        }
                        continue;
                    }
                    let keys = Keys::new(array, &spec.name)?;
                    let (local, nulls) = crate::values::count_keys(&keys);
                    agg.nulls += nulls;
                    if nulls > 0 {
                        row_missing = &row_missing | &keys.missing();
                    }
                    for (k, c) in local {
                        *agg.counts.entry(k).or_default() += c;
                    }
                }
            }
        }
        self.rows_with_missing += row_missing.count_set_bits() as u64;
        // Duplicate rows: every column feeds one word per row into two independent 64-bit lanes
        // (see [`row_hashes`]); equal rows (nulls equal to nulls, as pandas' duplicated()) give
        // equal hashes.
        let arrays: Vec<&arrow::array::ArrayRef> = columns
            .iter()
            .map(|c| column(batch, &c.name))
            .collect::<Result<_>>()?;
        row_hashes(&arrays, n, &mut self.new_hashes)?;
        for (rule, counts) in rules.iter().zip(self.rules.iter_mut()) {
            let verdicts = rule.evaluate(batch)?;
            counts.0 += verdicts.applicable();
            counts.1 += verdicts.passed();
        }
        Ok(())
    }
}

impl Partial for QualityPartial {
    fn merge(&mut self, later: Self) -> Result<()> {
        if self.columns.len() < later.columns.len() {
            self.columns
                .resize_with(later.columns.len(), ColumnAgg::default);
        }
        // Counted batches first, column by column in order (cheap: a few thousand distinct
        // values each), so a column that outgrows counting takes its share of the budget in the
        // same order whatever the batch size or thread count. Kept numbers are then copied
        // column by column in parallel: the merge runs while the pool would otherwise wait, and
        // copying millions of values is its largest part.
        let mut copies: Vec<Vec<(Numbers, BooleanBuffer)>> = Vec::with_capacity(self.columns.len());
        for (i, (mine, theirs)) in self.columns.iter_mut().zip(later.columns).enumerate() {
            mine.nulls += theirs.nulls;
            mine.type_invalid += theirs.type_invalid;
            mine.infinite += theirs.infinite;
            for (k, c) in theirs.counts {
                *mine.counts.entry(k).or_default() += c;
            }
            let mut kept = Vec::new();
            for piece in std::mem::take(&mut mine.pending)
                .into_iter()
                .chain(theirs.pending)
            {
                match piece {
                    Piece::Counts(table) => {
                        for (value, count) in table.iter() {
                            mine.add_run(value, count, &mut self.room);
                        }
                    }
                    Piece::Kept(numbers, rows) => {
                        mine.keep(&mut self.room);
                        kept.push((numbers, rows));
                    }
                }
            }
            if !mine.counting()
                && let Some(hint) = self.counting.as_ref().and_then(|h| h.get(i))
            {
                hint.store(false, std::sync::atomic::Ordering::Relaxed);
            }
            copies.push(kept);
        }
        use rayon::prelude::*;
        self.columns
            .par_iter_mut()
            .zip(copies.into_par_iter())
            .for_each(|(mine, kept)| {
                if let Gathered::Kept(values) = &mut mine.gathered {
                    for (numbers, rows) in kept {
                        for (start, end) in rows.set_slices() {
                            numbers.extend(values, start, end);
                        }
                    }
                }
            });
        self.row_hashes.append(&mut self.new_hashes);
        self.row_hashes.extend(later.row_hashes);
        self.row_hashes.extend(later.new_hashes);
        self.rows += later.rows;
        self.rows_with_missing += later.rows_with_missing;
        if self.rules.len() < later.rules.len() {
            self.rules.resize(later.rules.len(), (0, 0));
        }
        for (mine, theirs) in self.rules.iter_mut().zip(later.rules) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
        Ok(())
    }
}

impl QualityPartial {
    /// Number of distinct rows seen (once: the hashes are dropped).
    pub fn distinct_rows(&mut self) -> u64 {
        use rayon::slice::ParallelSliceMut;
        self.row_hashes.append(&mut self.new_hashes);
        self.row_hashes.par_sort_unstable();
        let distinct = self.row_hashes.windows(2).filter(|w| w[0] != w[1]).count();
        let distinct = (distinct + usize::from(!self.row_hashes.is_empty())) as u64;
        // Counted once: the memory goes back before the per-column work.
        self.row_hashes = Vec::new();
        distinct
    }
}

/// Appends one 128-bit hash per row of `arrays` (all `n` long) to `out`, column by column: each
/// column contributes one word to each of two independent multiply-rotate lanes, so a false
/// "duplicate" needs both 64-bit lanes to collide. A value's word is its bits for fixed-width
/// types (floats by bit pattern, as arrow's row format compares them) and for text of at most 7
/// bytes (its bytes and length packed in one word), the two halves of [`hash128`] of its bytes
/// for longer text and binary, and of its arrow row-format bytes for any other type; a null is a
/// fixed tag, so nulls equal nulls. Each column is one tight loop over the lanes.
pub(crate) fn row_hashes(
    arrays: &[&arrow::array::ArrayRef],
    n: usize,
    out: &mut Vec<u128>,
) -> Result<()> {
    use arrow::array::AsArray;
    use arrow::datatypes as dt;
    use arrow::datatypes::DataType as T;
    // The lanes live in the rows' own slots of `out` until the final mix.
    let start = out.len();
    out.resize(
        start + n,
        Lanes::pack(
            0x243F_6A88_85A3_08D3_u64 ^ arrays.len() as u64,
            0x1319_8A2E_0370_7344_u64,
        ),
    );
    let mut lanes = Lanes {
        rows: &mut out[start..],
    };
    macro_rules! fixed {
        ($array:expr, $t:ty, $bits:expr) => {{
            let typed = $array.as_primitive::<$t>();
            #[allow(clippy::redundant_closure_call)]
            let words = typed.values().iter().map(|v| $bits(*v));
            match typed.nulls().filter(|nulls| nulls.null_count() > 0) {
                None => lanes.mix_words(words),
                Some(nulls) => lanes.mix_valid(words.map(|w| (w, w)), nulls.inner()),
            }
        }};
    }
    macro_rules! text {
        ($iter:expr) => {
            lanes.mix($iter.map(|v| v.map(text_words)))
        };
    }
    for array in arrays {
        if let Some(dictionary) = TextDictionary::new(array, "a dictionary column")? {
            // Text words once per dictionary value, then gathered through the keys: the same
            // words as the plain text would give, so hashes agree across batches and files.
            let values = dictionary.values();
            let null = (Lanes::NULL_A, Lanes::NULL_B);
            let table: Vec<(u64, u64)> = (0..values.len())
                .map(|k| {
                    if values.is_valid(k) {
                        text_words(values.value(k).as_bytes())
                    } else {
                        null
                    }
                })
                .collect();
            let words = dictionary.gather(&table, null);
            match dictionary.valid() {
                None => lanes.mix_pairs(words),
                Some(valid) => lanes.mix_valid(words, valid),
            }
            continue;
        }
        match array.data_type() {
            T::Float64 => fixed!(array, dt::Float64Type, |v: f64| v.to_bits()),
            T::Float32 => fixed!(array, dt::Float32Type, |v: f32| u64::from(v.to_bits())),
            T::Int64 => fixed!(array, dt::Int64Type, |v: i64| v as u64),
            T::Int32 => fixed!(array, dt::Int32Type, |v: i32| v as u64),
            T::Int16 => fixed!(array, dt::Int16Type, |v: i16| v as u64),
            T::Int8 => fixed!(array, dt::Int8Type, |v: i8| v as u64),
            T::UInt64 => fixed!(array, dt::UInt64Type, |v: u64| v),
            T::UInt32 => fixed!(array, dt::UInt32Type, u64::from),
            T::UInt16 => fixed!(array, dt::UInt16Type, u64::from),
            T::UInt8 => fixed!(array, dt::UInt8Type, u64::from),
            T::Date32 => fixed!(array, dt::Date32Type, |v: i32| v as u64),
            T::Date64 => fixed!(array, dt::Date64Type, |v: i64| v as u64),
            T::Timestamp(dt::TimeUnit::Second, _) => {
                fixed!(array, dt::TimestampSecondType, |v: i64| v as u64)
            }
            T::Timestamp(dt::TimeUnit::Millisecond, _) => {
                fixed!(array, dt::TimestampMillisecondType, |v: i64| v as u64)
            }
            T::Timestamp(dt::TimeUnit::Microsecond, _) => {
                fixed!(array, dt::TimestampMicrosecondType, |v: i64| v as u64)
            }
            T::Timestamp(dt::TimeUnit::Nanosecond, _) => {
                fixed!(array, dt::TimestampNanosecondType, |v: i64| v as u64)
            }
            T::Utf8 => text!(
                array
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map(str::as_bytes))
            ),
            T::LargeUtf8 => text!(
                array
                    .as_string::<i64>()
                    .iter()
                    .map(|v| v.map(str::as_bytes))
            ),
            T::Utf8View => text!(array.as_string_view().iter().map(|v| v.map(str::as_bytes))),
            T::Binary => text!(array.as_binary::<i32>().iter()),
            T::LargeBinary => text!(array.as_binary::<i64>().iter()),
            T::Boolean => lanes.mix(
                array
                    .as_boolean()
                    .iter()
                    .map(|v| v.map(|v| (u64::from(v), u64::from(v)))),
            ),
            other => {
                // Any other type through arrow's row format, whose bytes are equal exactly when
                // the values are.
                let converter = RowConverter::new(vec![SortField::new(other.clone())])
                    .map_err(|e| Error::Invalid(format!("cannot compare rows: {e}")))?;
                let rows = converter
                    .convert_columns(std::slice::from_ref(*array))
                    .map_err(|e| Error::Invalid(format!("cannot compare rows: {e}")))?;
                lanes.mix((0..n).map(|i| Some(hash_words(rows.row(i).as_ref()))));
            }
        }
    }
    let fmix = |mut h: u64| {
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 33;
        h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        h ^ (h >> 33)
    };
    for row in lanes.rows.iter_mut() {
        let (x, y) = Lanes::unpack(*row);
        *row = Lanes::pack(fmix(x), fmix(y ^ x.rotate_left(17)));
    }
    Ok(())
}

/// The two 64-bit lanes of the row hashes, one pair per row (lane `a` in the high half).
struct Lanes<'a> {
    rows: &'a mut [u128],
}

impl Lanes<'_> {
    const K1: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    const NULL_A: u64 = 0x6A09_E667_F3BC_C908;
    const NULL_B: u64 = 0xBB67_AE85_84CA_A73B;

    fn pack(a: u64, b: u64) -> u128 {
        (u128::from(a) << 64) | u128::from(b)
    }

    fn unpack(row: u128) -> (u64, u64) {
        ((row >> 64) as u64, row as u64)
    }

    fn step(row: &mut u128, wa: u64, wb: u64) {
        let (a, b) = Self::unpack(*row);
        *row = Self::pack(
            (a ^ wa).wrapping_mul(Self::K1).rotate_left(31),
            (b ^ wb).wrapping_mul(Self::K2).rotate_left(27),
        );
    }

    /// Mixes one word per row into both lanes (a column without nulls).
    fn mix_words(&mut self, words: impl Iterator<Item = u64>) {
        for (row, w) in self.rows.iter_mut().zip(words) {
            Self::step(row, w, w);
        }
    }

    /// Mixes one pair of words per row (the null tag already in place).
    fn mix_pairs(&mut self, words: impl Iterator<Item = (u64, u64)>) {
        for (row, (wa, wb)) in self.rows.iter_mut().zip(words) {
            Self::step(row, wa, wb);
        }
    }

    /// Mixes one pair of words per row where `valid` is set and the null tag elsewhere, reading
    /// the bitmap a word (64 rows) at a time.
    fn mix_valid(&mut self, words: impl Iterator<Item = (u64, u64)>, valid: &BooleanBuffer) {
        let mut words = words;
        for (rows, mask) in self
            .rows
            .chunks_mut(64)
            .zip(valid.bit_chunks().iter_padded())
        {
            for (j, (row, (wa, wb))) in rows.iter_mut().zip(words.by_ref()).enumerate() {
                let (wa, wb) = if (mask >> j) & 1 == 1 {
                    (wa, wb)
                } else {
                    (Self::NULL_A, Self::NULL_B)
                };
                Self::step(row, wa, wb);
            }
        }
    }

    /// Mixes one pair of words per row, or the null tag.
    fn mix(&mut self, words: impl Iterator<Item = Option<(u64, u64)>>) {
        for (row, w) in self.rows.iter_mut().zip(words) {
            let (wa, wb) = w.unwrap_or((Self::NULL_A, Self::NULL_B));
            Self::step(row, wa, wb);
        }
    }
}

/// The words a text or binary value feeds the lanes: up to 7 bytes are packed with their length
/// into one word given to both lanes (exactly as a number, and never equal to a pair of distinct
/// halves); longer values give the halves of their [`hash128`].
fn text_words(bytes: &[u8]) -> (u64, u64) {
    if bytes.len() < 8 {
        let mut word = [0u8; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        word[7] = bytes.len() as u8;
        let w = u64::from_le_bytes(word);
        (w, w)
    } else {
        hash_words(bytes)
    }
}

/// The two halves of [`hash128`].
fn hash_words(bytes: &[u8]) -> (u64, u64) {
    let h = hash128(bytes);
    ((h >> 64) as u64, h as u64)
}

/// A 128-bit hash of a row's bytes: two independent multiply-rotate lanes over 8-byte words,
/// each finished with MurmurHash3's mixer. Rows are data, not attacker input, so speed wins over
/// SipHash's keyed security; a false "duplicate" needs both 64-bit lanes to collide.
pub(crate) fn hash128(bytes: &[u8]) -> u128 {
    const K1: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    let mut a: u64 = 0x243F_6A88_85A3_08D3 ^ bytes.len() as u64;
    let mut b: u64 = 0x1319_8A2E_0370_7344 ^ (bytes.len() as u64).rotate_left(32);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        a = (a ^ w).wrapping_mul(K1).rotate_left(31);
        b = (b ^ w).wrapping_mul(K2).rotate_left(27);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut word = [0u8; 8];
        word[..tail.len()].copy_from_slice(tail);
        let w = u64::from_le_bytes(word) ^ ((tail.len() as u64) << 56);
        a = (a ^ w).wrapping_mul(K1).rotate_left(31);
        b = (b ^ w).wrapping_mul(K2).rotate_left(27);
    }
    let fmix = |mut h: u64| {
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 33;
        h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        h ^ (h >> 33)
    };
    (u128::from(fmix(a)) << 64) | u128::from(fmix(b ^ a.rotate_left(17)))
}

/// A hasher for values that are already hashes: folds the 128 bits to 64 instead of hashing again.
#[derive(Debug, Default, Clone, Copy)]
pub struct PreHashed(u64);

impl std::hash::Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used for u128 keys; a simple FNV-1a keeps it correct for anything else.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01B3);
        }
    }

    fn write_u128(&mut self, x: u128) {
        self.0 = (x as u64) ^ ((x >> 64) as u64);
    }
}

/// Summary statistics as pandas' `describe` (std with ddof 1, linear quantiles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub count: u64,
    pub mean: f64,
    pub std: Option<f64>,
    pub min: f64,
    pub q05: f64,
    pub q25: f64,
    pub q50: f64,
    pub q75: f64,
    pub q95: f64,
    pub max: f64,
}

/// Summary of sorted values given their [`Moments`] (the mean and standard deviation from one
/// pass over the runs of equal values, summed pairwise; numpy sums in file order, which differs
/// only in the last bits).
fn summarize(sorted: &Sorted, moments: &Moments) -> Option<Summary> {
    let (mean, std) = moments.mean_std()?;
    let (min, max) = sorted.min_max()?;
    Some(Summary {
        count: sorted.count(),
        mean,
        std,
        min,
        q05: sorted.quantile(0.05),
        q25: sorted.quantile(0.25),
        q50: sorted.quantile(0.5),
        q75: sorted.quantile(0.75),
        q95: sorted.quantile(0.95),
        max,
    })
}

/// Data-quality results of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnQuality {
    pub column: String,
    pub kind: QualityKind,
    pub nulls: u64,
    pub null_share: f64,
    /// 1 - null share.
    pub completeness: f64,
    pub distinct: u64,
    /// Rows repeating an earlier value (first occurrences not counted), for key columns.
    pub duplicate_values: Option<u64>,
    pub type_violations: u64,
    /// Positive or negative infinities (invalid, and left out of the summary).
    #[serde(default)]
    pub infinite: u64,
    pub range_violations: u64,
    pub set_violations: u64,
    pub regex_violations: u64,
    /// Values never seen in the reference (categorical columns, when a reference was given).
    pub unseen_values: Option<u64>,
    pub unseen_examples: Vec<String>,
    /// Share of non-null values that are invalid (type, range, set or regex).
    pub invalid_share: f64,
    pub constant: bool,
    pub summary: Option<Summary>,
    /// Most frequent values, for text columns.
    pub top_values: Vec<(String, u64)>,
}

/// A cross-field rule's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleResult {
    pub name: String,
    pub expr: String,
    /// Rows where the rule could be judged (no null in what it reads).
    pub applicable: u64,
    pub passed: u64,
    pub pass_share: Option<f64>,
    pub mostly: f64,
    pub pass: bool,
}

/// Timeliness against a fixed "now".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeliness {
    pub column: String,
    pub as_of: String,
    pub newest_age_days: f64,
    pub oldest_age_days: f64,
    pub mean_age_days: f64,
    pub stale_after_days: Option<f64>,
    pub stale_share: Option<f64>,
}

/// The data-quality section of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityResult {
    pub rows: u64,
    pub column_count: usize,
    pub missing_cells: u64,
    /// Missing cells divided by rows: what Evidently's `DatasetMissingValueCount` calls its share
    /// (it can exceed 1; it is not a share of cells).
    pub missing_cells_per_row: f64,
    /// 1 - missing cells / all cells (pandas' dataset completeness).
    pub completeness: f64,
    /// Rows with at least one missing cell, and their share of rows (Evidently's view).
    pub rows_with_missing: u64,
    pub rows_with_missing_share: f64,
    /// Rows identical to an earlier row (pandas `duplicated()`; first occurrence not counted).
    pub duplicate_rows: u64,
    pub duplicate_row_share: f64,
    pub columns: Vec<ColumnQuality>,
    pub rules: Vec<RuleResult>,
    pub timeliness: Option<Timeliness>,
}

/// Validity settings of one column.
#[derive(Debug, Clone, Default)]
pub(crate) struct Validity {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub allowed: Option<Vec<String>>,
    pub regex: Option<regex::Regex>,
    pub key: bool,
    pub reference: Option<BTreeMap<String, u64>>,
}

/// Turns the aggregates of one column into its results; `sorted` holds its numbers in ascending
/// order (none for text).
pub(crate) fn column_result(
    spec: &QualityColumn,
    agg: &ColumnAgg,
    sorted: &Sorted,
    rows: u64,
    validity: &Validity,
) -> ColumnQuality {
    let mut range_violations = 0u64;
    let mut set_violations = 0u64;
    let mut regex_violations = 0u64;
    let mut unseen_values = None;
    let mut unseen_examples = Vec::new();
    let distinct;
    let mut duplicate_values = None;
    let non_null = rows - agg.nulls;
    // Mean and deviation, in the same pass as the distinct count and validity.
    let mut moments = Moments::new(sorted);
    match spec.kind {
        QualityKind::Numeric | QualityKind::Temporal => {
            let mut d = 0u64;
            for (v, run) in sorted.iter() {
                d += 1;
                moments.add(v, run);
                if let Some(allowed) = &validity.allowed
                    && !allowed
                        .iter()
                        .any(|a| crate::values::same_class(&format_number(v), a))
                {
                    set_violations += run;
                }
                if validity.min.is_some_and(|lo| v < lo) || validity.max.is_some_and(|hi| v > hi) {
                    range_violations += run;
                }
            }
            distinct = d;
            if validity.key {
                duplicate_values = Some(rows - d - u64::from(agg.nulls > 0));
            }
        }
        QualityKind::Text => {
            distinct = agg.counts.len() as u64;
            for (value, count) in &agg.counts {
                if let Some(allowed) = &validity.allowed
                    && !allowed.iter().any(|a| a == value)
                {
                    set_violations += count;
                }
                if let Some(re) = &validity.regex {
                    let full = re
                        .find(value)
                        .is_some_and(|m| m.start() == 0 && m.end() == value.len());
                    if !full {
                        regex_violations += count;
                    }
                }
                if let Ok(x) = value.trim().parse::<f64>()
                    && (validity.min.is_some_and(|lo| x < lo)
                        || validity.max.is_some_and(|hi| x > hi))
                {
                    range_violations += count;
                }
            }
            if let Some(reference) = &validity.reference {
                let mut unseen = 0;
                let mut examples: Vec<&String> = Vec::new();
                for (value, count) in &agg.counts {
                    if !reference.contains_key(value) {
                        unseen += count;
                        examples.push(value);
                    }
                }
                examples.sort();
                unseen_examples = examples.into_iter().take(10).cloned().collect();
                unseen_values = Some(unseen);
            }
            if validity.key {
                duplicate_values = Some(rows - distinct - u64::from(agg.nulls > 0));
            }
        }
    }
    let invalid =
        agg.type_invalid + agg.infinite + range_violations + set_violations + regex_violations;
    let mut top: Vec<(String, u64)> = agg.counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(5);
    ColumnQuality {
        column: spec.name.clone(),
        kind: spec.kind,
        nulls: agg.nulls,
        null_share: if rows > 0 {
            agg.nulls as f64 / rows as f64
        } else {
            0.0
        },
        completeness: if rows > 0 {
            1.0 - agg.nulls as f64 / rows as f64
        } else {
            0.0
        },
        distinct,
        duplicate_values,
        type_violations: agg.type_invalid,
        infinite: agg.infinite,
        range_violations,
        set_violations,
        regex_violations,
        unseen_values,
        unseen_examples,
        invalid_share: if non_null > 0 {
            invalid as f64 / non_null as f64
        } else {
            0.0
        },
        constant: distinct <= 1,
        summary: if spec.kind == QualityKind::Numeric {
            summarize(sorted, &moments)
        } else {
            None
        },
        top_values: top,
    }
}

/// Timeliness of a timestamp column's values (seconds since the epoch, ascending).
pub(crate) fn timeliness(
    column: &str,
    sorted: &Sorted,
    as_of: f64,
    as_of_text: &str,
    stale_after_days: Option<f64>,
) -> Option<Timeliness> {
    let (oldest, newest) = sorted.min_max()?;
    let n = sorted.count() as f64;
    let age = |t: f64| (as_of - t) / 86_400.0;
    Some(Timeliness {
        column: column.to_owned(),
        as_of: as_of_text.to_owned(),
        newest_age_days: age(newest),
        oldest_age_days: age(oldest),
        mean_age_days: sorted.sum_by(age) / n,
        stale_after_days,
        stale_share: stale_after_days.map(|d| {
            let stale: u64 = sorted
                .iter()
                .filter(|(t, _)| age(*t) > d)
                .map(|(_, c)| c)
                .sum();
            stale as f64 / n
        }),
    })
}

/// Categories of a reference file, for unseen-value checks.
pub(crate) fn text_counts(
    batch: &RecordBatch,
    name: &str,
    into: &mut BTreeMap<String, u64>,
) -> Result<()> {
    let array = column(batch, name)?;
    let local = match TextDictionary::new(array, name)? {
        Some(dictionary) => dictionary.count_texts().0,
        None => crate::values::count_keys(&Keys::new(array, name)?).0,
    };
    for (k, c) in local {
        *into.entry(k).or_default() += c;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn row_hash_separates_rows() {
        let mut seen = std::collections::HashSet::new();
        // Every length from 0 to 40 and every single-byte change must give a new hash.
        for len in 0..40usize {
            let base: Vec<u8> = (0..len as u8).collect();
            assert!(seen.insert(hash128(&base)), "length {len}");
            for i in 0..len {
                let mut changed = base.clone();
                changed[i] ^= 1;
                assert!(seen.insert(hash128(&changed)), "length {len} byte {i}");
            }
        }
        assert_eq!(hash128(b"same row"), hash128(b"same row"));
    }

    /// Column-wise row hashes group rows exactly as arrow's row format does: nulls equal nulls,
    /// floats by bit pattern, text by bytes.
    #[test]
    fn row_hashes_agree_with_the_row_format() {
        use arrow::array::{
            ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray,
            TimestampMillisecondArray,
        };
        use std::sync::Arc;
        let n = 600;
        let pick = |i: usize, k: usize| (i * 7 + i / 3 + k) % 5;
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter(
                (0..n).map(|i| (pick(i, 0) != 0).then_some((i % 3) as i64)),
            )),
            Arc::new(Float64Array::from_iter((0..n).map(|i| match pick(i, 1) {
                0 => None,
                1 => Some(-0.0),
                2 => Some(0.0),
                3 => Some(f64::NAN),
                _ => Some(1.5),
            }))),
            Arc::new(StringArray::from_iter((0..n).map(|i| match i % 4 {
                0 => None,
                1 => Some(""),
                2 => Some("ab"),
                _ => Some("a"),
            }))),
            Arc::new(BooleanArray::from_iter(
                (0..n).map(|i| (i % 7 != 0).then_some(i % 2 == 0)),
            )),
            Arc::new(TimestampMillisecondArray::from_iter(
                (0..n).map(|i| (i % 11 != 0).then_some((i % 2) as i64)),
            )),
            // Text as a dictionary, with a long value (hashed, not packed).
            Arc::new(
                (0..n)
                    .map(|i| match i % 5 {
                        0 => None,
                        1 => Some("a value longer than seven bytes"),
                        _ => Some("ab"),
                    })
                    .collect::<arrow::array::DictionaryArray<arrow::datatypes::Int32Type>>(),
            ),
        ];
        for width in 1..=arrays.len() {
            let part: Vec<ArrayRef> = arrays[..width].to_vec();
            let converter = RowConverter::new(
                part.iter()
                    .map(|a| SortField::new(a.data_type().clone()))
                    .collect(),
            )
            .unwrap();
            let rows = converter.convert_columns(&part).unwrap();
            let expected: std::collections::HashSet<Vec<u8>> =
                (0..n).map(|i| rows.row(i).as_ref().to_vec()).collect();
            let refs: Vec<&ArrayRef> = part.iter().collect();
            let mut hashes = Vec::new();
            row_hashes(&refs, n, &mut hashes).unwrap();
            // Equal rows must hash equal, different rows differently.
            for i in 0..n {
                for j in (i + 1)..n.min(i + 40) {
                    assert_eq!(
                        rows.row(i) == rows.row(j),
                        hashes[i] == hashes[j],
                        "rows {i} and {j} of {width} columns"
                    );
                }
            }
            // Sliced arrays (bitmaps not starting at a word boundary) hash their rows alike.
            let sliced: Vec<ArrayRef> = part.iter().map(|a| a.slice(7, n - 7)).collect();
            let sliced_refs: Vec<&ArrayRef> = sliced.iter().collect();
            let mut sliced_hashes = Vec::new();
            row_hashes(&sliced_refs, n - 7, &mut sliced_hashes).unwrap();
            assert_eq!(sliced_hashes, hashes[7..], "{width} columns, sliced");
            let distinct: std::collections::HashSet<u128> = hashes.into_iter().collect();
            assert_eq!(distinct.len(), expected.len(), "{width} columns");
        }
        // A dictionary column hashes as the same text stored plainly.
        let Some(dictionary) = arrays.last() else {
            panic!("no columns");
        };
        let plain = arrow::compute::cast(dictionary, &arrow::datatypes::DataType::Utf8).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        row_hashes(&[dictionary], n, &mut a).unwrap();
        row_hashes(&[&plain], n, &mut b).unwrap();
        assert_eq!(a, b);
    }
}
