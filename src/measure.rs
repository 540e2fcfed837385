//! Timing sequential against parallel execution of one block the way the project reports
//! speed: same process, runs interleaved after a warm-up, medians.
//!
//! Input: a block, a prediction source, an analyzer, a pool, a run count. Output:
//! [`Comparison`]: median times, speedups, and whether every parallel outcome equalled the
//! sequential one.

use std::time::Instant;

use foresight_analyzer::Analyzer;
use foresight_corpus::Block;
use foresight_executor::{
    BlockOutcome, ExecutionError, ExecutionMetrics, ParallelConfig, ParallelOutcome,
    execute_sequential,
};
use serde::Serialize;

use crate::pipeline::{PredictionSource, predictions, run};

/// Medians of interleaved sequential and parallel runs.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Median sequential execution time, ms.
    pub seq_ms: f64,
    /// Median parallel execution time (runs and in-order validation and commit), ms.
    pub par_ms: f64,
    /// Median end-to-end parallel time: prediction, scheduling and execution, ms.
    pub e2e_ms: f64,
    /// Median prediction time, ms.
    pub predict_ms: f64,
    /// `seq_ms / par_ms`.
    pub speedup: f64,
    /// `seq_ms / e2e_ms`.
    pub speedup_e2e: f64,
    /// Whether every parallel run gave exactly the sequential outcome.
    pub identical: bool,
    /// Metrics of the last parallel run.
    pub metrics: ExecutionMetrics,
    /// Timed runs of each kind.
    pub runs: usize,
}

/// The median of `values` (sorted in place); 0 when there are none.
///
/// ```
/// assert_eq!(foresight::measure::median(&mut [3.0, 1.0, 2.0]), 2.0);
/// assert_eq!(foresight::measure::median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
/// ```
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Runs `block` sequentially and in parallel `runs` times each, interleaved, after one warm-up
/// of each (the analyzer cache is warm for the timed runs). Each sequential run, like each
/// parallel one, follows a prediction of the block, so that both execute in the same conditions
/// (caches, memory held); neither does when [`run`] does not predict the block.
pub fn compare(
    block: &Block,
    source: PredictionSource,
    analyzer: &Analyzer,
    pool: &rayon::ThreadPool,
    config: &ParallelConfig,
    runs: usize,
) -> Result<(BlockOutcome, Comparison), ExecutionError> {
    let reference = execute_sequential(block)?;
    let ParallelOutcome {
        outcome: warm_up,
        mut metrics,
    } = run(block, source, analyzer, pool, config)?.parallel;
    let mut identical = warm_up == reference;
    drop(warm_up);
    let (mut seq, mut par, mut e2e, mut predict) = (vec![], vec![], vec![], vec![]);
    let predicted = config
        .sequential_regardless(block, pool.current_num_threads())
        .is_none();
    for _ in 0..runs.max(1) {
        // Both sides start from the same conditions: the predictions were just made (untimed
        // here) and are held while executing, unless `run` does not predict the block, and
        // each side's outcome is dropped before the other side runs.
        let primed = match predicted {
            true => pool.install(|| predictions(block, source, analyzer))?,
            false => Vec::new(),
        };
        let started = Instant::now();
        let outcome = execute_sequential(block)?;
        seq.push(started.elapsed().as_secs_f64() * 1e3);
        identical &= outcome == reference;
        drop(outcome);
        drop(primed);

        let started = Instant::now();
        let parallel = run(block, source, analyzer, pool, config)?;
        let total = started.elapsed().as_secs_f64() * 1e3;
        e2e.push(total);
        par.push(parallel.parallel.metrics.execute_ms);
        predict.push(parallel.predict_ms);
        identical &= parallel.parallel.outcome == reference;
        metrics = parallel.parallel.metrics;
    }
    let seq_ms = median(&mut seq);
    let par_ms = median(&mut par);
    let e2e_ms = median(&mut e2e);
    let comparison = Comparison {
        seq_ms,
        par_ms,
        e2e_ms,
        predict_ms: median(&mut predict),
        speedup: seq_ms / par_ms.max(f64::MIN_POSITIVE),
        speedup_e2e: seq_ms / e2e_ms.max(f64::MIN_POSITIVE),
        identical,
        metrics,
        runs: runs.max(1),
    };
    Ok((reference, comparison))
}
