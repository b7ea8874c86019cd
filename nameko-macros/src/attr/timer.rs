//! `#[timer(interval = 1)]`, `#[timer(0.5, eager = true)]`.

use std::time::Duration;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Lit, UnOp};

use super::{Arg, WorkerArgs, WorkerKeys, bool_value, path_to_string, python_args, set_once};
use crate::ctxt::Ctxt;

const MARKER: &str = "timer";

/// The keys `#[timer(...)]` accepts, as error messages list them.
const KEYS: &str =
    "`interval` (or the interval alone, first), `eager` and `expected_exceptions(...)`";

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
    let mut worker = WorkerKeys::new(MARKER, false);
    let mut positional = 0;
    for arg in args {
        match arg {
            Arg::Positional(value) => {
                if worker.bare(&mut cx, &value) {
                    continue;
                }
                if let Expr::Path(path) = &value {
                    if path.path.is_ident("interval") || path.path.is_ident("eager") {
                        let key = path_to_string(&path.path);
                        cx.error_spanned_by(
                            &value,
                            format!("`{key}` needs a value: `{key} = ...`"),
                        );
                        continue;
                    }
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
mod tests {
    use super::*;
    use syn::parse_quote;

    fn parse(attr: Attribute) -> Result<TimerArgs, Vec<String>> {
        timer_args(&attr).map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
    }

    fn one_error(attr: Attribute) -> String {
        let messages = parse(attr).unwrap_err();
        assert_eq!(messages.len(), 1, "{messages:?}");
        messages.into_iter().next().unwrap()
    }

    #[test]
    fn intervals() {
        let args = parse(parse_quote!(#[timer(interval = 1)])).unwrap();
        assert!((args.interval_secs - 1.0).abs() < f64::EPSILON);
        assert!(!args.eager);
        let args = parse(parse_quote!(#[timer(0.5, eager = true)])).unwrap();
        assert!((args.interval_secs - 0.5).abs() < f64::EPSILON);
        assert!(args.eager);
        let args =
            parse(parse_quote!(#[nameko_core::timer(eager = false, interval = 1e-3,)])).unwrap();
        assert!((args.interval_secs - 0.001).abs() < f64::EPSILON);
        let args = parse(parse_quote!(#[timer(interval = 10u64)])).unwrap();
        assert!((args.interval_secs - 10.0).abs() < f64::EPSILON);
        let args = parse(parse_quote!(#[timer(interval = 0x10)])).unwrap();
        assert!((args.interval_secs - 16.0).abs() < f64::EPSILON);
    }

    #[test]
    fn bad_intervals() {
        let base = "`#[timer]` interval must be a positive number of seconds, e.g. `#[timer(interval = 1)]` or `interval = 0.5`";
        assert_eq!(
            one_error(parse_quote!(#[timer(interval = 0)])),
            format!("{base}; got zero")
        );
        assert_eq!(
            one_error(parse_quote!(#[timer(interval = 0.0)])),
            format!("{base}; got zero")
        );
        assert_eq!(
            one_error(parse_quote!(#[timer(interval = -1)])),
            format!("{base}; got a negative number")
        );
        assert_eq!(
            one_error(parse_quote!(#[timer(interval = "5")])),
            format!("{base}; got a string: write `interval = 5` without quotes")
        );
        assert_eq!(
            one_error(parse_quote!(#[timer(interval = "often")])),
            format!("{base}; got a string")
        );
        assert!(
            one_error(parse_quote!(#[timer(INTERVAL)]))
                .ends_with("an attribute cannot read a constant")
        );
        assert!(
            one_error(parse_quote!(#[timer(interval = 1.0 / 2.0)]))
                .ends_with("got an expression: write the number itself")
        );
        assert!(one_error(parse_quote!(#[timer(interval = 1e400)])).ends_with("too large"));
        assert!(one_error(parse_quote!(#[timer(interval = 1e300)])).ends_with("too large"));
        assert!(
            one_error(parse_quote!(#[timer(interval = 1e-12)]))
                .ends_with("shorter than a nanosecond")
        );
        assert!(
            one_error(parse_quote!(#[timer(interval = 500ms)]))
                .starts_with("`#[timer]` interval is a number of seconds without a unit: `ms`")
        );
    }

    #[test]
    fn worker_keys() {
        let args =
            parse(parse_quote!(#[timer(1, expected_exceptions(E, std::io::Error))])).unwrap();
        assert_eq!(args.worker.expected.len(), 2);
        let args = parse(parse_quote!(#[timer(interval = 1, expected_exceptions = E)])).unwrap();
        assert_eq!(args.worker.expected.len(), 1);
        let args = parse(parse_quote!(#[timer(interval = 1, expected_exceptions = ())])).unwrap();
        assert!(args.worker.expected.is_empty());
        let no_arguments = "`#[timer]` does not take `sensitive_arguments`: a timer calls its method without arguments, so there is nothing to redact; remove it";
        assert_eq!(
            one_error(parse_quote!(#[timer(interval = 1, sensitive_arguments("x"))])),
            no_arguments
        );
        assert_eq!(
            one_error(parse_quote!(#[timer(interval = 1, sensitive_arguments = "x")])),
            no_arguments
        );
        assert_eq!(
            one_error(parse_quote!(#[timer(interval = 1, sensitive_arguments)])),
            no_arguments
        );
        assert_eq!(
            one_error(
                parse_quote!(#[timer(interval = 1, expected_exceptions(E), expected_exceptions(F))])
            ),
            "`expected_exceptions` set multiple times in `#[timer]`: list every error type in one `expected_exceptions(...)`"
        );
    }

    #[test]
    fn missing_and_unknown() {
        let missing = "`#[timer]` needs an interval in seconds: `#[timer(interval = 1)]` (Python's `@timer(interval=1)`)";
        assert_eq!(one_error(parse_quote!(#[timer])), missing);
        assert_eq!(one_error(parse_quote!(#[timer(eager = true)])), missing);
        assert_eq!(
            one_error(parse_quote!(#[timer(interval = 1, every = 2)])),
            "unknown `#[timer]` key `every`: valid keys are `interval` (or the interval alone, first), `eager` and `expected_exceptions(...)`"
        );
        assert_eq!(
            one_error(parse_quote!(#[timer(1, interval = 2)])),
            "`interval` set multiple times in `#[timer]`: give it once"
        );
        assert_eq!(
            one_error(parse_quote!(#[timer(1, true)])),
            "pass `eager` by name: `#[timer(interval = 1, eager = true)]`"
        );
        assert!(
            one_error(parse_quote!(#[timer(1, 2)]))
                .starts_with("`#[timer]` takes one positional argument")
        );
        assert_eq!(
            one_error(parse_quote!(#[timer(interval = 1, eager = 1)])),
            "`eager` takes `true` or `false`, e.g. `eager = true`"
        );
        assert_eq!(
            one_error(parse_quote!(#[timer(1, eager)])),
            "`eager` needs a value: `eager = ...`"
        );
    }
}
