//! The machine and provenance record of a bench run: CPU model, logical cores,
//! threads used, load average at start and end, OS, crate version and git commit,
//! Clarabel version. Stored in the manifest (`machine`) and printed at the top of
//! every report, so that a reader knows what the times were measured on. Every
//! field is best effort: what the platform does not say is `None`, never a guess.

use serde::{Deserialize, Serialize};

/// What a bench run was measured on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cpu_model: Option<String>,
    pub logical_cores: Option<usize>,
    /// The largest `threads` of the suite's solver entries (1 by default).
    pub threads_used: usize,
    /// 1-, 5- and 15-minute load averages when the run started and ended.
    pub load_start: Option<[f64; 3]>,
    pub load_end: Option<[f64; 3]>,
    pub os: String,
    pub kernel: Option<String>,
    pub cvxrelu_version: String,
    /// `git rev-parse HEAD` of the source tree the binary was built from (with
    /// `-dirty` when it had uncommitted changes at run time).
    pub git_commit: Option<String>,
    pub clarabel_version: Option<String>,
}

/// The 1/5/15-minute load averages (`/proc/loadavg`).
pub fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut it = text.split_whitespace().map(|w| w.parse::<f64>().ok());
    Some([it.next()??, it.next()??, it.next()??])
}

fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn git_commit() -> Option<String> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new("git")
        .args(["-C", dir, "rev-parse", "HEAD"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let mut commit = String::from_utf8(out.stdout).ok()?.trim().to_string();
    let dirty = std::process::Command::new("git")
        .args(["-C", dir, "status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .is_some_and(|o| o.status.success() && !o.stdout.is_empty());
    if dirty {
        commit.push_str("-dirty");
    }
    Some(commit)
}

/// The Clarabel version this build links, read from the lock file it was built
/// with.
pub fn clarabel_version() -> Option<String> {
    let lock = include_str!("../../Cargo.lock");
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l.trim() == "name = \"clarabel\"" {
            return lines
                .next()?
                .trim()
                .strip_prefix("version = \"")?
                .strip_suffix('"')
                .map(str::to_string);
        }
    }
    None
}

impl Machine {
    /// The record at the start of a run on `threads_used` threads.
    pub fn now(threads_used: usize) -> Machine {
        Machine {
            cpu_model: cpu_model(),
            logical_cores: std::thread::available_parallelism().ok().map(|n| n.get()),
            threads_used,
            load_start: load_average(),
            load_end: None,
            os: std::env::consts::OS.to_string(),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .ok()
                .map(|s| s.trim().to_string()),
            cvxrelu_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: git_commit(),
            clarabel_version: clarabel_version(),
        }
    }

    /// Whether times measured on `self` and on `other` may share one machine
    /// line: the same CPU model, logical cores, thread count and build (crate
    /// version, git commit, Clarabel version). Loads, OS and kernel may differ.
    pub fn same_setup(&self, other: &Machine) -> bool {
        self.cpu_model == other.cpu_model
            && self.logical_cores == other.logical_cores
            && self.threads_used == other.threads_used
            && self.cvxrelu_version == other.cvxrelu_version
            && self.git_commit == other.git_commit
            && self.clarabel_version == other.clarabel_version
    }

    /// The setup [`Machine::same_setup`] compares, on one line.
    pub fn setup_line(&self) -> String {
        format!(
            "{} ({} logical cores, {} thread(s)), cvxrelu {} commit {}, Clarabel {}",
            self.cpu_model.as_deref().unwrap_or("unknown CPU"),
            self.logical_cores.map_or("?".into(), |n| n.to_string()),
            self.threads_used,
            self.cvxrelu_version,
            self.git_commit.as_deref().unwrap_or("unknown"),
            self.clarabel_version.as_deref().unwrap_or("unknown"),
        )
    }

    /// Markdown lines for the top of a report.
    pub fn markdown(&self, fingerprint: Option<&str>) -> String {
        let load = |l: Option<[f64; 3]>| {
            l.map_or("unknown".to_string(), |[a, b, c]| {
                format!("{a:.2} / {b:.2} / {c:.2}")
            })
        };
        let mut s = format!(
            "Machine: {} ({} logical cores, {} thread(s) used), {} {}; load average (1/5/15 min) {} at start, {} at end.\n\
cvxrelu {} (commit {}), Clarabel {}",
            self.cpu_model.as_deref().unwrap_or("unknown CPU"),
            self.logical_cores.map_or("?".into(), |n| n.to_string()),
            self.threads_used,
            self.os,
            self.kernel.as_deref().unwrap_or(""),
            load(self.load_start),
            load(self.load_end),
            self.cvxrelu_version,
            self.git_commit.as_deref().unwrap_or("unknown"),
            self.clarabel_version.as_deref().unwrap_or("unknown"),
        );
        if let Some(f) = fingerprint {
            s += &format!("; suite fingerprint {f}");
        }
        s += ".\n";
        s
    }
}
