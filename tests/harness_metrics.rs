//! Report numbers on hand-made records: f*, gaps, solved-at-τ and time to τ,
//! shifted geometric means; and a corrupt record file is an error naming it.

use cvxrelu::harness::metrics::{
    gap, median, record_gap, reference_optima, shifted_geometric_mean, summarize, time_to,
};
mod common;

use common::records::record;
use cvxrelu::model::Model;

use cvxrelu::solvers::{SolverKind, Status, TracePoint};

#[test]
fn reference_optimum_uses_certified_convex_points_only() {
    let g = Model::GatedRelu;
    let r = Model::Relu;
    let recs = vec![
        record(
            "A",
            g,
            0.1,
            SolverKind::Clarabel,
            Status::Solved,
            2.0,
            0.0,
            0.0,
            1.0,
            &[],
        ),
        // Not solved by its own criterion, but certified and better: it defines f*.
        record(
            "A",
            g,
            0.1,
            SolverKind::Fista,
            Status::MaxIterations,
            1.5,
            0.0,
            0.0,
            1.0,
            &[],
        ),
        // Baselines never define f*, even when lower.
        record(
            "A",
            g,
            0.1,
            SolverKind::Sgd,
            Status::MaxIterations,
            1.0,
            0.0,
            0.0,
            1.0,
            &[],
        ),
        // Cone violation above 1e-6: not certified.
        record(
            "B",
            r,
            0.1,
            SolverKind::Al,
            Status::Solved,
            0.5,
            1e-3,
            0.0,
            1.0,
            &[],
        ),
        record(
            "B",
            r,
            0.1,
            SolverKind::Clarabel,
            Status::Solved,
            0.8,
            1e-9,
            0.0,
            1.0,
            &[],
        ),
        // Non-finite objectives are not certified.
        record(
            "C",
            r,
            0.1,
            SolverKind::Clarabel,
            Status::NumericalError,
            f64::NAN,
            0.0,
            0.0,
            1.0,
            &[],
        ),
    ];
    let fs = reference_optima(&recs);
    assert_eq!(fs.get("A"), Some(&1.5));
    assert_eq!(fs.get("B"), Some(&0.8));
    assert_eq!(fs.get("C"), None);
    // Relative gap; the baseline's is negative and reported as such.
    assert!((record_gap(&recs[0], &fs).unwrap() - (0.5 / 1.5)).abs() < 1e-15);
    assert!((record_gap(&recs[2], &fs).unwrap() + (0.5 / 1.5)).abs() < 1e-15);
    assert_eq!(record_gap(&recs[5], &fs), None);
}

#[test]
fn gap_is_absolute_at_lambda_zero() {
    assert_eq!(gap(3.0, 2.0, 0.1), 0.5);
    assert_eq!(gap(3.0, 2.0, 0.0), 1.0);
    assert_eq!(gap(0.25, 0.0, 0.0), 0.25);
}

#[test]
fn time_to_tau_rules() {
    let g = Model::GatedRelu;
    // f* = 1. Clarabel's trace holds uncertified iterates: only the final point counts.
    let cl = record(
        "A",
        g,
        0.1,
        SolverKind::Clarabel,
        Status::Solved,
        1.0 + 1e-9,
        0.0,
        0.5,
        2.0,
        &[(0.1, 1.0), (1.0, 1.0)],
    );
    assert_eq!(time_to(&cl, Some(1.0), 1e-1), Some(2.5));
    assert_eq!(time_to(&cl, Some(1.0), 1e-6), Some(2.5));
    assert_eq!(time_to(&cl, Some(1.0), 1e-12), None);
    // FISTA: the first trace point within τ, plus setup.
    let fi = record(
        "A",
        g,
        0.1,
        SolverKind::Fista,
        Status::Solved,
        1.0,
        0.0,
        0.25,
        3.0,
        &[(0.0, 5.0), (1.0, 1.05), (2.0, 1.0005), (3.0, 1.0)],
    );
    assert_eq!(time_to(&fi, Some(1.0), 1e-1), Some(1.25));
    assert_eq!(time_to(&fi, Some(1.0), 1e-3), Some(2.25));
    assert_eq!(time_to(&fi, Some(1.0), 1e-6), Some(3.25));
    // One rule (issue 14): the trace's best so far decides, even when the final
    // point is not within τ (a thinned trace holds best-so-far values anyway).
    let bad = record(
        "A",
        g,
        0.1,
        SolverKind::Fista,
        Status::Solved,
        1.5,
        0.0,
        0.0,
        3.0,
        &[(1.0, 1.0)],
    );
    assert_eq!(time_to(&bad, Some(1.0), 1e-1), Some(1.0));
    // A failed status is never solved.
    let div = record(
        "A",
        g,
        0.1,
        SolverKind::Fista,
        Status::Diverged,
        1.0,
        0.0,
        0.0,
        1.0,
        &[],
    );
    assert_eq!(time_to(&div, Some(1.0), 1e-1), None);
    // Beyond the time limit (10 s): not solved.
    let slow = record(
        "A",
        g,
        0.1,
        SolverKind::Clarabel,
        Status::Solved,
        1.0,
        0.0,
        1.0,
        9.5,
        &[],
    );
    assert_eq!(time_to(&slow, Some(1.0), 1e-1), None);
    // No f*: nothing is solved.
    assert_eq!(time_to(&cl, None, 1e-1), None);
}

#[test]
fn shifted_geometric_mean_and_median() {
    // exp((ln 1 + ln 4)/2) − 1 = 2 − 1.
    assert!((shifted_geometric_mean(&[0.0, 3.0], 1.0) - 1.0).abs() < 1e-14);
    assert!((shifted_geometric_mean(&[2.0, 2.0, 2.0], 1.0) - 2.0).abs() < 1e-14);
    assert!(shifted_geometric_mean(&[], 1.0).is_nan());
    assert_eq!(median(&[3.0, 1.0, f64::NAN, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0]), 2.5);
}

#[test]
fn summary_counts_unsolved_at_the_time_limit() {
    let g = Model::GatedRelu;
    let recs = vec![
        record(
            "A",
            g,
            0.1,
            SolverKind::Clarabel,
            Status::Solved,
            1.0,
            0.0,
            0.0,
            3.0,
            &[],
        ),
        record(
            "B",
            g,
            0.1,
            SolverKind::Clarabel,
            Status::NumericalError,
            f64::NAN,
            0.0,
            0.0,
            1.0,
            &[],
        ),
        record(
            "B",
            g,
            0.1,
            SolverKind::Fista,
            Status::Solved,
            2.0,
            0.0,
            0.0,
            1.0,
            &[(1.0, 2.0)],
        ),
        record(
            "A",
            g,
            0.1,
            SolverKind::Fista,
            Status::Solved,
            1.1,
            0.0,
            0.0,
            1.0,
            &[(1.0, 1.1)],
        ),
    ];
    let s = summarize(&recs, &[0.2, 1e-3]);
    let cl = s.iter().find(|x| x.solver == "clarabel").unwrap();
    assert_eq!(cl.runs, 2);
    assert_eq!(cl.solved, vec![1, 1]);
    // Solved in 3 s, unsolved at the 10 s limit: exp((ln 4 + ln 11)/2) − 1.
    let want = ((4.0f64.ln() + 11.0f64.ln()) / 2.0).exp() - 1.0;
    assert!((cl.sgm_time[0] - want).abs() < 1e-12);
    let fi = s.iter().find(|x| x.solver == "fista").unwrap();
    assert_eq!(fi.solved, vec![2, 1]);
    assert_eq!(fi.statuses.get("solved"), Some(&2));
}

#[test]
fn thinned_traces_are_never_early() {
    use cvxrelu::harness::bench::thin_trace;
    // A non-monotone trace of 10 000 points over 10 s.
    let full: Vec<TracePoint> = (0..10_000)
        .map(|i| TracePoint {
            iteration: i,
            time_s: i as f64 * 1e-3,
            objective: 1.0 + 1.0 / (1.0 + i as f64) + if i % 7 == 0 { 0.5 } else { 0.0 },
        })
        .collect();
    let mut thin = full.clone();
    assert!(thin_trace(&mut thin, 100));
    assert!(thin.len() <= 101);
    assert_eq!(thin.first(), full.first());
    assert_eq!(thin.last().unwrap().iteration, 9_999);
    for tau in [1e-1, 1e-2, 1e-3, 1e-4] {
        let first = |t: &[TracePoint]| {
            t.iter()
                .find(|p| p.objective - 1.0 <= tau)
                .map(|p| p.time_s)
        };
        let (a, b) = (first(&full).unwrap(), first(&thin).unwrap());
        // Late by at most one bucket (10 s / 100), never early.
        assert!(b >= a && b - a <= 0.1 + 1e-12, "τ={tau}: {a} vs {b}");
    }
    let mut short = full[..50].to_vec();
    assert!(!thin_trace(&mut short, 100));
    assert_eq!(short, full[..50].to_vec());
}
