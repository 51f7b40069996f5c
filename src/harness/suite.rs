//! Suite files (SPEC §4): a TOML description of a benchmark — datasets, models,
//! λ values, gate seeds, solvers with their settings, the per-run time limit and the
//! τ list — read with `deny_unknown_fields`, and validated value by value, so every
//! mistake is reported as `FILE: line L: message`.
//!
//! ```toml
//! name = "default"
//! time-limit = 60.0                 # seconds, per (problem, solver) run
//! taus = [1e-1, 1e-3, 1e-6]         # accuracy levels in (0, 1) of the report (default these)
//! lambdas = [1e-4, 1e-3, 1e-2]
//! seeds = [0]                       # gate seeds (default [0])
//! patterns = [16]                   # P of every [[model]] that gives none
//! max-memory = "8G"                 # skip Clarabel runs whose SOCP would not fit
//! time-basis = "cpu"                # cpu (default) | wall: clock of limits, traces, time to τ
//!
//! [[dataset]]
//! name = "breast_cancer"            # [A-Za-z0-9_.-]+, part of the run ids
//! data = "data/breast_cancer.csv"   # relative to this file, or synth:...
//! split = 0.2                       # or test = "FILE.csv"
//! scale = "unit-norm"               # default standardize
//! bias = true                       # default false
//! target = "label"                  # target column(s) of CSV data; default y / y0..
//!
//! [[model]]
//! kind = "gated-relu"
//! patterns = 50                     # default: one model per value of the top-level list
//! reg = "neuron-gl1"                # default; relu supports only this one
//!
//! [[solver]]
//! kind = "fista"                    # clarabel | fista | al | sgd | adam
//! name = "fista"                    # default: the kind; part of the run ids
//! tol = 1e-6                        # optional; each solver's own default otherwise
//! max-iters = 10000                 # sgd/adam: epochs per step size (default 2000)
//! batch-size = 64                   # sgd/adam only (default ⌈n/10⌉)
//! step-sizes = [1.0, 0.1]           # sgd/adam only (default 10, 5, 1, 0.5, 0.1, 0.01, 0.001)
//! repeats = 3                       # sgd/adam only: repetitions of the grid, seeds seed + r
//! width = "active"                  # sgd/adam only: relu width "2P" (default) or "active"
//! time-limit = 30.0                 # optional override of the suite's
//! model = "relu"                    # optional: run only on this model's problems
//!
//! [[solver]]                        # an external solver, run through files
//! kind = "external"
//! name = "scs"
//! command = "python3 scripts/run_scs.py {instance} {solution} --time-limit {time_limit}"
//! format = "cbf"                    # the instance format (default; the only one so far)
//!
//! [[solver]]
//! kind = "fista"                    # fista | clarabel: a solver of the gated-relu model
//! decompose = "exact"               # exact | approx | lp: see below
//! name = "fista-exact"              # default: KIND-METHOD
//!
//! [report]
//! studies = ["table1"]              # equivalence | table1 | path: extra report sections
//! ```
//!
//! **Decomposition entries.** A solver entry with `decompose = METHOD` runs on the
//! suite's *relu* problems: it solves the C-GReLU problem of the same data, λ, gates
//! and seed with its solver (`tol`, `max-iters`, `time-limit` apply to that solve),
//! turns the solution into a feasible C-ReLU point by the cone decomposition
//! [`crate::decompose`] (default settings of the method), and is recorded as a run of
//! the relu problem: objective, penalty and cone violation are the C-ReLU ones of the
//! decomposed point, time is the gated solve plus the decomposition (see
//! [`super::decomposed`]).
//!
//! **Time basis.** `time-basis` (default `"cpu"`) is the clock of every entry's
//! time limit, of the records' traces and of times to τ: `"cpu"` counts the
//! solve's CPU time ([`crate::solvers::clock`]), so a single-threaded run stops at
//! the same point however loaded the machine; `"wall"` counts elapsed time.
//!
//! **Baselines.** `sgd`/`adam` entries follow the published protocol
//! ([`crate::solvers::baselines`]); `width = "active"` sizes the relu networks
//! from the same problem's convex records ([`super::width`]), `repeats` repeats
//! the step-size grid with other seeds.
//!
//! **External entries.** `kind = "external"` with a `command` runs a program
//! outside the process on each problem: the harness writes the problem's
//! conic lowering as an instance file, runs the command (placeholders
//! `{instance}`, `{solution}`, `{time_limit}`, `{tol}`, `{max_iters}`, `{threads}`,
//! see [`super::external::command`]) in the current directory, under the time
//! limit, and certifies the point of the solution file it writes
//! ([`crate::export::solution`]); see [`super::external`].
//!
//! Top-level keys must come before the first `[[...]]` table (TOML scoping).
//! Expansion into runs is in [`super::expand`](mod@super::expand).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::SolverDef;
use super::study::Study;
use crate::decompose::Method;
use crate::export::Format;
use crate::model::{Model, Regularizer, Scaling};
use crate::results::ExternalDef;
use crate::results::run::Width;
use crate::solvers::{SolverKind, TimeBasis};

/// The τ levels used when a suite does not list its own.
pub const DEFAULT_TAUS: [f64; 3] = [1e-1, 1e-3, 1e-6];

/// An error in a suite file: the file, the 1-based line when known, and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    At {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SuiteFile {
    name: Option<Spanned<String>>,
    #[allow(dead_code)]
    description: Option<String>,
    time_limit: Spanned<f64>,
    taus: Option<Spanned<Vec<f64>>>,
    lambdas: Spanned<Vec<f64>>,
    seeds: Option<Spanned<Vec<u64>>>,
    patterns: Option<Spanned<Vec<usize>>>,
    max_memory: Option<Spanned<String>>,
    time_basis: Option<TimeBasis>,
    #[serde(default)]
    dataset: Vec<Spanned<DatasetEntry>>,
    #[serde(default)]
    model: Vec<Spanned<ModelEntry>>,
    #[serde(default)]
    solver: Vec<Spanned<SolverEntry>>,
    report: Option<ReportEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ReportEntry {
    studies: Spanned<Vec<Study>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DatasetEntry {
    name: Spanned<String>,
    data: Spanned<String>,
    test: Option<Spanned<String>>,
    split: Option<Spanned<f64>>,
    split_seed: Option<u64>,
    scale: Option<Scaling>,
    bias: Option<bool>,
    target: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ModelEntry {
    kind: Model,
    patterns: Option<Spanned<usize>>,
    reg: Option<Spanned<Regularizer>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SolverEntry {
    kind: Spanned<SolverKind>,
    decompose: Option<Spanned<Method>>,
    model: Option<Spanned<Model>>,
    name: Option<Spanned<String>>,
    tol: Option<Spanned<f64>>,
    max_iters: Option<Spanned<u32>>,
    batch_size: Option<Spanned<usize>>,
    step_sizes: Option<Spanned<Vec<f64>>>,
    time_limit: Option<Spanned<f64>>,
    threads: Option<Spanned<usize>>,
    repeats: Option<Spanned<u32>>,
    width: Option<Spanned<Width>>,
    command: Option<Spanned<String>>,
    format: Option<Spanned<Format>>,
}

/// A dataset of the suite, paths resolved relative to the suite file.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetDef {
    pub name: String,
    /// `data` and `test` as written in the suite (for fingerprints that do not
    /// depend on the working directory).
    pub written: (String, Option<String>),
    pub data: String,
    pub test: Option<String>,
    pub split: Option<f64>,
    pub split_seed: u64,
    pub scale: Scaling,
    pub bias: bool,
    /// Target column(s) of the CSV files (`None`: `y` / `y0..`).
    pub target: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelDef {
    pub kind: Model,
    pub patterns: usize,
    pub reg: Regularizer,
}

/// A validated suite.
#[derive(Clone, Debug, PartialEq)]
pub struct Suite {
    pub path: PathBuf,
    pub name: String,
    pub time_limit: f64,
    /// The clock of limits, traces, times to τ and profiles (default cpu).
    pub time_basis: TimeBasis,
    pub taus: Vec<f64>,
    pub lambdas: Vec<f64>,
    pub seeds: Vec<u64>,
    pub max_memory: u64,
    pub datasets: Vec<DatasetDef>,
    pub models: Vec<ModelDef>,
    pub solvers: Vec<SolverDef>,
    /// Study sections of the report (`[report] studies`).
    pub studies: Vec<Study>,
}

/// `[A-Za-z0-9_.-]+`: names become parts of file names.
fn is_safe_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'))
}

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text[..end].bytes().filter(|b| *b == b'\n').count() + 1
    }
    fn at<T>(&self, v: &Spanned<T>, message: impl Into<String>) -> SuiteError {
        SuiteError::At {
            path: self.path.to_path_buf(),
            line: self.line(v.span().start),
            message: message.into(),
        }
    }
    fn file(&self, message: impl Into<String>) -> SuiteError {
        SuiteError::File {
            path: self.path.to_path_buf(),
            message: message.into(),
        }
    }
}

fn resolve(base: &Path, p: &str) -> String {
    if p.starts_with("synth:") || Path::new(p).is_absolute() {
        return p.to_string();
    }
    base.join(p).display().to_string()
}

impl Suite {
    /// The threads a run of this suite uses at most: the largest `threads` of its
    /// solver entries (1 by default). A Slurm task's CPUs and the machine
    /// record's `threads_used`.
    pub fn threads(&self) -> usize {
        self.solvers
            .iter()
            .map(|s| s.threads.unwrap_or(1))
            .max()
            .unwrap_or(1)
    }

    /// Read and validate a suite file.
    pub fn load(path: &Path) -> Result<Suite, SuiteError> {
        let text = std::fs::read_to_string(path).map_err(|source| SuiteError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Suite::parse(path, &text)
    }

    /// Validate suite `text` (named `path`, relative data paths resolved against its
    /// directory).
    pub fn parse(path: &Path, text: &str) -> Result<Suite, SuiteError> {
        let cx = Ctx { path, text };
        let file: SuiteFile = toml::from_str(text).map_err(|e| {
            let message = e.message().replace('\n', " ");
            match e.span() {
                Some(s) => SuiteError::At {
                    path: path.to_path_buf(),
                    line: cx.line(s.start),
                    message,
                },
                None => cx.file(message),
            }
        })?;
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();

        let name = match &file.name {
            Some(n) if !is_safe_name(n.get_ref()) => {
                return Err(cx.at(n, "name: use letters, digits, '_', '-', '.' only"));
            }
            Some(n) => n.get_ref().clone(),
            None => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "suite".into()),
        };
        let positive = |v: &Spanned<f64>, what: &str| -> Result<f64, SuiteError> {
            let x = *v.get_ref();
            if x.is_finite() && x > 0.0 {
                Ok(x)
            } else {
                Err(cx.at(v, format!("{what} must be a finite number > 0, got {x}")))
            }
        };
        let time_limit = positive(&file.time_limit, "time-limit")?;
        let time_basis = file.time_basis.unwrap_or(TimeBasis::Cpu);
        let taus = match &file.taus {
            None => DEFAULT_TAUS.to_vec(),
            Some(t) => {
                if t.get_ref().is_empty() {
                    return Err(cx.at(t, "taus: give at least one accuracy level"));
                }
                for &x in t.get_ref() {
                    if !(x > 0.0 && x < 1.0) {
                        return Err(
                            cx.at(t, format!("taus: {x} is not an accuracy level in (0, 1)"))
                        );
                    }
                }
                t.get_ref().clone()
            }
        };
        let lambdas = file.lambdas.get_ref().clone();
        if lambdas.is_empty() {
            return Err(cx.at(&file.lambdas, "lambdas: give at least one value"));
        }
        for (j, &l) in lambdas.iter().enumerate() {
            if !(l.is_finite() && l >= 0.0) {
                return Err(cx.at(&file.lambdas, format!("lambdas: {l} is not >= 0")));
            }
            if lambdas[..j].contains(&l) {
                return Err(cx.at(&file.lambdas, format!("lambdas: {l} is listed twice")));
            }
        }
        let seeds = match &file.seeds {
            None => vec![0],
            Some(s) => {
                let v = s.get_ref().clone();
                if v.is_empty() {
                    return Err(cx.at(s, "seeds: give at least one gate seed"));
                }
                for (j, x) in v.iter().enumerate() {
                    if v[..j].contains(x) {
                        return Err(cx.at(s, format!("seeds: {x} is listed twice")));
                    }
                }
                v
            }
        };
        let max_memory = match &file.max_memory {
            None => crate::compile::DEFAULT_MAX_MEMORY,
            Some(m) => crate::compile::memory::parse_bytes(m.get_ref())
                .map_err(|e| cx.at(m, format!("max-memory: {e}")))?,
        };

        if file.dataset.is_empty() {
            return Err(cx.file("no [[dataset]] tables: a suite needs at least one dataset"));
        }
        let mut datasets = Vec::new();
        for entry in &file.dataset {
            let e = entry.get_ref();
            let name = e.name.get_ref();
            if !is_safe_name(name) {
                return Err(cx.at(
                    &e.name,
                    format!("dataset name '{name}': use letters, digits, '_', '-', '.' only"),
                ));
            }
            if datasets.iter().any(|d: &DatasetDef| &d.name == name) {
                return Err(cx.at(&e.name, format!("dataset name '{name}' is used twice")));
            }
            let check_file = |v: &Spanned<String>, key: &str| -> Result<String, SuiteError> {
                let s = v.get_ref();
                if let Some(args) = s.strip_prefix("synth:") {
                    crate::model::synth::parse(args)
                        .map_err(|m| cx.at(v, format!("{key}: {s}: {m}")))?;
                    return Ok(s.clone());
                }
                let p = resolve(&base, s);
                if !Path::new(&p).is_file() {
                    return Err(cx.at(v, format!("{key}: no such file: {p}")));
                }
                Ok(p)
            };
            let data = check_file(&e.data, "data")?;
            let test = e.test.as_ref().map(|t| check_file(t, "test")).transpose()?;
            let split = match &e.split {
                None => None,
                Some(s) => {
                    let f = *s.get_ref();
                    if test.is_some() {
                        return Err(cx.at(s, "split: give either test or split, not both"));
                    }
                    if !(f > 0.0 && f < 1.0) {
                        return Err(cx.at(s, format!("split must be in (0, 1), got {f}")));
                    }
                    Some(f)
                }
            };
            datasets.push(DatasetDef {
                name: name.clone(),
                written: (
                    e.data.get_ref().clone(),
                    e.test.as_ref().map(|t| t.get_ref().clone()),
                ),
                data,
                test,
                split,
                split_seed: e.split_seed.unwrap_or(0),
                scale: e.scale.unwrap_or_default(),
                bias: e.bias.unwrap_or(false),
                target: match &e.target {
                    None => None,
                    Some(t) if e.data.get_ref().starts_with("synth:") => {
                        return Err(cx.at(
                            t,
                            "target: generated data has its own targets; target applies to CSV files",
                        ));
                    }
                    Some(t) if t.get_ref().trim().is_empty() => {
                        return Err(cx.at(t, "target: give a column name"));
                    }
                    Some(t) => Some(t.get_ref().clone()),
                },
            });
        }

        if file.model.is_empty() {
            return Err(cx.file("no [[model]] tables: a suite needs at least one model"));
        }
        let default_patterns = match &file.patterns {
            None => None,
            Some(p) => {
                let v = p.get_ref().clone();
                if v.is_empty() || v.contains(&0) {
                    return Err(cx.at(p, "patterns: give one or more values >= 1"));
                }
                for (j, x) in v.iter().enumerate() {
                    if v[..j].contains(x) {
                        return Err(cx.at(p, format!("patterns: {x} is listed twice")));
                    }
                }
                Some(v)
            }
        };
        let mut models: Vec<ModelDef> = Vec::new();
        for entry in &file.model {
            let e = entry.get_ref();
            let ps = match (&e.patterns, &default_patterns) {
                (Some(p), _) if *p.get_ref() == 0 => {
                    return Err(cx.at(p, "patterns must be >= 1"));
                }
                (Some(p), _) => vec![*p.get_ref()],
                (None, Some(v)) => v.clone(),
                (None, None) => {
                    return Err(cx.at(
                        entry,
                        "patterns: give it here or as a top-level list (patterns = [16])",
                    ));
                }
            };
            let reg = e.reg.as_ref().map(|r| *r.get_ref()).unwrap_or_default();
            if e.kind == Model::Relu && reg != Regularizer::NeuronGl1 {
                let r = e.reg.as_ref().expect("non-default reg was given");
                return Err(cx.at(r, "reg: the relu model supports only neuron-gl1"));
            }
            for patterns in ps {
                if models
                    .iter()
                    .any(|m| m.kind == e.kind && m.patterns == patterns && m.reg == reg)
                {
                    return Err(cx.at(entry, "this model is listed twice"));
                }
                models.push(ModelDef {
                    kind: e.kind,
                    patterns,
                    reg,
                });
            }
        }

        if file.solver.is_empty() {
            return Err(cx.file("no [[solver]] tables: a suite needs at least one solver"));
        }
        let mut solvers: Vec<SolverDef> = Vec::new();
        for entry in &file.solver {
            let e = entry.get_ref();
            let kind = *e.kind.get_ref();
            let decompose = match &e.decompose {
                None => None,
                Some(m) => {
                    let ok = match kind {
                        SolverKind::Fista | SolverKind::Clarabel => true,
                        SolverKind::Al
                        | SolverKind::Sgd
                        | SolverKind::Adam
                        | SolverKind::External => false,
                    };
                    if !ok {
                        return Err(cx.at(
                            m,
                            format!(
                                "decompose: needs a convex solver of the gated-relu model (fista or clarabel), not {}",
                                kind.name()
                            ),
                        ));
                    }
                    if !models.iter().any(|md| md.kind == Model::Relu) {
                        return Err(cx.at(
                            m,
                            "decompose: its runs are on the relu problems, and the suite has no relu [[model]]",
                        ));
                    }
                    Some(*m.get_ref())
                }
            };
            let name = match (&e.name, decompose) {
                (Some(n), _) if !is_safe_name(n.get_ref()) => {
                    return Err(cx.at(n, "solver name: use letters, digits, '_', '-', '.' only"));
                }
                (Some(n), _) => n.get_ref().clone(),
                (None, None) => kind.name().to_string(),
                (None, Some(m)) => format!("{}-{}", kind.name(), m.name()),
            };
            if solvers.iter().any(|s| s.name == name) {
                return Err(cx.at(
                    entry,
                    format!("solver name '{name}' is used twice (give each a distinct name)"),
                ));
            }
            if decompose.is_none() && !models.iter().any(|m| kind.solves(m.kind)) {
                return Err(cx.at(
                    &e.kind,
                    format!("{} solves none of the suite's models", kind.name()),
                ));
            }
            let model = match &e.model {
                None => None,
                Some(m) => {
                    let want = *m.get_ref();
                    let applies = match decompose {
                        Some(_) => want == Model::Relu,
                        None => kind.solves(want),
                    };
                    if !applies {
                        return Err(cx.at(
                            m,
                            format!(
                                "model: this entry does not run on {} problems{}",
                                want.name(),
                                if decompose.is_some() {
                                    " (a decomposition entry runs on relu problems)"
                                } else {
                                    ""
                                }
                            ),
                        ));
                    }
                    if !models.iter().any(|md| md.kind == want) {
                        return Err(cx.at(
                            m,
                            format!("model: the suite has no {} [[model]]", want.name()),
                        ));
                    }
                    Some(want)
                }
            };
            let tol = match &e.tol {
                None => None,
                Some(t) => {
                    let x = *t.get_ref();
                    if !(x.is_finite() && x > 0.0 && x < 1.0) {
                        return Err(cx.at(t, format!("tol must be in (0, 1), got {x}")));
                    }
                    Some(x)
                }
            };
            let max_iters = match &e.max_iters {
                None => None,
                Some(m) if *m.get_ref() == 0 => return Err(cx.at(m, "max-iters must be >= 1")),
                Some(m) => Some(*m.get_ref()),
            };
            let baseline = kind.is_baseline();
            let batch_size = match &e.batch_size {
                None => None,
                Some(b) if !baseline => {
                    return Err(cx.at(b, "batch-size applies only to sgd and adam"));
                }
                Some(b) if *b.get_ref() == 0 => return Err(cx.at(b, "batch-size must be >= 1")),
                Some(b) => Some(*b.get_ref()),
            };
            let step_sizes = match &e.step_sizes {
                None => None,
                Some(s) if !baseline => {
                    return Err(cx.at(s, "step-sizes applies only to sgd and adam"));
                }
                Some(s) => {
                    let v = s.get_ref().clone();
                    if v.is_empty() || v.iter().any(|x| !(x.is_finite() && *x > 0.0)) {
                        return Err(cx.at(s, "step-sizes: give numbers > 0"));
                    }
                    Some(v)
                }
            };
            let time_limit = match &e.time_limit {
                None => time_limit,
                Some(t) => positive(t, "time-limit")?,
            };
            let threads = match &e.threads {
                None => None,
                Some(t) if *t.get_ref() == 0 => return Err(cx.at(t, "threads must be >= 1")),
                Some(t) => Some(*t.get_ref()),
            };
            let repeats = match &e.repeats {
                None => None,
                Some(r) if !baseline => {
                    return Err(cx.at(r, "repeats applies only to sgd and adam"));
                }
                Some(r) if *r.get_ref() == 0 => return Err(cx.at(r, "repeats must be >= 1")),
                Some(r) => Some(*r.get_ref()),
            };
            let width = match &e.width {
                None => None,
                Some(w) if !baseline => {
                    return Err(cx.at(w, "width applies only to sgd and adam"));
                }
                Some(w) => Some(*w.get_ref()),
            };
            let external = external_entry(&cx, e, kind)?;
            solvers.push(SolverDef {
                external,
                kind,
                decompose,
                model,
                name,
                tol,
                max_iters,
                batch_size,
                step_sizes,
                time_limit,
                threads,
                time_basis,
                repeats,
                width,
            });
        }

        let studies = match &file.report {
            None => Vec::new(),
            Some(r) => {
                let v = r.studies.get_ref().clone();
                for (j, st) in v.iter().enumerate() {
                    if v[..j].contains(st) {
                        return Err(cx.at(
                            &r.studies,
                            format!("studies: {} is listed twice", st.name()),
                        ));
                    }
                    st.check(&models, &lambdas)
                        .map_err(|m| cx.at(&r.studies, format!("studies: {}: {m}", st.name())))?;
                }
                v
            }
        };

        Ok(Suite {
            path: path.to_path_buf(),
            name,
            time_limit,
            time_basis,
            taus,
            lambdas,
            seeds,
            max_memory,
            datasets,
            models,
            solvers,
            studies,
        })
    }
}

/// The external part of a solver entry: `command` and `format` are given exactly
/// when `kind = "external"`, the format is `cbf` (the default), and the command's
/// placeholders are valid for the entry.
fn external_entry(
    cx: &Ctx<'_>,
    e: &SolverEntry,
    kind: SolverKind,
) -> Result<Option<ExternalDef>, SuiteError> {
    let is_external = match kind {
        SolverKind::External => true,
        SolverKind::Clarabel
        | SolverKind::Fista
        | SolverKind::Al
        | SolverKind::Sgd
        | SolverKind::Adam => false,
    };
    if !is_external {
        if let Some(c) = &e.command {
            return Err(cx.at(c, "command applies only to kind = \"external\""));
        }
        if let Some(f) = &e.format {
            return Err(cx.at(f, "format applies only to kind = \"external\""));
        }
        return Ok(None);
    }
    let Some(command) = &e.command else {
        return Err(cx.at(
            &e.kind,
            "kind = \"external\" needs command = \"... {instance} ... {solution} ...\"",
        ));
    };
    super::external::command::check(command.get_ref(), e.tol.is_some(), e.max_iters.is_some())
        .map_err(|m| cx.at(command, format!("command: {m}")))?;
    let format = match &e.format {
        None => Format::Cbf,
        Some(f) => match *f.get_ref() {
            Format::Cbf => Format::Cbf,
            other @ (Format::Mof | Format::ClarabelJson | Format::Mps) => {
                return Err(cx.at(
                    f,
                    format!(
                        "format: external solvers read cbf instances (not {} yet)",
                        other.name()
                    ),
                ));
            }
        },
    };
    Ok(Some(ExternalDef {
        command: command.get_ref().clone(),
        format,
    }))
}
