//! Fuzzing in the normal test run (see `fuzz/README.md`): every committed seed and
//! every committed crash input (`fuzz/crashes/<target>/`, the regressions) goes
//! through its reader without a panic or an allocation above 1 GiB, then a bounded
//! number of mutated cases per target (a few seconds in all). Long runs:
//! `cargo run --release --example fuzz -- --minutes 10 --target cbf`.

#[path = "../fuzz/harness.rs"]
mod harness;

use harness::{ALL, CapAlloc, Fuzzer, Outcome, Target, inputs, run_one, seeds};

#[global_allocator]
static ALLOC: CapAlloc = CapAlloc;

/// Mutated cases per target in `cargo test`.
const CASES: u64 = 1500;

fn check_committed(target: Target) {
    let ws = harness::Workspace::new();
    let mut n = 0;
    for kind in ["seeds", "crashes"] {
        for (path, bytes) in inputs(kind, target) {
            let o = run_one(target, &ws, &bytes);
            assert!(!o.is_failure(), "{}: {o:?}", path.display());
            // Buffers are bounded by what the file contains, not by its headers:
            // no single request above 1 MiB + 64 bytes per input byte.
            let peak = harness::last_case_peak();
            assert!(
                peak <= (1 << 20) + 64 * bytes.len(),
                "{}: a {peak}-byte allocation from a {}-byte file",
                path.display(),
                bytes.len()
            );
            if kind == "seeds" {
                // The seeds are valid files: they reach the end of the reader.
                assert_eq!(o, Outcome::Ok, "seed {} is refused", path.display());
            }
            n += 1;
        }
    }
    assert!(n > 0);
}

fn bounded_run(target: Target) {
    let mut f = Fuzzer::new(target, seeds(target), 0x5eed ^ target as u64);
    let mut errors = 0;
    for _ in 0..CASES {
        if let Outcome::Err(_) = f.step() {
            errors += 1;
        }
    }
    // The mutator must produce both accepted and refused inputs, or it tests nothing.
    assert!(
        errors > 0 && errors < CASES,
        "{}: {errors} errors",
        target.name()
    );
    if let Some((input, o)) = f.failures.first() {
        let dir = std::env::temp_dir().join("cvxrelu-fuzz-failures");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}-{}", target.name(), harness::input_name(input)));
        std::fs::write(&path, input).unwrap();
        panic!(
            "{}: {} failing input(s); first: {o:?}, saved to {} (add it to fuzz/crashes/{}/)",
            target.name(),
            f.failures.len(),
            path.display(),
            target.name()
        );
    }
}

#[test]
fn every_target_has_a_test() {
    assert_eq!(ALL.len(), 5);
}

macro_rules! target_tests {
    ($($committed:ident, $bounded:ident => $t:expr;)*) => {$(
        #[test]
        fn $committed() {
            check_committed($t);
        }
        #[test]
        fn $bounded() {
            bounded_run($t);
        }
    )*};
}

target_tests! {
    csv_committed_inputs, csv_bounded_fuzz => Target::Csv;
    cbf_committed_inputs, cbf_bounded_fuzz => Target::Cbf;
    suite_committed_inputs, suite_bounded_fuzz => Target::Suite;
    problem_committed_inputs, problem_bounded_fuzz => Target::Problem;
    weights_committed_inputs, weights_bounded_fuzz => Target::Weights;
}

/// The harness itself: an allocation above the cap is a failure even when the code
/// handles the refusal, and a panic is caught with its message.
#[test]
fn the_harness_reports_oversized_allocations_and_panics() {
    let o = harness::run_case(b"x", || {
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(harness::ALLOC_CAP + 1)
            .map_err(|e| e.to_string())
    });
    assert_eq!(o, Outcome::Oversize(harness::ALLOC_CAP + 1));
    let o = harness::run_case(b"x", || {
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(1 << 20).map_err(|e| e.to_string())
    });
    assert_eq!(o, Outcome::Ok);
    let o = harness::run_case(b"x", || panic!("boom {}", 1));
    assert_eq!(o, Outcome::Panic("boom 1".into()));
    let o = harness::run_case(b"x", || Err("refused".into()));
    assert_eq!(o, Outcome::Err("refused".into()));
}

/// The CBF header that aborted the reader is an error now, without allocating.
#[test]
fn cbf_huge_headers_are_refused_without_allocating() {
    let ws = harness::Workspace::new();
    for n in ["2147483648", "100000000000", "18446744073709551615"] {
        let text = format!("VER\n3\nOBJSENSE\nMIN\nVAR\n{n} 1\nF {n}\n");
        let o = run_one(Target::Cbf, &ws, text.as_bytes());
        assert!(
            matches!(&o, Outcome::Err(m) if m.contains("above the memory limit")),
            "{n}: {o:?}"
        );
    }
}
