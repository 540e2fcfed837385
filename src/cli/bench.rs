//! `foresight bench`: sequential against parallel execution on built-in workloads and corpus
//! blocks, side by side, the way the project reports speed.
//!
//! Input: workloads and/or a corpus, thread counts, run count. Output: a markdown table on
//! stdout (sequential and parallel medians, speedup for execution alone and end to end, the
//! speedup the oracle schedule allows, coverage, re-executions, gas per second), optionally a
//! JSON list (`--json FILE`) and an SVG chart of speedup against the oracle bound
//! (`--chart FILE`). Runs are interleaved after a warm-up; figures are medians.

use std::{num::NonZeroUsize, path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use foresight::{
    Block,
    analyzer::{AccuracyAccumulator, Analyzer, compare_tx},
    corpus::{
        block_dirs,
        workload::{self, Workload, WorkloadParams},
    },
    executor::ParallelConfig,
    measure::compare,
    pipeline::PredictionSource,
    predict::predicted_access_sets,
    scheduler::Schedule,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::Output;

/// Arguments of `bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also bench every block of this corpus directory.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Workloads to bench (default: all, unless --corpus is given).
    #[arg(long, num_args = 1..)]
    pub workload: Vec<Workload>,
    /// Gas of each generated workload block.
    #[arg(long, default_value_t = workload::DEFAULT_GAS)]
    pub gas: u64,
    /// Hot ratio of the contention workload.
    #[arg(long, default_value_t = 0.3)]
    pub hot_ratio: f64,
    /// Thread counts to measure (default: all cores).
    #[arg(long = "threads-list", num_args = 1..)]
    pub threads: Vec<usize>,
    /// Timed runs per side (medians are reported).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Write the rows as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write an SVG chart of speedup against the oracle bound to this file.
    #[arg(long)]
    pub chart: Option<PathBuf>,
}

/// One measured block at one thread count.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Workload name or block number.
    pub name: String,
    /// Transactions.
    pub txs: usize,
    /// Gas used.
    pub gas: u64,
    /// Threads.
    pub threads: usize,
    /// Median sequential time, ms.
    pub seq_ms: f64,
    /// Median parallel execution time, ms.
    pub par_ms: f64,
    /// Median end-to-end parallel time (prediction and scheduling included), ms.
    pub e2e_ms: f64,
    /// `seq_ms / par_ms`.
    pub speedup: f64,
    /// `seq_ms / e2e_ms`.
    pub speedup_e2e: f64,
    /// Speedup the oracle schedule allows on these threads (gas used as weights).
    pub oracle_speedup: f64,
    /// Speedup the predicted schedule allows on these threads.
    pub predicted_speedup: f64,
    /// Share of transactions whose actual access set the prediction covers.
    pub coverage_tx: f64,
    /// Transactions re-executed by the fallback (last parallel run).
    pub reexecuted: usize,
    /// Path taken by the last parallel run (`parallel`, or `sequential: why`).
    pub mode: String,
    /// Sequential throughput, Mgas/s.
    pub seq_mgas_s: f64,
    /// Parallel throughput, Mgas/s.
    pub par_mgas_s: f64,
    /// Whether every parallel outcome equalled the sequential one.
    pub identical: bool,
}

fn bench_block(
    name: String,
    block: &Block,
    threads: usize,
    runs: usize,
    analyzer: &Analyzer,
) -> anyhow::Result<Row> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let (reference, cmp) = compare(
        block,
        PredictionSource::Analyzer,
        analyzer,
        &pool,
        &ParallelConfig::default(),
        runs,
    )?;
    let predicted = pool.install(|| predicted_access_sets(analyzer, block));
    let actual = reference.access_sets();
    let gas: Vec<u64> = reference.transactions.iter().map(|t| t.gas_used).collect();
    let n = NonZeroUsize::new(threads).unwrap_or(NonZeroUsize::MIN);
    let oracle_speedup = Schedule::new(&actual).stats(&gas, n)?.speedup;
    let predicted_speedup = Schedule::new(&predicted).stats(&gas, n)?.speedup;
    let mut coverage = AccuracyAccumulator::new();
    for ((p, a), g) in predicted.iter().zip(&actual).zip(&gas) {
        coverage.add(&compare_tx(p, a, *g, None));
    }
    let gas_used = reference.gas_used();
    let mode = match &cmp.metrics.mode {
        foresight::executor::ExecutionMode::Parallel => "parallel".to_owned(),
        foresight::executor::ExecutionMode::Sequential(why) => format!("sequential: {why}"),
    };
    Ok(Row {
        name,
        txs: block.transactions.len(),
        gas: gas_used,
        threads,
        seq_ms: cmp.seq_ms,
        par_ms: cmp.par_ms,
        e2e_ms: cmp.e2e_ms,
        speedup: cmp.speedup,
        speedup_e2e: cmp.speedup_e2e,
        oracle_speedup,
        predicted_speedup,
        coverage_tx: coverage.finish().coverage_tx,
        reexecuted: cmp.metrics.reexecutions.len(),
        mode,
        seq_mgas_s: gas_used as f64 / 1e3 / cmp.seq_ms.max(f64::MIN_POSITIVE),
        par_mgas_s: gas_used as f64 / 1e3 / cmp.par_ms.max(f64::MIN_POSITIVE),
        identical: cmp.identical,
    })
}

/// Geometric mean of `values` (1 when empty).
pub fn geometric_mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, count) = values
        .into_iter()
        .filter(|v| *v > 0.0)
        .fold((0.0, 0usize), |(s, c), v| (s + v.ln(), c + 1));
    if count == 0 {
        1.0
    } else {
        (sum / count as f64).exp()
    }
}

/// Runs `bench`.
pub fn run(args: Args, output: Output) -> anyhow::Result<ExitCode> {
    let threads = if args.threads.is_empty() {
        vec![std::thread::available_parallelism().map_or(1, NonZeroUsize::get)]
    } else {
        args.threads.clone()
    };
    let workloads = if args.workload.is_empty() && args.corpus.is_none() {
        Workload::ALL.to_vec()
    } else {
        args.workload.clone()
    };
    let dirs = match &args.corpus {
        Some(dir) => block_dirs(dir)?,
        None => Vec::new(),
    };
    let progress = ProgressBar::new(((workloads.len() + dirs.len()) * threads.len()) as u64)
        .with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    let analyzer = Analyzer::new();
    let mut rows = Vec::new();
    let mut measure = |name: String, block: &Block| -> anyhow::Result<()> {
        for &n in &threads {
            progress.set_message(format!("{name} on {n} threads"));
            let row = bench_block(name.clone(), block, n, args.runs, &analyzer)
                .with_context(|| format!("bench {name}"))?;
            rows.push(row);
            progress.inc(1);
        }
        Ok(())
    };
    for &kind in &workloads {
        let params = WorkloadParams {
            gas: args.gas,
            seed: 1,
            hot_ratio: args.hot_ratio,
        };
        let block = workload::build(kind, &params)?;
        measure(kind.to_string(), &block)?;
    }
    for dir in &dirs {
        let block = Block::load(dir)?;
        measure(block.number().to_string(), &block)?;
    }
    progress.finish_and_clear();

    print_table(&rows, output);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&rows)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.chart {
        super::chart::speedup_chart(path, &rows)?;
    }
    let identical = rows.iter().all(|r| r.identical);
    if !identical {
        eprintln!("a parallel outcome differed from the sequential one");
    }
    Ok(if identical {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_table(rows: &[Row], output: Output) {
    println!(
        "| block | txs | Mgas | threads | seq ms | par ms | speedup | e2e | oracle | predicted | coverage | re-exec | seq Mgas/s | par Mgas/s | path |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for r in rows {
        println!(
            "| {} | {} | {:.1} | {} | {:.2} | {:.2} | {:.2}x | {:.2}x | {:.2}x | {:.2}x | {:.1}% | {} | {:.0} | {:.0} | {} |",
            r.name,
            r.txs,
            r.gas as f64 / 1e6,
            r.threads,
            r.seq_ms,
            r.par_ms,
            r.speedup,
            r.speedup_e2e,
            r.oracle_speedup,
            r.predicted_speedup,
            r.coverage_tx * 100.0,
            r.reexecuted,
            r.seq_mgas_s,
            r.par_mgas_s,
            if output.verbose {
                r.mode.as_str()
            } else {
                r.mode.split(':').next().unwrap_or_default()
            }
        );
    }
    let corpus: Vec<&Row> = rows
        .iter()
        .filter(|r| r.name.parse::<u64>().is_ok())
        .collect();
    if !corpus.is_empty() {
        let speedup = geometric_mean(corpus.iter().map(|r| r.speedup));
        let oracle = geometric_mean(corpus.iter().map(|r| r.oracle_speedup));
        println!(
            "\ncorpus ({} block runs): geometric-mean speedup {speedup:.3}x, oracle bound {oracle:.3}x, ratio {:.3}",
            corpus.len(),
            speedup / oracle
        );
    }
}
