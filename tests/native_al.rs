//! The augmented Lagrangian on C-ReLU: the AL phase alone, model checks and
//! settings validation. Every reference problem within 1e-6 of the reference
//! objective with max cone violation ≤ 1e-8 and a certified relative duality gap
//! ≤ 1e-6 is checked in `behaviour_unchanged.rs`.

mod common;

use common::{reference_problem, references, rel};
use cvxrelu::certify::certify;
use cvxrelu::model::Model;
use cvxrelu::solvers::native::al::{self, AlSettings};
use cvxrelu::solvers::native::gated;
use cvxrelu::solvers::{SolverError, Status};

// Every relu reference problem at the defaults (AL phase, then the certified
// polish) is checked in `behaviour_unchanged.rs`, which runs each default solve
// once.

/// Without the polish the AL's own point is returned: on the small problems it
/// reaches SPEC §3's stop (squared violation ≤ 1e-6, inner subgradient ≤ 1e-6) and
/// the objective is already close, but the point is not exactly feasible — the
/// reason for the polish.
#[test]
fn al_phase_alone_meets_the_spec_stop() {
    for r in references()
        .iter()
        .filter(|r| r.model == Model::Relu && r.data == "synth.csv")
    {
        let prob = reference_problem(r);
        let settings = AlSettings {
            polish: false,
            ..AlSettings::default()
        };
        let out = al::solve(&prob, &settings, None).unwrap();
        assert_eq!(out.status, Status::Solved, "λ={}", r.lambda);
        let sq = serde_json::to_value(&out.details).unwrap()["al_squared_violation"]
            .as_f64()
            .unwrap();
        assert!(sq <= 1e-6, "λ={}: squared violation {sq}", r.lambda);
        let cert = certify(&prob, &out.weights);
        assert!(rel(cert.objective, r.objective) <= 1e-2, "λ={}", r.lambda);
        assert!(
            serde_json::to_value(&out.details)
                .unwrap()
                .get("polish")
                .is_none()
        );
    }
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
    let t = AlSettings::default().with_tol(1e-9);
    assert!(t.tol == 1e-9 && t.violation_tol == 1e-9 && t.gap_tol == 1e-9);
}
