//! Native solvers against Clarabel on the compiled SOCP: time to a 1e-6 relative
//! objective gap to Clarabel's optimum, each at its default tolerances, one run.
//!
//! ```text
//! cargo run --release --example native_vs_clarabel -- main    # the two target cases
//! cargo run --release --example native_vs_clarabel -- table   # how the ratio moves
//! ```
//!
//! Prints one Markdown row per (case, native solver). "to 1e-6" is read from the
//! trace (every iteration traced): the first iterate within 1e-6 of Clarabel's
//! optimum — for R-FISTA any iterate (C-ReLU iterates are projected onto the
//! cones), for the AL only iterates of its polish phase (before it, the trace holds
//! the augmented Lagrangian at infeasible points). "stop" is when the certified
//! duality gap stopped the solver. Certified objective, cone violation and
//! relative duality gap come from `certify`, not from the solvers.

use cvxrelu::certify::certify;
use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer, Scaling};
use cvxrelu::solvers::SolveOutput;
use cvxrelu::solvers::clarabel::{self, ClarabelSettings};
use cvxrelu::solvers::native::{al, gated, relu};

fn spec(data: &str, gates: Option<&str>, model: Model, lambda: f64, p: usize) -> ProblemSpec {
    ProblemSpec {
        data: data.to_string(),
        test: None,
        split: None,
        split_seed: 0,
        model,
        lambda,
        reg: Regularizer::NeuronGl1,
        patterns: gates.is_none().then_some(p),
        seed: 0,
        gates: gates.map(str::to_string),
        bias: false,
        scale: if gates.is_some() {
            Scaling::None
        } else {
            Scaling::Standardize
        },
        target: None,
    }
}

fn total(o: &SolveOutput) -> f64 {
    o.setup_s + o.solve_s
}

fn run(label: &str, problem: &Problem) {
    let ipm = clarabel::solve(problem, &ClarabelSettings::default()).expect("clarabel");
    let f_star = certify(problem, &ipm.weights).objective;
    let natives: Vec<(&str, SolveOutput)> = match problem.model() {
        Model::GatedRelu => {
            let mut s = gated::default_settings();
            s.trace_every = 1;
            vec![("fista", gated::solve(problem, &s, None).expect("fista"))]
        }
        Model::Relu => {
            let mut s = relu::default_settings();
            s.trace_every = 1;
            vec![
                ("fista", relu::solve(problem, &s, None).expect("fista")),
                ("al", {
                    let mut s = al::AlSettings::default();
                    s.inner.trace_every = 1;
                    al::solve(problem, &s, None).expect("al")
                }),
            ]
        }
    };
    for (name, native) in natives {
        let cert = certify(problem, &native.weights);
        let rel = (cert.objective - f_star) / f_star;
        // R-FISTA's iterates are feasible (C-ReLU: projected), so its trace holds
        // true objectives. The AL's trace is the augmented Lagrangian at infeasible
        // points until the polish starts (after trace iteration `al_iterations`, which
        // is the AL phase's last point); from there on its iterates are projected,
        // so only that part is read.
        let feasible = |it: usize| match &native.details {
            cvxrelu::solvers::SolverDetails::Al(al) => it > al.al_iterations,
            _ => true,
        };
        let to_1e6 = native
            .trace
            .iter()
            .filter(|tp| feasible(tp.iteration))
            .find(|tp| (tp.objective - f_star) / f_star <= 1e-6)
            .map(|tp| tp.time_s + native.setup_s);
        let to_str = to_1e6.map_or("never".to_string(), |v| format!("{v:.3}"));
        let ratio = to_1e6.map_or("-".to_string(), |v| format!("{:.1}", total(&ipm) / v));
        let stop_ratio = format!("{:.1}", total(&ipm) / total(&native));
        println!(
            "| {label} | {} | {} | {} | {} | {:.3} ({} it) | {name} | {to_str} | {:.3} ({} it, {}) | {:.1e} | {:.1e} | {:.1e} | {ratio} | {stop_ratio} |",
            problem.n(),
            problem.d(),
            problem.p(),
            problem.lambda(),
            total(&ipm),
            ipm.iterations,
            total(&native),
            native.iterations,
            native.status.name(),
            rel,
            cert.max_cone_violation,
            cert.relative_duality_gap.unwrap_or(f64::NAN),
        );
    }
}

fn header() {
    println!(
        "| case | n | d | P | λ | Clarabel s (iters) | native | native s to 1e-6 | native s to stop (iters, status) | rel. gap to Clarabel | cone viol. | certified rel. duality gap | speed-up to 1e-6 | speed-up to stop |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
}

fn build(s: ProblemSpec) -> Problem {
    Problem::build(&s).expect("problem")
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "main".into());
    let refdir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/reference/");
    header();
    let synth = |n: usize| format!("synth:n={n},d=20,width=10,noise=0.1,seed=0");
    match which.as_str() {
        "main" => {
            run(
                "gated synth",
                &build(spec(&synth(10000), None, Model::GatedRelu, 1e-3, 100)),
            );
            run(
                "relu synth",
                &build(spec(&synth(2000), None, Model::Relu, 1e-3, 50)),
            );
        }
        "table" => {
            for (n, p) in [(1000, 100), (4000, 100), (10000, 50)] {
                run(
                    "gated synth",
                    &build(spec(&synth(n), None, Model::GatedRelu, 1e-3, p)),
                );
            }
            for (n, p) in [(500, 50), (1000, 25), (1000, 50), (1000, 100)] {
                run(
                    "relu synth",
                    &build(spec(&synth(n), None, Model::Relu, 1e-3, p)),
                );
            }
            let data = format!("{refdir}breast_cancer.csv");
            let gates = format!("{refdir}breast_cancer_gates.csv");
            for model in [Model::GatedRelu, Model::Relu] {
                run(
                    "breast_cancer",
                    &build(spec(&data, Some(&gates), model, 1e-3, 50)),
                );
            }
        }
        other => eprintln!("unknown set '{other}': use main or table"),
    }
}
