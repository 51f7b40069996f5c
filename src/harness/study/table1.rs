//! A Table-1 analog (the paper's comparison of the gated and ReLU models and of the
//! decompositions): per λ, dataset and requested P, one row per (model, solver)
//! entry with its test metric, penalty, objective, time (setup + solve; for a
//! decomposition entry the C-GReLU solve plus the decomposition), max cone violation
//! and, for decompositions, the inflation factor `Σ(‖v‖+‖w‖)/Σ‖u‖` — each as median
//! [first quartile, third quartile] over the gate seeds.
//!
//! Runs without a point (skipped by the memory guard, solver errors) are left out of
//! the quartiles and counted in the status column; the reason of each skip is listed
//! under the table. Points that end at a limit (`max_iterations`, `time_limit`) are
//! included, with their status counted, and the column *certified* counts the points
//! with max cone violation ≤ 1e-6 ([`metrics::certified`](crate::harness::metrics::certified)).

use std::fmt::Write as _;

use super::{Section, dataset, distinct, label, quartile_cell, status_counts};
use crate::harness::decomposed::detail;
use crate::harness::metrics::{certified, status_ok};
use crate::model::Model;
use crate::results::record::Record;

pub fn render(records: &[Record]) -> Section {
    let mut md = String::from("## Study: Table-1 analog\n\n");
    md.push_str(
        "Median [first quartile, third quartile] over the gate seeds. Test metric: accuracy \
(classification) or MSE (regression, lower is better) of the recovered network on the \
test split. Objective and penalty are those of the row's model (C-GReLU rows: the gated \
objective, a lower bound on the C-ReLU optimum; decomposition rows: the C-ReLU objective \
of the decomposed point), recomputed from the weights. Time: setup + solve in seconds; \
for a decomposition, the C-GReLU solve plus the decomposition. Inflation: \
Σ(‖v‖+‖w‖)/Σ‖u‖ of the decomposition. *Certified*: runs whose point has a finite \
objective and max cone violation ≤ 1e-6 (the medians include the others, e.g. a \
solver's point at its time limit). Runs without a point (skipped, errors) are counted \
under *statuses* and left out of the quartiles.\n\n",
    );
    let keys = distinct(
        records
            .iter()
            .map(|r| (r.problem.lambda, dataset(r), r.problem.patterns_requested)),
    );
    for (lambda, ds, p) in keys {
        let group: Vec<&Record> = records
            .iter()
            .filter(|r| {
                r.problem.lambda == lambda && dataset(r) == ds && r.problem.patterns_requested == p
            })
            .collect();
        let seeds = distinct(group.iter().map(|r| super::seed(r)));
        let metric = format!("{:?}", group[0].metric).to_lowercase();
        let pats = distinct(group.iter().map(|r| r.problem.patterns));
        let pats: Vec<String> = pats.iter().map(|x| x.to_string()).collect();
        let _ = writeln!(
            md,
            "### {ds}, λ = {lambda:e}, P = {p} requested ({} effective), seeds {seeds:?}\n",
            pats.join("/")
        );
        let _ = writeln!(
            md,
            "| method | entry | test {metric} | penalty | objective | time s | max cone viol. | inflation | certified | statuses |\n\
|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
        );
        let entries = distinct(
            group
                .iter()
                .map(|r| (r.problem.model, r.solver.to_string())),
        );
        let mut skips: Vec<String> = Vec::new();
        for (model, solver) in entries {
            let rs: Vec<&Record> = group
                .iter()
                .copied()
                .filter(|r| r.problem.model == model && r.solver == *solver.as_str())
                .collect();
            let with_point: Vec<&Record> =
                rs.iter().copied().filter(|r| status_ok(r.status)).collect();
            let col = |f: &dyn Fn(&Record) -> f64| -> Vec<f64> {
                with_point.iter().map(|r| f(r)).collect()
            };
            let inflation: Vec<f64> = with_point
                .iter()
                .filter_map(|r| detail(r).map(|d| d.decomposition.inflation))
                .collect();
            let _ = writeln!(
                md,
                "| {} | `{solver}` ({}) | {} | {} | {} | {} | {} | {} | {}/{} | {} |",
                label(rs[0]),
                match model {
                    Model::GatedRelu => "gated-relu",
                    Model::Relu => "relu",
                },
                quartile_cell(&col(&|r| r.test_metric.unwrap_or(f64::NAN)), |x| {
                    format!("{x:.4}")
                }),
                quartile_cell(&col(&|r| r.penalty), |x| format!("{x:.4e}")),
                quartile_cell(&col(&|r| r.objective), |x| format!("{x:.4e}")),
                quartile_cell(&col(&|r| r.time.total()), |x| { format!("{x:.3}") }),
                quartile_cell(&col(&|r| r.max_cone_violation), |x| format!("{x:.1e}")),
                if inflation.is_empty() {
                    "".into()
                } else {
                    quartile_cell(&inflation, |x| format!("{x:.2}"))
                },
                with_point.iter().filter(|r| certified(r)).count(),
                rs.len(),
                status_counts(&rs),
            );
            for r in rs.iter().filter(|r| !status_ok(r.status)) {
                let why = r
                    .details
                    .skipped
                    .as_deref()
                    .or(r.details.error.as_deref())
                    .unwrap_or("no reason recorded");
                skips.push(format!(
                    "- `{solver}` seed {}: {} — {why}",
                    super::seed(r),
                    r.status.name()
                ));
            }
        }
        if !skips.is_empty() {
            md.push_str("\nRuns without a point:\n\n");
            for s in skips {
                let _ = writeln!(md, "{s}");
            }
        }
        md.push('\n');
    }
    Section {
        markdown: md,
        files: Vec::new(),
    }
}
