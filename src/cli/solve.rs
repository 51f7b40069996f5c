//! `cvxrelu solve`: build the problem, run a solver, certify the result, print a
//! summary on stderr and the JSON record with `--out FILE` (or `--out -`).

use std::path::PathBuf;

use super::error::CliError;
use super::problem_args::ProblemArgs;
use crate::fsio::{check_writable, write_atomic};
use crate::model::Problem;
use crate::results::record::Record;
use crate::results::solution::SolutionFile;
use crate::solvers::native::fista::{Metric, Momentum, Stopping, WorkingSets};
use crate::solvers::{
    self, SolverConfig, SolverDetails, SolverError, SolverKind, SolverOptions, TimeBasis,
};

#[derive(clap::Args, Debug, Clone)]
pub struct SolveArgs {
    #[command(flatten)]
    pub problem: ProblemArgs,
    #[command(flatten)]
    pub solver: SolverArgs,
    /// Write the JSON result record here ('-' for stdout).
    #[arg(long, value_name = "RESULT.json")]
    pub out: Option<PathBuf>,
    /// Save the weights, gates, preprocessing and recovered network here.
    #[arg(long, value_name = "FILE.json")]
    pub weights: Option<PathBuf>,
    /// Solve a CBF file (cones F, L=, L+, L-, Q, QR) instead of a training problem
    /// (exported conic problems are harder: use --tol 1e-10 for 1e-7 accuracy).
    #[arg(long, value_name = "FILE.cbf", conflicts_with_all = ["problem", "data", "model", "lambda", "weights"])]
    pub cbf: Option<PathBuf>,
    /// With --cbf: write the status and primal vector as a solution file
    /// (`cvxrelu-solution 1`, the format external solvers of a suite write).
    #[arg(long, value_name = "SOL")]
    pub write_solution: Option<PathBuf>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct SolverArgs {
    /// Solver: clarabel (interior point on the compiled SOCP), fista (R-FISTA, either
    /// model), al (augmented Lagrangian, relu); solve also runs the non-convex
    /// baselines sgd and adam (path does not)
    #[arg(long, value_parser = super::values::parser::<SolverKind>(), default_value = "clarabel")]
    pub solver: SolverKind,
    /// Tolerance (clarabel: gap and feasibility, default 1e-8; fista, either model:
    /// certified relative duality gap, default 1e-6, or squared min-norm subgradient
    /// with --stopping subgradient, default 1e-6; al: the AL phase's squared
    /// subgradient and squared violation and the polish's relative gap, default 1e-6).
    #[arg(long, value_name = "T")]
    pub tol: Option<f64>,
    /// fista's stopping rule [default: duality-gap]
    #[arg(long, value_parser = super::values::parser::<Stopping>())]
    pub stopping: Option<Stopping>,
    /// Iteration limit [default: clarabel 200; fista 100000; al 100000 in all,
    /// at most 20000 of them in the AL phase; sgd/adam 100 epochs per step size]
    #[arg(long, value_name = "N")]
    pub max_iters: Option<u32>,
    /// Limit of the solve, in seconds of --time-basis (sgd/adam: per step size)
    /// [default: none]
    #[arg(long, value_name = "SEC")]
    pub time_limit: Option<f64>,
    /// Clock of --time-limit and of the trace: wall, or the solve's CPU time
    /// [default: wall]
    #[arg(long, value_parser = super::values::parser::<TimeBasis>())]
    pub time_basis: Option<TimeBasis>,
    /// Log the solve on stderr: Clarabel's own log, or for fista and al an
    /// iteration table (iteration, objective, gap or subgradient against its
    /// target, step, restarts, time) and a final line with the certified gap
    #[arg(long)]
    pub verbose: bool,
    /// --verbose: iterations between rows of the native solvers' table
    /// (each phase's last row is always printed) [default: 100]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub log_every: Option<u64>,
    /// Refuse to compile problems whose estimated memory exceeds this
    /// (bytes, or with a K/M/G/T suffix) [default: 8G].
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
    /// sgd/adam: minibatch size [default: n/10, rounded up]
    #[arg(long, value_name = "B")]
    pub batch_size: Option<usize>,
    /// sgd/adam: step sizes to try, best in hindsight [default: 10,5,1,0.5,0.1,0.01,0.001]
    #[arg(long, value_name = "ETA,...", value_delimiter = ',')]
    pub step_sizes: Option<Vec<f64>>,
    /// Threads for the dense kernels and Clarabel [default: 1]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// fista (either model): solve on working sets of patterns, certified on the
    /// full problem; al: inner solves on working sets of blocks [default: auto,
    /// from 200 patterns on]
    #[arg(long, value_parser = super::values::parser::<WorkingSets>())]
    pub working_sets: Option<WorkingSets>,
    /// fista on gated-relu with the neuron group norm: euclidean steps, or steps in
    /// the metric of each pattern's Gram matrix (block-gram: fewer iterations on
    /// correlated features) [default: auto, block-gram when 10·d ≤ n and κ(XᵀX) ≥ 100]
    #[arg(long, value_parser = super::values::parser::<Metric>())]
    pub metric: Option<Metric>,
    /// fista and the al's inner solves: the momentum between restarts, fista's
    /// (Beck–Teboulle) or greedy (β = 1) [default: auto, greedy on gated-relu,
    /// fista on relu]
    #[arg(long, value_parser = super::values::parser::<Momentum>())]
    pub momentum: Option<Momentum>,
}

pub use crate::compile::memory::parse_bytes;

impl SolverArgs {
    /// The flags as the solver API's options.
    pub fn options(&self) -> SolverOptions {
        let mut o = SolverOptions::new();
        o.tol = self.tol;
        o.stopping = self.stopping;
        o.max_iters = self.max_iters;
        o.time_limit = self.time_limit;
        o.time_basis = self.time_basis;
        o.verbose = self.verbose;
        o.max_memory = self.max_memory;
        o.batch_size = self.batch_size;
        o.step_sizes = self.step_sizes.clone();
        o.threads = self.threads;
        o.working_sets = self.working_sets;
        o.metric = self.metric;
        o.momentum = self.momentum;
        o
    }

    /// `--max-memory`, or the default limit.
    pub fn memory_limit(&self) -> u64 {
        self.max_memory
            .unwrap_or(crate::compile::DEFAULT_MAX_MEMORY)
    }

    /// What the solve shows on stderr while it runs ([`super::progress`]).
    pub fn console(&self) -> super::progress::Console {
        let every = self
            .log_every
            .map_or(super::progress::DEFAULT_LOG_EVERY, |n| n as usize);
        super::progress::Console::new(self.verbose, every, self.solver.name())
    }

    /// The configured solver.
    pub fn config(&self) -> Result<SolverConfig, SolverError> {
        Ok(SolverConfig::new(self.solver, &self.options())?)
    }
}

/// One-paragraph human summary.
pub fn summary(rec: &Record) -> String {
    let mut s = format!(
        "{} {} λ={} n={} d={} c={} P={}/{}: {} by {} in {} iterations, {:.3}s (+{:.3}s setup)\n  objective {:.10e} = loss {:.6e} + penalty {:.6e}; max cone violation {:.1e}",
        rec.problem.model.name(),
        rec.problem.data,
        rec.problem.lambda,
        rec.problem.n,
        rec.problem.d,
        rec.problem.c,
        rec.problem.patterns,
        rec.problem.patterns_requested,
        rec.status.name(),
        rec.solver,
        rec.iterations,
        rec.time.solve_s,
        rec.time.setup_s,
        rec.objective,
        rec.loss,
        rec.penalty,
        rec.max_cone_violation
    );
    if let (Some(g), Some(r)) = (rec.duality_gap, rec.relative_duality_gap) {
        s += &format!("; duality gap {g:.2e} ({r:.2e} relative)");
    }
    if let Some(SolverDetails::Clarabel(c)) = &rec.details.solver {
        s += &format!(
            "\n  SOCP: {} rows, {} columns, {} nonzeros in A, {} cones",
            c.socp.rows, c.socp.cols, c.socp.nnz_a, c.socp.cones
        );
    }
    s += &format!(
        "\n  {} active neurons; train {} {:.4}",
        rec.active_neurons,
        rec.metric.name(),
        rec.train_metric
    );
    if let Some(t) = rec.test_metric {
        s += &format!(", test {} {t:.4}", rec.metric.name());
    }
    s
}

/// Write a JSON value to a path atomically, or to stdout for '-'.
pub fn emit_json(out: &std::path::Path, value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::usage(format!("serialising JSON: {e}")))?;
    if out.as_os_str() == "-" {
        use std::io::Write;
        // A closed pipe (e.g. `| head`) is not an error worth a panic.
        let mut stdout = std::io::stdout().lock();
        match writeln!(stdout, "{text}").and_then(|_| stdout.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(CliError::usage(format!("writing to stdout: {e}")))
            }
            _ => Ok(()),
        }
    } else {
        Ok(write_atomic(out, (text + "\n").as_bytes())?)
    }
}

pub fn run(args: &SolveArgs) -> Result<i32, CliError> {
    if let Some(path) = &args.cbf {
        return super::solve_cbf::run(args, path);
    }
    if args.write_solution.is_some() {
        return Err(CliError::usage(
            "--write-solution writes the solution of a --cbf FILE (training problems: use --weights)",
        ));
    }
    // Check outputs before any expensive work: a failure later must lose nothing.
    for p in [&args.out, &args.weights].into_iter().flatten() {
        if p.as_os_str() != "-" {
            check_writable(p)?;
        }
    }
    let spec = args.problem.resolve()?;
    let problem = Problem::build_within(&spec, args.solver.memory_limit())?;
    if args.weights.is_some()
        && args.solver.solver.is_baseline()
        && problem.model() == crate::model::Model::Relu
    {
        return Err(CliError::usage(
            "--weights: sgd/adam on the relu model train a network with patterns outside the convex model's; no convex weights to save",
        ));
    }
    let config = args.solver.config()?;
    let mut console = args.solver.console();
    let solution = solvers::solve_observed(&problem, &config, None, &mut console);
    let solution = solution?;
    let mut rec = Record::from_solution(&problem, config.kind().into(), &solution);
    console.finish(&rec);
    if let (Some(wpath), Some(weights)) = (&args.weights, &solution.convex_weights()) {
        let file = SolutionFile::new(&problem, args.solver.solver.name(), weights);
        emit_json(wpath, &file)?;
        rec.weights_file = Some(wpath.display().to_string());
    }
    eprintln!("{}", summary(&rec));
    if let Some(o) = &args.out {
        emit_json(o, &rec)?;
    }
    Ok(if rec.status.is_solved() { 0 } else { 1 })
}
