//! `width = "active"` baselines take their relu width from the same problem's
//! convex record in the output directory (max(50, active neurons per output)),
//! run after the convex runs, and say where the width came from — or that the
//! convex record was missing.

use std::path::Path;

use cvxrelu::harness::Suite;
use cvxrelu::harness::bench::{BenchOptions, bench};
use cvxrelu::harness::store;
use cvxrelu::solvers::{SolverDetails, TimeBasis};

const SUITE: &str = r#"
name = "width"
time-limit = 20.0
lambdas = [1e-3]

[[dataset]]
name = "s"
data = "synth:n=60,d=3,width=3,noise=0.1,seed=2"

[[model]]
kind = "relu"
patterns = 8

[[solver]]
kind = "sgd"
width = "active"
max-iters = 3
step-sizes = [0.1]

[[solver]]
kind = "fista"
"#;

fn opts(solvers: Option<&str>) -> BenchOptions {
    BenchOptions {
        progress: false,
        log: false,
        solvers: solvers.map(|s| vec![s.to_string()]),
        ..BenchOptions::default()
    }
}

fn sgd_details(out: &Path) -> (usize, String) {
    let rec = store::read_record(&store::record_path(out, "s-relu-P8-s0-lam1e-3-sgd")).unwrap();
    assert_eq!(rec.time.basis, TimeBasis::Cpu, "the suite default basis");
    match rec.details.solver {
        Some(SolverDetails::Baseline(b)) => (b.neurons_per_output, b.width_source.unwrap()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn active_width_comes_from_the_convex_record() {
    let dir = tempfile::tempdir().unwrap();
    let suite = Suite::parse(&dir.path().join("width.toml"), SUITE).unwrap();
    let out = dir.path().join("out");
    // The sgd entry is listed first, but runs after fista.
    bench(&suite, &out, &opts(None)).unwrap();
    let fista =
        store::read_record(&store::record_path(&out, "s-relu-P8-s0-lam1e-3-fista")).unwrap();
    let (m, source) = sgd_details(&out);
    assert_eq!(m, fista.active_neurons.max(50));
    assert!(source.contains("s-relu-P8-s0-lam1e-3-fista"), "{source}");
}

#[test]
fn a_missing_convex_record_falls_back_to_2p_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let suite = Suite::parse(&dir.path().join("width.toml"), SUITE).unwrap();
    let out = dir.path().join("out");
    bench(&suite, &out, &opts(Some("sgd"))).unwrap();
    let rec = store::read_record(&store::record_path(&out, "s-relu-P8-s0-lam1e-3-sgd")).unwrap();
    let (m, source) = sgd_details(&out);
    assert_eq!(m, 2 * rec.problem.patterns);
    assert!(source.contains("no certified convex record"), "{source}");
}
