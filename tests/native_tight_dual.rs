//! The tight dual point of C-GReLU (issue 13, item 2; `certify::tight`): a valid
//! bound everywhere, second order near the optimum where the plain scaled
//! residual is first order, and a certified stop that comes when the iterates
//! reach the accuracy — proved again by the record's certificate and checked
//! against the independent solvers' optimum.

mod common;

use common::{reference_problem, references};
use cvxrelu::certify::{self, certify};
use cvxrelu::model::{Blocks, Model, Problem, Weights};
use cvxrelu::solvers::Status;
use cvxrelu::solvers::native::fista::FistaSettings;
use cvxrelu::solvers::native::gated;
use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// `(objective, plain bound, tight bound)` at `u`, from the data alone.
fn bounds(prob: &Problem, u: &Blocks) -> (f64, f64, Option<f64>) {
    let (x, y, patterns) = (prob.x(), prob.y(), prob.patterns());
    let (n, c) = (prob.n(), prob.c());
    let pred = cvxrelu::model::objective::predictions(x, patterns, u);
    let r = Mat::from_fn(n, c, |i, k| pred[(i, k)] - y[(i, k)]);
    let (rr, ry) = certify::residual_products(r.as_ref(), y.as_ref());
    let nc = (n * c) as f64;
    let g = certify::adjoint(x, patterns, &r);
    let plain = certify::dual_objective(prob.reg(), prob.lambda(), nc, rr, ry, &g).unwrap();
    let tight = certify::tight_dual_objective(
        x,
        patterns,
        y.as_ref(),
        u,
        r.as_ref(),
        &g,
        prob.lambda(),
        nc,
    );
    let objective = certify(prob, &Weights::GatedRelu { u: u.clone() }).objective;
    (objective, plain, tight)
}

/// The tight bound is the dual objective at its direction `r'` scaled by the
/// dual norm over **all** blocks, computed here row by row: the bound of a
/// feasible point.
fn assert_feasible_scale(prob: &Problem, u: &Blocks, tight: f64) {
    let (x, y, patterns) = (prob.x(), prob.y(), prob.patterns());
    let (n, c, p, d) = (prob.n(), prob.c(), prob.p(), prob.d());
    let pred = cvxrelu::model::objective::predictions(x, patterns, u);
    let r = Mat::from_fn(n, c, |i, k| pred[(i, k)] - y[(i, k)]);
    let g = certify::adjoint(x, patterns, &r);
    let nc = (n * c) as f64;
    let rt =
        certify::tight::tight_residual(x.as_ref(), patterns, u, r.as_ref(), &g, prob.lambda(), nc)
            .expect("a tight bound has a direction");
    let mut dn: f64 = 0.0;
    for k in 0..c {
        for i in 0..p {
            let mut sq = 0.0;
            for a in 0..d {
                let mut s = 0.0;
                for row in 0..n {
                    if patterns.get(row, i) {
                        s += x[(row, a)] * rt[(row, k)];
                    }
                }
                sq += s * s;
            }
            dn = dn.max(sq.sqrt());
        }
    }
    let (rr, ry) = certify::residual_products(rt.as_ref(), y.as_ref());
    let want = certify::scaled_residual_bound(prob.lambda(), nc, rr, ry, dn);
    assert!(
        (tight - want).abs() <= 1e-9 * want.abs().max(1e-12),
        "tight bound {tight} against {want} at the dual norm over all blocks"
    );
}

/// A solution of `prob` far more accurate than the tests' tolerances.
fn accurate(prob: &Problem) -> Blocks {
    let settings = FistaSettings {
        tol: 1e-11,
        max_iters: 200_000,
        ..gated::default_settings()
    };
    let out = gated::solve(prob, &settings, None).unwrap();
    match out.weights {
        Weights::GatedRelu { u } => u,
        Weights::Relu { .. } => unreachable!(),
    }
}

/// At random points — dense, sparse (random supports), near the optimum with
/// wrong supports, and the optimum one block short — the tight bound and the certificate's bound stay below
/// the independent solvers' optimum.
#[test]
fn tight_bound_is_below_the_optimum_at_random_points() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for r in references().iter().filter(|r| r.model == Model::GatedRelu) {
        let prob = reference_problem(r);
        let (c, p, d) = (prob.c(), prob.p(), prob.d());
        let ustar = accurate(&prob);
        let mut points = Vec::new();
        for scale in [1e-3, 1e-1, 1.0] {
            for keep in [1.0, 0.3, 0.05] {
                let mut u = Blocks::zeros(c, p, d);
                for k in 0..c {
                    for i in 0..p {
                        if rng.random::<f64>() < keep {
                            for v in u.block_mut(k, i) {
                                let z: f64 = StandardNormal.sample(&mut rng);
                                *v = scale * z;
                            }
                        }
                    }
                }
                points.push(u);
            }
        }
        // Near the optimum: its blocks perturbed, some zeroed, some added.
        for rho in [1e-2, 1e-4, 1e-6] {
            let mut u = ustar.clone();
            for k in 0..c {
                for i in 0..p {
                    let flip = rng.random::<f64>() < 0.1;
                    let zero = u.norm(k, i) == 0.0;
                    for v in u.block_mut(k, i) {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        if flip && !zero {
                            *v = 0.0;
                        } else if !zero || flip {
                            *v += rho * z;
                        }
                    }
                }
            }
            points.push(u);
        }
        // The optimum with its largest block removed: a support one block short,
        // whose missing block's constraint the tight direction does not hold.
        let largest = (0..p)
            .max_by(|&a, &b| ustar.norm(0, a).total_cmp(&ustar.norm(0, b)))
            .unwrap();
        let mut short = ustar.clone();
        short
            .block_mut(0, largest)
            .iter_mut()
            .for_each(|v| *v = 0.0);
        points.push(short);
        for u in &points {
            let (_, plain, tight) = bounds(&prob, u);
            if let Some(t) = tight {
                assert_feasible_scale(&prob, u, t);
            }
            let cert = certify(&prob, &Weights::GatedRelu { u: u.clone() });
            let dual = cert.dual_objective.unwrap();
            for (what, b) in [("plain", plain), ("certificate", dual)]
                .into_iter()
                .chain(tight.map(|t| ("tight", t)))
            {
                common::assert_below_optimum(r, b, what);
            }
            assert!(dual >= plain, "the certificate keeps the larger bound");
        }
    }
}

/// Near the optimum, on its support: `u = u* + ρ e` (`e` of the blocks' own
/// sizes). The plain bound's gap is first order in ρ (falls about 10× from
/// ρ = 1e-5 to 1e-6), the tight bound's second order (falls about 100×), and the tight gap stays within a constant of
/// the true suboptimality.
#[test]
fn tight_gap_is_second_order_where_the_plain_gap_is_first() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for r in references().iter().filter(|r| r.model == Model::GatedRelu) {
        let prob = reference_problem(r);
        let ustar = accurate(&prob);
        let e: Vec<f64> = ustar
            .data
            .chunks(prob.d())
            .flat_map(|b| {
                let on = b.iter().any(|v| *v != 0.0);
                let scale = b.iter().map(|v| v * v).sum::<f64>().sqrt();
                b.iter()
                    .map(|_| {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        if on { scale * z } else { 0.0 }
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let at = |rho: f64| {
            let mut u = ustar.clone();
            for (v, e) in u.data.iter_mut().zip(&e) {
                *v += rho * e;
            }
            let (objective, plain, tight) = bounds(&prob, &u);
            let tight = tight.expect("the tight bound applies on the reference problems");
            (
                objective - r.objective,
                objective - plain,
                objective - tight,
            )
        };
        let what = format!("{} λ={}", r.data, r.lambda);
        let (_, (sub2, plain2, tight2)) = common::assert_tight_gap_second_order(&what, at);
        // Relative gaps: the tight one within a constant of the plain one squared
        // (the rule the solver's tries follow, `super::tight_dual`).
        let f = r.objective;
        assert!(
            tight2 / f <= 1e3 * (plain2 / f).powi(2),
            "{what}: tight gap {tight2:e} not of the order of the plain one squared"
        );
        assert!(sub2 <= tight2, "{what}: the gaps bound the suboptimality");
    }
}

/// The solver with the tight point stops sooner than with the plain bound alone
/// (no later on any problem, at least 25% sooner in total), and what it returns
/// is proved by the record's certificate (relative gap ≤ 1e-6, computed from the
/// weights) and agrees with the independent solvers' optimum to 1e-6.
#[test]
fn runs_stop_sooner_and_the_certificate_proves_the_stop() {
    let (mut with, mut without) = (0, 0);
    for r in references().iter().filter(|r| r.model == Model::GatedRelu) {
        let prob = reference_problem(r);
        let what = format!("{} λ={}", r.data, r.lambda);
        let tight = gated::solve(&prob, &gated::default_settings(), None).unwrap();
        let plain_settings = FistaSettings {
            tight_dual: false,
            ..gated::default_settings()
        };
        let plain = gated::solve(&prob, &plain_settings, None).unwrap();
        assert_eq!(tight.status, Status::Solved, "{what}");
        assert_eq!(plain.status, Status::Solved, "{what}");
        assert!(tight.iterations <= plain.iterations, "{what}");
        with += tight.iterations;
        without += plain.iterations;
        let cert = certify(&prob, &tight.weights);
        let gap = cert.relative_duality_gap.unwrap();
        assert!(gap <= 1e-6, "{what}: the record's gap {gap:e}");
        let rel = (cert.objective - r.objective) / r.objective;
        assert!(
            (-1e-8..=1e-6).contains(&rel),
            "{what}: objective {} against the reference {} ({rel:e})",
            cert.objective,
            r.objective
        );
    }
    println!("iterations to the certified stop: {with} with the tight point, {without} without");
    assert!(
        (with as f64) <= 0.75 * without as f64,
        "{with} against {without}"
    );
}

/// The working sets' full checks try the tight point too: on the reference
/// problems (working sets forced on) the stop comes no later than without it, the
/// details count the tries that beat the plain bound, and the record's
/// certificate proves the stop.
#[test]
fn working_set_checks_try_the_tight_point() {
    use cvxrelu::solvers::SolverDetails;
    use cvxrelu::solvers::native::fista::WorkingSets;
    use cvxrelu::solvers::native::working_set;
    let (mut with, mut without) = (0, 0);
    for r in references()
        .iter()
        .filter(|r| r.model == Model::GatedRelu && r.lambda < 0.1)
    {
        let prob = reference_problem(r);
        let what = format!("{} λ={}", r.data, r.lambda);
        let on = FistaSettings {
            working_sets: WorkingSets::On,
            ..gated::default_settings()
        };
        let (tight, plain) = common::with_and_without_tight_dual(working_set::solve, &prob, &on);
        assert_eq!(tight.status, Status::Solved, "{what}");
        assert!(tight.iterations <= plain.iterations, "{what}");
        with += tight.iterations;
        without += plain.iterations;
        let SolverDetails::WorkingSet(details) = &tight.details else {
            panic!("{what}: working-set details expected");
        };
        assert!(details.tight_dual_wins.unwrap() >= 1, "{what}: {details:?}");
        let gap = certify(&prob, &tight.weights).relative_duality_gap.unwrap();
        assert!(gap <= 1e-6, "{what}: the record's gap {gap:e}");
    }
    println!(
        "working sets, iterations to the certified stop: {with} with the tight point, {without} without"
    );
    assert!(with < without, "{with} against {without}");
}

/// Hostile weights: a non-finite block, all-zero weights, and λ = 0 give no
/// tight bound or one that is still below the optimum — never a panic.
#[test]
fn non_finite_zero_and_unregularized_weights_give_no_false_bound() {
    let r = references()
        .into_iter()
        .find(|r| r.model == Model::GatedRelu)
        .unwrap();
    let prob = reference_problem(&r);
    let (c, p, d) = (prob.c(), prob.p(), prob.d());
    let mut nan = accurate(&prob);
    nan.block_mut(0, 0)[0] = f64::NAN;
    let (_, _, tight) = bounds(&prob, &nan);
    assert!(tight.is_none_or(|t| !t.is_finite() || t <= r.objective * (1.0 + 1e-9)));
    let cert = certify(&prob, &Weights::GatedRelu { u: nan });
    assert!(!cert.relative_duality_gap.is_some_and(|g| g.is_finite()));
    let zero = Blocks::zeros(c, p, d);
    let (_, plain, tight) = bounds(&prob, &zero);
    assert!(
        tight.is_none_or(|t| t <= r.objective * (1.0 + 1e-9)),
        "{tight:?}"
    );
    assert!(plain <= r.objective);
    let (x, y, patterns) = (prob.x(), prob.y(), prob.patterns());
    let g = certify::adjoint(x, patterns, y);
    let at_zero_lambda =
        certify::tight_dual_objective(x, patterns, y.as_ref(), &zero, y.as_ref(), &g, 0.0, 1.0);
    assert_eq!(at_zero_lambda, None);
}
