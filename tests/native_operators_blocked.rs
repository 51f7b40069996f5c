//! The row-blocked fused `Operators::forward` / `Operators::adjoint` equal a dense
//! reference (plain loops over `X`, `U` and the 0/1 mask) to 1e-12 relative: for `n`
//! not a multiple of the block size, several outputs, patterns with all-zero mask
//! columns, and workspaces of exactly `block_workspace_len` entries that start out
//! full of NaN (so no result may depend on what a workspace held before).

use cvxrelu::model::Patterns;
use cvxrelu::solvers::native::operators::Operators;
use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

type Rng8 = rand_chacha::ChaCha8Rng;

fn normals(rng: &mut Rng8, len: usize) -> Vec<f64> {
    (0..len).map(|_| StandardNormal.sample(rng)).collect()
}

/// A random `n × p` pattern matrix whose columns listed in `zero` are all zero.
fn patterns_with_zero_columns(rng: &mut Rng8, n: usize, p: usize, zero: &[usize]) -> Patterns {
    let cols: Vec<Vec<bool>> = (0..p)
        .map(|i| {
            (0..n)
                .map(|_| !zero.contains(&i) && rng.random_bool(0.5))
                .collect()
        })
        .collect();
    Patterns::from_columns(n, &cols)
}

/// `pred[k·n + r] = Σ_i M[r,i] Σ_a X[r,a] U[a, kP+i]`.
fn forward_reference(x: &Mat<f64>, pat: &Patterns, u: &[f64], c: usize) -> Vec<f64> {
    let (n, d, p) = (x.nrows(), x.ncols(), pat.p());
    let mut pred = vec![0.0; n * c];
    for k in 0..c {
        for r in 0..n {
            let mut s = 0.0;
            for i in 0..p {
                if pat.get(r, i) {
                    let j = k * p + i;
                    s += (0..d).map(|a| x[(r, a)] * u[j * d + a]).sum::<f64>();
                }
            }
            pred[k * n + r] = s;
        }
    }
    pred
}

/// `g[(kP+i)·d + a] = α Σ_r X[r,a] M[r,i] res[k·n + r]`.
fn adjoint_reference(x: &Mat<f64>, pat: &Patterns, res: &[f64], alpha: f64, c: usize) -> Vec<f64> {
    let (n, d, p) = (x.nrows(), x.ncols(), pat.p());
    let mut g = vec![0.0; d * p * c];
    for k in 0..c {
        for i in 0..p {
            for a in 0..d {
                let s: f64 = (0..n)
                    .filter(|&r| pat.get(r, i))
                    .map(|r| x[(r, a)] * res[k * n + r])
                    .sum();
                g[((k * p) + i) * d + a] = alpha * s;
            }
        }
    }
    g
}

/// `‖a − b‖∞ ≤ 1e-12 ‖b‖∞`.
fn assert_close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    let err = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        err <= 1e-12 * scale,
        "{what}: max error {err:e} vs scale {scale:e}"
    );
}

#[test]
fn blocked_forward_and_adjoint_match_dense_reference() {
    let mut rng = Rng8::seed_from_u64(11);
    // (n, d, P, c, zero columns, block rows; None = the default from the cache budget)
    type Case = (usize, usize, usize, usize, &'static [usize], Option<usize>);
    let cases: &[Case] = &[
        (1000, 7, 13, 3, &[0, 5, 12], Some(64)), // 15 full blocks + 40 rows
        (1000, 7, 13, 3, &[0, 5, 12], Some(192)), // 5 blocks + 40 rows
        (1000, 7, 13, 3, &[0, 5, 12], None),     // default: one block of all rows
        (300, 5, 40, 2, &[39], Some(128)),       // 2 blocks + 44 rows
        (37, 4, 9, 2, &[3, 4], Some(64)),        // n below one block
        (128, 3, 6, 1, &[], Some(64)),           // n a multiple of the block
        (5000, 6, 700, 2, &[1, 699], None),      // default: several blocks, last partial
    ];
    for &(n, d, p, c, zero, rows) in cases {
        let what = format!("n={n} d={d} P={p} c={c} block={rows:?}");
        let x = Mat::from_fn(n, d, |_, _| StandardNormal.sample(&mut rng));
        let pat = patterns_with_zero_columns(&mut rng, n, p, zero);
        let mut ops = Operators::new(&x, &pat);
        if let Some(rows) = rows {
            ops = ops.with_block_rows(rows);
        }
        let m = c * p;
        let blk = ops.block_rows(m);
        assert!(blk >= 1 && blk <= n, "{what}: block rows {blk}");
        if rows.is_none() && n == 5000 {
            assert!(
                n % blk != 0 && n / blk >= 2,
                "{what}: want a partial last block"
            );
        }
        assert_eq!(ops.block_workspace_len(m), blk * m);
        let mut ws = vec![f64::NAN; ops.block_workspace_len(m)];

        let u = normals(&mut rng, d * m);
        let mut pred = vec![f64::NAN; n * c];
        ops.forward(&u, &mut ws, &mut pred);
        assert_close(
            &pred,
            &forward_reference(&x, &pat, &u, c),
            &format!("forward {what}"),
        );

        let res = normals(&mut rng, n * c);
        let alpha = 0.37;
        let mut g = vec![f64::NAN; d * m];
        ws.iter_mut().for_each(|v| *v = f64::NAN);
        ops.adjoint(&res, alpha, &mut ws, &mut g);
        let expect = adjoint_reference(&x, &pat, &res, alpha, c);
        assert_close(&g, &expect, &format!("adjoint {what}"));
        // Blocks of an all-zero pattern get an exactly zero gradient.
        for k in 0..c {
            for &i in zero {
                let j = k * p + i;
                assert!(
                    g[j * d..(j + 1) * d].iter().all(|&v| v == 0.0),
                    "{what}: zero column {i} output {k}"
                );
            }
        }

        // The fused kernels agree with the unfused full-products path.
        let mut z = vec![0.0; ops.workspace_len(m)];
        let mut pred_full = vec![0.0; n * c];
        ops.products(&u, &mut z);
        ops.masked_row_sum(&z, &mut pred_full);
        assert_close(&pred, &pred_full, &format!("forward vs unfused {what}"));
        let mut g_full = vec![0.0; d * m];
        ops.expand_masked(&res, alpha, &mut z);
        ops.transpose_products(&z, &mut g_full);
        assert_close(&g, &g_full, &format!("adjoint vs unfused {what}"));

        // A longer workspace (the full n × m one) gives the same result.
        let mut pred_long = vec![0.0; n * c];
        ops.forward(&u, &mut z, &mut pred_long);
        assert_eq!(pred, pred_long, "{what}: forward with a longer workspace");
    }
}

#[test]
fn default_block_keeps_the_block_buffer_small() {
    let mut rng = Rng8::seed_from_u64(3);
    let (n, d) = (10000, 4);
    let x = Mat::from_fn(n, d, |_, _| StandardNormal.sample(&mut rng));
    let pat = patterns_with_zero_columns(&mut rng, n, 1000, &[]);
    let ops = Operators::new(&x, &pat);
    for m in [1, 100, 1000, 3000] {
        let rows = ops.block_rows(m);
        assert!(rows % 64 == 0 && rows >= 64, "m={m}: rows {rows}");
        assert!(
            ops.block_workspace_len(m) < ops.workspace_len(m) || rows == n,
            "m={m}: the block workspace is not smaller than n × m"
        );
    }
    // Past the minimum of 64 rows, the block buffer stays within 1 MiB (the L2 of
    // the machines measured in results/native/README.md).
    assert!(ops.block_workspace_len(1000) * 8 <= 1 << 20);
}

#[test]
#[should_panic(expected = "block_workspace_len")]
fn forward_rejects_a_short_workspace() {
    let mut rng = Rng8::seed_from_u64(5);
    let x = Mat::from_fn(200, 3, |_, _| StandardNormal.sample(&mut rng));
    let pat = patterns_with_zero_columns(&mut rng, 200, 5, &[]);
    let ops = Operators::new(&x, &pat).with_block_rows(64);
    let mut ws = vec![0.0; ops.block_workspace_len(5) - 1];
    let mut pred = vec![0.0; 200];
    ops.forward(&[0.0; 15], &mut ws, &mut pred);
}
