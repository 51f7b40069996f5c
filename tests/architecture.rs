//! The layers of the crate import one way only. Each top-level module of `src/`
//! has a level; a module may import (`crate::…`, in `use` or in a path) modules of
//! its own level or below, and the module graph has no cycle:
//!
//! ```text
//!   0  fsio, json, linalg, named         utilities (linalg: dense products)
//!   1  model, cone                       the problems, the cone-program IR and cone math
//!   2  compile                           problem → SOCP and its inverse
//!   3  certify, network                  certificates; network recovery
//!   4  solvers                           Clarabel, native first-order solvers, baselines
//!   5  decompose, export                 gated → ReLU decompositions; file formats
//!   6  results                           records, run info, weights files
//!   7  harness                           suites, runs, reports
//!   8  cli                               the command line (clap lives here only)
//! ```
//!
//! The test prints the graph it found (edge → number of references).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LAYERS: &[(&str, usize)] = &[
    ("fsio", 0),
    ("json", 0),
    ("linalg", 0),
    ("named", 0),
    ("model", 1),
    ("cone", 1),
    ("compile", 2),
    ("certify", 3),
    ("network", 3),
    ("solvers", 4),
    ("decompose", 5),
    ("export", 5),
    ("results", 6),
    ("harness", 7),
    ("cli", 8),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None` for lib.rs/main.rs).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// Every module named after `crate::` in `text`, comments and strings excluded
/// only as far as line comments go (doc links are comments and do not count).
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            if after.starts_with('{') {
                // `use crate::{a, b::c};` — every first segment of the group.
                let end = after.find('}').unwrap_or(after.len());
                for part in after[1..end].split(',') {
                    let seg: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !seg.is_empty() {
                        out.push(seg);
                    }
                }
            } else {
                let seg: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !seg.is_empty() {
                    out.push(seg);
                }
            }
            rest = after;
        }
    }
    out
}

/// The module graph of the tree at `src`: (from, to) → references.
pub fn graph(src: &Path) -> BTreeMap<(String, String), usize> {
    let mut all = Vec::new();
    files(src, &mut all);
    let mut edges = BTreeMap::new();
    for f in all {
        let Some(from) = module_of(src, &f) else {
            continue;
        };
        let text = std::fs::read_to_string(&f).unwrap();
        // A `#[cfg(test)] mod tests` block may use anything of its own module.
        for to in imports(&text) {
            if to != from {
                *edges.entry((from.clone(), to)).or_insert(0) += 1;
            }
        }
    }
    edges
}

fn level(m: &str) -> usize {
    LAYERS
        .iter()
        .find(|(n, _)| *n == m)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("module '{m}' has no declared layer: add it to LAYERS"))
}

/// Violations of the layer order and cycles of `edges`.
fn violations(edges: &BTreeMap<(String, String), usize>) -> Vec<String> {
    let mut bad = Vec::new();
    for (from, to) in edges.keys() {
        if level(to) > level(from) {
            bad.push(format!(
                "{from} (layer {}) imports {to} (layer {}), a layer above it",
                level(from),
                level(to)
            ));
        }
    }
    // Cycles: depth-first search over the module graph.
    let nodes: BTreeSet<&str> = edges
        .keys()
        .flat_map(|(a, b)| [a.as_str(), b.as_str()])
        .collect();
    fn visit<'a>(
        n: &'a str,
        edges: &'a BTreeMap<(String, String), usize>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        bad: &mut Vec<String>,
    ) {
        if done.contains(n) {
            return;
        }
        if let Some(i) = stack.iter().position(|s| *s == n) {
            let mut cycle: Vec<&str> = stack[i..].to_vec();
            cycle.push(n);
            bad.push(format!("cycle: {}", cycle.join(" → ")));
            return;
        }
        stack.push(n);
        for (a, b) in edges.keys() {
            if a == n {
                visit(b, edges, stack, done, bad);
            }
        }
        stack.pop();
        done.insert(n);
    }
    let mut done = BTreeSet::new();
    for n in nodes {
        visit(n, edges, &mut Vec::new(), &mut done, &mut bad);
    }
    bad
}

fn print(edges: &BTreeMap<(String, String), usize>) {
    println!("import graph (module → module: references):");
    for ((a, b), n) in edges {
        println!("  {a} → {b}: {n}");
    }
}

#[test]
fn layers_import_downward_only_and_without_cycles() {
    // CVXRELU_ARCH_SRC points the test at another tree (to print an old graph).
    let src = std::env::var_os("CVXRELU_ARCH_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let edges = graph(&src);
    print(&edges);
    let bad = violations(&edges);
    assert!(bad.is_empty(), "layer violations:\n{}", bad.join("\n"));
}

#[test]
fn the_check_catches_an_upward_import() {
    // The harness importing the CLI (the cycle issue 11 removed) must be caught.
    let mut edges = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    edges.insert(("harness".into(), "cli".into()), 1);
    let bad = violations(&edges);
    assert!(
        bad.iter()
            .any(|b| b.contains("harness (layer 7) imports cli")),
        "{bad:?}"
    );
    assert!(bad.iter().any(|b| b.starts_with("cycle:")), "{bad:?}");
    // ... and a cycle within one layer.
    let mut edges = BTreeMap::new();
    edges.insert(("export".to_string(), "decompose".to_string()), 1);
    edges.insert(("decompose".to_string(), "export".to_string()), 1);
    assert!(violations(&edges).iter().any(|b| b.starts_with("cycle:")));
}

#[test]
fn the_scanner_reads_use_groups_and_paths() {
    let text = "use crate::{model::Problem, cone};\nlet x = crate::solvers::solve(p);\n// crate::cli (a comment)\n";
    assert_eq!(imports(text), vec!["model", "cone", "solvers"]);
}

#[test]
fn clap_only_in_the_cli() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    for f in all {
        let m = module_of(&src, &f);
        if m.as_deref() == Some("cli") || m.is_none() {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            assert!(
                !code.contains("clap::") && !code.contains("use clap"),
                "{}:{}: clap outside src/cli/",
                f.display(),
                i + 1
            );
        }
    }
}
