//! The Dolan–Moré performance-ratio profile as an SVG ([`super::comparison`] has
//! the math): one panel per model, `ρ_s(α)` against `α` on a log axis from 1.

use std::path::Path;

use plotters::prelude::*;

use super::HarnessError;
use super::comparison::RatioProfile;

const COLORS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// File name of the ratio profile at `tau`.
pub fn file(tau: f64) -> String {
    format!("ratio-profile-tau-{tau:e}.svg")
}

/// Render the profiles (one per model) at one τ.
pub fn render(profiles: &[RatioProfile], path_for_errors: &Path) -> Result<String, HarnessError> {
    let err = |e: &dyn std::fmt::Display| {
        HarnessError::Write(crate::fsio::WriteError {
            path: path_for_errors.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })
    };
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
                let n = prof.problems.len().max(1) as f64;
                let mut pts = vec![(1.0, 0.0)];
                for (k, &r) in finite.iter().enumerate() {
                    pts.push((r.max(1.0), k as f64 / n));
                    pts.push((r.max(1.0), (k + 1) as f64 / n));
                }
                pts.push((amax, finite.len() as f64 / n));
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
