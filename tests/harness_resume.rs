//! Interruptions and shards: a bench killed mid-suite leaves only complete records,
//! `--resume` completes it without redoing or duplicating anything; the union of
//! shards is the suite.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cvxrelu::harness::bench::{BenchOptions, select};
use cvxrelu::harness::store::{read_all, records_dir};
use cvxrelu::harness::{Shard, Suite, expand};

const SUITE: &str = r#"
name = "interrupt"
time-limit = 30.0
lambdas = [1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1, 2e-1]

[[dataset]]
name = "synth"
data = "synth:n=1500,d=10,width=4,noise=0.1,seed=5"
split = 0.2

[[model]]
kind = "gated-relu"
patterns = 20

[[solver]]
kind = "fista"

[[solver]]
kind = "sgd"
max-iters = 40
batch-size = 16
"#;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(records_dir(dir))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn killed_bench_resumes_without_losses_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let suite_path = dir.path().join("interrupt.toml");
    std::fs::write(&suite_path, SUITE).unwrap();
    let out = dir.path().join("res");
    let total = expand(&Suite::load(&suite_path).unwrap()).len();

    let mut child = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args(["bench", "--quiet", "--suite"])
        .arg(&suite_path)
        .arg("--out")
        .arg(&out)
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let n = records_dir(&out).read_dir().map(|d| d.count()).unwrap_or(0);
        if n >= 3 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "bench made no progress"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up.
    child.wait().unwrap();

    // Only complete records (read_all fails on any unreadable .json), fewer than all.
    let before = files(&out);
    let parsed = read_all(&out).unwrap();
    assert_eq!(parsed.len(), before.len());
    assert!(
        before.len() < total,
        "the suite finished before the kill: make it longer"
    );

    let st = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args(["bench", "--quiet", "--resume", "--suite"])
        .arg(&suite_path)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let after = files(&out);
    // Nothing lost or redone: every record from before is byte-identical.
    for (name, bytes) in &before {
        assert_eq!(after.get(name), Some(bytes), "{name} changed on resume");
    }
    // Nothing missing or duplicated: exactly one record per run of the suite.
    let records = read_all(&out).unwrap();
    let mut ids: Vec<String> = records
        .iter()
        .map(|r| r.run.as_ref().unwrap().id.clone())
        .collect();
    ids.sort();
    let mut want: Vec<String> = expand(&Suite::load(&suite_path).unwrap())
        .into_iter()
        .map(|r| r.info.id)
        .collect();
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(ids.len(), total);
}

#[test]
fn union_of_shards_is_the_suite() {
    let suite =
        Suite::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("problems/default.toml")).unwrap();
    let all: Vec<String> = expand(&suite).into_iter().map(|r| r.info.id).collect();
    assert_eq!(all.len(), 135);
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "run ids are unique");
    for n in 1..=7 {
        let mut union = Vec::new();
        for k in 1..=n {
            let opts = BenchOptions {
                shard: Shard { k, n },
                ..Default::default()
            };
            let part: Vec<String> = select(&suite, &opts)
                .unwrap()
                .into_iter()
                .map(|r| r.info.id)
                .collect();
            // Deterministic: selecting again gives the same runs in the same order.
            let again: Vec<String> = select(&suite, &opts)
                .unwrap()
                .into_iter()
                .map(|r| r.info.id)
                .collect();
            assert_eq!(part, again);
            union.extend(part);
        }
        union.sort();
        assert_eq!(union, unique, "shards of {n}: disjoint and covering");
    }
    assert!("0/3".parse::<Shard>().is_err());
    assert!("4/3".parse::<Shard>().is_err());
    assert!("1/0".parse::<Shard>().is_err());
    assert_eq!("2/3".parse::<Shard>(), Ok(Shard { k: 2, n: 3 }));
}

#[test]
fn shards_run_into_one_directory_make_the_whole_suite() {
    let dir = tempfile::tempdir().unwrap();
    let suite_path = dir.path().join("s.toml");
    std::fs::write(
        &suite_path,
        SUITE
            .replace("n=1500", "n=200")
            .replace("max-iters = 40", "max-iters = 2"),
    )
    .unwrap();
    let out = dir.path().join("res");
    for k in 1..=3 {
        let st = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
            .args(["bench", "--quiet", "--shard", &format!("{k}/3"), "--suite"])
            .arg(&suite_path)
            .arg("--out")
            .arg(&out)
            .status()
            .unwrap();
        assert!(st.success());
    }
    let suite = Suite::load(&suite_path).unwrap();
    let mut want: Vec<String> = expand(&suite).into_iter().map(|r| r.info.id).collect();
    want.sort();
    let mut got: Vec<String> = read_all(&out)
        .unwrap()
        .into_iter()
        .map(|r| r.run.unwrap().id)
        .collect();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn memory_skips_and_solver_filter() {
    let dir = tempfile::tempdir().unwrap();
    let suite_path = dir.path().join("m.toml");
    let text = SUITE
        .replace(
            "time-limit = 30.0",
            "time-limit = 30.0\nmax-memory = \"1K\"",
        )
        .replace("kind = \"fista\"", "kind = \"clarabel\"")
        .replace("n=1500", "n=100");
    std::fs::write(&suite_path, text).unwrap();
    let suite = Suite::load(&suite_path).unwrap();
    let out = dir.path().join("res");
    let opts = BenchOptions {
        solvers: Some(vec!["clarabel".into()]),
        progress: false,
        log: false,
        ..Default::default()
    };
    let s = cvxrelu::harness::bench::bench(&suite, &out, &opts).unwrap();
    assert_eq!(s.selected, 8);
    assert_eq!(s.skipped, 8);
    for r in read_all(&out).unwrap() {
        assert_eq!(r.solver, "clarabel");
        assert_eq!(r.status, cvxrelu::solvers::Status::Skipped);
        let est = &serde_json::to_value(&r.details).unwrap()["memory_estimate"];
        assert!(est["bytes"].as_u64().unwrap() > 1024);
        assert!(
            serde_json::to_value(&r.details).unwrap()["skipped"]
                .as_str()
                .unwrap()
                .contains("max-memory")
        );
        assert!(r.objective.is_nan());
    }
    let bad = BenchOptions {
        solvers: Some(vec!["newton".into()]),
        ..Default::default()
    };
    let e = select(&suite, &bad).unwrap_err().to_string();
    assert!(e.contains("newton") && e.contains("clarabel, sgd"), "{e}");
}

/// [`SUITE`] on 100 rows with 2 SGD iterations, written into `dir`: its path,
/// its text and the output folder to use.
fn small_suite(dir: &Path) -> (PathBuf, String, PathBuf) {
    let suite_path = dir.join("small.toml");
    let small = SUITE
        .replace("n=1500", "n=100")
        .replace("max-iters = 40", "max-iters = 2");
    std::fs::write(&suite_path, &small).unwrap();
    (suite_path, small, dir.join("res"))
}

#[test]
fn resume_reruns_runs_whose_settings_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (suite_path, small, out) = small_suite(dir.path());
    let quiet = BenchOptions {
        progress: false,
        log: false,
        ..Default::default()
    };
    let s =
        cvxrelu::harness::bench::bench(&Suite::load(&suite_path).unwrap(), &out, &quiet).unwrap();
    assert_eq!((s.selected, s.ran), (16, 16));
    std::fs::write(
        &suite_path,
        small.replace("batch-size = 16", "batch-size = 8"),
    )
    .unwrap();
    let resume = BenchOptions {
        resume: true,
        ..quiet
    };
    let s =
        cvxrelu::harness::bench::bench(&Suite::load(&suite_path).unwrap(), &out, &resume).unwrap();
    assert_eq!((s.already_done, s.ran, s.rerun_stale), (8, 8, 8));
    for r in read_all(&out).unwrap() {
        let run = r.run.unwrap();
        if run.solver.name == "sgd" {
            assert_eq!(run.solver.batch_size, Some(8));
        }
    }
}

/// The manifest has one machine line, rewritten by every bench call: a resume on
/// another setup (CPU, cores, threads, build) is refused with exit code 2, naming
/// the manifest and both setups, and changes nothing; `--force` mixes them; a
/// resume on the same setup runs as before.
#[test]
fn resume_on_another_machine_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (suite_path, _, out) = small_suite(dir.path());
    let bench = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
            .args(["bench", "--quiet", "--suite"])
            .arg(&suite_path)
            .arg("--out")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(bench(&["--shard", "1/2"]).status.success());
    // Same setup: the other shard resumes into the folder.
    let o = bench(&["--resume", "--shard", "2/2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest_path = out.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["machine"]["cpu_model"] = "Another CPU 9000".into();
    let moved = serde_json::to_string_pretty(&manifest).unwrap();
    std::fs::write(&manifest_path, &moved).unwrap();
    let before = files(&out);
    let o = bench(&["--resume"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    for part in ["manifest.json", "Another CPU 9000", "--force"] {
        assert!(err.contains(part), "{part} not in: {err}");
    }
    assert_eq!(files(&out), before);
    assert_eq!(std::fs::read_to_string(&manifest_path).unwrap(), moved);
    // Forced: runs, and the manifest names this machine again.
    let o = bench(&["--resume", "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    assert_ne!(after["machine"]["cpu_model"], "Another CPU 9000");
}
