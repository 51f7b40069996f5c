//! Throughput of the structured operators next to a plain faer GEMM of the same
//! shape, in the same run. Throughput is counted in flops of the GEMM (`2ndP`), so
//! criterion's `elem/s` reads as flop/s and `forward` / `gemm` is the fraction of
//! the GEMM's throughput the operator reaches (target ≥ 60%).
//!
//! - `gemm`: `Z = X U` (`n × d` times `d × P`), faer, sequential;
//! - `forward`: `Σ_i D_i X u_i`, the row-blocked fused kernel ([`Operators::forward`]:
//!   GEMM of a row block into a cache-sized buffer, masked row sum of it at once);
//! - `forward_unfused`: the full GEMM `Z = X U` then the masked row sum over `Z`
//!   with the dense 0/1 mask ([`Operators::products`] + [`Operators::masked_row_sum`],
//!   the kernel before the fused one);
//! - `adjoint`: `Xᵀ(M ⊙ r)`, fused ([`Operators::adjoint`]: per row block, build
//!   `M_blk ⊙ r_blk` and accumulate `X_blkᵀ` times it);
//! - `adjoint_unfused`: expand `M ⊙ r` to `n × P`, then one GEMM.
//!
//! `cargo bench --bench operators` (add `-- forward` to filter). Set
//! `CVXRELU_BLOCK_ROWS=R` to force `R` rows per block (a multiple of 64) instead of
//! the default chosen from the cache budget, and `CVXRELU_THREADS=N` to run the
//! operators and the reference GEMM on `N` threads (default 1).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cvxrelu::linalg::matmul;
use cvxrelu::model::Patterns;
use cvxrelu::solvers::native::operators::Operators;
use faer::{Accum, Mat, MatMut, MatRef};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use std::hint::black_box;

fn random(rng: &mut rand_chacha::ChaCha8Rng, r: usize, c: usize) -> Mat<f64> {
    let mut m = Mat::zeros(r, c);
    for j in 0..c {
        for i in 0..r {
            m[(i, j)] = StandardNormal.sample(rng);
        }
    }
    m
}

fn bench(c: &mut Criterion) {
    let block_rows: Option<usize> = std::env::var("CVXRELU_BLOCK_ROWS")
        .ok()
        .map(|v| v.parse().expect("CVXRELU_BLOCK_ROWS: a multiple of 64"));
    let threads: usize = std::env::var("CVXRELU_THREADS")
        .ok()
        .map(|v| v.parse().expect("CVXRELU_THREADS: a thread count"))
        .unwrap_or(1);
    let par = cvxrelu::model::parallelism(threads);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut group = c.benchmark_group("operators");
    group
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    for &n in &[1000usize, 10000] {
        for &d in &[20usize, 100] {
            for &p in &[100usize, 1000] {
                let x = random(&mut rng, n, d);
                let g = random(&mut rng, d, p);
                let patterns = Patterns::from_gates(&x, &g);
                let p = patterns.p();
                let mut ops = Operators::new(&x, &patterns).with_threads(threads);
                if let Some(rows) = block_rows {
                    ops = ops.with_block_rows(rows);
                }
                let mut zb = vec![0.0; ops.block_workspace_len(p)];
                let u: Vec<f64> = (0..d * p)
                    .map(|_| StandardNormal.sample(&mut rng))
                    .collect();
                let r: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
                let mut z = vec![0.0; n * p];
                let mut pred = vec![0.0; n];
                let mut grad = vec![0.0; d * p];
                let flops = (2 * n * d * p) as u64;
                group.throughput(Throughput::Elements(flops));
                let id = format!("n{n}_d{d}_P{p}");
                group.bench_function(BenchmarkId::new("gemm", &id), |b| {
                    b.iter(|| {
                        let um = MatRef::from_column_major_slice(&u, d, p);
                        let zm = MatMut::from_column_major_slice_mut(&mut z, n, p);
                        matmul(zm, Accum::Replace, x.as_ref(), um, 1.0, par);
                        black_box(&z);
                    })
                });
                // The same product through faer's own matmul (gemm 0.18: AVX2
                // kernels on stable Rust), against `gemm` above (src/linalg.rs).
                group.bench_function(BenchmarkId::new("gemm_faer", &id), |b| {
                    b.iter(|| {
                        let um = MatRef::from_column_major_slice(&u, d, p);
                        let zm = MatMut::from_column_major_slice_mut(&mut z, n, p);
                        faer::linalg::matmul::matmul(zm, Accum::Replace, x.as_ref(), um, 1.0, par);
                        black_box(&z);
                    })
                });
                group.bench_function(BenchmarkId::new("forward", &id), |b| {
                    b.iter(|| {
                        ops.forward(black_box(&u), &mut zb, &mut pred);
                        black_box(&pred);
                    })
                });
                group.bench_function(BenchmarkId::new("forward_unfused", &id), |b| {
                    b.iter(|| {
                        ops.products(black_box(&u), &mut z);
                        ops.masked_row_sum(&z, &mut pred);
                        black_box(&pred);
                    })
                });
                group.bench_function(BenchmarkId::new("adjoint", &id), |b| {
                    b.iter(|| {
                        ops.adjoint(black_box(&r), 1.0, &mut zb, &mut grad);
                        black_box(&grad);
                    })
                });
                group.bench_function(BenchmarkId::new("adjoint_unfused", &id), |b| {
                    b.iter(|| {
                        ops.expand_masked(black_box(&r), 1.0, &mut z);
                        ops.transpose_products(&z, &mut grad);
                        black_box(&grad);
                    })
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
