//! `cvxrelu solve --solver fista|al` and `cvxrelu path` through the CLI entry point.

mod common;

use common::reference_file;
use cvxrelu::cli::run_from;

fn refs(name: &str) -> String {
    reference_file(name).display().to_string()
}

#[test]
fn path_writes_one_record_per_lambda_and_a_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("path");
    let code = run_from([
        "cvxrelu",
        "path",
        "--data",
        &refs("synth.csv"),
        "--gates",
        &refs("synth_gates.csv"),
        "--scale",
        "none",
        "--model",
        "gated-relu",
        "--solver",
        "fista",
        "--lambdas",
        "1e-1,1e-2,1e-3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let csv = std::fs::read_to_string(out.join("path.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("lambda,objective,active_neurons"));
    let mut objectives = vec![];
    for (i, line) in lines[1..].iter().enumerate() {
        let rec: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("lambda_{i:03}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(rec["status"], "solved");
        assert_eq!(rec["details"]["warm_started"], i > 0);
        let f: f64 = line.split(',').nth(1).unwrap().parse().unwrap();
        assert_eq!(f, rec["objective"].as_f64().unwrap());
        objectives.push(f);
    }
    // The optimal value decreases with λ.
    assert!(objectives[0] > objectives[1] && objectives[1] > objectives[2]);
    // Against the reference objectives.
    assert!((objectives[1] - 0.033461567898897836).abs() / 0.0334615 < 1e-6);
}

#[test]
fn path_rejects_a_grid_that_is_not_decreasing() {
    let dir = tempfile::tempdir().unwrap();
    for grid in ["1e-3,1e-2", "1e-2,1e-2", "1e-2,-1", "1e-2,nan"] {
        let code = run_from([
            "cvxrelu",
            "path",
            "--data",
            &refs("synth.csv"),
            "--gates",
            &refs("synth_gates.csv"),
            "--model",
            "gated-relu",
            "--solver",
            "fista",
            "--lambdas",
            grid,
            "--out",
            dir.path().to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "grid {grid}");
    }
}

#[test]
fn solve_with_native_solvers_and_wrong_model() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("r.json");
    let base = |model: &str, solver: &str| {
        vec![
            "cvxrelu".to_string(),
            "solve".into(),
            "--data".into(),
            refs("diabetes.csv"),
            "--gates".into(),
            refs("diabetes_gates.csv"),
            "--scale".into(),
            "none".into(),
            "--model".into(),
            model.into(),
            "--lambda".into(),
            "0.1".into(),
            "--solver".into(),
            solver.into(),
            "--out".into(),
            rec.display().to_string(),
        ]
    };
    assert_eq!(run_from(base("gated-relu", "al")), 2);
    assert_eq!(run_from(base("gated-relu", "fista")), 0);
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&rec).unwrap()).unwrap();
    assert_eq!(r["solver"], "fista");
    let f = r["objective"].as_f64().unwrap();
    assert!((f - 0.31517449239152484).abs() / f < 1e-6);
    assert!(r["relative_duality_gap"].as_f64().unwrap() <= 1e-6);
    assert!(!r["trace"].as_array().unwrap().is_empty());
    assert_eq!(run_from(base("relu", "al")), 0);
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&rec).unwrap()).unwrap();
    assert!(r["max_cone_violation"].as_f64().unwrap() <= 1e-8);
    assert!(r["details"]["al_max_violation"].as_f64().is_some());
    assert!(r["relative_duality_gap"].as_f64().unwrap() <= 1e-6);
    assert_eq!(run_from(base("relu", "fista")), 0);
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&rec).unwrap()).unwrap();
    assert!(r["max_cone_violation"].as_f64().unwrap() <= 1e-8);
    assert!(r["relative_duality_gap"].as_f64().unwrap() <= 1e-6);
}
