//! A suite as an ordered list of runs, and shards of it.
//!
//! Order: dataset, model, gate seed, λ (as listed in the suite), then solver (as
//! listed), keeping only the entries that solve the model
//! ([`SolverDef::solves`]: decomposition entries run on the relu model). Ids are
//! built from the names and values, not from positions, so they survive edits of the
//! suite:
//!
//! ```text
//!   problem id  DATASET-MODEL[-REG]-P{patterns}-s{seed}-lam{λ}      (REG only if not neuron-gl1)
//!   run id      PROBLEM_ID-SOLVER_NAME      (e.g. iris-relu-P16-s0-lam1e-3-fista-exact)
//! ```
//!
//! with `λ` in Rust's shortest exponent form (`1e-3`, `6.309573444801929e-5`).
//! Shard `k/N` (1 ≤ k ≤ N) holds the runs whose index `i` (0-based, in the full
//! suite order) has `i mod N = k − 1`: deterministic, disjoint, and together the
//! whole suite; round robin spreads expensive runs over the shards.

use serde::Serialize;

use super::RunInfo;
use super::SolverDef;
use super::suite::Suite;
use crate::model::{ProblemSpec, Regularizer};

/// One (problem, solver) run.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// Position in the full suite.
    pub index: usize,
    pub info: RunInfo,
    /// Memory limit for Clarabel runs (bytes).
    pub max_memory: u64,
}

/// 64-bit FNV-1a, as 16 hex digits: a stable fingerprint (unlike `std`'s hasher,
/// whose output may change between Rust releases).
pub fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[derive(Serialize)]
struct Fingerprinted<'a> {
    spec: &'a ProblemSpec,
    solver: &'a SolverDef,
    max_memory: u64,
}

/// Expand `suite` into its runs, in order.
pub fn expand(suite: &Suite) -> Vec<Run> {
    let mut runs = Vec::new();
    for ds in &suite.datasets {
        for model in &suite.models {
            for &seed in &suite.seeds {
                for &lambda in &suite.lambdas {
                    let reg = if model.reg == Regularizer::NeuronGl1 {
                        String::new()
                    } else {
                        format!("-{}", model.reg.name())
                    };
                    let problem_id = format!(
                        "{}-{}{}-P{}-s{}-lam{:e}",
                        ds.name,
                        model.kind.name(),
                        reg,
                        model.patterns,
                        seed,
                        lambda
                    );
                    let spec = ProblemSpec {
                        data: ds.data.clone(),
                        test: ds.test.clone(),
                        split: ds.split,
                        split_seed: ds.split_seed,
                        model: model.kind,
                        lambda,
                        reg: model.reg,
                        patterns: Some(model.patterns),
                        seed,
                        gates: None,
                        bias: ds.bias,
                        scale: ds.scale,
                        target: ds.target.clone(),
                    };
                    let mut written = spec.clone();
                    written.data = ds.written.0.clone();
                    written.test = ds.written.1.clone();
                    for solver in suite.solvers.iter().filter(|s| s.solves(model.kind)) {
                        let fp = serde_json::to_vec(&Fingerprinted {
                            spec: &written,
                            solver,
                            max_memory: suite.max_memory,
                        })
                        .expect("plain data serialises");
                        runs.push(Run {
                            index: runs.len(),
                            info: RunInfo {
                                id: format!("{problem_id}-{}", solver.name),
                                problem_id: problem_id.clone(),
                                suite: suite.name.clone(),
                                dataset: ds.name.clone(),
                                time_limit: solver.time_limit,
                                fingerprint: fnv1a(&fp),
                                spec: spec.clone(),
                                solver: solver.clone(),
                            },
                            max_memory: suite.max_memory,
                        });
                    }
                }
            }
        }
    }
    runs
}

/// A shard `k/N` of a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl Shard {
    /// The whole suite.
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    pub fn contains(&self, index: usize) -> bool {
        index % self.n == self.k - 1
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("'{s}' is not a shard k/N with 1 <= k <= N (e.g. 2/8)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}
