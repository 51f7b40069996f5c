//! The report's comparison sections ([`super::comparison`] has the math):
//! Dolan–Moré ratio profiles (table and figures), the certified f* brackets with
//! the decidability of "solved at τ", and the status audit.

use std::fmt::Write as _;

use super::comparison::{self, RatioProfile};
use super::ratio_profile;
use super::report::PROFILE_TAUS;
use crate::results::Record;

/// α of the ratio-profile table.
pub const ALPHAS: [f64; 5] = [1.0, 2.0, 4.0, 10.0, 100.0];

fn sci(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1e}")
    } else {
        "∞".into()
    }
}

/// The ratio profiles drawn by `report` (one figure per τ of [`PROFILE_TAUS`]).
pub fn figures(records: &[Record]) -> Vec<(f64, Vec<RatioProfile>)> {
    PROFILE_TAUS
        .iter()
        .map(|&t| (t, comparison::ratio_profiles(records, t)))
        .collect()
}

/// The Markdown of the comparison sections.
pub fn sections(records: &[Record], taus: &[f64]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Performance-ratio profiles (Dolan–Moré)\n");
    s.push_str(
        "ρ(α): the fraction of the model's problems a solver solves at τ within a factor α of \
the fastest solver on that problem (unsolved = ∞; the same problems for every solver).\n\n",
    );
    for &tau in taus {
        for prof in comparison::ratio_profiles(records, tau) {
            let _ = write!(
                s,
                "**{} at τ = {tau:e}** ({} problems)\n\n| solver |",
                prof.model.name(),
                prof.problems.len()
            );
            for a in ALPHAS {
                let _ = write!(s, " ρ({a}) |");
            }
            s.push_str("\n|---|");
            s.push_str(&"---:|".repeat(ALPHAS.len()));
            s.push('\n');
            for (i, (solver, _)) in prof.ratios.iter().enumerate() {
                let _ = write!(s, "| {solver} |");
                for a in ALPHAS {
                    let _ = write!(s, " {:.2} |", prof.fraction(i, a));
                }
                s.push('\n');
            }
            if !prof.missing.is_empty() {
                let list: Vec<String> = prof
                    .missing
                    .iter()
                    .map(|(sv, p)| format!("`{sv}` on `{p}`"))
                    .collect();
                let _ = writeln!(s, "\nNo record (counted unsolved): {}.", list.join(", "));
            }
            s.push('\n');
        }
    }
    for t in PROFILE_TAUS {
        let _ = writeln!(
            s,
            "![ratio profile at τ = {t:e}]({})\n",
            ratio_profile::file(t)
        );
    }

    let _ = writeln!(s, "## Certified brackets on f*\n");
    s.push_str(
        "Per problem, U = the best certified primal objective (the f* used above) and L = the \
best valid dual bound in any record (L ≤ f* ≤ U). A run is proven solved at τ when its gap to L is \
≤ τ, proven unsolved when its gap to U exceeds τ, and *undecidable* otherwise.\n\n",
    );
    let br = comparison::brackets(records);
    let widths: Vec<f64> = br.values().filter_map(|b| b.width()).collect();
    let no_lower = br.values().filter(|b| b.lower.is_none()).count();
    let mut sorted = widths.clone();
    sorted.sort_by(f64::total_cmp);
    if let Some(&worst) = sorted.last() {
        let _ = writeln!(
            s,
            "{} problems; bracket width median {}, worst {}; {} problems without a dual bound.\n",
            br.len(),
            sci(sorted[sorted.len() / 2]),
            sci(worst),
            no_lower
        );
    }
    let mut head = "| model | solver |".to_string();
    let mut rule = "|---|---|".to_string();
    for &t in taus {
        let _ = write!(head, " τ={t:e} solved / undecidable / not |");
        rule.push_str("---:|");
    }
    let _ = writeln!(s, "{head}\n{rule}");
    let per_tau: Vec<_> = taus
        .iter()
        .map(|&t| comparison::decidability(records, t))
        .collect();
    if let Some(first) = per_tau.first() {
        for (i, (model, solver, _)) in first.iter().enumerate() {
            let _ = write!(s, "| {} | {solver} |", model.name());
            for d in &per_tau {
                let c = d[i].2;
                let _ = write!(s, " {} / {} / {} |", c[0], c[1], c[2]);
            }
            s.push('\n');
        }
    }
    let wide: Vec<(&String, f64)> = br
        .iter()
        .filter_map(|(p, b)| b.width().map(|w| (p, w)))
        .filter(|(_, w)| taus.iter().any(|t| w > t))
        .collect();
    if !wide.is_empty() {
        let _ = writeln!(
            s,
            "\nBrackets wider than some τ (runs there may be undecidable):\n"
        );
        let _ = writeln!(s, "| problem | U | L | width |\n|---|---:|---:|---:|");
        for (p, w) in wide {
            let b = &br[p];
            let _ = writeln!(
                s,
                "| {p} | {} | {} | {} |",
                b.upper.map_or("–".into(), |u| format!("{u:.10e}")),
                b.lower.map_or("–".into(), |l| format!("{l:.10e}")),
                sci(w)
            );
        }
    }
    s.push('\n');

    let _ = writeln!(s, "## Status audit\n");
    s.push_str(
        "Runs that report `solved` but whose point is not certified or whose gap to U exceeds \
the solver's own tolerance (its suite `tol`, else Clarabel 1e-8, fista/al 1e-6).\n\n\
| model | solver | solved | wrong | fraction | worst gap |\n|---|---|---:|---:|---:|---:|\n",
    );
    for a in comparison::status_audit(records) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.2} | {} |",
            a.model.name(),
            a.solver,
            a.solved,
            a.wrong,
            a.wrong as f64 / a.solved.max(1) as f64,
            a.worst_gap.map_or("–".into(), sci)
        );
    }
    s.push('\n');
    s
}
