//! Command-line arguments and dispatch to one module per subcommand.
//!
//! Input: the parsed [`Cli`]. Output: the process exit code; bad input (unreadable or malformed
//! files, invalid transactions) maps to 2, a failed check to 1.

mod accuracy;
mod bench;
mod chart;
mod execute;
mod predict;
mod schedule;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Parallel EVM block execution planned before it runs.
#[derive(Debug, Parser)]
#[command(name = "foresight", version, about)]
pub struct Cli {
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long = "threads", global = true)]
    pub threads: Option<usize>,
    /// Print less.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The jobs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Execute blocks and check them against their headers (gasUsed, logsBloom, receiptsRoot).
    Verify(verify::Args),
    /// Run one block or built-in workload sequentially, in parallel, or both (compare).
    Execute(execute::Args),
    /// Predict each transaction's access set from bytecode, before execution.
    Predict(predict::Args),
    /// Build the conflict graph and layers of a block (predicted and oracle).
    Schedule(schedule::Args),
    /// Measure sequential against parallel execution on workloads and corpus blocks.
    Bench(bench::Args),
    /// Compare predicted access sets with the ones execution records.
    Accuracy(accuracy::Args),
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let output = Output {
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    match cli.command {
        Command::Verify(args) => verify::run(args, output, &pool(cli.threads)?),
        Command::Accuracy(args) => accuracy::run(args, output),
        Command::Bench(args) => bench::run(args, output),
        Command::Predict(args) => predict::run(args, output),
        Command::Schedule(args) => schedule::run(args, output, threads(cli.threads)),
        Command::Execute(args) => execute::run(args, output, &pool(cli.threads)?),
    }
}

/// The thread count to plan for: `-j`, or one per core.
fn threads(requested: Option<usize>) -> std::num::NonZeroUsize {
    requested
        .and_then(std::num::NonZeroUsize::new)
        .or_else(|| std::thread::available_parallelism().ok())
        .unwrap_or(std::num::NonZeroUsize::MIN)
}

/// A rayon pool with `threads` workers (default: one per core).
fn pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        anyhow::ensure!(n > 0, "--threads must be at least 1");
        builder = builder.num_threads(n);
    }
    Ok(builder.build()?)
}

/// How chatty to be.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Only summaries and errors.
    pub quiet: bool,
    /// Extra detail.
    pub verbose: bool,
}

/// An argument that names something that is not there (a transaction index, say).
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// The exit code for an error that stopped a command: 2 when the input was bad.
pub fn exit_code_for(error: &anyhow::Error) -> u8 {
    let bad_input = error.chain().any(|cause| {
        cause.is::<foresight::CorpusError>()
            || cause.is::<foresight::ExecutionError>()
            || cause.is::<foresight::corpus::workload::WorkloadError>()
            || cause.is::<BadInput>()
            || cause.is::<std::io::Error>()
    });
    if bad_input { 2 } else { 1 }
}
