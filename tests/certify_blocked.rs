//! The row-blocked certificate, objective and pattern construction (issue 13,
//! item 5: no `n × P` matrix of doubles) equal the definitions computed here
//! neuron by neuron and row by row, to 1e-12 relative: `Patterns::from_gates`
//! (with duplicate and all-zero gates), the predictions, the adjoint `Aᵀr`, the
//! cone violation, `evaluate`, `certify` (objective, loss, penalty, cone violation,
//! dual bound: for C-GReLU the larger of the plain one and the tight one) and the decomposition's ReLU predictions, on random weights of
//! problems whose `n` is not a multiple of the row block (and one below 64 rows),
//! with c = 1 and c > 1 outputs.

mod common;

use common::synth_problem;
use cvxrelu::certify::{
    adjoint, certify, relu_dual_norm, scaled_residual_bound, tight_dual_objective,
};
use cvxrelu::decompose::quality::relu_predictions;
use cvxrelu::model::objective::{block_cone_violation, evaluate, predictions};
use cvxrelu::model::row_blocks::block_rows;
use cvxrelu::model::{Blocks, Model, Patterns, Problem, Regularizer, Weights, gates};
use faer::Mat;

const TOL: f64 = 1e-12;

struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
    fn blocks(&mut self, c: usize, p: usize, d: usize) -> Blocks {
        let mut b = Blocks::zeros(c, p, d);
        b.data.iter_mut().for_each(|v| *v = self.unit());
        b
    }
}

/// `(model, n, c, P requested)`: `n` never a multiple of the row block of `cP`
/// columns (checked), one problem below 64 rows.
const CASES: [(Model, usize, usize, usize); 5] = [
    (Model::GatedRelu, 1037, 3, 100),
    (Model::GatedRelu, 4500, 1, 30),
    (Model::Relu, 1037, 2, 60),
    (Model::Relu, 2999, 1, 40),
    (Model::GatedRelu, 50, 2, 20),
];

fn problems() -> Vec<Problem> {
    CASES
        .iter()
        .enumerate()
        .map(|(s, &(model, n, c, p))| {
            let pr = synth_problem(model, Regularizer::NeuronGl1, 1e-2, n, 6, c, p, s as u64);
            let rows = block_rows(n, c * pr.p());
            assert!(
                n < 64 || (rows < n && !n.is_multiple_of(rows)),
                "{n} {rows}"
            );
            pr
        })
        .collect()
}

fn dot(x: &Mat<f64>, r: usize, b: &[f64]) -> f64 {
    b.iter().enumerate().map(|(j, v)| x[(r, j)] * v).sum()
}

/// `pred[r][k] = Σ_i M[r, i] x_rᵀ u_{k,i}`, neuron by neuron.
fn naive_predictions(x: &Mat<f64>, pat: &Patterns, u: &Blocks) -> Mat<f64> {
    let mut pred = Mat::zeros(x.nrows(), u.c);
    for k in 0..u.c {
        for i in 0..u.p {
            for r in 0..x.nrows() {
                if pat.get(r, i) {
                    pred[(r, k)] += dot(x, r, u.block(k, i));
                }
            }
        }
    }
    pred
}

/// `G_{k,i} = Σ_r M[r, i] res[r, k] x_r`, row by row.
fn naive_adjoint(x: &Mat<f64>, pat: &Patterns, res: &Mat<f64>) -> Blocks {
    let (c, p, d) = (res.ncols(), pat.p(), x.ncols());
    let mut g = Blocks::zeros(c, p, d);
    for k in 0..c {
        for i in 0..p {
            let gb = g.block_mut(k, i);
            for r in (0..x.nrows()).filter(|&r| pat.get(r, i)) {
                for (j, v) in gb.iter_mut().enumerate() {
                    *v += res[(r, k)] * x[(r, j)];
                }
            }
        }
    }
    g
}

/// `max(0, max_{k,i,r} −s_{r,i} x_rᵀ b_{k,i})`, `s = ±1` by the pattern.
fn naive_cone_violation(x: &Mat<f64>, pat: &Patterns, b: &Blocks) -> f64 {
    let mut worst: f64 = 0.0;
    for k in 0..b.c {
        for i in 0..b.p {
            for r in 0..x.nrows() {
                let s = if pat.get(r, i) { 1.0 } else { -1.0 };
                worst = worst.max(-s * dot(x, r, b.block(k, i)));
            }
        }
    }
    worst
}

fn group_norms(b: &Blocks) -> impl Iterator<Item = f64> + '_ {
    b.data
        .chunks(b.d)
        .map(|v| v.iter().map(|a| a * a).sum::<f64>().sqrt())
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
}

fn assert_close(what: &str, fast: f64, slow: f64) {
    assert!(
        rel(fast, slow) <= TOL,
        "{what}: {fast} vs {slow} ({:e})",
        rel(fast, slow)
    );
}

/// Entrywise, relative to the largest entry of the definition.
fn assert_close_all(what: &str, fast: &[f64], slow: &[f64]) {
    assert_eq!(fast.len(), slow.len(), "{what}");
    let scale = slow.iter().fold(0.0_f64, |m, v| m.max(v.abs())).max(1e-300);
    let diff = fast
        .iter()
        .zip(slow)
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(diff <= TOL * scale, "{what}: {diff:e} of {scale:e}");
}

fn entries(m: &Mat<f64>) -> Vec<f64> {
    (0..m.ncols())
        .flat_map(|k| (0..m.nrows()).map(move |r| m[(r, k)]))
        .collect()
}

#[test]
fn patterns_from_gates_equal_the_signs_deduplicated() {
    for pr in problems() {
        let (x, d) = (pr.x(), pr.d());
        let drawn = gates::generate(70, d, true, 11).unwrap();
        // Gates: the drawn ones, repeats, a scaled repeat (same pattern), zero.
        let cols: Vec<Vec<f64>> = (0..70)
            .chain([3, 0, 41])
            .map(|i| drawn.col(i).iter().copied().collect::<Vec<f64>>())
            .chain([drawn.col(5).iter().map(|v| 2.5 * v).collect::<Vec<f64>>()])
            .chain([vec![0.0; d]])
            .collect();
        let g = Mat::from_fn(d, cols.len(), |j, i| cols[i][j]);
        let fast = Patterns::from_gates(x, &g);
        let mut kept: Vec<Vec<bool>> = Vec::new();
        let mut index = Vec::new();
        for (i, gi) in cols.iter().enumerate() {
            let col: Vec<bool> = (0..x.nrows()).map(|r| dot(x, r, gi) > 0.0).collect();
            if col.iter().any(|&b| b) && !kept.contains(&col) {
                kept.push(col);
                index.push(i);
            }
        }
        assert_eq!(fast.gate_index, index, "n = {}", pr.n());
        assert_eq!(fast.requested, cols.len());
        assert_eq!(fast.p(), kept.len());
        for (i, col) in kept.iter().enumerate() {
            assert!(
                col.iter().enumerate().all(|(r, &b)| fast.get(r, i) == b),
                "pattern {i}, n = {}",
                pr.n()
            );
        }
    }
}

#[test]
fn predictions_adjoint_and_cone_violation_equal_the_definitions() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for pr in problems() {
        let (x, pat) = (pr.x(), pr.patterns());
        let (c, p, d) = (pr.c(), pr.p(), pr.d());
        let u = rng.blocks(c, p, d);
        let what = format!("n = {}, c = {c}, P = {p}", pr.n());
        assert_close_all(
            &format!("predictions, {what}"),
            &entries(&predictions(x, pat, &u)),
            &entries(&naive_predictions(x, pat, &u)),
        );
        let res = Mat::from_fn(pr.n(), c, |_, _| rng.unit());
        assert_close_all(
            &format!("adjoint, {what}"),
            &adjoint(x, pat, &res).data,
            &naive_adjoint(x, pat, &res).data,
        );
        assert_close(
            &format!("cone violation, {what}"),
            block_cone_violation(x, pat, &u),
            naive_cone_violation(x, pat, &u),
        );
        let w = rng.blocks(c, p, d);
        let mut slow = Mat::zeros(pr.n(), c);
        for (b, sign) in [(&u, 1.0), (&w, -1.0)] {
            for k in 0..c {
                for i in 0..p {
                    for r in 0..pr.n() {
                        slow[(r, k)] += sign * dot(x, r, b.block(k, i)).max(0.0);
                    }
                }
            }
        }
        assert_close_all(
            &format!("relu predictions, {what}"),
            &entries(&relu_predictions(x, &u, &w)),
            &entries(&slow),
        );
    }
}

#[test]
fn certify_and_evaluate_equal_the_definitions() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for pr in problems() {
        let (x, y, pat) = (pr.x(), pr.y(), pr.patterns());
        let (n, c, p, d) = (pr.n(), pr.c(), pr.p(), pr.d());
        let lambda = pr.lambda();
        let weights = match pr.model() {
            Model::GatedRelu => Weights::GatedRelu {
                u: rng.blocks(c, p, d),
            },
            Model::Relu => Weights::Relu {
                v: rng.blocks(c, p, d),
                w: rng.blocks(c, p, d),
            },
        };
        // The definitions.
        let (pred, penalty, violation) = match &weights {
            Weights::GatedRelu { u } => (
                naive_predictions(x, pat, u),
                lambda * group_norms(u).sum::<f64>(),
                0.0,
            ),
            Weights::Relu { v, w } => {
                let (pv, pw) = (naive_predictions(x, pat, v), naive_predictions(x, pat, w));
                (
                    Mat::from_fn(n, c, |r, k| pv[(r, k)] - pw[(r, k)]),
                    lambda * (group_norms(v).sum::<f64>() + group_norms(w).sum::<f64>()),
                    naive_cone_violation(x, pat, v).max(naive_cone_violation(x, pat, w)),
                )
            }
        };
        let res = Mat::from_fn(n, c, |r, k| pred[(r, k)] - y[(r, k)]);
        let (mut rr, mut ry) = (0.0, 0.0);
        for k in 0..c {
            for r in 0..n {
                rr += res[(r, k)] * res[(r, k)];
                ry += res[(r, k)] * y[(r, k)];
            }
        }
        let nc = (n * c) as f64;
        let loss = rr / (2.0 * nc);
        let g = naive_adjoint(x, pat, &res);
        let dn = match pr.model() {
            Model::GatedRelu => group_norms(&g).fold(0.0, f64::max),
            Model::Relu => relu_dual_norm(x, pat, &g),
        };
        let plain = scaled_residual_bound(lambda, nc, rr, ry, dn);
        // C-GReLU's certificate keeps the larger of the plain bound and the tight
        // one (`certify::tight`, whose inputs are the naive residual and adjoint).
        let dual = match &weights {
            Weights::GatedRelu { u } => {
                tight_dual_objective(x, pat, y.as_ref(), u, res.as_ref(), &g, lambda, nc)
                    .map_or(plain, |t| t.max(plain))
            }
            Weights::Relu { .. } => plain,
        };

        let what = format!("{} n = {n}, c = {c}, P = {p}", pr.model().name());
        let e = evaluate(&pr, &weights);
        assert_close(&format!("evaluate loss, {what}"), e.loss, loss);
        assert_close(&format!("evaluate penalty, {what}"), e.penalty, penalty);
        assert_close(
            &format!("evaluate objective, {what}"),
            e.objective,
            loss + penalty,
        );
        let cert = certify(&pr, &weights);
        assert_close(&format!("loss, {what}"), cert.loss, loss);
        assert_close(&format!("penalty, {what}"), cert.penalty, penalty);
        assert_close(
            &format!("objective, {what}"),
            cert.objective,
            loss + penalty,
        );
        assert_close(
            &format!("cone violation, {what}"),
            cert.max_cone_violation,
            violation,
        );
        assert_close(
            &format!("dual objective, {what}"),
            cert.dual_objective.expect("neuron-gl1 has a bound"),
            dual,
        );
    }
}

/// The certificate's C-ReLU dual norm (`compute`: a projection stops once it
/// cannot raise the maximum) equals the maximum of every block's full projection
/// (`ConeProjector::project`, block by block here), to 1e-12 relative, on random
/// gradients at several scales (so that the stops happen and the maximum moves).
#[test]
fn relu_dual_norm_with_early_stops_is_the_full_maximum() {
    use cvxrelu::certify::ReluDualNorm;
    use cvxrelu::cone::polyhedral::{ConeProjector, Passive};
    let problem = synth_problem(Model::Relu, Regularizer::NeuronGl1, 1e-3, 300, 8, 1, 40, 3);
    let (x, patterns) = (problem.x(), problem.patterns());
    let (n, d, p) = (x.nrows(), x.ncols(), patterns.p());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for scale in [1e-3, 1.0, 1e3] {
        let grad: Vec<f64> = (0..2 * p * d).map(|_| scale * rng.unit()).collect();
        let fast = ReluDualNorm::new(x.as_ref(), patterns, 2 * p).compute(&grad);
        let mut projector = ConeProjector::new(x.as_ref());
        let mut full: f64 = 0.0;
        for (j, g) in grad.chunks(d).enumerate() {
            let mut mask = vec![0.0; n];
            for row in patterns.active_rows(j % p) {
                mask[row] = 1.0;
            }
            let mut z: Vec<f64> = g.iter().map(|v| -v).collect();
            let mut cz = vec![0.0; n];
            projector.cone_values(&mask, &z, &mut cz);
            projector.project(&mask, &mut z, &cz, &mut Passive::new(d));
            full = full.max(z.iter().map(|v| v * v).sum::<f64>().sqrt());
        }
        assert!(full > 0.0);
        assert!(
            (fast - full).abs() <= TOL * full,
            "scale {scale}: {fast} vs {full}"
        );
    }
}
