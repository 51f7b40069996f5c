//! Cone decompositions on constructed points: inflation exactly 1 for points already
//! inside their cones (or their negatives), multi-output problems, and bad input.

mod common;

use common::synth_problem;
use cvxrelu::decompose::quality::{assess, inflation};
use cvxrelu::decompose::{DecomposeError, DecomposeSettings, Method, decompose};
use cvxrelu::model::{Blocks, Model, Regularizer};
use cvxrelu::solvers::native::gated;

const METHODS: [Method; 3] = [Method::Exact, Method::Lp, Method::Approx];

/// `u_{k,i} = α_{k,i} g_i` (α of either sign): each block lies in `K_i` or `−K_i`,
/// since `X̃_i g_i ≥ 0` for the gate that produced pattern `i`.
#[test]
fn points_inside_their_cones_decompose_with_inflation_one() {
    let problem = synth_problem(
        Model::GatedRelu,
        Regularizer::NeuronGl1,
        1e-3,
        80,
        4,
        2,
        12,
        3,
    );
    let (c, p, d) = (problem.c(), problem.p(), problem.d());
    let mut u = Blocks::zeros(c, p, d);
    for k in 0..c {
        for i in 0..p {
            let alpha = match (k * p + i) % 3 {
                0 => 0.0,
                1 => 0.5 + i as f64,
                _ => -1.5 - k as f64,
            };
            for (j, x) in u.block_mut(k, i).iter_mut().enumerate() {
                *x = alpha * problem.gates()[(j, i)];
            }
        }
    }
    for method in METHODS {
        let dec = decompose(&problem, &u, method, &DecomposeSettings::default()).unwrap();
        assert_eq!(dec.blocks.solved, 0, "{method:?}: {:?}", dec.blocks);
        assert!(dec.blocks.in_cone > 0 && dec.blocks.in_negative_cone > 0 && dec.blocks.zero > 0);
        let q = assess(&problem, &u, &dec);
        assert_eq!(q.inflation, 1.0, "{method:?}");
        assert_eq!(q.max_cone_violation, 0.0, "{method:?}");
        assert!(
            q.prediction_change <= 1e-12,
            "{method:?}: {}",
            q.prediction_change
        );
        for k in 0..c {
            for i in 0..p {
                let (ub, vb, wb) = (u.block(k, i), dec.v.block(k, i), dec.w.block(k, i));
                let inside = ub
                    .iter()
                    .zip(&problem.gates().col(i).iter().copied().collect::<Vec<_>>())
                    .any(|(a, g)| a * g > 0.0);
                if inside {
                    assert_eq!(vb, ub);
                    assert!(wb.iter().all(|x| *x == 0.0));
                } else {
                    assert!(vb.iter().all(|x| *x == 0.0));
                    assert!(wb.iter().zip(ub).all(|(a, b)| *a == -b));
                }
            }
        }
    }
}

#[test]
fn inflation_of_zero_is_one_and_never_below_one() {
    let z = Blocks::zeros(1, 2, 3);
    assert_eq!(inflation(&z, &z, &z), 1.0);
    let u = Blocks {
        c: 1,
        p: 1,
        d: 2,
        data: vec![3.0, 4.0],
    };
    let v = Blocks {
        c: 1,
        p: 1,
        d: 2,
        data: vec![3.0, 5.0],
    };
    let w = Blocks {
        c: 1,
        p: 1,
        d: 2,
        data: vec![0.0, 1.0],
    };
    assert!((inflation(&u, &v, &w) - (34f64.sqrt() + 1.0) / 5.0).abs() < 1e-15);
}

/// A multi-output problem solved by R-FISTA: exact and LP decompositions are feasible
/// with unchanged predictions, and the exact one has the smallest inflation.
#[test]
fn multi_output_fista_solution() {
    let problem = synth_problem(
        Model::GatedRelu,
        Regularizer::NeuronGl1,
        1e-3,
        150,
        5,
        3,
        30,
        7,
    );
    let out = gated::solve(&problem, &gated::default_settings(), None).unwrap();
    let cvxrelu::model::Weights::GatedRelu { u } = &out.weights else {
        panic!()
    };
    let mut kappa = vec![];
    for method in METHODS {
        let dec = decompose(&problem, u, method, &DecomposeSettings::default()).unwrap();
        assert!(dec.blocks.solved > 0, "{method:?}: {:?}", dec.blocks);
        let q = assess(&problem, u, &dec);
        eprintln!(
            "{method:?}: κ={} viol={:.1e} Δ={:.1e} blocks {:?}",
            q.inflation, q.max_cone_violation, q.prediction_change, dec.blocks
        );
        if method != Method::Approx {
            assert!(
                q.max_cone_violation <= 1e-8,
                "{method:?}: {}",
                q.max_cone_violation
            );
            assert!(
                q.prediction_change <= 1e-9,
                "{method:?}: {}",
                q.prediction_change
            );
        }
        assert!(q.inflation >= 1.0);
        kappa.push(q.inflation);
    }
    assert!(
        kappa[0] <= kappa[1] * (1.0 + 1e-6),
        "exact {} vs lp {}",
        kappa[0],
        kappa[1]
    );
}

#[test]
fn shape_mismatch_is_an_error() {
    let problem = synth_problem(
        Model::GatedRelu,
        Regularizer::NeuronGl1,
        1e-3,
        40,
        3,
        1,
        5,
        1,
    );
    let u = Blocks::zeros(1, problem.p() + 1, problem.d());
    let e = decompose(&problem, &u, Method::Exact, &DecomposeSettings::default()).unwrap_err();
    assert!(matches!(e, DecomposeError::Shape(..)), "{e}");
    let mut s = DecomposeSettings::default();
    s.approx.tol_rel = -1.0;
    let u = Blocks::zeros(1, problem.p(), problem.d());
    assert!(matches!(
        decompose(&problem, &u, Method::Approx, &s),
        Err(DecomposeError::Settings(_))
    ));
}
