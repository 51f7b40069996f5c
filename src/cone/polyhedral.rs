//! Euclidean projection onto the polyhedral cone of one activation pattern,
//! `K_i = { v ∈ R^d : X̃_i v ≥ 0 }`, `X̃_i = S_i X`, `S_i = diag(2 M_{:,i} − 1)`.
//!
//! By Moreau's decomposition `Π_K(z) = z + X̃ᵀμ*` where `μ*` solves the
//! non-negative least-squares problem (the projection onto the polar cone
//! `K° = { −X̃ᵀμ : μ ≥ 0 }`)
//!
//! ```text
//!   min_{μ ≥ 0}  ½ ‖z + X̃ᵀ μ‖²        gradient  X̃ (z + X̃ᵀμ) = the cone values of v
//! ```
//!
//! solved by the Lawson–Hanson active-set method: the passive set `P` holds the
//! rows with `μ_l > 0` (constraints active at the projection); each step adds the
//! most violated row (smallest `(X̃v)_l / ‖x_l‖`), solves the `|P| × |P|` normal
//! equations `X̃_P X̃_Pᵀ μ_P = −X̃_P z`, and steps back along the segment whenever an
//! entry of `μ_P` would turn non-positive. `|P| ≤ d`.
//!
//! The normal equations are solved through `X̃_Pᵀ = QR` (Gram–Schmidt on the
//! passive rows, `R` = the Cholesky factor of `X̃_P X̃_Pᵀ`), not by factoring the
//! Gram matrix: that squares the condition number, so rows whose part orthogonal
//! to `P` was below 1e-6 of their norm had to be refused as dependent, and a
//! refused row the point violates stays violated (measured: 2.5e-7·‖x_l‖‖z‖ on
//! synth cones, 1.1e-7 absolute at the end of a P = 2500 solve). With the basis
//! orthogonal to rounding a row is refused only below 1e-10 (`DEPENDENT_ROW`).
//!
//! What keeps it cheap inside an iterative solver:
//! - **Warm starts with a kept factor.** Each block owns a [`Passive`] set with the
//!   basis and factor of its rows; consecutive projections of one block usually
//!   have the same active rows, so a projection is two triangular solves. Rows
//!   are appended in `O(kd)`; a removal refactors only the rows after it.
//! - **Batched checks.** [`ConeProjector::warm_delta`] gives the warm-start step
//!   `δ` of a block without a product, so a solver can check every block's
//!   `X̃(z + δ) ≥ 0` with one GEMM `X Δ` ([`ConeProjector::is_feasible`]) and run the
//!   full method only on the blocks whose active rows changed.
//! - **A certified bound.** For *any* `μ ≥ 0`, `‖z + X̃ᵀμ‖ ≥ ‖Π_K(z)‖` (for a unit
//!   `e ∈ K`, `⟨z, e⟩ ≤ ⟨z + X̃ᵀμ, e⟩` since `X̃e ≥ 0`, and `‖Π_K(z)‖` is the largest
//!   such `⟨z, e⟩`). The method keeps `μ ≥ 0` throughout, so the norm of what it
//!   returns bounds `‖Π_K(z)‖` from above even if it stops early: dual bounds built
//!   on it stay valid.
//!
//! - **Row screening** ([`ConeProjector::project_screened`]). If `r ≥ dist(z, K)`
//!   (e.g. `r = ‖z − q‖` for any `q ∈ K`: the block's last projection), a row with
//!   `(X̃z)_l > r‖x_l‖` is inactive at `Π_K(z)`: there
//!   `(X̃Π_K(z))_l = (X̃z)_l + s_l⟨x_l, δ*⟩ ≥ (X̃z)_l − ‖x_l‖‖δ*‖ > 0` with
//!   `δ* = Π_K(z) − z`, `‖δ*‖ = dist(z, K) ≤ r`. So with the candidate rows
//!   `C = { l : (X̃z)_l ≤ r‖x_l‖ }` (which hold every active row) and
//!   `K_C = { v : X̃_C v ≥ 0 } ⊇ K`, the projection onto `K_C` is the one onto `K`:
//!   `Π_K(z) ∈ K ⊆ K_C`, and its multipliers (supported on active rows, all in
//!   `C`) satisfy the KKT conditions of the projection onto `K_C`. The method then
//!   runs on `C` only: each step recomputes `|C|` cone values (`d` multiply-adds
//!   each) instead of `n`; one pass of `n` comparisons builds `C`. The margin of
//!   `1e-10(r + ‖z‖)‖x_l‖` on the test covers rounding of `X̃z` and of `r`.
//!
//! - **Restricted steps** ([`ConeProjector::pass_rows`]). Far from its projection
//!   (a check's `−g_j`, started cold or from a stale passive set) the method adds
//!   one row per step, and each step's search for the most violated row costs a
//!   pass over all `n` rows: ~30 passes per projection at d = 30. With restricted
//!   steps a pass also collects the `pass_rows` most violated rows into a set `R`
//!   (growing over the passes), and the following steps compute the cone values
//!   of `R` only, until none of `R` is violated; then a pass over all rows again.
//!   The method stops only at a pass that finds no violated row, so the result is
//!   the projection, as without: only the order in which rows enter differs (to
//!   rounding the same point). Every intermediate `μ` stays `≥ 0`, so the early
//!   stop of [`ConeProjector::bound_below`] is as valid on a restricted step.
//!
//! No crate was used: the one Rust NNLS crate (`nnls`) takes `ndarray` matrices,
//! allocates per call and cannot warm-start, and this kernel runs inside every
//! iteration. Everything is sized in the constructors.

use super::cholesky;
use faer::MatRef;

/// How one projection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ProjectionInfo {
    /// Lawson–Hanson steps (each at most one solve, and a pass over the rows or a
    /// restricted step).
    pub steps: usize,
    /// The KKT conditions hold to the tolerance (otherwise the step limit was hit
    /// and the point may be slightly outside the cone).
    pub converged: bool,
    /// Cone values `(X̃v)_l` computed over the steps (`d` multiply-adds each): `n`
    /// per pass, or `|C|` per pass with row screening; `|R|` per restricted step
    /// ([`ConeProjector::pass_rows`]). A step that returns a bound computes none.
    pub rows: usize,
    /// Stopped once `‖z + X̃ᵀμ‖` was at most the caller's threshold
    /// ([`ConeProjector::bound_below`]): the output is that point, an upper bound
    /// on `‖Π_K(z)‖`, not the projection (and maybe outside the cone).
    pub bounded: bool,
}

/// A passive set with an orthonormal basis of its rows and the Cholesky factor of
/// its Gram matrix `X̃_P X̃_Pᵀ` (kept between projections of one block: the warm
/// start).
#[derive(Clone, Debug)]
pub struct Passive {
    /// Row indices, in factor order.
    rows: Vec<usize>,
    /// The sign `s_l = 2m_l − 1` of each passive row (the row of `X̃` is `s_l x_l`).
    signs: Vec<f64>,
    /// An orthonormal basis `q_0 … q_{k−1}` of the span of the passive rows, by
    /// Gram–Schmidt in factor order (`k × d` in a `d × d` row-major array).
    basis: Vec<f64>,
    /// Lower Cholesky factor `L` of `X̃_P X̃_Pᵀ` (`k × k` in a `d × d` row-major
    /// array), computed as `L_ab = ⟨s_a x_a, q_b⟩` (the `R` of `X̃_Pᵀ = QR`): its
    /// accuracy does not depend on the Gram matrix's condition number.
    chol: Vec<f64>,
    /// Number of leading rows whose factor is valid.
    factored: usize,
    /// `y = L⁻¹(−(X̃z)_P)`, the forward substitution of the current projection's
    /// right-hand side, valid on its first `solved` rows (`solved ≤ factored`):
    /// a row added to `P` extends it by one entry (`y_a` reads rows `≤ a` only),
    /// so a step solves `Lᵀs = y` and no longer `L Lᵀ s = b` from scratch.
    y: Vec<f64>,
    solved: usize,
    /// Multipliers `μ_P`, in the same order.
    mu: Vec<f64>,
}

impl Passive {
    pub fn new(d: usize) -> Passive {
        Passive {
            rows: Vec::with_capacity(d),
            signs: Vec::with_capacity(d),
            basis: vec![0.0; d * d],
            chol: vec![0.0; d * d],
            factored: 0,
            y: vec![0.0; d],
            solved: 0,
            mu: vec![0.0; d],
        }
    }

    pub fn clear(&mut self) {
        self.rows.clear();
        self.signs.clear();
        self.factored = 0;
        self.solved = 0;
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The passive rows.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// Remove the passive row at position `q`. A factored row keeps the factor
    /// of the others valid by a downdate ([`Passive::downdate`]), so the next
    /// solve factors only rows that are new.
    fn remove(&mut self, q: usize) {
        self.rows.remove(q);
        self.signs.remove(q);
        let k = self.rows.len();
        self.mu.copy_within(q + 1..k + 1, q);
        if q < self.factored {
            self.downdate(q);
            self.factored -= 1;
        }
        self.solved = self.solved.min(q);
    }

    /// Take row `q` out of the factor of the first `f = factored` rows. With
    /// `x̃_a = Σ_b L_ab q_b` (`L` lower triangular, the `q_b` orthonormal), the
    /// rows after `q` move up one place and each carries one entry past the
    /// diagonal; a Givens rotation `G` of the columns `(j, j+1)`, `j = q … f−2`,
    /// zeroes it, and the same rotation of the basis vectors `q_j, q_{j+1}`
    /// keeps every `x̃_a = Σ_b (LG)_ab (Gᵀq)_b`. `O((f − q)(f + d))`, where
    /// factoring the moved rows again (as this did until 2026-12-07) cost
    /// `O((f − q)·f·d)`: at relu n = 5000, P = 2500, 17 M of the 18 M rows the
    /// projections factored were such re-factorings.
    fn downdate(&mut self, q: usize) {
        let d = self.mu.len();
        let f = self.factored;
        // Rows q+1 … f−1 move up (entries 0 … a of row a, so a+1 of the moved row).
        for a in q + 1..f {
            self.chol.copy_within(a * d..a * d + a + 1, (a - 1) * d);
        }
        for j in q..f - 1 {
            let (diag, extra) = (self.chol[j * d + j], self.chol[j * d + j + 1]);
            let r = diag.hypot(extra);
            let (c, s) = (diag / r, extra / r);
            for a in j..f - 1 {
                let (x, y) = (self.chol[a * d + j], self.chol[a * d + j + 1]);
                self.chol[a * d + j] = c * x + s * y;
                self.chol[a * d + j + 1] = c * y - s * x;
            }
            self.chol[j * d + j] = r;
            self.chol[j * d + j + 1] = 0.0;
            let (head, tail) = self.basis.split_at_mut((j + 1) * d);
            let (qj, qn) = (&mut head[j * d..], &mut tail[..d]);
            for (u, v) in qj.iter_mut().zip(qn.iter_mut()) {
                let (x, y) = (*u, *v);
                *u = c * x + s * y;
                *v = c * y - s * x;
            }
        }
    }
}

/// Workspace for projections onto the cones of one data matrix `X` (`n × d`).
#[derive(Clone, Debug)]
pub struct ConeProjector<'a> {
    /// Columns of `X` (for whole-cone products).
    cols: Vec<&'a [f64]>,
    /// `X` row-major (for row dot products).
    xr: Vec<f64>,
    /// `‖x_l‖` for every row.
    row_norms: Vec<f64>,
    n: usize,
    d: usize,
    /// LS solution (capacity `d`).
    sol: Vec<f64>,
    /// A row being orthogonalised against the passive basis, and its
    /// coefficients on the basis (`d` each).
    ortho: Vec<f64>,
    coef: Vec<f64>,
    /// `X̃_Pᵀ μ` (`d`).
    delta: Vec<f64>,
    /// Cone values at the current point (`n`).
    c_cur: Vec<f64>,
    /// Marks of passive and refused rows (`n`).
    marked: Vec<bool>,
    /// Rows refused because they were numerically dependent on `P`.
    blocked: Vec<usize>,
    /// Row screening of the current projection: the candidate rows `C`
    /// (ascending) and their marks (`n`); `screening` is false outside
    /// [`ConeProjector::project_screened`] with a finite radius.
    cand: Vec<usize>,
    in_cand: Vec<bool>,
    screening: bool,
    /// The rows of the restricted steps ([`ConeProjector::pass_rows`]) and
    /// their marks (`n`); the violated rows of the last pass (score, row).
    sub: Vec<usize>,
    in_sub: Vec<bool>,
    violated: Vec<(f64, usize)>,
    /// Restricted steps (module docs): after a step over every row (every
    /// candidate row when screening), the next steps compute the cone values of
    /// the `pass_rows` most violated rows found there (and of those of earlier
    /// passes) only, until none of them is violated; then a step over every row
    /// again. `0` (the default): every step is over every row. Used where the
    /// input is far from its projection (the checks' `−g_j`), not in the prox,
    /// whose warm starts need one or two steps.
    pub pass_rows: usize,
    /// Maximum Lawson–Hanson steps per projection (default `6d + 50`).
    pub max_steps: usize,
    /// Relative feasibility tolerance: row `l` counts as violated when
    /// `(X̃v)_l < −tol · ‖x_l‖ · ‖z‖` (default 1e-13).
    pub tol: f64,
}

impl<'a> ConeProjector<'a> {
    /// A projector for `x` (columns must be contiguous).
    pub fn new(x: MatRef<'a, f64>) -> ConeProjector<'a> {
        let (n, d) = (x.nrows(), x.ncols());
        let cols: Vec<&'a [f64]> = (0..d)
            .map(|j| {
                x.col(j)
                    .try_as_col_major()
                    .expect("columns of X are contiguous")
                    .as_slice()
            })
            .collect();
        let mut xr = vec![0.0; n * d];
        for (j, col) in cols.iter().enumerate() {
            for (l, v) in col.iter().enumerate() {
                xr[l * d + j] = *v;
            }
        }
        let row_norms = xr
            .chunks(d.max(1))
            .map(|r| r.iter().map(|v| v * v).sum::<f64>().sqrt())
            .collect();
        ConeProjector {
            cols,
            xr,
            row_norms,
            n,
            d,
            sol: vec![0.0; d],
            ortho: vec![0.0; d],
            coef: vec![0.0; d],
            delta: vec![0.0; d],
            c_cur: vec![0.0; n],
            marked: vec![false; n],
            blocked: Vec::with_capacity(d + 1),
            cand: Vec::with_capacity(n),
            in_cand: vec![false; n],
            screening: false,
            sub: Vec::new(),
            in_sub: vec![false; n],
            violated: Vec::new(),
            pass_rows: 0,
            max_steps: 6 * d + 50,
            tol: 1e-13,
        }
    }

    /// The projector with restricted steps on ([`ConeProjector::pass_rows`] =
    /// `PASS_ROWS_PER_D · d`), for inputs far from their projection.
    /// The set `R` and a pass's violated rows are sized here (`n` each), so no
    /// projection allocates.
    pub fn with_restricted_steps(mut self) -> ConeProjector<'a> {
        self.pass_rows = PASS_ROWS_PER_D * self.d;
        self.sub.reserve_exact(self.n);
        self.violated.reserve_exact(self.n);
        self
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn d(&self) -> usize {
        self.d
    }

    /// `‖x_l‖`.
    pub fn row_norm(&self, l: usize) -> f64 {
        self.row_norms[l]
    }

    /// `⟨x_l, z⟩`.
    pub fn row_dot(&self, l: usize, z: &[f64]) -> f64 {
        let d = self.d;
        self.xr[l * d..(l + 1) * d]
            .iter()
            .zip(z)
            .map(|(a, b)| a * b)
            .sum()
    }

    /// `out = X̃ z` for the pattern `mask` (`0.0/1.0`, length `n`).
    pub fn cone_values(&self, mask: &[f64], z: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        for (col, &zj) in self.cols.iter().zip(z) {
            if zj != 0.0 {
                for (o, v) in out.iter_mut().zip(col.iter()) {
                    *o += zj * v;
                }
            }
        }
        for (o, &m) in out.iter_mut().zip(mask) {
            *o *= 2.0 * m - 1.0;
        }
    }

    /// Project `z` onto `K = { v : (2m − 1) ⊙ X v ≥ 0 }` in place.
    ///
    /// `cz` holds the cone values `X̃z` of the input (read only); a row whose entry
    /// is `+∞` is left out of the cone (used for tangent cones). `passive` is the
    /// warm start on entry and the final passive set on exit.
    pub fn project(
        &mut self,
        mask: &[f64],
        z: &mut [f64],
        cz: &[f64],
        passive: &mut Passive,
    ) -> ProjectionInfo {
        self.project_screened(mask, z, cz, passive, f64::INFINITY)
    }

    /// [`ConeProjector::project`] with row screening (module docs): `radius` must
    /// be at least `dist(z, K)`, e.g. `‖z − q‖` for a point `q` of the cone (`‖z‖`
    /// always is); only rows with `(X̃z)_l ≤ radius·‖x_l‖` (plus a rounding margin)
    /// take part. An infinite or NaN radius screens nothing.
    pub fn project_screened(
        &mut self,
        mask: &[f64],
        z: &mut [f64],
        cz: &[f64],
        passive: &mut Passive,
        radius: f64,
    ) -> ProjectionInfo {
        self.bound_below(mask, z, cz, passive, radius, f64::NEG_INFINITY)
    }

    /// [`ConeProjector::project_screened`] for a caller that only needs to know
    /// whether `‖Π_K(z)‖ ≤ threshold`: the method stops at the first step whose
    /// point `z + X̃ᵀμ` (`μ ≥ 0`) has norm at most `threshold` and returns that
    /// point, flagged [`ProjectionInfo::bounded`] (its norm bounds `‖Π_K(z)‖` from
    /// above: module docs). Otherwise it is the projection, as without threshold
    /// (`−∞`: never stops early).
    pub fn bound_below(
        &mut self,
        mask: &[f64],
        z: &mut [f64],
        cz: &[f64],
        passive: &mut Passive,
        radius: f64,
        threshold: f64,
    ) -> ProjectionInfo {
        debug_assert!(self.cand.is_empty());
        self.screening = radius.is_finite();
        if self.screening {
            let znorm = z.iter().map(|v| v * v).sum::<f64>().sqrt();
            let bound = radius * (1.0 + 1e-10) + 1e-10 * znorm;
            for (l, (&c, &rn)) in cz.iter().zip(&self.row_norms).enumerate() {
                if c <= bound * rn {
                    self.cand.push(l);
                    self.in_cand[l] = true;
                }
            }
        }
        let info = self.lawson_hanson(mask, z, cz, passive, threshold);
        for &l in &self.cand {
            self.in_cand[l] = false;
        }
        self.cand.clear();
        for &l in &self.sub {
            self.in_sub[l] = false;
        }
        self.sub.clear();
        self.screening = false;
        info
    }

    /// The method of [`ConeProjector::project`], on the candidate rows when
    /// screening, stopping once the point's norm is at most `stop_below`.
    fn lawson_hanson(
        &mut self,
        mask: &[f64],
        z: &mut [f64],
        cz: &[f64],
        passive: &mut Passive,
        stop_below: f64,
    ) -> ProjectionInfo {
        let d = self.d;
        debug_assert_eq!(z.len(), d);
        debug_assert_eq!(cz.len(), self.n);
        let znorm = z.iter().map(|v| v * v).sum::<f64>().sqrt();
        let scale = self.tol * znorm;
        if znorm == 0.0 || self.most_violated(cz, scale).is_none() {
            passive.clear();
            return ProjectionInfo {
                steps: 0,
                converged: true,
                rows: 0,
                bounded: false,
            };
        }
        self.blocked.clear();
        self.warm_start(cz, passive);
        for &l in &passive.rows {
            self.marked[l] = true;
        }
        let mut steps = 0;
        let mut converged = false;
        // Cone values computed (rows of `d` multiply-adds).
        let mut rows = 0;
        let per_pass = if self.screening {
            self.cand.len()
        } else {
            self.n
        };
        // Restricted steps pay where a pass costs all rows (module docs).
        let restrict = self.pass_rows > 0 && per_pass * DENSE_CANDIDATES >= self.n;
        // The next step is a pass over every (candidate) row.
        let mut pass = true;
        while steps < self.max_steps {
            steps += 1;
            self.update_delta(passive);
            // The point's norm needs δ only: a bound is returned before any cone
            // value is computed.
            if stop_below > f64::NEG_INFINITY {
                let norm_sq: f64 = z
                    .iter()
                    .zip(&self.delta)
                    .map(|(a, b)| (a + b) * (a + b))
                    .sum();
                if norm_sq.sqrt() <= stop_below {
                    for (zz, dd) in z.iter_mut().zip(&self.delta) {
                        *zz += dd;
                    }
                    self.unmark(passive);
                    return ProjectionInfo {
                        steps,
                        converged: false,
                        rows,
                        bounded: true,
                    };
                }
            }
            let mut next = None;
            if !pass {
                self.row_values(true, mask, cz);
                rows += self.sub.len();
                let (sub, rn, marked) = (&self.sub[..], &self.row_norms[..], &self.marked[..]);
                next = most_violated_of(sub.len(), |q| sub[q], &self.c_cur, rn, marked, scale);
                // None of the restricted rows is violated: a pass decides.
                pass = next.is_none();
            }
            if pass {
                self.pass_values(mask, cz);
                rows += per_pass;
                if restrict {
                    next = self.extend_sub(scale);
                    pass = next.is_none();
                } else {
                    next = self.most_violated(&self.c_cur, scale);
                }
            }
            let Some(l) = next else {
                converged = true;
                break;
            };
            if passive.len() == d {
                // d independent active rows: the only point of the face is 0.
                self.unmark(passive);
                passive.clear();
                z.iter_mut().for_each(|v| *v = 0.0);
                return ProjectionInfo {
                    steps,
                    converged: true,
                    rows,
                    bounded: false,
                };
            }
            let k = passive.len();
            passive.rows.push(l);
            passive.signs.push(2.0 * mask[l] - 1.0);
            passive.mu[k] = 0.0;
            self.marked[l] = true;
            let solved = self.inner_loop(cz, passive);
            if !solved || !passive.rows.contains(&l) {
                // Numerically dependent on the passive rows (or dropped at once,
                // which exact arithmetic rules out): refuse the row.
                if let Some(pos) = passive.rows.iter().position(|&r| r == l) {
                    passive.remove(pos);
                }
                self.blocked.push(l);
                if self.blocked.len() > d
                    || (!solved && !passive.is_empty() && !self.inner_loop(cz, passive))
                {
                    break;
                }
            }
        }
        if converged && passive.len() == d {
            // d independent active rows: the face is {0}, whatever rounding left
            // in z + X̃_Pᵀμ (about κ(X̃_P)·ε·‖z‖).
            z.iter_mut().for_each(|v| *v = 0.0);
        } else {
            self.update_delta(passive);
            for (zz, dd) in z.iter_mut().zip(&self.delta) {
                *zz += dd;
            }
        }
        self.unmark(passive);
        ProjectionInfo {
            steps,
            converged,
            rows,
            bounded: false,
        }
    }

    /// The warm-start step of a projection: keep the rows of `passive` that still
    /// belong, prune its least-squares solution until it is positive (a feasible
    /// start for Lawson–Hanson) and write `δ = X̃_Pᵀμ_P` into `delta`. If `X̃(z + δ)`
    /// turns out `≥ 0`, `z + δ` is the projection.
    pub fn warm_delta(&mut self, cz: &[f64], passive: &mut Passive, delta: &mut [f64]) {
        debug_assert!(!self.screening);
        self.warm_start(cz, passive);
        self.update_delta(passive);
        delta.copy_from_slice(&self.delta);
    }

    /// Whether `cz + xdelta` (the cone values of `z + δ`, with `xdelta = X̃δ`, the
    /// product `Xδ` with its signs already applied) is inside the cone to the
    /// tolerance for a point of norm `znorm`.
    pub fn is_feasible(&self, cz: &[f64], xdelta: &[f64], znorm: f64) -> bool {
        simd::all_at_least(cz, Some(xdelta), -self.tol * znorm, &self.row_norms)
    }

    /// Whether the cone values `cz` of a point of norm `znorm` are `≥ 0` to the
    /// tolerance.
    pub fn is_inside(&self, cz: &[f64], znorm: f64) -> bool {
        simd::all_at_least(cz, None, -self.tol * znorm, &self.row_norms)
    }

    fn warm_start(&mut self, cz: &[f64], passive: &mut Passive) {
        // A new projection: a new right-hand side `−(X̃z)_P`.
        passive.solved = 0;
        let mut q = 0;
        while q < passive.len() {
            let l = passive.rows[q];
            // (Screened out: certainly inactive at the projection.)
            let candidate = !self.screening || self.in_cand[l];
            if cz[l].is_finite() && self.row_norms[l] > 0.0 && candidate {
                q += 1;
            } else {
                passive.remove(q);
            }
        }
        while !passive.is_empty() {
            if !self.solve_ls(cz, passive) {
                passive.clear();
                break;
            }
            let k = passive.len();
            if self.sol[..k].iter().all(|&s| s > 0.0) {
                passive.mu[..k].copy_from_slice(&self.sol[..k]);
                break;
            }
            for q in (0..k).rev() {
                if self.sol[q] <= 0.0 {
                    passive.remove(q);
                    self.sol.copy_within(q + 1..k, q);
                }
            }
        }
    }

    fn unmark(&mut self, passive: &Passive) {
        for &l in passive.rows.iter().chain(&self.blocked) {
            self.marked[l] = false;
        }
    }

    /// The most violated unmarked row of the cone values `c`, if any exceeds the
    /// tolerance.
    /// (Only the candidate rows when screening: `c` is not computed elsewhere.)
    fn most_violated(&self, c: &[f64], scale: f64) -> Option<usize> {
        let (rn, marked) = (&self.row_norms[..], &self.marked[..]);
        if self.screening {
            let cand = &self.cand[..];
            return most_violated_of(cand.len(), |q| cand[q], c, rn, marked, scale);
        }
        most_violated_of(c.len(), |l| l, c, rn, marked, scale)
    }

    /// The cone values `c = X̃(z + δ) = cz + S X δ` of a pass, `δ = X̃_Pᵀ μ_P` (one
    /// product, [`all_values`]). Screening with fewer than `n / DENSE_CANDIDATES`
    /// candidates: on the candidate rows only, each a dot product of its row with
    /// `δ` ([`candidate_values`]).
    fn pass_values(&mut self, mask: &[f64], cz: &[f64]) {
        // Most rows candidates (a check's projection, whose radius screens little):
        // the column products over all rows are cheaper than a dot per row.
        if self.screening && self.cand.len() * DENSE_CANDIDATES < self.n {
            self.row_values(false, mask, cz);
            return;
        }
        simd::all_values(&self.cols, &self.delta, cz, mask, &mut self.c_cur);
    }

    /// The cone values of the rows of `sub` (a restricted step) or of `cand`, a
    /// dot product per row ([`candidate_values`]).
    fn row_values(&mut self, sub: bool, mask: &[f64], cz: &[f64]) {
        let rows = ScreenedRows {
            cand: if sub { &self.sub } else { &self.cand },
            xr: &self.xr,
            cz,
            mask,
        };
        simd::candidate_values(&rows, &self.delta, &mut self.c_cur);
    }

    /// After a pass: add to `sub` the [`ConeProjector::pass_rows`] most violated
    /// unmarked rows not in it yet, and return the most violated unmarked row of
    /// all (the one [`ConeProjector::most_violated`] picks: the lowest score, the
    /// first row among equal ones), if any.
    fn extend_sub(&mut self, scale: f64) -> Option<usize> {
        let (c, rn, marked, in_sub) = (&self.c_cur, &self.row_norms, &self.marked, &self.in_sub);
        let violated = &mut self.violated;
        violated.clear();
        let mut best: Option<(f64, usize)> = None;
        let mut visit = |l: usize| {
            let (cl, r) = (c[l], rn[l]);
            if cl < -scale * r && !marked[l] {
                let score = cl / r;
                if best.is_none_or(|(s, _)| score < s) {
                    best = Some((score, l));
                }
                if !in_sub[l] {
                    violated.push((score, l));
                }
            }
        };
        if self.screening {
            self.cand.iter().for_each(|&l| visit(l));
        } else {
            (0..self.n).for_each(visit);
        }
        let k = self.pass_rows.min(violated.len());
        if k < violated.len() {
            violated.select_nth_unstable_by(k, |a, b| a.0.total_cmp(&b.0));
        }
        for &(_, l) in &violated[..k] {
            self.sub.push(l);
            self.in_sub[l] = true;
        }
        best.map(|(_, l)| l)
    }

    /// Lawson–Hanson inner loop after adding a row: solve on `P`, step back while
    /// some entry is non-positive. Returns false if the normal equations are singular.
    fn inner_loop(&mut self, cz: &[f64], passive: &mut Passive) -> bool {
        let d = self.d;
        for _ in 0..=d {
            if !self.solve_ls(cz, passive) {
                return false;
            }
            let k = passive.len();
            if self.sol[..k].iter().all(|&s| s > 0.0) {
                passive.mu[..k].copy_from_slice(&self.sol[..k]);
                return true;
            }
            // Largest step α ∈ [0, 1) keeping μ + α(s − μ) ≥ 0; the entry that
            // limits it leaves the passive set.
            let (mut alpha, mut limit) = (1.0f64, 0);
            for q in 0..k {
                let (m, s) = (passive.mu[q], self.sol[q]);
                if s <= 0.0 {
                    let a = if m - s > 0.0 { m / (m - s) } else { 0.0 };
                    if a < alpha {
                        (alpha, limit) = (a, q);
                    }
                }
            }
            for q in 0..k {
                passive.mu[q] += alpha * (self.sol[q] - passive.mu[q]);
            }
            passive.mu[limit] = 0.0;
            for q in (0..k).rev() {
                if passive.mu[q] <= 0.0 {
                    self.marked[passive.rows[q]] = false;
                    passive.remove(q);
                }
            }
            if passive.is_empty() {
                return true;
            }
        }
        true
    }

    /// Extend the factor of `X̃_P X̃_Pᵀ` to all of `P` by Gram–Schmidt with one
    /// reorthogonalisation (CGS2) of each new row against the basis; false (the
    /// factor stays valid on the leading rows) if a row's component orthogonal to
    /// the others is at most [`DEPENDENT_ROW`] of its norm.
    ///
    /// Forming the Gram matrix and factoring it (as this did before) squares the
    /// condition number: the test had to refuse rows whose orthogonal part was
    /// below 1e-6 of their norm, and a refused row that the projection violates
    /// stays violated (by up to 1e-6·‖x_l‖‖v‖: 2.5e-7 relative measured on synth
    /// n = 5000, d = 30 cones). CGS2 keeps the basis orthogonal to rounding, so
    /// the threshold can sit at 1e-10.
    fn factor(&mut self, passive: &mut Passive) -> bool {
        let d = self.d;
        let k = passive.len();
        for a in passive.factored..k {
            let (l, s) = (passive.rows[a], passive.signs[a]);
            let w = &mut self.ortho;
            for (wj, &x) in w.iter_mut().zip(&self.xr[l * d..(l + 1) * d]) {
                *wj = s * x;
            }
            let full = self.row_norms[l];
            // Classical Gram–Schmidt: h = Q w (independent dot products), then
            // w −= Qᵀh; a second pass when the first removed more than half of
            // the row's norm ("twice is enough", Kahan–Parlett).
            passive.chol[a * d..a * d + a]
                .iter_mut()
                .for_each(|v| *v = 0.0);
            // ‖w‖ after the last pass (the row's part orthogonal to the basis).
            let mut rest = full;
            for _pass in 0..2 {
                let h = &mut self.coef[..a];
                for (hb, qb) in h.iter_mut().zip(passive.basis.chunks_exact(d)) {
                    *hb = dot(w, qb);
                }
                for (hb, qb) in h.iter().zip(passive.basis.chunks_exact(d)) {
                    for (wj, &qj) in w.iter_mut().zip(qb) {
                        *wj -= hb * qj;
                    }
                }
                for (c, &hb) in passive.chol[a * d..a * d + a].iter_mut().zip(h.iter()) {
                    *c += hb;
                }
                let after = dot(w, w).sqrt();
                let enough = after >= 0.5 * rest;
                rest = after;
                if enough {
                    break;
                }
            }
            if rest.is_nan() || rest <= DEPENDENT_ROW * full {
                passive.factored = a;
                return false;
            }
            for (qj, &wj) in passive.basis[a * d..(a + 1) * d].iter_mut().zip(w.iter()) {
                *qj = wj / rest;
            }
            passive.chol[a * d + a] = rest;
            passive.factored = a + 1;
        }
        true
    }

    /// Solve `X̃_P X̃_Pᵀ s = −(X̃z)_P` into `self.sol` (`L Lᵀ s = −(X̃z)_P`); false
    /// when a row is dependent. (Its residual is the cone values of the passive
    /// rows at `z + X̃_Pᵀs`, which the method does not check again: with the
    /// Gram–Schmidt factor they stayed within 1e-13·‖x_l‖‖z‖ on the synth cones
    /// of `native_cone_projection`, so no refinement step is taken.)
    fn solve_ls(&mut self, cz: &[f64], passive: &mut Passive) -> bool {
        if !self.factor(passive) {
            return false;
        }
        let (d, k) = (self.d, passive.len());
        for a in passive.solved..k {
            passive.y[a] = -cz[passive.rows[a]];
            cholesky::forward_row(&passive.chol, d, a, &mut passive.y);
        }
        passive.solved = k;
        self.sol[..k].copy_from_slice(&passive.y[..k]);
        cholesky::back_in_place(&passive.chol, d, k, &mut self.sol);
        true
    }

    /// `δ = X̃_Pᵀ μ_P`.
    fn update_delta(&mut self, passive: &Passive) {
        let d = self.d;
        self.delta.iter_mut().for_each(|v| *v = 0.0);
        for (a, &m) in passive.mu[..passive.len()].iter().enumerate() {
            let (l, s) = (passive.rows[a], passive.signs[a]);
            for (dj, x) in self.delta.iter_mut().zip(&self.xr[l * d..(l + 1) * d]) {
                *dj += s * m * x;
            }
        }
    }
}

/// Restricted steps ([`ConeProjector::with_restricted_steps`]) take the
/// `PASS_ROWS_PER_D · d` most violated rows of each pass. Measured on the first
/// 460 iterations of relu n = 5000, d = 30, P = 2500 (`fista`, one thread, alone,
/// the same iterates in each): 62.4 s with every step a pass, 32.3 s with `d/2`
/// rows, 28.9 s with `d`, 28.2–28.7 s with `2d`, 27.6 s with `4d`.
const PASS_ROWS_PER_D: usize = 2;

/// A row whose component orthogonal to the passive rows is at most this fraction
/// of its norm counts as dependent on them ([`ConeProjector::factor`]).
const DEPENDENT_ROW: f64 = 1e-10;

/// The rows a screened step visits: the candidates `cand`, `X` row-major (`xr`,
/// rows of `d`), the input's cone values `cz` and the pattern `mask`.
struct ScreenedRows<'a> {
    cand: &'a [usize],
    xr: &'a [f64],
    cz: &'a [f64],
    mask: &'a [f64],
}

/// `c_l = cz_l + s_l ⟨x_l, δ⟩` for the candidate rows (`s_l = 2m_l − 1`, `d =
/// δ.len()`): the cone values of a screened step, most of the time of a C-ReLU
/// solve at P = 1000–2500. (Until 2026-12-06 this was a scalar loop that skipped
/// zero entries of `δ`, to give the bits of the column passes; the screened and
/// plain projections agree to rounding either way.)
#[inline(always)]
fn candidate_values(rows: &ScreenedRows, delta: &[f64], c: &mut [f64]) {
    let d = delta.len();
    let (xr, cz, mask) = (rows.xr, rows.cz, rows.mask);
    for &l in rows.cand {
        c[l] = cz[l] + (2.0 * mask[l] - 1.0) * dot(delta, &xr[l * d..(l + 1) * d]);
    }
}

/// Screened steps compute their candidates' cone values one dot product per row
/// while the candidates are fewer than `n / DENSE_CANDIDATES`, and all rows by
/// column products otherwise (they round differently; both are the cone values
/// to rounding). A check's projection screens little, and its per-row dots were
/// most of the time of the first 200 iterations of the relu P = 2500 problem.
/// Paired runs of those iterations (`farm-bench -n 2`, one thread, the same
/// objective to the last bit) against per-row dots for every screened step:
/// 0.941× CPU with 2, then 0.959× going from 2 to 4, 0.964× from 4 to 8.
const DENSE_CANDIDATES: usize = 8;

/// `c = cz + S X δ` on all rows (`S = diag(2m − 1)`), as column axpys in the order
/// of `δ`'s entries, skipping zero ones: the cone values of an unscreened step.
#[inline(always)]
fn all_values(cols: &[&[f64]], delta: &[f64], cz: &[f64], mask: &[f64], c: &mut [f64]) {
    c.iter_mut().for_each(|c| *c = 0.0);
    for (col, &dj) in cols.iter().zip(delta) {
        if dj != 0.0 {
            for (c, v) in c.iter_mut().zip(col.iter()) {
                *c += dj * v;
            }
        }
    }
    for ((c, &c0), &m) in c.iter_mut().zip(cz).zip(mask) {
        *c = c0 + (2.0 * m - 1.0) * *c;
    }
}

/// [`candidate_values`], [`all_values`] and [`all_at_least`] compiled for AVX2
/// (`all_values` also for AVX-512; the crate's baseline is SSE2), chosen at run
/// time as in the operators' kernels. Vector lanes keep the four partial sums of
/// [`dot`] apart, and `all_values` works entry by entry (a multiply and an add,
/// never fused), so every version gives the same bits.
mod simd {
    use super::ScreenedRows;

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn all_at_least_avx2(a: &[f64], b: Option<&[f64]>, s: f64, r: &[f64]) -> bool {
        super::all_at_least(a, b, s, r)
    }

    pub(super) fn all_at_least(a: &[f64], b: Option<&[f64]>, s: f64, r: &[f64]) -> bool {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { all_at_least_avx2(a, b, s, r) };
        }
        super::all_at_least(a, b, s, r)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn all_values_avx512(cols: &[&[f64]], delta: &[f64], cz: &[f64], mask: &[f64], c: &mut [f64]) {
        super::all_values(cols, delta, cz, mask, c)
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn all_values_avx2(cols: &[&[f64]], delta: &[f64], cz: &[f64], mask: &[f64], c: &mut [f64]) {
        super::all_values(cols, delta, cz, mask, c)
    }

    pub(super) fn all_values(
        cols: &[&[f64]],
        delta: &[f64],
        cz: &[f64],
        mask: &[f64],
        c: &mut [f64],
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { all_values_avx512(cols, delta, cz, mask, c) };
            }
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { all_values_avx2(cols, delta, cz, mask, c) };
            }
        }
        super::all_values(cols, delta, cz, mask, c)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn candidate_values_avx2(rows: &ScreenedRows, delta: &[f64], c: &mut [f64]) {
        super::candidate_values(rows, delta, c)
    }

    pub(super) fn candidate_values(rows: &ScreenedRows, delta: &[f64], c: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { candidate_values_avx2(rows, delta, c) };
        }
        super::candidate_values(rows, delta, c)
    }
}

/// Of the rows `l = row(q)`, `q = 0, 1, …, len − 1`, with `c_l < −scale·rn_l` and
/// not `marked`, the one with the smallest `c_l / rn_l`, the first of equals: the
/// row-by-row rule "take a row whose score is below the best so far". Four
/// positions at a time, each lane keeping its own best (its positions come in
/// order) and the lanes merged by score, then position, so the same row wins;
/// the scores are computed for every row and selected without a branch (whether
/// a row is violated is about as likely as not inside a projection, so the
/// branches of the row-by-row loop were mispredicted).
#[inline(always)]
fn most_violated_of(
    len: usize,
    row: impl Fn(usize) -> usize,
    c: &[f64],
    rn: &[f64],
    marked: &[bool],
    scale: f64,
) -> Option<usize> {
    const LANES: usize = 4;
    let mut best_score = [f64::INFINITY; LANES];
    let mut best_pos = [usize::MAX; LANES];
    let mut visit = |q: usize, t: usize| {
        let l = row(q);
        let (cl, r) = (c[l], rn[l]);
        // A violated row's score is negative (or −∞ when rn = 0), never +∞.
        let score = if (cl < -scale * r) & !marked[l] {
            cl / r
        } else {
            f64::INFINITY
        };
        let better = score < best_score[t];
        best_score[t] = if better { score } else { best_score[t] };
        best_pos[t] = if better { q } else { best_pos[t] };
    };
    let full = len / LANES * LANES;
    for base in (0..full).step_by(LANES) {
        for t in 0..LANES {
            visit(base + t, t);
        }
    }
    for q in full..len {
        visit(q, q - full);
    }
    let mut best: Option<(f64, usize)> = None;
    for t in 0..LANES {
        if best_pos[t] == usize::MAX {
            continue;
        }
        let take = match best {
            None => true,
            Some((s, q)) => best_score[t] < s || (best_score[t] == s && best_pos[t] < q),
        };
        if take {
            best = Some((best_score[t], best_pos[t]));
        }
    }
    best.map(|(_, q)| row(q))
}

/// Whether `a_l + b_l ≥ s·r_l` for every `l` (`b = 0` when `None`). The rows are
/// read 64 at a time without a branch per row, so the comparisons vectorize; the
/// answer is that of the row-by-row test (the same sums and comparisons), found
/// at most 63 rows after the first failing one.
#[inline(always)]
fn all_at_least(a: &[f64], b: Option<&[f64]>, s: f64, r: &[f64]) -> bool {
    const CHUNK: usize = 64;
    match b {
        None => a.chunks(CHUNK).zip(r.chunks(CHUNK)).all(|(a, r)| {
            a.iter()
                .zip(r)
                .fold(true, |ok, (&x, &rn)| ok & (x >= s * rn))
        }),
        Some(b) => a
            .chunks(CHUNK)
            .zip(b.chunks(CHUNK))
            .zip(r.chunks(CHUNK))
            .all(|((a, b), r)| {
                a.iter()
                    .zip(b)
                    .zip(r)
                    .fold(true, |ok, ((&x, &y), &rn)| ok & (x + y >= s * rn))
            }),
    }
}

/// `⟨a, b⟩` with four partial sums (so that the compiler can keep them in one
/// SIMD register; the passive-set kernels are short dot products).
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..4 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::{ConeProjector, Passive, all_at_least, most_violated_of, simd};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// After removals (first, middle, last row, one after another), the factor
    /// the downdate leaves is a factor of the remaining rows: the basis is
    /// orthonormal, `L` is lower triangular with a positive diagonal, and every
    /// remaining row is `x̃_a = Σ_b L_ab q_b`; the least-squares solve on it equals
    /// the one on a factor built from scratch for the same rows.
    #[test]
    fn a_downdated_factor_is_a_factor_of_the_remaining_rows() {
        let (n, d, k) = (40, 9, 8);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let x = faer::Mat::<f64>::from_fn(n, d, |_, _| rng.random::<f64>() - 0.5);
        let mask: Vec<f64> = (0..n).map(|l| (l % 3 == 0) as u8 as f64).collect();
        let cz: Vec<f64> = (0..n).map(|_| rng.random::<f64>() - 0.5).collect();
        let mut proj = ConeProjector::new(x.as_ref());
        let mut passive = Passive::new(d);
        for l in [3, 11, 5, 30, 17, 22, 8, 36].into_iter().take(k) {
            passive.rows.push(l);
            passive.signs.push(2.0 * mask[l] - 1.0);
        }
        assert!(proj.solve_ls(&cz, &mut passive));
        for q in [0, 3, 5, 2] {
            passive.remove(q);
            let m = passive.len();
            assert_eq!(passive.factored, m, "the remaining rows stay factored");
            let (basis, chol) = (&passive.basis, &passive.chol);
            for a in 0..m {
                assert!(chol[a * d + a] > 0.0);
                for b in 0..m {
                    let qq: f64 = (0..d).map(|j| basis[a * d + j] * basis[b * d + j]).sum();
                    let want = if a == b { 1.0 } else { 0.0 };
                    assert!((qq - want).abs() < 1e-13, "q_{a}·q_{b} = {qq}");
                }
                let (l, s) = (passive.rows[a], passive.signs[a]);
                for j in 0..d {
                    let rebuilt: f64 = (0..=a).map(|b| chol[a * d + b] * basis[b * d + j]).sum();
                    let row = s * x[(l, j)];
                    assert!((rebuilt - row).abs() < 1e-13, "row {a}, entry {j}");
                }
            }
            assert!(proj.solve_ls(&cz, &mut passive));
            let downdated = proj.sol[..m].to_vec();
            let mut fresh = Passive::new(d);
            fresh.rows.extend_from_slice(&passive.rows);
            fresh.signs.extend_from_slice(&passive.signs);
            assert!(proj.solve_ls(&cz, &mut fresh));
            for (a, b) in downdated.iter().zip(&proj.sol[..m]) {
                assert!((a - b).abs() < 1e-11 * (1.0 + b.abs()), "{a} against {b}");
            }
        }
    }

    /// The dispatched cone values of an unscreened step equal the plain ones bit
    /// for bit (zero entries of `δ` skipped, a partial last vector), and both equal
    /// the values computed a row at a time.
    #[test]
    fn dispatched_cone_values_equal_plain_ones_bitwise() {
        let (n, d) = (64 * 3 + 13, 7);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut unit = move || rng.random::<f64>() - 0.5;
        let x: Vec<Vec<f64>> = (0..d).map(|_| (0..n).map(|_| unit()).collect()).collect();
        let cols: Vec<&[f64]> = x.iter().map(|c| &c[..]).collect();
        let mut delta: Vec<f64> = (0..d).map(|_| unit()).collect();
        delta[2] = 0.0;
        let cz: Vec<f64> = (0..n).map(|_| unit()).collect();
        let mask: Vec<f64> = (0..n)
            .map(|_| if unit() > 0.0 { 1.0 } else { 0.0 })
            .collect();
        let (mut a, mut b) = (vec![f64::NAN; n], vec![f64::NAN; n]);
        super::all_values(&cols, &delta, &cz, &mask, &mut a);
        simd::all_values(&cols, &delta, &cz, &mask, &mut b);
        assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
        // Every row by hand, a row at a time in the same order, with its sign.
        for l in 0..n {
            let v = (0..d)
                .filter(|&j| delta[j] != 0.0)
                .fold(0.0, |v, j| v + delta[j] * x[j][l]);
            let sign = if mask[l] == 1.0 { 1.0 } else { -1.0 };
            assert_eq!(a[l], cz[l] + sign * v, "row {l}");
        }
    }

    /// The row-by-row rule of the most violated row.
    fn row_by_row(
        rows: &[usize],
        c: &[f64],
        rn: &[f64],
        marked: &[bool],
        scale: f64,
    ) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for &l in rows {
            if c[l] < -scale * rn[l] && !marked[l] {
                let score = c[l] / rn[l];
                if best.is_none_or(|(_, b)| score < b) {
                    best = Some((l, score));
                }
            }
        }
        best.map(|(l, _)| l)
    }

    /// The four-lane scan picks the row the row-by-row rule picks: on all rows and
    /// on a subset (the screened candidates), over lengths that are not multiples
    /// of four, with exact ties in different lanes (the first must win), marked
    /// rows, zero row norms (score −∞), NaN values and no violated row at all.
    #[test]
    fn the_four_lane_scan_picks_the_row_by_row_winner() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut next = move || rng.random::<u64>();
        let scale = 1e-3;
        let mut tied_later = 0;
        for case in 0..400 {
            let n = 1 + (next() % 70) as usize;
            // Few distinct values, so exact ties are common.
            let mut c: Vec<f64> = (0..n).map(|_| (next() % 7) as f64 * 0.5 - 2.0).collect();
            let rn: Vec<f64> = (0..n)
                .map(|_| [1.0, 2.0, 0.5, 0.0][(next() % 4) as usize])
                .collect();
            let marked: Vec<bool> = (0..n).map(|_| next() % 5 == 0).collect();
            if case % 7 == 0 {
                c[(next() as usize) % n] = f64::NAN;
            }
            if case % 11 == 0 {
                c.iter_mut().for_each(|v| *v = v.abs());
            }
            let all: Vec<usize> = (0..n).collect();
            let subset: Vec<usize> = (0..n).filter(|_| next() % 3 != 0).collect();
            for rows in [&all, &subset] {
                let expect = row_by_row(rows, &c, &rn, &marked, scale);
                let got = most_violated_of(rows.len(), |q| rows[q], &c, &rn, &marked, scale);
                assert_eq!(got, expect, "case {case}: rows {rows:?} c {c:?} rn {rn:?}");
                // A later row with the same score exists: the first one won.
                if let Some(l) = expect {
                    let score = c[l] / rn[l];
                    tied_later += rows.iter().any(|&k| {
                        k > l && !marked[k] && c[k] < -scale * rn[k] && c[k] / rn[k] == score
                    }) as usize;
                }
            }
        }
        assert!(
            tied_later > 50,
            "ties after the winner in only {tied_later} cases"
        );
    }

    /// The chunked feasibility test gives the row-by-row answer, plain and
    /// dispatched: every row passing, one row failing at a chunk's edges or in the
    /// partial last chunk, a row that only the second term lifts above the bound,
    /// a NaN row; with and without the second term.
    #[test]
    fn the_chunked_test_is_the_row_by_row_test() {
        let n = 64 * 2 + 37;
        let s = -1e-3;
        let r: Vec<f64> = (0..n).map(|l| 1.0 + (l % 5) as f64).collect();
        let mut b: Vec<f64> = (0..n).map(|l| ((l * 7) % 11) as f64 * 1e-4).collect();
        b[100] = 1e-2;
        let row_by_row = |a: &[f64], b: Option<&[f64]>| {
            (0..n).all(|l| a[l] + b.map_or(0.0, |b| b[l]) >= s * r[l])
        };
        for fail in [
            None,
            Some(0),
            Some(63),
            Some(64),
            Some(127),
            Some(128),
            Some(n - 1),
        ] {
            for (nan, lifted) in [(false, false), (true, false), (false, true)] {
                let mut a: Vec<f64> = (0..n).map(|l| (l % 3) as f64 * 1e-2).collect();
                if let Some(l) = fail {
                    // Below the bound, with the second term too.
                    a[l] = s * r[l] - b[l] - 1e-12;
                }
                if nan {
                    a[n / 2] = f64::NAN;
                }
                if lifted {
                    // Below the bound alone, above it with b[100] = 1e-2.
                    a[100] = s * r[100] - 1e-3;
                }
                for bb in [None, Some(&b[..])] {
                    let expect = row_by_row(&a, bb);
                    let passes = fail.is_none() && !nan && !(lifted && bb.is_none());
                    assert_eq!(expect, passes);
                    let case = format!("{fail:?} nan {nan} lifted {lifted} b {}", bb.is_some());
                    assert_eq!(all_at_least(&a, bb, s, &r), expect, "{case}");
                    assert_eq!(simd::all_at_least(&a, bb, s, &r), expect, "{case}");
                }
            }
        }
    }
}
