//! The structured operators agree with the straightforward implementations in
//! `model::objective` and `certify` on random data, for several outputs.

use cvxrelu::certify;
use cvxrelu::model::objective::{block_cone_violation, predictions};
use cvxrelu::model::{Blocks, Patterns};
use cvxrelu::solvers::native::operators::Operators;
use faer::Mat;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

fn random_mat(rng: &mut rand_chacha::ChaCha8Rng, r: usize, c: usize) -> Mat<f64> {
    let mut m = Mat::zeros(r, c);
    for j in 0..c {
        for i in 0..r {
            m[(i, j)] = StandardNormal.sample(rng);
        }
    }
    m
}

fn random_blocks(rng: &mut rand_chacha::ChaCha8Rng, c: usize, p: usize, d: usize) -> Blocks {
    let mut b = Blocks::zeros(c, p, d);
    b.data
        .iter_mut()
        .for_each(|v| *v = StandardNormal.sample(rng));
    b
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn operators_match_reference_implementations() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for &(n, d, p_req, c) in &[(37, 5, 9, 1), (130, 4, 20, 3), (65, 7, 12, 2)] {
        let x = random_mat(&mut rng, n, d);
        let g = random_mat(&mut rng, d, p_req);
        let patterns = Patterns::from_gates(&x, &g);
        let p = patterns.p();
        let ops = Operators::new(&x, &patterns);
        let u = random_blocks(&mut rng, c, p, d);

        // forward
        let mut z = vec![0.0; ops.workspace_len(c * p)];
        let mut pred = vec![0.0; n * c];
        ops.forward(&u.data, &mut z, &mut pred);
        let expect = predictions(&x, &patterns, &u);
        let expect: Vec<f64> = (0..c)
            .flat_map(|k| (0..n).map(move |r| (r, k)))
            .map(|(r, k)| expect[(r, k)])
            .collect();
        assert!(max_abs_diff(&pred, &expect) < 1e-12, "forward n={n}");

        // adjoint
        let r = random_mat(&mut rng, n, c);
        let rs: Vec<f64> = (0..c)
            .flat_map(|k| (0..n).map(move |i| (i, k)))
            .map(|(i, k)| r[(i, k)])
            .collect();
        let mut gout = vec![0.0; c * p * d];
        ops.adjoint(&rs, 2.0, &mut z, &mut gout);
        let expect = certify::adjoint(&x, &patterns, &r);
        let scaled: Vec<f64> = expect.data.iter().map(|v| 2.0 * v).collect();
        assert!(max_abs_diff(&gout, &scaled) < 1e-12, "adjoint n={n}");

        // adjointness: <A u, r> = <u, Aᵀ r>
        let lhs: f64 = pred.iter().zip(&rs).map(|(a, b)| a * b).sum();
        let rhs: f64 = u.data.iter().zip(&expect.data).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() < 1e-9 * lhs.abs().max(1.0));

        // cone map and violation
        let mut zz = vec![0.0; ops.workspace_len(c * p)];
        ops.products(&u.data, &mut zz);
        let viol = ops.max_cone_violation(&zz);
        assert!((viol - block_cone_violation(&x, &patterns, &u)).abs() < 1e-12);
        let mut col = vec![0.0; n];
        ops.cone_column(&zz, 1, &mut col);
        for (row, v) in col.iter().enumerate() {
            let z_raw = zz[n + row];
            let sign = if patterns.get(row, ops.pattern_of(1)) {
                1.0
            } else {
                -1.0
            };
            assert_eq!(*v, sign * z_raw);
        }

        // predictions of v − w
        let w = random_blocks(&mut rng, c, p, d);
        let mut zw = vec![0.0; ops.workspace_len(c * p)];
        ops.products(&w.data, &mut zw);
        ops.masked_row_sum_diff(&zz, &zw, &mut pred);
        let mut diff = u.clone();
        diff.data.iter_mut().zip(&w.data).for_each(|(a, b)| *a -= b);
        let expect = predictions(&x, &patterns, &diff);
        for k in 0..c {
            for row in 0..n {
                assert!((pred[k * n + row] - expect[(row, k)]).abs() < 1e-12);
            }
        }
    }
}
