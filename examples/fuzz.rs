//! Long fuzz runs of the CLI's file readers (see `fuzz/README.md`):
//!
//! ```text
//! cargo run --release --example fuzz -- --target cbf --minutes 10 [--seed 1]
//! ```
//!
//! Prints execs, corpus size and failures per minute; on a failure (a panic or an
//! allocation above 1 GiB) the input is saved to `fuzz/out/<target>/crash-<hash>`
//! and the run exits 1 at the end (an aborting allocation leaves the input in
//! `fuzz/out/<target>/aborted-input` and the process dies with SIGABRT).

#[path = "../fuzz/harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use harness::{CapAlloc, Fuzzer, Target};

#[global_allocator]
static ALLOC: CapAlloc = CapAlloc;

fn main() {
    let mut target = None;
    let mut minutes = 1.0f64;
    let mut seed = 1u64;
    let mut show = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--target" => {
                let v = value();
                target = Some(
                    Target::from_name(&v).unwrap_or_else(|| usage(&format!("unknown target {v}"))),
                );
            }
            "--minutes" => {
                minutes = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--minutes: a number"))
            }
            "--show-signatures" => show = true,
            "--seed" => {
                seed = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--seed: an integer"))
            }
            _ => usage(&format!("unknown argument {a}")),
        }
    }
    let target = target.unwrap_or_else(|| usage("--target is required"));
    let out = harness::fuzz_dir().join("out").join(target.name());
    std::fs::create_dir_all(&out).expect("fuzz/out folder");
    harness::arm_crash_dump(&out.join("aborted-input")).expect("crash dump file");

    let start = Instant::now();
    let limit = Duration::from_secs_f64(minutes * 60.0);
    let mut f = Fuzzer::new(target, harness::seeds(target), seed);
    let mut next_report = Duration::from_secs(60);
    let mut saved = 0;
    let (mut oks, mut errs) = (0u64, 0u64);
    while start.elapsed() < limit {
        for _ in 0..100 {
            match f.step() {
                harness::Outcome::Ok => oks += 1,
                harness::Outcome::Err(_) => errs += 1,
                _ => {}
            }
        }
        while saved < f.failures.len() {
            let (input, o) = &f.failures[saved];
            let path = out.join(format!("crash-{}", harness::input_name(input)));
            std::fs::write(&path, input).expect("saving a crash");
            eprintln!("FAILURE {o:?}: saved {}", path.display());
            saved += 1;
        }
        if start.elapsed() >= next_report {
            eprintln!(
                "{} {:.1} min: {} execs ({} ok, {} refused), corpus {}, failures {}",
                target.name(),
                start.elapsed().as_secs_f64() / 60.0,
                f.execs,
                oks,
                errs,
                f.corpus_len(),
                f.failures.len()
            );
            next_report += Duration::from_secs(60);
        }
    }
    let _ = std::fs::remove_file(out.join("aborted-input"));
    if show {
        for s in f.signatures() {
            println!("signature: {s}");
        }
    }
    println!(
        "target {} seed {seed}: {} execs in {:.2} minutes ({} ok, {} refused), corpus {}, failures {}, largest allocation request {} bytes",
        target.name(),
        f.execs,
        start.elapsed().as_secs_f64() / 60.0,
        oks,
        errs,
        f.corpus_len(),
        f.failures.len(),
        harness::PEAK_REQUEST.load(std::sync::atomic::Ordering::Relaxed)
    );
    std::process::exit(if f.failures.is_empty() { 0 } else { 1 });
}

fn usage(msg: &str) -> ! {
    eprintln!(
        "error: {msg}\nusage: cargo run --release --example fuzz -- --target csv|cbf|suite|problem|weights [--minutes M] [--seed S] [--show-signatures]"
    );
    std::process::exit(2);
}
