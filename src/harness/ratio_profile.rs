//! The Dolan–Moré performance-ratio profile as an SVG ([`super::comparison`] has
//! the math): one panel per model, `ρ_s(α)` against `α` on a log axis from 1.

use std::path::Path;

use plotters::prelude::*;

use super::HarnessError;
use super::comparison::RatioProfile;
use super::profile::{COLORS, draw_err, steps};

/// File name of the ratio profile at `tau`.
pub fn file(tau: f64) -> String {
    format!("ratio-profile-tau-{tau:e}.svg")
}

/// Render the profiles (one per model) at one τ.
pub fn render(profiles: &[RatioProfile], path_for_errors: &Path) -> Result<String, HarnessError> {
    let err = |e: &dyn std::fmt::Display| draw_err(path_for_errors, e);
    // α from 1 to past the largest finite ratio.
    let amax = profiles
        .iter()
        .flat_map(|p| p.ratios.iter().flat_map(|(_, r)| r.iter().copied()))
        .filter(|r| r.is_finite())
        .fold(10.0f64, f64::max)
        * 2.0;
    let tau = profiles.first().map_or(0.0, |p| p.tau);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (520 * profiles.len().max(1) as u32, 420))
            .into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let areas = root.split_evenly((1, profiles.len().max(1)));
        for (area, prof) in areas.iter().zip(profiles) {
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("{}: ratio profile, tau = {tau:e}", prof.model.name()),
                    ("sans-serif", 18),
                )
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(50)
                .build_cartesian_2d((1f64..amax).log_scale(), 0f64..1.05f64)
                .map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .x_desc("alpha (time / fastest solver's time)")
                .y_desc("fraction of the suite's problems")
                .draw()
                .map_err(|e| err(&e))?;
            for (i, (solver, ratios)) in prof.ratios.iter().enumerate() {
                let color = COLORS[i % COLORS.len()];
                let mut finite: Vec<f64> =
                    ratios.iter().copied().filter(|r| r.is_finite()).collect();
                finite.sort_by(f64::total_cmp);
                let pts = steps(1.0, &finite, prof.problems.len(), amax);
                chart
                    .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                    .map_err(|e| err(&e))?
                    .label(format!(
                        "{solver} ({}/{})",
                        finite.len(),
                        prof.problems.len()
                    ))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}
