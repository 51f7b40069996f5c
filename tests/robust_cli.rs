//! Robustness of the command line (issue 12, "Defects to fix"): writes that never
//! destroy what they replace, sizes checked before allocating, time limits inside
//! projections, statuses, stricter input checks and `--target`. Every error exits
//! with code 2 and one line, and no panic reaches the user.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    // CVXRELU_TEST_BIN runs these tests against another build (e.g. an older one, to
    // see them fail).
    Command::new(std::env::var("CVXRELU_TEST_BIN").unwrap_or(env!("CARGO_BIN_EXE_cvxrelu").into()))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = bin()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(args: &[&str]) -> Run {
    run_in(Path::new("."), args)
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn iris() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("problems/data/iris.csv")
        .display()
        .to_string()
}

/// A quick solve whose record goes to `out`.
fn quick(out_flag: &str, out: &str) -> Run {
    let data = iris();
    run(&[
        "solve",
        "--data",
        &data,
        "--model",
        "gated-relu",
        "--lambda",
        "1e-3",
        "--patterns",
        "4",
        "--solver",
        "fista",
        out_flag,
        out,
    ])
}

/// An error: exit 2, one line starting with `error:`, no panic, containing `want`.
fn assert_error(r: &Run, want: &[&str]) {
    assert_eq!(r.code, 2, "exit code; stderr: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line: {}", r.stderr);
    for w in want {
        assert!(errors[0].contains(w), "'{w}' not in: {}", errors[0]);
    }
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

// ---------------------------------------------------------------- 1. special files

#[cfg(unix)]
#[test]
fn fifo_target_is_written_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    let ok = Command::new("mkfifo").arg(&fifo).status();
    if !ok.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo not available: skipped");
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || tx.send(std::fs::read_to_string(&fifo).unwrap()));
    }
    let r = quick("--out", fifo.to_str().unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the FIFO was replaced"
    );
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the reader got the record");
    let rec: serde_json::Value = serde_json::from_str(&got).expect("the reader got the record");
    assert_eq!(rec["status"], "solved");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[cfg(unix)]
#[test]
fn symlink_is_followed_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let real = write(dir.path(), "real.json", "old");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    let wlink = dir.path().join("w-link.json");
    std::os::unix::fs::symlink("w-real.json", &wlink).unwrap(); // dangling
    let data = iris();
    let r = run(&[
        "solve",
        "--data",
        &data,
        "--model",
        "gated-relu",
        "--lambda",
        "1e-3",
        "--patterns",
        "4",
        "--solver",
        "fista",
        "--out",
        link.to_str().unwrap(),
        "--weights",
        wlink.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::symlink_metadata(&wlink)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(json(&real)["status"], "solved");
    assert!(
        json(&dir.path().join("w-real.json"))
            .get("weights")
            .is_some()
    );
    // export --output through a link too
    let mps = write(dir.path(), "real.mps", "old");
    let mlink = dir.path().join("link.mps");
    std::os::unix::fs::symlink(&mps, &mlink).unwrap();
    let r = run(&[
        "export",
        "--data",
        &data,
        "--model",
        "gated-relu",
        "--lambda",
        "1e-3",
        "--patterns",
        "4",
        "--format",
        "cbf",
        "--output",
        mlink.to_str().unwrap(),
        "--out",
        "/dev/null",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::symlink_metadata(&mlink)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&mps).unwrap().contains("VER"));
}

#[cfg(unix)]
#[test]
fn character_devices_are_written_in_place_and_errors_reported() {
    use std::os::unix::fs::FileTypeExt;
    let is_chr =
        |p: &str| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_char_device());
    assert!(
        is_chr("/dev/null"),
        "/dev/null must be a character device here"
    );
    if std::env::var_os("CVXRELU_TEST_BIN").is_some() {
        // Another build might replace the system's /dev/null (as root): not tried.
        eprintln!("CVXRELU_TEST_BIN set: /dev/null not written");
        return;
    }
    for flag in ["--out", "--weights"] {
        let r = quick(flag, "/dev/null");
        assert_eq!(r.code, 0, "{flag}: {}", r.stderr);
        assert!(is_chr("/dev/null"), "{flag} replaced /dev/null");
    }
    if is_chr("/dev/full") {
        // a device whose writes fail: reported, exit 2, the device kept
        let r = quick("--out", "/dev/full");
        assert_error(&r, &["/dev/full", "cannot write"]);
        assert!(is_chr("/dev/full"));
    }
}

#[test]
fn stdout_dash_still_works() {
    let r = quick("--out", "-");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["status"], "solved");
}

// ---------------------------------------------------------------- 2. sizes

const HUGE_SUITE: &str = r#"name = "huge"
time-limit = 10.0
lambdas = [1e-3]
[[dataset]]
name = "synth"
data = "synth:n=30,d=3,width=2,noise=0.1,seed=3"
[[model]]
kind = "gated-relu"
patterns = 100000000
[[solver]]
kind = "fista"
"#;

#[test]
fn huge_pattern_counts_are_refused_before_allocating() {
    let data = iris();
    let dir = tempfile::tempdir().unwrap();
    for p in ["100000000", "1000000000"] {
        for solver in ["fista", "clarabel", "al"] {
            let r = run(&[
                "solve",
                "--data",
                &data,
                "--model",
                "relu",
                "--lambda",
                "1e-3",
                "--patterns",
                p,
                "--solver",
                solver,
            ]);
            assert_error(
                &r,
                &["patterns", &format!("P = {p}"), "GiB", "--max-memory"],
            );
        }
    }
    let out = dir.path().join("path");
    let r = run(&[
        "path",
        "--data",
        &data,
        "--model",
        "gated-relu",
        "--lambdas",
        "1e-2,1e-3",
        "--patterns",
        "100000000",
        "--solver",
        "fista",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_error(&r, &["P = 100000000", "GiB"]);
    let suite = write(dir.path(), "huge.toml", HUGE_SUITE);
    let s = suite.to_str().unwrap();
    let r = run(&[
        "bench",
        "--suite",
        s,
        "--out",
        dir.path().join("b").to_str().unwrap(),
        "--quiet",
    ]);
    assert_error(&r, &["P = 100000000", "GiB"]);
    let r = run(&[
        "export",
        "--suite",
        s,
        "--format",
        "cbf",
        "--out",
        dir.path().join("e").to_str().unwrap(),
    ]);
    assert_error(&r, &["P = 100000000", "GiB"]);
    // --max-memory raises the limit: the refusal names it
    let r = run(&[
        "solve",
        "--data",
        &data,
        "--model",
        "gated-relu",
        "--lambda",
        "1e-3",
        "--patterns",
        "100000000",
        "--solver",
        "fista",
        "--max-memory",
        "16G",
    ]);
    assert_error(&r, &["limit of 16.0 GiB"]);
}

#[test]
fn huge_synthetic_data_is_refused_before_generating() {
    for data in [
        "synth:n=1000000000,d=10",
        "synth:n=10,d=1000000000",
        "synth:n=18446744073709551615,d=18446744073709551615",
    ] {
        let r = run(&[
            "solve",
            "--data",
            data,
            "--model",
            "gated-relu",
            "--lambda",
            "1e-3",
            "--patterns",
            "4",
            "--solver",
            "fista",
        ]);
        assert_error(&r, &["data", "synth:", "GiB"]);
    }
}

#[test]
fn native_solvers_and_cbf_solves_are_checked_against_max_memory() {
    // Data and patterns fit in 1.5 MiB, the cone-projected solvers' buffers do not.
    for solver in ["fista", "al"] {
        let r = run(&[
            "solve",
            "--data",
            "synth:n=2000,d=10,seed=1",
            "--model",
            "relu",
            "--lambda",
            "1e-3",
            "--patterns",
            "50",
            "--solver",
            solver,
            "--max-memory",
            "1.5M",
        ]);
        assert_error(&r, &[&format!("{solver} on relu"), "GiB", "--max-memory"]);
    }
    let dir = tempfile::tempdir().unwrap();
    let cbf = write(
        dir.path(),
        "wide.cbf",
        "VER\n3\nOBJSENSE\nMIN\nVAR\n100000 1\nL+ 100000\nOBJACOORD\n1\n0 1\n",
    );
    let r = run(&[
        "solve",
        "--cbf",
        cbf.to_str().unwrap(),
        "--max-memory",
        "1M",
    ]);
    assert_error(&r, &["wide.cbf", "100000 variables", "GiB", "--max-memory"]);
}

// ---------------------------------------------------------------- 3. time limits

fn timed(solver: &str, limit: f64) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let r = run(&[
        "solve",
        "--data",
        "synth:n=20000,d=50,width=5,noise=0.1,seed=1",
        "--model",
        "relu",
        "--lambda",
        "1e-3",
        "--patterns",
        "12",
        "--solver",
        solver,
        "--time-limit",
        &limit.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    json(&out)
}

#[test]
fn cone_projected_solvers_stop_at_their_time_limit() {
    // The first projections of this problem take seconds: before the fix, fista
    // reported 3.7 s of solve time after 0 iterations with a 0.5 s limit.
    let limit: f64 = 0.5;
    let slack = (0.05 * limit).max(0.5);
    for solver in ["fista", "al"] {
        let rec = timed(solver, limit);
        assert_eq!(rec["status"], "time_limit", "{solver}");
        let solve_s = rec["time"]["solve_s"].as_f64().unwrap();
        assert!(
            solve_s <= limit + slack,
            "{solver}: {solve_s} s for a {limit} s limit"
        );
        // the returned point is certified (finite objective, a cone violation)
        assert!(rec["objective"].as_f64().unwrap().is_finite(), "{solver}");
        assert!(rec["max_cone_violation"].as_f64().is_some(), "{solver}");
    }
}

// ---------------------------------------------------------------- 5. statuses

#[test]
fn non_finite_certificates_are_not_solved() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w.json");
    let r = quick("--weights", w.to_str().unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut v = json(&w);
    fn blow_up(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "data" && x.is_array() {
                        for e in x.as_array_mut().unwrap() {
                            if e.as_f64().is_some_and(|f| f != 0.0) {
                                *e = serde_json::json!(1e308);
                            }
                        }
                    } else {
                        blow_up(x);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(blow_up),
            _ => {}
        }
    }
    blow_up(&mut v["weights"]);
    std::fs::write(&w, serde_json::to_string(&v).unwrap()).unwrap();
    let out = dir.path().join("dec.json");
    let r = run(&[
        "decompose",
        "--from",
        w.to_str().unwrap(),
        "--method",
        "lp",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(r.code, 1, "not solved: {}", r.stderr);
    let rec = json(&out);
    assert_ne!(rec["status"], "solved");
    assert!(rec["details"]["status_overruled"].is_string(), "{rec}");
}

#[test]
fn unbounded_cbf_problems_are_unbounded() {
    let dir = tempfile::tempdir().unwrap();
    for (sense, coef) in [("MIN", "-1"), ("MAX", "1")] {
        let cbf = write(
            dir.path(),
            &format!("unb-{sense}.cbf"),
            &format!("VER\n3\nOBJSENSE\n{sense}\nVAR\n1 1\nL+ 1\nOBJACOORD\n1\n0 {coef}\n"),
        );
        let out = dir.path().join(format!("{sense}.json"));
        let r = run(&[
            "solve",
            "--cbf",
            cbf.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let rec = json(&out);
        assert_eq!(rec["status"], "unbounded", "{sense}");
        assert!(rec["objective"].is_null(), "{sense}: {}", rec["objective"]);
        assert!(r.stderr.contains("unbounded"), "{}", r.stderr);
    }
    // an infeasible one is still infeasible
    let cbf = write(
        dir.path(),
        "inf.cbf",
        "VER\n3\nOBJSENSE\nMIN\nVAR\n1 1\nL+ 1\nCON\n1 1\nL+ 1\nACOORD\n1\n0 0 -1\nBCOORD\n1\n0 -1\n",
    );
    let out = dir.path().join("inf.json");
    let r = run(&[
        "solve",
        "--cbf",
        cbf.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(json(&out)["status"], "infeasible");
}

// ---------------------------------------------------------------- 7. strictness

#[test]
fn cbf_versions_other_than_3_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for v in ["1", "2", "4"] {
        let cbf = write(
            dir.path(),
            &format!("v{v}.cbf"),
            &format!("VER\n{v}\nOBJSENSE\nMIN\nVAR\n1 1\nF 1\nOBJACOORD\n1\n0 1\n"),
        );
        let r = run(&["solve", "--cbf", cbf.to_str().unwrap()]);
        assert_error(
            &r,
            &[
                &format!("v{v}.cbf"),
                "line 2",
                &format!("version {v}"),
                "version 3",
            ],
        );
    }
}

fn solve_csv(path: &Path, extra: &[&str]) -> Run {
    let p = path.to_str().unwrap();
    let mut args = vec![
        "solve",
        "--data",
        p,
        "--model",
        "gated-relu",
        "--lambda",
        "1e-3",
        "--patterns",
        "4",
        "--solver",
        "fista",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn csv_inputs_are_checked_strictly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = solve_csv(&write(d, "dup.csv", "a,a,y\n1,2,3\n4,5,6\n"), &[]);
    assert_error(&r, &["dup.csv", "line 1", "column 2", "'a'", "duplicate"]);
    let r = solve_csv(&write(d, "hot.csv", "a,b,y0,y1\n1,2,0,1\n3,4,0.5,2\n"), &[]);
    assert_error(&r, &["hot.csv", "line 3", "'y0'", "one-hot"]);
    let bad = [b"a,b,y\n1,2,3\n4,".as_slice(), b"\xff\xfe", b",6\n"].concat();
    let p = d.join("utf8.csv");
    std::fs::write(&p, bad).unwrap();
    let r = solve_csv(&p, &[]);
    assert_error(&r, &["utf8.csv", "line 3", "invalid UTF-8"]);
    assert!(
        !r.stderr.contains("Utf8Error") && !r.stderr.contains("Position {"),
        "{}",
        r.stderr
    );
    // overflow during scaling, and targets whose squares overflow
    let r = solve_csv(
        &write(d, "big.csv", "a,b,y\n1e308,2,3\n1.7e308,5,6\n-1e308,1,2\n"),
        &[],
    );
    assert_error(&r, &["big.csv", "column 'a'", "overflow"]);
    let r = solve_csv(
        &write(d, "bigx.csv", "a,b,y\n1e200,2,3\n1.7e200,5,6\n-1e200,1,2\n"),
        &["--scale", "none"],
    );
    assert_error(&r, &["bigx.csv", "column 'a'", "overflow"]);
    let r = solve_csv(&write(d, "bigy.csv", "a,b,y\n1,2,3\n4,5,1e200\n"), &[]);
    assert_error(&r, &["bigy.csv", "line 3", "column 'y'"]);
}

#[test]
fn zero_one_labels_are_binary_classification() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("a,b,y\n");
    let mut pm = String::from("a,b,y\n");
    for i in 0..40 {
        let a = (i as f64 * 0.7).sin();
        let b = (i as f64 * 1.3).cos();
        let l = u8::from(a + b > 0.0);
        s += &format!("{a},{b},{l}\n");
        pm += &format!("{a},{b},{}\n", 2 * i32::from(l) - 1);
    }
    let zo = write(dir.path(), "01.csv", &s);
    let pm = write(dir.path(), "pm.csv", &pm);
    let (o1, o2) = (dir.path().join("01.json"), dir.path().join("pm.json"));
    assert_eq!(solve_csv(&zo, &["--out", o1.to_str().unwrap()]).code, 0);
    assert_eq!(solve_csv(&pm, &["--out", o2.to_str().unwrap()]).code, 0);
    let (a, b) = (json(&o1), json(&o2));
    assert_eq!(a["metric"], "accuracy");
    // the same problem as with ±1 labels
    assert_eq!(a["objective"], b["objective"]);
    // named with --target, the column is used as written: regression on 0/1
    let o3 = dir.path().join("raw.json");
    assert_eq!(
        solve_csv(&zo, &["--target", "y", "--out", o3.to_str().unwrap()]).code,
        0
    );
    let c = json(&o3);
    assert_eq!(c["metric"], "mse");
    assert_ne!(c["objective"], a["objective"]);
}

fn suite_with(extra_top: &str, dataset_extra: &str, model: &str, solver: &str) -> String {
    format!(
        "name = \"t\"\ntime-limit = 20.0\nlambdas = [1e-3]\n{extra_top}[[dataset]]\nname = \"ds\"\ndata = \"synth:n=30,d=3,width=2,noise=0.1,seed=3\"\n{dataset_extra}[[model]]\nkind = \"{model}\"\npatterns = 4\n[[solver]]\nkind = \"{solver}\"\n"
    )
}

#[test]
fn suite_taus_must_be_accuracy_levels() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["2.0", "1.0", "0.0", "-0.1"] {
        let s = write(
            dir.path(),
            "t.toml",
            &suite_with(&format!("taus = [{bad}]\n"), "", "gated-relu", "fista"),
        );
        let r = run(&[
            "bench",
            "--suite",
            s.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ]);
        assert_error(&r, &["t.toml", "line 4", "taus", "(0, 1)"]);
    }
}

#[test]
fn export_suite_with_every_instance_skipped_fails() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        dir.path(),
        "m.toml",
        &suite_with("", "", "relu", "clarabel"),
    );
    let out = dir.path().join("lib");
    let r = run(&[
        "export",
        "--suite",
        s.to_str().unwrap(),
        "--format",
        "mps",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_error(&r, &["m.toml", "no instance written", "mps", "skipped"]);
    // the index says why
    assert_eq!(json(&out.join("index.json"))["skipped"], 1);
}

#[test]
fn write_failures_say_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "afile", "x");
    let s = write(
        dir.path(),
        "t.toml",
        &suite_with("", "", "gated-relu", "fista"),
    );
    let under = file.join("sub");
    let r = run(&[
        "bench",
        "--suite",
        s.to_str().unwrap(),
        "--out",
        under.to_str().unwrap(),
        "--quiet",
    ]);
    assert_error(&r, &["afile/sub", "cannot write"]);
    assert!(!r.stderr.contains("cannot read"));
    // report into an unwritable folder
    let out = dir.path().join("b");
    let r = run(&[
        "bench",
        "--suite",
        s.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "report",
        out.to_str().unwrap(),
        "--out",
        under.to_str().unwrap(),
    ]);
    assert_error(&r, &["afile/sub", "cannot write"]);
}

// ---------------------------------------------------------------- 8. --target

#[test]
fn target_column_is_chosen_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("label,a,b\n");
    let mut y = String::from("a,b,y\n");
    for i in 0..30 {
        let a = (i as f64 * 0.7).sin();
        let b = (i as f64 * 1.3).cos();
        let t = (a + b).max(0.0) - 0.2 * b;
        s += &format!("{t},{a},{b}\n");
        y += &format!("{a},{b},{t}\n");
    }
    let labeled = write(dir.path(), "labeled.csv", &s);
    let plain = write(dir.path(), "plain.csv", &y);
    let (o1, o2, o3) = (
        dir.path().join("1.json"),
        dir.path().join("2.json"),
        dir.path().join("3.json"),
    );
    let r = solve_csv(
        &labeled,
        &["--target", "label", "--out", o1.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(solve_csv(&plain, &["--out", o2.to_str().unwrap()]).code, 0);
    let (a, b) = (json(&o1), json(&o2));
    assert_eq!(a["problem"]["d"], 2);
    assert_eq!(
        a["objective"], b["objective"],
        "same data, target picked by name"
    );
    // problem TOML
    let toml = write(
        dir.path(),
        "p.toml",
        "data = \"labeled.csv\"\ntarget = \"label\"\nmodel = \"gated-relu\"\nlambda = 1e-3\npatterns = 4\n",
    );
    let r = run(&[
        "solve",
        "--problem",
        toml.to_str().unwrap(),
        "--solver",
        "fista",
        "--out",
        o3.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json(&o3)["objective"], b["objective"]);
    // a missing column, and no target at all
    let r = solve_csv(&labeled, &["--target", "nope"]);
    assert_error(&r, &["labeled.csv", "line 1", "'nope'", "not found"]);
    let r = solve_csv(&labeled, &[]);
    assert_error(&r, &["labeled.csv", "no target column"]);
    // suites
    let suite = String::from(
        "name = \"t\"\ntime-limit = 20.0\nlambdas = [1e-3]\n[[dataset]]\nname = \"ds\"\ndata = \"labeled.csv\"\ntarget = \"label\"\n[[model]]\nkind = \"gated-relu\"\npatterns = 4\n[[solver]]\nkind = \"fista\"\n",
    );
    let st = write(dir.path(), "s.toml", &suite);
    let out = dir.path().join("bench");
    let r = run(&[
        "bench",
        "--suite",
        st.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recs: Vec<_> = std::fs::read_dir(out.join("records")).unwrap().collect();
    assert_eq!(recs.len(), 1);
    let bad = write(
        dir.path(),
        "s2.toml",
        &suite.replace("data = \"labeled.csv\"", "data = \"synth:n=30,d=3\""),
    );
    let r = run(&[
        "bench",
        "--suite",
        bad.to_str().unwrap(),
        "--out",
        dir.path().join("b2").to_str().unwrap(),
    ]);
    assert_error(&r, &["s2.toml", "line 7", "target"]);
}
