//! `cvxrelu decompose` end to end: from a weights file or a record naming one, the
//! record and weights it writes, and bad input (exit 2, one line naming the file).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::reference_file;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args(args)
        .output()
        .expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Solve the synth reference problem (gated or relu) with Clarabel, saving weights
/// and the record into `dir`.
fn solve(dir: &Path, model: &str) -> (PathBuf, PathBuf) {
    let (rec, w) = (
        dir.join(format!("{model}.json")),
        dir.join(format!("{model}_w.json")),
    );
    let r = run(&[
        "solve",
        "--data",
        &s(&reference_file("synth.csv")),
        "--gates",
        &s(&reference_file("synth_gates.csv")),
        "--scale",
        "none",
        "--model",
        model,
        "--lambda",
        "0.01",
        "--solver",
        "clarabel",
        "--out",
        &s(&rec),
        "--weights",
        &s(&w),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (rec, w)
}

fn expect_error(args: &[&str], fragments: &[&str]) {
    let r = run(args);
    assert_eq!(r.code, 2, "args {args:?}: stderr {}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected: {:?}", r.stderr);
    for f in fragments {
        assert!(lines[0].contains(f), "{:?} lacks {f:?}", lines[0]);
    }
    assert!(!r.stderr.contains("panicked"));
}

#[test]
fn decompose_from_weights_and_from_record() {
    let dir = tempfile::tempdir().unwrap();
    let (rec, w) = solve(dir.path(), "gated-relu");
    for (from, method) in [(&w, "exact"), (&rec, "lp"), (&w, "approx")] {
        let out = dir.path().join(format!("dec_{method}.json"));
        let wout = dir.path().join(format!("dec_{method}_w.json"));
        let r = run(&[
            "decompose",
            "--from",
            &s(from),
            "--method",
            method,
            "--out",
            &s(&out),
            "--weights",
            &s(&wout),
        ]);
        assert_eq!(r.code, 0, "{method}: {}", r.stderr);
        assert!(r.stderr.contains("inflation"), "{}", r.stderr);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(v["problem"]["model"], "relu");
        assert_eq!(v["solver"], format!("clarabel+decompose-{method}"));
        assert_eq!(v["details"]["decomposition"]["method"], method);
        let kappa = v["details"]["decomposition"]["inflation"].as_f64().unwrap();
        assert!(kappa >= 1.0, "{kappa}");
        let viol = v["max_cone_violation"].as_f64().unwrap();
        if method != "approx" {
            assert!(viol <= 1e-8, "{method}: {viol}");
            assert!(
                v["details"]["decomposition"]["prediction_change"]
                    .as_f64()
                    .unwrap()
                    <= 1e-9
            );
        }
        assert_eq!(v["weights_file"], s(&wout));
        // The decomposed weights file is a relu weights file that decompose refuses.
        let wv: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&wout).unwrap()).unwrap();
        assert_eq!(wv["weights"]["model"], "relu");
        expect_error(
            &["decompose", "--from", &s(&wout), "--method", "exact"],
            &[&s(&wout), "gated-relu"],
        );
    }
    // `--out -` prints the record on stdout.
    let r = run(&[
        "decompose",
        "--from",
        &s(&w),
        "--method",
        "exact",
        "--out",
        "-",
    ]);
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["objective"].as_f64().unwrap() > 0.0);
}

#[test]
fn record_with_relative_weights_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_, w) = solve(dir.path(), "gated-relu");
    let rec = dir.path().join("rel.json");
    std::fs::write(&rec, r#"{"weights_file": "gated-relu_w.json"}"#).unwrap();
    assert!(w.exists());
    let r = run(&["decompose", "--from", &s(&rec), "--method", "lp"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn bad_inputs_exit_two_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (relu_rec, relu_w) = solve(dir.path(), "relu");
    let missing = dir.path().join("missing.json");
    expect_error(
        &["decompose", "--from", &s(&missing), "--method", "exact"],
        &[&s(&missing)],
    );
    let corrupt = dir.path().join("corrupt.json");
    std::fs::write(
        &corrupt,
        "{\"format\": \"cvxrelu-weights\", \"version\": 1,\n \"problem\": [",
    )
    .unwrap();
    expect_error(
        &["decompose", "--from", &s(&corrupt), "--method", "exact"],
        &[&s(&corrupt), "line 2"],
    );
    let notjson = dir.path().join("notjson.json");
    std::fs::write(&notjson, "hello").unwrap();
    expect_error(
        &["decompose", "--from", &s(&notjson), "--method", "lp"],
        &[&s(&notjson), "line 1"],
    );
    let other = dir.path().join("other.json");
    std::fs::write(&other, "{\"a\": 1}").unwrap();
    expect_error(
        &["decompose", "--from", &s(&other), "--method", "lp"],
        &[&s(&other), "weights_file"],
    );
    let nulled = dir.path().join("nulled.json");
    std::fs::write(&nulled, "{\"weights_file\": null}").unwrap();
    expect_error(
        &["decompose", "--from", &s(&nulled), "--method", "lp"],
        &[&s(&nulled), "--weights"],
    );
    let dangling = dir.path().join("dangling.json");
    std::fs::write(&dangling, "{\"weights_file\": \"nowhere.json\"}").unwrap();
    expect_error(
        &["decompose", "--from", &s(&dangling), "--method", "lp"],
        &["nowhere.json"],
    );
    expect_error(
        &["decompose", "--from", &s(&relu_rec), "--method", "exact"],
        &[&s(&relu_w), "gated-relu"],
    );
    expect_error(
        &["decompose", "--from", &s(&relu_w), "--method", "nope"],
        &["nope"],
    );
    expect_error(
        &[
            "decompose",
            "--from",
            &s(&relu_w),
            "--method",
            "exact",
            "--tol=-1",
        ],
        &["tol"],
    );
    // An unwritable output is refused before any work.
    expect_error(
        &[
            "decompose",
            "--from",
            &s(&relu_w),
            "--method",
            "exact",
            "--out",
            &s(&dir.path().join("no/such/dir/out.json")),
        ],
        &["no/such/dir"],
    );
}
