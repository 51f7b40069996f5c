//! Committed reports are what the current code writes from the committed records:
//! regenerating each `results/*/` report (from its `records/` and `manifest.json`
//! only) into a scratch folder gives every committed file byte for byte. After a
//! change to the report code run `scripts/regenerate-reports` and commit the result
//! with the change.
//!
//! (Reads the repository's own `results/`, not the shared specification.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
}

fn committed_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("records").is_dir() && p.join("manifest.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_committed_report_regenerates_byte_for_byte() {
    let dirs = committed_dirs();
    assert!(dirs.len() >= 4, "committed result folders: {dirs:?}");
    let scratch = tempfile::tempdir().unwrap();
    let mut stale = Vec::new();
    let mut compared = 0;
    for dir in &dirs {
        let name = dir.file_name().unwrap();
        let out = scratch.path().join(name);
        let o = bin()
            .arg("report")
            .arg(dir)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let mut written: Vec<PathBuf> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        written.sort();
        for file in written {
            let committed = dir.join(file.file_name().unwrap());
            let new = std::fs::read(&file).unwrap();
            match std::fs::read(&committed) {
                Ok(old) if old == new => compared += 1,
                Ok(_) => stale.push(format!("{} differs", committed.display())),
                Err(_) => stale.push(format!("{} is not committed", committed.display())),
            }
        }
        for must in ["report.md", "records.csv"] {
            assert!(out.join(must).is_file(), "{}: no {must}", dir.display());
        }
    }
    assert!(
        stale.is_empty(),
        "committed reports are stale (run scripts/regenerate-reports and commit): {stale:#?}"
    );
    assert!(compared >= 2 * dirs.len());
}

/// The text of the README between `<!-- {name}:begin -->` and its end marker.
fn readme_block<'a>(readme: &'a str, name: &str) -> &'a str {
    let begin = format!("<!-- {name}:begin -->");
    let start = readme
        .find(&begin)
        .unwrap_or_else(|| panic!("README: no {begin}"));
    let stop = readme
        .find(&format!("<!-- {name}:end -->"))
        .unwrap_or_else(|| panic!("README: no {name} end marker"));
    &readme[start..stop]
}

/// The README's default-suite block is the committed report's summary, as
/// `scripts/readme-claims.py` splices it (checked here without Python: the
/// block's table rows are the report's summary rows, in order).
#[test]
fn readme_claims_are_the_committed_summary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let report = std::fs::read_to_string(root.join("results/default/report.md")).unwrap();
    let block = readme_block(&readme, "default-summary");
    let rows = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with('|'))
            .map(str::to_string)
            .collect()
    };
    let summary_start = report.find("## Summary per solver").unwrap();
    let rest = &report[summary_start + 3..];
    let summary = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    assert_eq!(
        rows(block),
        rows(summary),
        "README.md's default-summary block is stale: run scripts/regenerate-reports"
    );
    for line in report.lines().take(12) {
        if line.starts_with("Machine") || line.starts_with("cvxrelu ") {
            assert!(block.contains(line), "README block lacks '{line}'");
        }
    }
}

/// The README's scnn block is the committed comparison's summary
/// (`results/scnn/table.md`, written by `scripts/scnn-compare.py` from its
/// `runs.json`), as `scripts/readme-claims.py` splices it: the machine line and
/// every summary line, and nothing else claimed between the markers.
#[test]
fn readme_scnn_claims_are_the_committed_comparison() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let table = std::fs::read_to_string(root.join("results/scnn/table.md")).unwrap();
    let block = readme_block(&readme, "scnn-summary");
    let claims: Vec<&str> = block.lines().skip(2).filter(|l| !l.is_empty()).collect();
    let machine = table
        .lines()
        .find(|l| l.contains("one thread"))
        .expect("table.md: machine line");
    let mut expected = vec![machine];
    expected.extend(table.lines().filter(|l| l.starts_with("- ")));
    assert!(expected.len() >= 2, "table.md has no summary lines");
    assert_eq!(
        claims, expected,
        "README.md's scnn-summary block is stale: run scripts/regenerate-reports"
    );
}

/// `results/lag`'s table (and the README block it is spliced into) is the one
/// `scripts/lag-table.py` writes from the committed records.
#[test]
fn lag_table_is_the_committed_records() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .current_dir(root)
        .args(["scripts/lag-table.py", "table", "results/lag", "--check"])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The README's native block is the latest run against Clarabel
/// (`results/native/vs-clarabel.md`, the example `native_vs_clarabel`'s output),
/// as `scripts/readme-claims.py` splices it: one claim per row of the run's first
/// table, with that row's two speed-ups, and the run's commit.
#[test]
fn readme_native_claims_are_the_committed_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let run = std::fs::read_to_string(root.join("results/native/vs-clarabel.md")).unwrap();
    let block = readme_block(&readme, "native-summary");
    let output = run
        .split("```")
        .nth(1)
        .expect("vs-clarabel.md: no output block");
    let rows: Vec<Vec<&str>> = output
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .filter(|c: &Vec<&str>| c.len() == 14 && c[0] != "case" && !c[0].starts_with('-'))
        .collect();
    assert!(!rows.is_empty(), "vs-clarabel.md: no table");
    let claims: Vec<&str> = block.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(
        claims.len(),
        rows.len(),
        "README.md's native-summary block is stale"
    );
    for (claim, row) in claims.iter().zip(&rows) {
        let speed = format!(
            "{}× faster than Clarabel to a 1e-6 objective gap, {}× to its certified stop",
            row[12], row[13]
        );
        assert!(
            claim.starts_with(&format!("- {}, n = {}, ", row[0], row[1]))
                && claim.ends_with(&speed),
            "README.md's native-summary block is stale: '{claim}' against {row:?}"
        );
    }
    let commit = run
        .split("release build of")
        .nth(1)
        .and_then(|s| s.split_whitespace().nth(1))
        .expect("vs-clarabel.md: no commit");
    assert!(
        block.contains(&format!("One run at {commit} ")),
        "commit {commit}"
    );
}
