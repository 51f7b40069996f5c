//! The non-convex two-layer networks the baselines train, one-vs-all like the
//! convex models: output `k` has its own `m` hidden neurons (`m = P` gated,
//! `m = 2P` ReLU), first-layer rows `W1_j ∈ R^d` and output weights `w2_j`:
//!
//! ```text
//!   pred_k(x) = Σ_{j ∈ k} act_j(x) w2_j,   act_j(x) = 1[x·g_i > 0] x·W1_j   (gated, i = j mod P)
//!                                           act_j(x) = (x·W1_j)_+            (ReLU)
//!   F(W) = 1/(2nc) Σ_k ‖pred_k − Y_{:,k}‖² + λ/2 Σ_j (‖W1_j‖² + w2_j²)
//! ```
//!
//! the objective of SPEC §1 with the same `½` and `1/(nc)` as the convex
//! objective. A gated network on the problem's gates maps exactly onto a C-GReLU
//! point `u_{k,i} = W1_j w2_j` with the same predictions and a penalty
//! `λ‖W1_j‖|w2_j| ≤ λ/2 (‖W1_j‖² + w2_j²)` (AM–GM), so `F ≥` the convex objective
//! of that point `≥ p*`.
//!
//! Parameters are stored column-major: `W1` is `d × cm` (column `j` is `W1_j`),
//! followed by `w2 ∈ R^{cm}`, in one flat vector so optimizers treat them alike.
//! [`Workspace`] holds every buffer one minibatch step needs; a step allocates
//! nothing.

use crate::linalg::matmul;
use faer::{Accum, MatMut, MatRef, Par};

use crate::model::{Model, Problem};

/// Shape of the network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    pub model: Model,
    pub n: usize,
    pub d: usize,
    pub c: usize,
    /// Patterns of the problem (gates of the gated network).
    pub p: usize,
    /// Neurons per output.
    pub m: usize,
}

impl Shape {
    pub fn of(problem: &Problem) -> Shape {
        let p = problem.p();
        let m = match problem.model() {
            Model::GatedRelu => p,
            Model::Relu => 2 * p,
        };
        Shape {
            model: problem.model(),
            n: problem.n(),
            d: problem.d(),
            c: problem.c(),
            p,
            m,
        }
    }
    /// A ReLU network with `m` neurons per output (the gated network's width is
    /// the problem's `P`, whatever `m` says).
    pub fn with_neurons(problem: &Problem, m: usize) -> Shape {
        let shape = Shape::of(problem);
        match problem.model() {
            Model::GatedRelu => shape,
            Model::Relu => Shape { m, ..shape },
        }
    }
    /// Total hidden neurons `c·m`.
    pub fn width(&self) -> usize {
        self.c * self.m
    }
    /// Length of the flat parameter vector `d·cm + cm`.
    pub fn len(&self) -> usize {
        (self.d + 1) * self.width()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Buffers of one forward/backward pass on up to `rows` examples.
pub struct Workspace {
    rows: usize,
    xb: Vec<f64>,
    z: Vec<f64>,
    dz: Vec<f64>,
    r: Vec<f64>,
    /// Parallelism of the two GEMMs of a pass.
    par: Par,
}

impl Workspace {
    pub fn new(shape: &Shape, rows: usize, threads: usize) -> Workspace {
        Workspace {
            par: crate::model::parallelism(threads),
            rows,
            xb: vec![0.0; rows * shape.d],
            z: vec![0.0; rows * shape.width()],
            dz: vec![0.0; rows * shape.width()],
            r: vec![0.0; rows * shape.c],
        }
    }
}

#[inline]
fn active(problem: &Problem, shape: &Shape, row: usize, j: usize, z: f64) -> bool {
    match shape.model {
        Model::GatedRelu => problem.patterns().get(row, j % shape.m),
        Model::Relu => z > 0.0,
    }
}

/// Forward pass on `rows` (indices into the training set): fills `ws.z` with
/// `X_B W1` and `ws.r` with the residuals `pred − Y` (`b × c`, column-major);
/// returns `Σ r²`.
fn forward(
    problem: &Problem,
    shape: &Shape,
    theta: &[f64],
    rows: &[usize],
    ws: &mut Workspace,
) -> f64 {
    let (b, d, wd, c, m) = (rows.len(), shape.d, shape.width(), shape.c, shape.m);
    debug_assert!(b <= ws.rows);
    for j in 0..d {
        let col = problem.x().col(j);
        for (t, &row) in rows.iter().enumerate() {
            ws.xb[j * b + t] = col[row];
        }
    }
    let xb = MatRef::from_column_major_slice(&ws.xb[..b * d], b, d);
    let w1 = MatRef::from_column_major_slice(&theta[..d * wd], d, wd);
    let w2 = &theta[d * wd..];
    matmul(
        MatMut::from_column_major_slice_mut(&mut ws.z[..b * wd], b, wd),
        Accum::Replace,
        xb,
        w1,
        1.0,
        ws.par,
    );
    let mut rr = 0.0;
    for k in 0..c {
        let rk = &mut ws.r[k * b..(k + 1) * b];
        for (t, &row) in rows.iter().enumerate() {
            rk[t] = -problem.y()[(row, k)];
        }
        for j in k * m..(k + 1) * m {
            let zj = &ws.z[j * b..(j + 1) * b];
            for (t, &row) in rows.iter().enumerate() {
                if active(problem, shape, row, j, zj[t]) {
                    rk[t] += zj[t] * w2[j];
                }
            }
        }
        rr += rk.iter().map(|v| v * v).sum::<f64>();
    }
    rr
}

/// `λ/2 ‖θ‖²`.
pub fn decay(lambda: f64, theta: &[f64]) -> f64 {
    lambda / 2.0 * theta.iter().map(|v| v * v).sum::<f64>()
}

/// Minibatch gradient of `1/(2bc) Σ_{r∈B} ‖pred_r − y_r‖² + λ/2 ‖θ‖²` into `grad`;
/// returns the minibatch loss.
pub fn gradient(
    problem: &Problem,
    shape: &Shape,
    lambda: f64,
    theta: &[f64],
    rows: &[usize],
    ws: &mut Workspace,
    grad: &mut [f64],
) -> f64 {
    let (b, d, wd, c, m) = (rows.len(), shape.d, shape.width(), shape.c, shape.m);
    let rr = forward(problem, shape, theta, rows, ws);
    let scale = 1.0 / (b * c) as f64;
    let w2 = &theta[d * wd..];
    let (g1, g2) = grad.split_at_mut(d * wd);
    for k in 0..c {
        let rk = &ws.r[k * b..(k + 1) * b];
        for j in k * m..(k + 1) * m {
            let zj = &ws.z[j * b..(j + 1) * b];
            let dzj = &mut ws.dz[j * b..(j + 1) * b];
            let mut gw2 = 0.0;
            for (t, &row) in rows.iter().enumerate() {
                if active(problem, shape, row, j, zj[t]) {
                    gw2 += zj[t] * rk[t];
                    dzj[t] = rk[t] * w2[j] * scale;
                } else {
                    dzj[t] = 0.0;
                }
            }
            g2[j] = gw2 * scale + lambda * w2[j];
        }
    }
    let xb = MatRef::from_column_major_slice(&ws.xb[..b * d], b, d);
    let dz = MatRef::from_column_major_slice(&ws.dz[..b * wd], b, wd);
    for (g, w) in g1.iter_mut().zip(&theta[..d * wd]) {
        *g = lambda * w;
    }
    matmul(
        MatMut::from_column_major_slice_mut(g1, d, wd),
        Accum::Add,
        xb.transpose(),
        dz,
        1.0,
        ws.par,
    );
    rr * scale / 2.0
}

/// Full-data loss and objective `(loss, loss + λ/2‖θ‖²)`, in chunks of the
/// workspace's row count.
pub fn objective(
    problem: &Problem,
    shape: &Shape,
    lambda: f64,
    theta: &[f64],
    ws: &mut Workspace,
    rows_buf: &mut Vec<usize>,
) -> (f64, f64) {
    let mut rr = 0.0;
    let mut start = 0;
    while start < shape.n {
        let end = (start + ws.rows).min(shape.n);
        rows_buf.clear();
        rows_buf.extend(start..end);
        rr += forward(problem, shape, theta, rows_buf, ws);
        start = end;
    }
    let loss = rr / (2.0 * (shape.n * shape.c) as f64);
    (loss, loss + decay(lambda, theta))
}
