//! `cvxrelu solve` end to end: the JSON record, exit codes, and bad input — every
//! error exits with code 2 and one line naming the file, line and column.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
}

struct Run {
    code: i32,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = bin().args(args).output().expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn good_csv(dir: &Path) -> PathBuf {
    let mut s = String::from("a,b,y\n");
    for i in 0..30 {
        let a = (i as f64 * 0.7).sin();
        let b = (i as f64 * 1.3).cos();
        s += &format!("{a},{b},{}\n", (a + b).max(0.0) - 0.2 * b);
    }
    write(dir, "good.csv", &s)
}

/// Expect exit 2 with a single line containing every fragment.
fn expect_error(args: &[&str], fragments: &[&str]) {
    let r = run(args);
    assert_eq!(r.code, 2, "args {args:?}: stderr {}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "one-line message expected, got {:?}",
        r.stderr
    );
    for f in fragments {
        assert!(lines[0].contains(f), "message {:?} lacks {f:?}", lines[0]);
    }
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn solve_writes_record_and_weights() {
    let dir = tempfile::tempdir().unwrap();
    let data = good_csv(dir.path());
    let out = dir.path().join("r.json");
    let weights = dir.path().join("w.json");
    let r = run(&[
        "solve",
        "--data",
        data.to_str().unwrap(),
        "--model",
        "relu",
        "--lambda",
        "0.01",
        "--patterns",
        "8",
        "--seed",
        "3",
        "--bias",
        "--solver",
        "clarabel",
        "--out",
        out.to_str().unwrap(),
        "--weights",
        weights.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(rec["status"], "solved");
    assert_eq!(rec["solver"], "clarabel");
    assert_eq!(rec["problem"]["model"], "relu");
    assert_eq!(rec["problem"]["n"], 30);
    assert_eq!(rec["problem"]["d"], 3); // 2 features + bias
    assert_eq!(rec["problem"]["patterns_requested"], 8);
    let obj = rec["objective"].as_f64().unwrap();
    let sum = rec["loss"].as_f64().unwrap() + rec["penalty"].as_f64().unwrap();
    assert!((obj - sum).abs() <= 1e-12 * obj);
    assert!(rec["max_cone_violation"].as_f64().unwrap() <= 1e-7);
    // C-ReLU points are certified too (a C-ReLU dual bound; see certify.rs).
    let rel_gap = rec["relative_duality_gap"].as_f64().unwrap();
    assert!(rel_gap.abs() <= 1e-5, "{rel_gap}");
    assert!(rec["time"]["solve_s"].as_f64().unwrap() >= 0.0);
    let w: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&weights).unwrap()).unwrap();
    assert_eq!(w["format"], "cvxrelu-weights");
    // the weights file rebuilds the same problem
    let sol = cvxrelu::results::solution::SolutionFile::read(&weights).unwrap();
    let problem = sol.problem(&weights).unwrap();
    let cert = cvxrelu::certify::certify(&problem, &sol.weights);
    assert!(common::rel_diff(cert.objective, obj) < 1e-12);
}

#[test]
fn problem_file_and_flags_merge() {
    let dir = tempfile::tempdir().unwrap();
    good_csv(dir.path());
    let toml = write(
        dir.path(),
        "p.toml",
        "data = \"good.csv\"\nmodel = \"gated-relu\"\nlambda = 0.1\npatterns = 5\n",
    );
    let out = dir.path().join("r.json");
    let r = run(&[
        "solve",
        "--problem",
        toml.to_str().unwrap(),
        "--lambda",
        "0.02",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(rec["problem"]["lambda"], 0.02);
    assert_eq!(rec["problem"]["model"], "gated-relu");
    assert!(rec["relative_duality_gap"].as_f64().unwrap() < 1e-5);
    let bad = write(
        dir.path(),
        "bad.toml",
        "data = \"good.csv\"\nmodel = \"relu\"\nlamda = 0.1\n",
    );
    expect_error(
        &["solve", "--problem", bad.to_str().unwrap()],
        &["bad.toml", "line 3", "lamda"],
    );
}

#[test]
fn iteration_limit_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = good_csv(dir.path());
    let out = dir.path().join("r.json");
    let r = run(&[
        "solve",
        "--data",
        data.to_str().unwrap(),
        "--model",
        "relu",
        "--lambda",
        "0.01",
        "--patterns",
        "8",
        "--max-iters",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(rec["status"], "max_iterations");
}

#[test]
fn bad_data_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = |data: &Path| {
        vec![
            "solve".to_string(),
            "--data".into(),
            data.display().to_string(),
            "--model".into(),
            "relu".into(),
            "--lambda".into(),
            "0.1".into(),
        ]
    };
    let check = |name: &str, content: &str, frags: &[&str]| {
        let p = write(d, name, content);
        let args = base(&p);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut frags = frags.to_vec();
        frags.push(name);
        expect_error(&args, &frags);
    };
    check(
        "ragged.csv",
        "a,b,y\n1,2,3\n4,5\n",
        &["line 3", "expected 3 fields", "found 2"],
    );
    check(
        "text.csv",
        "a,b,y\n1,2,3\n4,abc,6\n",
        &["line 3", "column 'b'", "'abc'"],
    );
    check(
        "nan.csv",
        "a,b,y\n1,NaN,3\n",
        &["line 2", "column 'b'", "not finite"],
    );
    check(
        "inf.csv",
        "a,b,y\n1,2,3\n1,2,inf\n",
        &["line 3", "column 'y'", "not finite"],
    );
    check("empty.csv", "", &["empty"]);
    check("header_only.csv", "a,b,y\n", &["empty"]);
    check(
        "notarget.csv",
        "a,b,c\n1,2,3\n",
        &["line 1", "no target column"],
    );
    expect_error(
        &[
            "solve",
            "--data",
            "/nonexistent/x.csv",
            "--model",
            "relu",
            "--lambda",
            "0.1",
        ],
        &["/nonexistent/x.csv", "cannot read"],
    );
}

#[test]
fn bad_gates_lambda_patterns_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let data = good_csv(dir.path());
    let data = data.to_str().unwrap();
    let gates = write(dir.path(), "gates.csv", "g0,g1\n1,0\n0,1\n");
    let g = gates.to_str().unwrap();
    // 2 features + bias = 3 wide expected
    expect_error(
        &[
            "solve", "--data", data, "--model", "relu", "--lambda", "0.1", "--gates", g, "--bias",
        ],
        &["gates.csv", "line 1", "2 columns", "dimension 3"],
    );
    let gbad = write(dir.path(), "gbad.csv", "g0,g1\n1,0\n0,zz\n");
    expect_error(
        &[
            "solve",
            "--data",
            data,
            "--model",
            "relu",
            "--lambda",
            "0.1",
            "--gates",
            gbad.to_str().unwrap(),
        ],
        &["gbad.csv", "line 3", "column 'g1'", "'zz'"],
    );
    expect_error(
        &["solve", "--data", data, "--model", "relu", "--lambda", "-1"],
        &["lambda", "-1"],
    );
    expect_error(
        &[
            "solve", "--data", data, "--model", "relu", "--lambda", "nan",
        ],
        &["lambda", "NaN"],
    );
    expect_error(
        &[
            "solve", "--data", data, "--model", "relu", "--lambda", "inf",
        ],
        &["lambda", "inf"],
    );
    expect_error(
        &[
            "solve",
            "--data",
            data,
            "--model",
            "relu",
            "--lambda",
            "0.1",
            "--patterns",
            "0",
        ],
        &["P = 0"],
    );
    expect_error(
        &[
            "solve", "--data", data, "--model", "relux", "--lambda", "0.1",
        ],
        &["relux", "--model"],
    );
    expect_error(
        &[
            "solve", "--data", data, "--model", "relu", "--lambda", "0.1", "--reg", "l3",
        ],
        &["l3", "--reg"],
    );
    expect_error(
        &[
            "solve", "--data", data, "--model", "relu", "--lambda", "0.1", "--reg", "l1",
        ],
        &["relu", "neuron-gl1"],
    );
    expect_error(&["solve", "--data", data, "--model", "relu"], &["--lambda"]);
    expect_error(
        &[
            "solve", "--data", data, "--model", "relu", "--lambda", "0.1", "--tol", "0",
        ],
        &["tol"],
    );
    expect_error(
        &[
            "solve",
            "--data",
            data,
            "--model",
            "relu",
            "--lambda",
            "0.1",
            "--out",
            "/nonexistent-dir/r.json",
        ],
        &["/nonexistent-dir/r.json", "cannot write"],
    );
    expect_error(
        &[
            "solve",
            "--data",
            data,
            "--model",
            "relu",
            "--lambda",
            "0.1",
            "--max-memory",
            "1K",
        ],
        &["GiB", "--max-memory"],
    );
}
