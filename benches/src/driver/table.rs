//! Results: per-run samples, their median and spread, and the markdown table.

use std::fmt::Write as _;

/// What a row measures, which says how to print it and which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Calls per second (higher is better).
    CallsPerSec,
    /// Events per second (higher is better).
    EventsPerSec,
    /// Requests per second (higher is better).
    RequestsPerSec,
    /// Milliseconds (lower is better).
    Millis,
    /// MiB (lower is better).
    Mib,
    /// Microseconds (lower is better).
    Micros,
    /// MB/s (10^6 bytes; higher is better).
    MbPerSec,
    /// A count (connections, channels).
    Count,
}

impl Unit {
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Unit::CallsPerSec => "calls/s",
            Unit::EventsPerSec => "events/s",
            Unit::RequestsPerSec => "req/s",
            Unit::Millis => "ms",
            Unit::Mib => "MiB",
            Unit::Micros => "µs",
            Unit::MbPerSec => "MB/s",
            Unit::Count => "",
        }
    }

    pub(crate) fn format(self, v: f64) -> String {
        match self {
            Unit::CallsPerSec | Unit::EventsPerSec | Unit::RequestsPerSec => thousands(v),
            Unit::Millis | Unit::Mib | Unit::Micros | Unit::MbPerSec if v.abs() < 10.0 => {
                format!("{v:.2}")
            }
            Unit::Millis | Unit::Mib | Unit::Micros | Unit::MbPerSec => {
                format!("{v:.1}")
            }
            Unit::Count => thousands(v),
        }
    }
}

fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The samples of one implementation in one case, or why there are none.
#[derive(Debug, Clone)]
pub(crate) enum Cell {
    /// One value per run.
    Samples(Vec<f64>),
    /// Not measured, with the reason.
    Missing(String),
}

impl Cell {
    /// No samples yet.
    pub(crate) fn empty() -> Self {
        Cell::Samples(Vec::new())
    }

    /// Adds a sample (or records the first failure).
    pub(crate) fn push(&mut self, sample: Result<f64, String>) {
        match (self, sample) {
            (Cell::Samples(v), Ok(x)) => v.push(x),
            (cell @ Cell::Samples(_), Err(e)) => *cell = Cell::Missing(e),
            (Cell::Missing(_), _) => {}
        }
    }

    /// The median of the samples.
    pub(crate) fn median(&self) -> Option<f64> {
        match self {
            Cell::Samples(v) if !v.is_empty() => {
                let mut s = v.clone();
                s.sort_by(f64::total_cmp);
                let mid = s.len() / 2;
                Some(if s.len() % 2 == 0 {
                    (s[mid - 1] + s[mid]) / 2.0
                } else {
                    s[mid]
                })
            }
            _ => None,
        }
    }

    /// The median and the spread (± half the range as a percentage of the median), short:
    /// `6,905 ± 3%`; the reason when missing.
    pub(crate) fn render_short(&self, unit: Unit) -> String {
        match self {
            Cell::Missing(why) => why.clone(),
            Cell::Samples(v) if v.is_empty() => "–".to_owned(),
            Cell::Samples(v) => {
                let median = self.median().unwrap_or_default();
                let min = v.iter().copied().fold(f64::INFINITY, f64::min);
                let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if v.len() == 1 || median == 0.0 {
                    unit.format(median)
                } else {
                    let spread = (max - min) / median.abs() * 50.0;
                    format!("{} ± {spread:.0}%", unit.format(median))
                }
            }
        }
    }

    fn render(&self, unit: Unit) -> String {
        match self {
            Cell::Missing(why) => why.clone(),
            Cell::Samples(v) if v.is_empty() => "not measured".to_owned(),
            Cell::Samples(v) => {
                let median = self.median().unwrap_or_default();
                let min = v.iter().copied().fold(f64::INFINITY, f64::min);
                let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let spread = if median != 0.0 {
                    (max - min) / median * 50.0
                } else {
                    0.0
                };
                if v.len() == 1 {
                    format!("{} {} (1 run)", unit.format(median), unit.suffix())
                } else {
                    format!(
                        "{} {} ± {spread:.1}% ({}–{}, {} runs)",
                        unit.format(median),
                        unit.suffix(),
                        unit.format(min),
                        unit.format(max),
                        v.len()
                    )
                }
            }
        }
    }
}

/// A case's target.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// framework / baseline >= x.
    RatioAtLeast(f64),
    /// framework / baseline <= x.
    RatioAtMost(f64),
    /// framework <= x (in the row's unit).
    AtMost(f64),
    /// framework >= x (in the row's unit) and framework / baseline >= r.
    AtLeastAndRatio(f64, f64),
    /// No target: a reference row.
    Reference,
}

impl Target {
    fn describe(self, unit: Unit, baseline: &str) -> String {
        match self {
            Target::RatioAtLeast(r) => format!("≥ {r:.2} × {baseline}"),
            Target::RatioAtMost(r) => format!("≤ {r:.2} × {baseline}"),
            Target::AtMost(x) => format!("≤ {} {}", unit.format(x), unit.suffix()),
            Target::AtLeastAndRatio(x, r) => format!(
                "≥ {} {} and ≥ {r:.2} × {baseline}",
                unit.format(x),
                unit.suffix()
            ),
            Target::Reference => "(reference)".to_owned(),
        }
    }

    fn met(self, value: f64, ratio: Option<f64>) -> Option<bool> {
        match self {
            Target::RatioAtLeast(r) => ratio.map(|q| q >= r),
            Target::RatioAtMost(r) => ratio.map(|q| q <= r),
            Target::AtMost(x) => Some(value <= x),
            Target::AtLeastAndRatio(x, r) => ratio.map(|q| value >= x && q >= r),
            Target::Reference => None,
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The case.
    pub(crate) case: String,
    /// What it measures.
    pub(crate) unit: Unit,
    /// nameko-rs.
    pub(crate) framework: Cell,
    /// The baseline's name ("raw lapin", "bare axum", ...).
    pub(crate) baseline_name: &'static str,
    /// The baseline.
    pub(crate) baseline: Cell,
    /// The target.
    pub(crate) target: Target,
    /// Python Nameko.
    pub(crate) python: Cell,
}

impl Row {
    /// framework median / baseline median.
    pub(crate) fn ratio(&self) -> Option<f64> {
        match (self.framework.median(), self.baseline.median()) {
            (Some(f), Some(b)) if b != 0.0 => Some(f / b),
            _ => None,
        }
    }

    /// Whether the target is met (None when not measured).
    pub(crate) fn met(&self) -> Option<bool> {
        let value = self.framework.median()?;
        self.target.met(value, self.ratio())
    }
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The markdown table.
pub(crate) fn render(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str(
        "| case | nameko-rs (median ± half-range, min–max) | baseline | ratio | target | met? | Python nameko 2.14 |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|\n");
    for row in rows {
        let ratio = row
            .ratio()
            .map(|r| format!("{r:.2}"))
            .unwrap_or_else(|| "–".to_owned());
        let met = match row.met() {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "–",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {}: {} | {} | {} | {} | {} |",
            escape(&row.case),
            escape(&row.framework.render(row.unit)),
            row.baseline_name,
            escape(&row.baseline.render(row.unit)),
            ratio,
            escape(&row.target.describe(row.unit, row.baseline_name)),
            met,
            escape(&row.python.render(row.unit)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_format() {
        let mut c = Cell::empty();
        for x in [3.0, 1.0, 2.0, 10.0] {
            c.push(Ok(x));
        }
        assert_eq!(c.median(), Some(2.5));
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(c.render_short(Unit::CallsPerSec), "3 ± 180%");
        assert_eq!(Unit::Millis.format(0.626), "0.63");
        assert_eq!(Unit::Millis.format(14.44), "14.4");
        c.push(Err("boom".into()));
        assert!(matches!(c, Cell::Missing(_)));
    }
}
