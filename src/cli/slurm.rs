//! `cvxrelu slurm --suite S.toml --shards N --out DIR [--script FILE] [--partition P]
//! [--account A] [--time T] [--cpus-per-task C] [--mem M] [--job-name J]
//! [--max-parallel M] [--binary PATH]`: write an `sbatch` script that runs the
//! suite as a Slurm array job, one shard per task, each with `--resume` into
//! `DIR/shard-k-of-N` (logic and defaults in [`crate::harness::slurm`]).
//!
//! `DIR` is made absolute and created with `DIR/logs` (Slurm does not create the
//! folder of a task's log; a task whose log cannot be opened fails without a
//! word). The script goes to `--script` (default `DIR/array.sbatch`; `-` is
//! standard output), written atomically.

use std::path::{Path, PathBuf};

use super::error::CliError;
use crate::fsio::{WriteError, check_writable, write_atomic};
use crate::harness::lock::suite_fingerprint;
use crate::harness::slurm::{self, ArrayJob, SlurmSettings};
use crate::harness::{HarnessError, Suite, expand};

#[derive(clap::Args, Debug, Clone)]
pub struct SlurmArgs {
    /// The suite file (TOML, see problems/).
    #[arg(long, value_name = "SUITE.toml")]
    pub suite: PathBuf,
    /// Number of shards, one per array task (1 <= N <= runs of the suite).
    #[arg(long, value_name = "N")]
    pub shards: usize,
    /// Output folder on storage every node sees: DIR/shard-k-of-N, DIR/logs.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Where to write the script (default DIR/array.sbatch; - for standard output).
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// Slurm partition (default: the cluster's default partition).
    #[arg(long)]
    pub partition: Option<String>,
    /// Slurm account (default: the user's default account).
    #[arg(long)]
    pub account: Option<String>,
    /// Time limit per task, in a Slurm form such as HH:MM:SS or D-HH:MM:SS
    /// (default: the partition's limit).
    #[arg(long, value_name = "TIME")]
    pub time: Option<String>,
    /// CPUs per task (default: the largest `threads` of the suite's solvers, or 1).
    #[arg(long, value_name = "C")]
    pub cpus_per_task: Option<usize>,
    /// Memory per task, e.g. 8G (default: the cluster's default).
    #[arg(long, value_name = "SIZE")]
    pub mem: Option<String>,
    /// Job name (default cvxrelu-SUITE).
    #[arg(long, value_name = "NAME")]
    pub job_name: Option<String>,
    /// At most this many tasks at once (`--array=1-N%M`; default: no limit).
    #[arg(long, value_name = "M")]
    pub max_parallel: Option<usize>,
    /// The cvxrelu binary the tasks run (default: this one's absolute path).
    #[arg(long, value_name = "PATH")]
    pub binary: Option<String>,
}

fn absolute(p: &Path, what: &str) -> Result<PathBuf, CliError> {
    std::path::absolute(p).map_err(|e| CliError::File {
        path: p.to_path_buf(),
        message: format!("cannot make the {what} path absolute: {e}"),
    })
}

pub fn run(args: &SlurmArgs) -> Result<i32, CliError> {
    let suite = Suite::load(&args.suite).map_err(HarnessError::from)?;
    let runs = expand(&suite);
    let settings = SlurmSettings {
        shards: args.shards,
        partition: args.partition.clone(),
        account: args.account.clone(),
        time: args.time.clone(),
        cpus_per_task: args.cpus_per_task,
        mem: args.mem.clone(),
        job_name: args.job_name.clone(),
        max_parallel: args.max_parallel,
    };
    let suite_file = std::fs::canonicalize(&args.suite).map_err(|source| CliError::Read {
        path: args.suite.clone(),
        source,
    })?;
    let out = absolute(&args.out, "output folder")?;
    let binary = match &args.binary {
        Some(b) => b.clone(),
        None => std::env::current_exe()
            .and_then(std::fs::canonicalize)
            .map_err(|e| {
                CliError::usage(format!(
                    "cannot find this program's path ({e}): give --binary"
                ))
            })?
            .display()
            .to_string(),
    };
    let fingerprint = suite_fingerprint(&suite.name, &runs);
    let text = slurm::script(&ArrayJob {
        suite: &suite,
        suite_file: &suite_file,
        runs: &runs,
        fingerprint: &fingerprint,
        out: &out,
        binary: &binary,
        settings: &settings,
    })?;
    let script = args
        .script
        .clone()
        .unwrap_or_else(|| out.join("array.sbatch"));
    let logs = slurm::logs_dir(&out);
    std::fs::create_dir_all(&logs).map_err(|source| WriteError {
        path: logs.clone(),
        source,
    })?;
    check_writable(&script)?;
    write_atomic(&script, text.as_bytes())?;
    let solve_time = slurm::largest_shard_time(&runs, args.shards);
    if let Some(limit) = args.time.as_deref().and_then(slurm::parse_time)
        && (limit as f64) < solve_time
    {
        eprintln!(
            "warning: --time {} is shorter than the {solve_time:.0} s the largest shard's runs may take by their time limits; a task that is stopped goes on when the array is submitted again",
            args.time.as_deref().unwrap_or_default()
        );
    }
    if script.as_os_str() != "-" {
        eprintln!(
            "suite {}: {} runs in {} shards; wrote {} (submit with: sbatch {}); records go to {}/shard-k-of-{}, logs to {}",
            suite.name,
            runs.len(),
            args.shards,
            script.display(),
            script.display(),
            out.display(),
            args.shards,
            logs.display()
        );
    }
    Ok(0)
}
