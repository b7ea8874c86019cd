//! `#[timer(interval = 1)]`, `#[timer(0.5, eager = true)]`, `#[timer(1, singleton)]`.

use std::time::Duration;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Lit, UnOp};

use super::{Arg, WorkerArgs, WorkerKeys, bool_value, path_to_string, python_args, set_once};
use crate::ctxt::Ctxt;

const MARKER: &str = "timer";

/// The keys `#[timer(...)]` accepts, as error messages list them.
const KEYS: &str = "`interval` (or the interval alone, first), `eager`, `singleton` and `expected_exceptions(...)`";

/// The key of a timer that fires on one instance of the cluster at a time.
const SINGLETON: &str = "singleton";

/// What every message about a bad interval starts with.
const INTERVAL: &str = "`#[timer]` interval must be a positive number of seconds, e.g. `#[timer(interval = 1)]` or `interval = 0.5`";

/// Integer and float suffixes that do not change what a literal means here.
const NUMERIC_SUFFIXES: [&str; 15] = [
    "", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    "f32", "f64",
];

/// Arguments of `#[timer(...)]`, Python's `@timer(interval, eager=False,
/// expected_exceptions=())`.
#[derive(Debug)]
pub(crate) struct TimerArgs {
    /// Seconds between runs: positive, finite, at least a nanosecond, and within
    /// `Duration`'s range, checked as the runtime's `Duration::try_from_secs_f64` will take it.
    pub(crate) interval_secs: f64,
    /// The span of the interval literal, for the emitted one.
    pub(crate) interval_span: Span,
    /// Run once at start instead of after the first interval.
    pub(crate) eager: bool,
    /// `singleton` (or `singleton = true`): fire on one instance of the cluster at a time;
    /// the span of the key, for the lease the expansion names.
    pub(crate) singleton: Option<Span>,
    /// Only `expected_exceptions`: a timer's method has no arguments to redact.
    pub(crate) worker: WorkerArgs,
}

/// Parses the arguments of a `#[timer]` attribute; every mistake is reported.
pub(crate) fn timer_args(attr: &Attribute) -> syn::Result<TimerArgs> {
    let mut cx = Ctxt::new();
    let args = python_args(&mut cx, attr, MARKER)?;
    // `Some(None)`: given, but not valid (already reported).
    let mut interval: Option<Option<(f64, Span)>> = None;
    let mut eager: Option<Option<bool>> = None;
    // `Some(None)`: given, but not valid (already reported); `Some(Some((on, span)))`.
    let mut singleton: Option<Option<(bool, Span)>> = None;
    let mut worker = WorkerKeys::new(MARKER, false);
    let mut positional = 0;
    for arg in args {
        match arg {
            Arg::Positional(value) => {
                if worker.bare(&mut cx, &value) {
                    continue;
                }
                // `singleton` alone is a flag: `singleton = true`.
                if let Expr::Path(path) = &value
                    && path.attrs.is_empty()
                    && path.path.is_ident(SINGLETON)
                {
                    let flag = Some((true, value.span()));
                    set_once(&mut cx, &mut singleton, flag, &value, SINGLETON, MARKER);
                    continue;
                }
                if let Expr::Path(path) = &value
                    && (path.path.is_ident("interval") || path.path.is_ident("eager"))
                {
                    let key = path_to_string(&path.path);
                    cx.error_spanned_by(&value, format!("`{key}` needs a value: `{key} = ...`"));
                    continue;
                }
                if positional == 0 {
                    let parsed = interval_value(&mut cx, &value);
                    set_once(&mut cx, &mut interval, parsed, &value, "interval", MARKER);
                } else if matches!(
                    value,
                    Expr::Lit(ExprLit {
                        lit: Lit::Bool(_),
                        ..
                    })
                ) {
                    cx.error_spanned_by(
                        &value,
                        "pass `eager` by name: `#[timer(interval = 1, eager = true)]`",
                    );
                } else {
                    cx.error_spanned_by(
                        &value,
                        "`#[timer]` takes one positional argument, the interval in seconds; pass `eager` by name: `#[timer(interval = 1, eager = true)]`",
                    );
                }
                positional += 1;
            }
            Arg::Named { key, value } => {
                if worker.named(&mut cx, &key, &value) {
                    continue;
                }
                let name = path_to_string(&key);
                match name.as_str() {
                    "interval" => {
                        let parsed = interval_value(&mut cx, &value);
                        set_once(&mut cx, &mut interval, parsed, &key, &name, MARKER);
                    }
                    "eager" => {
                        let parsed = bool_value(&mut cx, &value, &name);
                        set_once(&mut cx, &mut eager, parsed, &key, &name, MARKER);
                    }
                    SINGLETON => {
                        let parsed = bool_value(&mut cx, &value, &name).map(|on| (on, key.span()));
                        set_once(&mut cx, &mut singleton, parsed, &key, &name, MARKER);
                    }
                    other => cx.error_spanned_by(
                        &key,
                        format!("unknown `#[timer]` key `{other}`: valid keys are {KEYS}"),
                    ),
                }
            }
        }
    }
    if interval.is_none() {
        cx.error_spanned_by(
            attr,
            "`#[timer]` needs an interval in seconds: `#[timer(interval = 1)]` (Python's `@timer(interval=1)`)",
        );
    }
    cx.into_result()?;
    match interval.flatten() {
        Some((interval_secs, interval_span)) => Ok(TimerArgs {
            interval_secs,
            interval_span,
            eager: eager.flatten().unwrap_or(false),
            singleton: singleton
                .flatten()
                .and_then(|(on, span)| on.then_some(span)),
            worker: worker.finish(),
        }),
        // Unreachable: a missing or invalid interval is reported above.
        None => Err(syn::Error::new_spanned(attr, INTERVAL)),
    }
}

/// The interval in seconds: a number literal the runtime can turn into a non-zero
/// `Duration`.
fn interval_value(cx: &mut Ctxt, value: &Expr) -> Option<(f64, Span)> {
    let (digits, suffix) = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => (lit.base10_digits(), lit.suffix()),
        Expr::Lit(ExprLit {
            lit: Lit::Float(lit),
            ..
        }) => (lit.base10_digits(), lit.suffix()),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => {
            cx.error_spanned_by(value, format!("{INTERVAL}; got a negative number"));
            return None;
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => {
            let hint = match lit.value().trim().parse::<f64>() {
                Ok(_) => format!(
                    "; got a string: write `interval = {}` without quotes",
                    lit.value().trim()
                ),
                Err(_) => "; got a string".to_owned(),
            };
            cx.error_spanned_by(value, format!("{INTERVAL}{hint}"));
            return None;
        }
        Expr::Path(_) => {
            cx.error_spanned_by(
                value,
                format!("{INTERVAL}; got a name: write the number itself, an attribute cannot read a constant"),
            );
            return None;
        }
        other => {
            cx.error_spanned_by(
                other,
                format!("{INTERVAL}; got an expression: write the number itself"),
            );
            return None;
        }
    };
    if !NUMERIC_SUFFIXES.contains(&suffix) {
        cx.error_spanned_by(
            value,
            format!(
                "`#[timer]` interval is a number of seconds without a unit: `{suffix}` is not one of its units; write e.g. `interval = 0.5` for half a second"
            ),
        );
        return None;
    }
    let secs = match digits.parse::<f64>() {
        Ok(secs) if secs.is_finite() => secs,
        _ => {
            cx.error_spanned_by(value, format!("{INTERVAL}; this one is too large"));
            return None;
        }
    };
    if secs <= 0.0 {
        cx.error_spanned_by(value, format!("{INTERVAL}; got zero"));
        return None;
    }
    match Duration::try_from_secs_f64(secs) {
        Ok(duration) if !duration.is_zero() => Some((secs, value.span())),
        Ok(_) => {
            cx.error_spanned_by(
                value,
                format!("{INTERVAL}; this one is shorter than a nanosecond"),
            );
            None
        }
        Err(_) => {
            cx.error_spanned_by(value, format!("{INTERVAL}; this one is too large"));
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
