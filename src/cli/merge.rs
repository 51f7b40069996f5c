//! `cvxrelu merge-check [--suite S.toml] DIR…` and `cvxrelu merge [--suite S.toml]
//! [--allow-missing] --out OUT DIR…`: check that the union of shard folders is the
//! suite, and copy it into one folder for `report` (logic in
//! [`crate::harness::merge`]).
//!
//! `merge-check` prints one finding per line on standard output (`missing ID`,
//! `duplicated ID in FILE…`, …, then `complete:` or `incomplete:`). Exit codes of
//! both: 0 the union is the suite (merge: and was written), 1 it is not (the
//! findings say why; merge writes nothing), 2 bad input (a path that is not a
//! folder, a folder given twice, an unreadable manifest or suite file, a merge
//! target that is not empty).

use std::path::PathBuf;

use super::error::CliError;
use crate::harness::merge::{self, MergeCheck};
use crate::harness::{HarnessError, Suite};

#[derive(clap::Args, Debug, Clone)]
pub struct MergeCheckArgs {
    /// Check against this suite file (also finds records made with other
    /// settings); default: the first folder's manifest.
    #[arg(long, value_name = "SUITE.toml")]
    pub suite: Option<PathBuf>,
    /// Shard folders written by `bench --shard k/N`.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct MergeArgs {
    /// Check against this suite file; default: the first folder's manifest.
    #[arg(long, value_name = "SUITE.toml")]
    pub suite: Option<PathBuf>,
    /// The merged folder (new or empty).
    #[arg(long, value_name = "OUT")]
    pub out: PathBuf,
    /// Merge even when runs are missing (a partial report); never with duplicates.
    #[arg(long)]
    pub allow_missing: bool,
    /// Shard folders written by `bench --shard k/N`.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
}

fn checked(suite: Option<&PathBuf>, dirs: &[PathBuf]) -> Result<MergeCheck, CliError> {
    let suite = match suite {
        Some(p) => Some(Suite::load(p).map_err(HarnessError::from)?),
        None => None,
    };
    Ok(merge::check(dirs, suite.as_ref())?)
}

pub fn run_check(args: &MergeCheckArgs) -> Result<i32, CliError> {
    let c = checked(args.suite.as_ref(), &args.dirs)?;
    print!("{}", c.lines());
    Ok(if c.complete() { 0 } else { 1 })
}

pub fn run_merge(args: &MergeArgs) -> Result<i32, CliError> {
    let c = checked(args.suite.as_ref(), &args.dirs)?;
    let passes = c.mergeable() && (args.allow_missing || c.missing.is_empty());
    if !passes {
        eprint!("{}", c.lines());
        eprintln!("nothing merged");
        return Ok(1);
    }
    let m = merge::merge(&c, &args.out, args.allow_missing)?;
    eprintln!(
        "merged {} records of suite {} from {} folders into {}{}{}",
        m.records,
        c.suite,
        c.folders.len(),
        args.out.display(),
        if m.missing > 0 {
            format!(" ({} runs missing)", m.missing)
        } else {
            String::new()
        },
        if m.machine_kept {
            ""
        } else {
            "; the shards ran on different machines (or did not say), so the manifest names none"
        }
    );
    Ok(0)
}
