//! The streaming driver: one pass over a file's batches, rayon across batches, results merged in
//! file order so they never depend on batch size or thread count.

use arrow::array::RecordBatch;
use rayon::prelude::*;

use crate::error::Result;
use crate::input::BatchIter;

/// A partial aggregate over some rows that can absorb the aggregate of the rows that follow.
pub(crate) trait Partial: Send + Sized {
    fn merge(&mut self, later: Self) -> Result<()>;
}

/// Folds every batch into one aggregate. Batches are read in windows of a few per thread, each
/// batch is reduced to its own partial in parallel, and the partials are merged in file order:
/// memory stays at one window of batches plus the aggregates.
pub(crate) fn fold_batches<P, I, F>(batches: BatchIter, init: I, update: F) -> Result<(P, u64)>
where
    P: Partial,
    I: Fn() -> P + Sync,
    F: Fn(&mut P, &RecordBatch, u64) -> Result<()> + Sync,
{
    let total = init();
    fold_batches_into(total, batches, init, update)
}

/// As [`fold_batches`], merging into a given aggregate (one whose buffers are already sized, so
/// gathering millions of values never reallocates).
pub(crate) fn fold_batches_into<P, I, F>(
    mut total: P,
    batches: BatchIter,
    init: I,
    update: F,
) -> Result<(P, u64)>
where
    P: Partial,
    I: Fn() -> P + Sync,
    F: Fn(&mut P, &RecordBatch, u64) -> Result<()> + Sync,
{
    let window = rayon::current_num_threads().max(1) * 2;
    let mut rows: u64 = 0;
    let mut batches = batches.peekable();
    while batches.peek().is_some() {
        let mut chunk: Vec<(RecordBatch, u64)> = Vec::with_capacity(window);
        for batch in batches.by_ref().take(window) {
            let batch = batch?;
            let offset = rows;
            rows += batch.num_rows() as u64;
            chunk.push((batch, offset));
        }
        let partials: Vec<Result<P>> = chunk
            .par_iter()
            .map(|(batch, offset)| {
                let mut partial = init();
                update(&mut partial, batch, *offset)?;
                Ok(partial)
            })
            .collect();
        for partial in partials {
            total.merge(partial?)?;
        }
    }
    Ok((total, rows))
}
