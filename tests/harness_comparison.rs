//! The comparison a reviewer reads, on hand-made records with known answers:
//! Dolan–Moré ratio profiles (values at given α, one denominator, missing runs
//! listed), f* brackets and the undecidable "solved at τ", the status audit, and
//! the report sections that print them.

mod common;

use common::records::record;
use cvxrelu::harness::comparison::{
    Verdict, brackets, decidability, ratio_profiles, status_audit, verdict,
};
use cvxrelu::model::Model;
use cvxrelu::results::Record;
use cvxrelu::solvers::{SolverKind, Status};

const G: Model = Model::GatedRelu;

fn run(problem: &str, kind: SolverKind, objective: f64, time: f64) -> Record {
    record(
        problem,
        G,
        1e-2,
        kind,
        Status::Solved,
        objective,
        0.0,
        0.0,
        time,
        &[],
    )
}

fn suite() -> Vec<Record> {
    use SolverKind::{Clarabel, Fista};
    vec![
        run("A", Clarabel, 1.0, 2.0),
        run("A", Fista, 1.0, 1.0),
        run("B", Clarabel, 1.0, 4.0),
        run("B", Fista, 1.0, 8.0),
        run("C", Clarabel, 2.0, 1.0), // gap 1: not solved at any τ < 1
        run("C", Fista, 1.0, 3.0),
        run("D", Fista, 1.0, 5.0), // no clarabel record of D
    ]
}

#[test]
fn ratio_profile_values_over_one_problem_set() {
    let profs = ratio_profiles(&suite(), 1e-3);
    assert_eq!(profs.len(), 1);
    let p = &profs[0];
    assert_eq!(p.problems, vec!["A", "B", "C", "D"]);
    let idx = |s: &str| p.ratios.iter().position(|(n, _)| n == s).unwrap();
    let (cl, fi) = (idx("clarabel"), idx("fista"));
    // clarabel: A 2/1, B 4/4, C ∞, D ∞ (missing); fista: A 1, B 8/4, C 1, D 1.
    assert_eq!(p.ratios[cl].1, vec![2.0, 1.0, f64::INFINITY, f64::INFINITY]);
    assert_eq!(p.ratios[fi].1, vec![1.0, 2.0, 1.0, 1.0]);
    assert_eq!(p.fraction(cl, 1.0), 0.25);
    assert_eq!(p.fraction(cl, 2.0), 0.5);
    assert_eq!(p.fraction(cl, 1e9), 0.5, "unsolved and missing never count");
    assert_eq!(p.fraction(fi, 1.0), 0.75);
    assert_eq!(p.fraction(fi, 2.0), 1.0);
    assert_eq!(p.missing, vec![("clarabel".to_string(), "D".to_string())]);
}

#[test]
fn brackets_and_undecidable_runs() {
    let mut rs = suite();
    // A: certified primal 1.0, a dual bound 1 − 1e-6 → width ≈ 1e-6.
    rs[0].dual_objective = Some(1.0 - 1e-6);
    rs[1].dual_objective = Some(1.0 - 2e-6); // the best bound is kept
    let br = brackets(&rs);
    let a = br["A"];
    assert_eq!(a.upper, Some(1.0));
    assert_eq!(a.lower, Some(1.0 - 1e-6));
    let w = a.width().unwrap();
    assert!((w - 1e-6 / (1.0 - 1e-6)).abs() < 1e-15, "{w}");
    assert_eq!(br["B"].lower, None);
    assert_eq!(br["B"].width(), None);
    // At τ = 1e-3 the bracket decides; at 1e-8 it does not.
    assert_eq!(verdict(&rs[0], Some(&a), 1e-3), Verdict::Solved);
    assert_eq!(verdict(&rs[0], Some(&a), 1e-8), Verdict::Undecidable);
    // Far from U: provably not solved whatever the bracket.
    assert_eq!(verdict(&rs[4], br.get("C"), 1e-3), Verdict::NotSolved);
    // Without a lower bound nothing can be proven solved.
    assert_eq!(verdict(&rs[2], br.get("B"), 1e-3), Verdict::Undecidable);
    let d = decidability(&rs, 1e-8);
    let cl = d.iter().find(|(_, s, _)| s == "clarabel").unwrap().2;
    // clarabel: A undecidable, B undecidable (no L), C not solved.
    assert_eq!(cl, [0, 2, 1]);
}

#[test]
fn status_audit_counts_wrong_solved_statuses() {
    let mut rs = suite();
    // clarabel on A says solved 1e-6 above the best point: beyond its own 1e-8.
    rs[0].objective = 1.0 + 1e-6;
    // An uncertified "solved" relu point.
    rs.push(record(
        "E",
        Model::Relu,
        1e-2,
        SolverKind::Clarabel,
        Status::Solved,
        1.0,
        1e-3,
        0.0,
        1.0,
        &[],
    ));
    let audit = status_audit(&rs);
    let gated_cl = audit
        .iter()
        .find(|a| a.model == G && a.solver == "clarabel")
        .unwrap();
    // A (gap 1e-6 > 1e-8) and C (gap 1 > 1e-8) are wrong, B is right.
    assert_eq!((gated_cl.solved, gated_cl.wrong), (3, 2));
    assert_eq!(gated_cl.worst_gap, Some(1.0));
    let fi = audit.iter().find(|a| a.solver == "fista").unwrap();
    assert_eq!((fi.solved, fi.wrong, fi.worst_gap), (4, 0, None));
    let relu = audit.iter().find(|a| a.model == Model::Relu).unwrap();
    assert_eq!(
        (relu.solved, relu.wrong, relu.worst_gap),
        (1, 1, Some(f64::INFINITY))
    );
}

#[test]
fn report_prints_the_sections() {
    let md = cvxrelu::harness::comparison_report::sections(&suite(), &[1e-3]);
    assert!(md.contains("## Performance-ratio profiles"));
    assert!(md.contains("| fista | 0.75 | 1.00 |"), "{md}");
    assert!(
        md.contains("No record (counted unsolved): `clarabel` on `D`."),
        "{md}"
    );
    assert!(md.contains("## Certified brackets on f*"));
    assert!(md.contains("## Status audit"));
}
