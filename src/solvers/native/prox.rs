//! Proximal operators and minimum-norm subgradients of `λR` for the four
//! regularizers (SPEC §1), on the flat block layout (`d`-long blocks, block `j` at
//! `[j·d, (j+1)·d)`).
//!
//! With `τ = ηλ` (step times strength):
//!
//! ```text
//!   neuron-gl1   prox(z)_j = (1 − τ/‖z_j‖)_+ z_j                 (group soft threshold)
//!   feature-gl1  prox(z)_{:,f} = (1 − τ/‖z_{·,f}‖)_+ z_{·,f}      (groups: feature f of every block)
//!   l2 (½‖·‖²)   prox(z) = z / (1 + τ)
//!   l1           prox(z)_e = sign(z_e)(|z_e| − τ)_+
//! ```
//!
//! The minimum-norm element of `g + λ∂R(u)` (the stopping measure of SPEC §3) is,
//! per group `b`: `g_b + λ u_b/‖u_b‖` where `u_b ≠ 0`, else `(1 − λ/‖g_b‖)_+ g_b`
//! (for l1 the groups are single entries; for l2 it is `g + λu`).

use crate::model::Regularizer;

/// `u ← prox_{τR}(u)` in place. `scratch` must hold at least `d` entries
/// (feature-gl1 group norms).
pub fn prox_in_place(reg: Regularizer, tau: f64, d: usize, u: &mut [f64], scratch: &mut [f64]) {
    if tau <= 0.0 {
        return;
    }
    match reg {
        Regularizer::NeuronGl1 => {
            for b in u.chunks_mut(d) {
                let nrm = b.iter().map(|v| v * v).sum::<f64>().sqrt();
                let s = if nrm > tau { 1.0 - tau / nrm } else { 0.0 };
                b.iter_mut().for_each(|v| *v *= s);
            }
        }
        Regularizer::FeatureGl1 => {
            let sq = &mut scratch[..d];
            feature_squares(d, u, sq);
            for s in sq.iter_mut() {
                let nrm = s.sqrt();
                *s = if nrm > tau { 1.0 - tau / nrm } else { 0.0 };
            }
            for b in u.chunks_mut(d) {
                b.iter_mut().zip(sq.iter()).for_each(|(v, s)| *v *= s);
            }
        }
        Regularizer::L2 => {
            let s = 1.0 / (1.0 + tau);
            u.iter_mut().for_each(|v| *v *= s);
        }
        Regularizer::L1 => {
            u.iter_mut().for_each(|v| {
                let a = v.abs() - tau;
                *v = if a > 0.0 { a.copysign(*v) } else { 0.0 };
            });
        }
    }
}

/// `sq[f] = Σ_j u_{j,f}²`.
fn feature_squares(d: usize, u: &[f64], sq: &mut [f64]) {
    sq.iter_mut().for_each(|s| *s = 0.0);
    for b in u.chunks(d) {
        for (s, v) in sq.iter_mut().zip(b) {
            *s += v * v;
        }
    }
}

/// `‖min-norm element of g + λ∂R(u)‖²`. `scratch` holds at least `2d` entries.
pub fn min_norm_subgradient_sq(
    reg: Regularizer,
    lambda: f64,
    d: usize,
    u: &[f64],
    g: &[f64],
    scratch: &mut [f64],
) -> f64 {
    debug_assert_eq!(u.len(), g.len());
    match reg {
        Regularizer::NeuronGl1 => u
            .chunks(d)
            .zip(g.chunks(d))
            .map(|(ub, gb)| group_term(lambda, ub, gb))
            .sum(),
        Regularizer::FeatureGl1 => {
            let (usq, gsq) = scratch[..2 * d].split_at_mut(d);
            feature_squares(d, u, usq);
            feature_squares(d, g, gsq);
            let mut total = 0.0;
            for f in 0..d {
                let un = usq[f].sqrt();
                if un > 0.0 {
                    // ‖g_f + λ u_f/‖u_f‖‖² summed over the group's entries.
                    let mut s = 0.0;
                    for (ub, gb) in u.chunks(d).zip(g.chunks(d)) {
                        let e = gb[f] + lambda * ub[f] / un;
                        s += e * e;
                    }
                    total += s;
                } else {
                    let gn = gsq[f].sqrt();
                    total += (gn - lambda).max(0.0).powi(2);
                }
            }
            total
        }
        Regularizer::L2 => u
            .iter()
            .zip(g)
            .map(|(uu, gg)| (gg + lambda * uu).powi(2))
            .sum(),
        Regularizer::L1 => u
            .iter()
            .zip(g)
            .map(|(&uu, &gg)| {
                if uu != 0.0 {
                    (gg + lambda * uu.signum()).powi(2)
                } else {
                    (gg.abs() - lambda).max(0.0).powi(2)
                }
            })
            .sum(),
    }
}

fn group_term(lambda: f64, ub: &[f64], gb: &[f64]) -> f64 {
    let un = ub.iter().map(|v| v * v).sum::<f64>().sqrt();
    if un > 0.0 {
        ub.iter()
            .zip(gb)
            .map(|(uu, gg)| (gg + lambda * uu / un).powi(2))
            .sum()
    } else {
        let gn = gb.iter().map(|v| v * v).sum::<f64>().sqrt();
        (gn - lambda).max(0.0).powi(2)
    }
}

/// `R(u)` on the flat layout (same values as [`Regularizer::value`]). `scratch`
/// holds at least `d` entries.
pub fn value(reg: Regularizer, d: usize, u: &[f64], scratch: &mut [f64]) -> f64 {
    match reg {
        Regularizer::NeuronGl1 => u
            .chunks(d)
            .map(|b| b.iter().map(|v| v * v).sum::<f64>().sqrt())
            .sum(),
        Regularizer::FeatureGl1 => {
            let sq = &mut scratch[..d];
            feature_squares(d, u, sq);
            sq.iter().map(|s| s.sqrt()).sum()
        }
        Regularizer::L2 => 0.5 * u.iter().map(|v| v * v).sum::<f64>(),
        Regularizer::L1 => u.iter().map(|v| v.abs()).sum(),
    }
}
