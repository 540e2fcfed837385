//! The `foresight` command line: one subcommand per job (verify, execute, ...), `--json` for
//! machine output. Exit codes: 0 success, 1 a check failed, 2 bad input.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// revm allocates and frees per transaction on every worker thread; mimalloc keeps that cheap
/// and free of cross-thread contention.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Like other command-line tools, stop quietly when the reader of our output goes away
    // (`foresight predict ... | head`) instead of panicking on the closed pipe.
    sigpipe::reset();
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(cli::exit_code_for(&error))
        }
    }
}
