//! The command-line interface (SPEC §7). Exit codes: 0 solved, 1 the solver ran but
//! did not reach its tolerance, 2 bad input or usage (one line on stderr).

pub mod bench;
pub mod decompose;
pub mod error;
pub mod export;
pub mod export_suite;
pub mod merge;
pub mod path;
pub mod predict;
pub mod problem_args;
pub mod progress;
pub mod report;
pub mod slurm;
pub mod solve;
pub mod solve_cbf;
pub mod values;

use clap::{Parser, Subcommand};

pub use error::CliError;

#[derive(Parser, Debug)]
#[command(
    name = "cvxrelu",
    version,
    about = "Two-layer ReLU networks trained to global optimality by convex optimization"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Solve one training problem and certify the result.
    Solve(solve::SolveArgs),
    /// Solve over a decreasing λ grid, warm-started; one record per λ plus a CSV.
    Path(path::PathArgs),
    /// Turn a C-GReLU solution into a C-ReLU point by a cone decomposition.
    Decompose(decompose::DecomposeArgs),
    /// Write a problem in a standard solver format (CBF, MathOptFormat, Clarabel JSON, MPS).
    Export(export::ExportArgs),
    /// Run a benchmark suite: one JSON record per (problem, solver).
    Bench(bench::BenchArgs),
    /// Predict with a saved network (`solve --weights`) on new raw inputs.
    Predict(predict::PredictArgs),
    /// Report on a bench directory: Markdown, performance profiles, CSV.
    Report(report::ReportArgs),
    /// Write a Slurm array script that runs a suite, one shard per task.
    Slurm(slurm::SlurmArgs),
    /// Check that shard folders together hold every run of a suite exactly once.
    MergeCheck(merge::MergeCheckArgs),
    /// Copy the shard folders of a suite into one folder for `report`.
    Merge(merge::MergeArgs),
}

/// Parse `args`, run, and return the process exit code.
pub fn run_from<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        2
                    } else {
                        0
                    }
                }
                _ => {
                    // One line: clap's message plus its hints, without the usage block.
                    let text = e.to_string();
                    let parts: Vec<&str> = text
                        .lines()
                        .map(str::trim)
                        .filter(|l| {
                            !l.is_empty()
                                && !l.starts_with("Usage:")
                                && !l.starts_with("For more information")
                        })
                        .collect();
                    eprintln!("{}", parts.join(" "));
                    2
                }
            };
        }
    };
    let result = match &cli.command {
        Command::Solve(a) => solve::run(a),
        Command::Path(a) => path::run(a),
        Command::Export(a) => export::run(a),
        Command::Decompose(a) => decompose::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Predict(a) => predict::run(a),
        Command::Report(a) => report::run(a),
        Command::Slurm(a) => slurm::run(a),
        Command::MergeCheck(a) => merge::run_check(a),
        Command::Merge(a) => merge::run_merge(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.to_string().replace('\n', " "));
            2
        }
    }
}
