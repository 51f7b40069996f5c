//! The interior-point baseline at its best (issue 14, item 8): Clarabel on the
//! compiled SOCP under each of its reasonable configurations, on the reference
//! problems, so that the default is shown to be the fastest correct one and a
//! reviewer can see the IPM was not handicapped.
//!
//! A *variant* is a [`ClarabelSettings`] that differs from the default in one
//! choice ([`variants`]): the KKT factorisation (faer's supernodal LDLᵀ or QDLDL),
//! the lowering (the loss `1/(2nc)‖r‖²` as `½xᵀPx`, or as an epigraph variable
//! `t ≥ ½‖r‖²` in a rotated cone written as an SOC — the form a purely conic
//! solver needs), Ruiz equilibration on/off, and the static regularisation of
//! the KKT diagonal (Clarabel's 1e-8, 1e-7, off). Every variant solves the same
//! convex problem, so a correct variant reaches the reference objective of
//! `objectives.json` (agreed by CVXPY + Clarabel, ECOS and SCS) within its
//! tolerance: *correct* means status `solved` and certified objective within
//! 1e-6 (relative) of the reference, with cone violation ≤ 1e-6.
//!
//! Iteration counts, statuses and objectives do not depend on machine load and
//! are written by [`iterations_table`]. Times (wall and process CPU, median of
//! `repeats` solves, setup = compile + Clarabel's set-up) are measured only when
//! asked and written by [`times_table`], next to the times of CVXPY + Clarabel on
//! the same problems (`scripts/cvxpy_clarabel.py`) when given: take them on a
//! quiet machine. The command is `examples/ipm_variants.rs`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::HarnessError;
use crate::certify::certify;
use crate::compile::Lowering;
use crate::model::{Model, Problem, ProblemSpec, Regularizer, Scaling};
use crate::solvers::Status;
use crate::solvers::clarabel::{self, ClarabelSettings, DirectMethod};

/// Relative distance to the reference objective a correct variant keeps.
pub const CORRECT_REL: f64 = 1e-6;

/// One configuration of Clarabel.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub name: &'static str,
    pub settings: ClarabelSettings,
}

/// The default and each one-choice change of it (see the module docs).
pub fn variants() -> Vec<Variant> {
    let d = ClarabelSettings::default();
    let with = |f: &dyn Fn(&mut ClarabelSettings)| {
        let mut s = d.clone();
        f(&mut s);
        s
    };
    vec![
        Variant {
            name: "default",
            settings: d.clone(),
        },
        Variant {
            name: "qdldl",
            settings: with(&|s| s.direct_method = DirectMethod::Qdldl),
        },
        Variant {
            name: "conic",
            settings: with(&|s| s.lowering = Lowering::Conic),
        },
        Variant {
            name: "conic-qdldl",
            settings: with(&|s| {
                s.lowering = Lowering::Conic;
                s.direct_method = DirectMethod::Qdldl;
            }),
        },
        Variant {
            name: "no-equilibration",
            settings: with(&|s| s.equilibrate = false),
        },
        Variant {
            name: "static-reg-1e-7",
            settings: with(&|s| s.static_regularization = 1e-7),
        },
        Variant {
            name: "no-static-reg",
            settings: with(&|s| s.static_regularization = 0.0),
        },
    ]
}

/// A problem of `objectives.json` with its agreed optimum.
#[derive(Clone, Debug, PartialEq)]
pub struct ReferenceProblem {
    /// `DATA-MODEL-lamλ` (data file stem).
    pub name: String,
    pub data: String,
    pub model: Model,
    pub lambda: f64,
    pub spec: ProblemSpec,
    pub objective: f64,
}

#[derive(Deserialize)]
struct RefEntry {
    data: String,
    gates: String,
    model: Model,
    lambda: f64,
    objective: f64,
}

#[derive(Deserialize)]
struct RefFile {
    problems: Vec<RefEntry>,
}

/// The problems of `DIR/objectives.json` (data and gate files in `DIR`; the data
/// are standardized already: no scaling, no bias, every gate of the file).
pub fn reference_problems(dir: &Path) -> Result<Vec<ReferenceProblem>, HarnessError> {
    let path = dir.join("objectives.json");
    let text = std::fs::read_to_string(&path).map_err(|source| HarnessError::Read {
        path: path.clone(),
        source,
    })?;
    let file: RefFile = serde_json::from_str(&text).map_err(|e| HarnessError::Corrupt {
        path: path.clone(),
        message: format!("line {}: {e}", e.line()),
    })?;
    Ok(file
        .problems
        .into_iter()
        .map(|e| {
            let stem = Path::new(&e.data)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| e.data.clone());
            ReferenceProblem {
                name: format!("{stem}-{}-lam{:e}", e.model.name(), e.lambda),
                spec: ProblemSpec {
                    data: dir.join(&e.data).display().to_string(),
                    test: None,
                    split: None,
                    split_seed: 0,
                    model: e.model,
                    lambda: e.lambda,
                    reg: Regularizer::NeuronGl1,
                    patterns: None,
                    seed: 0,
                    gates: Some(dir.join(&e.gates).display().to_string()),
                    bias: false,
                    scale: Scaling::None,
                    target: None,
                },
                data: e.data,
                model: e.model,
                lambda: e.lambda,
                objective: e.objective,
            }
        })
        .collect())
}

/// Seconds of CPU time this process has used (all threads).
#[cfg(unix)]
pub fn process_cpu_s() -> Option<f64> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the pointer given.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    (r == 0).then_some(t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9)
}

#[cfg(not(unix))]
pub fn process_cpu_s() -> Option<f64> {
    None
}

/// Times of one (problem, variant): medians over the repeats.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantTimes {
    pub repeats: usize,
    /// Compile + Clarabel set-up, wall seconds.
    pub setup_s: f64,
    /// Clarabel's iterations, wall seconds.
    pub solve_s: f64,
    /// Process CPU seconds of setup + solve (`None` where unknown).
    pub cpu_s: Option<f64>,
}

/// One (problem, variant) solve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantRun {
    pub problem: String,
    pub variant: String,
    pub status: Status,
    pub iterations: usize,
    /// Certified objective (recomputed from the weights).
    pub objective: f64,
    /// `|objective − reference| / reference`.
    pub rel_to_reference: f64,
    pub max_cone_violation: f64,
    /// Rows, columns and nonzeros of the compiled program.
    pub rows: usize,
    pub cols: usize,
    pub nnz: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<VariantTimes>,
}

impl VariantRun {
    /// Solved, at the reference optimum, inside the cones (module docs).
    pub fn correct(&self) -> bool {
        self.status == Status::Solved
            && self.rel_to_reference <= CORRECT_REL
            && self.max_cone_violation <= 1e-6
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Solve `problem` with every variant; with `repeats > 0` also time it
/// (`repeats` solves each, medians).
pub fn run_problem(
    problem: &ReferenceProblem,
    variants: &[Variant],
    repeats: usize,
) -> Result<Vec<VariantRun>, HarnessError> {
    let built = Problem::build(&problem.spec)?;
    let mut out = Vec::new();
    for v in variants {
        let sol = clarabel::solve(&built, &v.settings)
            .map_err(|e| HarnessError::Usage(format!("{} / {}: {e}", problem.name, v.name)))?;
        let cert = certify(&built, &sol.weights);
        let size = match &sol.details {
            crate::solvers::SolverDetails::Clarabel(c) => c.socp,
            other => unreachable!("clarabel returns its own details, not {other:?}"),
        };
        let times = (repeats > 0).then(|| {
            let (mut setup, mut solve, mut cpu) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..repeats {
                let c0 = process_cpu_s();
                if let Ok(s) = clarabel::solve(&built, &v.settings) {
                    setup.push(s.setup_s);
                    solve.push(s.solve_s);
                    if let (Some(a), Some(b)) = (c0, process_cpu_s()) {
                        cpu.push(b - a);
                    }
                }
            }
            VariantTimes {
                repeats: setup.len(),
                setup_s: median(&mut setup),
                solve_s: median(&mut solve),
                cpu_s: (cpu.len() == setup.len() && !cpu.is_empty()).then(|| median(&mut cpu)),
            }
        });
        out.push(VariantRun {
            problem: problem.name.clone(),
            variant: v.name.to_string(),
            status: sol.status,
            iterations: sol.iterations,
            objective: cert.objective,
            rel_to_reference: (cert.objective - problem.objective).abs()
                / problem.objective.abs().max(f64::MIN_POSITIVE),
            max_cone_violation: cert.max_cone_violation,
            rows: size.rows,
            cols: size.cols,
            nnz: size.nnz_a,
            times,
        });
    }
    Ok(out)
}

/// One problem of the CVXPY + Clarabel run (`scripts/cvxpy_clarabel.py`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvxpyRun {
    pub data: String,
    pub model: Model,
    pub lambda: f64,
    pub status: String,
    pub iterations: Option<usize>,
    pub objective: Option<f64>,
    /// CVXPY's canonicalisation (`compilation_time`), seconds; timed runs only.
    #[serde(default)]
    pub compile_s: Option<f64>,
    /// Clarabel's solve time reported through CVXPY, seconds; timed runs only.
    #[serde(default)]
    pub solve_s: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvxpyFile {
    pub versions: BTreeMap<String, String>,
    pub problems: Vec<CvxpyRun>,
}

/// Read the JSON file `scripts/cvxpy_clarabel.py` writes.
pub fn read_cvxpy(path: &Path) -> Result<CvxpyFile, HarnessError> {
    let text = std::fs::read_to_string(path).map_err(|source| HarnessError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| HarnessError::Corrupt {
        path: path.to_path_buf(),
        message: format!("line {}: {e}", e.line()),
    })
}

fn cvxpy_of<'a>(p: &ReferenceProblem, cvxpy: Option<&'a CvxpyFile>) -> Option<&'a CvxpyRun> {
    cvxpy?
        .problems
        .iter()
        .find(|c| c.data == p.data && c.model == p.model && c.lambda == p.lambda)
}

fn names(runs: &[VariantRun]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in runs {
        if !v.contains(&r.variant) {
            v.push(r.variant.clone());
        }
    }
    v
}

/// The load-independent table: per problem and variant the iteration count
/// (`*` marks a run that is not correct), the largest relative distance to the
/// reference over the variants, and the CVXPY + Clarabel iterations and distance
/// when given.
pub fn iterations_table(
    problems: &[ReferenceProblem],
    runs: &[VariantRun],
    cvxpy: Option<&CvxpyFile>,
) -> String {
    let vs = names(runs);
    let mut s = String::from(
        "Clarabel iterations per variant (`*`: not solved, or farther than 1e-6 from the reference objective, or outside the cones).\n\n| problem | rows | ",
    );
    s += &vs.join(" | ");
    s += " | worst rel. to reference |";
    if cvxpy.is_some() {
        s += " CVXPY + Clarabel | its rel. to reference |";
    }
    s += "\n|---|---:|";
    s += &"---:|".repeat(vs.len() + 1);
    if cvxpy.is_some() {
        s += "---:|---:|";
    }
    s.push('\n');
    for p in problems {
        let of: Vec<&VariantRun> = runs.iter().filter(|r| r.problem == p.name).collect();
        if of.is_empty() {
            continue;
        }
        s += &format!("| {} | {} |", p.name, of[0].rows);
        for v in &vs {
            match of.iter().find(|r| &r.variant == v) {
                Some(r) => {
                    s += &format!(" {}{} |", r.iterations, if r.correct() { "" } else { "*" })
                }
                None => s += " – |",
            }
        }
        let worst = of.iter().map(|r| r.rel_to_reference).fold(0.0, f64::max);
        s += &format!(" {worst:.1e} |");
        if cvxpy.is_some() {
            match cvxpy_of(p, cvxpy) {
                Some(c) => {
                    let rel = c
                        .objective
                        .map(|o| format!("{:.1e}", (o - p.objective).abs() / p.objective))
                        .unwrap_or_else(|| "–".into());
                    let it = c
                        .iterations
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| "–".into());
                    s += &format!(" {it} ({}) | {rel} |", c.status);
                }
                None => s += " – | – |",
            }
        }
        s.push('\n');
    }
    let total = |v: &str| -> usize {
        runs.iter()
            .filter(|r| r.variant == v)
            .map(|r| r.iterations)
            .sum()
    };
    s += "| **total** | |";
    for v in &vs {
        s += &format!(" {} |", total(v));
    }
    s += " |";
    if cvxpy.is_some() {
        let t: usize = problems
            .iter()
            .filter_map(|p| cvxpy_of(p, cvxpy)?.iterations)
            .sum();
        s += &format!(" {t} | |");
    }
    s.push('\n');
    s
}

/// The timing table (timed runs only): per problem the default's setup + solve
/// wall time, each variant's time as a ratio to the default's (below 1 is
/// faster), and CVXPY + Clarabel's compile + solve time as a ratio to the
/// default's; a last row with the geometric means of the ratios. `None` when the
/// runs were not timed.
pub fn times_table(
    problems: &[ReferenceProblem],
    runs: &[VariantRun],
    cvxpy: Option<&CvxpyFile>,
) -> Option<String> {
    let total = |r: &VariantRun| r.times.map(|t| t.setup_s + t.solve_s);
    let vs = names(runs);
    let base = |p: &str| {
        runs.iter()
            .find(|r| r.problem == p && r.variant == "default")
            .and_then(total)
    };
    if runs.iter().all(|r| r.times.is_none()) {
        return None;
    }
    let mut s = String::from(
        "Wall time of setup + solve (median of the repeats): the default's in seconds, every other column as a ratio to it (< 1 faster). Process CPU seconds of the default in parentheses.\n\n| problem | default s (CPU s) |",
    );
    let others: Vec<&String> = vs.iter().filter(|v| *v != "default").collect();
    for v in &others {
        s += &format!(" {v} |");
    }
    if cvxpy.is_some() {
        s += " CVXPY + Clarabel |";
    }
    s += "\n|---|---:|";
    s += &"---:|".repeat(others.len() + usize::from(cvxpy.is_some()));
    s.push('\n');
    let mut logs: Vec<Vec<f64>> = vec![Vec::new(); others.len() + 1];
    for p in problems {
        let Some(b) = base(&p.name) else { continue };
        let cpu = runs
            .iter()
            .find(|r| r.problem == p.name && r.variant == "default")
            .and_then(|r| r.times?.cpu_s);
        s += &format!(
            "| {} | {b:.3} ({}) |",
            p.name,
            cpu.map(|c| format!("{c:.3}")).unwrap_or_else(|| "–".into())
        );
        for (k, v) in others.iter().enumerate() {
            match runs
                .iter()
                .find(|r| r.problem == p.name && &&r.variant == v)
                .and_then(total)
            {
                Some(t) => {
                    logs[k].push((t / b).ln());
                    s += &format!(" {:.2} |", t / b);
                }
                None => s += " – |",
            }
        }
        if cvxpy.is_some() {
            match cvxpy_of(p, cvxpy).and_then(|c| Some(c.compile_s? + c.solve_s?)) {
                Some(t) => {
                    logs[others.len()].push((t / b).ln());
                    s += &format!(" {:.2} |", t / b);
                }
                None => s += " – |",
            }
        }
        s.push('\n');
    }
    s += "| **geometric mean** | |";
    for l in logs
        .iter()
        .take(others.len() + usize::from(cvxpy.is_some()))
    {
        if l.is_empty() {
            s += " – |";
        } else {
            s += &format!(" {:.2} |", (l.iter().sum::<f64>() / l.len() as f64).exp());
        }
    }
    s.push('\n');
    Some(s)
}
