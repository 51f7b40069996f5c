//! The tiny suite end to end through the CLI: bench writes one certified record per
//! run, solvers agree on the optimum, report writes the Markdown, CSV and SVGs;
//! `--resume` then has nothing to do; a corrupt record makes `report` fail naming it.

use std::path::{Path, PathBuf};
use std::process::Command;

use cvxrelu::harness::metrics::reference_optima;
use cvxrelu::harness::store::read_all;
use cvxrelu::harness::{Suite, expand};
use cvxrelu::solvers::{SolverKind, Status};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
}

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("problems/tiny.toml")
}

#[test]
fn tiny_suite_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let st = bin()
        .args(["bench", "--quiet", "--suite"])
        .arg(tiny())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());

    let suite = Suite::load(&tiny()).unwrap();
    let runs = expand(&suite);
    let records = read_all(&out).unwrap();
    assert_eq!(records.len(), runs.len());
    let mut ids: Vec<&str> = records
        .iter()
        .map(|r| r.run.as_ref().unwrap().id.as_str())
        .collect();
    ids.sort();
    let mut want: Vec<&str> = runs.iter().map(|r| r.info.id.as_str()).collect();
    want.sort();
    assert_eq!(ids, want);

    // Every convex solver reaches a certified optimum, and they agree on it.
    let fs = reference_optima(&records);
    for r in &records {
        let kind = r.run.as_ref().unwrap().solver.kind;
        let pid = &r.run.as_ref().unwrap().problem_id;
        assert!(r.objective.is_finite(), "{pid} {kind:?}");
        match kind {
            SolverKind::Clarabel => {
                assert_eq!(r.status, Status::Solved, "{pid}");
                assert!(r.max_cone_violation <= 1e-6);
                assert!((r.objective - fs[pid]) / fs[pid] <= 1e-6, "{pid}");
            }
            SolverKind::Fista => {
                assert!(r.relative_duality_gap.unwrap() <= 1e-6, "{pid}");
                assert!((r.objective - fs[pid]) / fs[pid] <= 1e-6, "{pid}");
            }
            SolverKind::Al => assert!(r.max_cone_violation <= 1e-6, "{pid}"),
            SolverKind::External => unreachable!("the suite has no external entry"),
            SolverKind::Sgd | SolverKind::Adam => {
                assert!(
                    serde_json::to_value(&r.details)
                        .unwrap()
                        .get("grid")
                        .is_some()
                );
                assert_eq!(r.trace.first().unwrap().iteration, 0);
                // A gated network maps onto a C-GReLU point: never below the optimum.
                if r.problem.model == cvxrelu::model::Model::GatedRelu {
                    assert!(r.objective >= fs[pid] * (1.0 - 1e-9), "{pid}");
                    assert!(r.dual_objective.unwrap() <= fs[pid] * (1.0 + 1e-9));
                }
            }
        }
    }

    let st = bin().arg("report").arg(&out).status().unwrap();
    assert!(st.success());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for s in [
        "clarabel",
        "fista",
        "al",
        "sgd",
        "adam",
        "Every run of the suite",
    ] {
        assert!(md.contains(s), "report.md lacks {s}");
    }
    let csv = std::fs::read_to_string(out.join("records.csv")).unwrap();
    assert_eq!(csv.lines().count(), runs.len() + 1);
    for t in ["1e-1", "1e-3", "1e-6"] {
        let svg = std::fs::read_to_string(out.join(format!("profile-tau-{t}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("fista") && svg.contains("clarabel"));
        let ratio =
            std::fs::read_to_string(out.join(format!("ratio-profile-tau-{t}.svg"))).unwrap();
        assert!(ratio.starts_with("<svg") && ratio.contains("ratio profile"));
    }
    for s in [
        "## Performance-ratio profiles",
        "## Certified brackets on f*",
        "## Status audit",
    ] {
        assert!(md.contains(s), "report.md lacks {s}");
    }
    // The machine record: in the manifest, parsed, and at the top of the report.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let m = &manifest["machine"];
    let cores = std::thread::available_parallelism().unwrap().get() as u64;
    assert_eq!(m["logical_cores"].as_u64(), Some(cores));
    assert_eq!(m["threads_used"].as_u64(), Some(1));
    assert_eq!(m["cvxrelu_version"], env!("CARGO_PKG_VERSION"));
    assert!(m["load_start"].as_array().is_some_and(|a| a.len() == 3));
    assert!(m["load_end"].as_array().is_some_and(|a| a.len() == 3));
    // The Clarabel version, read independently from the lock file.
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
    let at = lock.find("name = \"clarabel\"\nversion = \"").unwrap();
    let v = lock[at..].split('"').nth(3).unwrap();
    assert_eq!(m["clarabel_version"], v);
    assert!(
        md.contains("Machine: ") && md.contains(&format!("Clarabel {v}")),
        "{md}"
    );
    // The suite fingerprint of the manifest is in the report's header.
    let fp = manifest["fingerprint"]
        .as_str()
        .expect("manifest fingerprint");
    assert!(
        md.contains(&format!("suite fingerprint {fp}")),
        "report header lacks the fingerprint {fp}"
    );

    // Without --resume an existing directory is refused; with it nothing is redone.
    let o = bin()
        .args(["bench", "--quiet", "--suite"])
        .arg(tiny())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
    let o = bin()
        .args(["bench", "--resume", "--quiet", "--suite"])
        .arg(tiny())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(
        msg.contains(&format!("{} already done, 0 run now", runs.len())),
        "{msg}"
    );

    // A corrupt record: report warns naming the file and reports the rest (issue 12).
    let victim = out
        .join("records")
        .join(format!("{}.json", runs[3].info.id));
    std::fs::write(&victim, "{\"problem\": {\"data\": ").unwrap();
    let o = bin().arg("report").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].contains(&victim.display().to_string()), "{err}");
}
