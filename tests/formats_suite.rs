//! `cvxrelu export --suite`: an instance library with an index of problem
//! parameters; every written CBF file reads back with the dimensions the index
//! reports and solves to the optimum of the problem solved directly.

use std::process::Command;

use cvxrelu::certify::certify;
use cvxrelu::export::cbf;
use cvxrelu::model::{Problem, ProblemSpec};
use cvxrelu::solvers::clarabel::{self, ClarabelSettings};

fn suite() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("problems/tiny.toml")
}

#[test]
fn cbf_library_of_the_tiny_suite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lib");
    let st = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args([
            "export",
            "--suite",
            suite().to_str().unwrap(),
            "--format",
            "cbf",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        st.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("index.json")).unwrap()).unwrap();
    let instances = index["instances"].as_array().unwrap();
    // tiny: 2 datasets × 2 models × 1 seed × 2 λ, solvers collapsed
    assert_eq!(instances.len(), 8);
    assert_eq!(index["written"], 8);
    let csv = std::fs::read_to_string(out.join("index.csv")).unwrap();
    assert_eq!(csv.lines().count(), 9, "header + one line per instance");
    let mut ids = std::collections::HashSet::new();
    for (t, inst) in instances.iter().enumerate() {
        assert!(
            ids.insert(inst["id"].as_str().unwrap().to_string()),
            "duplicate id"
        );
        let file = out.join(inst["file"].as_str().unwrap());
        let text = std::fs::read_to_string(&file).unwrap();
        let cbf = cbf::read(&text).unwrap();
        let size = &inst["export"]["size"];
        assert_eq!(
            cbf.program.num_vars() as u64,
            size["cols"].as_u64().unwrap()
        );
        assert_eq!(
            cbf.program.num_rows() as u64,
            size["rows"].as_u64().unwrap()
        );
        assert_eq!(cbf.program.a.nnz() as u64, size["nnz_a"].as_u64().unwrap());
        assert_eq!(
            std::fs::metadata(&file).unwrap().len(),
            inst["export"]["bytes"].as_u64().unwrap()
        );
        // solve two of them from the file and directly
        if t % 4 == 0 {
            let spec: ProblemSpec = serde_json::from_value(inst["spec"].clone()).unwrap();
            let problem = Problem::build(&spec).unwrap();
            let direct = clarabel::solve(
                &problem,
                &ClarabelSettings {
                    tol: 1e-10,
                    ..Default::default()
                },
            )
            .unwrap();
            let direct_obj = certify(&problem, &direct.weights).objective;
            let sol = clarabel::solve_program(
                cbf.program,
                &ClarabelSettings {
                    tol: 1e-10,
                    ..Default::default()
                },
            )
            .unwrap();
            // the conic lowering's objective is the model objective
            assert!(
                (sol.cost_primal - direct_obj).abs() <= 1e-7 * direct_obj,
                "{} vs {direct_obj}",
                sol.cost_primal
            );
        }
    }
}

#[test]
fn mps_library_skips_conic_problems_with_reasons_and_flags_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lib");
    let st = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args([
            "export",
            "--suite",
            suite().to_str().unwrap(),
            "--format",
            "mps",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    // Every instance skipped: nothing to use, so exit 2 (issue 12), index written.
    assert_eq!(st.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&st.stderr).contains("no instance written"));
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["written"], 0);
    for inst in index["instances"].as_array().unwrap() {
        assert_eq!(inst["status"], "skipped");
        assert!(
            inst["reason"]
                .as_str()
                .unwrap()
                .contains("second-order cone")
        );
    }
    let st = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args([
            "export",
            "--suite",
            suite().to_str().unwrap(),
            "--format",
            "cbf",
            "--out",
            out.to_str().unwrap(),
            "--lambda",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    let st = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args([
            "export",
            "--suite",
            "/nonexistent/suite.toml",
            "--format",
            "cbf",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&st.stderr).contains("/nonexistent/suite.toml"));
}
