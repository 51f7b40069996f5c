//! The gated-ReLU ↔ ReLU studies of issue 7, written straight to `results/`:
//!
//! - `equivalence`: optimal training losses of C-GReLU and C-ReLU (Clarabel) as
//!   λ → 0 on every bundled dataset and several P — at λ = 0 they agree (the paper's
//!   theorem: with the same patterns, every gated point has a cone decomposition);
//! - `table1`: a Table-1 analog — per dataset, λ = 1e-3, fixed P, 5 gate seeds — test
//!   metric, penalty, objective and time of R-FISTA (C-GReLU), R-FISTA with the exact
//!   and with the approximate decomposition, AL (C-ReLU) and Clarabel (C-ReLU), as
//!   medians with quartiles;
//! - `path`: test metric and active neurons against λ for both models (SVG).
//!
//! ```text
//! cargo run --release --example studies -- all            # or equivalence|table1|path
//! cargo run --release --example studies -- all --quick    # smoke run (tests)
//! ```
//!
//! Outputs: `results/{equivalence,table1,path}/` (CSV of every run, Markdown table,
//! SVG for the path). Datasets: `problems/data/*.csv`, 20 % test split (seed 0),
//! unit-norm columns plus a bias column (the paper's preprocessing).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use cvxrelu::certify::certify;
use cvxrelu::compile::{self, Lowering};
use cvxrelu::decompose::{self, DecomposeSettings, Method, quality::assess, relu_problem};
use cvxrelu::fsio::write_atomic;
use cvxrelu::model::{Blocks, Model, Problem, ProblemSpec, Regularizer, Scaling, Weights};
use cvxrelu::record::Record;
use cvxrelu::solvers::clarabel::{self, ClarabelSettings};
use cvxrelu::solvers::native::{al, gated};
use cvxrelu::solvers::{SolveOutput, Status};
use faer::Mat;
use plotters::prelude::*;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const DATASETS: [&str; 5] = ["breast_cancer", "diabetes", "wine", "iris", "digits"];
/// Clarabel runs whose compiled SOCP is estimated above this are skipped (and said so).
const CLARABEL_LIMIT: u64 = 3 << 30;

struct Opts {
    root: PathBuf,
    quick: bool,
}

fn data_path(opts: &Opts, name: &str) -> String {
    opts.root
        .join("problems/data")
        .join(format!("{name}.csv"))
        .display()
        .to_string()
}

fn build(opts: &Opts, name: &str, model: Model, lambda: f64, p: usize, seed: u64) -> Res<Problem> {
    let spec = ProblemSpec {
        data: data_path(opts, name),
        test: None,
        split: Some(0.2),
        split_seed: 0,
        model,
        lambda,
        reg: Regularizer::NeuronGl1,
        patterns: Some(p),
        seed,
        gates: None,
        bias: true,
        scale: Scaling::UnitNorm,
    };
    Ok(Problem::build(&spec)?)
}

fn write(path: &Path, text: &str) -> Res<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_atomic(path, text.as_bytes())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Per-run time limit of every solver in the studies (seconds).
const TIME_LIMIT: f64 = 120.0;

fn fista_settings() -> cvxrelu::solvers::native::fista::FistaSettings {
    let mut s = gated::default_settings();
    s.time_limit = TIME_LIMIT;
    s
}

fn al_settings() -> al::AlSettings {
    al::AlSettings {
        time_limit: TIME_LIMIT,
        ..al::AlSettings::default()
    }
}

fn clarabel_settings() -> ClarabelSettings {
    ClarabelSettings {
        time_limit: TIME_LIMIT,
        ..ClarabelSettings::default()
    }
}

fn clarabel_fits(problem: &Problem) -> bool {
    compile::estimate(problem, Lowering::Quadratic).bytes <= CLARABEL_LIMIT
}

/// `(objective, loss, penalty, test metric, active neurons, seconds, status)` of a run.
#[derive(Clone, Debug)]
struct Row {
    objective: f64,
    loss: f64,
    penalty: f64,
    test: f64,
    active: usize,
    time: f64,
    status: Status,
    violation: f64,
}

fn row(problem: &Problem, out: &SolveOutput, name: &str, time: f64) -> Row {
    let cert = certify(problem, &out.weights);
    let rec = Record::new(problem, name, out, &cert);
    Row {
        objective: cert.objective,
        loss: cert.loss,
        penalty: cert.penalty,
        test: rec.test_metric.unwrap_or(f64::NAN),
        active: rec.active_neurons,
        time,
        status: out.status,
        violation: cert.max_cone_violation,
    }
}

// ---------------------------------------------------------------- equivalence

/// The C-GReLU optimum at λ = 0, exactly: per output, the minimum-norm least-squares
/// solution of `[D_1 X … D_P X] u = y_k` by a thin SVD (singular values below
/// `1e-12 σ_max` treated as zero). Interior-point solves of this rank-deficient least
/// squares problem were measured 1e-4 relative off, so λ = 0 does not use them.
fn least_squares(problem: &Problem) -> Res<Blocks> {
    let (n, d, p, c) = (problem.n(), problem.d(), problem.p(), problem.c());
    let mut a = Mat::<f64>::zeros(n, p * d);
    for i in 0..p {
        for r in problem.patterns.active_rows(i) {
            for j in 0..d {
                a[(r, i * d + j)] = problem.x[(r, j)];
            }
        }
    }
    let svd = a.thin_svd().map_err(|e| format!("svd: {e:?}"))?;
    let (uu, ss, vv) = (svd.U(), svd.S().column_vector(), svd.V());
    let smax = (0..ss.nrows()).map(|j| ss[j]).fold(0.0, f64::max);
    let mut out = Blocks::zeros(c, p, d);
    for k in 0..c {
        let coef: Vec<f64> = (0..ss.nrows())
            .map(|j| {
                if ss[j] > 1e-12 * smax {
                    (0..n).map(|r| uu[(r, j)] * problem.y[(r, k)]).sum::<f64>() / ss[j]
                } else {
                    0.0
                }
            })
            .collect();
        let uk = out.output_mut(k);
        for (col, x) in uk.iter_mut().enumerate() {
            *x = coef
                .iter()
                .enumerate()
                .map(|(j, cj)| vv[(col, j)] * cj)
                .sum();
        }
    }
    Ok(out)
}

fn equivalence(opts: &Opts) -> Res<()> {
    let lambdas: &[f64] = if opts.quick {
        &[1e-2, 0.0]
    } else {
        &[1e-2, 1e-4, 1e-6, 0.0]
    };
    let mut csv = String::from(
        "dataset,n,d,c,patterns_requested,patterns,lambda,gated_solver,gated_loss,relu_loss,loss_rel_diff,gated_objective,relu_objective,decomposed_loss,decomposed_violation,gated_status,relu_status,relu_violation,gated_s,relu_s\n",
    );
    let mut md = String::from(
        "| dataset | P | λ | C-GReLU loss | C-ReLU loss (Clarabel) | rel. diff | C-ReLU loss by exact decomposition of the C-GReLU solution (violation) |\n|---|---|---|---|---|---|---|\n",
    );
    for name in DATASETS {
        let ps: &[usize] = match (opts.quick, name) {
            (true, _) => &[4],
            (false, "digits") => &[4, 8],
            (false, _) => &[8, 16, 32],
        };
        if opts.quick && name != "iris" {
            continue;
        }
        for &p in ps {
            for &lambda in lambdas {
                let g = build(opts, name, Model::GatedRelu, lambda, p, 0)?;
                let r = build(opts, name, Model::Relu, lambda, p, 0)?;
                if !clarabel_fits(&r) {
                    eprintln!("skip {name} P={p}: SOCP too large");
                    continue;
                }
                let t = Instant::now();
                let (gw, gstatus, gsolver) = if lambda == 0.0 {
                    (
                        Weights::GatedRelu {
                            u: least_squares(&g)?,
                        },
                        Status::Solved,
                        "svd",
                    )
                } else {
                    let og = clarabel::solve(&g, &clarabel_settings())?;
                    (og.weights, og.status, "clarabel")
                };
                let tg = t.elapsed().as_secs_f64();
                let t = Instant::now();
                let or = clarabel::solve(&r, &clarabel_settings())?;
                let tr = t.elapsed().as_secs_f64();
                let (cg, cr) = (certify(&g, &gw), certify(&r, &or.weights));
                let rel = (cr.loss - cg.loss).abs() / cg.loss.abs().max(1e-300);
                let Weights::GatedRelu { u } = &gw else {
                    return Err("gated weights expected".into());
                };
                let dec =
                    decompose::decompose(&g, u, Method::Exact, &DecomposeSettings::default())?;
                let q = assess(&g, u, &dec);
                eprintln!(
                    "{name} P={} λ={lambda:e}: loss gated {:.8e} relu {:.8e} rel {rel:.1e}; decomposed {:.8e} (viol {:.1e})",
                    g.p(),
                    cg.loss,
                    cr.loss,
                    q.relu.loss,
                    q.max_cone_violation
                );
                writeln!(
                    csv,
                    "{name},{},{},{},{p},{},{lambda},{gsolver},{},{},{rel},{},{},{},{},{},{},{},{tg},{tr}",
                    g.n(),
                    g.d(),
                    g.c(),
                    g.p(),
                    cg.loss,
                    cr.loss,
                    cg.objective,
                    cr.objective,
                    q.relu.loss,
                    q.max_cone_violation,
                    gstatus.name(),
                    or.status.name(),
                    cr.max_cone_violation
                )?;
                writeln!(
                    md,
                    "| {name} | {} | {lambda:e} | {:.8e} | {:.8e} | {rel:.1e} | {:.8e} ({:.0e}) |",
                    g.p(),
                    cg.loss,
                    cr.loss,
                    q.relu.loss,
                    q.max_cone_violation
                )?;
            }
        }
    }
    let dir = opts.root.join("results/equivalence");
    write(&dir.join("runs.csv"), &csv)?;
    write(&dir.join("table.md"), &md)?;
    Ok(())
}

// ---------------------------------------------------------------- table 1

const METHODS: [&str; 5] = [
    "R-FISTA (C-GReLU)",
    "R-FISTA + exact decomposition",
    "R-FISTA + approx. decomposition",
    "AL (C-ReLU)",
    "Clarabel (C-ReLU)",
];

fn quartiles(mut v: Vec<f64>) -> Option<(f64, f64, f64)> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let q = |f: f64| {
        let pos = f * (v.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
    };
    Some((q(0.5), q(0.25), q(0.75)))
}

fn cell(v: Vec<f64>, fmt: fn(f64) -> String) -> String {
    match quartiles(v) {
        None => "—".into(),
        Some((m, a, b)) => format!("{} [{}, {}]", fmt(m), fmt(a), fmt(b)),
    }
}

fn table1(opts: &Opts) -> Res<()> {
    let lambda = 1e-3;
    let p = if opts.quick { 4 } else { 16 };
    let seeds: Vec<u64> = if opts.quick {
        vec![0, 1]
    } else {
        (0..5).collect()
    };
    let mut csv = String::from(
        "dataset,seed,patterns,method,status,objective,loss,penalty,test_metric,active_neurons,max_cone_violation,time_s\n",
    );
    let mut rows: Vec<(String, usize, Row)> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for name in DATASETS {
        if opts.quick && name != "iris" {
            continue;
        }
        for &seed in &seeds {
            let g = build(opts, name, Model::GatedRelu, lambda, p, seed)?;
            let r = relu_problem(&g);
            let mut push = |m: usize, row: Row| -> Res<()> {
                writeln!(
                    csv,
                    "{name},{seed},{},{},{},{},{},{},{},{},{},{}",
                    g.p(),
                    METHODS[m],
                    row.status.name(),
                    row.objective,
                    row.loss,
                    row.penalty,
                    row.test,
                    row.active,
                    row.violation,
                    row.time
                )?;
                rows.push((name.to_string(), m, row));
                Ok(())
            };
            // R-FISTA on C-GReLU, then the two decompositions of its solution.
            let t = Instant::now();
            let og = gated::solve(&g, &fista_settings(), None)?;
            let tg = t.elapsed().as_secs_f64();
            eprintln!("  {name} seed {seed}: fista {tg:.2}s {}", og.status.name());
            push(0, row(&g, &og, "fista", tg))?;
            let Weights::GatedRelu { u } = &og.weights else {
                return Err("fista returned relu weights".into());
            };
            for (m, method) in [(1, Method::Exact), (2, Method::Approx)] {
                let dec = decompose::decompose(&g, u, method, &DecomposeSettings::default())?;
                let q = assess(&g, u, &dec);
                let out = SolveOutput {
                    weights: dec.weights(),
                    status: decompose::worse(og.status, dec.status),
                    iterations: og.iterations + dec.iterations,
                    setup_s: 0.0,
                    solve_s: tg + dec.time_s,
                    trace: vec![],
                    details: Default::default(),
                };
                let mut rr = row(&r, &out, method.name(), tg + q.time_s);
                rr.violation = q.max_cone_violation;
                push(m, rr)?;
            }
            let t = Instant::now();
            let oa = al::solve(&r, &al_settings(), None)?;
            eprintln!(
                "  {name} seed {seed}: al {:.2}s {}",
                t.elapsed().as_secs_f64(),
                oa.status.name()
            );
            push(3, row(&r, &oa, "al", t.elapsed().as_secs_f64()))?;
            if clarabel_fits(&r) {
                let t = Instant::now();
                let oc = clarabel::solve(&r, &clarabel_settings())?;
                eprintln!(
                    "  {name} seed {seed}: clarabel {:.2}s {}",
                    t.elapsed().as_secs_f64(),
                    oc.status.name()
                );
                push(4, row(&r, &oc, "clarabel", t.elapsed().as_secs_f64()))?;
            } else if seed == seeds[0] {
                skipped.push(format!(
                    "{name}: Clarabel (C-ReLU) skipped, compiled SOCP estimated at {:.1} GiB (> {} GiB)",
                    compile::estimate(&r, Lowering::Quadratic).gib(),
                    CLARABEL_LIMIT >> 30
                ));
            }
            eprintln!("table1 {name} seed {seed} done");
        }
    }
    let mut md = format!(
        "λ = {lambda:e}, P = {p} requested gates, seeds {seeds:?}; median [first quartile, third quartile] over seeds.\n\n| dataset | method | test metric | penalty | objective | time (s) | max cone violation |\n|---|---|---|---|---|---|---|\n"
    );
    for name in DATASETS {
        for (m, method) in METHODS.iter().enumerate() {
            let sel: Vec<&Row> = rows
                .iter()
                .filter(|(n, mm, _)| n == name && *mm == m)
                .map(|(_, _, r)| r)
                .collect();
            if sel.is_empty() {
                continue;
            }
            let col = |f: fn(&Row) -> f64| sel.iter().map(|r| f(r)).collect::<Vec<f64>>();
            writeln!(
                md,
                "| {name} | {method} | {} | {} | {} | {} | {} |",
                cell(col(|r| r.test), |x| format!("{x:.4}")),
                cell(col(|r| r.penalty), |x| format!("{x:.4e}")),
                cell(col(|r| r.objective), |x| format!("{x:.4e}")),
                cell(col(|r| r.time), |x| format!("{x:.3}")),
                cell(col(|r| r.violation), |x| format!("{x:.1e}")),
            )?;
        }
    }
    for s in skipped {
        md += &format!("\n{s}");
    }
    let dir = opts.root.join("results/table1");
    write(&dir.join("runs.csv"), &csv)?;
    write(&dir.join("table.md"), &md)?;
    Ok(())
}

// ---------------------------------------------------------------- path

/// One model's path: its name and `(λ, test metric, active neurons)` per λ.
type Series = (String, Vec<(f64, f64, f64)>);

fn path(opts: &Opts) -> Res<()> {
    let name = if opts.quick { "iris" } else { "breast_cancer" };
    let p = if opts.quick { 4 } else { 16 };
    let k = if opts.quick { 3 } else { 9 };
    // Descending logspace(−1, −5).
    let lambdas: Vec<f64> = (0..k)
        .map(|j| 10f64.powf(-1.0 - 4.0 * j as f64 / (k - 1) as f64))
        .collect();
    let mut csv = String::from(
        "model,solver,lambda,status,objective,test_metric,active_neurons,max_cone_violation,time_s\n",
    );
    let mut series: Vec<Series> = Vec::new();
    let mut metric_name = String::new();
    for model in [Model::GatedRelu, Model::Relu] {
        let base = build(opts, name, model, lambdas[0], p, 0)?;
        let mut warm: Option<Weights> = None;
        let mut pts = Vec::new();
        for &lambda in &lambdas {
            let prob = base.with_lambda(lambda);
            let t = Instant::now();
            let out = match model {
                Model::GatedRelu => gated::solve(&prob, &fista_settings(), warm.as_ref())?,
                Model::Relu => al::solve(&prob, &al_settings(), warm.as_ref())?,
            };
            let time = t.elapsed().as_secs_f64();
            let cert = certify(&prob, &out.weights);
            let rec = Record::new(&prob, "", &out, &cert);
            metric_name = format!("{:?}", rec.metric).to_lowercase();
            let test = rec.test_metric.unwrap_or(f64::NAN);
            writeln!(
                csv,
                "{},{},{lambda},{},{},{test},{},{},{time}",
                model.name(),
                if model == Model::GatedRelu {
                    "fista"
                } else {
                    "al"
                },
                out.status.name(),
                cert.objective,
                rec.active_neurons,
                cert.max_cone_violation
            )?;
            pts.push((lambda, test, rec.active_neurons as f64));
            warm = Some(out.weights);
            eprintln!(
                "path {} λ={lambda:.2e}: test {test:.4}, {} active",
                model.name(),
                rec.active_neurons
            );
        }
        series.push((model.name().to_string(), pts));
    }
    let dir = opts.root.join("results/path");
    write(&dir.join("path.csv"), &csv)?;
    let svg = draw_path(&series, name, p, &metric_name)?;
    write(&dir.join("path.svg"), &svg)?;
    Ok(())
}

fn draw_path(series: &[Series], name: &str, p: usize, metric: &str) -> Res<String> {
    let lmin = series
        .iter()
        .flat_map(|s| s.1.iter().map(|x| x.0))
        .fold(f64::INFINITY, f64::min);
    let lmax = series
        .iter()
        .flat_map(|s| s.1.iter().map(|x| x.0))
        .fold(0.0, f64::max);
    let amax = series
        .iter()
        .flat_map(|s| s.1.iter().map(|x| x.2))
        .fold(1.0, f64::max);
    let (tmin, tmax) = series
        .iter()
        .flat_map(|s| s.1.iter().map(|x| x.1))
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    let pad = ((tmax - tmin) * 0.1).max(1e-3);
    let colors = [RGBColor(31, 119, 180), RGBColor(214, 39, 40)];
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1040, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let areas = root.split_evenly((1, 2));
        for (panel, area) in areas.iter().enumerate() {
            let (title, ylo, yhi, ydesc) = if panel == 0 {
                (
                    format!("{name}, P = {p}: test {metric}"),
                    tmin - pad,
                    tmax + pad,
                    format!("test {metric}"),
                )
            } else {
                (
                    format!("{name}, P = {p}: active neurons"),
                    0.0,
                    amax * 1.05,
                    "active neurons".to_string(),
                )
            };
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d((lmin / 1.3..lmax * 1.3).log_scale(), ylo..yhi)
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .x_desc("λ")
                .y_desc(ydesc)
                .draw()
                .map_err(|e| e.to_string())?;
            for (s, (label, pts)) in series.iter().enumerate() {
                let color = colors[s % 2];
                let xy: Vec<(f64, f64)> = pts
                    .iter()
                    .map(|&(l, t, a)| (l, if panel == 0 { t } else { a }))
                    .filter(|(_, y)| y.is_finite())
                    .collect();
                chart
                    .draw_series(LineSeries::new(xy.clone(), color.stroke_width(2)))
                    .map_err(|e| e.to_string())?
                    .label(label.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                chart
                    .draw_series(xy.into_iter().map(|c| Circle::new(c, 3, color.filled())))
                    .map_err(|e| e.to_string())?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let root = args
        .iter()
        .position(|a| a == "--root")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let which = args
        .iter()
        .find(|a| {
            !a.starts_with("--")
                && Some(*a)
                    != args
                        .iter()
                        .position(|a| a == "--root")
                        .and_then(|i| args.get(i + 1))
        })
        .cloned()
        .unwrap_or_else(|| "all".into());
    let opts = Opts { root, quick };
    let result = match which.as_str() {
        "equivalence" => equivalence(&opts),
        "table1" => table1(&opts),
        "path" => path(&opts),
        "all" => equivalence(&opts)
            .and_then(|_| table1(&opts))
            .and_then(|_| path(&opts)),
        other => Err(format!("unknown study '{other}' (equivalence|table1|path|all)").into()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
