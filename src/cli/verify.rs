//! `foresight verify`: executes each block of a corpus, checks it against its header, and
//! checks that parallel execution gives exactly the sequential outcome.
//!
//! Input: a block directory or a directory of them; prediction sources; a repeat count.
//! Output: one line per block (number, fork, transactions, gas, milliseconds, OK or the first
//! mismatch) and `verified N/M blocks`; exit 0 only if every block passes every check.

use std::{path::PathBuf, process::ExitCode, time::Instant};

use anyhow::Context as _;
use foresight::{
    Block,
    analyzer::Analyzer,
    check_header,
    corpus::block_dirs,
    execute_sequential,
    executor::ParallelConfig,
    pipeline::{PredictionSource, run as run_pipeline},
};
use indicatif::{ProgressBar, ProgressStyle};

use super::Output;

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A block directory (block.json, prestate.json) or a directory of them.
    #[arg(long, env = "FORESIGHT_CORPUS")]
    pub corpus: PathBuf,
    /// Prediction sources to drive the parallel check with (analyzer, oracle, none,
    /// random[:SEED]); comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "analyzer")]
    pub predictions: Vec<PredictionSource>,
    /// Run every parallel check this many times (a race finder).
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    /// Check only the sequential executor against the headers.
    #[arg(long)]
    pub sequential_only: bool,
}

/// Runs `verify`.
pub fn run(args: Args, output: Output, pool: &rayon::ThreadPool) -> anyhow::Result<ExitCode> {
    let dirs = block_dirs(&args.corpus)?;
    let progress = ProgressBar::new(dirs.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let analyzer = Analyzer::new();
    let config = ParallelConfig::always();
    let mut passed = 0usize;
    let mut total_ms = 0.0f64;
    let mut parallel_runs = 0usize;
    let mut reexecuted = 0usize;
    for dir in &dirs {
        let block = Block::load(dir)?;
        progress.set_message(format!("block {}", block.number()));
        let started = Instant::now();
        let outcome = execute_sequential(&block)
            .with_context(|| format!("block {} ({})", block.number(), dir.display()))?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        total_ms += ms;
        let mut verdict = match &block.expected {
            Some(expected) => check_header(expected, block.spec, &outcome)
                .map_err(|mismatch| mismatch.to_string()),
            None => Err("no header to check against".to_owned()),
        };
        if verdict.is_ok() && !args.sequential_only {
            'checks: for _ in 0..args.repeat {
                for &source in &args.predictions {
                    let parallel = run_pipeline(&block, source, &analyzer, pool, &config)
                        .with_context(|| format!("block {} ({source})", block.number()))?;
                    parallel_runs += 1;
                    reexecuted += parallel.parallel.metrics.reexecutions.len();
                    if let Some(diff) = outcome.first_difference(&parallel.parallel.outcome) {
                        verdict = Err(format!("parallel ({source}) != sequential: {diff}"));
                        break 'checks;
                    }
                }
            }
        }
        if verdict.is_ok() {
            passed += 1;
        }
        if !output.quiet || verdict.is_err() {
            let line = format!(
                "block {:>9}  {:<16} txs {:>5}  gas {:>10}  {:>8.2} ms  {}",
                block.number(),
                format!("{:?}", block.spec),
                block.transactions.len(),
                outcome.gas_used(),
                ms,
                verdict.as_ref().err().map_or("OK", String::as_str),
            );
            if progress.is_hidden() {
                println!("{line}");
            } else {
                progress.println(line);
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    if !args.sequential_only {
        let sources: Vec<String> = args.predictions.iter().map(ToString::to_string).collect();
        println!(
            "parallel = sequential checked {parallel_runs} times ({} threads; predictions {}; {reexecuted} re-executions)",
            pool.current_num_threads(),
            sources.join(",")
        );
    }
    println!(
        "verified {passed}/{} blocks ({total_ms:.1} ms sequential execution)",
        dirs.len()
    );
    Ok(if passed == dirs.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
