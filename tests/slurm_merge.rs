//! Cluster runs: the Slurm array script of a suite (its `#SBATCH` lines, its array
//! range, the command of each task — run for real with `SLURM_ARRAY_TASK_ID` set,
//! as Slurm would), and the merge check of shard folders (nothing missing, one
//! missing, one duplicated, mixed suites, stale records) and the merge that
//! `report` reads.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cvxrelu::harness::bench::{BenchOptions, select};
use cvxrelu::harness::store::{read_all, record_path, records_dir};
use cvxrelu::harness::{Shard, Suite, expand};

const SUITE: &str = r#"
name = "cluster"
time-limit = 20.0
lambdas = [1e-3, 1e-2, 1e-1]

[[dataset]]
name = "synth"
data = "synth:n=60,d=4,width=3,noise=0.1,seed=3"

[[model]]
kind = "gated-relu"
patterns = 6

[[solver]]
kind = "fista"

[[solver]]
kind = "sgd"
max-iters = 5
batch-size = 16
"#;

const OTHER: &str = r#"
name = "other"
time-limit = 20.0
lambdas = [1e-2]

[[dataset]]
name = "synth"
data = "synth:n=40,d=3,width=2,noise=0.1,seed=1"

[[model]]
kind = "gated-relu"
patterns = 4

[[solver]]
kind = "fista"
"#;

fn cvxrelu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write_suite(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The `#SBATCH` options of a script, as sbatch reads them: from the comment block
/// at the top, up to the first command.
fn sbatch_options(script: &str) -> Vec<(String, String)> {
    script
        .lines()
        .skip(1)
        .take_while(|l| l.trim().is_empty() || l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("#SBATCH --"))
        .map(|o| {
            let (k, v) = o.split_once('=').unwrap_or((o, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn option<'a>(opts: &'a [(String, String)], key: &str) -> Option<&'a str> {
    opts.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Write the script of `suite` in `N` shards into `out` and run its tasks as Slurm
/// would (bash, `SLURM_ARRAY_TASK_ID` = 1..N), one after the other.
fn run_array(suite: &Path, out: &Path, shards: usize) -> String {
    let o = cvxrelu(&[
        "slurm",
        "--suite",
        s(suite),
        "--shards",
        &shards.to_string(),
        "--out",
        s(out),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let script = out.join("array.sbatch");
    for k in 1..=shards {
        let r = Command::new("bash")
            .arg(&script)
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SLURM_ARRAY_JOB_ID", "77")
            .output()
            .unwrap();
        assert!(r.status.success(), "task {k}: {}", text(&r));
    }
    std::fs::read_to_string(script).unwrap()
}

fn shard_dirs(out: &Path, n: usize) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| out.join(format!("shard-{k}-of-{n}")))
        .collect()
}

fn merge_check(suite: Option<&Path>, dirs: &[PathBuf]) -> (i32, String) {
    let mut args = vec!["merge-check".to_string()];
    if let Some(p) = suite {
        args.extend(["--suite".to_string(), s(p).to_string()]);
    }
    args.extend(dirs.iter().map(|d| s(d).to_string()));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = cvxrelu(&a);
    (o.status.code().unwrap(), text(&o))
}

fn record_ids(dir: &Path) -> BTreeSet<String> {
    read_all(dir)
        .unwrap()
        .into_iter()
        .map(|r| r.run.unwrap().id)
        .collect()
}

#[test]
fn script_options_and_tasks_run_the_shards_of_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    let suite_path = write_suite(dir.path(), "cluster.toml", SUITE);
    let out = dir.path().join("out");
    let o = cvxrelu(&[
        "slurm",
        "--suite",
        s(&suite_path),
        "--shards",
        "3",
        "--out",
        s(&out),
        "--partition",
        "short",
        "--account",
        "lab",
        "--time",
        "02:00:00",
        "--cpus-per-task",
        "2",
        "--mem",
        "4G",
        "--max-parallel",
        "2",
        "--binary",
        "/opt/cvxrelu/bin/cvxrelu",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let script = std::fs::read_to_string(out.join("array.sbatch")).unwrap();
    assert!(script.starts_with("#!/bin/bash\n"));
    let opts = sbatch_options(&script);
    assert_eq!(option(&opts, "array"), Some("1-3%2"));
    assert_eq!(option(&opts, "partition"), Some("short"));
    assert_eq!(option(&opts, "account"), Some("lab"));
    assert_eq!(option(&opts, "time"), Some("02:00:00"));
    assert_eq!(option(&opts, "cpus-per-task"), Some("2"));
    assert_eq!(option(&opts, "mem"), Some("4G"));
    assert_eq!(option(&opts, "ntasks"), Some("1"));
    assert_eq!(option(&opts, "job-name"), Some("cvxrelu-cluster"));
    assert_eq!(option(&opts, "open-mode"), Some("append"));
    let log = format!("{}/logs/shard-%a-of-3.log", out.display());
    assert_eq!(option(&opts, "output"), Some(log.as_str()));
    // Slurm does not create the log folder: the command did.
    assert!(out.join("logs").is_dir());
    // every option sbatch reads comes before the first command
    let after: Vec<&str> = script
        .lines()
        .skip_while(|l| l.trim().is_empty() || l.starts_with('#'))
        .collect();
    assert!(after.iter().all(|l| !l.starts_with("#SBATCH")));
    assert!(script.contains("BINARY='/opt/cvxrelu/bin/cvxrelu'"));
    let exec = after.iter().find(|l| l.starts_with("exec ")).unwrap();
    for part in [
        "bench",
        "--suite \"$SUITE\"",
        "--out \"$OUT/shard-$K-of-$SHARDS\"",
        "--shard \"$K/$SHARDS\"",
        "--resume",
    ] {
        assert!(exec.contains(part), "{exec}");
    }
    let n = Command::new("bash")
        .arg("-n")
        .arg(out.join("array.sbatch"))
        .output()
        .unwrap();
    assert!(n.status.success(), "{}", text(&n));

    // The tasks, run as Slurm runs them: each shard folder holds exactly its shard.
    let out2 = dir.path().join("run");
    run_array(&suite_path, &out2, 3);
    let suite = Suite::load(&suite_path).unwrap();
    let mut union = BTreeSet::new();
    for (k, d) in shard_dirs(&out2, 3).iter().enumerate() {
        let opts = BenchOptions {
            shard: Shard { k: k + 1, n: 3 },
            ..BenchOptions::default()
        };
        let want: BTreeSet<String> = select(&suite, &opts)
            .unwrap()
            .into_iter()
            .map(|r| r.info.id)
            .collect();
        let got = record_ids(d);
        assert_eq!(got, want, "shard {}", k + 1);
        union.extend(got);
    }
    let all: BTreeSet<String> = expand(&suite).into_iter().map(|r| r.info.id).collect();
    assert_eq!(union, all);

    // A task run again resumes: nothing is redone, nothing is refused.
    let before = std::fs::read(record_path(&shard_dirs(&out2, 3)[0], all.first().unwrap()));
    let again = Command::new("bash")
        .arg(out2.join("array.sbatch"))
        .env("SLURM_ARRAY_TASK_ID", "1")
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("0 run now"), "{}", text(&again));
    let after_rerun = std::fs::read(record_path(&shard_dirs(&out2, 3)[0], all.first().unwrap()));
    assert_eq!(before.ok(), after_rerun.ok());

    // Outside an array, or with a task id beyond the shards, the script refuses.
    let bare = Command::new("bash")
        .arg(out2.join("array.sbatch"))
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(!bare.status.success());
    let beyond = Command::new("bash")
        .arg(out2.join("array.sbatch"))
        .env("SLURM_ARRAY_TASK_ID", "4")
        .output()
        .unwrap();
    assert_eq!(beyond.status.code(), Some(2), "{}", text(&beyond));
}

#[test]
fn defaults_and_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let suite_path = write_suite(dir.path(), "cluster.toml", SUITE);
    let out = dir.path().join("out");
    let o = cvxrelu(&[
        "slurm",
        "--suite",
        s(&suite_path),
        "--shards",
        "2",
        "--out",
        s(&out),
        "--script",
        "-",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let script = String::from_utf8(o.stdout).unwrap();
    let opts = sbatch_options(&script);
    assert_eq!(option(&opts, "array"), Some("1-2"));
    assert_eq!(option(&opts, "cpus-per-task"), Some("1"));
    for absent in ["partition", "account", "time", "mem"] {
        assert_eq!(option(&opts, absent), None, "{absent}");
    }
    // the default binary is this one, by absolute path
    let me = std::fs::canonicalize(env!("CARGO_BIN_EXE_cvxrelu")).unwrap();
    assert!(
        script.contains(&format!("BINARY='{}'", me.display())),
        "{script}"
    );
    assert!(!out.join("array.sbatch").exists());
}

#[test]
fn bad_settings_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let suite_path = write_suite(dir.path(), "cluster.toml", SUITE);
    let out = dir.path().join("out");
    let spaced = dir.path().join("has space");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--shards", "0"], "--shards"),
        (vec!["--shards", "7"], "6 runs"),
        (vec!["--shards", "2", "--time", "1h"], "--time"),
        (vec!["--shards", "2", "--mem", "4GB"], "--mem"),
        (vec!["--shards", "2", "--partition", "a b"], "--partition"),
        (
            vec!["--shards", "2", "--cpus-per-task", "0"],
            "--cpus-per-task",
        ),
        (
            vec!["--shards", "2", "--script", s(dir.path())],
            "is a directory",
        ),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["slurm", "--suite", s(&suite_path), "--out", s(&out)];
        args.extend(extra.iter().copied());
        let o = cvxrelu(&args);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let o = cvxrelu(&[
        "slurm",
        "--suite",
        s(&suite_path),
        "--shards",
        "2",
        "--out",
        s(&spaced),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn merge_check_finds_missing_duplicated_mixed_and_stale() {
    let dir = tempfile::tempdir().unwrap();
    let suite_path = write_suite(dir.path(), "cluster.toml", SUITE);
    let out = dir.path().join("run");
    run_array(&suite_path, &out, 3);
    let dirs = shard_dirs(&out, 3);
    let suite = Suite::load(&suite_path).unwrap();
    let ids: Vec<String> = expand(&suite).into_iter().map(|r| r.info.id).collect();

    // nothing missing: with and without the suite file
    let (code, t) = merge_check(Some(&suite_path), &dirs);
    assert_eq!(code, 0, "{t}");
    assert!(t.contains("complete: all 6 runs"), "{t}");
    let (code, t) = merge_check(None, &dirs);
    assert_eq!(code, 0, "{t}");

    // one shard folder left out: its runs are missing, each named
    let (code, t) = merge_check(None, &dirs[..2]);
    assert_eq!(code, 1, "{t}");
    let third: BTreeSet<String> = record_ids(&dirs[2]);
    let missing: BTreeSet<String> = t
        .lines()
        .filter_map(|l| l.strip_prefix("missing "))
        .map(str::to_string)
        .collect();
    assert_eq!(missing, third);

    // one record deleted
    let gone = &ids[4];
    let shard_of_gone = &dirs[4 % 3];
    let saved = std::fs::read(record_path(shard_of_gone, gone)).unwrap();
    std::fs::remove_file(record_path(shard_of_gone, gone)).unwrap();
    let (code, t) = merge_check(Some(&suite_path), &dirs);
    assert_eq!(code, 1, "{t}");
    assert!(t.lines().any(|l| l == format!("missing {gone}")), "{t}");
    assert_eq!(t.lines().filter(|l| l.starts_with("missing ")).count(), 1);
    std::fs::write(record_path(shard_of_gone, gone), &saved).unwrap();

    // one record duplicated into another shard's folder
    let dup = &ids[0];
    let copy = record_path(&dirs[1], dup);
    std::fs::copy(record_path(&dirs[0], dup), &copy).unwrap();
    let (code, t) = merge_check(Some(&suite_path), &dirs);
    assert_eq!(code, 1, "{t}");
    let line = t
        .lines()
        .find(|l| l.starts_with("duplicated "))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(line.starts_with(&format!("duplicated {dup} in ")), "{line}");
    assert!(line.contains("shard-1-of-3") && line.contains("shard-2-of-3"));
    assert_eq!(
        t.lines().filter(|l| l.starts_with("duplicated ")).count(),
        1
    );
    assert!(!t.contains("missing "), "{t}");
    std::fs::remove_file(&copy).unwrap();

    // mixed suites: a folder of another suite is named and not counted
    let other_path = write_suite(dir.path(), "other.toml", OTHER);
    let other_out = dir.path().join("other");
    let o = cvxrelu(&[
        "bench",
        "--suite",
        s(&other_path),
        "--out",
        s(&other_out),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let mut mixed = dirs.clone();
    mixed.push(other_out.clone());
    let (code, t) = merge_check(Some(&suite_path), &mixed);
    assert_eq!(code, 1, "{t}");
    assert!(
        t.lines().any(|l| l.starts_with(&format!(
            "folder {}: another suite: 'other'",
            other_out.display()
        ))),
        "{t}"
    );
    // ...also when the other suite's folder comes first and no suite file is given
    let mut first_other = vec![other_out.clone()];
    first_other.extend(dirs.iter().cloned());
    let (code, t) = merge_check(None, &first_other);
    assert_eq!(code, 1, "{t}");
    assert!(t.starts_with("suite other "), "{t}");

    // stale: the suite file changed a setting after the runs were recorded
    let edited = write_suite(
        dir.path(),
        "cluster-edited.toml",
        &SUITE.replace("max-iters = 5", "max-iters = 6"),
    );
    let (code, t) = merge_check(Some(&edited), &dirs);
    assert_eq!(code, 1, "{t}");
    assert_eq!(
        t.lines().filter(|l| l.starts_with("stale ")).count(),
        3,
        "{t}"
    );

    // bad input: not a folder, a folder given twice
    let (code, t) = merge_check(None, &[dir.path().join("nope")]);
    assert_eq!(code, 2, "{t}");
    let (code, t) = merge_check(None, &[dirs[0].clone(), dirs[0].clone()]);
    assert_eq!(code, 2, "{t}");
    assert!(t.contains("given twice"), "{t}");
}

#[test]
fn merge_makes_one_folder_that_report_reads() {
    let dir = tempfile::tempdir().unwrap();
    let suite_path = write_suite(dir.path(), "cluster.toml", SUITE);
    let out = dir.path().join("run");
    run_array(&suite_path, &out, 3);
    let dirs = shard_dirs(&out, 3);
    let merged = dir.path().join("merged");
    let mut args = vec!["merge", "--out", s(&merged)];
    args.extend(dirs.iter().map(|d| s(d)));
    let o = cvxrelu(&args);
    assert!(o.status.success(), "{}", text(&o));
    // byte-for-byte the shards' records, and the union is the suite
    for d in &dirs {
        for e in std::fs::read_dir(records_dir(d)).unwrap() {
            let p = e.unwrap().path();
            let copy = records_dir(&merged).join(p.file_name().unwrap());
            assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(&copy).unwrap());
        }
    }
    let (code, t) = merge_check(Some(&suite_path), std::slice::from_ref(&merged));
    assert_eq!(code, 0, "{t}");
    let r = cvxrelu(&["report", s(&merged)]);
    assert!(r.status.success(), "{}", text(&r));
    let md = std::fs::read_to_string(merged.join("report.md")).unwrap();
    assert!(md.contains("cluster"), "{md}");

    // a non-empty target is refused; missing runs only with --allow-missing
    let o = cvxrelu(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let partial = dir.path().join("partial");
    let o = cvxrelu(&["merge", "--out", s(&partial), s(&dirs[0]), s(&dirs[1])]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!partial.exists());
    let o = cvxrelu(&[
        "merge",
        "--allow-missing",
        "--out",
        s(&partial),
        s(&dirs[0]),
        s(&dirs[1]),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(record_ids(&partial).len(), 4);
}
