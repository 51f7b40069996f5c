//! Study suites: decomposition entries (C-GReLU solve + cone decomposition, recorded
//! on the C-ReLU problem) run end to end and give certified C-ReLU points no better
//! than the C-ReLU optimum, with the predictions of the gated solution; at λ = 0 the
//! decomposed loss is the C-ReLU optimal loss (the equivalence theorem); the report
//! writes the study sections and the path figure; bad entries are errors naming the
//! file and the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cvxrelu::decompose::Method;
use cvxrelu::harness::bench::{BenchOptions, bench};
use cvxrelu::harness::report::report;
use cvxrelu::harness::store::read_all;
use cvxrelu::harness::study::Study;
use cvxrelu::harness::{Suite, expand};
use cvxrelu::model::Model;
use cvxrelu::results::record::Record;
use cvxrelu::solvers::{SolverKind, Status};

/// `details.decomposition.KEY` of a record as written to JSON, as a number.
fn detail(r: &Record, key: &str) -> Option<f64> {
    serde_json::to_value(&r.details).unwrap()["decomposition"][key].as_f64()
}

mod common;

fn iris() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("problems/data/iris.csv")
        .display()
        .to_string()
}

/// A small study suite on iris: both models at P = 4, two seeds, λ ∈ {1e-2, 1e-3, 0}.
fn suite_text() -> String {
    format!(
        r#"name = "studies"
time-limit = 30.0
lambdas = [1e-2, 1e-3, 0.0]
seeds = [0, 1]
patterns = [4]

[[dataset]]
name = "iris"
data = "{}"
split = 0.2
scale = "unit-norm"
bias = true

[[model]]
kind = "gated-relu"

[[model]]
kind = "relu"

[[solver]]
kind = "fista"

[[solver]]
kind = "fista"
decompose = "exact"

[[solver]]
kind = "fista"
decompose = "approx"

[[solver]]
kind = "clarabel"
decompose = "lp"
name = "clarabel-lp"

[[solver]]
kind = "clarabel"

[report]
studies = ["equivalence", "table1", "path"]
"#,
        iris()
    )
}

fn err(text: &str) -> String {
    Suite::parse(Path::new("dir/bad.toml"), text)
        .unwrap_err()
        .to_string()
}

#[test]
fn decomposition_entries_expand_on_relu_problems_with_stable_ids() {
    let s = Suite::parse(Path::new("dir/s.toml"), &suite_text()).unwrap();
    assert_eq!(s.studies, [Study::Equivalence, Study::Table1, Study::Path]);
    let fista_exact = s.solvers.iter().find(|d| d.name == "fista-exact").unwrap();
    assert_eq!(fista_exact.decompose, Some(Method::Exact));
    assert_eq!(fista_exact.kind, SolverKind::Fista);
    let runs = expand(&s);
    // gated: fista, clarabel; relu: fista, fista-exact, fista-approx, clarabel-lp,
    // clarabel; × 2 seeds × 3 λ.
    assert_eq!(runs.len(), 2 * 3 * (2 + 5));
    let ids: Vec<&str> = runs.iter().map(|r| r.info.id.as_str()).collect();
    assert!(
        ids.contains(&"iris-relu-P4-s1-lam1e-3-fista-exact"),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"iris-relu-P4-s0-lam0e0-clarabel-lp"),
        "{ids:?}"
    );
    assert!(
        !ids.iter()
            .any(|i| i.contains("gated-relu") && i.contains("exact"))
    );
    for r in &runs {
        if r.info.solver.decompose.is_some() {
            assert_eq!(r.info.spec.model, Model::Relu, "{}", r.info.id);
        }
    }
    // Plain entries serialise without the new fields, so fingerprints of existing
    // suites (and their records) are unchanged.
    let plain = s.solvers.iter().find(|d| d.name == "fista").unwrap();
    let json = serde_json::to_string(plain).unwrap();
    assert!(
        !json.contains("decompose") && !json.contains("model"),
        "{json}"
    );
    // A top-level patterns list gives one model per value.
    let two = Suite::parse(
        Path::new("dir/s.toml"),
        &suite_text().replace("patterns = [4]", "patterns = [4, 6]"),
    )
    .unwrap();
    assert_eq!(two.models.len(), 4);
    assert_eq!(expand(&two).len(), 2 * runs.len());
}

#[test]
fn bad_study_entries_name_the_line() {
    let good = suite_text().replace(&iris(), "synth:n=40,d=3,seed=1");
    Suite::parse(Path::new("dir/bad.toml"), &good).unwrap();
    let line_of = |needle: &str| good.lines().position(|l| l.contains(needle)).unwrap() + 1;

    // A decomposition needs a convex C-GReLU solver.
    let e = err(&good.replace(
        "kind = \"fista\"\ndecompose = \"approx\"",
        "kind = \"al\"\ndecompose = \"approx\"",
    ));
    let l = line_of("decompose = \"approx\"");
    assert!(
        e.starts_with(&format!("dir/bad.toml: line {l}:")) && e.contains("fista or clarabel"),
        "{e}"
    );
    // Unknown method: toml's own error, with the line.
    let e = err(&good.replace("decompose = \"exact\"", "decompose = \"svd\""));
    let l = line_of("decompose = \"exact\"");
    assert!(
        e.starts_with(&format!("dir/bad.toml: line {l}:")) && e.contains("svd"),
        "{e}"
    );
    // Decomposition runs are on relu problems: a suite without a relu model, or an
    // entry restricted to the gated model, is an error at the entry.
    let no_relu = good.replace("[[model]]\nkind = \"relu\"\n", "").replace(
        "studies = [\"equivalence\", \"table1\", \"path\"]",
        "studies = []",
    );
    let e = err(&no_relu);
    assert!(e.contains("no relu [[model]]") && e.contains("line"), "{e}");
    let e = err(&good.replace(
        "decompose = \"exact\"",
        "decompose = \"exact\"\nmodel = \"gated-relu\"",
    ));
    let l = line_of("decompose = \"exact\"") + 1;
    assert!(
        e.starts_with(&format!("dir/bad.toml: line {l}:")) && e.contains("relu problems"),
        "{e}"
    );
    // AL restricted to the gated model: it does not solve it.
    let e = err(&good.replace(
        "[[solver]]\nkind = \"clarabel\"\n\n",
        "[[solver]]\nkind = \"al\"\nmodel = \"gated-relu\"\n\n",
    ));
    assert!(e.contains("does not run on gated-relu"), "{e}");
    // Studies: unknown, twice, or not fed by the suite.
    let l = line_of("studies = ");
    let e = err(&good.replace("\"table1\", \"path\"", "\"tabel1\", \"path\""));
    assert!(
        e.starts_with(&format!("dir/bad.toml: line {l}:")) && e.contains("tabel1"),
        "{e}"
    );
    let e = err(&good.replace("\"table1\", \"path\"", "\"path\", \"path\""));
    assert!(
        e.starts_with(&format!("dir/bad.toml: line {l}:")) && e.contains("twice"),
        "{e}"
    );
    let e = err(&good.replace("lambdas = [1e-2, 1e-3, 0.0]", "lambdas = [1e-3, 0.0]"));
    assert!(
        e.starts_with(&format!("dir/bad.toml: line {l}:")) && e.contains("two lambdas"),
        "{e}"
    );
    let e = err(
        &good.replace("patterns = [4]", "patterns = [4, 5]").replace(
            "[[model]]\nkind = \"relu\"\n",
            "[[model]]\nkind = \"relu\"\npatterns = 3\n",
        ),
    );
    assert!(
        e.starts_with(&format!("dir/bad.toml: line {}:", l + 1)) && e.contains("same patterns"),
        "{e}"
    );
    // Patterns: neither on the model nor at the top level; an empty list.
    let e = err(&good.replace("patterns = [4]\n", ""));
    let l = line_of("kind = \"gated-relu\"") - 2;
    assert!(
        e.starts_with(&format!("dir/bad.toml: line {l}:")) && e.contains("patterns"),
        "{e}"
    );
    let e = err(&good.replace("patterns = [4]", "patterns = []"));
    assert!(
        e.starts_with(&format!(
            "dir/bad.toml: line {}:",
            line_of("patterns = [4]")
        )),
        "{e}"
    );
}

fn by_id(records: &[Record]) -> BTreeMap<String, &Record> {
    records
        .iter()
        .map(|r| (r.run.as_ref().unwrap().id.clone(), r))
        .collect()
}

#[test]
fn decomposition_runs_end_to_end_with_report() {
    let dir = tempfile::tempdir().unwrap();
    let suite_path = dir.path().join("studies.toml");
    std::fs::write(&suite_path, suite_text()).unwrap();
    let suite = Suite::load(&suite_path).unwrap();
    let out: PathBuf = dir.path().join("res");
    let opts = BenchOptions {
        progress: false,
        log: false,
        ..Default::default()
    };
    let summary = bench(&suite, &out, &opts).unwrap();
    assert_eq!(summary.ran, expand(&suite).len());
    let records = read_all(&out).unwrap();
    let ids = by_id(&records);
    assert_eq!(records.len(), summary.ran);

    let mut checked = 0;
    for r in &records {
        let run = r.run.as_ref().unwrap();
        let Some(method) = run.solver.decompose else {
            continue;
        };
        let id = &run.id;
        assert_eq!(r.problem.model, Model::Relu, "{id}");
        // A decomposition is feasible (violation ≤ 1e-6) or approximate, never
        // `solved`: its point is not C-ReLU-optimal.
        let expect = if r.max_cone_violation <= 1e-6 {
            Status::Feasible
        } else {
            Status::Approximate
        };
        assert_eq!(r.status, expect, "{id}: violation {}", r.max_cone_violation);
        for key in [
            "inflation",
            "prediction_change",
            "gated_objective",
            "gated_setup_s",
            "gated_solve_s",
            "decomposition_s",
            "reported_violation",
        ] {
            assert!(detail(r, key).is_some_and(f64::is_finite), "{id}: {key}");
        }
        let dec = &serde_json::to_value(&r.details).unwrap()["decomposition"];
        assert_eq!(dec["method"], method.name(), "{id}");
        assert!(
            dec["gated_status"].is_string() && dec["blocks"].is_object(),
            "{id}"
        );
        // Time is the C-GReLU solve plus the decomposition.
        let t = detail(r, "gated_setup_s").unwrap()
            + detail(r, "gated_solve_s").unwrap()
            + detail(r, "decomposition_s").unwrap();
        assert!(
            common::rel_diff(r.time.setup_s + r.time.solve_s, t) <= 1e-12,
            "{id}"
        );
        assert!(r.trace.is_empty(), "{id}");
        // Penalty inflation ≥ 1 (triangle inequality).
        assert!(detail(r, "inflation").unwrap() >= 1.0 - 1e-12, "{id}");

        // Against the direct C-ReLU solve of the same problem (Clarabel).
        let direct = ids[&format!("{}-clarabel", run.problem_id)];
        assert_eq!(direct.status, Status::Solved, "{id}");
        let f = direct.objective;
        // A feasible C-ReLU point is no better than the optimum ...
        assert!(
            r.objective >= f - 1e-7 * f.abs().max(1e-12),
            "{id}: {} < {f}",
            r.objective
        );
        // ... and the C-GReLU optimum (a relaxation) is no worse: its certified
        // dual bound is below the C-ReLU objective, and so is the C-GReLU objective
        // when its certificate proves it optimal to 1e-6.
        let g = detail(r, "gated_objective").unwrap();
        if let Some(dual) = detail(r, "gated_dual_objective") {
            assert!(dual <= f + 1e-9 * f.abs(), "{id}: dual {dual} > relu {f}");
        }
        if detail(r, "gated_relative_duality_gap").is_some_and(|gap| gap <= 1e-6) {
            assert!(g <= f * (1.0 + 2e-6), "{id}: gated {g} > relu {f}");
        }
        match method {
            Method::Exact | Method::Lp => {
                assert!(
                    r.max_cone_violation <= 1e-8,
                    "{id}: {}",
                    r.max_cone_violation
                );
                assert!(detail(r, "prediction_change").unwrap() <= 1e-9, "{id}");
            }
            Method::Approx => {
                // Reported honestly: the violation the method reports is the one
                // recomputed from the weights (the approximate method is not
                // polished, and (u + w, w) violates the cones exactly where
                // X̃w < (−X̃u)_+).
                let reported = detail(r, "reported_violation").unwrap();
                assert!(
                    (r.max_cone_violation - reported).abs() <= 1e-12 + 1e-6 * reported,
                    "{id}: recomputed {} vs reported {reported}",
                    r.max_cone_violation
                );
            }
        }
        // The gated solve is the suite's own fista run (deterministic) for fista entries.
        if run.solver.kind == SolverKind::Fista {
            let gated_id = format!(
                "{}-fista",
                run.problem_id.replacen("-relu-", "-gated-relu-", 1)
            );
            let gr = ids[&gated_id];
            assert!(
                common::rel_diff(g, gr.objective) <= 1e-9,
                "{id}: {g} vs {}",
                gr.objective
            );
            // Same predictions, same data: same loss (exact decomposition).
            if method == Method::Exact {
                assert!(common::rel_diff(r.loss, gr.loss) <= 1e-9, "{id}");
            }
        }
        // λ = 0, the equivalence theorem: the decomposed Clarabel C-GReLU solution is
        // a feasible C-ReLU point with the C-ReLU optimal loss.
        if r.problem.lambda == 0.0 && run.solver.kind == SolverKind::Clarabel {
            assert!(
                common::rel_diff(r.loss, direct.loss) <= 1e-6,
                "{id}: decomposed {} vs direct {}",
                r.loss,
                direct.loss
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 2 * 3 * 3);

    // The report: study sections, the path figure, the CSV columns.
    let w = report(&out, None).unwrap();
    let md = std::fs::read_to_string(&w.markdown).unwrap();
    for title in [
        "## Study: equivalence of C-GReLU and C-ReLU as λ → 0",
        "## Study: Table-1 analog",
        "## Study: regularization path",
        "### iris, λ = 1e-3, P = 4 requested",
        "| R-FISTA (C-GReLU) + exact decomposition | `fista-exact` (relu) |",
        "| Clarabel (C-ReLU) | `clarabel` (relu) |",
        "![iris path](path-iris-P4.svg)",
    ] {
        assert!(md.contains(title), "report.md lacks {title}");
    }
    // Equivalence rows: one per (seed, λ).
    let rows = md
        .lines()
        .filter(|l| l.starts_with("| iris | ") && l.contains(", viol. "))
        .count();
    assert_eq!(rows, 2 * 3, "{md}");
    assert_eq!(w.study_files.len(), 1);
    let svg = std::fs::read_to_string(&w.study_files[0]).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("active neurons"));
    let csv = std::fs::read_to_string(&w.csv).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "decompose").unwrap();
    let infl = header.iter().position(|h| *h == "inflation").unwrap();
    let exact_rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[col] == "exact")
        .collect();
    assert_eq!(exact_rows.len(), 2 * 3);
    assert!(
        exact_rows
            .iter()
            .all(|c| c[infl].parse::<f64>().unwrap() >= 1.0)
    );
}

#[test]
fn memory_skips_of_decomposition_entries_are_recorded_and_reported() {
    // A memory limit no SOCP fits in: the Clarabel C-GReLU solve of the
    // decomposition entry is skipped (recorded with the estimate, not run), and the
    // Table-1 section says so under its table.
    let text = r#"name = "skips"
time-limit = 10.0
lambdas = [1e-2]
seeds = [0]
patterns = [3]
max-memory = "1K"

[[dataset]]
name = "s"
data = "synth:n=40,d=3,seed=1"

[[model]]
kind = "gated-relu"

[[model]]
kind = "relu"

[[solver]]
kind = "clarabel"
decompose = "exact"

[[solver]]
kind = "fista"
decompose = "lp"

[report]
studies = ["table1"]
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("skips.toml");
    std::fs::write(&path, text).unwrap();
    let suite = Suite::load(&path).unwrap();
    let out = dir.path().join("res");
    let opts = BenchOptions {
        progress: false,
        log: false,
        ..Default::default()
    };
    let summary = bench(&suite, &out, &opts).unwrap();
    assert_eq!((summary.ran, summary.skipped), (2, 1));
    let records = read_all(&out).unwrap();
    let ids = by_id(&records);
    let skipped = ids["s-relu-P3-s0-lam1e-2-clarabel-exact"];
    assert_eq!(skipped.status, Status::Skipped);
    assert!(
        serde_json::to_value(&skipped.details).unwrap()["skipped"]
            .as_str()
            .unwrap()
            .contains("max-memory")
    );
    assert!(serde_json::to_value(&skipped.details).unwrap()["memory_estimate"].is_object());
    // FISTA needs no SOCP; the LP decomposition is not under the guard.
    let lp = ids["s-relu-P3-s0-lam1e-2-fista-lp"];
    assert_eq!(lp.status, Status::Feasible);
    assert!(lp.max_cone_violation <= 1e-8);
    let w = report(&out, None).unwrap();
    let md = std::fs::read_to_string(&w.markdown).unwrap();
    assert!(md.contains("Runs without a point"), "{md}");
    assert!(
        md.contains("- `clarabel-exact` seed 0: skipped — the compiled SOCP needs"),
        "{md}"
    );
    assert!(md.contains("| 0/1 | skipped 1 |"), "{md}");
}
