//! What a solve shows while it runs: `--verbose` gives the native solvers'
//! iteration table (a row every `--log-every` iterations, a final line with the
//! certificate's gap), nothing reaches stdout but the record, and a stderr that is
//! not a terminal never gets progress-bar escape codes. Also: a decomposition's
//! status says what it made, and bench's per-run lines carry `[k/N, elapsed, ETA]`
//! without a terminal.

use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
}

fn data() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("problems/data/breast_cancer.csv")
        .display()
        .to_string()
}

fn solve(extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "solve",
        "--data",
        "DATA",
        "--model",
        "gated-relu",
        "--lambda",
        "1e-3",
        "--patterns",
        "10",
        "--split",
        "0.2",
        "--solver",
        "fista",
    ];
    args.extend_from_slice(extra);
    let d = data();
    let args: Vec<&str> = args
        .into_iter()
        .map(|a| if a == "DATA" { d.as_str() } else { a })
        .collect();
    let o = bin().args(&args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

#[test]
fn verbose_fista_logs_one_row_per_k_iterations_and_the_certified_gap() {
    let (code, stdout, stderr) = solve(&["--verbose", "--log-every", "200", "--out", "-"]);
    assert_eq!(code, 0, "{stderr}");
    let rec: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is the record only");
    let iterations = rec["iterations"].as_u64().unwrap() as usize;
    let gap = rec["relative_duality_gap"].as_f64().unwrap();
    assert!(gap <= 1e-6, "{gap}");
    let rows: Vec<Vec<&str>> = stderr
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() >= 2 && w[1] == "fista" && w[0].parse::<usize>().is_ok())
        .collect();
    let its: Vec<usize> = rows.iter().map(|w| w[0].parse().unwrap()).collect();
    // One row per 200 iterations (0, 200, 400, ...) and the last row at the end.
    let expected: Vec<usize> = (0..iterations).step_by(200).chain([iterations]).collect();
    assert_eq!(its, expected, "{stderr}");
    assert_eq!(rows.last().unwrap().last(), Some(&"*"), "last row marked");
    // Every row is the certified gap (the default stopping) against 1e-6.
    for w in &rows {
        assert_eq!(w[3], "gap", "{w:?}");
        assert_eq!(w[5].parse::<f64>().unwrap(), 1e-6);
    }
    let final_line = stderr.lines().find(|l| l.starts_with("final:")).unwrap();
    assert!(
        final_line.contains(&format!("certified relative duality gap {gap:.2e}")),
        "{final_line} vs {gap}"
    );
    assert!(final_line.contains(&format!("after {iterations} iterations")));
}

#[test]
fn non_terminal_output_has_no_escape_codes_and_stdout_only_the_record() {
    for extra in [&["--out", "-"][..], &["--out", "-", "--verbose"][..]] {
        let (code, stdout, stderr) = solve(extra);
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains('\x1b') && !stdout.contains('\x1b'));
        assert!(!stderr.contains('\r'), "{stderr:?}");
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap();
        if !extra.contains(&"--verbose") {
            assert!(
                !stderr.contains("iter "),
                "a log without --verbose: {stderr}"
            );
        }
        // The console names the metric in lower case.
        assert!(stderr.contains("train accuracy") && stderr.contains("test accuracy"));
    }
}

#[test]
fn decomposition_records_say_feasible_or_approximate_never_solved() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("g.json");
    let ws = w.display().to_string();
    let (code, _, stderr) = solve(&["--weights", &ws]);
    assert_eq!(code, 0, "{stderr}");
    for method in ["exact", "lp", "approx"] {
        let out = dir.path().join(format!("{method}.json"));
        let o = bin()
            .args(["decompose", "--from", &ws, "--method", method, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8(o.stderr).unwrap();
        assert_eq!(o.status.code(), Some(0), "{method}: {stderr}");
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let viol = r["max_cone_violation"].as_f64().unwrap();
        let status = r["status"].as_str().unwrap();
        let expected = if viol <= 1e-6 {
            "feasible"
        } else {
            "approximate"
        };
        assert_eq!(status, expected, "{method}: violation {viol}");
        if method != "approx" {
            assert_eq!(status, "feasible", "{method}");
        }
        assert_eq!(
            r["details"]["decomposition"]["decomposition_status"],
            "solved"
        );
        // The prediction change is measured on both splits and said so.
        let dec = &r["details"]["decomposition"];
        assert!(dec["prediction_change"].as_f64().is_some());
        assert!(dec["prediction_change_test"].as_f64().is_some(), "{dec}");
        assert!(stderr.contains("on the training rows") && stderr.contains("on the test rows"));
        // The status is shown with the certified gap and violation.
        assert!(stderr.contains(&format!("{status} by")), "{stderr}");
        assert!(stderr.contains("relative)") && stderr.contains("max cone violation"));
    }
}

#[test]
fn bench_lines_without_a_terminal_say_k_of_n_and_eta() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("s.toml");
    std::fs::write(
        &suite,
        r#"name = "tiny"
time-limit = 30.0
lambdas = [1e-2]

[[dataset]]
name = "s"
data = "synth:n=40,d=3,width=3,noise=0.1,seed=1"

[[model]]
kind = "gated-relu"
patterns = 5

[[solver]]
kind = "fista"

[[solver]]
kind = "clarabel"
"#,
    )
    .unwrap();
    let o = bin()
        .args(["bench", "--suite"])
        .arg(&suite)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(o.status.success(), "{stderr}");
    assert!(!stderr.contains('\x1b'), "{stderr:?}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(" elapsed, ETA "))
        .collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].contains("[1/2, ") && lines[1].contains("[2/2, "),
        "{stderr}"
    );
    assert!(lines[1].ends_with("ETA 0:00:00]"), "{stderr}");
}
