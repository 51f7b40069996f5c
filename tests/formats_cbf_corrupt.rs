//! `cvxrelu solve --cbf FILE`: hand-written files with known optima solve and
//! print a CBF record; every kind of corrupt file exits with code 2 and one line
//! on stderr naming the file and the line.

use std::process::{Command, Output};

/// min x0 + x1 + x2 + 1  s.t. (x0, 3, 4) ∈ Q, x1 − 2 ≥ 0, (x2, 1, 2) ∈ QR.
/// Optimum: x0 = 5, x1 = 2, x2 = 2 (2·x2·1 ≥ 4): objective 10.
const BASE: &str = "# hand-written: min x0 + x1 + x2 + 1
VER
3

OBJSENSE
MIN

VAR
3 1
F 3

CON
7 3
Q 3
L+ 1
QR 3

OBJACOORD
3
0 1
1 1
2 1

OBJBCOORD
1

ACOORD
3
0 0 1
3 1 1
4 2 1

BCOORD
5
1 3
2 4
3 -2
5 1
6 2
";

/// max x0 + 2 x1  s.t. x0 ≥ 0 (VAR domain), x0 + x1 − 4 ≤ 0, x1 − 1 = 0: value 5.
const MAX_FILE: &str = "VER
3
OBJSENSE
MAX
VAR
2 2
L+ 1
F 1
CON
2 2
L- 1
L= 1
OBJACOORD
2
0 1
1 2
ACOORD
3
0 0 1
0 1 1
1 1 1
BCOORD
2
0 -4
1 -1
";

fn run(text: &str, extra: &[&str]) -> (Output, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.cbf");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args(["solve", "--cbf"])
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    (out, path, dir)
}

fn solve_record(text: &str) -> serde_json::Value {
    let (out, _, _dir) = run(text, &["--solver", "clarabel", "--out", "-"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn hand_written_files_solve_to_their_known_optima() {
    let rec = solve_record(BASE);
    assert_eq!(rec["status"], "solved");
    let obj = rec["objective"].as_f64().unwrap();
    assert!((obj - 10.0).abs() < 1e-6, "{obj}");
    assert!(rec["max_violation"].as_f64().unwrap() < 1e-7);
    assert_eq!(rec["cbf"]["vars"], 3);
    assert_eq!(rec["cbf"]["constraint_rows"], 7);
    assert_eq!(rec["cbf"]["cones"]["nonnegative_rows"], 1);
    assert_eq!(rec["cbf"]["cones"]["second_order_cones"], 2);
    assert_eq!(
        rec["cbf"]["comments"][0],
        "hand-written: min x0 + x1 + x2 + 1"
    );

    let rec = solve_record(MAX_FILE);
    assert_eq!(rec["cbf"]["sense"], "max");
    let obj = rec["objective"].as_f64().unwrap();
    assert!((obj - 5.0).abs() < 1e-6, "{obj}");
    let dual = rec["dual_objective"].as_f64().unwrap();
    assert!((dual - 5.0).abs() < 1e-6, "{dual}");
    assert_eq!(rec["cbf"]["cones"]["zero_rows"], 1);
    assert_eq!(rec["cbf"]["cones"]["nonnegative_rows"], 2);
}

#[test]
fn cbf_needs_the_clarabel_solver_and_no_problem_flags() {
    let (out, _, _d) = run(BASE, &["--solver", "fista"]);
    assert_eq!(out.status.code(), Some(2));
    let (out, _, _d) = run(BASE, &["--model", "relu"]);
    assert_eq!(out.status.code(), Some(2));
}

/// 1-based number of the first line equal to `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l == needle)
        .unwrap_or_else(|| panic!("'{needle}' not in the file"))
        + 1
}

fn replace_line(text: &str, old: &str, new: &str) -> String {
    let mut done = false;
    let lines: Vec<&str> = text
        .lines()
        .map(|l| {
            if !done && l == old {
                done = true;
                new
            } else {
                l
            }
        })
        .collect();
    assert!(done, "'{old}' not in the file");
    lines.join("\n") + "\n"
}

fn expect_error(name: &str, text: &str, line: usize, fragment: &str) {
    let (out, path, _dir) = run(text, &["--solver", "clarabel"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{name}: one line: {err}");
    assert!(
        err.contains(&path.display().to_string()),
        "{name}: names the file: {err}"
    );
    assert!(
        err.contains(&format!("line {line}:")),
        "{name}: line {line}: {err}"
    );
    assert!(err.contains(fragment), "{name}: '{fragment}': {err}");
}

#[test]
fn corrupt_files_exit_2_with_their_line() {
    // Truncated in the middle of ACOORD: the error is at the end of the file.
    let cut = BASE.find("3 1 1\n").unwrap();
    let truncated = &BASE[..cut];
    expect_error(
        "truncated",
        truncated,
        truncated.lines().count() + 1,
        "end of file",
    );

    // Wrong counts.
    let t = replace_line(BASE, "F 3", "F 2");
    expect_error("VAR total", &t, line_of(&t, "3 1"), "declares 3 variables");
    let t = replace_line(BASE, "7 3", "8 3");
    expect_error("CON total", &t, line_of(&t, "8 3"), "declares 8 rows");
    let t = replace_line(BASE, "QR 3", "BCOORD");
    expect_error("CON cone count", &t, line_of(&t, "BCOORD"), "ends early");
    let t = BASE.replacen("\nACOORD\n3\n", "\nACOORD\n4\n", 1);
    expect_error(
        "ACOORD too few",
        &t,
        line_of(&t, "BCOORD"),
        "ACOORD ends early",
    );
    let t = BASE.replacen("\nACOORD\n3\n", "\nACOORD\n2\n", 1);
    expect_error(
        "ACOORD too many",
        &t,
        line_of(&t, "4 2 1"),
        "expected a section keyword",
    );

    // Unknown keyword, unknown cone, unsupported cones and sections.
    let t = replace_line(BASE, "OBJBCOORD", "OBJCCOORD");
    expect_error("keyword", &t, line_of(&t, "OBJCCOORD"), "unknown keyword");
    let t = replace_line(BASE, "QR 3", "QX 3");
    expect_error("cone", &t, line_of(&t, "QX 3"), "unknown cone");
    let t = replace_line(BASE, "QR 3", "EXP 3");
    expect_error("exp cone", &t, line_of(&t, "EXP 3"), "not supported");
    let t = BASE.replacen("CON\n", "PSDCON\n1\n2\n\nCON\n", 1);
    expect_error("psd", &t, line_of(&t, "PSDCON"), "semidefinite");
    let t = BASE.replacen("CON\n", "INT\n1\n0\n\nCON\n", 1);
    expect_error("integers", &t, line_of(&t, "INT"), "integer");

    // Bad numbers.
    let t = replace_line(BASE, "3 1 1", "3 1 abc");
    expect_error(
        "number",
        &t,
        line_of(&t, "3 1 abc"),
        "bad coefficient 'abc'",
    );
    let t = replace_line(BASE, "3 -2", "3 nan");
    expect_error("nan", &t, line_of(&t, "3 nan"), "finite");
    let t = replace_line(BASE, "7 3", "7 x");
    expect_error("count", &t, line_of(&t, "7 x"), "non-negative integer");
    let t = replace_line(BASE, "3 1 1", "3 1 1 5");
    expect_error("fields", &t, line_of(&t, "3 1 1 5"), "expected 3 field(s)");

    // Indices out of range.
    let t = replace_line(BASE, "3 1 1", "7 1 1");
    expect_error("row", &t, line_of(&t, "7 1 1"), "row index 7 out of range");
    let t = replace_line(BASE, "3 1 1", "3 3 1");
    expect_error(
        "column",
        &t,
        line_of(&t, "3 3 1"),
        "variable index 3 out of range",
    );
    let t = replace_line(BASE, "2 1", "9 1");
    expect_error("objective index", &t, line_of(&t, "9 1"), "out of range");

    // Structure: duplicates, order, version.
    let t = BASE.replacen("VAR\n", "OBJSENSE\nMIN\n\nVAR\n", 1);
    let second = t
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == "OBJSENSE")
        .nth(1)
        .unwrap()
        .0
        + 1;
    expect_error("duplicate", &t, second, "duplicate section OBJSENSE");
    let t = BASE.replacen("VER\n3\n", "", 1);
    expect_error("no VER", &t, line_of(&t, "OBJSENSE"), "before VER");
    let t = replace_line(BASE, "3", "9");
    expect_error("version", &t, line_of(&t, "9"), "unsupported CBF version 9");
    let t = replace_line(BASE, "MIN", "MINIMIZE");
    expect_error("sense", &t, line_of(&t, "MINIMIZE"), "MIN or MAX");
}

#[test]
fn missing_file_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args(["solve", "--cbf", "/nonexistent/p.cbf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
