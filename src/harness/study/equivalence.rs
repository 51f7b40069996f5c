//! Equivalence of C-GReLU and C-ReLU as λ → 0 (SPEC §1, "Theory").
//!
//! For each (dataset, requested P, gate seed, λ) that has both a gated-relu and a
//! relu problem (same gates, so the same patterns):
//!
//! - **C-GReLU loss**: the training loss of the gated problem's best certified record
//!   (lowest objective among the convex solvers);
//! - **C-ReLU loss, direct**: the same on the relu problem, among the solvers of the
//!   relu problem itself (Clarabel, AL);
//! - **C-ReLU loss, decomposed**: the same among the decomposition entries (a C-GReLU
//!   solution turned into a feasible C-ReLU point with the same predictions, hence
//!   the same loss);
//! - **difference**: `(ℓ_ReLU − ℓ_GReLU) / ℓ_GReLU` with `ℓ_ReLU` the loss of the
//!   relu problem's best certified record (direct or decomposed).
//!
//! At λ = 0 the objective is the loss and both optima are equal: a feasible C-ReLU
//! point `(v, w)` gives the C-GReLU point `v − w` with the same loss, and a cone
//! decomposition gives the converse. A nonzero difference at λ = 0 therefore
//! measures the solvers (one of them stopped above the optimum), not the models.
//! For λ > 0 C-GReLU is a relaxation (`p*_GReLU ≤ p*_ReLU` in objective); the
//! losses at the two optima need not be ordered.

use std::fmt::Write as _;

use super::{Section, best, dataset, distinct, sci, seed};
use crate::harness::metrics::is_decomposition;
use crate::model::{Model, Regularizer};
use crate::results::record::Record;
use crate::solvers::Status;

/// `loss (solver[, status])`, or "–".
fn loss_cell(r: Option<&Record>, violation: bool) -> String {
    let Some(r) = r else {
        return "–".into();
    };
    let mut who = r.solver.to_string();
    if r.status != Status::Solved {
        let _ = write!(who, ", {}", r.status.name());
    }
    if violation {
        let _ = write!(who, ", viol. {:.0e}", r.max_cone_violation);
    }
    format!("{} ({who})", sci(r.loss, 8))
}

pub fn render(records: &[Record]) -> Section {
    let mut md = String::from("## Study: equivalence of C-GReLU and C-ReLU as λ → 0\n\n");
    md.push_str(
        "Per dataset, requested P (effective P after removing duplicate and all-zero \
patterns), gate seed and λ: the training loss at the best certified point of each model \
(lowest objective among the convex solvers; solver and, when not `solved`, its status in \
parentheses). *Decomposed*: the best decomposition entry — a C-GReLU solution turned into \
a feasible C-ReLU point with the same predictions, hence the same loss (its cone \
violation in parentheses). *Difference*: (C-ReLU − C-GReLU)/C-GReLU with C-ReLU the loss \
of the relu problem's best certified point, direct or decomposed.\n\n\
At λ = 0 the theorem says the two optimal losses are equal (a feasible C-ReLU point \
(v, w) is the C-GReLU point v − w with the same loss; a cone decomposition gives the \
converse), so a nonzero difference at λ = 0 measures how far a solver stopped above the \
optimum. For λ > 0, C-GReLU is a relaxation in objective; the losses need not be ordered.\n\n",
    );
    md.push_str(
        "| dataset | P | seed | λ | C-GReLU loss | C-ReLU loss, direct | C-ReLU loss, decomposed | difference |\n\
|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let gated = |r: &&Record| {
        r.problem.model == Model::GatedRelu && r.problem.reg == Regularizer::NeuronGl1
    };
    let keys = distinct(records.iter().filter(gated).map(|r| {
        (
            dataset(r),
            r.problem.patterns_requested,
            seed(r),
            r.problem.lambda,
        )
    }));
    let mut rows = 0;
    for (ds, p, s, lambda) in keys {
        let same = |r: &&Record| {
            dataset(r) == ds
                && r.problem.patterns_requested == p
                && seed(r) == s
                && r.problem.lambda == lambda
        };
        let relu: Vec<&Record> = records
            .iter()
            .filter(same)
            .filter(|r| r.problem.model == Model::Relu)
            .collect();
        if relu.is_empty() {
            continue;
        }
        let g = best(records.iter().filter(same).filter(gated));
        let direct = best(relu.iter().copied().filter(|r| !is_decomposition(r)));
        let decomposed = best(relu.iter().copied().filter(|r| is_decomposition(r)));
        let relu_best = best(relu.iter().copied());
        let diff = match (g, relu_best) {
            (Some(g), Some(r)) => (r.loss - g.loss) / g.loss.abs().max(f64::MIN_POSITIVE),
            _ => f64::NAN,
        };
        let eff = relu[0].problem.patterns;
        let _ = writeln!(
            md,
            "| {ds} | {eff}/{p} | {s} | {lambda:e} | {} | {} | {} | {} |",
            loss_cell(g, false),
            loss_cell(direct, false),
            loss_cell(decomposed, true),
            sci(diff, 1)
        );
        rows += 1;
    }
    if rows == 0 {
        md.push_str("\n(no problem has records of both models yet)\n");
    }
    md.push('\n');
    Section {
        markdown: md,
        files: Vec::new(),
    }
}
