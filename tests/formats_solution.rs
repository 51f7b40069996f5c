//! The solution file (`cvxrelu-solution 1`, `export::solution`): writer and
//! reader are inverses on every value a file can hold; every malformed file is an
//! error naming its line; `cvxrelu solve --cbf FILE --write-solution SOL` writes a
//! file whose point, read back and evaluated by the independent CBF reader, has
//! the objective and feasibility the solve reported.

use std::process::Command;

use cvxrelu::export::cbf;
use cvxrelu::export::solution::{self, STATUSES, SolutionText};
use cvxrelu::solvers::Status;

#[test]
fn writer_and_reader_are_inverses() {
    let extreme = vec![
        0.0,
        -0.0_f64.abs(),
        1.0 / 3.0,
        -2.5e-300,
        5e-324,
        -1.7976931348623157e308,
        123456789.123,
        1e-5,
        std::f64::consts::PI,
    ];
    let mut files = vec![
        SolutionText::status_only(Status::Infeasible),
        SolutionText {
            status: Status::Solved,
            objective: Some(0.015958986961),
            iterations: Some(14),
            solve_s: Some(0.031),
            solver: Some("scs 3.2.7 (direct)".into()),
            x: Some(extreme),
        },
        SolutionText {
            x: Some(Vec::new()),
            ..SolutionText::status_only(Status::Inaccurate)
        },
    ];
    for s in STATUSES {
        files.push(SolutionText {
            x: Some(vec![1.0, -1.0]),
            ..SolutionText::status_only(s)
        });
    }
    for f in files {
        let text = solution::write(&f).unwrap();
        assert_eq!(solution::read(&text).unwrap(), f, "{text}");
    }
    // Comments and blank lines anywhere; keys in any order.
    let text = "# by hand\n\ncvxrelu-solution 1\niterations 3\n# a note\nstatus max_iterations\nx 2\n1.5\n\n-2e-3\n";
    let f = solution::read(text).unwrap();
    assert_eq!(f.status, Status::MaxIterations);
    assert_eq!(f.iterations, Some(3));
    assert_eq!(f.x, Some(vec![1.5, -2e-3]));
    // Non-finite numbers are not written: the vector is refused, optional
    // numbers are left out.
    let bad = SolutionText {
        x: Some(vec![1.0, f64::NAN]),
        ..SolutionText::status_only(Status::Solved)
    };
    assert!(solution::write(&bad).unwrap_err().message.contains("x[1]"));
    let f = SolutionText {
        objective: Some(f64::INFINITY),
        ..SolutionText::status_only(Status::Unbounded)
    };
    assert_eq!(
        solution::read(&solution::write(&f).unwrap()).unwrap(),
        SolutionText::status_only(Status::Unbounded)
    );
}

#[test]
fn malformed_files_name_their_line() {
    let h = "cvxrelu-solution 1\n";
    for (text, line, fragment) in [
        ("".to_string(), 0, "empty"),
        ("# only a comment\n".to_string(), 0, "empty"),
        ("cvxrelu-solution 2\nstatus solved\n".into(), 1, "version 2"),
        ("solution 1\n".into(), 1, "not a solution file"),
        (format!("{h}x 1\n1\n"), 0, "no 'status' line"),
        (format!("{h}status done\n"), 2, "'done' is not one of"),
        (format!("{h}status skipped\n"), 2, "'skipped' is not one of"),
        (
            format!("{h}status solved\nstatus solved\n"),
            3,
            "given twice",
        ),
        (
            format!("{h}status solved\ngap 1e-3\n"),
            3,
            "unknown key 'gap'",
        ),
        (
            format!("{h}status solved\nobjective abc\n"),
            3,
            "not a number",
        ),
        (
            format!("{h}status solved\nobjective inf\n"),
            3,
            "not finite",
        ),
        (format!("{h}status solved\nsolve_s -1\n"), 3, "negative"),
        (
            format!("{h}status solved\niterations 1.5\n"),
            3,
            "not a count",
        ),
        (format!("{h}status solved\nx -1\n"), 3, "not a length"),
        (
            format!("{h}status solved\nx 2\n1\n"),
            3,
            "2 values announced, 1 found",
        ),
        (
            format!("{h}status solved\nx 1\n1\n2\n"),
            5,
            "after the 1 values",
        ),
        (
            format!("{h}status solved\nx 2\n1\nNaN\n"),
            5,
            "x[1]: NaN is not finite",
        ),
        (
            format!("{h}status solved\nx 2\n1\n1,5\n"),
            5,
            "x[1]: '1,5' is not a number",
        ),
    ] {
        let e = solution::read(&text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(e.to_string().contains(fragment), "{text:?}: {e}");
        if line > 0 {
            assert!(e.to_string().starts_with(&format!("line {line}: ")));
        }
    }
}

#[test]
fn solve_cbf_writes_a_solution_the_cbf_reader_confirms() {
    let dir = tempfile::tempdir().unwrap();
    let instance = dir.path().join("p.cbf");
    let sol = dir.path().join("p.sol");
    let rec = dir.path().join("r.json");
    let st = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args([
            "export",
            "--data",
            "synth:n=50,d=3,width=3,noise=0.1,seed=1",
            "--model",
            "relu",
            "--lambda",
            "1e-2",
            "--patterns",
            "5",
            "--format",
            "cbf",
            "--output",
        ])
        .arg(&instance)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let st = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args(["solve", "--tol", "1e-10", "--cbf"])
        .arg(&instance)
        .arg("--write-solution")
        .arg(&sol)
        .arg("--out")
        .arg(&rec)
        .output()
        .unwrap();
    assert_eq!(
        st.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&rec).unwrap()).unwrap();
    let file = solution::read(&std::fs::read_to_string(&sol).unwrap()).unwrap();
    assert_eq!(file.status, Status::Solved);
    let x = file.x.expect("a solved file carries x");
    let problem = cbf::read(&std::fs::read_to_string(&instance).unwrap()).unwrap();
    assert_eq!(x.len(), problem.num_vars);
    assert_eq!(x.len() as u64, record["cbf"]["vars"].as_u64().unwrap());
    // The point read back has the objective the solve reported, and is feasible.
    let objective = problem.objective(&x);
    assert_eq!(objective, record["objective"].as_f64().unwrap());
    assert_eq!(file.objective, Some(objective));
    assert!(problem.program.max_violation(&x) <= 1e-8);
    assert_eq!(
        file.iterations,
        Some(record["iterations"].as_u64().unwrap() as usize)
    );

    // --write-solution needs --cbf: a usage error (exit 2), no panic.
    let st = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args([
            "solve",
            "--data",
            "synth:n=20,d=2,width=2,noise=0.1,seed=1",
            "--model",
            "relu",
            "--lambda",
            "1e-2",
            "--patterns",
            "3",
            "--write-solution",
        ])
        .arg(&sol)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    // An unwritable solution path is refused before the solve.
    let st = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args(["solve", "--cbf"])
        .arg(&instance)
        .arg("--write-solution")
        .arg(dir.path().join("no/such/dir/p.sol"))
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(err.contains("p.sol") && err.lines().count() == 1, "{err}");
}
