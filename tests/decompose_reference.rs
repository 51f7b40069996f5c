//! Cone decompositions on every reference problem (`tests/data/reference/`):
//!
//! - exact and LP decompositions are feasible (violation ≤ 1e-8) and leave the
//!   predictions unchanged (≤ 1e-9 relative), and the ReLU network they define
//!   reproduces the gated model;
//! - the approximate decomposition reports its residual violation honestly (equal to
//!   the certificate's recomputation);
//! - inflation ≥ 1; the exact (min-norm) inflation is ≤ the LP's and the approx's;
//! - decomposed objective ≥ the C-ReLU optimum of `objectives.json`, and the C-GReLU
//!   optimum (Clarabel, certified by its duality gap) ≤ the C-ReLU optimum.

mod common;

use common::{Reference, references};
use cvxrelu::certify::certify;
use cvxrelu::decompose::exact::ExactForm;
use cvxrelu::decompose::quality::assess;
use cvxrelu::decompose::{DecomposeSettings, Method, decompose};
use cvxrelu::model::{Model, Weights};
use cvxrelu::solvers::clarabel::{ClarabelSettings, solve};

/// The C-ReLU reference objective of the same data and λ.
fn relu_optimum(all: &[Reference], g: &Reference) -> f64 {
    all.iter()
        .find(|r| r.model == Model::Relu && r.data == g.data && r.lambda == g.lambda)
        .expect("every gated reference has a relu twin")
        .objective
}

#[test]
fn decompositions_on_reference_problems() {
    let all = references();
    let gated: Vec<&Reference> = all.iter().filter(|r| r.model == Model::GatedRelu).collect();
    assert!(gated.len() >= 12, "expected 12 gated references");
    let settings = DecomposeSettings::default();
    for r in gated {
        let problem = r.problem();
        let out = solve(&problem, &ClarabelSettings::default()).expect("clarabel runs");
        assert!(out.status.is_solved(), "{} λ={}", r.data, r.lambda);
        let cert = certify(&problem, &out.weights);
        let relu_star = relu_optimum(&all, r);
        // Our C-GReLU optimum, certified by a duality gap, is below the C-ReLU optimum.
        assert!(
            cert.relative_duality_gap.unwrap() < 1e-6,
            "{} λ={}: gap {:?}",
            r.data,
            r.lambda,
            cert.relative_duality_gap
        );
        assert!(
            cert.dual_objective.unwrap() <= relu_star * (1.0 + 1e-7),
            "{} λ={}: p*_GReLU {} > p*_ReLU {relu_star}",
            r.data,
            r.lambda,
            cert.dual_objective.unwrap()
        );
        assert!(cert.objective <= relu_star);
        let Weights::GatedRelu { u } = &out.weights else {
            panic!("gated weights")
        };
        let mut inflation = std::collections::HashMap::new();
        for method in [Method::Exact, Method::Lp, Method::Approx] {
            let dec = decompose(&problem, u, method, &settings).expect("decomposes");
            let q = assess(&problem, u, &dec);
            let tag = format!("{} λ={} {}", r.data, r.lambda, method.name());
            eprintln!(
                "{tag}: κ={:.4} viol={:.1e} Δpred={:.1e} obj={:.6e} (relu* {relu_star:.6e}) {:.3}s blocks {:?}",
                q.inflation,
                q.max_cone_violation,
                q.prediction_change,
                q.relu.objective,
                q.time_s,
                dec.blocks
            );
            assert!(
                q.inflation >= 1.0 - 1e-12,
                "{tag}: inflation {}",
                q.inflation
            );
            assert!((q.gated_objective - cert.objective).abs() < 1e-12);
            // v − w = u in every method: the convex predictions are those of u.
            let eff = dec.weights().effective().into_owned();
            let max_diff = eff
                .data
                .iter()
                .zip(&u.data)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(
                max_diff <= 1e-12 * u.max_norm().max(1.0),
                "{tag}: v − w ≠ u"
            );
            match method {
                Method::Exact | Method::Lp => {
                    assert!(dec.status.is_solved(), "{tag}: {:?}", dec.status);
                    assert!(
                        q.max_cone_violation <= 1e-8,
                        "{tag}: violation {}",
                        q.max_cone_violation
                    );
                    assert!(
                        q.prediction_change <= 1e-9,
                        "{tag}: Δpred {}",
                        q.prediction_change
                    );
                    // A feasible C-ReLU point cannot beat the C-ReLU optimum.
                    assert!(
                        q.relu.objective >= relu_star * (1.0 - 1e-7),
                        "{tag}: objective {} < p*_ReLU {relu_star}",
                        q.relu.objective
                    );
                    assert!((dec.reported_violation - q.max_cone_violation).abs() <= 1e-12);
                }
                Method::Approx => {
                    // Honest: the residual the method reports is the recomputed one.
                    let diff = (dec.reported_violation - q.max_cone_violation).abs();
                    assert!(
                        diff <= 1e-12 + 1e-9 * q.max_cone_violation,
                        "{tag}: reported {} vs recomputed {}",
                        dec.reported_violation,
                        q.max_cone_violation
                    );
                }
            }
            inflation.insert(method, q.inflation);
        }
        // The exact decomposition is the minimum-norm one among feasible decompositions.
        assert!(
            inflation[&Method::Exact] <= inflation[&Method::Lp] * (1.0 + 1e-6),
            "{} λ={}: exact κ {} > lp κ {}",
            r.data,
            r.lambda,
            inflation[&Method::Exact],
            inflation[&Method::Lp]
        );
    }
}

#[test]
fn joint_and_per_block_exact_agree() {
    let all = references();
    let r = all
        .iter()
        .find(|r| r.model == Model::GatedRelu && r.data == "synth.csv" && r.lambda == 0.01)
        .unwrap();
    let problem = r.problem();
    let out = solve(&problem, &ClarabelSettings::default()).unwrap();
    let Weights::GatedRelu { u } = &out.weights else {
        panic!()
    };
    let mut s = DecomposeSettings::default();
    let per = decompose(&problem, u, Method::Exact, &s).unwrap();
    s.exact.form = ExactForm::Joint;
    let joint = decompose(&problem, u, Method::Exact, &s).unwrap();
    let (qp, qj) = (assess(&problem, u, &per), assess(&problem, u, &joint));
    assert!(per.blocks.solved > 0, "the test needs general blocks");
    assert!(
        (qp.inflation - qj.inflation).abs() <= 1e-6 * qp.inflation,
        "per-block κ {} vs joint κ {}",
        qp.inflation,
        qj.inflation
    );
    assert!(qj.max_cone_violation <= 1e-8);
}
