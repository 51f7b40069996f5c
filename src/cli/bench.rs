//! `cvxrelu bench --suite S --out DIR [--resume] [--shard k/N] [--solvers a,b]`:
//! run a suite (logic in [`crate::harness::bench`]).

use std::path::PathBuf;

use super::error::CliError;
use crate::harness::Shard;
use crate::harness::bench::{BenchOptions, bench_folder};

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// The suite file (TOML, see problems/).
    #[arg(long, value_name = "SUITE.toml")]
    pub suite: PathBuf,
    /// Output directory: records/ID.json per run, manifest.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Skip runs that already have a record; run the others.
    #[arg(long)]
    pub resume: bool,
    /// Run only shard k of N (runs i with i mod N = k-1).
    #[arg(long, value_name = "k/N")]
    pub shard: Option<Shard>,
    /// Run only these solvers (names of the suite's [[solver]] entries).
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub solvers: Option<Vec<String>>,
    /// No progress bar and no per-run lines.
    #[arg(long)]
    pub quiet: bool,
    /// Run into a folder that holds another suite's records, or records measured
    /// on another machine or build (they get mixed).
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &BenchArgs) -> Result<i32, CliError> {
    let opts = BenchOptions {
        resume: args.resume,
        shard: args.shard.unwrap_or(Shard::ALL),
        solvers: args.solvers.clone(),
        progress: !args.quiet,
        log: !args.quiet,
    };
    let (suite, s) = bench_folder(&args.suite, &args.out, &opts, args.force)?;
    eprintln!(
        "{}: shard {} of suite {}: {} runs, {} already done, {} run now ({} re-run after a suite change, {} skipped for memory); records in {}",
        args.suite.display(),
        opts.shard,
        suite.name,
        s.selected,
        s.already_done,
        s.ran,
        s.rerun_stale,
        s.skipped,
        crate::harness::store::records_dir(&args.out).display()
    );
    Ok(0)
}
