//! Proximal operators and min-norm subgradients on hand-computed cases, and the
//! prox optimality condition `(z − prox(z))/τ ∈ ∂R(prox(z))` on random points.

use cvxrelu::model::{Blocks, Regularizer};
use cvxrelu::solvers::native::prox::{min_norm_subgradient_sq, prox_in_place, value};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

const ALL: [Regularizer; 4] = [
    Regularizer::NeuronGl1,
    Regularizer::FeatureGl1,
    Regularizer::L2,
    Regularizer::L1,
];

fn close(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-14)
}

#[test]
fn hand_computed_proxes() {
    let mut s = vec![0.0; 4];
    // neuron-gl1, d = 2: (3,4) has norm 5 -> scaled by 1 − 1/5; (0.3,0.4) -> 0.
    let mut u = vec![3.0, 4.0, 0.3, 0.4];
    prox_in_place(Regularizer::NeuronGl1, 1.0, 2, &mut u, &mut s);
    assert!(close(&u, &[2.4, 3.2, 0.0, 0.0]), "{u:?}");
    // feature-gl1, d = 2: blocks (3,0), (4,1): feature 0 norm 5, feature 1 norm 1.
    let mut u = vec![3.0, 0.0, 4.0, 1.0];
    prox_in_place(Regularizer::FeatureGl1, 2.0, 2, &mut u, &mut s);
    assert!(close(&u, &[1.8, 0.0, 2.4, 0.0]), "{u:?}");
    // l2 = ½‖·‖²: z / (1 + τ).
    let mut u = vec![3.0, -6.0];
    prox_in_place(Regularizer::L2, 2.0, 2, &mut u, &mut s);
    assert!(close(&u, &[1.0, -2.0]), "{u:?}");
    // l1: soft threshold.
    let mut u = vec![3.0, -0.5, -2.0, 0.0];
    prox_in_place(Regularizer::L1, 1.0, 2, &mut u, &mut s);
    assert!(close(&u, &[2.0, 0.0, -1.0, 0.0]), "{u:?}");
}

#[test]
fn hand_computed_subgradients() {
    let mut s = vec![0.0; 4];
    // neuron-gl1: block u=(3,4), g=(0,0): λ u/‖u‖ = (0.6,0.8)λ, λ=1 -> 1.
    // zero block with g=(0,2): (2 − 1)² = 1. Total 2.
    let u = [3.0, 4.0, 0.0, 0.0];
    let g = [0.0, 0.0, 0.0, 2.0];
    let v = min_norm_subgradient_sq(Regularizer::NeuronGl1, 1.0, 2, &u, &g, &mut s);
    assert!((v - 2.0).abs() < 1e-14, "{v}");
    // l1: u=(1,0), g=(-1, 0.5), λ=1: (−1+1)² + (0.5−1)_+² = 0.
    let v = min_norm_subgradient_sq(Regularizer::L1, 1.0, 2, &[1.0, 0.0], &[-1.0, 0.5], &mut s);
    assert_eq!(v, 0.0);
    // l2: g + λu.
    let v = min_norm_subgradient_sq(Regularizer::L2, 2.0, 2, &[1.0, 1.0], &[0.0, -2.0], &mut s);
    assert!((v - 4.0).abs() < 1e-14);
    // feature-gl1, zero feature with group gradient norm 5 and λ = 2: (5−2)² = 9.
    let v = min_norm_subgradient_sq(
        Regularizer::FeatureGl1,
        2.0,
        2,
        &[0.0, 0.0, 0.0, 0.0],
        &[3.0, 0.0, 4.0, 0.0],
        &mut s,
    );
    assert!((v - 9.0).abs() < 1e-12);
}

#[test]
fn prox_satisfies_its_optimality_condition() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let d = 3;
    let mut s = vec![0.0; 2 * d];
    for reg in ALL {
        for tau in [0.1, 1.0, 3.0] {
            let z: Vec<f64> = (0..5 * d)
                .map(|_| StandardNormal.sample(&mut rng))
                .collect();
            let mut p = z.clone();
            prox_in_place(reg, tau, d, &mut p, &mut s);
            // 0 ∈ (p − z) + τ∂R(p)
            let g: Vec<f64> = p.iter().zip(&z).map(|(a, b)| a - b).collect();
            let sub = min_norm_subgradient_sq(reg, tau, d, &p, &g, &mut s);
            assert!(sub < 1e-20, "{reg:?} τ={tau}: {sub}");
            // and p minimises τR(x) + ½‖x − z‖² against perturbations
            let obj = |x: &[f64], s: &mut Vec<f64>| {
                tau * value(reg, d, x, s)
                    + 0.5 * x.iter().zip(&z).map(|(a, b)| (a - b).powi(2)).sum::<f64>()
            };
            let best = obj(&p, &mut s);
            for _ in 0..20 {
                let q: Vec<f64> = p
                    .iter()
                    .map(|v| {
                        let e: f64 = StandardNormal.sample(&mut rng);
                        v + 1e-3 * e
                    })
                    .collect();
                assert!(obj(&q, &mut s) >= best - 1e-15);
            }
        }
    }
}

#[test]
fn flat_values_match_the_model() {
    let u = Blocks {
        c: 1,
        p: 2,
        d: 2,
        data: vec![3.0, 4.0, 0.0, -1.0],
    };
    let mut s = vec![0.0; 2];
    for reg in ALL {
        assert!((value(reg, 2, &u.data, &mut s) - reg.value(&u)).abs() < 1e-14);
    }
}
