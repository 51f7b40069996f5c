//! Performance profiles (SPEC §4): for one τ, the fraction of a model's problems
//! each solver has solved at τ by time `t`, against `t` on a log axis — one panel
//! per model (solvers only meet on the problems of the models they solve).
//! A curve steps up at each solved run's time to τ ([`metrics::time_to`]) and stays
//! below 1 by the fraction of unsolved problems: every curve of a panel has the
//! same denominator, the model's problems in the records (a solver without a
//! record of a problem counts it unsolved). SGD and Adam get two curves: the best
//! step size in hindsight, and (thinner, same colour) `(whole grid)`, which adds
//! the other step sizes' time as a user pays it ([`metrics::Accounting`]). Drawn
//! with plotters' SVG backend. The Dolan–Moré ratio profiles are
//! [`super::ratio_profile`].

use std::collections::BTreeMap;
use std::path::Path;

use plotters::prelude::*;

use super::HarnessError;
use super::metrics::{self, Accounting};
use crate::model::Model;
use crate::results::record::Record;
use crate::solvers::SolverDetails;

/// One curve: the sorted solve times and the number of problems of its panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    pub solver: String,
    pub times: Vec<f64>,
    /// The panel's problems (the same for every curve of a model).
    pub runs: usize,
}

/// Curves per model at `tau`.
pub fn curves(records: &[Record], tau: f64) -> BTreeMap<&'static str, (Model, Vec<Curve>)> {
    let optima = metrics::reference_optima(records);
    let mut out: BTreeMap<&'static str, (Model, Vec<Curve>)> = BTreeMap::new();
    for r in records {
        let entry = out
            .entry(r.problem.model.name())
            .or_insert_with(|| (r.problem.model, Vec::new()));
        let pid = r.run.as_ref().map(|x| x.problem_id.as_str()).unwrap_or("");
        let baseline = matches!(r.details.solver, Some(SolverDetails::Baseline(_)));
        let accountings: &[Accounting] = if baseline {
            &[Accounting::BestRun, Accounting::WholeGrid]
        } else {
            &[Accounting::BestRun]
        };
        for &accounting in accountings {
            let name = match accounting {
                Accounting::BestRun => r.solver.to_string(),
                Accounting::WholeGrid => format!("{} {}", r.solver, metrics::WHOLE_GRID),
            };
            let idx = match entry.1.iter().position(|c| c.solver == name) {
                Some(i) => i,
                None => {
                    entry.1.push(Curve {
                        solver: name,
                        times: Vec::new(),
                        runs: 0,
                    });
                    entry.1.len() - 1
                }
            };
            let c = &mut entry.1[idx];
            c.runs += 1;
            if let Some(t) = metrics::time_to_with(r, optima.get(pid).copied(), tau, accounting) {
                c.times.push(t);
            }
        }
    }
    for (model, cs) in out.values_mut() {
        let problems: std::collections::BTreeSet<&str> = records
            .iter()
            .filter(|r| r.problem.model == *model)
            .map(|r| r.run.as_ref().map(|x| x.problem_id.as_str()).unwrap_or(""))
            .collect();
        for c in cs.iter_mut() {
            c.times.sort_by(f64::total_cmp);
            c.runs = problems.len();
        }
    }
    out
}

/// The curve colours, shared by the ratio profiles.
pub(super) const COLORS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// A solver's colour; its `(whole grid)` curve shares it (drawn thinner).
fn color_of(solver: &str, all: &[String]) -> RGBColor {
    let base = solver
        .strip_suffix(metrics::WHOLE_GRID)
        .map_or(solver, str::trim_end);
    let bases: Vec<&String> = all
        .iter()
        .filter(|s| !s.ends_with(metrics::WHOLE_GRID))
        .collect();
    let i = bases.iter().position(|s| *s == base).unwrap_or(0);
    COLORS[i % COLORS.len()]
}

/// The points of a step curve from `(x0, 0)`: up by `1/n` at each sorted `x`,
/// flat to `x_end` (the `x` are clamped to `x0`).
pub(super) fn steps(x0: f64, xs: &[f64], n: usize, x_end: f64) -> Vec<(f64, f64)> {
    let n = n.max(1) as f64;
    let mut pts = vec![(x0, 0.0)];
    for (i, &x) in xs.iter().enumerate() {
        let x = x.max(x0);
        pts.push((x, i as f64 / n));
        pts.push((x, (i + 1) as f64 / n));
    }
    pts.push((x_end, xs.len() as f64 / n));
    pts
}

pub(super) fn draw_err(path: &Path, e: impl std::fmt::Display) -> HarnessError {
    HarnessError::Write(crate::fsio::WriteError {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })
}

/// Render the profile at `tau` to an SVG string.
pub fn render(
    records: &[Record],
    tau: f64,
    path_for_errors: &Path,
) -> Result<String, HarnessError> {
    let curves = curves(records, tau);
    let mut solvers: Vec<String> = Vec::new();
    for (_, cs) in curves.values() {
        for c in cs {
            if !solvers.contains(&c.solver) {
                solvers.push(c.solver.clone());
            }
        }
    }
    let all_times: Vec<f64> = curves
        .values()
        .flat_map(|(_, cs)| cs.iter().flat_map(|c| c.times.iter().copied()))
        .collect();
    let tmax_limit = records
        .iter()
        .map(metrics::time_limit)
        .filter(|t| t.is_finite())
        .fold(0.0, f64::max);
    let tmin = all_times
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .min(tmax_limit.max(1e-3))
        .max(1e-4)
        / 1.5;
    let tmax = all_times
        .iter()
        .copied()
        .fold(tmax_limit, f64::max)
        .max(tmin * 10.0)
        * 1.5;
    let panels = curves.len().max(1);
    let mut svg = String::new();
    {
        let err = |e| draw_err(path_for_errors, e);
        let root =
            SVGBackend::with_string(&mut svg, (520 * panels as u32, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let areas = root.split_evenly((1, panels));
        for (area, (name, (_, cs))) in areas.iter().zip(curves.iter()) {
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("{name}: solved at tau = {tau:e}"),
                    ("sans-serif", 18),
                )
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(50)
                .build_cartesian_2d((tmin..tmax).log_scale(), 0f64..1.05f64)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc("time (s), setup included")
                .y_desc("fraction of problems solved")
                .draw()
                .map_err(err)?;
            for c in cs {
                let color = color_of(&c.solver, &solvers);
                let width = if c.solver.ends_with(metrics::WHOLE_GRID) {
                    1
                } else {
                    2
                };
                let pts = steps(tmin, &c.times, c.runs, tmax);
                chart
                    .draw_series(LineSeries::new(pts, color.stroke_width(width)))
                    .map_err(err)?
                    .label(format!("{} ({}/{})", c.solver, c.times.len(), c.runs))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}
