//! The augmented Lagrangian's inner solves on working sets of blocks (issue 13,
//! item 3, `solvers::native::al_working_set`): on every relu reference problem
//! the AL with working sets gives the full AL's answer — objectives within 1e-9
//! (relative), the same active blocks, both certified (gap ≤ 1e-6 and cone
//! violation ≤ 1e-8 by the independent certificate); on a synthetic problem with
//! many more patterns than the solution uses it does fewer block products (the
//! columns of its products with `X` and `Xᵀ`, counted by the AL: counts, not
//! times); `off`, and `auto` below 200 patterns, keep the full path bit for bit;
//! and `--working-sets` reaches the AL's settings.

mod common;

use common::{active_blocks as active, details_json as details};
use common::{reference_problem, references, rel, synth_problem};
use cvxrelu::certify::certify;
use cvxrelu::model::{Model, Problem, Regularizer};
use cvxrelu::solvers::native::al::{self, AlSettings};
use cvxrelu::solvers::native::fista::WorkingSets;
use cvxrelu::solvers::{SolveOutput, SolverConfig, SolverKind, SolverOptions, Status};

fn settings(mode: WorkingSets, gap_tol: f64) -> AlSettings {
    let mut s = AlSettings {
        gap_tol,
        max_iters: 300_000,
        ..AlSettings::default()
    };
    s.inner.working_sets = mode;
    s
}

fn count(out: &SolveOutput, key: &str) -> u64 {
    details(out)[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {}", details(out)))
}

/// The AL with and without working sets at the polish gap `gap_tol`: the same
/// answer (objectives within `agree`, the same active blocks), both solved and
/// certified. Returns (off, on).
fn compare(prob: &Problem, what: &str, gap_tol: f64, agree: f64) -> (SolveOutput, SolveOutput) {
    let off = al::solve(prob, &settings(WorkingSets::Off, gap_tol), None).unwrap();
    let on = al::solve(prob, &settings(WorkingSets::On, gap_tol), None).unwrap();
    assert!(
        details(&off).get("working_set_rounds").is_none(),
        "{what}: off"
    );
    assert!(count(&on, "working_set_rounds") >= 1, "{what}: on");
    for (name, out) in [("off", &off), ("on", &on)] {
        assert_eq!(out.status, Status::Solved, "{what}: {name}");
        let cert = certify(prob, &out.weights);
        let gap = cert.relative_duality_gap.unwrap();
        assert!((0.0..=1e-6).contains(&gap), "{what}: {name} gap {gap}");
        assert!(
            cert.max_cone_violation <= 1e-8,
            "{what}: {name} violation {}",
            cert.max_cone_violation
        );
    }
    let (cf, cw) = (certify(prob, &off.weights), certify(prob, &on.weights));
    let e = rel(cw.objective, cf.objective);
    assert!(
        e <= agree,
        "{what}: objectives {} (on) vs {} (off), rel {e:.1e}",
        cw.objective,
        cf.objective
    );
    assert_eq!(active(&off), active(&on), "{what}: active blocks");
    eprintln!(
        "{what}: off {} AL + {} polish iterations, {} block products; on {} AL + {} polish iterations, {} rounds, {} of {} blocks, {} block products; {} active; rel {e:.1e}",
        count(&off, "al_iterations"),
        off.iterations as u64 - count(&off, "al_iterations"),
        count(&off, "block_products"),
        count(&on, "al_iterations"),
        on.iterations as u64 - count(&on, "al_iterations"),
        count(&on, "working_set_rounds"),
        count(&on, "working_set_blocks"),
        2 * prob.c() * prob.p(),
        count(&on, "block_products"),
        active(&on).len(),
    );
    (off, on)
}

/// On vs off on the relu reference problems of one dataset (one test per dataset,
/// so that the test harness runs them on every core;
/// `reference_datasets_are_all_covered` checks that the four cover the 12).
fn equal_the_full_al_on(data: &str) {
    for r in &common::relu_references_of(data) {
        let prob = reference_problem(r);
        compare(&prob, &format!("{} λ={}", r.data, r.lambda), 1e-9, 1e-9);
    }
}

#[test]
fn al_working_sets_equal_the_full_al_on_breast_cancer() {
    equal_the_full_al_on("breast_cancer.csv");
}

#[test]
fn al_working_sets_equal_the_full_al_on_diabetes() {
    equal_the_full_al_on("diabetes.csv");
}

#[test]
fn al_working_sets_equal_the_full_al_on_digits38() {
    equal_the_full_al_on("digits38.csv");
}

#[test]
fn al_working_sets_equal_the_full_al_on_synth() {
    equal_the_full_al_on("synth.csv");
}

#[test]
fn reference_datasets_are_all_covered() {
    common::assert_relu_reference_datasets(&common::RELU_DATASETS);
}

/// Many patterns, few of them used: the working-set AL does fewer block products
/// in its AL phase than the full AL (and gives its answer).
#[test]
fn al_working_sets_do_fewer_block_products() {
    let prob = synth_problem(
        Model::Relu,
        Regularizer::NeuronGl1,
        1e-2,
        1000,
        10,
        1,
        300,
        1,
    );
    assert!(prob.p() >= 250, "patterns deduplicated: {}", prob.p());
    let (off, on) = compare(&prob, &format!("synth P={}", prob.p()), 1e-8, 1e-8);
    let (full, ws) = (count(&off, "block_products"), count(&on, "block_products"));
    eprintln!(
        "block products of the AL phase: full {full}, working sets {ws} ({:.3}×)",
        ws as f64 / full as f64
    );
    assert!(ws < full, "working sets {ws} vs full {full}");
    assert!(
        count(&on, "working_set_blocks") < 2 * prob.p() as u64,
        "the set grew to every block"
    );
}

/// `off` always, and `auto` below 200 patterns (the reference problems have 50),
/// run the full AL: the same iterations and objective as the defaults, no
/// working-set details.
#[test]
fn off_and_auto_on_small_problems_keep_the_full_al() {
    let r = references()
        .into_iter()
        .find(|r| r.model == Model::Relu && r.data == "synth.csv")
        .unwrap();
    let prob = reference_problem(&r);
    let default = al::solve(&prob, &AlSettings::default(), None).unwrap();
    assert_eq!(AlSettings::default().inner.working_sets, WorkingSets::Auto);
    for mode in [WorkingSets::Off, WorkingSets::Auto] {
        let mut s = AlSettings::default();
        s.inner.working_sets = mode;
        let out = al::solve(&prob, &s, None).unwrap();
        assert!(details(&out).get("working_set_rounds").is_none());
        assert_eq!(out.iterations, default.iterations, "{mode:?}");
        assert_eq!(
            certify(&prob, &out.weights).objective,
            certify(&prob, &default.weights).objective,
            "{mode:?}"
        );
        assert_eq!(
            count(&out, "block_products"),
            count(&default, "block_products")
        );
    }
}

/// The solver API (what `--working-sets` and the bindings set) passes the mode to
/// the AL's inner settings.
#[test]
fn the_working_sets_option_reaches_the_al() {
    for mode in [WorkingSets::Off, WorkingSets::On, WorkingSets::Auto] {
        let mut o = SolverOptions::new();
        o.working_sets = Some(mode);
        let SolverConfig::Al(s) = SolverConfig::new(SolverKind::Al, &o).unwrap() else {
            unreachable!()
        };
        assert_eq!(s.inner.working_sets, mode);
    }
    let SolverConfig::Al(s) = SolverConfig::new(SolverKind::Al, &SolverOptions::new()).unwrap()
    else {
        unreachable!()
    };
    assert_eq!(s.inner.working_sets, WorkingSets::Auto);
}

/// The check's gradients of the zero blocks (`AugmentedLoss::outside_gradient`,
/// the working sets' test for violators) equal those blocks' gradients with
/// every block in the point, at a point whose other blocks are zero, with
/// nonzero multipliers and several row blocks (n = 1000). The check reads the
/// masks of patterns that no block of the point uses.
#[test]
fn the_check_gives_the_zero_blocks_the_full_gradient() {
    use cvxrelu::solvers::native::al::AugmentedLoss;
    use cvxrelu::solvers::native::fista::Smooth;
    let prob = synth_problem(Model::Relu, Regularizer::NeuronGl1, 1e-3, 1000, 5, 1, 40, 3);
    let (d, m) = (prob.d(), 2 * prob.c() * prob.p());
    let mut al = AugmentedLoss::new(prob.x().as_ref(), prob.patterns(), prob.y(), 2.0, 1);
    for (k, g) in al.multipliers.iter_mut().enumerate() {
        *g = ((k * 7919) % 13) as f64 * 0.01;
    }
    // A third of the blocks: the patterns ≡ 1 (mod 3) have no block in the point.
    let inside: Vec<usize> = (0..m).filter(|j| j % 3 == 0).collect();
    let mut u = vec![0.0; m * d];
    for &j in &inside {
        for a in 0..d {
            u[j * d + a] = (((j * 31 + a * 17) % 11) as f64 - 5.0) * 0.1;
        }
    }
    let mut full = vec![0.0; m * d];
    al.gradient(&u, &mut full);
    al.set_blocks(&inside);
    al.fix_outside();
    let point: Vec<f64> = inside
        .iter()
        .flat_map(|&j| u[j * d..(j + 1) * d].to_vec())
        .collect();
    let outside = al.outside().to_vec();
    assert_eq!(outside.len() + inside.len(), m);
    let mut check = vec![0.0; outside.len() * d];
    al.outside_gradient(&point, &mut check);
    let scale = full.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    assert!(scale > 0.0);
    for (o, &j) in outside.iter().enumerate() {
        for a in 0..d {
            let (c, f) = (check[o * d + a], full[j * d + a]);
            assert!(
                (c - f).abs() <= 1e-12 * scale,
                "block {j}, entry {a}: check {c} against {f}"
            );
        }
    }
}
