//! A Slurm array job for a suite: one shard per array task.
//!
//! The suite's runs are split into `N` shards `k/N` ([`super::Shard`]: run `i`
//! belongs to shard `i mod N + 1`); array task `k` (`$SLURM_ARRAY_TASK_ID`, from
//! `#SBATCH --array=1-N`) runs
//!
//! ```text
//!   BINARY bench --suite SUITE --out OUT/shard-k-of-N --shard k/N --resume
//! ```
//!
//! so every shard has its own folder on the shared storage (its own manifest and
//! lock), and a task that is requeued, or an array that is submitted again, goes on
//! where it stopped instead of redoing or refusing finished runs. The log of task
//! `k` is `OUT/logs/shard-k-of-N.log`, appended to (`--open-mode=append`) so a
//! second submission keeps the first one's lines. Once every task has ended,
//! `cvxrelu merge-check` checks that the shard folders together hold every run of
//! the suite exactly once ([`super::merge`]) and `cvxrelu merge` copies them into
//! one folder for `report`.
//!
//! Settings ([`SlurmSettings`]) and their defaults:
//!
//! | setting | `#SBATCH` | default |
//! |---|---|---|
//! | shards `N` | `--array=1-N` (`%M` with `max_parallel`) | required; 1 ≤ N ≤ runs of the suite |
//! | `cpus_per_task` | `--cpus-per-task` | the largest `threads` of the suite's solvers (1 when none is set) |
//! | `partition`, `account` | `--partition`, `--account` | omitted: the cluster's default |
//! | `time` | `--time` | omitted: the partition's default limit |
//! | `mem` | `--mem` | omitted: the cluster's default |
//! | `job_name` | `--job-name` | `cvxrelu-SUITE` |
//! | `max_parallel` | `--array=1-N%M` | omitted: no limit on tasks running at once |
//!
//! The script records, as comments, the suite's fingerprint and the sum of the
//! per-run time limits of the largest shard: the solve time a task may take at
//! most, before setup, network recovery and metrics.
//!
//! Paths in `#SBATCH` lines are not parsed by a shell, so the output folder may not
//! contain white space, quotes, backslashes or `%` (Slurm's file-name patterns);
//! the paths in the script's commands are single-quoted for the shell.

use std::path::{Path, PathBuf};

use super::HarnessError;
use super::expand::{Run, Shard};
use super::suite::Suite;

/// The folder of shard `k/N` inside the array's output folder.
pub fn shard_dir(out: &Path, shard: Shard) -> PathBuf {
    out.join(format!("shard-{}-of-{}", shard.k, shard.n))
}

/// The folder of the array tasks' logs inside the output folder.
pub fn logs_dir(out: &Path) -> PathBuf {
    out.join("logs")
}

/// The settings of an array job (see the module docs for defaults).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SlurmSettings {
    pub shards: usize,
    pub partition: Option<String>,
    pub account: Option<String>,
    /// A Slurm time limit (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`).
    pub time: Option<String>,
    pub cpus_per_task: Option<usize>,
    /// A Slurm memory size (`N` megabytes, or `N` with a `K`, `M`, `G` or `T` suffix).
    pub mem: Option<String>,
    pub job_name: Option<String>,
    pub max_parallel: Option<usize>,
}

fn usage(m: String) -> HarnessError {
    HarnessError::Usage(m)
}

/// A word of an `#SBATCH` line: not empty, no white space, quotes, backslashes or
/// control characters.
fn check_word(flag: &str, value: &str) -> Result<(), HarnessError> {
    let bad = value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\'));
    if bad {
        return Err(usage(format!(
            "{flag}: '{value}' is not a single word (no spaces, quotes or backslashes)"
        )));
    }
    Ok(())
}

fn digits(s: &str) -> Option<u64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Seconds of a Slurm time limit, or `None` when `s` is not one of Slurm's forms.
pub fn parse_time(s: &str) -> Option<u64> {
    let (days, rest) = match s.split_once('-') {
        Some((d, r)) => (Some(digits(d)?), r),
        None => (None, s),
    };
    let parts: Vec<u64> = rest.split(':').map(digits).collect::<Option<_>>()?;
    let secs = match (days, parts.as_slice()) {
        (None, [m]) => m * 60,
        (None, [m, s]) => m * 60 + s,
        (None, [h, m, s]) => h * 3600 + m * 60 + s,
        (Some(d), [h]) => d * 86400 + h * 3600,
        (Some(d), [h, m]) => d * 86400 + h * 3600 + m * 60,
        (Some(d), [h, m, s]) => d * 86400 + h * 3600 + m * 60 + s,
        _ => return None,
    };
    Some(secs)
}

/// Whether `s` is a Slurm memory size: digits with an optional unit `K|M|G|T`.
pub fn is_memory_size(s: &str) -> bool {
    let number = s.strip_suffix(['K', 'M', 'G', 'T']).unwrap_or(s);
    digits(number).is_some()
}

impl SlurmSettings {
    /// Check every setting against `suite` (which has `runs` runs).
    pub fn validate(&self, runs: usize) -> Result<(), HarnessError> {
        if self.shards == 0 {
            return Err(usage("--shards: must be at least 1".into()));
        }
        if self.shards > runs {
            return Err(usage(format!(
                "--shards: {} shards of a suite of {runs} runs would leave {} array tasks without a run; use at most {runs}",
                self.shards,
                self.shards - runs
            )));
        }
        for (flag, v) in [
            ("--partition", &self.partition),
            ("--account", &self.account),
            ("--job-name", &self.job_name),
        ] {
            if let Some(v) = v {
                check_word(flag, v)?;
            }
        }
        if let Some(t) = &self.time
            && parse_time(t).is_none()
        {
            return Err(usage(format!(
                "--time: '{t}' is not a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)"
            )));
        }
        if let Some(m) = &self.mem
            && !is_memory_size(m)
        {
            return Err(usage(format!(
                "--mem: '{m}' is not a Slurm memory size (a whole number of megabytes, or with a unit K, M, G or T, e.g. 4G)"
            )));
        }
        if self.cpus_per_task == Some(0) {
            return Err(usage("--cpus-per-task: must be at least 1".into()));
        }
        if self.max_parallel == Some(0) {
            return Err(usage("--max-parallel: must be at least 1".into()));
        }
        Ok(())
    }
}

/// `s` single-quoted for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The output folder as it appears in `#SBATCH --output`: absolute, and free of
/// what sbatch would not read back as written.
fn check_out_dir(out: &Path) -> Result<String, HarnessError> {
    let text = out.to_str().ok_or_else(|| {
        usage(format!(
            "{}: the output folder is not valid UTF-8",
            out.display()
        ))
    })?;
    if !out.is_absolute() {
        return Err(usage(format!(
            "{text}: the output folder must be an absolute path (the array tasks run elsewhere)"
        )));
    }
    let bad = text
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\' | '%'));
    if bad {
        return Err(usage(format!(
            "{text}: the output folder may not contain spaces, quotes, backslashes or '%' (#SBATCH --output is not read by a shell)"
        )));
    }
    Ok(text.to_string())
}

/// The largest sum of per-run time limits over the shards (seconds).
pub fn largest_shard_time(runs: &[Run], shards: usize) -> f64 {
    (1..=shards)
        .map(|k| {
            let shard = Shard { k, n: shards };
            runs.iter()
                .filter(|r| shard.contains(r.index))
                .map(|r| r.info.time_limit)
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

/// What the script is made of, resolved.
#[derive(Clone, Debug)]
pub struct ArrayJob<'a> {
    pub suite: &'a Suite,
    /// Absolute path of the suite file, as the tasks will read it.
    pub suite_file: &'a Path,
    pub runs: &'a [Run],
    pub fingerprint: &'a str,
    /// Absolute output folder on shared storage.
    pub out: &'a Path,
    /// The `cvxrelu` the tasks run (a path, or a name looked up on the nodes' PATH).
    pub binary: &'a str,
    pub settings: &'a SlurmSettings,
}

/// The text of the `sbatch` script of `job` (validated first).
pub fn script(job: &ArrayJob<'_>) -> Result<String, HarnessError> {
    let s = job.settings;
    s.validate(job.runs.len())?;
    let out = check_out_dir(job.out)?;
    let suite_file = job.suite_file.to_str().ok_or_else(|| {
        usage(format!(
            "{}: the suite path is not valid UTF-8",
            job.suite_file.display()
        ))
    })?;
    if job.binary.is_empty() || job.binary.contains('\n') {
        return Err(usage("--binary: must be a non-empty path".into()));
    }
    let n = s.shards;
    let name = s
        .job_name
        .clone()
        .unwrap_or_else(|| format!("cvxrelu-{}", job.suite.name));
    let cpus = s.cpus_per_task.unwrap_or_else(|| job.suite.threads());
    let array = match s.max_parallel {
        Some(m) => format!("1-{n}%{m}"),
        None => format!("1-{n}"),
    };
    let solve_time = largest_shard_time(job.runs, n);
    let logs = logs_dir(job.out);
    let logs = logs.to_str().expect("an UTF-8 folder joined with 'logs'");

    let mut lines = vec![
        "#!/bin/bash".to_string(),
        format!(
            "# Slurm array job of suite '{}' ({suite_file}): {} runs in {n} shards, one per array task.",
            job.suite.name,
            job.runs.len()
        ),
        format!(
            "# Written by `cvxrelu slurm` (cvxrelu {}). Submit with: sbatch THIS_FILE",
            env!("CARGO_PKG_VERSION")
        ),
        format!("# Suite fingerprint: {}", job.fingerprint),
        format!(
            "# Task k runs shard k/{n} with --resume into {out}/shard-k-of-{n}; submitting again continues."
        ),
        format!(
            "# The runs of the largest shard have time limits adding up to {solve_time:.0} s (setup, network recovery and metrics come on top)."
        ),
        "# When every task has ended:".to_string(),
        format!(
            "#   cvxrelu merge-check --suite {} {out}/shard-*-of-{n}",
            shell_quote(suite_file)
        ),
        format!(
            "#   cvxrelu merge --out {out}/merged {out}/shard-*-of-{n} && cvxrelu report {out}/merged"
        ),
        format!("#SBATCH --job-name={name}"),
        format!("#SBATCH --array={array}"),
        "#SBATCH --ntasks=1".to_string(),
        format!("#SBATCH --cpus-per-task={cpus}"),
        format!("#SBATCH --output={logs}/shard-%a-of-{n}.log"),
        "#SBATCH --open-mode=append".to_string(),
    ];
    for (flag, v) in [
        ("partition", &s.partition),
        ("account", &s.account),
        ("time", &s.time),
        ("mem", &s.mem),
    ] {
        if let Some(v) = v {
            lines.push(format!("#SBATCH --{flag}={v}"));
        }
    }
    lines.extend([
        String::new(),
        "set -euo pipefail".to_string(),
        format!("BINARY={}", shell_quote(job.binary)),
        format!("SUITE={}", shell_quote(suite_file)),
        format!("OUT={}", shell_quote(&out)),
        format!("SHARDS={n}"),
        "K=\"${SLURM_ARRAY_TASK_ID:?is not set: submit this script with sbatch (it is an array job)}\"".to_string(),
        "if ! [ \"$K\" -ge 1 ] 2>/dev/null || [ \"$K\" -gt \"$SHARDS\" ]; then".to_string(),
        "    echo \"array task '$K' is not a shard of 1-$SHARDS\" >&2".to_string(),
        "    exit 2".to_string(),
        "fi".to_string(),
        "echo \"cvxrelu shard $K/$SHARDS: job ${SLURM_ARRAY_JOB_ID:-?}_$K on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)\"".to_string(),
        "exec \"$BINARY\" bench --suite \"$SUITE\" --out \"$OUT/shard-$K-of-$SHARDS\" --shard \"$K/$SHARDS\" --resume".to_string(),
    ]);
    let mut text = lines.join("\n");
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slurm_time_forms() {
        assert_eq!(parse_time("30"), Some(1800));
        assert_eq!(parse_time("30:15"), Some(1815));
        assert_eq!(parse_time("02:00:00"), Some(7200));
        assert_eq!(parse_time("1-0"), Some(86400));
        assert_eq!(parse_time("1-2:30"), Some(86400 + 9000));
        assert_eq!(parse_time("1-02:30:05"), Some(86400 + 9005));
        for bad in ["", "1h", "1:2:3:4", "-1", "1-", "1-2:3:4:5", "a:00"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn slurm_memory_forms() {
        for ok in ["4000", "4G", "512M", "1T", "0"] {
            assert!(is_memory_size(ok), "{ok}");
        }
        for bad in ["", "G", "4GB", "4 G", "-1", "1.5G"] {
            assert!(!is_memory_size(bad), "{bad}");
        }
    }

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
