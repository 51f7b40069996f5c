//! Clarabel on the compiled SOCP reaches the objective on which CVXPY + Clarabel,
//! ECOS and SCS agree, for every reference problem, with the certificate computed
//! from the returned weights (SPEC §6, issue 3).

mod common;

use cvxrelu::certify::certify;
use cvxrelu::model::Model;
use cvxrelu::solvers::{Status, clarabel};

/// Check every reference problem of one dataset (one test per dataset so the test
/// harness runs them in parallel).
fn check_dataset(data: &str) {
    let refs: Vec<_> = common::references()
        .into_iter()
        .filter(|r| r.data == data)
        .collect();
    assert!(refs.len() >= 6, "expected 3 λ × 2 models for {data}");
    let mut worst: f64 = 0.0;
    for r in &refs {
        let problem = r.problem();
        assert_eq!(problem.n(), r.n);
        assert_eq!(problem.d(), r.d);
        assert_eq!(problem.c(), r.c);
        assert_eq!(problem.patterns().requested, r.patterns_requested);
        assert_eq!(problem.p(), r.patterns, "{} effective patterns", r.data);
        let out = clarabel::solve(&problem, &Default::default()).expect("clarabel runs");
        assert_eq!(
            out.status,
            Status::Solved,
            "{} {:?} {}",
            r.data,
            r.model,
            r.lambda
        );
        let cert = certify(&problem, &out.weights);
        let rel = common::rel_diff(cert.objective, r.objective);
        worst = worst.max(rel);
        assert!(
            rel <= 1e-6,
            "{} {:?} λ={}: objective {} vs reference {} (rel {rel:e})",
            r.data,
            r.model,
            r.lambda,
            cert.objective,
            r.objective
        );
        assert!(
            cert.max_cone_violation <= 1e-7,
            "{} {:?} λ={}: violation {}",
            r.data,
            r.model,
            r.lambda,
            cert.max_cone_violation
        );
        if r.model == Model::GatedRelu {
            // The certified duality gap is a valid bound: the dual objective never
            // exceeds the reference optimum (up to the references' own accuracy).
            let dual = cert.dual_objective.expect("gated relu has a dual bound");
            assert!(
                dual <= r.objective * (1.0 + 1e-7),
                "dual {dual} above optimum {}",
                r.objective
            );
            assert!(
                cert.relative_duality_gap.unwrap() <= 1e-5,
                "gap {:?}",
                cert.relative_duality_gap
            );
        }
    }
    eprintln!("{data}: worst relative difference against the references: {worst:.2e}");
}

#[test]
fn reference_set_is_complete() {
    let refs = common::references();
    assert_eq!(refs.len(), 24);
    for r in &refs {
        assert!(
            [
                "breast_cancer.csv",
                "diabetes.csv",
                "digits38.csv",
                "synth.csv"
            ]
            .contains(&r.data.as_str()),
            "{}",
            r.data
        );
    }
}

#[test]
fn breast_cancer() {
    check_dataset("breast_cancer.csv");
}

#[test]
fn diabetes() {
    check_dataset("diabetes.csv");
}

#[test]
fn digits38() {
    check_dataset("digits38.csv");
}

#[test]
fn synth() {
    check_dataset("synth.csv");
}
