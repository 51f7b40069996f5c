//! Clarabel reports its interior-point iterations to a shared progress observer
//! (the progress line of a long `solve --solver clarabel` on a terminal): one
//! report per iteration, in order, ending at the solver's own stopping measure.

mod common;

use std::sync::{Arc, Mutex};

use common::{reference_problem, references};
use cvxrelu::model::Model;
use cvxrelu::solvers::progress::{Measure, Phase, SharedProgress};
use cvxrelu::solvers::{
    IterationLog, Progress, SolverConfig, SolverKind, SolverOptions, Status, solve_convex_observed,
};

/// An observer that only hands out a shared sink (as the terminal line does).
struct Collect(Arc<Mutex<Vec<IterationLog>>>);

impl Progress for Collect {
    fn log(&mut self, _: &IterationLog) {}
    fn shared(&self) -> Option<SharedProgress> {
        let sink = Arc::clone(&self.0);
        Some(Arc::new(move |l: &IterationLog| {
            sink.lock().unwrap().push(*l)
        }))
    }
}

#[test]
fn clarabel_reports_each_iteration_to_a_shared_observer() {
    let r = references()
        .into_iter()
        .find(|r| r.model == Model::GatedRelu && r.data.contains("synth"))
        .expect("a synth gated reference problem");
    let problem = reference_problem(&r);
    let config = SolverConfig::new(SolverKind::Clarabel, &SolverOptions::default()).unwrap();
    let logs = Arc::new(Mutex::new(Vec::new()));
    let mut observer = Collect(Arc::clone(&logs));
    let out = solve_convex_observed(&problem, &config, None, &mut observer).unwrap();
    assert_eq!(out.status, Status::Solved);
    let logs = logs.lock().unwrap();
    assert!(!logs.is_empty(), "no iteration reported");
    // One report per iteration 0..=k, in order, and the last is the returned one.
    for (k, l) in logs.iter().enumerate() {
        assert_eq!(l.iteration, k, "reports out of order");
        assert_eq!(l.phase, Phase::Interior);
        assert_eq!(l.measure, Measure::InteriorGap);
        assert!(l.value >= 0.0 && l.elapsed_s >= 0.0);
    }
    assert_eq!(logs.last().unwrap().iteration, out.iterations);
    // Clarabel stopped because its gap reached its target.
    let last = logs.last().unwrap();
    assert!(
        last.value <= last.target,
        "{} > {}",
        last.value,
        last.target
    );
}
