//! A curve: one measurement at several points (calls in flight, payload size, ...), for
//! each implementation (nameko-rs first, then its baselines), several runs each; rendered
//! as a markdown table (rows: point × implementation, and the ratio of nameko-rs to each
//! baseline) and as an SVG of panels ([`crate::plot`]).

use std::fmt::Write as _;
use std::time::Duration;

use crate::plot::{Line, Panel};
use crate::procs::CpuSplit;
use crate::table::{Cell, Unit};

/// What a curve measures at each point (a column of its table).
#[derive(Debug, Clone)]
pub(crate) struct Metric {
    /// The column's name.
    pub(crate) name: &'static str,
    /// Its name in a plot's legend, after the implementation's (`p99`).
    pub(crate) short: &'static str,
    pub(crate) unit: Unit,
}

/// A panel of the curve's SVG: some metrics (a line per implementation each).
#[derive(Debug, Clone)]
pub(crate) struct PanelSpec {
    pub(crate) title: &'static str,
    pub(crate) y_label: &'static str,
    pub(crate) log_y: bool,
    /// Indexes into the curve's metrics; all but the first are drawn as secondary lines.
    pub(crate) metrics: Vec<usize>,
}

/// The CPU split of a point and implementation: a cell per part.
#[derive(Debug, Clone)]
pub(crate) struct CpuCells {
    server: Cell,
    driver: Cell,
    broker: Cell,
    other: Cell,
}

impl CpuCells {
    fn new() -> Self {
        CpuCells {
            server: Cell::empty(),
            driver: Cell::empty(),
            broker: Cell::empty(),
            other: Cell::empty(),
        }
    }

    fn push(&mut self, split: &Result<CpuSplit, String>) {
        let part = |f: fn(&CpuSplit) -> f64| split.as_ref().map(f).map_err(Clone::clone);
        self.server.push(part(|s| s.server));
        self.driver.push(part(|s| s.driver));
        self.broker.push(part(|s| s.broker));
        self.other.push(part(|s| s.other));
    }

    fn render(&self) -> String {
        let m = |c: &Cell| {
            c.median()
                .map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"))
        };
        if let Cell::Missing(why) = &self.server {
            return why.clone();
        }
        let total: f64 = [&self.server, &self.driver, &self.broker]
            .iter()
            .filter_map(|c| c.median())
            .sum();
        format!(
            "{} / {} / {} (Σ {total:.2}) + {}",
            m(&self.server),
            m(&self.driver),
            m(&self.broker),
            m(&self.other)
        )
    }
}

/// One run of one implementation at one point: a value per metric, and the CPU split.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub(crate) values: Vec<Result<f64, String>>,
    pub(crate) cpu: Result<CpuSplit, String>,
}

impl Sample {
    /// A failed run: every metric says why.
    pub(crate) fn failed(metrics: usize, e: &str) -> Self {
        Sample {
            values: vec![Err(e.to_owned()); metrics],
            cpu: Err(e.to_owned()),
        }
    }
}

/// A curve and its samples.
#[derive(Debug, Clone)]
pub(crate) struct Curve {
    /// Its name on the command line and its SVG's name (`inflight` → `inflight.svg`).
    pub(crate) id: &'static str,
    pub(crate) title: String,
    /// What the points are (`calls in flight`).
    pub(crate) x_name: &'static str,
    pub(crate) x_log: bool,
    /// The points, and how the table shows them.
    pub(crate) xs: Vec<f64>,
    pub(crate) x_labels: Vec<String>,
    /// nameko-rs first, then the baselines.
    pub(crate) impls: Vec<&'static str>,
    pub(crate) metrics: Vec<Metric>,
    pub(crate) panels: Vec<PanelSpec>,
    /// `[point][implementation][metric]`.
    cells: Vec<Vec<Vec<Cell>>>,
    /// `[point][implementation]`.
    cpu: Vec<Vec<CpuCells>>,
    /// Lines under the table: derived numbers, notes.
    pub(crate) notes: Vec<String>,
}

impl Curve {
    /// A curve with no samples yet.
    pub(crate) fn new(
        id: &'static str,
        title: String,
        x_name: &'static str,
        points: &[(f64, String)],
        impls: Vec<&'static str>,
        metrics: Vec<Metric>,
        panels: Vec<PanelSpec>,
    ) -> Self {
        let cells = points
            .iter()
            .map(|_| {
                impls
                    .iter()
                    .map(|_| metrics.iter().map(|_| Cell::empty()).collect())
                    .collect()
            })
            .collect();
        let cpu = points
            .iter()
            .map(|_| impls.iter().map(|_| CpuCells::new()).collect())
            .collect();
        Curve {
            id,
            title,
            x_name,
            x_log: true,
            xs: points.iter().map(|p| p.0).collect(),
            x_labels: points.iter().map(|p| p.1.clone()).collect(),
            impls,
            metrics,
            panels,
            cells,
            cpu,
            notes: Vec::new(),
        }
    }

    /// Records one run of implementation `imp` at point `point`.
    pub(crate) fn push(&mut self, point: usize, imp: usize, sample: Sample) {
        for (cell, value) in self.cells[point][imp].iter_mut().zip(sample.values) {
            cell.push(value);
        }
        self.cpu[point][imp].push(&sample.cpu);
    }

    /// Marks every cell of a point and implementation as failed.
    pub(crate) fn fail(&mut self, point: usize, imp: usize, e: &str) {
        let e = format!("failed: {}", e.lines().next().unwrap_or_default());
        for cell in &mut self.cells[point][imp] {
            *cell = Cell::Missing(e.clone());
        }
        self.cpu[point][imp].server = Cell::Missing(e);
    }

    /// The median of a metric at a point.
    pub(crate) fn median(&self, point: usize, imp: usize, metric: usize) -> Option<f64> {
        self.cells[point][imp][metric].median()
    }

    /// Whether any cell is missing (a failed run).
    pub(crate) fn has_failures(&self) -> bool {
        self.cells
            .iter()
            .flatten()
            .flatten()
            .any(|c| matches!(c, Cell::Missing(_)))
    }

    /// The markdown: a table with a row per point and implementation, and a ratio row per
    /// baseline; then the notes.
    pub(crate) fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "### {}\n", self.title);
        let _ = write!(out, "| {} | |", self.x_name);
        for m in &self.metrics {
            let suffix = m.unit.suffix();
            if suffix.is_empty() {
                let _ = write!(out, " {} |", m.name);
            } else {
                let _ = write!(out, " {} ({suffix}) |", m.name);
            }
        }
        out.push_str(" CPU: server / driver / broker (Σ) + other, cores |\n|---|---|");
        for _ in 0..=self.metrics.len() {
            out.push_str("---|");
        }
        out.push('\n');
        for (p, label) in self.x_labels.iter().enumerate() {
            for (i, name) in self.impls.iter().enumerate() {
                let _ = write!(out, "| {label} | {name} |");
                for (m, metric) in self.metrics.iter().enumerate() {
                    let text = self.cells[p][i][m].render_short(metric.unit);
                    let _ = write!(out, " {} |", text.replace('|', "\\|"));
                }
                let _ = writeln!(out, " {} |", self.cpu[p][i].render());
            }
            for (i, name) in self.impls.iter().enumerate().skip(1) {
                let _ = write!(out, "| {label} | *÷ {name}* |");
                for m in 0..self.metrics.len() {
                    let ratio = match (self.median(p, 0, m), self.median(p, i, m)) {
                        (Some(f), Some(b)) if b != 0.0 => format!("*{:.2}*", f / b),
                        _ => "–".to_owned(),
                    };
                    let _ = write!(out, " {ratio} |");
                }
                out.push_str(" |\n");
            }
        }
        for note in &self.notes {
            let _ = write!(out, "\n{note}\n");
        }
        out
    }

    /// The panels of the SVG, from the medians.
    pub(crate) fn plot_panels(&self) -> Vec<Panel> {
        self.panels
            .iter()
            .map(|spec| {
                let mut lines = Vec::new();
                for (i, name) in self.impls.iter().enumerate() {
                    for (k, &m) in spec.metrics.iter().enumerate() {
                        let points = self
                            .xs
                            .iter()
                            .enumerate()
                            .filter_map(|(p, &x)| Some((x, self.median(p, i, m)?)))
                            .collect();
                        let name = if spec.metrics.len() > 1 {
                            format!("{name} {}", self.metrics[m].short)
                        } else {
                            (*name).to_owned()
                        };
                        lines.push(Line {
                            name,
                            points,
                            color: i,
                            secondary: k > 0,
                        });
                    }
                }
                Panel {
                    title: spec.title.to_owned(),
                    x_label: self.x_name.to_owned(),
                    y_label: spec.y_label.to_owned(),
                    log_x: self.x_log,
                    log_y: spec.log_y,
                    lines,
                }
            })
            .collect()
    }
}

/// The `p`-th percentile (0 < p ≤ 100) of `latencies` in ms, nearest rank (the smallest
/// value with at least p% of the values at or below it).
pub(crate) fn percentile_ms(latencies: &[Duration], p: f64) -> Option<f64> {
    if latencies.is_empty() {
        return None;
    }
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    Some(sorted[i].as_secs_f64() * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_nearest_rank() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        let l = ms(&[5, 1, 4, 2, 3, 10, 6, 7, 9, 8]);
        assert_eq!(percentile_ms(&l, 50.0), Some(5.0));
        assert_eq!(percentile_ms(&l, 99.0), Some(10.0));
        assert_eq!(percentile_ms(&l, 90.0), Some(9.0));
        assert_eq!(percentile_ms(&l, 100.0), Some(10.0));
        assert_eq!(percentile_ms(&ms(&[7]), 50.0), Some(7.0));
        assert_eq!(percentile_ms(&[], 50.0), None);
        let many: Vec<Duration> = (1..=1000).map(Duration::from_micros).collect();
        assert_eq!(percentile_ms(&many, 99.0), Some(0.99));
    }

    fn curve() -> Curve {
        let metric = |name, short, unit| Metric { name, short, unit };
        let mut c = Curve::new(
            "inflight",
            "RPC vs calls in flight".to_owned(),
            "calls in flight",
            &[(1.0, "1".to_owned()), (10.0, "10".to_owned())],
            vec!["nameko-rs", "raw lapin"],
            vec![
                metric("throughput", "", Unit::CallsPerSec),
                metric("p50", "p50", Unit::Millis),
            ],
            vec![PanelSpec {
                title: "throughput",
                y_label: "calls/s",
                log_y: false,
                metrics: vec![0],
            }],
        );
        let split = CpuSplit {
            server: 0.5,
            driver: 0.25,
            broker: 0.75,
            other: 0.1,
        };
        for (p, imp, rate, p50) in [
            (0, 0, 1000.0, 1.0),
            (0, 0, 1100.0, 1.2),
            (0, 1, 2000.0, 0.5),
            (1, 0, 4000.0, 2.0),
        ] {
            c.push(
                p,
                imp,
                Sample {
                    values: vec![Ok(rate), Ok(p50)],
                    cpu: Ok(split),
                },
            );
        }
        c.fail(1, 1, "boom\nmore");
        c
    }

    #[test]
    fn markdown_rows_and_ratios() {
        let c = curve();
        let md = c.markdown();
        assert!(md.starts_with("### RPC vs calls in flight\n"));
        assert!(md.contains("| calls in flight | | throughput (calls/s) | p50 (ms) |"));
        assert!(
            md.contains(
                "| 1 | nameko-rs | 1,050 ± 5% | 1.10 ± 9% | 0.50 / 0.25 / 0.75 (Σ 1.50) + 0.10 |"
            ),
            "{md}"
        );
        assert!(
            md.contains("| 1 | *÷ raw lapin* | *0.53* | *2.20* | |"),
            "{md}"
        );
        assert!(md.contains("| 10 | raw lapin | failed: boom | failed: boom | failed: boom |"));
        assert!(md.contains("| 10 | *÷ raw lapin* | – | – | |"));
        assert!(c.has_failures());
    }

    #[test]
    fn panels_from_medians() {
        let panels = curve().plot_panels();
        assert_eq!(panels.len(), 1);
        let lines = &panels[0].lines;
        assert_eq!(lines[0].name, "nameko-rs");
        assert_eq!(lines[0].points, vec![(1.0, 1050.0), (10.0, 4000.0)]);
        assert_eq!(lines[1].points, vec![(1.0, 2000.0)]);
        assert!(crate::plot::svg("t", &panels, 400, 300).is_ok());
    }
}
