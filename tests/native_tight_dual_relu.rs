//! The tight dual point of C-ReLU (issue 13, item 2; `certify::tight`, its cone
//! part): a valid bound at points inside the cones, second order near the
//! optimum where the plain scaled residual is first order, and a certified stop
//! (full problem and working sets) that comes sooner and is proved again by the
//! record's certificate, checked against the independent solvers' optimum.

mod common;

use common::{Reference, reference_problem, references};
use cvxrelu::certify::{self, certify};
use cvxrelu::cone::polyhedral::{ConeProjector, Passive};
use cvxrelu::model::{Blocks, Model, Problem, Weights};
use cvxrelu::solvers::native::fista::{FistaSettings, WorkingSets};
use cvxrelu::solvers::native::{relu, relu_working_set};
use cvxrelu::solvers::{SolveOutput, SolverDetails, Status};
use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

fn relu_references() -> Vec<Reference> {
    references()
        .into_iter()
        .filter(|r| r.model == Model::Relu)
        .collect()
}

/// A lower bound is at most the reference optimum, to the independent solvers'
/// agreement (C-ReLU references agree to about 1e-7).
fn assert_below(r: &Reference, b: f64, what: &str) {
    let slack = r.max_rel_spread_between_solvers.max(1e-9);
    assert!(
        b <= r.objective * (1.0 + slack),
        "{} λ={}: {what} bound {b} above the optimum {}",
        r.data,
        r.lambda,
        r.objective
    );
}

/// The residual `A(v − w) − Y` and `Aᵀ` of it.
fn residual(prob: &Problem, v: &Blocks, w: &Blocks) -> (Mat<f64>, Blocks) {
    let (x, y, patterns) = (prob.x(), prob.y(), prob.patterns());
    let weights = Weights::Relu {
        v: v.clone(),
        w: w.clone(),
    };
    let pred = cvxrelu::model::objective::predictions(x, patterns, &weights.effective());
    let r = Mat::from_fn(prob.n(), prob.c(), |i, k| pred[(i, k)] - y[(i, k)]);
    let g = certify::adjoint(x, patterns, &r);
    (r, g)
}

/// `(objective, plain bound, tight bound)` at `(v, w)`, from the data alone.
fn bounds(prob: &Problem, v: &Blocks, w: &Blocks) -> (f64, f64, Option<f64>) {
    let (x, y, patterns) = (prob.x(), prob.y(), prob.patterns());
    let nc = (prob.n() * prob.c()) as f64;
    let (r, g) = residual(prob, v, w);
    let (rr, ry) = certify::residual_products(r.as_ref(), y.as_ref());
    let dn = certify::relu_dual_norm(x, patterns, &g);
    let plain = certify::scaled_residual_bound(prob.lambda(), nc, rr, ry, dn);
    let mut norm = certify::ReluDualNorm::new(x.as_ref(), patterns, 2 * g.c * g.p);
    let tight = certify::tight_relu_dual_objective(
        x,
        patterns,
        y.as_ref(),
        (v, w),
        r.as_ref(),
        &g,
        (prob.lambda(), nc, dn),
        &mut norm,
        &|| false,
    );
    let weights = Weights::Relu {
        v: v.clone(),
        w: w.clone(),
    };
    (certify(prob, &weights).objective, plain, tight)
}

/// The tight bound is at most the dual objective at its direction `r'` scaled by
/// a *lower* bound on the dual norm over all blocks, computed here: for each
/// block, `⟨z, q⟩/‖q‖ ≤ ‖Π_K(z)‖` for any `q` of the cone `K` (`q` a projection,
/// checked to be in `K` row by row). A bound that assumed its direction feasible,
/// or took the norm over the support only, exceeds it.
fn assert_feasible_scale(prob: &Problem, v: &Blocks, w: &Blocks, tight: f64) {
    let (x, y, patterns) = (prob.x(), prob.y(), prob.patterns());
    let (n, c, p, d) = (prob.n(), prob.c(), prob.p(), prob.d());
    let nc = (n * c) as f64;
    let (r, g) = residual(prob, v, w);
    let dn = certify::relu_dual_norm(x, patterns, &g);
    let rt = certify::tight::tight_residual_relu(
        x.as_ref(),
        patterns,
        v,
        w,
        r.as_ref(),
        &g,
        prob.lambda(),
        nc,
        dn,
    )
    .expect("a tight bound has a direction");
    let mut projector = ConeProjector::new(x.as_ref());
    let mut lower: f64 = 0.0;
    for k in 0..c {
        for i in 0..p {
            let mask: Vec<f64> = (0..n)
                .map(|row| f64::from(u8::from(patterns.get(row, i))))
                .collect();
            let mut z = vec![0.0; d];
            for (a, za) in z.iter_mut().enumerate() {
                *za = (0..n)
                    .filter(|&row| patterns.get(row, i))
                    .map(|row| x[(row, a)] * rt[(row, k)])
                    .sum();
            }
            for sign in [-1.0, 1.0] {
                let zs: Vec<f64> = z.iter().map(|v| sign * v).collect();
                let mut q = zs.clone();
                let mut cone = vec![0.0; n];
                projector.cone_values(&mask, &q, &mut cone);
                projector.project(&mask, &mut q, &cone, &mut Passive::new(d));
                let qn = q.iter().map(|v| v * v).sum::<f64>().sqrt();
                let zn = zs.iter().map(|v| v * v).sum::<f64>().sqrt();
                // A projection at rounding level (the gradient in the polar
                // cone) adds nothing to the lower bound.
                if qn <= 1e-10 * zn {
                    continue;
                }
                for row in 0..n {
                    let s = if patterns.get(row, i) { 1.0 } else { -1.0 };
                    let xv: f64 = (0..d).map(|a| x[(row, a)] * q[a]).sum();
                    let xn: f64 = (0..d).map(|a| x[(row, a)].powi(2)).sum::<f64>().sqrt();
                    assert!(
                        s * xv >= -1e-9 * qn * xn,
                        "the test's q is not in the cone: {} of {} at row {row}",
                        s * xv,
                        qn * xn
                    );
                }
                let along: f64 = zs.iter().zip(&q).map(|(a, b)| a * b).sum::<f64>() / qn;
                lower = lower.max(along);
            }
        }
    }
    let (rr, ry) = certify::residual_products(rt.as_ref(), y.as_ref());
    let most = certify::scaled_residual_bound(prob.lambda(), nc, rr, ry, lower);
    assert!(
        tight <= most + 1e-9 * most.abs().max(1e-12),
        "tight bound {tight} above {most}, its direction's bound at a lower bound of its dual norm"
    );
}

fn split(weights: &Weights) -> (Blocks, Blocks) {
    match weights {
        Weights::Relu { v, w } => (v.clone(), w.clone()),
        Weights::GatedRelu { .. } => unreachable!("a C-ReLU solve"),
    }
}

/// A C-ReLU solve of `prob` to relative gap `tol` (or `max_iters`).
fn solve(prob: &Problem, tol: f64, max_iters: usize, tight_dual: bool) -> SolveOutput {
    let settings = FistaSettings {
        tol,
        max_iters,
        tight_dual,
        ..relu::default_settings()
    };
    relu::solve(prob, &settings, None).unwrap()
}

/// At points inside the cones — the iterates of short runs, the optimum scaled,
/// the optimum with its largest block removed, random points projected onto the
/// cones — the tight bound and the certificate's stay below the independent
/// solvers' optimum, and the tight one below its direction's bound at a lower
/// bound of the dual norm over all blocks.
#[test]
fn tight_bound_is_below_the_optimum_at_points_inside_the_cones() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut tight_seen = 0;
    for r in relu_references() {
        let prob = reference_problem(&r);
        let (c, p, d) = (prob.c(), prob.p(), prob.d());
        let mut points = Vec::new();
        for iters in [20, 200] {
            points.push(split(&solve(&prob, 1e-12, iters, false).weights));
        }
        let (vs, ws) = split(&solve(&prob, 1e-8, 100_000, true).weights);
        for s in [0.5, 0.99, 1.01] {
            let scale = |b: &Blocks| Blocks {
                data: b.data.iter().map(|v| s * v).collect(),
                ..b.clone()
            };
            points.push((scale(&vs), scale(&ws)));
        }
        let largest = (0..p)
            .max_by(|&a, &b| vs.norm(0, a).total_cmp(&vs.norm(0, b)))
            .unwrap();
        let mut short = vs.clone();
        short
            .block_mut(0, largest)
            .iter_mut()
            .for_each(|v| *v = 0.0);
        points.push((short, ws.clone()));
        // Random blocks on random supports, projected onto their cones.
        let mut projector = ConeProjector::new(prob.x().as_ref());
        let n = prob.n();
        for keep in [1.0, 0.2] {
            let mut random = |rng: &mut rand_chacha::ChaCha8Rng| {
                let mut b = Blocks::zeros(c, p, d);
                for k in 0..c {
                    for i in 0..p {
                        if rng.random::<f64>() >= keep {
                            continue;
                        }
                        let mask: Vec<f64> = (0..n)
                            .map(|row| f64::from(u8::from(prob.patterns().get(row, i))))
                            .collect();
                        let mut z: Vec<f64> = (0..d)
                            .map(|_| {
                                let z: f64 = StandardNormal.sample(rng);
                                0.1 * z
                            })
                            .collect();
                        let mut cone = vec![0.0; n];
                        projector.cone_values(&mask, &z, &mut cone);
                        projector.project(&mask, &mut z, &cone, &mut Passive::new(d));
                        b.block_mut(k, i).copy_from_slice(&z);
                    }
                }
                b
            };
            let v = random(&mut rng);
            let w = random(&mut rng);
            points.push((v, w));
        }
        for (v, w) in &points {
            let (_, plain, tight) = bounds(&prob, v, w);
            let weights = Weights::Relu {
                v: v.clone(),
                w: w.clone(),
            };
            let cert = certify(&prob, &weights);
            assert!(cert.max_cone_violation <= 1e-9, "points inside the cones");
            let dual = cert.dual_objective.unwrap();
            if let Some(t) = tight {
                assert_feasible_scale(&prob, v, w, t);
                assert_below(&r, t, "tight");
                tight_seen += 1;
            }
            assert_below(&r, plain, "plain");
            assert_below(&r, dual, "certificate");
            assert!(dual >= plain, "the certificate keeps the larger bound");
        }
    }
    assert!(
        tight_seen >= 60,
        "tight bounds computed at {tight_seen} points"
    );
}

/// Near the optimum, on its support and inside the cones: every block of the
/// optimum scaled by `1 + ρ z_j` (random `z_j`). The plain gap is first order in
/// ρ (falls about 10× from ρ = 1e-5 to 1e-6), the tight one second order (about
/// 100×), below the plain one, and at least the true suboptimality.
#[test]
fn tight_gap_is_second_order_where_the_plain_gap_is_first() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for r in relu_references() {
        let prob = reference_problem(&r);
        let (vs, ws) = split(&solve(&prob, 1e-11, 200_000, true).weights);
        let d = prob.d();
        let zv: Vec<f64> = (0..vs.data.len() / d)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let zw: Vec<f64> = (0..ws.data.len() / d)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let at = |rho: f64| {
            let move_blocks = |b: &Blocks, z: &[f64]| {
                let mut out = b.clone();
                for (blk, zj) in out.data.chunks_mut(d).zip(z) {
                    blk.iter_mut().for_each(|v| *v *= 1.0 + rho * zj);
                }
                out
            };
            let (v, w) = (move_blocks(&vs, &zv), move_blocks(&ws, &zw));
            let (objective, plain, tight) = bounds(&prob, &v, &w);
            let tight = tight.expect("the tight bound applies on the reference problems");
            (
                objective - r.objective,
                objective - plain,
                objective - tight,
            )
        };
        let what = format!("{} λ={}", r.data, r.lambda);
        let (_, (sub2, _, tight2)) = common::assert_tight_gap_second_order(&what, at);
        let slack = r.max_rel_spread_between_solvers * r.objective;
        assert!(
            sub2 <= tight2 + slack,
            "{what}: the gaps bound the suboptimality"
        );
    }
}

/// The full-problem solver and the working sets stop sooner with the tight point
/// (no later on any problem; at least 25% fewer iterations in total for the full
/// problem), the details count its tries, and what they return is proved by the
/// record's certificate (relative gap ≤ 1e-6 from the weights) and within 1e-6 of
/// the independent solvers' optimum.
#[test]
fn runs_stop_sooner_and_the_certificate_proves_the_stop() {
    let (mut with, mut without) = (0, 0);
    let (mut ws_with, mut ws_without) = (0, 0);
    for r in relu_references() {
        let prob = reference_problem(&r);
        let what = format!("{} λ={}", r.data, r.lambda);
        let tight = solve(&prob, 1e-6, 100_000, true);
        let plain = solve(&prob, 1e-6, 100_000, false);
        assert!(tight.iterations <= plain.iterations, "{what}");
        with += tight.iterations;
        without += plain.iterations;
        let on = FistaSettings {
            working_sets: WorkingSets::On,
            ..relu::default_settings()
        };
        let (ws_tight, ws_plain) =
            common::with_and_without_tight_dual(relu_working_set::solve, &prob, &on);
        assert!(
            ws_tight.iterations <= ws_plain.iterations,
            "{what}: working sets"
        );
        ws_with += ws_tight.iterations;
        ws_without += ws_plain.iterations;
        let SolverDetails::WorkingSet(details) = &ws_tight.details else {
            panic!("{what}: working-set details expected");
        };
        assert!(details.tight_dual_tries.is_some(), "{what}: {details:?}");
        for (name, out) in [("full", &tight), ("working sets", &ws_tight)] {
            assert_eq!(out.status, Status::Solved, "{what} {name}");
            let cert = certify(&prob, &out.weights);
            let gap = cert.relative_duality_gap.unwrap();
            assert!(gap <= 1e-6, "{what} {name}: the record's gap {gap:e}");
            assert!(cert.max_cone_violation <= 1e-9, "{what} {name}");
            let rel = (cert.objective - r.objective) / r.objective;
            let slack = r.max_rel_spread_between_solvers.max(1e-9);
            assert!(
                (-slack..=1e-6).contains(&rel),
                "{what} {name}: objective {} against the reference {} ({rel:e})",
                cert.objective,
                r.objective
            );
        }
        let SolverDetails::Fista(details) = &tight.details else {
            panic!("{what}: fista details expected");
        };
        assert!(details.tight_dual_tries.unwrap() >= 1, "{what}");
    }
    println!(
        "iterations to the certified stop: full {with} with the tight point, {without} without; \
         working sets {ws_with} and {ws_without}"
    );
    assert!(
        (with as f64) <= 0.75 * without as f64,
        "{with} against {without}"
    );
    assert!(ws_with < ws_without, "{ws_with} against {ws_without}");
}

/// Hostile weights: a non-finite block, all-zero weights, and λ = 0 give no
/// tight bound or one still below the optimum, and no certified gap for the
/// non-finite point — never a panic.
#[test]
fn non_finite_zero_and_unregularized_weights_give_no_false_bound() {
    let r = relu_references().into_iter().next().unwrap();
    let prob = reference_problem(&r);
    let (c, p, d) = (prob.c(), prob.p(), prob.d());
    let (mut v, w) = split(&solve(&prob, 1e-6, 100_000, true).weights);
    let largest = (0..p)
        .max_by(|&a, &b| v.norm(0, a).total_cmp(&v.norm(0, b)))
        .unwrap();
    v.block_mut(0, largest)[0] = f64::NAN;
    let (_, _, tight) = bounds(&prob, &v, &w);
    assert!(tight.is_none_or(|t| !t.is_finite()), "{tight:?}");
    let cert = certify(&prob, &Weights::Relu { v, w });
    assert!(!cert.relative_duality_gap.is_some_and(|g| g.is_finite()));
    let zero = Blocks::zeros(c, p, d);
    let (_, plain, tight) = bounds(&prob, &zero, &zero);
    // No support: the direction is the scaled residual, the bound the plain one.
    let t = tight.expect("a bound at zero weights");
    assert!(
        (t - plain).abs() <= 1e-12 * plain.abs(),
        "{t} against {plain}"
    );
    assert_below(&r, plain, "plain at zero");
    let (x, y, patterns) = (prob.x(), prob.y(), prob.patterns());
    let g = certify::adjoint(x, patterns, y);
    let mut norm = certify::ReluDualNorm::new(x.as_ref(), patterns, 2 * c * p);
    let at_zero_lambda = certify::tight_relu_dual_objective(
        x,
        patterns,
        y.as_ref(),
        (&zero, &zero),
        y.as_ref(),
        &g,
        (0.0, 1.0, 1.0),
        &mut norm,
        &|| false,
    );
    assert_eq!(at_zero_lambda, None);
}

/// A support block whose gradient lies in its cone's polar cone (its
/// projection is zero, so no direction lengthens it) is left out of the Newton
/// steps; the others still reach their constraint. The point: the optimum's
/// blocks perturbed as in the second-order test (ρ = 1e-6) plus, in such a zero
/// block, a point of its cone of norm 1e-12. The tight gap stays below a tenth
/// of the plain one (with the block kept in the steps, `J` is singular and the
/// steps stop at the scaled residual: the plain gap).
#[test]
fn a_block_with_no_lengthening_direction_does_not_stop_the_others() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let mut checked = 0;
    for r in relu_references().into_iter().filter(|r| r.lambda == 0.01) {
        let prob = reference_problem(&r);
        let (n, c, p, d) = (prob.n(), prob.c(), prob.p(), prob.d());
        let (x, patterns) = (prob.x(), prob.patterns());
        let (vs, ws) = split(&solve(&prob, 1e-11, 200_000, true).weights);
        let (mut v, mut w) = (vs.clone(), ws.clone());
        for b in [&mut v, &mut w] {
            for (blk, _) in b.data.chunks_mut(d).zip(0..) {
                let z: f64 = StandardNormal.sample(&mut rng);
                blk.iter_mut().for_each(|a| *a *= 1.0 + 1e-6 * z);
            }
        }
        // A zero block whose sign-adjusted gradient projects to zero.
        let (_, g) = residual(&prob, &v, &w);
        let mut projector = ConeProjector::new(x.as_ref());
        let mut found = None;
        'search: for k in 0..c {
            for i in 0..p {
                let mask: Vec<f64> = (0..n)
                    .map(|row| f64::from(u8::from(patterns.get(row, i))))
                    .collect();
                for (side, sign) in [(0, -1.0), (1, 1.0)] {
                    let zero = if side == 0 {
                        v.norm(k, i)
                    } else {
                        w.norm(k, i)
                    } == 0.0;
                    if !zero {
                        continue;
                    }
                    let mut z: Vec<f64> = g.block(k, i).iter().map(|a| sign * a).collect();
                    let mut cone = vec![0.0; n];
                    projector.cone_values(&mask, &z, &mut cone);
                    projector.project(&mask, &mut z, &cone, &mut Passive::new(d));
                    if z.iter().all(|a| *a == 0.0) {
                        // A point of the cone: a random vector projected.
                        let mut q: Vec<f64> =
                            (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
                        projector.cone_values(&mask, &q, &mut cone);
                        projector.project(&mask, &mut q, &cone, &mut Passive::new(d));
                        let qn = q.iter().map(|a| a * a).sum::<f64>().sqrt();
                        if qn > 0.0 {
                            found = Some((
                                side,
                                k,
                                i,
                                q.iter().map(|a| 1e-12 * a / qn).collect::<Vec<_>>(),
                            ));
                            break 'search;
                        }
                    }
                }
            }
        }
        let Some((side, k, i, q)) = found else {
            continue;
        };
        let b = if side == 0 { &mut v } else { &mut w };
        b.block_mut(k, i).copy_from_slice(&q);
        let (objective, plain, tight) = bounds(&prob, &v, &w);
        let tight = tight.expect("a tight bound");
        let what = format!("{} λ={}", r.data, r.lambda);
        println!(
            "{what}: plain gap {:.2e}, tight gap {:.2e}",
            objective - plain,
            objective - tight
        );
        assert!(objective - tight < (objective - plain) / 10.0, "{what}");
        checked += 1;
    }
    assert!(checked >= 1, "no reference problem had such a block");
}
