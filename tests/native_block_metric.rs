//! R-FISTA in the block-Gram metric (`--metric block-gram`) on the gated reference
//! problems: the certified answers agree with the independent reference objectives
//! (CVXPY + Clarabel/ECOS/SCS) and with the Euclidean R-FISTA, and on correlated
//! features (breast_cancer) the metric needs far fewer iterations. Iteration counts
//! are deterministic; no time is measured here.

mod common;

use common::{assert_gated_certified, reference_problem, references};
use cvxrelu::certify::certify;
use cvxrelu::model::Model;
use cvxrelu::solvers::native::fista::{FistaSettings, Metric, WorkingSets};
use cvxrelu::solvers::native::{gated, working_set};

fn settings(metric: Metric) -> FistaSettings {
    FistaSettings {
        metric,
        ..gated::default_settings()
    }
}

#[test]
fn block_metric_solves_every_gated_reference_problem_to_its_certificate() {
    let mut fewer = Vec::new();
    for r in references().iter().filter(|r| r.model == Model::GatedRelu) {
        let prob = reference_problem(r);
        assert!(gated::uses_block_metric(
            &prob,
            &settings(Metric::BlockGram)
        ));
        assert!(!gated::uses_block_metric(
            &prob,
            &settings(Metric::Euclidean)
        ));
        let metric = gated::solve(&prob, &settings(Metric::BlockGram), None).unwrap();
        let what = format!("{} λ={}", r.data, r.lambda);
        let objective = assert_gated_certified(&prob, &metric, r, &what);
        let euclid = gated::solve(&prob, &settings(Metric::Euclidean), None).unwrap();
        let other = certify(&prob, &euclid.weights).objective;
        assert!(
            (objective - other).abs() <= 2e-6 * other,
            "{what}: {} vs {other}",
            objective
        );
        if r.data == "breast_cancer.csv" {
            fewer.push((r.lambda, metric.iterations, euclid.iterations));
        }
    }
    // Measured: 200/340, 540/1590, 2260/7890 at λ = 0.1, 0.01, 0.001 (greedy
    // momentum; 270/460, 760/2300, 2550/8720 with FISTA's).
    assert_eq!(fewer.len(), 3);
    for (lambda, m, e) in fewer {
        assert!(
            m < e,
            "breast_cancer λ={lambda}: {m} iterations vs {e} Euclidean"
        );
        if lambda <= 0.01 {
            assert!(
                2 * m <= e,
                "breast_cancer λ={lambda}: {m} iterations vs {e} Euclidean"
            );
        }
    }
}

/// The working sets' rounds take their set's blocks of the metric built once for
/// all patterns: with the metric forced and working sets on, every gated
/// breast_cancer problem is certified and equals the reference objective, in fewer
/// iterations than the Euclidean working sets.
#[test]
fn block_metric_in_working_sets_is_certified_and_takes_fewer_iterations() {
    for r in references()
        .iter()
        .filter(|r| r.model == Model::GatedRelu && r.data == "breast_cancer.csv")
    {
        let prob = reference_problem(r);
        let on = |metric| FistaSettings {
            working_sets: WorkingSets::On,
            ..settings(metric)
        };
        assert!(working_set::applies(&prob, &on(Metric::BlockGram)));
        let metric = working_set::solve(&prob, &on(Metric::BlockGram), None).unwrap();
        let euclid = working_set::solve(&prob, &on(Metric::Euclidean), None).unwrap();
        let what = format!("λ={}", r.lambda);
        assert_gated_certified(&prob, &metric, r, &what);
        assert!(
            metric.iterations < euclid.iterations,
            "{what}: {} iterations vs {} Euclidean",
            metric.iterations,
            euclid.iterations
        );
    }
}
