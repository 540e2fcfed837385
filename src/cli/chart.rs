//! The SVG chart of `foresight bench`: per block or workload, the measured speedup beside the
//! speedup its oracle schedule allows, drawn with plotters.
//!
//! Input: bench rows. Output: an SVG file.

use std::path::Path;

use plotters::prelude::*;

use super::bench::Row;

/// Draws measured speedup (bars) and the oracle bound (dots) per row into `path`.
pub fn speedup_chart(path: &Path, rows: &[Row]) -> anyhow::Result<()> {
    let width = (120 + rows.len() as u32 * 110).max(640);
    let root = SVGBackend::new(path, (width, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let top = rows
        .iter()
        .map(|r| r.speedup.max(r.oracle_speedup))
        .fold(1.0_f64, f64::max)
        * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Foresight: measured speedup (bars) and oracle bound (dots)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5f64..rows.len() as f64 - 0.5, 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(rows.len().max(1))
        .x_label_style(("sans-serif", 10))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            rows.get(i as usize)
                .map(|r| format!("{} ({}t)", r.name, r.threads))
                .unwrap_or_default()
        })
        .y_desc("speedup over sequential")
        .draw()?;
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let x = i as f64;
        Rectangle::new(
            [(x - 0.35, 0.0), (x + 0.35, r.speedup)],
            BLUE.mix(0.6).filled(),
        )
    }))?;
    chart.draw_series(
        rows.iter()
            .enumerate()
            .map(|(i, r)| Circle::new((i as f64, r.oracle_speedup), 4, RED.filled())),
    )?;
    chart.draw_series(LineSeries::new(
        [(-0.5, 1.0), (rows.len() as f64 - 0.5, 1.0)],
        BLACK.mix(0.5),
    ))?;
    root.present()?;
    Ok(())
}
