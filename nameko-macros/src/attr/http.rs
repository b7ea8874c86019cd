//! `#[http("GET", "/get/<int:value>")]`, `#[http(method = "GET,POST", url = "/multi")]`.
//!
//! The method list and the rule are parsed here with `nameko_rule`, the parser the runtime
//! uses, so a literal that would fail when the service starts fails to compile instead.

use nameko_rule::{HttpMethodError, Rule, RuleError, STANDARD_METHODS};
use syn::{Attribute, Expr, ExprArray, ExprLit, Lit, LitStr};

use super::{Arg, WorkerArgs, WorkerKeys, path_to_string, python_args, set_once};
use crate::ctxt::Ctxt;

const MARKER: &str = "http";

/// The keys `#[http(...)]` accepts, as error messages list them.
const KEYS: &str = "`expected_exceptions(...)`, `sensitive_arguments(...)`, and `method` and `url` when they are not given first";

/// The form every "needs ..." message shows.
const EXAMPLE: &str = "`#[http(\"GET\", \"/get/<int:value>\")]`";

/// Arguments of `#[http(...)]`, Python's `@http(method, url, expected_exceptions=(),
/// sensitive_arguments=())`.
#[derive(Debug)]
pub(crate) struct HttpArgs {
    /// The method list as written (`"GET"`, `"GET,PUT,POST,DELETE"`), checked.
    pub(crate) methods: LitStr,
    /// The URL rule as written (`"/get/<int:value>"`).
    pub(crate) url: LitStr,
    /// The rule, parsed: its variables are the method's parameters.
    pub(crate) rule: Rule,
    pub(crate) worker: WorkerArgs,
}

/// Parses the arguments of an `#[http]` attribute; every mistake is reported.
pub(crate) fn http_args(attr: &Attribute) -> syn::Result<HttpArgs> {
    let mut cx = Ctxt::new();
    let args = python_args(&mut cx, attr, MARKER)?;
    // `Some(None)`: given, but not valid (already reported).
    let mut methods: Option<Option<LitStr>> = None;
    let mut url: Option<Option<(LitStr, Rule)>> = None;
    let mut worker = WorkerKeys::new(MARKER, true);
    let mut positional = 0;
    for arg in args {
        match arg {
            Arg::Positional(value) => {
                if worker.bare(&mut cx, &value) {
                    continue;
                }
                if let Some(key) = bare_key(&value) {
                    cx.error_spanned_by(&value, format!("`{key}` needs a value: `{key} = ...`"));
                    // Given, without its value: not also reported as missing.
                    if key == "method" {
                        methods.get_or_insert(None);
                    } else {
                        url.get_or_insert(None);
                    }
                    continue;
                }
                match positional {
                    0 => {
                        let parsed = methods_value(&mut cx, &value);
                        set_once(&mut cx, &mut methods, parsed, &value, "method", MARKER);
                    }
                    1 => {
                        let parsed = url_value(&mut cx, &value);
                        set_once(&mut cx, &mut url, parsed, &value, "url", MARKER);
                    }
                    _ => cx.error_spanned_by(
                        &value,
                        format!(
                            "`#[http]` takes two positional arguments, the HTTP method(s) and the URL rule: {EXAMPLE}"
                        ),
                    ),
                }
                positional += 1;
            }
            Arg::Named { key, value } => {
                if worker.named(&mut cx, &key, &value) {
                    continue;
                }
                let name = path_to_string(&key);
                match name.as_str() {
                    "method" => {
                        let parsed = methods_value(&mut cx, &value);
                        set_once(&mut cx, &mut methods, parsed, &key, "method", MARKER);
                    }
                    "url" => {
                        let parsed = url_value(&mut cx, &value);
                        set_once(&mut cx, &mut url, parsed, &key, "url", MARKER);
                    }
                    other => {
                        let hint = match other {
                            "methods" => "; write `method = \"GET,POST\"` for several methods",
                            "rule" | "path" | "route" => "; the URL rule is `url`, as in Python",
                            _ => "",
                        };
                        cx.error_spanned_by(
                            &key,
                            format!("unknown `#[http]` key `{other}`: valid keys are {KEYS}{hint}"),
                        );
                    }
                }
            }
        }
    }
    if let Some(message) = missing(methods.is_some(), url.is_some()) {
        cx.error_spanned_by(attr, message);
    }
    cx.into_result()?;
    match (methods.flatten(), url.flatten()) {
        (Some(methods), Some((url, rule))) => Ok(HttpArgs {
            methods,
            url,
            rule,
            worker: worker.finish(),
        }),
        // Unreachable: a missing or invalid value is reported above.
        _ => Err(syn::Error::new_spanned(
            attr,
            format!("`#[http]` needs the HTTP method and the URL rule: {EXAMPLE}"),
        )),
    }
}

/// What is missing when the method or the rule was not given (given but invalid is
/// reported where it was given).
fn missing(methods: bool, url: bool) -> Option<String> {
    let what = match (methods, url) {
        (false, false) => "the HTTP method and the URL rule",
        (true, false) => "the URL rule after the HTTP method",
        (false, true) => "the HTTP method before the URL rule",
        (true, true) => return None,
    };
    Some(format!(
        "`#[http]` needs {what}: {EXAMPLE} (Python's `@http('GET', '/get/<int:value>')`)"
    ))
}

/// A key written without its value, e.g. `#[http("GET", url)]`.
fn bare_key(value: &Expr) -> Option<String> {
    let Expr::Path(path) = value else {
        return None;
    };
    let key = path.path.get_ident()?.to_string();
    matches!(key.as_str(), "method" | "url").then_some(key)
}

/// The method list: a string literal that `nameko_rule::parse_methods` accepts.
fn methods_value(cx: &mut Ctxt, value: &Expr) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => match nameko_rule::parse_methods(&lit.value()) {
            Ok(_) => Some(lit.clone()),
            Err(error) => {
                cx.error_spanned_by(lit, methods_error(&lit.value(), &error));
                None
            }
        },
        Expr::Path(path) => {
            // `GET`, `Method::GET`: Python writes the method as a string, and so does Rust.
            let last = path
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            let message = match STANDARD_METHODS
                .iter()
                .find(|m| m.eq_ignore_ascii_case(&last))
            {
                Some(method) => {
                    format!("the HTTP method of `#[http]` is a string: write `\"{method}\"`")
                }
                None => format!(
                    "the HTTP method of `#[http]` is a string literal, e.g. `\"GET\"` or `\"GET,POST\"`; an attribute cannot read `{}`",
                    path_to_string(&path.path)
                ),
            };
            cx.error_spanned_by(value, message);
            None
        }
        Expr::Array(ExprArray { elems, .. }) => {
            let strings: Option<Vec<String>> = elems
                .iter()
                .map(|e| match e {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(lit), ..
                    }) => Some(lit.value()),
                    _ => None,
                })
                .collect();
            let example = match strings {
                Some(strings) if !strings.is_empty() => strings.join(","),
                _ => "GET,POST".to_owned(),
            };
            cx.error_spanned_by(
                value,
                format!(
                    "`#[http]` takes several methods as one comma-separated string, as Nameko does: write `\"{example}\"`"
                ),
            );
            None
        }
        other => {
            cx.error_spanned_by(
                other,
                "the HTTP method of `#[http]` must be a string literal, e.g. `\"GET\"` or `\"GET,POST\"`",
            );
            None
        }
    }
}

/// The message for a method list that `parse_methods` rejects.
fn methods_error(methods: &str, error: &HttpMethodError) -> String {
    match error {
        HttpMethodError::Unknown { method } => format!(
            "unknown HTTP method `{method}` in `#[http]`: the methods are {}; write one, or several separated by commas, e.g. `\"GET,POST\"`",
            STANDARD_METHODS.join(", ")
        ),
        HttpMethodError::Empty if methods.trim().is_empty() => {
            "`#[http]` needs an HTTP method: write one, or several separated by commas, e.g. `\"GET\"` or `\"GET,POST\"`".to_owned()
        }
        HttpMethodError::Empty => format!(
            "empty HTTP method in `#[http]` method list {methods:?}: remove the extra comma, e.g. `\"GET,POST\"`"
        ),
        other => format!("invalid `#[http]` method list {methods:?}: {other}"),
    }
}

/// The URL rule: a string literal that `nameko_rule::Rule::parse` accepts.
fn url_value(cx: &mut Ctxt, value: &Expr) -> Option<(LitStr, Rule)> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => match Rule::parse(&lit.value()) {
            Ok(rule) => Some((lit.clone(), rule)),
            Err(error) => {
                cx.error_spanned_by(lit, rule_error(&lit.value(), &error));
                None
            }
        },
        other => {
            cx.error_spanned_by(
                other,
                "the URL rule of `#[http]` must be a string literal, e.g. `\"/get/<int:value>\"`",
            );
            None
        }
    }
}

/// The message for a rule that `Rule::parse` rejects: nameko-rule's, with a hint.
fn rule_error(rule: &str, error: &RuleError) -> String {
    let hint = match error {
        RuleError::NoLeadingSlash => format!(": write `\"/{rule}\"`"),
        RuleError::UnknownConverter { converter } => match converter_for(converter) {
            Some(known) => format!(
                "; write `{:?}`",
                rule.replacen(&format!("<{converter}"), &format!("<{known}"), 1)
            ),
            None => String::new(),
        },
        _ => String::new(),
    };
    format!("invalid `#[http]` URL rule {rule:?}: {error}{hint}")
}

/// The werkzeug converter a common wrong name means (`integer`, `i64`, `str`, ...).
fn converter_for(name: &str) -> Option<&'static str> {
    match name.to_ascii_lowercase().as_str() {
        "integer" | "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32"
        | "u64" | "u128" | "usize" | "number" | "num" => Some("int"),
        "f32" | "f64" | "double" | "decimal" => Some("float"),
        "str" | "text" => Some("string"),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
