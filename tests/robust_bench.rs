//! Bench folders (issue 12, item 6): one bench process per folder and shard (an
//! advisory lock naming its holder), one suite per folder unless `--force`, and a
//! stray JSON file in `records/` a warning for `report` and `bench --resume` alike.

use std::path::{Path, PathBuf};
use std::process::Command;

use cvxrelu::harness::{Shard, lock};

fn bin() -> Command {
    Command::new(std::env::var("CVXRELU_TEST_BIN").unwrap_or(env!("CARGO_BIN_EXE_cvxrelu").into()))
}

struct Run {
    code: i32,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = bin().args(args).output().expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn suite(dir: &Path, name: &str, patterns: usize) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!(
            "name = \"t\"\ntime-limit = 20.0\nlambdas = [1e-3]\n[[dataset]]\nname = \"ds\"\ndata = \"synth:n=30,d=3,width=2,noise=0.1,seed=3\"\n[[model]]\nkind = \"gated-relu\"\npatterns = {patterns}\n[[solver]]\nkind = \"fista\"\n"
        ),
    )
    .unwrap();
    p
}

fn bench(s: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "bench",
        "--suite",
        s.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn records(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(out.join("records"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// One test that runs the cases in turn: this process holds locks, and a child
/// spawned by a test running in parallel would share its lock file descriptors
/// between fork and exec (a lock then seems held a moment after it was released).
#[test]
fn bench_folders() {
    a_locked_folder_is_refused_naming_the_holder();
    another_suite_is_refused_unless_forced();
    stray_json_is_a_warning_for_report_and_resume();
}

fn a_locked_folder_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let s = suite(dir.path(), "s.toml", 4);
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let held = lock::acquire(&out, Shard::ALL).unwrap();
    let r = bench(&s, &out, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("pid {}", std::process::id())),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("in use by another bench process"),
        "{}",
        r.stderr
    );
    assert!(records(&out).is_empty(), "the second process ran nothing");
    // an overlapping shard is refused too; a disjoint shard of another process's
    // split is not (1/2 and 2/2 may share a folder)
    let r = bench(&s, &out, &["--shard", "1/2"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    drop(held);
    let half = lock::acquire(&out, Shard { k: 1, n: 2 }).unwrap();
    let r = bench(&s, &out, &["--shard", "2/2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    drop(half);
    // released (also when a holder dies: the kernel drops flock locks)
    let r = bench(&s, &out, &["--resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(records(&out).len(), 1);
}

fn another_suite_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (s1, s2) = (
        suite(dir.path(), "s1.toml", 4),
        suite(dir.path(), "s2.toml", 5),
    );
    let out = dir.path().join("out");
    assert_eq!(bench(&s1, &out, &[]).code, 0);
    let before = records(&out);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    for extra in [&[][..], &["--resume"][..]] {
        let r = bench(&s2, &out, extra);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains("another suite") && r.stderr.contains("--force"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(records(&out), before, "nothing mixed in");
    assert_eq!(
        std::fs::read_to_string(out.join("manifest.json")).unwrap(),
        manifest
    );
    // the same suite resumes as before
    assert_eq!(bench(&s1, &out, &["--resume"]).code, 0);
    let r = bench(&s2, &out, &["--resume", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(records(&out).len(), 2);
}

fn stray_json_is_a_warning_for_report_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let s = suite(dir.path(), "s.toml", 4);
    let out = dir.path().join("out");
    assert_eq!(bench(&s, &out, &[]).code, 0);
    let run_file = records(&out).pop().unwrap();
    std::fs::write(out.join("records/stray.json"), "{\"hello\": 1}").unwrap();
    let rep = dir.path().join("rep");
    let r = run(&[
        "report",
        out.to_str().unwrap(),
        "--out",
        rep.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning:") && r.stderr.contains("stray.json"),
        "{}",
        r.stderr
    );
    // resume agrees: the stray file is not a record; a broken record of a run is
    // not one either, so that run is pending and redone
    std::fs::write(out.join("records").join(&run_file), "not json").unwrap();
    let r = run(&[
        "report",
        out.to_str().unwrap(),
        "--out",
        rep.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains(&run_file), "{}", r.stderr);
    let r = bench(&s, &out, &["--resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&run_file) && r.stderr.contains("warning:"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(out.join("records").join(&run_file)).unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_ok(),
        "rerun wrote the record"
    );
    let r = run(&[
        "report",
        out.to_str().unwrap(),
        "--out",
        rep.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains(&run_file), "{}", r.stderr);
}
