//! `--help` of every subcommand against committed snapshots
//! (`tests/golden/help/SUBCOMMAND.txt`), so a change to a flag's text is reviewed:
//! regenerate them with `UPDATE_HELP=1 cargo test --release --test cli_help`.
//! Independently of the snapshots, every flag must have a description, the flags
//! with a default must state it, and no rustdoc link syntax may leak into help.

use std::path::Path;
use std::process::Command;

const SUBCOMMANDS: [&str; 10] = [
    "solve",
    "path",
    "decompose",
    "predict",
    "export",
    "bench",
    "report",
    "slurm",
    "merge-check",
    "merge",
];

/// A new subcommand must get a snapshot: the top-level help lists exactly these.
#[test]
fn every_subcommand_has_a_snapshot() {
    let o = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    let commands = text
        .split("Commands:")
        .nth(1)
        .expect("a Commands: section")
        .split("\n\n")
        .next()
        .unwrap();
    let mut listed: Vec<&str> = commands
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w != "help")
        .collect();
    listed.sort_unstable();
    let mut known = SUBCOMMANDS.to_vec();
    known.sort_unstable();
    assert_eq!(
        listed, known,
        "subcommands without a help snapshot (add them to SUBCOMMANDS)"
    );
}

fn help(sub: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_cvxrelu"))
        .args([sub, "--help"])
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(o.status.success(), "{sub} --help");
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn help_matches_the_committed_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/help");
    let update = std::env::var_os("UPDATE_HELP").is_some();
    let mut differ = Vec::new();
    for sub in SUBCOMMANDS {
        let text = help(sub);
        let path = dir.join(format!("{sub}.txt"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            differ.push(sub);
        }
    }
    assert!(
        differ.is_empty(),
        "--help of {differ:?} differs from tests/golden/help (review, then UPDATE_HELP=1 cargo test --release --test cli_help)"
    );
}

/// The option entries of a help text: (flag, description), continuation lines joined.
fn options(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("--") || t.starts_with("-h") {
            let flag = t
                .split_whitespace()
                .find(|w| w.starts_with("--"))
                .unwrap_or(t);
            // Description: after the first run of two or more spaces following the flag.
            let desc = t
                .find("  ")
                .map(|i| t[i..].trim().to_string())
                .unwrap_or_default();
            out.push((flag.to_string(), desc));
        } else if let Some(last) = out.last_mut()
            && line.starts_with("        ")
        {
            last.1.push(' ');
            last.1.push_str(t);
        }
    }
    out
}

#[test]
fn every_flag_is_described_and_states_its_default() {
    // Flags whose value has a default (as opposed to required or off-by-default).
    let with_default = [
        ("solve", "--solver"),
        ("solve", "--max-iters"),
        ("solve", "--time-limit"),
        ("solve", "--split-seed"),
        ("solve", "--stopping"),
        ("solve", "--threads"),
        ("solve", "--log-every"),
        ("solve", "--patterns"),
        ("solve", "--seed"),
        ("solve", "--scale"),
        ("path", "--max-iters"),
        ("path", "--split-seed"),
    ];
    for sub in SUBCOMMANDS {
        let text = help(sub);
        assert!(
            !text.contains("[`") && !text.contains("`]"),
            "{sub}: rustdoc link syntax in --help:\n{text}"
        );
        let opts = options(&text);
        assert!(!opts.is_empty(), "{sub}: no options parsed");
        for (flag, desc) in &opts {
            let words: String = desc
                .split("[possible values")
                .next()
                .unwrap()
                .split("[default")
                .next()
                .unwrap()
                .to_string();
            assert!(
                words.trim().len() > 3,
                "{sub} {flag}: no description ({desc:?})"
            );
            if with_default.contains(&(sub, flag.as_str())) {
                assert!(
                    desc.contains("[default"),
                    "{sub} {flag}: no default ({desc:?})"
                );
            }
        }
    }
}
