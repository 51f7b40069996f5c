//! An experiment kept for its measured answer (issue 13): block coordinate descent
//! with Anderson acceleration on working sets — the inner solver of skglm and
//! Celer for the group lasso — as the C-GReLU inner solver instead of R-FISTA.
//! Not adopted: on the issue's synthetic problem it is far slower (below).
//!
//! ```text
//! cargo run --release --example block_cd_probe -- P LAMBDA [TOL [ANDERSON_K]]
//! ```
//!
//! `synth:n=5000,d=30,width=10,noise=0.1,seed=0`, gated ReLU, P gates, one output.
//! The outer loop is the working-set loop of `solvers::native::working_set` (full
//! certificate, the same growth rule, inner tolerance and round budget in
//! epochs). An epoch visits every block `i` of the set once:
//!
//! ```text
//!   g = X_iᵀ (D_i r)/N,   u_i ← shrink_{λ/L_i}(u_i − g/L_i),   r ← r + D_i X_i δ_i
//!   L_i = λ_max(Xᵀ D_i X)/N   (power iteration on the d × d Gram matrix)
//! ```
//!
//! and after every `K + 1` epochs the Anderson point of the last `K + 1` iterates
//! (the affine combination with the least combined difference) replaces the
//! iterate when its objective is lower (skglm's rule). The restricted gap is
//! checked every 10 epochs with the solvers' own dual bound.
//!
//! Measured (2026-12-06, alone, one thread, `P = 1000, λ = 1e-3, K = 5`, output in
//! `results/scale/experiments/block-cd-P1000.txt`): after 3920 epochs and 166 s the
//! full certified gap was 8.6e-3, the set 793 patterns; R-FISTA on working sets
//! (`cvxrelu solve … --patterns 1000 --lambda 1e-3 --solver fista --threads 1`)
//! certifies 8.8e-7 in 2650 iterations and 36.9 s. The patterns share most of
//! their rows, so the blocks are strongly correlated and one-block steps of
//! `1/L_i` move little; an epoch (two gathered passes over each block's rows)
//! also costs more than one R-FISTA iteration (two GEMMs over the set).
use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer};
use cvxrelu::solvers::native::dual_point::DualExtrapolation;
use cvxrelu::solvers::native::fista::Smooth;
use cvxrelu::solvers::native::gated::GatedLoss;
use cvxrelu::solvers::native::operators::Operators;
use cvxrelu::solvers::native::working_set::grow;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: block_cd_probe P LAMBDA [TOL [ANDERSON_K]]";
    if args.len() < 2 || args.len() > 4 {
        fail(usage);
    }
    let p: usize = parse(&args[0], "P");
    let lambda: f64 = parse(&args[1], "LAMBDA");
    let tol: f64 = args.get(2).map_or(1e-6, |s| parse(s, "TOL"));
    let aa: usize = args.get(3).map_or(5, |s| parse(s, "ANDERSON_K"));
    if p == 0 || !(lambda > 0.0 && lambda.is_finite()) || !(tol > 0.0) || aa == 1 {
        fail("P must be >= 1, LAMBDA and TOL > 0, ANDERSON_K 0 (off) or >= 2");
    }
    let spec = ProblemSpec {
        data: "synth:n=5000,d=30,width=10,noise=0.1,seed=0".into(),
        test: None,
        split: None,
        split_seed: 0,
        model: Model::GatedRelu,
        lambda,
        reg: Regularizer::NeuronGl1,
        patterns: Some(p),
        seed: 0,
        gates: None,
        bias: false,
        scale: Default::default(),
        target: None,
    };
    let problem = Problem::build(&spec).unwrap_or_else(|e| fail(&e.to_string()));
    let (n, d, p) = (problem.n(), problem.d(), problem.p());
    assert_eq!(problem.c(), 1);
    let x = problem.x();
    let mut xr = vec![0.0; n * d];
    for k in 0..n {
        for j in 0..d {
            xr[k * d + j] = x[(k, j)];
        }
    }
    let y: Vec<f64> = (0..n).map(|k| problem.y()[(k, 0)]).collect();
    let nn = n as f64;
    let t0 = Instant::now();
    let ops = Operators::new(problem.x(), problem.patterns());
    let mut full = GatedLoss::new(&ops, problem.y(), problem.reg(), lambda);
    let mut u = vec![0.0; p * d];
    let mut state = vec![0.0; n];
    let mut grad = vec![0.0; p * d];
    let mut in_set = vec![false; p];
    let mut epochs_total = 0usize;
    let mut lip = vec![f64::NAN; p];
    let mut rows: Vec<Vec<u32>> = vec![Vec::new(); p];
    let mut r = vec![0.0; n];
    let mut inner_tol = f64::INFINITY;
    for outer in 0..100 {
        full.forward(&u, &mut state);
        let f = full.gradient(&state, &mut grad);
        let reg: f64 = (0..p).map(|i| norm(&u[i * d..(i + 1) * d])).sum();
        let obj = f + lambda * reg;
        let dual = full
            .dual_bound(&u, &state, &grad)
            .unwrap_or(f64::NEG_INFINITY);
        let gap = (obj - dual) / obj;
        println!(
            "outer {outer} t {:.2} epochs {epochs_total} obj {obj:.10e} gap {gap:.3e} |W| {}",
            t0.elapsed().as_secs_f64(),
            in_set.iter().filter(|&&b| b).count()
        );
        if gap <= tol {
            break;
        }
        let score = |i: usize| norm(&grad[i * d..(i + 1) * d]);
        let viol = grow(&mut in_set, score, lambda);
        inner_tol = if viol == 0 {
            (inner_tol * 0.1).min(tol)
        } else {
            (0.1 * gap).clamp(tol, inner_tol.max(tol))
        };
        let set: Vec<usize> = (0..p).filter(|&i| in_set[i]).collect();
        for &i in &set {
            if lip[i].is_nan() {
                rows[i] = problem
                    .patterns()
                    .active_rows(i)
                    .map(|k| k as u32)
                    .collect();
                lip[i] = block_lipschitz(&xr, d, &rows[i]) / nn;
            }
        }
        // residual r = pred - y
        for k in 0..n {
            r[k] = state[k] - y[k];
        }
        // sub problem operators for checks
        let sub_pat = problem.patterns().select(&set);
        let sub_ops = Operators::new(problem.x(), &sub_pat);
        let mut sub = GatedLoss::new(&sub_ops, problem.y(), problem.reg(), lambda);
        let m = set.len();
        let mut su = vec![0.0; m * d];
        for (w, &i) in set.iter().enumerate() {
            su[w * d..(w + 1) * d].copy_from_slice(&u[i * d..(i + 1) * d]);
        }
        // The Anderson step is the dual extrapolation's arithmetic on the iterates.
        let mut anderson = (aa > 0).then(|| DualExtrapolation::new(aa, m * d));
        let mut pushed = 0;
        let mut ua = vec![0.0; m * d];
        let mut sstate = vec![0.0; n];
        let mut sgrad = vec![0.0; m * d];
        let mut g = vec![0.0; d];
        let mut delta = vec![0.0; d];
        let budget = if viol == 0 {
            100000
        } else {
            500.max(epochs_total)
        };
        let mut ep = 0;
        let mut acc_ok = 0;
        let mut acc_tries = 0;
        loop {
            // one epoch
            for (w, &i) in set.iter().enumerate() {
                let ui = &mut su[w * d..(w + 1) * d];
                let ri = &rows[i];
                g.iter_mut().for_each(|v| *v = 0.0);
                for &k in ri {
                    let k = k as usize;
                    let rk = r[k];
                    let xk = &xr[k * d..(k + 1) * d];
                    for j in 0..d {
                        g[j] += rk * xk[j];
                    }
                }
                let li = lip[i];
                let mut zz = 0.0;
                for j in 0..d {
                    let z = ui[j] - g[j] / (nn * li);
                    delta[j] = z;
                    zz += z * z;
                }
                let zn = zz.sqrt();
                let shrink = if zn > lambda / li {
                    1.0 - lambda / li / zn
                } else {
                    0.0
                };
                let mut any = false;
                for j in 0..d {
                    let nv = shrink * delta[j];
                    delta[j] = nv - ui[j];
                    any |= delta[j] != 0.0;
                    ui[j] = nv;
                }
                if any {
                    for &k in ri {
                        let k = k as usize;
                        let xk = &xr[k * d..(k + 1) * d];
                        let mut s = 0.0;
                        for j in 0..d {
                            s += xk[j] * delta[j];
                        }
                        r[k] += s;
                    }
                }
            }
            ep += 1;
            epochs_total += 1;
            if let Some(ex) = anderson.as_mut() {
                ex.push(&su);
                pushed += 1;
                if pushed == aa + 1 {
                    acc_tries += 1;
                    if ex.extrapolate(&mut ua) {
                        // objective of ua vs su
                        sub.forward(&ua, &mut sstate);
                        let fa = sub.value(&sstate);
                        let fa = fa
                            + lambda * (0..m).map(|w| norm(&ua[w * d..(w + 1) * d])).sum::<f64>();
                        let fc = r.iter().map(|v| v * v).sum::<f64>() / (2.0 * nn)
                            + lambda * (0..m).map(|w| norm(&su[w * d..(w + 1) * d])).sum::<f64>();
                        if fa < fc {
                            acc_ok += 1;
                            su.copy_from_slice(&ua);
                            for k in 0..n {
                                r[k] = sstate[k] - y[k];
                            }
                        }
                    }
                    ex.clear();
                    pushed = 0;
                }
            }
            if ep % 10 == 0 || ep >= budget {
                sub.forward(&su, &mut sstate);
                let f = sub.gradient(&sstate, &mut sgrad);
                let obj = f + lambda * (0..m).map(|w| norm(&su[w * d..(w + 1) * d])).sum::<f64>();
                let db = sub
                    .dual_bound(&su, &sstate, &sgrad)
                    .unwrap_or(f64::NEG_INFINITY);
                let g = (obj - db) / obj;
                // refresh r to avoid drift
                for k in 0..n {
                    r[k] = sstate[k] - y[k];
                }
                if g <= inner_tol || ep >= budget {
                    println!(
                        "  inner |W|={m} epochs {ep} gap {g:.3e} obj {obj:.10e} aa {acc_ok}/{acc_tries} t {:.2}",
                        t0.elapsed().as_secs_f64()
                    );
                    break;
                }
            }
        }
        for (w, &i) in set.iter().enumerate() {
            u[i * d..(i + 1) * d].copy_from_slice(&su[w * d..(w + 1) * d]);
        }
    }
    println!(
        "total {:.2} s, epochs {epochs_total}",
        t0.elapsed().as_secs_f64()
    );
}

fn fail(message: &str) -> ! {
    eprintln!("block_cd_probe: {message}");
    std::process::exit(2)
}

fn parse<T: std::str::FromStr>(text: &str, what: &str) -> T {
    text.parse()
        .unwrap_or_else(|_| fail(&format!("{what}: not a number: '{text}'")))
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

fn block_lipschitz(xr: &[f64], d: usize, rows: &[u32]) -> f64 {
    let mut gram = vec![0.0; d * d];
    for &k in rows {
        let xk = &xr[k as usize * d..(k as usize + 1) * d];
        for a in 0..d {
            let xa = xk[a];
            for b in 0..d {
                gram[a * d + b] += xa * xk[b];
            }
        }
    }
    let mut v = vec![1.0; d];
    let mut l = 0.0;
    for _ in 0..50 {
        let mut w = vec![0.0; d];
        for a in 0..d {
            for b in 0..d {
                w[a] += gram[a * d + b] * v[b];
            }
        }
        let wn = norm(&w);
        if wn == 0.0 {
            return 1e-12;
        }
        l = wn / norm(&v);
        v = w.iter().map(|x| x / wn).collect();
    }
    l * 1.0000001
}
