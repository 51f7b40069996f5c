//! External solvers through files (issue 14, item 7): a suite entry whose command
//! is this project's own `cvxrelu solve --cbf {instance} --write-solution
//! {solution}` reaches the optimum of the in-process Clarabel run, certified from
//! the weights the harness maps back; commands that write bad solution files, or
//! none, or overrun the limit, give records with a status and a reason, and the
//! suite goes on; suite files with bad external entries are refused by line.

use std::path::Path;

use cvxrelu::harness::bench::{BenchOptions, bench};
use cvxrelu::harness::store::read_all;
use cvxrelu::harness::{Suite, SuiteError};
use cvxrelu::results::Record;
use cvxrelu::solvers::{SolverDetails, Status};

const CLI: &str = env!("CARGO_BIN_EXE_cvxrelu");

/// A suite on one small generated dataset, both models, with `solvers` appended.
fn suite_text(time_limit: f64, solvers: &str) -> String {
    format!(
        r#"name = "ext"
time-limit = {time_limit}
lambdas = [1e-2]

[[dataset]]
name = "synth"
data = "synth:n=40,d=3,width=3,noise=0.1,seed=3"
scale = "standardize"
bias = true

[[model]]
kind = "gated-relu"
patterns = 6

[[model]]
kind = "relu"
patterns = 4

{solvers}
"#
    )
}

fn quiet() -> BenchOptions {
    BenchOptions {
        progress: false,
        log: false,
        ..BenchOptions::default()
    }
}

fn run_suite(dir: &Path, text: &str) -> Vec<Record> {
    let path = dir.join("suite.toml");
    std::fs::write(&path, text).unwrap();
    let suite = Suite::load(&path).unwrap();
    let out = dir.join("out");
    bench(&suite, &out, &quiet()).unwrap();
    read_all(&out).unwrap()
}

fn by_solver<'a>(records: &'a [Record], name: &str) -> Vec<&'a Record> {
    let v: Vec<&Record> = records.iter().filter(|r| r.solver == name).collect();
    assert!(!v.is_empty(), "no records of {name}");
    v
}

fn external(r: &Record) -> &cvxrelu::solvers::details::ExternalDetails {
    match &r.details.solver {
        Some(SolverDetails::External(e)) => e,
        other => panic!("not an external record: {other:?}"),
    }
}

#[test]
fn the_project_as_external_solver_reaches_the_in_process_optimum() {
    let dir = tempfile::tempdir().unwrap();
    let solvers = format!(
        r#"[[solver]]
kind = "clarabel"

[[solver]]
kind = "external"
name = "self"
command = "'{CLI}' solve --cbf {{instance}} --write-solution {{solution}} --tol 1e-10 --time-limit {{time_limit}}"
format = "cbf"
"#
    );
    let records = run_suite(dir.path(), &suite_text(30.0, &solvers));
    assert_eq!(records.len(), 4);
    for ext in by_solver(&records, "self") {
        let pid = &ext.run.as_ref().unwrap().problem_id;
        let reference = records
            .iter()
            .find(|r| r.solver == "clarabel" && &r.run.as_ref().unwrap().problem_id == pid)
            .unwrap();
        assert_eq!(ext.status, Status::Solved, "{pid}");
        assert_eq!(reference.status, Status::Solved, "{pid}");
        // The certificate is recomputed from the mapped-back weights: the same
        // optimum as the quadratic lowering solved in process.
        let rel = (ext.objective - reference.objective).abs() / reference.objective;
        assert!(
            rel <= 1e-6,
            "{pid}: {} vs {}",
            ext.objective,
            reference.objective
        );
        assert!(ext.max_cone_violation <= 1e-7, "{pid}");
        assert!(ext.active_neurons > 0);
        let d = external(ext);
        assert_eq!(d.exit_code, Some(0));
        assert!(!d.killed);
        assert_eq!(d.solver_status, Some(Status::Solved));
        // The solver's own objective of the conic instance agrees with the
        // certified objective of the model (the epigraph is tight at the optimum).
        let own = d.solver_objective.unwrap();
        assert!((own - ext.objective).abs() <= 1e-6 * ext.objective, "{pid}");
        assert!(d.instance_violation.unwrap() <= 1e-7);
        assert!(d.cpu_s.is_some());
        assert!(ext.iterations > 0);
        if ext.problem.model == cvxrelu::model::Model::GatedRelu {
            assert!(ext.relative_duality_gap.unwrap() <= 1e-4, "{pid}");
        }
    }
}

/// An external entry whose command is `sh -c SCRIPT sh {solution} {instance}`:
/// the script writes what it likes to `$1`.
fn shell_entry(name: &str, script: &str) -> String {
    format!(
        "[[solver]]\nkind = \"external\"\nname = \"{name}\"\nmodel = \"gated-relu\"\ncommand = '''sh -c '{script}' sh {{solution}} {{instance}}'''\n\n"
    )
}

#[test]
fn bad_solution_files_and_overruns_are_records_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    // The gated problem has P = 6 patterns and d = 4 (3 features + bias): its
    // conic instance has more than 3 variables, so `x 3` is the wrong length.
    let cases: &[(&str, &str, Status, &str)] = &[
        (
            "missing",
            "true",
            Status::NumericalError,
            "without a readable solution file",
        ),
        (
            "header",
            "printf \"hello\\n\" > $1",
            Status::NumericalError,
            "line 1: not a solution file",
        ),
        (
            "status",
            "printf \"cvxrelu-solution 1\\nstatus optimal\\n\" > $1",
            Status::NumericalError,
            "line 2: status: 'optimal' is not one of",
        ),
        (
            "nan",
            "printf \"cvxrelu-solution 1\\nstatus solved\\nx 2\\n1\\nnan\\n\" > $1",
            Status::NumericalError,
            "line 5: x[1]: NaN is not finite",
        ),
        (
            "short",
            "printf \"cvxrelu-solution 1\\nstatus solved\\nx 3\\n1\\n2\\n\" > $1",
            Status::NumericalError,
            "line 3: x: 3 values announced, 2 found",
        ),
        (
            "length",
            "printf \"cvxrelu-solution 1\\nstatus solved\\nx 3\\n1\\n2\\n3\\n\" > $1",
            Status::NumericalError,
            "solution has 3 entries",
        ),
        (
            "nopoint",
            "printf \"cvxrelu-solution 1\\nstatus infeasible\\n\" > $1; exit 3",
            Status::Infeasible,
            "",
        ),
        ("slow", "sleep 30", Status::TimeLimit, "killed after"),
    ];
    let mut solvers = String::new();
    for (name, script, _, _) in cases {
        solvers += &shell_entry(name, script);
    }
    solvers += "[[solver]]\nkind = \"external\"\nname = \"nosuch\"\nmodel = \"gated-relu\"\ncommand = \"/nonexistent/solver {instance} {solution}\"\n";
    let t = std::time::Instant::now();
    let records = run_suite(dir.path(), &suite_text(1.0, &solvers));
    // The slow command is killed at the limit plus the slack, not after 30 s.
    assert!(t.elapsed().as_secs_f64() < 20.0);
    assert_eq!(records.len(), cases.len() + 1);
    for (name, _, status, reason) in cases {
        let r = by_solver(&records, name)[0];
        assert_eq!(r.status, *status, "{name}: {:?}", r.details.error);
        let error = r.details.error.clone().unwrap_or_default();
        assert!(error.contains(reason), "{name}: '{error}' lacks '{reason}'");
        assert!(r.objective.is_nan(), "{name}: no point, no objective");
        let d = external(r);
        match *name {
            "slow" => {
                assert!(d.killed);
                assert!(r.time.solve_s >= 1.0 && r.time.solve_s < 10.0);
            }
            "nopoint" => {
                assert_eq!(d.exit_code, Some(3));
                assert_eq!(d.solver_status, Some(Status::Infeasible));
                assert!(r.details.error.is_none());
            }
            _ => assert!(!d.killed),
        }
    }
    let r = by_solver(&records, "nosuch")[0];
    assert_eq!(r.status, Status::NumericalError);
    assert!(
        r.details
            .error
            .as_deref()
            .unwrap()
            .contains("cannot start '/nonexistent/solver'")
    );
}

fn suite_error(solvers: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.toml");
    std::fs::write(&path, suite_text(5.0, solvers)).unwrap();
    match Suite::load(&path) {
        Err(e @ SuiteError::At { .. }) => e.to_string(),
        Err(e) => panic!("error without a line: {e}"),
        Ok(_) => panic!("accepted:\n{solvers}"),
    }
}

#[test]
fn bad_external_entries_are_refused_by_line() {
    let head = "[[solver]]\nkind = \"external\"\n";
    // The suite's [[solver]] table starts on line 19 of suite_text.
    for (entry, line, message) in [
        (format!("{head}name = \"a\"\n"), 20, "needs command"),
        (
            format!("{head}command = \"x {{instance}}\"\n"),
            21,
            "must contain {solution}",
        ),
        (
            format!("{head}command = \"x {{instance}} {{solution}} {{seed}}\"\n"),
            21,
            "unknown placeholder {seed}",
        ),
        (
            format!("{head}command = \"x {{instance}} {{solution}} {{tol}}\"\n"),
            21,
            "{tol} is used but the entry gives no tol",
        ),
        (
            format!("{head}command = \"x '{{instance}} {{solution}}\"\n"),
            21,
            "unbalanced",
        ),
        (
            format!("{head}command = \"x {{instance}} {{solution}}\"\nformat = \"mps\"\n"),
            22,
            "external solvers read cbf instances",
        ),
        (
            "[[solver]]\nkind = \"fista\"\ncommand = \"x {instance} {solution}\"\n".into(),
            21,
            "command applies only to kind = \"external\"",
        ),
        (
            format!("{head}command = \"x {{instance}} {{solution}}\"\ndecompose = \"exact\"\n"),
            22,
            "decompose: needs a convex solver",
        ),
        (
            format!("{head}command = \"x {{instance}} {{solution}}\"\nbatch-size = 4\n"),
            22,
            "batch-size applies only to sgd and adam",
        ),
    ] {
        let e = suite_error(&entry);
        assert!(
            e.contains(&format!("line {line}: ")) && e.contains(message),
            "{entry}\n→ {e}"
        );
    }
}
