//! The regularization path: per dataset and requested P, the test metric and the
//! number of active neurons against λ (log axis), one series per (model, solver)
//! entry, each point the median over the gate seeds of the runs that ended with a
//! point (status ok). Written as `path-DATASET-P{P}.svg` (two panels) plus a table
//! of the same numbers with the statuses. λ = 0 has no place on a log axis: it is
//! left out of the figure and kept in the table.
//!
//! Active neurons are those of the records (blocks above 1e-6 × the largest block
//! norm; a C-ReLU block pair counts as two neurons). Each λ is its own run, solved
//! from a cold start.

use std::fmt::Write as _;

use plotters::prelude::*;

use super::{Section, dataset, distinct, label};
use crate::harness::HarnessError;
use crate::harness::metrics::{median, status_ok};
use crate::results::record::Record;

/// One series: its legend and `(λ, test metric, active neurons)` per λ.
struct Series {
    label: String,
    points: Vec<(f64, f64, f64)>,
}

/// `λ` as written when short (`1e-3`), else with four significant digits.
fn short(lambda: f64) -> String {
    let exact = format!("{lambda:e}");
    if exact.len() <= 8 {
        exact
    } else {
        format!("{lambda:.3e}")
    }
}

/// File name of the figure of `dataset` at requested `p`.
pub fn file_name(dataset: &str, p: usize) -> String {
    format!("path-{dataset}-P{p}.svg")
}

pub fn render(records: &[Record]) -> Result<Section, HarnessError> {
    let mut md = String::from("## Study: regularization path\n\n");
    md.push_str(
        "Test metric and active neurons of the recovered network against λ, each λ solved \
from a cold start; per point the median over the gate seeds of the runs that ended with a \
point. Active neurons: blocks above 1e-6 × the largest block norm (a C-ReLU pair (v, w) \
counts as two). Table cells: test metric / active neurons, and the statuses when not all \
`solved`.\n\n",
    );
    let mut files = Vec::new();
    for (ds, p) in distinct(
        records
            .iter()
            .map(|r| (dataset(r), r.problem.patterns_requested)),
    ) {
        let group: Vec<&Record> = records
            .iter()
            .filter(|r| dataset(r) == ds && r.problem.patterns_requested == p)
            .collect();
        let metric = format!("{:?}", group[0].metric).to_lowercase();
        let mut lambdas = distinct(group.iter().map(|r| r.problem.lambda));
        lambdas.sort_by(|a, b| b.total_cmp(a));
        let entries = distinct(
            group
                .iter()
                .map(|r| (r.problem.model, r.solver.to_string())),
        );
        let mut series = Vec::new();
        let _ = writeln!(md, "### {ds}, P = {p} requested\n");
        let name = file_name(ds, p);
        let _ = writeln!(md, "![{ds} path]({name})\n");
        let mut head = "| λ |".to_string();
        let mut rule = "|---:|".to_string();
        let mut cells: Vec<Vec<String>> = vec![Vec::new(); lambdas.len()];
        for (model, solver) in &entries {
            let rs: Vec<&Record> = group
                .iter()
                .copied()
                .filter(|r| r.problem.model == *model && r.solver == *solver.as_str())
                .collect();
            let lab = format!("{} `{solver}`", label(rs[0]));
            let _ = write!(head, " {lab} |");
            rule.push_str("---:|");
            let mut points = Vec::new();
            for (j, &lambda) in lambdas.iter().enumerate() {
                let at: Vec<&Record> = rs
                    .iter()
                    .copied()
                    .filter(|r| r.problem.lambda == lambda)
                    .collect();
                let ok: Vec<&Record> = at.iter().copied().filter(|r| status_ok(r.status)).collect();
                let test = median(
                    &ok.iter()
                        .map(|r| r.test_metric.unwrap_or(f64::NAN))
                        .collect::<Vec<_>>(),
                );
                let active = median(
                    &ok.iter()
                        .map(|r| r.active_neurons as f64)
                        .collect::<Vec<_>>(),
                );
                let mut cell = if at.is_empty() {
                    "".to_string()
                } else if ok.is_empty() {
                    "–".to_string()
                } else {
                    format!("{test:.4} / {active}")
                };
                if at.iter().any(|r| !r.status.is_solved()) {
                    let _ = write!(cell, " ({})", super::status_counts(&at));
                }
                cells[j].push(cell);
                if lambda > 0.0 && !ok.is_empty() {
                    points.push((lambda, test, active));
                }
            }
            series.push(Series {
                label: format!("{} ({solver})", label(rs[0])),
                points,
            });
        }
        let _ = writeln!(md, "{head}\n{rule}");
        for (j, &lambda) in lambdas.iter().enumerate() {
            let _ = writeln!(md, "| {} | {} |", short(lambda), cells[j].join(" | "));
        }
        md.push('\n');
        let svg = draw(&series, ds, p, &metric).map_err(|message| HarnessError::Corrupt {
            path: name.clone().into(),
            message: format!("cannot draw the path figure: {message}"),
        })?;
        files.push((name, svg));
    }
    Ok(Section {
        markdown: md,
        files,
    })
}

fn draw(series: &[Series], name: &str, p: usize, metric: &str) -> Result<String, String> {
    let all = || series.iter().flat_map(|s| s.points.iter());
    let lmin = all().map(|x| x.0).fold(f64::INFINITY, f64::min);
    let lmax = all().map(|x| x.0).fold(0.0, f64::max);
    let (lmin, lmax) = if lmin.is_finite() && lmax > 0.0 {
        (lmin, lmax)
    } else {
        (1e-5, 1e-1)
    };
    let amax = all().map(|x| x.2).fold(1.0, f64::max);
    let (tmin, tmax) = all()
        .map(|x| x.1)
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    let (tmin, tmax) = if tmin.is_finite() {
        (tmin, tmax)
    } else {
        (0.0, 1.0)
    };
    let pad = ((tmax - tmin) * 0.1).max(1e-3);
    let colors = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(255, 127, 14),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
    ];
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1100, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| e(&x))?;
        let areas = root.split_evenly((1, 2));
        for (panel, area) in areas.iter().enumerate() {
            let (title, ylo, yhi, ydesc) = if panel == 0 {
                (
                    format!("{name}, P = {p}: test {metric}"),
                    tmin - pad,
                    tmax + pad,
                    format!("test {metric}"),
                )
            } else {
                (
                    format!("{name}, P = {p}: active neurons"),
                    0.0,
                    amax * 1.05,
                    "active neurons".to_string(),
                )
            };
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d((lmin / 1.3..lmax * 1.3).log_scale(), ylo..yhi)
                .map_err(|x| e(&x))?;
            chart
                .configure_mesh()
                .light_line_style(RGBColor(238, 238, 238))
                .bold_line_style(RGBColor(200, 200, 200))
                .x_desc("λ")
                .y_desc(ydesc)
                .draw()
                .map_err(|x| e(&x))?;
            for (s, ser) in series.iter().enumerate() {
                let color = colors[s % colors.len()];
                let xy: Vec<(f64, f64)> = ser
                    .points
                    .iter()
                    .map(|&(l, t, a)| (l, if panel == 0 { t } else { a }))
                    .filter(|(_, y)| y.is_finite())
                    .collect();
                chart
                    .draw_series(LineSeries::new(xy.clone(), color.stroke_width(2)))
                    .map_err(|x| e(&x))?
                    .label(ser.label.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                chart
                    .draw_series(xy.into_iter().map(|c| Circle::new(c, 3, color.filled())))
                    .map_err(|x| e(&x))?;
            }
            chart
                .configure_series_labels()
                .position(if panel == 0 {
                    SeriesLabelPosition::LowerLeft
                } else {
                    SeriesLabelPosition::UpperRight
                })
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|x| e(&x))?;
        }
        root.present().map_err(|x| e(&x))?;
    }
    Ok(svg)
}
