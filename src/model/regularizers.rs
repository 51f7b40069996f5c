//! Regularizers `R(u)` of the convex models (SPEC §1) and their dual norms.
//!
//! - `neuron-gl1`: `Σ_{k,i} ‖u_{k,i}‖₂`; dual norm `max_{k,i} ‖z_{k,i}‖₂`.
//! - `feature-gl1`: `Σ_j ‖U_{:,:,j}‖₂` (one group per feature across all neurons and
//!   outputs); dual norm `max_j ‖Z_{:,:,j}‖₂`.
//! - `l2`: `½ ‖U‖_F²` (not a norm; its conjugate is `½‖Z‖_F²`).
//! - `l1`: `‖U‖₁`; dual norm `‖Z‖_∞`.
//!
//! C-ReLU uses `neuron-gl1` on `v` and `w`.

use serde::{Deserialize, Serialize};

use super::weights::Blocks;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Regularizer {
    #[default]
    NeuronGl1,
    FeatureGl1,
    L2,
    L1,
}

impl Regularizer {
    pub const fn name(&self) -> &'static str {
        match self {
            Regularizer::NeuronGl1 => "neuron-gl1",
            Regularizer::FeatureGl1 => "feature-gl1",
            Regularizer::L2 => "l2",
            Regularizer::L1 => "l1",
        }
    }

    /// `R(u)`.
    pub fn value(&self, u: &Blocks) -> f64 {
        match self {
            Regularizer::NeuronGl1 => (0..u.c)
                .flat_map(|k| (0..u.p).map(move |i| (k, i)))
                .map(|(k, i)| u.norm(k, i))
                .sum(),
            Regularizer::FeatureGl1 => feature_norms(u).iter().sum(),
            Regularizer::L2 => 0.5 * u.data.iter().map(|v| v * v).sum::<f64>(),
            Regularizer::L1 => u.data.iter().map(|v| v.abs()).sum(),
        }
    }

    /// The dual norm `R°(z)` for the norm regularizers; `None` for `l2`.
    pub fn dual_norm(&self, z: &Blocks) -> Option<f64> {
        match self {
            Regularizer::NeuronGl1 => Some(
                (0..z.c)
                    .flat_map(|k| (0..z.p).map(move |i| (k, i)))
                    .map(|(k, i)| z.norm(k, i))
                    .fold(0.0, f64::max),
            ),
            Regularizer::FeatureGl1 => Some(feature_norms(z).into_iter().fold(0.0, f64::max)),
            Regularizer::L2 => None,
            Regularizer::L1 => Some(z.data.iter().fold(0.0, |m, v| m.max(v.abs()))),
        }
    }
}

/// `‖U_{:,:,j}‖₂` for every feature `j`.
pub fn feature_norms(u: &Blocks) -> Vec<f64> {
    let mut sq = vec![0.0; u.d];
    for b in u.data.chunks(u.d.max(1)) {
        for (s, v) in sq.iter_mut().zip(b) {
            *s += v * v;
        }
    }
    sq.into_iter().map(f64::sqrt).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_dual_norms() {
        // c=1, P=2, d=2: u_0 = (3,4), u_1 = (0,-1)
        let u = Blocks {
            c: 1,
            p: 2,
            d: 2,
            data: vec![3.0, 4.0, 0.0, -1.0],
        };
        assert_eq!(Regularizer::NeuronGl1.value(&u), 6.0);
        assert!((Regularizer::FeatureGl1.value(&u) - (3.0 + 17f64.sqrt())).abs() < 1e-15);
        assert_eq!(Regularizer::L2.value(&u), 13.0);
        assert_eq!(Regularizer::L1.value(&u), 8.0);
        assert_eq!(Regularizer::NeuronGl1.dual_norm(&u), Some(5.0));
        assert_eq!(Regularizer::FeatureGl1.dual_norm(&u), Some(17f64.sqrt()));
        assert_eq!(Regularizer::L1.dual_norm(&u), Some(4.0));
        assert_eq!(Regularizer::L2.dual_norm(&u), None);
    }
}

crate::named::named!(Regularizer, [NeuronGl1, FeatureGl1, L2, L1]);
