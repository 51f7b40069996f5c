//! Clarabel's configurations on the reference problems (issue 14, item 8): writes
//! `OUT/iterations.md` (load-independent: iterations, correctness, distance to the
//! reference optimum), `OUT/variants.json` (every solve), and with `--repeats K`
//! `OUT/times.md` (median wall time of K solves as ratios to the default, and
//! CVXPY + Clarabel's time from `--cvxpy FILE` as a ratio). See
//! `cvxrelu::harness::ipm`.
//!
//! ```text
//! cargo run --release --example ipm_variants -- \
//!     [--reference tests/data/reference] [--out results/ipm] \
//!     [--cvxpy results/ipm/cvxpy.json] [--repeats 5] [--only NAME_SUBSTRING]
//! ```
//!
//! Take times on a quiet machine (`--repeats` > 0); without it nothing is timed.

use std::path::PathBuf;
use std::process::ExitCode;

use cvxrelu::fsio::write_atomic;
use cvxrelu::harness::ipm;

struct Args {
    reference: PathBuf,
    out: PathBuf,
    cvxpy: Option<PathBuf>,
    repeats: usize,
    only: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        reference: PathBuf::from("tests/data/reference"),
        out: PathBuf::from("results/ipm"),
        cvxpy: None,
        repeats: 0,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag}: needs a value"));
        match flag.as_str() {
            "--reference" => a.reference = value()?.into(),
            "--out" => a.out = value()?.into(),
            "--cvxpy" => a.cvxpy = Some(value()?.into()),
            "--repeats" => {
                let v = value()?;
                a.repeats = v
                    .parse()
                    .map_err(|_| format!("--repeats: '{v}' is not a count"))?;
            }
            "--only" => a.only = Some(value()?),
            other => return Err(format!("unknown argument '{other}' (see the file's docs)")),
        }
    }
    Ok(a)
}

fn run(a: &Args) -> Result<(), String> {
    let problems: Vec<_> = ipm::reference_problems(&a.reference)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|p| a.only.as_ref().is_none_or(|o| p.name.contains(o.as_str())))
        .collect();
    if problems.is_empty() {
        return Err("no reference problem selected".into());
    }
    let cvxpy = match &a.cvxpy {
        Some(p) => Some(ipm::read_cvxpy(p).map_err(|e| e.to_string())?),
        None => None,
    };
    let variants = ipm::variants();
    let mut runs = Vec::new();
    for p in &problems {
        let r = ipm::run_problem(p, &variants, a.repeats).map_err(|e| e.to_string())?;
        for v in &r {
            eprintln!(
                "{} {}: {} in {} iterations, objective {:.10e} (rel {:.1e})",
                v.problem,
                v.variant,
                v.status.name(),
                v.iterations,
                v.objective,
                v.rel_to_reference
            );
        }
        runs.extend(r);
    }
    std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    let write = |name: &str, text: &str| {
        write_atomic(&a.out.join(name), text.as_bytes()).map_err(|e| e.to_string())
    };
    let json = serde_json::to_string_pretty(&runs).map_err(|e| e.to_string())?;
    write("variants.json", &(json + "\n"))?;
    let head = "# Clarabel configurations on the reference problems\n\nWritten by `cargo run --release --example ipm_variants`; see `src/harness/ipm.rs`.\n\n";
    write(
        "iterations.md",
        &format!(
            "{head}{}",
            ipm::iterations_table(&problems, &runs, cvxpy.as_ref())
        ),
    )?;
    if let Some(t) = ipm::times_table(&problems, &runs, cvxpy.as_ref()) {
        write("times.md", &format!("{head}{t}"))?;
    }
    eprintln!("wrote {}", a.out.display());
    Ok(())
}

fn main() -> ExitCode {
    match parse().and_then(|a| run(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ipm_variants: {e}");
            ExitCode::from(2)
        }
    }
}
