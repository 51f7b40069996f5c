//! `cvxrelu solve`: build the problem, run a solver, certify the result, print a
//! summary on stderr and the JSON record with `--out FILE` (or `--out -`).

use std::path::PathBuf;

use super::error::CliError;
use super::problem_args::ProblemArgs;
use crate::certify::certify;
use crate::fsio::{check_writable, write_atomic};
use crate::model::Weights;
use crate::model::{Model, Problem};
use crate::record::Record;
use crate::solution::SolutionFile;
use crate::solvers::baselines::{self, BaselineSettings, Method};
use crate::solvers::native::{al::AlSettings, fista::FistaSettings, fista::Stopping};
use crate::solvers::{self, SolveOutput, SolverError, SolverKind, clarabel::ClarabelSettings};

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
}

#[derive(clap::Args, Debug, Clone)]
pub struct SolverArgs {
    #[arg(long, value_enum, default_value = "clarabel")]
    pub solver: SolverKind,
    /// Tolerance (clarabel: gap and feasibility, default 1e-8; fista, either model:
    /// certified relative duality gap, default 1e-6, or squared min-norm subgradient
    /// with --stopping subgradient, default 1e-6; al: the AL phase's squared
    /// subgradient and squared violation and the polish's relative gap, default 1e-6).
    #[arg(long, value_name = "T")]
    pub tol: Option<f64>,
    /// fista's stopping rule [default: duality-gap]
    #[arg(long, value_enum)]
    pub stopping: Option<Stopping>,
    #[arg(long, value_name = "N")]
    pub max_iters: Option<u32>,
    /// Wall-clock limit of the solve, in seconds.
    #[arg(long, value_name = "SEC")]
    pub time_limit: Option<f64>,
    /// Print the solver's own log on stderr.
    #[arg(long)]
    pub verbose: bool,
    /// Refuse to compile problems whose estimated memory exceeds this
    /// (bytes, or with a K/M/G/T suffix) [default: 8G].
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
    /// sgd/adam: minibatch size [default: 64]
    #[arg(long, value_name = "B")]
    pub batch_size: Option<usize>,
    /// sgd/adam: step sizes to try, best in hindsight [default: a 7-point grid]
    #[arg(long, value_name = "ETA,...", value_delimiter = ',')]
    pub step_sizes: Option<Vec<f64>>,
}

/// A finished run: its record and, when the solver produced a convex point, the
/// weights.
#[derive(Clone, Debug)]
pub struct Execution {
    pub record: Record,
    pub weights: Option<Weights>,
}

/// Parse `123`, `512M`, `8G`, `1.5T`.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&t[..t.len() - 1], 1 << 20),
        Some('G' | 'g') => (&t[..t.len() - 1], 1 << 30),
        Some('T' | 't') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 8G, 512M, 1000000)"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(format!("'{s}' must be a positive size"));
    }
    Ok((v * mult as f64) as u64)
}

impl SolverArgs {
    pub fn clarabel(&self) -> ClarabelSettings {
        let mut s = ClarabelSettings::default();
        if let Some(t) = self.tol {
            s.tol = t;
        }
        if let Some(m) = self.max_iters {
            s.max_iters = m;
        }
        if let Some(t) = self.time_limit {
            s.time_limit = t;
        }
        if let Some(m) = self.max_memory {
            s.max_memory = m;
        }
        s.verbose = self.verbose;
        s
    }

    /// `--max-memory`, or the default limit.
    pub fn memory_limit(&self) -> u64 {
        self.max_memory.unwrap_or(crate::compile::DEFAULT_MAX_MEMORY)
    }

    /// R-FISTA settings for C-GReLU: duality-gap stopping unless told otherwise.
    pub fn fista(&self) -> FistaSettings {
        let mut s = solvers::native::gated::default_settings();
        if let Some(stop) = self.stopping {
            s.stopping = stop;
            if stop == Stopping::Subgradient {
                s.tol = FistaSettings::default().tol;
            }
        }
        if let Some(t) = self.tol {
            s.tol = t;
        }
        if let Some(m) = self.max_iters {
            s.max_iters = m as usize;
        }
        if let Some(t) = self.time_limit {
            s.time_limit = t;
        }
        s
    }

    /// Augmented-Lagrangian settings for C-ReLU.
    pub fn al(&self) -> AlSettings {
        let mut s = AlSettings::default();
        if let Some(t) = self.tol {
            s = s.with_tol(t);
        }
        if let Some(m) = self.max_iters {
            s.max_iters = m as usize;
        }
        if let Some(t) = self.time_limit {
            s.time_limit = t;
        }
        s.verbose = self.verbose;
        s
    }

    /// Settings of the sgd/adam baselines (`--max-iters` = epochs per step size,
    /// `--time-limit` per step size).
    pub fn baseline(&self, method: Method) -> BaselineSettings {
        let mut s = BaselineSettings::new(method);
        if let Some(m) = self.max_iters {
            s.epochs = m;
        }
        if let Some(b) = self.batch_size {
            s.batch_size = b;
        }
        if let Some(t) = self.time_limit {
            s.time_limit = t;
        }
        s.step_sizes = self.step_sizes.clone();
        s
    }

    /// The one dispatch every solver goes through (`solve` and `bench`): run the
    /// solver and produce its certified record, named `name`.
    pub fn execute(&self, problem: &Problem, name: &str) -> Result<Execution, SolverError> {
        let method = match self.solver {
            SolverKind::Clarabel | SolverKind::Fista | SolverKind::Al => {
                let out = self.run(problem)?;
                let cert = certify(problem, &out.weights);
                let record = Record::new(problem, name, &out, &cert);
                return Ok(Execution {
                    record,
                    weights: Some(out.weights),
                });
            }
            SolverKind::Sgd => Method::Sgd,
            SolverKind::Adam => Method::Adam,
        };
        let out = baselines::train(problem, &self.baseline(method))?;
        Ok(Execution {
            record: out.record(problem, name),
            weights: out.convex_weights(),
        })
    }

    /// Run the chosen convex solver on `problem`.
    pub fn run(&self, problem: &Problem) -> Result<SolveOutput, SolverError> {
        self.run_warm(problem, None)
    }

    /// Run the chosen solver, warm-started from `warm` where the solver can use it.
    pub fn run_warm(
        &self,
        problem: &Problem,
        warm: Option<&Weights>,
    ) -> Result<SolveOutput, SolverError> {
        solvers::native::memory::check(self.solver, problem, self.memory_limit())
            .map_err(SolverError::TooLarge)?;
        match self.solver {
            SolverKind::Clarabel => solvers::clarabel::solve(problem, &self.clarabel()),
            SolverKind::Fista => match problem.model {
                Model::GatedRelu => solvers::native::gated::solve(problem, &self.fista(), warm),
                Model::Relu => solvers::native::relu::solve(problem, &self.fista(), warm),
            },
            SolverKind::Al => solvers::native::al::solve(problem, &self.al(), warm),
            SolverKind::Sgd | SolverKind::Adam => Err(SolverError::Unsupported {
                solver: self.solver.name(),
                model: problem.model.name(),
                hint: "SolverArgs::execute (sgd/adam train the non-convex network, not a convex point)",
            }),
        }
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
    if let Some(socp) = rec.details.get("socp") {
        s += &format!(
            "\n  SOCP: {} rows, {} columns, {} nonzeros in A, {} cones",
            socp["rows"], socp["cols"], socp["nnz_a"], socp["cones"]
        );
    }
    s += &format!(
        "\n  {} active neurons; train {:?} {:.4}",
        rec.active_neurons, rec.metric, rec.train_metric
    );
    if let Some(t) = rec.test_metric {
        s += &format!(", test {t:.4}");
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
        && problem.model == crate::model::Model::Relu
    {
        return Err(CliError::usage(
            "--weights: sgd/adam on the relu model train a network with patterns outside the convex model's; no convex weights to save",
        ));
    }
    let exec = args.solver.execute(&problem, args.solver.solver.name())?;
    let mut rec = exec.record;
    if let (Some(wpath), Some(weights)) = (&args.weights, &exec.weights) {
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
