//! `cvxrelu report DIR`: read every record of a bench directory and write
//!
//! - `report.md`: the rules, a summary per (model, solver) — runs solved at each τ,
//!   shifted geometric mean time, median gap, worst cone violation, statuses — the
//!   profiles, then a per-problem table;
//! - `profile-tau-{τ}.svg` for τ ∈ {1e-1, 1e-3, 1e-6} ([`super::profile`]);
//! - `records.csv`: one row per record;
//! - the study sections the suite asks for (`[report] studies`, [`super::study`]),
//!   placed after the rules, and their files (`path-*.svg`).
//!
//! The numbers follow [`super::metrics`]. A record file that cannot be read is an
//! error naming it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::HarnessError;
use super::metrics::{self, SolverSummary};
use super::store::{self, Manifest};
use super::suite::DEFAULT_TAUS;
use crate::fsio::write_atomic;
use crate::results::record::Record;

/// τ levels of the profiles (SPEC §4).
pub const PROFILE_TAUS: [f64; 3] = [1e-1, 1e-3, 1e-6];

/// The files `report` wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    pub markdown: PathBuf,
    pub csv: PathBuf,
    pub profiles: Vec<PathBuf>,
    /// Files of the study sections (path figures).
    pub study_files: Vec<PathBuf>,
    pub records: usize,
}

fn f(x: f64) -> String {
    if x.is_nan() {
        "–".into()
    } else {
        format!("{x:.3e}")
    }
}

fn secs(x: f64) -> String {
    if x.is_nan() {
        "–".into()
    } else if x < 10.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.1}")
    }
}

fn tau_name(tau: f64) -> String {
    format!("{tau:e}")
}

/// File name of the profile at `tau`.
pub fn profile_file(tau: f64) -> String {
    format!("profile-tau-{}.svg", tau_name(tau))
}

/// The Markdown report, with the study `sections` after the rules.
pub fn markdown(
    records: &[Record],
    manifest: Option<&Manifest>,
    taus: &[f64],
    sections: &[String],
) -> String {
    let optima = metrics::reference_optima(records);
    let summaries = metrics::summarize(records, taus);
    let mut s = String::new();
    let suite = manifest
        .map(|m| m.suite.as_str())
        .unwrap_or("(unknown suite)");
    let _ = writeln!(s, "# Benchmark report: {suite}\n");
    let fingerprint = manifest.map(super::lock::manifest_fingerprint);
    match (manifest.and_then(|m| m.machine.as_ref()), &fingerprint) {
        (Some(machine), f) => {
            let _ = writeln!(s, "{}", machine.markdown(f.as_deref()));
        }
        (None, Some(f)) => {
            let _ = writeln!(s, "Suite fingerprint {f} (no machine record).\n");
        }
        (None, None) => {}
    }
    let problems: std::collections::BTreeSet<&str> = records
        .iter()
        .filter_map(|r| r.run.as_ref().map(|x| x.problem_id.as_str()))
        .collect();
    let _ = writeln!(
        s,
        "{} records, {} problems, {} with a reference optimum f*.",
        records.len(),
        problems.len(),
        optima.len()
    );
    if let Some(m) = manifest {
        let have: std::collections::BTreeSet<&str> = records
            .iter()
            .filter_map(|r| r.run.as_ref().map(|x| x.id.as_str()))
            .collect();
        let missing: Vec<&String> = m
            .runs
            .iter()
            .filter(|id| !have.contains(id.as_str()))
            .collect();
        if missing.is_empty() {
            let _ = writeln!(
                s,
                "Every run of the suite (`{}`) has a record.",
                m.suite_file
            );
        } else {
            let _ = writeln!(
                s,
                "**{} of {} runs of the suite (`{}`) have no record yet** (e.g. `{}`): run `bench --resume`.",
                missing.len(),
                m.runs.len(),
                m.suite_file,
                missing[0]
            );
        }
    }
    let _ = writeln!(
        s,
        "\n## Rules\n\n\
- f* of a problem: the lowest objective among the convex solvers' certified points \
(objective finite, max cone violation ≤ {:e}, recomputed from the weights); SGD/Adam never define f*.\n\
- gap: (f − f*)/f* (absolute f − f* at λ = 0). For SGD/Adam, f is the non-convex network's objective; \
on the relu model a network may use activation patterns outside the sampled ones, so its gap can be negative.\n\
- below f*: runs whose objective is below f* by more than 1e-9 relative. Two kinds: SGD/Adam networks on the relu \
model using patterns outside the sampled ones (they beat the sampled convex model, not the convex solvers), and \
convex points that are not certified (cone violation above {:e}, e.g. a Clarabel point cut short while infeasible), \
which never define f*.\n\
- statuses: how each run ended by its own criterion; a cone decomposition (solver `…-exact`, `…-lp`, `…-approx`) \
ends `feasible` (a C-ReLU point, cone violation ≤ 1e-6, optimality not claimed: read its gap) or `approximate` \
(violation above 1e-6), never `solved`.\n\
- active neurons (records.csv `active_neurons`): blocks whose norm exceeds 1e-6 × the run's largest block norm, for \
every solver (SGD/Adam: the norm ‖W1_j‖·|W2_j| of neuron j's block). A relu point has two neurons per pattern \
(v_i and w_i), so its count can reach 2P; interior-point points keep small nonzero blocks that first-order points \
set exactly to zero, so counts at the same optimum can differ.\n\
- train, test (per-problem table): the problem's metric (column *metric*: accuracy for ±1 or one-hot labels, \
mean squared error otherwise) on the training and test rows, of the network recovered from the run's point.\n\
- solved at τ: the run ended with a point (status solved, inaccurate, max_iterations, time_limit, feasible or approximate), \
the point is certified, gap ≤ τ, and time to τ ≤ the time limit.\n\
- time to τ includes setup (compilation for Clarabel). Clarabel and AL: total time (their traces hold \
uncertified iterates); FISTA, SGD, Adam: the first trace point within τ (best so far). Times are on \
each record's time basis (`time.basis`: the suite's `time-basis`, CPU or wall seconds). SGD/Adam rows \
count the best step size in hindsight; their `(whole grid)` rows add the other step sizes' time \
(limit: the grid's runs × the time limit). Traces longer than \
1000 points are stored thinned (best objective so far at the end of each of 1000 equal time buckets): \
times read from them are late by at most 0.1% of the run, never early.\n\
- SGM: shifted geometric mean of times to τ (shift {} s), unsolved runs counted at the time limit.\n",
        metrics::VIOLATION_TOL,
        metrics::VIOLATION_TOL,
        metrics::SGM_SHIFT
    );

    for sec in sections {
        s.push_str(sec);
    }

    let _ = writeln!(s, "## Summary per solver\n");
    let mut head = "| model | solver | runs |".to_string();
    let mut rule = "|---|---|---:|".to_string();
    for &t in taus {
        let _ = write!(head, " solved τ={} |", tau_name(t));
        rule.push_str("---:|");
    }
    for &t in taus {
        let _ = write!(head, " SGM s τ={} |", tau_name(t));
        rule.push_str("---:|");
    }
    head.push_str(" median gap | below f* | worst cone viol. | statuses |");
    rule.push_str("---:|---:|---:|---|");
    let _ = writeln!(s, "{head}\n{rule}");
    for sm in &summaries {
        let _ = writeln!(s, "{}", summary_row(sm));
    }

    let _ = writeln!(s, "\n## Performance profiles\n");
    let _ = writeln!(
        s,
        "Fraction of each model's problems solved at τ against time (every curve over the \
same problems; a missing run counts as unsolved):\n"
    );
    for t in PROFILE_TAUS {
        let _ = writeln!(s, "![solved at τ = {}]({})\n", tau_name(t), profile_file(t));
    }
    s.push_str(&super::comparison_report::sections(records, taus));

    let _ = writeln!(s, "## Per problem\n");
    let _ = writeln!(
        s,
        "| problem | n | d | c | P | f* | metric | solver | status | objective | gap | cone viol. | time s | iters | train | test |\n\
|---|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    let mut by_problem: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in records {
        let pid = r.run.as_ref().map(|x| x.problem_id.as_str()).unwrap_or("");
        by_problem.entry(pid).or_default().push(r);
    }
    for (pid, rs) in by_problem {
        let fs = optima.get(pid).copied();
        for (i, r) in rs.iter().enumerate() {
            let first = i == 0;
            let p = &r.problem;
            let gap = metrics::record_gap(r, &optima).unwrap_or(f64::NAN);
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                if first { pid } else { "" },
                if first {
                    p.n.to_string()
                } else {
                    String::new()
                },
                if first {
                    p.d.to_string()
                } else {
                    String::new()
                },
                if first {
                    p.c.to_string()
                } else {
                    String::new()
                },
                if first {
                    format!("{}/{}", p.patterns, p.patterns_requested)
                } else {
                    String::new()
                },
                if first {
                    f(fs.unwrap_or(f64::NAN))
                } else {
                    String::new()
                },
                if first { r.metric.name() } else { "" },
                r.solver,
                r.status.name(),
                f(r.objective),
                f(gap),
                f(r.max_cone_violation),
                secs(r.time.total()),
                r.iterations,
                f4(r.train_metric),
                r.test_metric.map(f4).unwrap_or_else(|| "–".into()),
            );
        }
    }
    s
}

fn f4(x: f64) -> String {
    if x.is_nan() {
        "–".into()
    } else {
        format!("{x:.4}")
    }
}

fn summary_row(sm: &SolverSummary) -> String {
    let mut row = format!("| {} | {} | {} |", sm.model.name(), sm.solver, sm.runs);
    for n in &sm.solved {
        let _ = write!(row, " {n} |");
    }
    for t in &sm.sgm_time {
        let _ = write!(row, " {} |", secs(*t));
    }
    let statuses: Vec<String> = sm
        .statuses
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = write!(
        row,
        " {} | {} | {} | {} |",
        f(sm.median_gap),
        sm.below_f_star,
        f(sm.worst_violation),
        statuses.join(", ")
    );
    row
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// The CSV of all records.
pub fn csv(records: &[Record], taus: &[f64]) -> Result<Vec<u8>, csv::Error> {
    let optima = metrics::reference_optima(records);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "run_id",
        "problem_id",
        "dataset",
        "model",
        "lambda",
        "reg",
        "n",
        "d",
        "c",
        "patterns_requested",
        "patterns",
        "seed",
        "solver",
        "kind",
        "status",
        "objective",
        "loss",
        "penalty",
        "f_star",
        "gap",
        "max_cone_violation",
        "duality_gap",
        "relative_duality_gap",
        "iterations",
        "setup_s",
        "solve_s",
        "time_limit",
        "active_neurons",
        "metric",
        "train_metric",
        "test_metric",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for &t in taus {
        header.push(format!("time_to_tau_{}", tau_name(t)));
    }
    header.extend(
        [
            "decompose",
            "inflation",
            "prediction_change",
            "prediction_change_test",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    w.write_record(&header)?;
    for r in records {
        let run = r.run.as_ref();
        let pid = run.map(|x| x.problem_id.clone()).unwrap_or_default();
        let fs = optima.get(&pid).copied();
        let p = &r.problem;
        let mut row = vec![
            run.map(|x| x.id.clone()).unwrap_or_default(),
            pid.clone(),
            run.map(|x| x.dataset.clone()).unwrap_or_default(),
            p.model.name().to_string(),
            num(p.lambda),
            p.reg.name().to_string(),
            p.n.to_string(),
            p.d.to_string(),
            p.c.to_string(),
            p.patterns_requested.to_string(),
            p.patterns.to_string(),
            run.map(|x| x.spec.seed.to_string()).unwrap_or_default(),
            r.solver.to_string(),
            run.map(|x| x.solver.kind.name().to_string())
                .unwrap_or_default(),
            r.status.name().to_string(),
            num(r.objective),
            num(r.loss),
            num(r.penalty),
            fs.map(num).unwrap_or_default(),
            metrics::record_gap(r, &optima).map(num).unwrap_or_default(),
            num(r.max_cone_violation),
            r.duality_gap.map(num).unwrap_or_default(),
            r.relative_duality_gap.map(num).unwrap_or_default(),
            r.iterations.to_string(),
            num(r.time.setup_s),
            num(r.time.solve_s),
            num(metrics::time_limit(r)),
            r.active_neurons.to_string(),
            r.metric.name().to_string(),
            num(r.train_metric),
            r.test_metric.map(num).unwrap_or_default(),
        ];
        for &t in taus {
            row.push(metrics::time_to(r, fs, t).map(num).unwrap_or_default());
        }
        row.push(
            run.and_then(|x| x.solver.decompose)
                .map(|m| m.name().to_string())
                .unwrap_or_default(),
        );
        let dec = super::decomposed::detail(r).map(|d| &d.decomposition);
        row.push(dec.map(|d| num(d.inflation)).unwrap_or_default());
        row.push(dec.map(|d| num(d.prediction_change)).unwrap_or_default());
        row.push(
            dec.and_then(|d| d.prediction_change_test)
                .map(num)
                .unwrap_or_default(),
        );
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Read `dir` and write the report files into `out` (default `dir`).
pub fn report(dir: &Path, out: Option<&Path>) -> Result<Written, HarnessError> {
    let mut records = store::read_all(dir)?;
    let manifest = store::read_manifest(dir)?;
    if let Some(m) = &manifest {
        // Suite order (dataset, model, seed, λ, solver): the studies list entries in
        // the order the suite gives them.
        let pos: BTreeMap<&str, usize> = m
            .runs
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        records.sort_by_key(|r| {
            r.run
                .as_ref()
                .and_then(|x| pos.get(x.id.as_str()).copied())
                .unwrap_or(usize::MAX)
        });
    }
    let studies = manifest
        .as_ref()
        .map(|m| m.studies.clone())
        .unwrap_or_default();
    let mut sections = Vec::new();
    let mut study_files = Vec::new();
    let taus: Vec<f64> = manifest
        .as_ref()
        .map(|m| m.taus.clone())
        .unwrap_or_else(|| DEFAULT_TAUS.to_vec());
    let out = out.unwrap_or(dir);
    std::fs::create_dir_all(out).map_err(|source| crate::fsio::WriteError {
        path: out.to_path_buf(),
        source,
    })?;
    for study in studies {
        let sec = super::study::render(study, &records)?;
        sections.push(sec.markdown);
        for (name, text) in sec.files {
            let p = out.join(name);
            write_atomic(&p, text.as_bytes())?;
            study_files.push(p);
        }
    }
    let md = out.join("report.md");
    write_atomic(
        &md,
        markdown(&records, manifest.as_ref(), &taus, &sections).as_bytes(),
    )?;
    let csv_path = out.join("records.csv");
    let bytes = csv(&records, &taus).map_err(|e| {
        HarnessError::Write(crate::fsio::WriteError {
            path: csv_path.clone(),
            source: std::io::Error::other(e.to_string()),
        })
    })?;
    write_atomic(&csv_path, &bytes)?;
    let mut profiles = Vec::new();
    for t in PROFILE_TAUS {
        let p = out.join(profile_file(t));
        let svg = super::profile::render(&records, t, &p)?;
        write_atomic(&p, svg.as_bytes())?;
        profiles.push(p);
    }
    for (t, ratio) in super::comparison_report::figures(&records) {
        let p = out.join(super::ratio_profile::file(t));
        let svg = super::ratio_profile::render(&ratio, &p)?;
        write_atomic(&p, svg.as_bytes())?;
        profiles.push(p);
    }
    Ok(Written {
        markdown: md,
        csv: csv_path,
        profiles,
        study_files,
        records: records.len(),
    })
}
