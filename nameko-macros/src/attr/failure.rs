//! The failure-policy keys of `#[event_handler]`: `retry(max = 3, delay = "1s",
//! backoff = 2.0, max_delay = "60s")`, `dead_letter = true`, `on_malformed = "dead_letter"`,
//! emitted as `nameko_amqp`'s `FailurePolicy`.

use syn::{Expr, ExprAssign, ExprCall, ExprLit, Lit};

use super::{bool_value, path_to_string};
use crate::ctxt::Ctxt;

/// The form every `retry` message shows.
pub(crate) const RETRY_EXAMPLE: &str =
    "`retry(max = 3, delay = \"1s\", backoff = 2.0, max_delay = \"60s\")`";

/// The keys of `retry(...)`, as error messages list them.
const RETRY_KEYS: &str = "`max` (required), `delay`, `backoff`, `max_delay`";

/// A parsed `retry(...)`: delays in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RetryArgs {
    pub(crate) max: u32,
    pub(crate) delay_ms: u64,
    pub(crate) backoff: f64,
    pub(crate) max_delay_ms: u64,
}

/// The failure-policy keys of one entrypoint.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct FailureArgs {
    pub(crate) retry: Option<RetryArgs>,
    pub(crate) dead_letter: bool,
    pub(crate) malformed_dead_letter: bool,
    pub(crate) delivery_limit: Option<u32>,
}

impl FailureArgs {
    /// Takes `value` when it is `retry(...)` (positional); whether it was.
    pub(crate) fn positional(&mut self, cx: &mut Ctxt, value: &Expr) -> bool {
        match value {
            Expr::Call(call) if is_call_to(call, "retry") => {
                if self.retry.is_some() {
                    cx.error_spanned_by(value, "`retry(...)` given twice: give it once");
                } else {
                    self.retry = retry(cx, call);
                }
                true
            }
            Expr::Path(path) if path.path.is_ident("retry") => {
                cx.error_spanned_by(
                    value,
                    format!("`retry` needs its settings: {RETRY_EXAMPLE}"),
                );
                true
            }
            _ => false,
        }
    }

    /// Takes `key = value` when `key` is `dead_letter` or `on_malformed`; whether it was.
    pub(crate) fn named(&mut self, cx: &mut Ctxt, key: &syn::Path, value: &Expr) -> bool {
        if key.is_ident("delivery_limit") {
            match int(value) {
                Some(n) if n > 0 => self.delivery_limit = Some(n),
                _ => cx.error_spanned_by(
                    value,
                    "`delivery_limit` takes the most deliveries of a message, at least 1, e.g. `delivery_limit = 5`",
                ),
            }
            true
        } else if key.is_ident("dead_letter") {
            self.dead_letter = bool_value(cx, value, "dead_letter").unwrap_or(false);
            true
        } else if key.is_ident("on_malformed") {
            self.malformed_dead_letter = match value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(lit), ..
                }) => match lit.value().as_str() {
                    "reject" => false,
                    "dead_letter" => true,
                    other => {
                        cx.error_spanned_by(
                            lit,
                            format!(
                                "unknown `on_malformed` {other:?}: write `on_malformed = \"reject\"` (the default) or `on_malformed = \"dead_letter\"`"
                            ),
                        );
                        false
                    }
                },
                other => {
                    cx.error_spanned_by(
                        other,
                        "`on_malformed` takes a string: `\"reject\"` (the default) or `\"dead_letter\"`",
                    );
                    false
                }
            };
            true
        } else if key.is_ident("retry") {
            cx.error_spanned_by(
                key,
                format!("`retry` is written as a call, not `retry = ...`: {RETRY_EXAMPLE}"),
            );
            true
        } else {
            false
        }
    }
}

fn is_call_to(call: &ExprCall, name: &str) -> bool {
    matches!(&*call.func, Expr::Path(p) if p.path.is_ident(name))
}

/// `retry(max = 3, delay = "1s", backoff = 2.0, max_delay = "60s")`.
fn retry(cx: &mut Ctxt, call: &ExprCall) -> Option<RetryArgs> {
    let mut max: Option<u32> = None;
    let mut parsed = RetryArgs {
        max: 0,
        delay_ms: 1_000,
        backoff: 2.0,
        max_delay_ms: 60_000,
    };
    let mut ok = true;
    for arg in &call.args {
        let Expr::Assign(ExprAssign { left, right, .. }) = arg else {
            cx.error_spanned_by(
                arg,
                format!("`retry(...)` takes `key = value` settings: {RETRY_EXAMPLE}"),
            );
            ok = false;
            continue;
        };
        let key = match &**left {
            Expr::Path(p) => path_to_string(&p.path),
            other => {
                cx.error_spanned_by(other, format!("expected one of {RETRY_KEYS}"));
                ok = false;
                continue;
            }
        };
        let value: &Expr = right;
        match key.as_str() {
            "max" => match int(value) {
                Some(n) => max = Some(n),
                None => {
                    cx.error_spanned_by(
                        value,
                        "`max` takes the number of retries after the first attempt, e.g. `max = 3`",
                    );
                    ok = false;
                }
            },
            "delay" | "max_delay" => match duration_ms(value) {
                Some(ms) if ms > 0 => {
                    if key == "delay" {
                        parsed.delay_ms = ms;
                    } else {
                        parsed.max_delay_ms = ms;
                    }
                }
                _ => {
                    cx.error_spanned_by(
                        value,
                        format!(
                            "`{key}` takes a positive duration: seconds (`{key} = 1.5`) or a string with a unit (`{key} = \"500ms\"`, `\"1s\"`, `\"2m\"`)"
                        ),
                    );
                    ok = false;
                }
            },
            "backoff" => match number(value) {
                Some(f) if f >= 1.0 => parsed.backoff = f,
                _ => {
                    cx.error_spanned_by(
                        value,
                        "`backoff` takes the factor between two delays, at least 1, e.g. `backoff = 2.0`",
                    );
                    ok = false;
                }
            },
            other => {
                cx.error_spanned_by(
                    left,
                    format!("unknown `retry` setting `{other}`: valid settings are {RETRY_KEYS}"),
                );
                ok = false;
            }
        }
    }
    let Some(max) = max else {
        if ok {
            cx.error_spanned_by(
                call,
                format!("`retry(...)` needs `max`, the number of retries: {RETRY_EXAMPLE}"),
            );
        }
        return None;
    };
    if !ok {
        return None;
    }
    parsed.max = max;
    Some(parsed)
}

fn int(value: &Expr) -> Option<u32> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse().ok(),
        _ => None,
    }
}

fn number(value: &Expr) -> Option<f64> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<u64>().ok().map(|n| n as f64),
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// Seconds as a number, or a string with a unit (`ms`, `s`, `m`, `h`), in milliseconds.
fn duration_ms(value: &Expr) -> Option<u64> {
    let secs = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => parse_duration(&s.value())?,
        other => number(other)?,
    };
    let ms = (secs * 1000.0).round();
    (0.0..1e15).contains(&ms).then_some(ms as u64)
}

/// `"500ms"`, `"1.5s"`, `"2m"`, `"1h"` in seconds.
pub(crate) fn parse_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (n, unit) = text.split_at(split);
    let n: f64 = n.parse().ok()?;
    let factor = match unit.trim() {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Some(n * factor)
}
