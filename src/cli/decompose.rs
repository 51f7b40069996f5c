//! `cvxrelu decompose`: turn a saved C-GReLU solution into a C-ReLU point with the
//! same predictions by a cone decomposition ([`crate::decompose`]), certify it, and
//! report the cone violation, the prediction change, the penalty inflation, the
//! C-ReLU objective and the time.
//!
//! `--from` is the weights file written by `solve --weights FILE`, or a result record
//! whose `weights_file` names one (resolved relative to the record's directory).

use std::path::{Path, PathBuf};

use super::error::CliError;
use super::solve::{emit_json, summary};
use crate::decompose::{
    self, DecomposeSettings, Method, Quality, exact::ExactForm, quality::assess, relu_problem,
};
use crate::fsio::check_writable;
use crate::model::Weights;
use crate::results::SolverName;
use crate::results::decomposition::Source;
use crate::results::record::Record;
use crate::results::solution::SolutionFile;

#[derive(clap::Args, Debug, Clone)]
pub struct DecomposeArgs {
    /// A weights file from `solve --weights`, or a result record naming one.
    #[arg(long, value_name = "RESULT.json")]
    pub from: PathBuf,
    /// Decomposition: exact (minimum-norm SOCP, Clarabel), lp (per-block LPs,
    /// minimum ℓ1 norm) or approx (penalty form by R-FISTA, may leave a cone
    /// violation) [required]
    #[arg(long, value_parser = super::values::parser::<Method>())]
    pub method: Method,
    /// Write the JSON record of the decomposed C-ReLU point here ('-' for stdout).
    #[arg(long, value_name = "RESULT.json")]
    pub out: Option<PathBuf>,
    /// Save the decomposed C-ReLU weights (a weights file of model relu) here.
    #[arg(long, value_name = "FILE.json")]
    pub weights: Option<PathBuf>,
    /// exact: one SOCP per block or one for all blocks
    #[arg(long, value_parser = super::values::parser::<ExactForm>(), default_value = "per-block")]
    pub exact_form: ExactForm,
    /// Tolerance (exact: Clarabel's, default 1e-8; approx: squared min-norm
    /// subgradient relative to its value at w = 0, default 1e-16).
    #[arg(long, value_name = "T")]
    pub tol: Option<f64>,
    /// Iteration limit (exact: per SOCP, default 200; approx: default 10000).
    #[arg(long, value_name = "N")]
    pub max_iters: Option<u32>,
    /// Time limit in seconds (exact: per SOCP; approx: total; lp: per LP).
    #[arg(long, value_name = "SEC")]
    pub time_limit: Option<f64>,
}

impl DecomposeArgs {
    pub fn settings(&self) -> DecomposeSettings {
        let mut s = DecomposeSettings::default();
        s.exact.form = self.exact_form;
        if let Some(t) = self.tol {
            s.exact.clarabel.tol = t;
            s.approx.tol_rel = t;
        }
        if let Some(m) = self.max_iters {
            s.exact.clarabel.max_iters = m;
            s.approx.max_iters = m as usize;
        }
        if let Some(t) = self.time_limit {
            s.exact.clarabel.time_limit = t;
            s.approx.time_limit = t;
            s.lp.time_limit = t;
        }
        s
    }
}

/// The weights file `from` names: itself, or the `weights_file` of a result record.
pub fn resolve_weights_file(from: &Path) -> Result<PathBuf, CliError> {
    let text = std::fs::read_to_string(from).map_err(|source| CliError::Read {
        path: from.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| CliError::File {
        path: from.to_path_buf(),
        message: format!("line {}, column {}: not JSON: {e}", e.line(), e.column()),
    })?;
    let obj = value.as_object().ok_or_else(|| CliError::File {
        path: from.to_path_buf(),
        message: "not a cvxrelu weights file or result record (not a JSON object)".into(),
    })?;
    if obj.contains_key("format") {
        return Ok(from.to_path_buf());
    }
    match obj.get("weights_file") {
        Some(serde_json::Value::String(w)) => {
            let w = PathBuf::from(w);
            if w.is_absolute() {
                return Ok(w);
            }
            // Relative to the record; fall back to the working directory (where
            // `solve` was run) when the record's directory does not have it.
            let base = from.parent().unwrap_or(Path::new(""));
            let joined = base.join(&w);
            Ok(if joined.exists() || !w.exists() {
                joined
            } else {
                w
            })
        }
        Some(serde_json::Value::Null) => Err(CliError::File {
            path: from.to_path_buf(),
            message: "field weights_file: the record has no weights file (rerun solve with --weights FILE)".into(),
        }),
        Some(_) => Err(CliError::File {
            path: from.to_path_buf(),
            message: "field weights_file: expected a path string".into(),
        }),
        None => Err(CliError::File {
            path: from.to_path_buf(),
            message: "not a cvxrelu weights file (no field format) or result record (no field weights_file)".into(),
        }),
    }
}

/// One-line description of a decomposition's quality.
pub fn describe(method: Method, q: &Quality) -> String {
    let test = q
        .prediction_change_test
        .map(|t| format!(", on the test rows {t:.1e}"))
        .unwrap_or_default();
    format!(
        "  decomposition {}: inflation {:.6}, max cone violation {:.1e}, prediction change (relative, max over outputs) on the training rows {:.1e}{}, C-ReLU objective {:.10e} (C-GReLU {:.10e}), {:.3}s",
        method.name(),
        q.inflation,
        q.max_cone_violation,
        q.prediction_change,
        test,
        q.relu.objective,
        q.gated_objective,
        q.time_s
    )
}

pub fn run(args: &DecomposeArgs) -> Result<i32, CliError> {
    for p in [&args.out, &args.weights].into_iter().flatten() {
        if p.as_os_str() != "-" {
            check_writable(p)?;
        }
    }
    let settings = args.settings();
    settings
        .validate()
        .map_err(|e| CliError::usage(e.to_string()))?;
    let wpath = resolve_weights_file(&args.from)?;
    let file = SolutionFile::read(&wpath).map_err(|e| CliError::usage(e.to_string()))?;
    let u = match &file.weights {
        Weights::GatedRelu { u } => u.clone(),
        Weights::Relu { .. } => {
            return Err(CliError::File {
                path: wpath,
                message: "field weights: model relu; decompose needs a gated-relu solution".into(),
            });
        }
    };
    let gated = file
        .problem(&wpath)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let dec = decompose::decompose(&gated, &u, args.method, &settings)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let quality = assess(&gated, &u, &dec);
    let relu = relu_problem(&gated);
    let solver =
        SolverName::from(format!("{}+decompose-{}", file.solver, args.method.name()).as_str());
    let source = Source::File {
        path: wpath.display().to_string(),
        solver: file.solver.clone(),
    };
    let mut rec = Record::from_decomposition(&relu, solver.clone(), &dec, &quality, source);
    if let Some(wp) = &args.weights {
        emit_json(
            wp,
            &SolutionFile::new(&relu, &solver.to_string(), &dec.weights()),
        )?;
        rec.weights_file = Some(wp.display().to_string());
    }
    eprintln!("{}\n{}", summary(&rec), describe(args.method, &quality));
    if let Some(o) = &args.out {
        emit_json(o, &rec)?;
    }
    // 0: the decomposition did what its method does (a feasible point, or the
    // approximate method's point with its violation); 1: a sub-solve fell short.
    Ok(match rec.status {
        crate::solvers::Status::Feasible | crate::solvers::Status::Approximate => 0,
        _ => 1,
    })
}
