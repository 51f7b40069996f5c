//! Hand-made records with known times to τ under both accountings of a baseline
//! (best run in hindsight; whole step-size grid) and on both time bases.

#[allow(dead_code)]
mod common;

use common::records::record;
use cvxrelu::harness::metrics::{self, Accounting};
use cvxrelu::model::Model;
use cvxrelu::solvers::baselines::GridRun;
use cvxrelu::solvers::details::BaselineDetails;
use cvxrelu::solvers::{CpuClock, CpuTimes, SolverDetails, SolverKind, Status, TimeBasis};

fn grid_run(step_size: f64, time_s: f64, cpu_s: f64) -> GridRun {
    GridRun {
        step_size,
        repeat: 0,
        status: Status::MaxIterations,
        objective: 1.0,
        epochs: 10,
        time_s,
        cpu_s: Some(cpu_s),
    }
}

/// An SGD record: best run 2 s wall / 1 s CPU (setup 0), reaching f = 1.0 (gap 0
/// against f* = 1) at trace time 0.5 s; its grid of three runs took 9 s wall /
/// 5 s CPU; time limit 10 s per step size.
fn sgd(basis: TimeBasis) -> cvxrelu::results::Record {
    let mut r = record(
        "p",
        Model::GatedRelu,
        1e-3,
        SolverKind::Sgd,
        Status::MaxIterations,
        1.0,
        0.0,
        0.0,
        2.0,
        &[(0.0, 3.0), (0.5, 1.0), (1.0, 1.0)],
    );
    r.time.cpu = Some(CpuTimes {
        clock: CpuClock::Thread,
        setup_s: 0.0,
        solve_s: 1.0,
    });
    r.time.basis = basis;
    r.details.solver = Some(SolverDetails::Baseline(BaselineDetails {
        method: "sgd".into(),
        grid: vec![
            grid_run(1.0, 2.0, 1.0),
            grid_run(0.1, 3.0, 2.0),
            grid_run(0.01, 4.0, 2.0),
        ],
        grid_time_s: 9.0,
        grid_cpu_s: Some(5.0),
        repeats: Some(1),
        neurons_per_output: 10,
        convex_objective: None,
        width_source: None,
    }));
    r
}

#[test]
fn both_accountings_on_both_bases() {
    for basis in [TimeBasis::Wall, TimeBasis::Cpu] {
        let r = sgd(basis);
        let best = metrics::time_to_with(&r, Some(1.0), 1e-6, Accounting::BestRun).unwrap();
        let grid = metrics::time_to_with(&r, Some(1.0), 1e-6, Accounting::WholeGrid).unwrap();
        // The trace hit at 0.5 s; the other runs of the grid cost 9 − 2 = 7 s wall
        // or 5 − 1 = 4 s CPU.
        assert_eq!(best, 0.5);
        match basis {
            TimeBasis::Wall => assert_eq!(grid, 0.5 + 7.0),
            TimeBasis::Cpu => assert_eq!(grid, 0.5 + 4.0),
        }
        assert_eq!(metrics::time_limit_with(&r, Accounting::BestRun), 10.0);
        assert_eq!(metrics::time_limit_with(&r, Accounting::WholeGrid), 30.0);
        assert_eq!(metrics::time_to(&r, Some(1.0), 1e-6), Some(best));
    }
}

#[test]
fn the_trace_decides_best_so_far_even_when_the_final_point_is_worse() {
    // One rule: the first trace point within τ, whatever the final point.
    let mut r = sgd(TimeBasis::Wall);
    r.objective = 1.5;
    assert_eq!(metrics::time_to(&r, Some(1.0), 1e-6), Some(0.5));
    // Clarabel's trace holds infeasible iterates: only its final point counts.
    let c = record(
        "p",
        Model::GatedRelu,
        1e-3,
        SolverKind::Clarabel,
        Status::Solved,
        1.5,
        0.0,
        0.1,
        1.0,
        &[(0.2, 1.0)],
    );
    assert_eq!(metrics::time_to(&c, Some(1.0), 1e-6), None);
}

#[test]
fn convex_records_count_the_same_under_both_accountings() {
    let mut r = record(
        "p",
        Model::GatedRelu,
        1e-3,
        SolverKind::Fista,
        Status::Solved,
        1.0,
        0.0,
        0.5,
        1.0,
        &[(0.25, 1.0)],
    );
    for acc in [Accounting::BestRun, Accounting::WholeGrid] {
        assert_eq!(metrics::time_to_with(&r, Some(1.0), 1e-6, acc), Some(0.75));
    }
    // On the CPU basis the CPU setup counts (the trace is already on the basis).
    r.time.basis = TimeBasis::Cpu;
    r.time.cpu = Some(CpuTimes {
        clock: CpuClock::Thread,
        setup_s: 0.25,
        solve_s: 0.5,
    });
    assert_eq!(metrics::time_to(&r, Some(1.0), 1e-6), Some(0.5));
    // A CPU-basis record without CPU times (never written) falls back to wall.
    r.time.cpu = None;
    assert_eq!(metrics::time_to(&r, Some(1.0), 1e-6), Some(0.75));
}

#[test]
fn summaries_have_a_whole_grid_row_per_baseline() {
    let fista = record(
        "p",
        Model::GatedRelu,
        1e-3,
        SolverKind::Fista,
        Status::Solved,
        1.0,
        0.0,
        0.0,
        1.0,
        &[(1.0, 1.0)],
    );
    let s = metrics::summarize(&[fista, sgd(TimeBasis::Wall)], &[1e-6]);
    let names: Vec<&str> = s.iter().map(|x| x.solver.as_str()).collect();
    assert_eq!(names, vec!["fista", "sgd", "sgd (whole grid)"]);
    assert_eq!(s[1].solved, vec![1]);
    assert_eq!(s[2].solved, vec![1]);
    // Shifted geometric mean of one time t: t itself.
    assert!((s[1].sgm_time[0] - 0.5).abs() < 1e-12);
    assert!((s[2].sgm_time[0] - 7.5).abs() < 1e-12);
}

#[test]
fn profiles_draw_a_whole_grid_curve_per_baseline() {
    let fista = record(
        "p",
        Model::GatedRelu,
        1e-3,
        SolverKind::Fista,
        Status::Solved,
        1.0,
        0.0,
        0.0,
        1.0,
        &[(1.0, 1.0)],
    );
    let records = [fista, sgd(TimeBasis::Wall)];
    let curves = cvxrelu::harness::profile::curves(&records, 1e-6);
    let (_, cs) = &curves["gated-relu"];
    let by_name = |n: &str| cs.iter().find(|c| c.solver == n).unwrap();
    assert_eq!(cs.len(), 3);
    // Every curve over the same problem (one); the grid's curve steps up later.
    assert_eq!(by_name("sgd").times, vec![0.5]);
    assert_eq!(by_name("sgd (whole grid)").times, vec![7.5]);
    assert_eq!(by_name("fista").times, vec![1.0]);
    assert!(cs.iter().all(|c| c.runs == 1));
    // (f* comes from the convex record: without it nothing is solved)
    let svg =
        cvxrelu::harness::profile::render(&records, 1e-6, std::path::Path::new("p.svg")).unwrap();
    assert!(
        svg.contains("sgd (whole grid) (1/1)"),
        "legend names the curve"
    );
}
