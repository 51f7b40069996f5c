//! Hand-made records for the report tests.

use cvxrelu::harness::{RunInfo, SolverDef};
use cvxrelu::model::{Model, ProblemInfo, ProblemSpec, Regularizer, Scaling};
use cvxrelu::network::Metric;
use cvxrelu::results::record::{Record, Times};
use cvxrelu::solvers::{SolverKind, Status, TracePoint};

#[allow(clippy::too_many_arguments)]
pub fn record(
    problem: &str,
    model: Model,
    lambda: f64,
    kind: SolverKind,
    status: Status,
    objective: f64,
    violation: f64,
    setup: f64,
    solve: f64,
    trace: &[(f64, f64)],
) -> Record {
    let spec = ProblemSpec {
        data: "x.csv".into(),
        test: None,
        split: None,
        split_seed: 0,
        model,
        lambda,
        reg: Regularizer::NeuronGl1,
        patterns: Some(10),
        seed: 0,
        gates: None,
        bias: false,
        scale: Scaling::None,
        target: None,
    };
    Record {
        schema_version: cvxrelu::results::SCHEMA_VERSION,
        problem: ProblemInfo {
            data: "x.csv".into(),
            model,
            lambda,
            reg: Regularizer::NeuronGl1,
            n: 10,
            d: 2,
            c: 1,
            patterns_requested: 10,
            patterns: 8,
        },
        solver: kind.name().into(),
        status,
        objective,
        loss: objective,
        penalty: 0.0,
        max_cone_violation: violation,
        duality_gap: None,
        relative_duality_gap: None,
        dual_objective: None,
        iterations: 1,
        time: Times {
            setup_s: setup,
            solve_s: solve,
            post_solve_s: 0.0,
        },
        active_neurons: 1,
        train_metric: 1.0,
        test_metric: None,
        metric: Metric::Accuracy,
        weights_file: None,
        details: Default::default(),
        trace: trace
            .iter()
            .enumerate()
            .map(|(i, &(t, o))| TracePoint {
                iteration: i,
                time_s: t,
                objective: o,
            })
            .collect(),
        run: Some(RunInfo {
            id: format!("{problem}-{}", kind.name()),
            problem_id: problem.into(),
            suite: "hand".into(),
            dataset: "x".into(),
            time_limit: 10.0,
            fingerprint: "0".into(),
            spec,
            solver: SolverDef {
                kind,
                decompose: None,
                model: None,
                name: kind.name().into(),
                tol: None,
                max_iters: None,
                batch_size: None,
                step_sizes: None,
                time_limit: 10.0,
                threads: None,
            },
        }),
    }
}
