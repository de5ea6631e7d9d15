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
    // A reader thread decodes the next window of batches while the pool reduces this one; the
    // channel holds one window, so memory stays at about three windows of batches.
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<Vec<RecordBatch>>>(1);
        scope.spawn(move || {
            let mut batches = batches;
            loop {
                let mut chunk: Vec<RecordBatch> = Vec::with_capacity(window);
                let mut failed = None;
                for batch in batches.by_ref().take(window) {
                    match batch {
                        Ok(b) => chunk.push(b),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                let done = chunk.len() < window || failed.is_some();
                if !chunk.is_empty() && sender.send(Ok(chunk)).is_err() {
                    return;
                }
                if let Some(e) = failed {
                    let _ = sender.send(Err(e));
                    return;
                }
                if done {
                    return;
                }
            }
        });
        let mut rows: u64 = 0;
        for chunk in receiver {
            let chunk: Vec<(RecordBatch, u64)> = chunk?
                .into_iter()
                .map(|batch| {
                    let offset = rows;
                    rows += batch.num_rows() as u64;
                    (batch, offset)
                })
                .collect();
            let partials: Vec<Result<P>> = chunk
                .par_iter()
                .map(|(batch, offset)| {
                    let mut partial = init();
                    update(&mut partial, batch, *offset)?;
                    Ok(partial)
                })
                .collect();
            drop(chunk);
            for partial in partials {
                total.merge(partial?)?;
            }
        }
        Ok((total, rows))
    })
}
