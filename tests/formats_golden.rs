//! Golden files: a tiny deterministic problem (tests/golden/tiny.csv, 4 examples ×
//! 2 features, 2 gates from tests/golden/tiny_gates.csv) exported in every format
//! must match the committed files byte for byte.
//!
//! Regenerate after an intended change of a writer (and review the diff):
//!
//! ```text
//! CVXRELU_BLESS=1 cargo test --release --test formats_golden
//! ```
//!
//! The files also change when the crate version (provenance line) or Clarabel's
//! default settings (Clarabel JSON) change.

use std::path::{Path, PathBuf};
use std::process::Command;

use cvxrelu::export::{self, Format};
use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer, Scaling};

fn spec(model: Model, reg: Regularizer) -> ProblemSpec {
    ProblemSpec {
        data: "tests/golden/tiny.csv".into(),
        test: None,
        split: None,
        split_seed: 0,
        model,
        lambda: 0.1,
        reg,
        patterns: None,
        seed: 0,
        gates: Some("tests/golden/tiny_gates.csv".into()),
        bias: false,
        scale: Scaling::None,
        target: None,
    }
}

/// (golden file, model, regularizer, format)
fn cases() -> Vec<(&'static str, Model, Regularizer, Format)> {
    vec![
        (
            "tiny_relu.cbf",
            Model::Relu,
            Regularizer::NeuronGl1,
            Format::Cbf,
        ),
        (
            "tiny_relu.mof.json",
            Model::Relu,
            Regularizer::NeuronGl1,
            Format::Mof,
        ),
        (
            "tiny_relu.clarabel.json",
            Model::Relu,
            Regularizer::NeuronGl1,
            Format::ClarabelJson,
        ),
        (
            "tiny_gated_l1.mps",
            Model::GatedRelu,
            Regularizer::L1,
            Format::Mps,
        ),
        (
            "tiny_gated_l2.mps",
            Model::GatedRelu,
            Regularizer::L2,
            Format::Mps,
        ),
        (
            "tiny_gated_l2.cbf",
            Model::GatedRelu,
            Regularizer::L2,
            Format::Cbf,
        ),
    ]
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

#[test]
fn every_format_matches_its_golden_file() {
    let bless = std::env::var_os("CVXRELU_BLESS").is_some();
    let mut mismatches = Vec::new();
    for (file, model, reg, format) in cases() {
        let problem = Problem::build(&spec(model, reg)).unwrap();
        let (bytes, _, _) = export::render_problem(&problem, format).unwrap();
        let path = golden(file);
        if bless {
            std::fs::write(&path, &bytes).unwrap();
            continue;
        }
        let expected = std::fs::read(&path).unwrap_or_else(|e| {
            panic!("{}: {e} (regenerate with CVXRELU_BLESS=1)", path.display())
        });
        if expected != bytes {
            mismatches.push(file);
        }
    }
    assert!(
        mismatches.is_empty(),
        "output differs from the golden files {mismatches:?} (if intended: CVXRELU_BLESS=1 cargo test --release --test formats_golden, then review the diff)"
    );
}

#[test]
fn cli_export_writes_the_golden_bytes_and_reports_size_and_dimensions() {
    let dir = tempfile::tempdir().unwrap();
    for (file, model, reg, format) in cases() {
        let out = dir.path().join(file);
        let record_path = dir.path().join(format!("{file}.record.json"));
        let status = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["export", "--data", "tests/golden/tiny.csv"])
            .args(["--gates", "tests/golden/tiny_gates.csv", "--scale", "none"])
            .args([
                "--model",
                model.name(),
                "--reg",
                reg.name(),
                "--lambda",
                "0.1",
            ])
            .args(["--format", format.name()])
            .arg("--output")
            .arg(&out)
            .arg("--out")
            .arg(&record_path)
            .output()
            .unwrap();
        assert_eq!(status.status.code(), Some(0), "{file}: {status:?}");
        let written = std::fs::read(&out).unwrap();
        assert_eq!(written, std::fs::read(golden(file)).unwrap(), "{file}");

        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&record_path).unwrap()).unwrap();
        assert_eq!(
            record["bytes"].as_u64(),
            Some(written.len() as u64),
            "{file}"
        );
        assert_eq!(record["format"], format.name());
        let problem = Problem::build(&spec(model, reg)).unwrap();
        let (program, _) = cvxrelu::compile::apply(&problem, format.lowering());
        let size = &record["size"];
        assert_eq!(size["cols"].as_u64(), Some(program.num_vars() as u64));
        assert_eq!(size["rows"].as_u64(), Some(program.num_rows() as u64));
        assert_eq!(size["nnz_a"].as_u64(), Some(program.a.nnz() as u64));
        assert_eq!(size["nnz_p"].as_u64(), Some(program.p.nnz() as u64));
        assert_eq!(size["cones"].as_u64(), Some(program.cones.len() as u64));
        let cone_rows = &record["cone_rows"];
        let total: u64 = ["zero_rows", "nonnegative_rows", "second_order_rows"]
            .iter()
            .map(|k| cone_rows[k].as_u64().unwrap())
            .sum();
        assert_eq!(total, program.num_rows() as u64);
        assert_eq!(record["problem"]["n"].as_u64(), Some(4));
        assert_eq!(record["problem"]["patterns"].as_u64(), Some(2));
    }
}

#[test]
fn mps_refuses_cones_with_exit_2_and_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mps");
    let o = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["export", "--data", "tests/golden/tiny.csv"])
        .args(["--gates", "tests/golden/tiny_gates.csv", "--scale", "none"])
        .args(["--model", "relu", "--lambda", "0.1", "--format", "mps"])
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("second-order cone"), "{err}");
    assert!(!out.exists(), "nothing is written on refusal");
}
