//! C-ReLU by an augmented Lagrangian with R-FISTA inner solves (SPEC §3), finished
//! by a cone-projected R-FISTA phase that makes the point exactly feasible and
//! certifies it.
//!
//! The variable is `(v, w)`, `2cP` blocks (`v` first, then `w`, each in the
//! [`Blocks`](crate::model::Blocks) layout), and the state of the inner smooth part is the products
//! `Z = X [V W]` (`n × 2cP`, formed one row block at a time, see [`AugmentedLoss`]). With `S = 2M − 1`, `σ_j = +1` on `v` blocks
//! and `−1` on `w` blocks, block `j` using pattern `i` and feeding output `k`:
//!
//! ```text
//!   L_δ(v, w; γ) = 1/(2N)‖Σ_i D_i X (v_i − w_i) − Y‖² + λ Σ_j ‖u_j‖
//!                  + δ/2 Σ_j ‖(−S_i ⊙ Z_j + γ_j/δ)_+‖²
//!   ∂/∂Z_j      = σ_j M_i ⊙ r_k / N − δ S_i ⊙ (−S_i ⊙ Z_j + γ_j/δ)_+
//!   γ_j        ← (γ_j + δ(−S_i ⊙ Z_j))_+
//! ```
//!
//! **Phase 1, the AL of SPEC §3.** δ by the windowing rule: start at `100/n`; while
//! in the window phase, a squared total violation `Σ_j ‖(−X̃_i u_j)_+‖²` above
//! `1e-2` doubles δ, below `1e-3` halves δ and the inner tolerance; inside the
//! window, switch to multiplier updates with the inner tolerance 1e-6 (or `tol` if
//! larger), halved — down to `tol` — whenever `2·violation` falls below it. One
//! addition to SPEC §3: in the multiplier phase δ doubles whenever an outer step
//! leaves more than 90% of the squared violation. The phase stops by SPEC's rule:
//! squared total violation ≤ `violation_tol` and squared min-norm subgradient of
//! the last inner solve ≤ `tol` (or at its iteration budget).
//!
//! **Working sets** ([`super::al_working_set`]; `inner.working_sets`, read as
//! `fista` reads it: `on`, `off`, `auto` from 200 patterns). Each inner solve runs
//! R-FISTA on a set of blocks (the support of `u`, grown by violators), the others
//! fixed at zero, and ends only once every zero block passes its optimality test
//! `‖∇_j φ‖ ≤ λ` (the gradient at `u_j = 0` keeps the multiplier term
//! `−S_i ⊙ γ_j`), checked by one product `X U_W` and one adjoint over the other
//! blocks: the outer loop sees the full inner problem solved. With `off` (and
//! `auto` below 200 patterns) every inner solve is on all `2cP` blocks, as before.
//!
//! **Phase 2, polish** ([`super::relu::run`]). The AL point is only approximately
//! feasible, and driving the violation to 1e-8 through the penalty alone took
//! 10⁵–10⁶ inner iterations (the violation shrank ~10% per outer step). So the
//! point is projected onto the cones and finished by R-FISTA with the exact
//! projections in its prox, stopping on the certified relative duality gap
//! `gap_tol`: the result is feasible to rounding and its accuracy is proved. With
//! `polish = false` the AL's own point and status are returned.

use super::al_working_set;
use super::fista::{
    self, Composite, FistaOutcome, FistaSettings, FistaWorkspace, Monitor, Smooth, Stopping,
};
use super::operators::default_block_rows;
use crate::linalg::matmul;
use crate::model::{Model, Patterns, Problem, Regularizer, Weights};
use crate::solvers::clock::Stopwatch;
use crate::solvers::details::AlDetails;
use crate::solvers::progress::Phase;
use crate::solvers::{CpuTimes, SolveOutput, SolverDetails, SolverError, Status, TracePoint};
use faer::{Accum, MatMut, MatRef, Par};

/// Augmented-Lagrangian settings.
#[derive(Clone, Debug, PartialEq)]
pub struct AlSettings {
    /// AL phase: squared min-norm subgradient of the augmented Lagrangian at the
    /// end of an inner solve (default 1e-6, SPEC §3).
    pub tol: f64,
    /// AL phase: squared total violation `Σ_j ‖(−X̃_i u_j)_+‖²` accepted (default
    /// 1e-6, SPEC §3).
    pub violation_tol: f64,
    /// Finish with the cone-projected R-FISTA phase (default true).
    pub polish: bool,
    /// Polish: certified relative duality gap (default 1e-6).
    pub gap_tol: f64,
    /// Inner R-FISTA iterations of the AL phase (default 20000).
    pub max_al_iters: usize,
    /// Total iterations, AL phase plus polish (default 100000).
    pub max_iters: usize,
    /// Outer iterations (default 1000).
    pub max_outer: usize,
    /// Time limit in seconds (default none), on `inner.time_basis` (the clock of
    /// the whole solve: AL phase, inner solves and polish).
    pub time_limit: f64,
    /// Initial penalty is `delta_scale / n` (default 100).
    pub delta_scale: f64,
    /// The window of the squared violation `[low, high]` (default `[1e-3, 1e-2]`).
    pub window: (f64, f64),
    /// Inner tolerance during the window phase (default 1e-3).
    pub window_tol: f64,
    /// Window-phase steps before switching to multiplier updates anyway (default 30).
    pub max_window_steps: usize,
    /// Multiplier phase: when an outer step leaves more than this fraction of the
    /// squared violation, δ doubles (default 0.9). An addition to SPEC §3: with δ
    /// fixed after the window phase, breast_cancer (λ = 1e-3) was still at a 1.3e-7
    /// violation after 1000 outer steps; 0.25 grew δ so fast the inner solves
    /// stalled.
    pub stall_ratio: f64,
    /// Print one line per outer iteration on stderr.
    pub verbose: bool,
    /// Inner solver settings (line search, restart, trace; tol and max_iters are set
    /// by the outer loop).
    pub inner: FistaSettings,
}

impl Default for AlSettings {
    fn default() -> Self {
        AlSettings {
            tol: 1e-6,
            violation_tol: 1e-6,
            polish: true,
            gap_tol: 1e-6,
            max_al_iters: 20_000,
            max_iters: 100_000,
            max_outer: 1000,
            time_limit: f64::INFINITY,
            delta_scale: 100.0,
            window: (1e-3, 1e-2),
            window_tol: 1e-3,
            max_window_steps: 30,
            stall_ratio: 0.9,
            verbose: false,
            inner: FistaSettings::default(),
        }
    }
}

impl AlSettings {
    /// `--tol T`: the AL phase's subgradient and squared-violation tolerances and
    /// the polish's relative duality gap all become `T` (so a tighter `T` tightens
    /// both optimality and feasibility).
    pub fn with_tol(mut self, tol: f64) -> AlSettings {
        self.tol = tol;
        self.violation_tol = tol;
        self.gap_tol = tol;
        self
    }

    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("tol", self.tol),
            ("violation tol", self.violation_tol),
            ("gap tol", self.gap_tol),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{name} must be > 0, got {v}"));
            }
        }
        if self.max_iters == 0 || self.max_outer == 0 || self.max_al_iters == 0 {
            return Err("max-iters must be >= 1".into());
        }
        if self.time_limit.is_nan() || self.time_limit <= 0.0 {
            return Err(format!("time-limit must be > 0, got {}", self.time_limit));
        }
        if !(self.delta_scale > 0.0 && self.window.0 > 0.0 && self.window.0 < self.window.1) {
            return Err("delta scale and window must be positive with low < high".into());
        }
        self.inner.validate()
    }
}

/// The smooth part of the augmented Lagrangian. Its state is `u = (v, w)` itself
/// (a copy): the products `Z = X[V W]` are formed only one row block at a time,
/// inside fused passes (`Z_B = X_B U`, then the loss, penalty and gradient
/// right-hand side of those rows, then `G += X_Bᵀ W_B`), so nothing of size
/// `n × 2cP` exists but the multipliers. (An `n × 2cP` state made R-FISTA hold four
/// copies of `Z`, ~106 B per n·P at c = 1; the price is one more GEMM `X_B U` per
/// gradient, since the momentum point's products are no longer combined from the
/// iterates'.)
///
/// The point `u` holds the blocks of [`AugmentedLoss::set_blocks`] (all `2cP`
/// unless a working set was set, [`super::al_working_set`]); the others are zero,
/// so they take no product, their penalty is the constant of
/// [`AugmentedLoss::fix_outside`], their violation is zero and their multipliers
/// do not move (`(γ + δ·0)_+ = γ`, as `γ ≥ 0`).
///
/// Memory: the multipliers (`16c` B per n·P, the algorithm's state) and one row
/// block of `2cP` columns ([`default_block_rows`]); `X` and the pattern bits are
/// the problem's own, borrowed, not copied into operators (which would add
/// `8nd + nP/8` bytes).
pub struct AugmentedLoss<'a> {
    /// `X`, `n × d` (the problem's).
    x: MatRef<'a, f64>,
    /// The pattern bits (the problem's), read one bit per row and block.
    patterns: &'a Patterns,
    /// Parallelism of the GEMMs.
    par: Par,
    /// Rows per block of the fused passes.
    rows: usize,
    y: Vec<f64>,
    c: usize,
    /// Penalty δ.
    pub delta: f64,
    /// Multipliers `γ` (for `v`) then `ξ` (for `w`), `n × 2cP`.
    pub multipliers: Vec<f64>,
    /// One row block of `Z`, then of the gradient's right-hand side (`rows × 2cP`).
    zb: Vec<f64>,
    /// Residual of one row block, `rows × c`.
    rb: Vec<f64>,
    /// The pattern bits of one row block as `0.0 / 1.0`, `rows × P`: unpacked
    /// once per block and pass, read by every loop over the block's rows (a bit
    /// read per row and block in each loop made the AL phase 2.7× slower per
    /// iteration than the dense mask it replaced).
    mb: Vec<f64>,
    /// Per pattern: whether a block of the point is on it (the masks a pass
    /// other than the check unpacks).
    in_point: Vec<bool>,
    /// The blocks of the point, ascending (all `2cP`, or a working set).
    cols: Vec<usize>,
    /// Per block: its column in the point, or [`OUTSIDE`].
    slot: Vec<usize>,
    /// The blocks not in the point (zero), ascending.
    outside: Vec<usize>,
    /// `Σ_{j outside} ‖(γ_j/δ)_+‖²`, the zero blocks' part of the penalty sum.
    fixed: f64,
    /// Block products so far: the columns of every `X U` and `Xᵀ W` over all rows.
    block_products: usize,
}

/// [`AugmentedLoss`]'s slot of a block that is not in the point.
const OUTSIDE: usize = usize::MAX;

/// What a fused pass computes besides the products.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Loss and penalty.
    Value,
    /// Loss, penalty and the gradient.
    Gradient,
    /// `Σ_j ‖(−S_i ⊙ Z_j)_+‖²` and the max of the same.
    Violation,
    /// `γ ← (γ + δ(−S ⊙ Z))_+`.
    Multipliers,
    /// The gradient of the blocks outside the point (at zero).
    Check,
}

/// The bits of rows `r0 .. r0 + rows` of the patterns `needed` (all: `None`) as
/// `0.0 / 1.0` into `out` (`rows × P`, column-major; the other columns untouched).
fn unpack_masks(
    patterns: &Patterns,
    needed: Option<&[bool]>,
    r0: usize,
    rows: usize,
    out: &mut [f64],
) {
    for i in 0..patterns.p() {
        if needed.is_some_and(|on| !on[i]) {
            continue;
        }
        let words = patterns.column_words(i);
        for (l, o) in out[i * rows..(i + 1) * rows].iter_mut().enumerate() {
            let r = r0 + l;
            *o = ((words[r / 64] >> (r % 64)) & 1) as f64;
        }
    }
}

/// Block `j`'s gradient right-hand side `σ_j M_i ⊙ r_k / N − δ S_i ⊙ e` on one row
/// block, written over its products `zj`, with `e = (γ_j/δ − S_i ⊙ Z_j)_+` from
/// its multipliers `gj` and the residual `rb` (`rows × c`); returns `‖e‖²`.
#[allow(clippy::too_many_arguments)]
fn gradient_rhs(
    zj: &mut [f64],
    gj: &[f64],
    rb: &[f64],
    mask: &[f64],
    j: usize,
    cp: usize,
    p: usize,
    (delta, inv, inv_nc): (f64, f64, f64),
) -> f64 {
    let rows = zj.len();
    let sigma = if j < cp { inv_nc } else { -inv_nc };
    let k = (j % cp) / p;
    let rk = &rb[k * rows..(k + 1) * rows];
    let mut pen = 0.0;
    for (((o, &g), &r), &mm) in zj.iter_mut().zip(gj.iter()).zip(rk).zip(mask) {
        // Branch-free: the pattern bits of a row block are not predictable.
        let s = 2.0 * mm - 1.0;
        let e = (g * inv - s * *o).max(0.0);
        pen += e * e;
        *o = sigma * mm * r - delta * s * e;
    }
    pen
}

impl<'a> AugmentedLoss<'a> {
    /// The augmented Lagrangian of the C-ReLU problem on `x` (`n × d`), `patterns`
    /// and targets `y` (`n × c`), penalty `delta`, zero multipliers; GEMMs on
    /// `threads` threads.
    pub fn new(
        x: MatRef<'a, f64>,
        patterns: &'a Patterns,
        y: &faer::Mat<f64>,
        delta: f64,
        threads: usize,
    ) -> AugmentedLoss<'a> {
        let (n, c, p) = (x.nrows(), y.ncols(), patterns.p());
        assert_eq!(patterns.n(), n, "patterns and X disagree on n");
        let mut ys = Vec::with_capacity(n * c);
        for k in 0..c {
            ys.extend(y.col(k).iter().copied());
        }
        let rows = default_block_rows(n, 2 * c * p);
        AugmentedLoss {
            x,
            patterns,
            par: crate::model::parallelism(threads),
            rows,
            y: ys,
            c,
            delta,
            multipliers: vec![0.0; n * 2 * c * p],
            zb: vec![0.0; rows * 2 * c * p],
            rb: vec![0.0; rows * c],
            mb: vec![0.0; rows * p],
            in_point: vec![true; p],
            cols: (0..2 * c * p).collect(),
            slot: (0..2 * c * p).collect(),
            outside: Vec::new(),
            fixed: 0.0,
            block_products: 0,
        }
    }

    fn n(&self) -> usize {
        self.x.nrows()
    }

    fn nc(&self) -> f64 {
        (self.n() * self.c) as f64
    }

    /// The point holds blocks `cols` (ascending) from now on, the others are zero.
    /// Call [`AugmentedLoss::fix_outside`] before evaluating.
    pub fn set_blocks(&mut self, cols: &[usize]) {
        debug_assert!(cols.windows(2).all(|w| w[0] < w[1]));
        self.cols.clear();
        self.cols.extend_from_slice(cols);
        self.slot.iter_mut().for_each(|s| *s = OUTSIDE);
        for (s, &j) in cols.iter().enumerate() {
            self.slot[j] = s;
        }
        let p = self.patterns.p();
        self.in_point.iter_mut().for_each(|on| *on = false);
        for &j in cols {
            self.in_point[j % p] = true;
        }
        self.outside = (0..self.slot.len())
            .filter(|&j| self.slot[j] == OUTSIDE)
            .collect();
        self.fixed = 0.0;
    }

    /// The blocks not in the point, ascending.
    pub fn outside(&self) -> &[usize] {
        &self.outside
    }

    /// The penalty of the zero blocks, `Σ_{j outside} ‖(γ_j/δ)_+‖²`, at the current
    /// δ and multipliers (constant during an inner solve).
    pub fn fix_outside(&mut self) {
        let (n, inv) = (self.n(), 1.0 / self.delta);
        self.fixed = self
            .outside
            .iter()
            .map(|&j| {
                self.multipliers[j * n..(j + 1) * n]
                    .iter()
                    .map(|&g| {
                        let e = (g * inv).max(0.0);
                        e * e
                    })
                    .sum::<f64>()
            })
            .sum();
    }

    /// Block products so far (the columns of every product with `X` or `Xᵀ`, each
    /// over all `n` rows).
    pub fn block_products(&self) -> usize {
        self.block_products
    }

    /// One fused pass over the row blocks at `u`: returns `(loss + penalty, ·)` for
    /// `Value`/`Gradient` (the gradient into `grad`), `(squared, max)` violation for
    /// `Violation`, and updates the multipliers for `Multipliers`; `Check` puts the
    /// gradients of the blocks outside the point into `grad` (`d × |outside|`).
    fn pass(&mut self, u: &[f64], what: Pass, mut grad: Option<&mut [f64]>) -> (f64, f64) {
        let (n, d, p, c) = (self.n(), self.x.ncols(), self.patterns.p(), self.c);
        let m = self.cols.len();
        let q = if what == Pass::Check {
            self.outside.len()
        } else {
            0
        };
        debug_assert_eq!(u.len(), d * m);
        if n == 0 {
            if let Some(g) = grad {
                g.iter_mut().for_each(|v| *v = 0.0);
            }
            return (0.0, 0.0);
        }
        self.block_products += m + match what {
            Pass::Gradient => m,
            Pass::Check => q,
            _ => 0,
        };
        let (delta, inv, inv_nc) = (self.delta, 1.0 / self.delta, 1.0 / self.nc());
        let cp = c * p;
        let nb = self.rows;
        let um = MatRef::from_column_major_slice(u, d, m);
        let (mut loss, mut pen, mut mx) = (0.0f64, 0.0f64, 0.0f64);
        let mut r0 = 0;
        while r0 < n {
            let rows = nb.min(n - r0);
            let (zb, zo) = self.zb[..rows * (m + q)].split_at_mut(rows * m);
            matmul(
                MatMut::from_column_major_slice_mut(zb, rows, m),
                Accum::Replace,
                self.x.subrows(r0, rows),
                um,
                1.0,
                self.par,
            );
            // The check reads the masks of the blocks outside the point too.
            let needed = (what != Pass::Check).then_some(&self.in_point[..]);
            unpack_masks(self.patterns, needed, r0, rows, &mut self.mb);
            let mb = &self.mb[..rows * p];
            let mask = |i: usize| &mb[i * rows..(i + 1) * rows];
            if what != Pass::Violation && what != Pass::Multipliers {
                // Residual of these rows: Σ_i M_i ⊙ (Z_v − Z_w) − Y (zero blocks
                // left out).
                let zr: &[f64] = zb;
                let col = |j: usize| {
                    let s = self.slot[j];
                    (s != OUTSIDE).then(|| &zr[s * rows..(s + 1) * rows])
                };
                for k in 0..c {
                    let rk = &mut self.rb[k * rows..(k + 1) * rows];
                    rk.iter_mut()
                        .zip(&self.y[k * n + r0..k * n + r0 + rows])
                        .for_each(|(r, y)| *r = -y);
                    for i in 0..p {
                        let mi = mask(i);
                        match (col(k * p + i), col(cp + k * p + i)) {
                            // Branch-free (a pattern's bits are not predictable):
                            // adding 0·(finite) leaves r unchanged.
                            (Some(zv), Some(zw)) => {
                                for (r, (mm, (a, b))) in
                                    rk.iter_mut().zip(mi.iter().zip(zv.iter().zip(zw)))
                                {
                                    *r += mm * (a - b);
                                }
                            }
                            (Some(z), None) | (None, Some(z)) => {
                                let sign = if col(k * p + i).is_some() { 1.0 } else { -1.0 };
                                for (r, (mm, a)) in rk.iter_mut().zip(mi.iter().zip(z)) {
                                    *r += mm * (sign * a);
                                }
                            }
                            (None, None) => {}
                        }
                    }
                    loss += rk.iter().map(|r| r * r).sum::<f64>();
                }
            }
            let scale = (delta, inv, inv_nc);
            if what == Pass::Check {
                // Zero blocks: Z_j = 0 in the right-hand side.
                for (o, &j) in self.outside.iter().enumerate() {
                    let zj = &mut zo[o * rows..(o + 1) * rows];
                    zj.iter_mut().for_each(|z| *z = 0.0);
                    let gj = &self.multipliers[j * n + r0..j * n + r0 + rows];
                    gradient_rhs(zj, gj, &self.rb, mask(j % p), j, cp, p, scale);
                }
            }
            let cols = if what == Pass::Check {
                &[][..]
            } else {
                &self.cols[..]
            };
            for (at, &j) in cols.iter().enumerate() {
                let mi = mask(j % p);
                let zj = &mut zb[at * rows..(at + 1) * rows];
                let gj = &mut self.multipliers[j * n + r0..j * n + r0 + rows];
                match what {
                    Pass::Value => {
                        for (&mm, (&zz, &g)) in mi.iter().zip(zj.iter().zip(gj.iter())) {
                            let s = 2.0 * mm - 1.0;
                            let e = (g * inv - s * zz).max(0.0);
                            pen += e * e;
                        }
                    }
                    Pass::Gradient => {
                        pen += gradient_rhs(zj, gj, &self.rb, mi, j, cp, p, scale);
                    }
                    Pass::Violation => {
                        for (&mm, &zz) in mi.iter().zip(zj.iter()) {
                            let s = 2.0 * mm - 1.0;
                            let e = (-s * zz).max(0.0);
                            pen += e * e;
                            mx = mx.max(e);
                        }
                    }
                    Pass::Multipliers => {
                        for (&mm, (&zz, g)) in mi.iter().zip(zj.iter().zip(gj.iter_mut())) {
                            let s = 2.0 * mm - 1.0;
                            *g = (*g - delta * s * zz).max(0.0);
                        }
                    }
                    Pass::Check => unreachable!(),
                }
            }
            let rhs = match what {
                Pass::Gradient => Some((&*zb, m)),
                Pass::Check => Some((&*zo, q)),
                _ => None,
            };
            if let Some((rhs, width)) = rhs {
                let g = grad.as_deref_mut().expect("gradient pass has an output");
                let accum = if r0 == 0 { Accum::Replace } else { Accum::Add };
                matmul(
                    MatMut::from_column_major_slice_mut(g, d, width),
                    accum,
                    self.x.subrows(r0, rows).transpose(),
                    MatRef::from_column_major_slice(rhs, rows, width),
                    1.0,
                    self.par,
                );
            }
            r0 += rows;
        }
        match what {
            Pass::Value | Pass::Gradient => {
                (loss * 0.5 * inv_nc + 0.5 * delta * (pen + self.fixed), 0.0)
            }
            Pass::Violation => (pen, mx),
            Pass::Multipliers | Pass::Check => (0.0, 0.0),
        }
    }

    /// `Σ_j ‖(−S_i ⊙ Z_j)_+‖²` and `max` of the same, at `u` (the state).
    pub fn violation(&mut self, u: &[f64]) -> (f64, f64) {
        self.pass(u, Pass::Violation, None)
    }

    /// `γ ← (γ + δ(−S ⊙ Z))_+`, at `u` (the state).
    pub fn update_multipliers(&mut self, u: &[f64]) {
        self.pass(u, Pass::Multipliers, None);
    }

    /// The gradients of `L_δ`'s smooth part at `u` (the point) of the blocks
    /// outside it, where they are zero, into `grad` (`d × |outside|`, in the order
    /// of [`AugmentedLoss::outside`]): one product with `X` on the point's blocks,
    /// one with `Xᵀ` on the others.
    pub fn outside_gradient(&mut self, u: &[f64], grad: &mut [f64]) {
        debug_assert_eq!(grad.len(), self.x.ncols() * self.outside.len());
        self.pass(u, Pass::Check, Some(grad));
    }
}

impl Smooth for AugmentedLoss<'_> {
    fn dim(&self) -> usize {
        self.cols.len() * self.x.ncols()
    }
    fn state_len(&self) -> usize {
        self.dim()
    }
    fn forward(&mut self, u: &[f64], state: &mut [f64]) {
        state.copy_from_slice(u);
    }
    fn value(&mut self, u: &[f64]) -> f64 {
        self.pass(u, Pass::Value, None).0
    }
    fn gradient(&mut self, u: &[f64], grad: &mut [f64]) -> f64 {
        self.pass(u, Pass::Gradient, Some(grad)).0
    }
}

/// One R-FISTA run on the AL's inner problem over `al`'s blocks, from `u` (on
/// those blocks), its measurements to `monitor`.
pub(super) fn run_inner(
    al: &mut AugmentedLoss<'_>,
    comp: Composite,
    u: &mut [f64],
    inner: &FistaSettings,
    ws: &mut FistaWorkspace,
    elapsed: f64,
    mut monitor: Monitor<'_>,
) -> FistaOutcome {
    let mut h = fista::RegularizerProx::new(comp);
    fista::solve_monitored(al, &mut h, u, inner, ws, elapsed, &mut |_| {}, &mut monitor)
}

/// Solve the C-ReLU `problem` by the augmented Lagrangian, from `warm` (or zero).
pub fn solve(
    problem: &Problem,
    settings: &AlSettings,
    warm: Option<&Weights>,
) -> Result<SolveOutput, SolverError> {
    solve_observed(
        problem,
        settings,
        warm,
        &mut crate::solvers::progress::Silent,
    )
}

/// [`solve`], reporting every measurement of the inner solves and the polish to
/// `progress`.
pub fn solve_observed(
    problem: &Problem,
    settings: &AlSettings,
    warm: Option<&Weights>,
    progress: &mut dyn crate::solvers::Progress,
) -> Result<SolveOutput, SolverError> {
    super::check_start(
        problem,
        Model::Relu,
        "al",
        "--solver fista (or clarabel)",
        settings.validate(),
    )?;
    let (basis, threads) = (settings.inner.time_basis, settings.inner.threads);
    let t0 = Stopwatch::start(basis, threads);
    let (n, c, p, d) = (problem.n(), problem.c(), problem.p(), problem.d());
    let mut u = Weights::relu_stacked(warm, c, p, d);
    let mut al = AugmentedLoss::new(
        problem.x().as_ref(),
        problem.patterns(),
        problem.y(),
        settings.delta_scale / n as f64,
        settings.inner.threads,
    );
    // On working sets the inner solves run on the blocks of the set (and `ws` is
    // sized to them, [`al_working_set`]); otherwise on all `2cP`.
    let mut set = al_working_set::applies(problem, settings)
        .then(|| al_working_set::WorkingSet::new(&mut al, &u, d));
    let mut ws = FistaWorkspace::new(al.dim(), al.state_len());
    let setup = t0.read();
    let start = Stopwatch::start(basis, threads);
    let comp = Composite {
        reg: Regularizer::NeuronGl1,
        lambda: problem.lambda(),
        d,
    };
    let mut inner = FistaSettings {
        stopping: Stopping::Subgradient,
        tol: settings.window_tol,
        ..settings.inner.clone()
    };
    let mut window_phase = true;
    let mut window_steps = 0;
    let mut total_iters = 0;
    let mut trace: Vec<TracePoint> = Vec::new();
    let mut status = Status::MaxIterations;
    let mut outer = 0;
    let (mut sq_viol, mut max_viol, mut subgrad) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    let mut inner_status = Status::MaxIterations;
    let mut prev_sq_viol = f64::INFINITY;
    while outer < settings.max_outer {
        outer += 1;
        let elapsed = start.elapsed();
        if elapsed > settings.time_limit || crate::solvers::cancel::requested() {
            status = Status::TimeLimit;
            break;
        }
        let budget = settings.max_al_iters.min(settings.max_iters);
        if total_iters >= budget {
            break;
        }
        inner.max_iters = (budget - total_iters).min(settings.inner.max_iters);
        inner.time_limit = settings.time_limit - elapsed;
        let monitor = Monitor {
            phase: Phase::AlInner,
            iteration_offset: total_iters,
            progress: &mut *progress,
        };
        let out = match set.as_mut() {
            None => run_inner(&mut al, comp, &mut u, &inner, &mut ws, elapsed, monitor),
            Some(set) => set.solve(&mut al, comp, &mut u, &inner, &mut ws, &start, monitor),
        };
        trace.extend(out.trace.iter().map(|tp| TracePoint {
            iteration: tp.iteration + total_iters,
            ..*tp
        }));
        total_iters += out.iterations;
        inner.initial_step = out.step;
        inner.power_iterations = 0;
        subgrad = out.subgradient_sq;
        inner_status = out.status;
        if out.status == Status::Diverged {
            status = Status::Diverged;
            break;
        }
        (sq_viol, max_viol) = al.violation(ws.state());
        if settings.verbose {
            eprintln!(
                "outer {outer} delta {:.3e} inner_tol {:.1e} iters {} status {} sq_viol {:.2e} max_viol {:.2e} subgrad {:.2e} obj {:.12e}",
                al.delta,
                inner.tol,
                out.iterations,
                out.status.name(),
                sq_viol,
                max_viol,
                out.subgradient_sq,
                out.objective
            );
        }
        if window_phase {
            window_steps += 1;
            if sq_viol > settings.window.1 && window_steps < settings.max_window_steps {
                al.delta *= 2.0;
                continue;
            }
            if sq_viol < settings.window.0 && window_steps < settings.max_window_steps {
                al.delta *= 0.5;
                inner.tol *= 0.5;
                continue;
            }
            window_phase = false;
            inner.tol = settings.tol.max(inner.tol.min(1e-6));
        }
        if sq_viol <= settings.violation_tol
            && inner_status == Status::Solved
            && subgrad <= settings.tol
        {
            status = Status::Solved;
            break;
        }
        if sq_viol > settings.stall_ratio * prev_sq_viol {
            al.delta *= 2.0;
        }
        prev_sq_viol = sq_viol;
        al.update_multipliers(ws.state());
        if 2.0 * sq_viol < inner.tol {
            inner.tol = (inner.tol * 0.5).max(settings.tol);
        }
        if inner.tol > settings.tol && sq_viol <= settings.violation_tol {
            inner.tol = settings.tol;
        }
        if out.status == Status::TimeLimit {
            status = Status::TimeLimit;
            break;
        }
    }
    let (al_status, al_iterations) = (status, total_iters);
    let al_seconds = start.elapsed();
    let mut polish_details = None;
    let delta = al.delta;
    let block_products = al.block_products();
    let (working_set_rounds, working_set_blocks) =
        set.as_ref().map(|s| (s.rounds(), s.size())).unzip();
    drop(set);
    drop(ws);
    drop(al);
    if settings.polish && status != Status::Diverged {
        let elapsed = start.elapsed();
        let polish = FistaSettings {
            stopping: Stopping::DualityGap,
            tol: settings.gap_tol,
            max_iters: settings.max_iters.saturating_sub(total_iters).max(1),
            time_limit: (settings.time_limit - elapsed).max(f64::MIN_POSITIVE),
            ..settings.inner.clone()
        };
        let mut monitor = fista::Monitor {
            phase: Phase::AlPolish,
            iteration_offset: total_iters,
            progress: &mut *progress,
        };
        let (out, details) = super::relu::run(problem, &mut u, &polish, elapsed, &mut monitor);
        trace.extend(out.fista.trace.iter().map(|tp| TracePoint {
            iteration: tp.iteration + total_iters,
            ..*tp
        }));
        total_iters += out.fista.iterations;
        status = out.fista.status;
        polish_details = Some(details);
    }
    let solve = start.read();
    let details = SolverDetails::Al(AlDetails {
        al_status,
        al_iterations,
        al_seconds,
        polish: polish_details,
        outer_iterations: outer,
        delta,
        al_squared_violation: sq_viol,
        al_max_violation: max_viol,
        violation_tol: settings.violation_tol,
        tol: settings.tol,
        subgradient_sq: subgrad,
        inner_status,
        block_products: Some(block_products),
        working_set_rounds,
        working_set_blocks,
    });
    Ok(SolveOutput {
        weights: Weights::relu_from_stacked(&u, c, p, d),
        status,
        iterations: total_iters,
        setup_s: setup.wall_s,
        solve_s: solve.wall_s,
        cpu: CpuTimes::new(start.cpu_clock(), setup, solve),
        basis,
        trace,
        details,
    })
}
