//! `cvxrelu predict` end to end: trained with a held-back test file, the
//! predictions on those rows give the test metric stored in the training record,
//! and equal the convex model's predictions `Σ_i 1[X̃ g_i > 0] ⊙ (X̃ u_i)` computed
//! here from the weights file's own fields (an independent reader: `X̃` is the
//! preprocessing of the raw rows by the stored shift/factor/bias; for C-ReLU, whose
//! patterns hold on the training rows only, the network `Σ_j w2_j (w1_jᵀ x̃)₊`). Corrupt, old or
//! mismatched weights files and inputs exit 2 with one line naming the field.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = bin().args(args).output().expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Raw features far from standardized (offsets and scales), labels from a ReLU rule.
fn rows(n: usize, offset: usize, labels: bool) -> Vec<(Vec<f64>, f64)> {
    (offset..offset + n)
        .map(|i| {
            let t = i as f64;
            let x = vec![
                100.0 + 30.0 * (0.7 * t).sin(),
                -5.0 + 0.01 * (1.3 * t).cos(),
                2e3 * (0.37 * t + 1.0).sin(),
            ];
            let z = ((x[0] - 100.0) / 30.0 + (x[1] + 5.0) * 100.0).max(0.0) - 0.5;
            let y = if labels {
                if z > 0.0 { 1.0 } else { -1.0 }
            } else {
                z + 0.3 * (x[2] / 2e3)
            };
            (x, y)
        })
        .collect()
}

fn write_csv(path: &Path, rows: &[(Vec<f64>, f64)], with_y: bool) {
    let mut s = String::from(if with_y { "a,b,c,y\n" } else { "a,b,c\n" });
    for (x, y) in rows {
        let mut cells: Vec<String> = x.iter().map(|v| format!("{v:?}")).collect();
        if with_y {
            cells.push(format!("{y:?}"));
        }
        s += &cells.join(",");
        s.push('\n');
    }
    std::fs::write(path, s).unwrap();
}

fn read_predictions(text: &str) -> Vec<f64> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("y"), "header of {text}");
    lines.map(|l| l.parse::<f64>().unwrap()).collect()
}

/// The convex model's prediction on raw row `x`, from the weights file's JSON.
fn convex_prediction(w: &Value, x: &[f64]) -> f64 {
    let pre = &w["preprocess"];
    let f64s = |v: &Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_f64().unwrap())
            .collect()
    };
    let (shift, factor) = (f64s(&pre["shift"]), f64s(&pre["factor"]));
    let mut z: Vec<f64> = (0..x.len())
        .map(|j| (x[j] - shift[j]) / factor[j])
        .collect();
    if pre["bias"].as_bool().unwrap() {
        z.push(1.0);
    }
    let d = z.len();
    let gates: Vec<Vec<f64>> = w["gates"].as_array().unwrap().iter().map(f64s).collect();
    let dot = |a: &[f64]| a.iter().zip(&z).map(|(p, q)| p * q).sum::<f64>();
    let model = w["problem"]["model"].as_str().unwrap();
    let blocks = |v: &Value| f64s(&v["data"]);
    let mut out = 0.0;
    match model {
        "gated-relu" => {
            let u = blocks(&w["weights"]["u"]);
            for (i, g) in gates.iter().enumerate() {
                if dot(g) > 0.0 {
                    out += dot(&u[i * d..(i + 1) * d]);
                }
            }
        }
        "relu" => {
            // Off the training rows the C-ReLU patterns are not the ReLU's: the
            // network is `Σ_j second_j·max(0, first_j·z)` on the preprocessed row.
            for nu in w["network"]["neurons"].as_array().unwrap() {
                out += nu["second"].as_f64().unwrap() * dot(&f64s(&nu["first"])).max(0.0);
            }
            let _ = (blocks, d);
        }
        other => panic!("model {other}"),
    }
    out
}

struct Trained {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    weights: PathBuf,
    record: Value,
    test: Vec<(Vec<f64>, f64)>,
}

fn train(model: &str, solver: &str, labels: bool, scale: &str) -> Trained {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let (train, test) = (rows(60, 0, labels), rows(25, 1000, labels));
    write_csv(&dir.join("train.csv"), &train, true);
    write_csv(&dir.join("test.csv"), &test, true);
    write_csv(&dir.join("test_x.csv"), &test, false);
    let weights = dir.join("w.json");
    let s = |p: &str| dir.join(p).display().to_string();
    let r = run(&[
        "solve",
        "--data",
        &s("train.csv"),
        "--test",
        &s("test.csv"),
        "--model",
        model,
        "--lambda",
        "1e-3",
        "--patterns",
        "12",
        "--bias",
        "--scale",
        scale,
        "--solver",
        solver,
        "--weights",
        &s("w.json"),
        "--out",
        &s("r.json"),
    ]);
    assert_eq!(r.code, 0, "solve: {}", r.stderr);
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    Trained {
        _dir: tmp,
        dir,
        weights,
        record,
        test,
    }
}

fn check_held_back(t: &Trained, tol: f64) {
    let w: Value = serde_json::from_str(&std::fs::read_to_string(&t.weights).unwrap()).unwrap();
    // Inputs without targets: predictions only, to stdout.
    let r = run(&[
        "predict",
        "--weights",
        t.weights.to_str().unwrap(),
        "--data",
        t.dir.join("test_x.csv").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("no metric"), "{}", r.stderr);
    let pred = read_predictions(&r.stdout);
    assert_eq!(pred.len(), t.test.len());
    let mut worst = 0.0f64;
    for ((x, _), p) in t.test.iter().zip(&pred) {
        let expect = convex_prediction(&w, x);
        worst = worst.max((p - expect).abs() / expect.abs().max(1.0));
    }
    // Raw-input network vs the model on the preprocessed rows: equal up to rounding.
    assert!(worst <= tol, "predict vs convex model: {worst:e}");
    // Inputs with targets, to a file: the metric equals the training record's.
    let out = t.dir.join("pred.csv");
    let r = run(&[
        "predict",
        "--weights",
        t.weights.to_str().unwrap(),
        "--data",
        t.dir.join("test.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        read_predictions(&std::fs::read_to_string(&out).unwrap()),
        pred
    );
    let metric = t.record["metric"].as_str().unwrap();
    let stored = t.record["test_metric"].as_f64().unwrap();
    let line = r.stderr.trim();
    let printed: f64 = line
        .strip_prefix(&format!("predicted {} rows: {metric} ", t.test.len()))
        .unwrap_or_else(|| panic!("summary line: {line}"))
        .parse()
        .unwrap();
    assert_eq!(printed, stored, "test metric of predict vs training record");
}

#[test]
fn gated_classifier_predicts_held_back_rows_as_at_training_time() {
    let t = train("gated-relu", "fista", true, "standardize");
    assert_eq!(t.record["metric"], "accuracy");
    check_held_back(&t, 1e-9);
}

#[test]
fn relu_regressor_predicts_held_back_rows_as_at_training_time() {
    let t = train("relu", "clarabel", false, "unit-norm");
    assert_eq!(t.record["metric"], "mse");
    check_held_back(&t, 1e-9);
}

fn expect_refused(weights: &Path, data: &Path, needle: &str) {
    let r = run(&[
        "predict",
        "--weights",
        weights.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "stdout {} stderr {}", r.stdout, r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
    assert!(r.stderr.contains(needle), "'{needle}' not in: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn corrupt_old_and_mismatched_weights_exit_2_naming_the_field() {
    let t = train("gated-relu", "fista", true, "standardize");
    let data = t.dir.join("test_x.csv");
    let good: Value = serde_json::from_str(&std::fs::read_to_string(&t.weights).unwrap()).unwrap();
    let edited = |name: &str, f: &dyn Fn(&mut Value)| -> PathBuf {
        let mut v = good.clone();
        f(&mut v);
        let p = t.dir.join(name);
        std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
        p
    };
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            edited("old.json", &|v| v["version"] = 0.into()),
            "version 0",
        ),
        (
            edited("model.json", &|v| v["network"]["model"] = "relu".into()),
            "field network.model",
        ),
        (
            edited("pmodel.json", &|v| v["problem"]["model"] = "relu".into()),
            "field problem.model",
        ),
        (
            edited("shift.json", &|v| {
                v["preprocess"]["shift"][0] = 7.5.into();
            }),
            "raw_first",
        ),
        (
            edited("out.json", &|v| {
                v["network"]["neurons"][0]["output"] = 3.into()
            }),
            "field network.neurons[0].output",
        ),
        (
            edited("gate.json", &|v| {
                v["network"]["neurons"][0]["raw_gate"] = Value::Null;
            }),
            "field network.neurons[0].gate",
        ),
        (
            edited("pre.json", &|v| {
                v["preprocess"]["factor"].as_array_mut().unwrap().pop();
            }),
            "field preprocess",
        ),
    ];
    for (path, needle) in &cases {
        expect_refused(path, &data, needle);
    }
    let truncated = t.dir.join("truncated.json");
    let text = std::fs::read_to_string(&t.weights).unwrap();
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    expect_refused(&truncated, &data, "not a cvxrelu weights file");
    // Inputs of the wrong width, and targets of the wrong count.
    let narrow = t.dir.join("narrow.csv");
    std::fs::write(&narrow, "a,b\n1,2\n").unwrap();
    expect_refused(&t.weights, &narrow, "expected 3");
    let two = t.dir.join("two.csv");
    std::fs::write(&two, "a,b,c,y0,y1\n1,2,3,0,1\n").unwrap();
    expect_refused(
        &t.weights,
        &two,
        "2 target columns, but the network has 1 outputs",
    );
}
