//! Suite files: bad keys and values are errors naming the file and the line;
//! expansion pairs solvers with the models they solve and gives stable ids.

use std::path::Path;

use cvxrelu::harness::{Suite, expand};

const GOOD: &str = r#"name = "t"
time-limit = 5.0
lambdas = [1e-3, 1e-2]
seeds = [0, 1]

[[dataset]]
name = "s"
data = "synth:n=40,d=3,seed=1"

[[model]]
kind = "gated-relu"
patterns = 4

[[model]]
kind = "relu"
patterns = 3

[[solver]]
kind = "clarabel"

[[solver]]
kind = "fista"
tol = 1e-8

[[solver]]
kind = "al"

[[solver]]
kind = "sgd"
step-sizes = [0.1, 0.01]
"#;

fn err(text: &str) -> String {
    Suite::parse(Path::new("dir/bad.toml"), text)
        .unwrap_err()
        .to_string()
}

#[test]
fn expansion_pairs_solvers_with_models_in_order() {
    let s = Suite::parse(Path::new("dir/t.toml"), GOOD).unwrap();
    let runs = expand(&s);
    // gated: clarabel, fista, sgd; relu: clarabel, fista, al, sgd; × 2 seeds × 2 λ.
    assert_eq!(runs.len(), 2 * 2 * 3 + 2 * 2 * 4);
    assert_eq!(runs[0].info.id, "s-gated-relu-P4-s0-lam1e-3-clarabel");
    assert_eq!(runs[1].info.id, "s-gated-relu-P4-s0-lam1e-3-fista");
    assert_eq!(runs[2].info.id, "s-gated-relu-P4-s0-lam1e-3-sgd");
    assert_eq!(runs[3].info.id, "s-gated-relu-P4-s0-lam1e-2-clarabel");
    assert_eq!(runs[12].info.id, "s-relu-P3-s0-lam1e-3-clarabel");
    assert_eq!(runs[13].info.id, "s-relu-P3-s0-lam1e-3-fista");
    assert_eq!(runs[14].info.id, "s-relu-P3-s0-lam1e-3-al");
    assert!(runs.iter().enumerate().all(|(i, r)| r.index == i));
    // Fingerprints: equal for equal runs, different when a setting changes, and
    // independent of where the suite file is.
    let again = expand(&Suite::parse(Path::new("elsewhere/t.toml"), GOOD).unwrap());
    assert_eq!(
        runs,
        again
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.info.spec.data = runs[r.index].info.spec.data.clone();
                r
            })
            .collect::<Vec<_>>()
    );
    let changed = expand(
        &Suite::parse(
            Path::new("dir/t.toml"),
            &GOOD.replace("tol = 1e-8", "tol = 1e-9"),
        )
        .unwrap(),
    );
    assert_eq!(changed[0].info.fingerprint, runs[0].info.fingerprint);
    assert_ne!(changed[1].info.fingerprint, runs[1].info.fingerprint);
}

#[test]
fn errors_name_file_and_line() {
    let e = err(&GOOD.replace("patterns = 4", "patterns = 4\ncolour = 3"));
    assert!(
        e.starts_with("dir/bad.toml: line 13:") && e.contains("colour"),
        "{e}"
    );
    let e = err(&GOOD.replace("lambdas = [1e-3, 1e-2]", "lambdas = [1e-3, -1.0]"));
    assert!(
        e.starts_with("dir/bad.toml: line 3:") && e.contains("-1"),
        "{e}"
    );
    let e = err(&GOOD.replace("time-limit = 5.0", "time-limit = 0.0"));
    assert!(e.starts_with("dir/bad.toml: line 2:"), "{e}");
    let e = err(&GOOD.replace("tol = 1e-8", "tol = 2.0"));
    assert!(
        e.starts_with("dir/bad.toml: line 23:") && e.contains("tol"),
        "{e}"
    );
    let e = err(&GOOD.replace("kind = \"al\"", "kind = \"newton\""));
    assert!(
        e.starts_with("dir/bad.toml: line 26:") && e.contains("newton"),
        "{e}"
    );
    let e = err(&GOOD.replace("synth:n=40,d=3,seed=1", "no/such/file.csv"));
    assert!(
        e.starts_with("dir/bad.toml: line 8:") && e.contains("dir/no/such/file.csv"),
        "{e}"
    );
    let e = err(&GOOD.replace("step-sizes = [0.1, 0.01]", "step-sizes = [0.1, 0.0]"));
    assert!(e.starts_with("dir/bad.toml: line 30:"), "{e}");
    let e = err(&GOOD.replace(
        "kind = \"fista\"\ntol = 1e-8",
        "kind = \"fista\"\nbatch-size = 3",
    ));
    assert!(e.contains("line 23") && e.contains("sgd and adam"), "{e}");
    let e = err(&GOOD.replace(
        "[[solver]]\nkind = \"al\"",
        "[[solver]]\nkind = \"clarabel\"",
    ));
    assert!(e.contains("used twice"), "{e}");
    let e = err(&GOOD.replace("patterns = 3", "patterns = 3\nreg = \"l1\""));
    assert!(e.contains("line 17") && e.contains("neuron-gl1"), "{e}");
    let e = err(&GOOD.replace("time-limit = 5.0\n", ""));
    assert!(
        e.starts_with("dir/bad.toml") && e.contains("time-limit"),
        "{e}"
    );
    // Only al on a gated-only suite: it solves none of the models.
    let only_gated = GOOD.replace("[[model]]\nkind = \"relu\"\npatterns = 3\n", "");
    let e = err(&only_gated);
    assert!(e.contains("al solves none"), "{e}");
}

#[test]
fn bundled_suites_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("problems");
    for (name, runs) in [
        ("tiny.toml", 36),
        ("default.toml", 135),
        ("paper.toml", 5 * 6 * 9),
        // 5 datasets × 2 P × 3 λ × (gated: clarabel, fista;
        // relu: clarabel, fista, clarabel-exact)
        ("equivalence.toml", 5 * 2 * 3 * 5),
        // 5 datasets × 5 seeds × (gated: fista;
        // relu: fista, fista-exact, fista-approx, al, clarabel)
        ("table1.toml", 5 * 5 * 6),
        // 4 datasets × 9 λ × (gated: fista; relu: fista, al, clarabel)
        ("path.toml", 4 * 9 * 4),
        // iris × 2 models × 2 λ × (clarabel, scs, ecos: external entries)
        ("external.toml", 2 * 2 * 3),
    ] {
        let s = Suite::load(&root.join(name)).unwrap();
        assert_eq!(expand(&s).len(), runs, "{name}");
    }
    let paper = Suite::load(&root.join("paper.toml")).unwrap();
    assert_eq!(paper.lambdas.len(), 6);
    for (k, l) in paper.lambdas.iter().enumerate() {
        let want = 10f64.powf(-5.0 + 0.8 * k as f64);
        assert!((l / want - 1.0).abs() < 1e-12, "{l} vs {want}");
    }
}
