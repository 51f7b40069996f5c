//! The interior-point comparison (`cvxrelu::harness::ipm`, issue 14 item 8) on a
//! tiny input: two reference problems of `tests/data/reference` (their optimum
//! agreed by CVXPY + Clarabel, ECOS and SCS). Every Clarabel variant — faer or
//! QDLDL, quadratic or conic lowering, equilibration off, other static
//! regularisations — solves the same convex problem, so each must reach that
//! optimum; the tables name every variant and problem, times appear only when
//! asked, and a CVXPY file is matched to its problems.

use std::path::Path;

use cvxrelu::harness::ipm::{self, CvxpyFile};
use cvxrelu::solvers::Status;

fn tiny_reference(dir: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/reference");
    for f in ["synth.csv", "synth_gates.csv"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("objectives.json")).unwrap())
            .unwrap();
    let keep: Vec<_> = all["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["data"] == "synth.csv"
                && ((p["model"] == "gated-relu" && p["lambda"] == 0.01)
                    || (p["model"] == "relu" && p["lambda"] == 0.1))
        })
        .cloned()
        .collect();
    assert_eq!(keep.len(), 2);
    let doc = serde_json::json!({ "problems": keep });
    std::fs::write(dir.join("objectives.json"), doc.to_string()).unwrap();
}

#[test]
fn every_variant_reaches_the_reference_optimum() {
    let dir = tempfile::tempdir().unwrap();
    tiny_reference(dir.path());
    let problems = ipm::reference_problems(dir.path()).unwrap();
    assert_eq!(problems.len(), 2);
    let variants = ipm::variants();
    assert_eq!(variants[0].name, "default");
    assert_eq!(variants[0].settings, Default::default());
    let mut runs = Vec::new();
    for p in &problems {
        let r = ipm::run_problem(p, &variants, 0).unwrap();
        assert_eq!(r.len(), variants.len());
        for v in &r {
            assert_eq!(v.status, Status::Solved, "{} {}", v.problem, v.variant);
            assert!(v.correct(), "{v:?}");
            assert!(v.times.is_none());
        }
        // The conic lowering has one more variable (the epigraph) than the
        // quadratic one.
        let cols = |name: &str| r.iter().find(|v| v.variant == name).unwrap().cols;
        assert_eq!(cols("conic"), cols("default") + 1);
        runs.extend(r);
    }
    let table = ipm::iterations_table(&problems, &runs, None);
    for v in &variants {
        assert!(table.contains(v.name), "{table}");
    }
    for p in &problems {
        assert!(table.contains(&p.name), "{table}");
    }
    for row in table.lines().filter(|l| l.starts_with("| synth")) {
        assert!(!row.contains('*'), "no run is marked incorrect: {row}");
    }
    assert!(ipm::times_table(&problems, &runs, None).is_none());

    // A CVXPY file (the format scripts/cvxpy_clarabel.py writes) is matched to
    // its problem by data, model and λ; with timed runs, the ratio column shows.
    let p = &problems[0];
    let cvxpy: CvxpyFile = serde_json::from_value(serde_json::json!({
        "versions": {"cvxpy": "test"},
        "problems": [{
            "data": p.data, "model": p.model, "lambda": p.lambda,
            "status": "optimal", "iterations": 9, "objective": p.objective,
            "compile_s": 0.5, "solve_s": 0.25
        }]
    }))
    .unwrap();
    let timed = ipm::run_problem(p, &variants[..2], 1).unwrap();
    for v in &timed {
        let t = v.times.unwrap();
        assert_eq!(t.repeats, 1);
        assert!(t.setup_s > 0.0 && t.solve_s > 0.0);
        assert!(t.cpu_s.unwrap() > 0.0);
    }
    let with = ipm::iterations_table(&problems[..1], &timed, Some(&cvxpy));
    assert!(with.contains("9 (optimal)"), "{with}");
    let times = ipm::times_table(&problems[..1], &timed, Some(&cvxpy)).unwrap();
    assert!(times.contains("CVXPY + Clarabel") && times.contains("geometric mean"));
}

#[test]
fn a_missing_or_corrupt_reference_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let e = ipm::reference_problems(dir.path()).unwrap_err().to_string();
    assert!(e.contains("objectives.json"), "{e}");
    std::fs::write(dir.path().join("objectives.json"), "{\"problems\": [1]}").unwrap();
    let e = ipm::reference_problems(dir.path()).unwrap_err().to_string();
    assert!(e.contains("objectives.json") && e.contains("line 1"), "{e}");
}
