//! The curves' plots: SVG made with `plotters` (SVG backend only, no fonts: text is left to
//! the SVG viewer). One SVG per curve, its panels side by side; log axes are drawn as
//! linear axes over log10 of the values, labelled with the values.

use plotters::prelude::*;

/// One line of a panel: a name and its points (x, y); points without a y are skipped.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) name: String,
    pub(crate) points: Vec<(f64, f64)>,
    /// Which implementation (0 = nameko-rs, 1 = the baseline, ...): the line's colour.
    pub(crate) color: usize,
    /// Drawn dashed-looking (thin, with triangles), e.g. the p99 next to the p50.
    pub(crate) secondary: bool,
}

/// One panel: a chart with axes and lines.
#[derive(Debug, Clone)]
pub(crate) struct Panel {
    pub(crate) title: String,
    pub(crate) x_label: String,
    pub(crate) y_label: String,
    pub(crate) log_x: bool,
    pub(crate) log_y: bool,
    pub(crate) lines: Vec<Line>,
}

const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// A value for an axis label: 1,500 → "1.5k", 4,000,000 → "4M".
pub(crate) fn short_number(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = if scaled.abs() >= 100.0 || scaled.fract().abs() < 1e-9 {
        format!("{scaled:.0}")
    } else if scaled.abs() >= 10.0 {
        format!("{scaled:.1}")
    } else {
        format!("{scaled:.2}")
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    format!("{text}{suffix}")
}

fn axis(value: f64, log: bool) -> f64 {
    if log { value.max(1e-12).log10() } else { value }
}

/// The range of an axis over `values` (already on the axis's scale), with a margin.
fn range(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if log {
        // Whole decades around the data.
        lo = lo.floor();
        hi = if hi.ceil() > hi { hi.ceil() } else { hi + 0.1 };
        if hi - lo < 1.0 {
            hi = lo + 1.0;
        }
    } else {
        let span = (hi - lo).max(hi.abs() * 0.1).max(1e-9);
        // Positive values from zero, so that heights compare.
        lo = if lo >= 0.0 { 0.0 } else { lo - span * 0.1 };
        hi += span * 0.1;
    }
    (lo, hi)
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("plot: {e:?}");
    let (x0, x1) = range(
        panel
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| axis(p.0, panel.log_x))),
        panel.log_x,
    );
    let (y0, y1) = range(
        panel
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| axis(p.1, panel.log_y))),
        panel.log_y,
    );
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(62)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    let (log_x, log_y) = (panel.log_x, panel.log_y);
    let label = |log: bool| {
        move |v: &f64| {
            if log {
                short_number(10f64.powf(*v))
            } else {
                short_number(*v)
            }
        }
    };
    let x_format = label(log_x);
    let y_format = label(log_y);
    let x_labels = if log_x {
        ((x1 - x0).round() as usize + 1).max(2)
    } else {
        8
    };
    let y_labels = if log_y {
        ((y1 - y0).round() as usize + 1).max(2)
    } else {
        8
    };
    chart
        .configure_mesh()
        .x_desc(&panel.x_label)
        .y_desc(&panel.y_label)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .x_labels(x_labels)
        .y_labels(y_labels)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    for line in &panel.lines {
        let color = COLORS[line.color % COLORS.len()];
        let points: Vec<(f64, f64)> = line
            .points
            .iter()
            .map(|&(x, y)| (axis(x, log_x), axis(y, log_y)))
            .collect();
        let width = if line.secondary { 1 } else { 2 };
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(width)))
            .map_err(err)?
            .label(line.name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(width))
            });
        if line.secondary {
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&p| TriangleMarker::new(p, 4, color.filled())),
                )
                .map_err(err)?;
        } else {
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(err)?;
        }
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// The SVG of `panels` side by side, each `width` × `height` pixels, with a title above.
pub(crate) fn svg(
    title: &str,
    panels: &[Panel],
    width: u32,
    height: u32,
) -> Result<String, String> {
    let mut out = String::new();
    {
        let count = panels.len().max(1) as u32;
        let root =
            SVGBackend::with_string(&mut out, (width * count, height + 30)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| format!("plot: {e:?}"))?;
        let root = root
            .titled(title, ("sans-serif", 20))
            .map_err(|e| format!("plot: {e:?}"))?;
        let areas = root.split_evenly((1, count as usize));
        for (area, panel) in areas.iter().zip(panels) {
            draw_panel(area, panel)?;
        }
        root.present().map_err(|e| format!("plot: {e:?}"))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset() -> Vec<Panel> {
        let line = |name: &str, color, secondary, ys: [f64; 3]| Line {
            name: name.to_owned(),
            points: [1.0, 10.0, 100.0].into_iter().zip(ys).collect(),
            color,
            secondary,
        };
        vec![
            Panel {
                title: "throughput".to_owned(),
                x_label: "calls in flight".to_owned(),
                y_label: "calls/s".to_owned(),
                log_x: true,
                log_y: false,
                lines: vec![
                    line("nameko-rs", 0, false, [1500.0, 5000.0, 6900.0]),
                    line("raw lapin", 1, false, [1520.0, 5100.0, 7000.0]),
                ],
            },
            Panel {
                title: "latency".to_owned(),
                x_label: "calls in flight".to_owned(),
                y_label: "ms".to_owned(),
                log_x: true,
                log_y: true,
                lines: vec![
                    line("nameko-rs p50", 0, false, [0.6, 2.0, 14.0]),
                    line("nameko-rs p99", 0, true, [1.0, 4.0, 30.0]),
                ],
            },
        ]
    }

    #[test]
    fn svg_of_a_fixed_dataset() {
        let svg = svg("RPC vs calls in flight", &dataset(), 500, 360).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        assert!(svg.trim_end().ends_with("</svg>"));
        for text in [
            "RPC vs calls in flight",
            "throughput",
            "latency",
            "nameko-rs p99",
            "raw lapin",
            "calls in flight",
        ] {
            assert!(svg.contains(text), "no `{text}` in the SVG");
        }
        // Three lines and a legend stroke each, 2 panels' worth.
        assert!(svg.matches("<polyline").count() >= 4);
        // Decade labels of the log axes.
        assert!(svg.contains("\n100\n"), "no 100 label");
        // Same data, same SVG.
        assert_eq!(
            svg,
            super::svg("RPC vs calls in flight", &dataset(), 500, 360).unwrap()
        );
    }

    #[test]
    fn short_numbers_and_ranges() {
        assert_eq!(short_number(1.0), "1");
        assert_eq!(short_number(0.25), "0.25");
        assert_eq!(short_number(1500.0), "1.5k");
        assert_eq!(short_number(10_000.0), "10k");
        assert_eq!(short_number(4_000_000.0), "4M");
        assert_eq!(short_number(6_905.0), "6.91k");
        assert_eq!(range([0.0, 2.0].into_iter(), true), (0.0, 2.1));
        assert_eq!(range([0.3, 1.5].into_iter(), true), (0.0, 2.0));
        let (lo, hi) = range([10.0, 20.0].into_iter(), false);
        assert!((0.0..10.0).contains(&lo) && hi > 20.0);
    }
}
