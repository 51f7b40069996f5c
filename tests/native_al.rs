//! The augmented Lagrangian on C-ReLU: every reference problem within 1e-6 of the
//! reference objective with max cone violation ≤ 1e-8 (certified independently).

mod common;

use common::{reference_problem, references, rel};
use cvxrelu::certify::certify;
use cvxrelu::model::Model;
use cvxrelu::solvers::native::al::{self, AlSettings};
use cvxrelu::solvers::native::gated;
use cvxrelu::solvers::{SolverError, Status};

#[test]
fn reference_relu_objectives_within_1e6_and_feasible() {
    let mut count = 0;
    for r in references().iter().filter(|r| r.model == Model::Relu) {
        let prob = reference_problem(r);
        let out = al::solve(&prob, &AlSettings::default(), None).unwrap();
        let cert = certify(&prob, &out.weights);
        let e = rel(cert.objective, r.objective);
        eprintln!(
            "{} λ={}: {} rel {e:.1e} viol {:.1e} iters {} {:.2}s",
            r.data,
            r.lambda,
            out.status.name(),
            cert.max_cone_violation,
            out.iterations,
            out.solve_s
        );
        assert_eq!(out.status, Status::Solved, "{} λ={}", r.data, r.lambda);
        assert!(e <= 1e-6, "{} λ={}: relative error {e}", r.data, r.lambda);
        assert!(
            cert.max_cone_violation <= 1e-8,
            "{} λ={}: violation {}",
            r.data,
            r.lambda,
            cert.max_cone_violation
        );
        count += 1;
    }
    assert_eq!(count, 12);
}

#[test]
fn solvers_refuse_the_other_model() {
    let refs = references();
    let g = refs.iter().find(|r| r.model == Model::GatedRelu).unwrap();
    let r = refs.iter().find(|r| r.model == Model::Relu).unwrap();
    assert!(matches!(
        al::solve(&reference_problem(g), &AlSettings::default(), None),
        Err(SolverError::Unsupported { .. })
    ));
    assert!(matches!(
        gated::solve(&reference_problem(r), &gated::default_settings(), None),
        Err(SolverError::Unsupported { .. })
    ));
}

#[test]
fn settings_are_validated() {
    let bad = AlSettings {
        tol: -1.0,
        ..AlSettings::default()
    };
    let r = references();
    let p = reference_problem(r.iter().find(|r| r.model == Model::Relu).unwrap());
    assert!(matches!(
        al::solve(&p, &bad, None),
        Err(SolverError::Settings(_))
    ));
    let t = AlSettings::default().with_tol(1e-14);
    assert!(t.tol == 1e-14 && t.feasibility_tol <= 1e-10);
}
