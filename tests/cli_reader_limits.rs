//! Files whose headers or declared shapes disagree with their content, through the
//! CLI: each exits 2 with one line naming the file and what is wrong (before the
//! fix: an abort in the allocator, a capacity-overflow panic, 6 GB of memory, an
//! index panic in `decompose`). The inputs are the committed fuzz regressions of
//! `fuzz/crashes/`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn crash(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/crashes")
        .join(rel);
    assert!(p.is_file(), "missing regression input {}", p.display());
    p
}

/// Run the CLI (with RUST_BACKTRACE unset: a panic would print one line less, not
/// hide itself) and return (exit code, stderr).
fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_refused(args: &[&str], file: &Path, fragments: &[&str]) {
    let (code, err) = run(args);
    assert_eq!(code, 2, "{args:?}: exit {code}, stderr {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(&file.display().to_string()),
        "names the file: {err}"
    );
    for f in fragments {
        assert!(err.contains(f), "'{f}' in: {err}");
    }
}

#[test]
fn cbf_headers_larger_than_memory_exit_2_with_the_estimate() {
    for (name, vars) in [
        ("var_1e11_aborted.cbf", "100000000000 variables"),
        (
            "var_u64max_capacity_overflow.cbf",
            "18446744073709551615 variables",
        ),
        ("var_1e8_grew_to_6GB.cbf", "100000000 variables"),
    ] {
        let f = crash(&format!("cbf/{name}"));
        let s = f.display().to_string();
        assert_refused(
            &["solve", "--cbf", &s, "--solver", "clarabel"],
            &f,
            &[
                vars,
                "GiB",
                "above the memory limit of 8.000 GiB",
                "--max-memory",
            ],
        );
    }
}

#[test]
fn cbf_memory_limit_follows_max_memory() {
    // 2e5 variables: an estimated 0.09 GiB; refused under 64 MiB, solved under the default.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("wide.cbf");
    std::fs::write(
        &f,
        "VER\n3\nOBJSENSE\nMIN\nVAR\n200000 2\nL+ 1\nF 199999\nOBJACOORD\n1\n0 1\n",
    )
    .unwrap();
    let s = f.display().to_string();
    assert_refused(
        &[
            "solve",
            "--cbf",
            &s,
            "--solver",
            "clarabel",
            "--max-memory",
            "64M",
        ],
        &f,
        &[
            "200000 variables",
            "0.089 GiB",
            "above the memory limit of 0.062 GiB",
        ],
    );
    let (code, err) = run(&["solve", "--cbf", &s, "--solver", "clarabel"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("200000 variables, 1 rows"), "{err}");
}

#[test]
fn weights_whose_data_disagree_with_their_shape_exit_2_naming_the_field() {
    for (name, field) in [
        (
            "u_data_shorter_than_shape.json",
            "field weights.u.data: 9 values, but the shape c=1 × p=4 × d=3 needs 12",
        ),
        (
            "w_shape_differs_from_v.json",
            "field weights.w: shape (c=1, p=3, d=3) differs",
        ),
        (
            "gates_fewer_than_patterns.json",
            "field gates: 3 gates, but the weights have p=4",
        ),
    ] {
        let f = crash(&format!("weights/{name}"));
        let s = f.display().to_string();
        assert_refused(
            &["decompose", "--from", &s, "--method", "exact"],
            &f,
            &[field],
        );
    }
}

#[test]
fn the_uncorrupted_weights_still_decompose() {
    // The seed the corrupt files were made from is accepted (the checks refuse only
    // the corruption).
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/weights/gated-relu.json");
    let (code, err) = run(&[
        "decompose",
        "--from",
        &seed.display().to_string(),
        "--method",
        "exact",
    ]);
    assert_eq!(code, 0, "{err}");
}
