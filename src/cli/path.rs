//! `cvxrelu path`: solve one problem over a strictly decreasing grid of `λ`, each
//! solve warm-started from the previous solution (SPEC §3, regularization paths).
//!
//! Writes `DIR/lambda_{index}.json` (the result record of each `λ`, atomically) and
//! `DIR/path.csv` with columns `lambda,objective,active_neurons,train_metric,
//! test_metric,seconds,status,relative_duality_gap,max_cone_violation`.

use std::path::PathBuf;

use super::error::CliError;
use super::problem_args::ProblemArgs;
use super::solve::{SolverArgs, emit_json, summary};
use crate::fsio::write_atomic;
use crate::model::{Problem, Weights};
use crate::results::path::{check_grid, path_step};

#[derive(clap::Args, Debug, Clone)]
pub struct PathArgs {
    #[command(flatten)]
    pub problem: ProblemArgs,
    #[command(flatten)]
    pub solver: SolverArgs,
    /// Strictly decreasing grid of λ values, comma separated (e.g. 1e-1,1e-2,1e-3).
    #[arg(long, value_name = "L1,L2,...", value_delimiter = ',', required = true)]
    pub lambdas: Vec<f64>,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Check the grid ([`check_grid`]), as a usage error naming `--lambdas`.
pub fn validate_grid(lambdas: &[f64]) -> Result<(), CliError> {
    check_grid(lambdas).map_err(|m| CliError::usage(format!("--lambdas: {m}")))
}

fn csv_opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub fn run(args: &PathArgs) -> Result<i32, CliError> {
    validate_grid(&args.lambdas)?;
    if args.solver.solver.is_baseline() {
        return Err(CliError::usage(format!(
            "--solver {}: path runs the convex solvers only (clarabel, fista, al); sgd/adam train the non-convex network (use solve, or a suite)",
            args.solver.solver.name()
        )));
    }
    if let Some(l) = args.problem.lambda {
        eprintln!("warning: --lambda {l} is ignored by path: the grid --lambdas sets λ");
    }
    std::fs::create_dir_all(&args.out).map_err(|e| CliError::File {
        path: args.out.clone(),
        message: format!("cannot create the output directory: {e}"),
    })?;
    let csv_path = args.out.join("path.csv");
    crate::fsio::check_writable(&csv_path)?;
    let mut pargs = args.problem.clone();
    pargs.lambda = Some(args.lambdas[0]);
    let spec = pargs.resolve()?;
    let base = Problem::build_within(&spec, args.solver.memory_limit())?;
    let mut csv = String::from(
        "lambda,objective,active_neurons,train_metric,test_metric,seconds,status,relative_duality_gap,max_cone_violation\n",
    );
    let config = args.solver.config()?;
    let mut warm: Option<Weights> = None;
    let mut all_solved = true;
    for (idx, &lambda) in args.lambdas.iter().enumerate() {
        let mut console = args.solver.console();
        let (rec, weights) = path_step(&base, idx, lambda, &config, warm.as_ref(), &mut console)?;
        console.finish(&rec);
        eprintln!("{}", summary(&rec));
        emit_json(&args.out.join(format!("lambda_{idx:03}.json")), &rec)?;
        csv += &format!(
            "{},{},{},{},{},{},{},{},{}\n",
            lambda,
            rec.objective,
            rec.active_neurons,
            rec.train_metric,
            csv_opt(rec.test_metric),
            rec.time.solve_s,
            rec.status.name(),
            csv_opt(rec.relative_duality_gap),
            rec.max_cone_violation
        );
        write_atomic(&csv_path, csv.as_bytes())?;
        all_solved &= rec.status.is_solved();
        warm = Some(weights);
    }
    Ok(if all_solved { 0 } else { 1 })
}
