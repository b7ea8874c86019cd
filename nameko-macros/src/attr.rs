//! Parsing of attribute arguments: `#[service(...)]`, `#[rpc(...)]`, `#[event_handler(...)]`,
//! `#[http(...)]` and `#[timer(...)]`.
//!
//! Only syntax, keys and literals are checked here; rules that involve the annotated item
//! live in `check.rs`.

mod event_handler;
mod http;
mod timer;

use proc_macro2::Span;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Member, Meta, Token};

use crate::ctxt::Ctxt;

pub(crate) use event_handler::{EventHandlerArgs, event_handler_args};
pub(crate) use http::{HttpArgs, http_args};
pub(crate) use timer::{TimerArgs, timer_args};

/// The keys `#[service(...)]` accepts, as error messages list them.
const SERVICE_KEYS: &str = "`name = \"...\"`, `dependencies(field, ...)`";

/// Arguments of `#[service(name = "...", dependencies(field, ...))]`.
pub(crate) struct ServiceArgs {
    /// The service name (Python's `name = "service_x"` class attribute).
    pub(crate) name: LitStr,
    /// Fields of the service struct that are dependency providers, in order.
    pub(crate) dependencies: Vec<Member>,
}

impl Parse for ServiceArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            return Err(syn::Error::new_spanned(
                &lit,
                format!(
                    "`#[service]` takes the name as a key: write `#[service(name = {})]`",
                    lit.to_token_stream()
                ),
            ));
        }
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated(input)?;
        let mut cx = Ctxt::new();
        let mut name: Option<LitStr> = None;
        let mut dependencies: Option<Vec<Member>> = None;
        for meta in metas {
            let path = meta.path();
            if path.is_ident("name") {
                let Some(value) =
                    name_value_str(&mut cx, &meta, "name", "#[service(name = \"service_x\")]")
                else {
                    continue;
                };
                if name.is_some() {
                    cx.error_spanned_by(
                        path,
                        "`name` set multiple times in `#[service]`: give the service one name",
                    );
                } else if value.value().trim().is_empty() {
                    cx.error_spanned_by(&value, "`#[service]` needs a non-empty `name`: it is the name other services call, e.g. `name = \"service_x\"`");
                } else {
                    name = Some(value);
                }
            } else if path.is_ident("dependencies") {
                let Some(fields) = dependency_list(&mut cx, &meta) else {
                    continue;
                };
                if dependencies.is_some() {
                    cx.error_spanned_by(path, "`dependencies` set multiple times in `#[service]`: list every dependency field in one `dependencies(...)`");
                } else {
                    dependencies = Some(fields);
                }
            } else {
                let key = path_to_string(path);
                let hint = match key.as_str() {
                    "max_workers" | "parent_calls_tracked" => format!(
                        "; `{key}` is a config setting: set it in the config file (`{key}: 10`)"
                    ),
                    _ => String::new(),
                };
                cx.error_spanned_by(
                    path,
                    format!(
                        "unknown `#[service]` key `{key}`: valid keys are {SERVICE_KEYS}{hint}"
                    ),
                );
            }
        }
        if name.is_none() && cx.is_empty() {
            cx.error_at(
                Span::call_site(),
                "`#[service]` needs a name: write `#[service(name = \"service_x\")]`, the name other services call it by (Python's `name = \"service_x\"`)",
            );
        }
        cx.into_result()?;
        let Some(name) = name else {
            // Unreachable: a missing name is reported above and returned by `into_result`.
            return Err(syn::Error::new(
                Span::call_site(),
                "`#[service]` needs a name",
            ));
        };
        Ok(ServiceArgs {
            name,
            dependencies: dependencies.unwrap_or_default(),
        })
    }
}

/// The string value of `key = "..."`, or an error that shows the expected form.
fn name_value_str(cx: &mut Ctxt, meta: &Meta, key: &str, example: &str) -> Option<LitStr> {
    match meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Some(lit.clone()),
            other => {
                cx.error_spanned_by(
                    other,
                    format!("`{key}` takes a string literal: `{example}`"),
                );
                None
            }
        },
        _ => {
            cx.error_spanned_by(meta, format!("`{key}` takes a string literal: `{example}`"));
            None
        }
    }
}

/// The fields of `dependencies(a, b, ...)`, each listed once.
fn dependency_list(cx: &mut Ctxt, meta: &Meta) -> Option<Vec<Member>> {
    let Meta::List(list) = meta else {
        cx.error_spanned_by(
            meta,
            "`dependencies` lists field names in parentheses: `#[service(name = \"...\", dependencies(db, dispatch))]`",
        );
        return None;
    };
    let fields = match list.parse_args_with(Punctuated::<Member, Token![,]>::parse_terminated) {
        Ok(fields) => fields,
        Err(error) => {
            cx.error_at(
                error.span(),
                "`dependencies(...)` takes the names of the service struct's fields that implement `DependencyProvider`, separated by commas",
            );
            return None;
        }
    };
    let mut unique: Vec<Member> = Vec::new();
    for field in fields {
        if unique.contains(&field) {
            cx.error_spanned_by(
                &field,
                format!(
                    "field `{}` is listed twice in `dependencies(...)`: list each dependency once",
                    member_to_string(&field)
                ),
            );
        } else {
            unique.push(field);
        }
    }
    Some(unique)
}

/// Arguments of `#[rpc]`. None are supported yet; Python's `expected_exceptions` and
/// `sensitive_arguments` will go here.
#[derive(Debug, Default)]
pub(crate) struct RpcArgs {}

impl Parse for RpcArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated(input)?;
        let mut cx = Ctxt::new();
        for meta in metas {
            let path = meta.path();
            let key = path_to_string(path);
            let python = matches!(key.as_str(), "expected_exceptions" | "sensitive_arguments");
            let message = if python {
                format!(
                    "`#[rpc]` does not support `{key}` yet: `#[rpc]` takes no arguments in this version of nameko-rs; write `#[rpc]`"
                )
            } else {
                format!("unknown `#[rpc]` key `{key}`: `#[rpc]` takes no arguments; write `#[rpc]`")
            };
            cx.error_spanned_by(path, message);
        }
        cx.into_result()?;
        Ok(RpcArgs {})
    }
}

/// Parses a marker attribute's arguments: nothing for `#[m]`, the list for `#[m(...)]`.
pub(crate) fn marker_args<T: Parse + Default>(attr: &Attribute, marker: &str) -> syn::Result<T> {
    match &attr.meta {
        Meta::Path(_) => Ok(T::default()),
        Meta::List(list) => list.parse_args(),
        Meta::NameValue(nv) => Err(syn::Error::new_spanned(
            nv.eq_token,
            format!(
                "`#[{marker}]` does not take `= value`: write `#[{marker}]` or `#[{marker}(...)]`"
            ),
        )),
    }
}

/// One argument of a marker that takes Python-style arguments: positional values first,
/// then `key = value` pairs.
enum Arg {
    /// A value without a key.
    Positional(Expr),
    /// `key = value`; `key` is a path so that `a::b = 1` is reported as an unknown key.
    Named { key: syn::Path, value: Expr },
}

/// The arguments of `#[marker(...)]` split into positional values and `key = value` pairs
/// (none for `#[marker]`). A positional value after a key is reported in `cx`, as Python
/// reports it, and kept, so it is not also reported as missing.
fn python_args(cx: &mut Ctxt, attr: &Attribute, marker: &str) -> syn::Result<Vec<Arg>> {
    let exprs = match &attr.meta {
        Meta::Path(_) => return Ok(Vec::new()),
        Meta::List(list) => {
            Punctuated::<Expr, Token![,]>::parse_terminated.parse2(list.tokens.clone())?
        }
        Meta::NameValue(nv) => return Err(equals_error(nv, marker)),
    };
    let mut args = Vec::new();
    let mut first_key: Option<String> = None;
    for expr in exprs {
        let arg = match expr {
            Expr::Assign(assign) => match *assign.left {
                Expr::Path(left) if left.qself.is_none() && left.attrs.is_empty() => Arg::Named {
                    key: left.path,
                    value: *assign.right,
                },
                left => {
                    cx.error_spanned_by(
                        &left,
                        format!("`#[{marker}]` keys are plain names, as in `key = value`"),
                    );
                    continue;
                }
            },
            other => Arg::Positional(other),
        };
        match (&arg, &first_key) {
            (Arg::Named { key, .. }, None) => first_key = Some(path_to_string(key)),
            (Arg::Positional(value), Some(key)) => {
                cx.error_spanned_by(
                    value,
                    format!(
                        "positional arguments of `#[{marker}]` go before the keys: move this before `{key} = ...`"
                    ),
                );
            }
            _ => {}
        }
        args.push(arg);
    }
    Ok(args)
}

fn equals_error(nv: &syn::MetaNameValue, marker: &str) -> syn::Error {
    syn::Error::new_spanned(
        nv.eq_token,
        format!("`#[{marker}]` does not take `= value`: write `#[{marker}(...)]`"),
    )
}

/// Records `value` in `slot`, or reports that `key` was given before.
fn set_once<T>(
    cx: &mut Ctxt,
    slot: &mut Option<T>,
    value: T,
    at: &dyn ToTokens,
    key: &str,
    marker: &str,
) {
    if slot.is_some() {
        cx.error_spanned_by(
            at,
            format!("`{key}` set multiple times in `#[{marker}]`: give it once"),
        );
    } else {
        *slot = Some(value);
    }
}

/// The value of a `key = true | false` argument, or an error that teaches the Rust
/// spelling (Python's `True`, a quoted `"false"`).
fn bool_value(cx: &mut Ctxt, value: &Expr, key: &str) -> Option<bool> {
    let hint = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(lit),
            ..
        }) => return Some(lit.value),
        Expr::Path(path) if path.path.is_ident("True") || path.path.is_ident("False") => {
            let rust = path_to_string(&path.path).to_lowercase();
            format!(
                ": write `{key} = {rust}` (Rust's spelling of Python's `{}`)",
                path_to_string(&path.path)
            )
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) if matches!(lit.value().as_str(), "true" | "false") => {
            format!(": write `{key} = {}` without quotes", lit.value())
        }
        _ => format!(", e.g. `{key} = true`"),
    };
    cx.error_spanned_by(value, format!("`{key}` takes `true` or `false`{hint}"));
    None
}

/// The Python keyword arguments every Nameko entrypoint takes that nameko-rs does not
/// support yet.
fn unsupported_python_key(key: &str) -> bool {
    matches!(key, "expected_exceptions" | "sensitive_arguments")
}

fn path_to_string(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

pub(crate) fn member_to_string(member: &Member) -> String {
    match member {
        Member::Named(ident) => ident.to_string(),
        Member::Unnamed(index) => index.index.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use syn::parse::Parser;

    fn service(tokens: TokenStream) -> syn::Result<ServiceArgs> {
        syn::parse2(tokens)
    }

    fn messages(error: syn::Error) -> Vec<String> {
        error.into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn service_name_and_dependencies() {
        let args = service(quote::quote!(name = "service_x", dependencies(y, z, 0))).unwrap();
        assert_eq!(args.name.value(), "service_x");
        let deps: Vec<String> = args.dependencies.iter().map(member_to_string).collect();
        assert_eq!(deps, ["y", "z", "0"]);
    }

    #[test]
    fn service_trailing_comma_and_no_dependencies() {
        let args = service(quote::quote!(name = "s",)).unwrap();
        assert!(args.dependencies.is_empty());
    }

    #[test]
    fn service_missing_name() {
        let error = service(TokenStream::new()).err().unwrap();
        assert!(messages(error)[0].starts_with("`#[service]` needs a name"));
        let error = service(quote::quote!(dependencies(y))).err().unwrap();
        assert!(messages(error)[0].starts_with("`#[service]` needs a name"));
    }

    #[test]
    fn service_bare_string() {
        let error = service(quote::quote!("service_x")).err().unwrap();
        assert_eq!(
            messages(error),
            ["`#[service]` takes the name as a key: write `#[service(name = \"service_x\")]`"]
        );
    }

    #[test]
    fn service_config_keys_get_a_hint() {
        let error = service(quote::quote!(name = "s", max_workers = 3))
            .err()
            .unwrap();
        assert!(messages(error)[0].ends_with(
            "; `max_workers` is a config setting: set it in the config file (`max_workers: 10`)"
        ));
    }

    #[test]
    fn service_empty_name() {
        let error = service(quote::quote!(name = "")).err().unwrap();
        assert!(messages(error)[0].contains("non-empty `name`"));
    }

    #[test]
    fn service_unknown_key_lists_valid_keys() {
        let error = service(quote::quote!(name = "s", workers = 3))
            .err()
            .unwrap();
        assert_eq!(
            messages(error),
            [
                "unknown `#[service]` key `workers`: valid keys are `name = \"...\"`, `dependencies(field, ...)`"
            ]
        );
    }

    #[test]
    fn service_errors_accumulate() {
        let error = service(quote::quote!(
            name = "a",
            name = "b",
            bogus,
            dependencies(x, x)
        ))
        .err()
        .unwrap();
        let messages = messages(error);
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("`name` set multiple times"));
        assert!(messages[1].starts_with("unknown `#[service]` key `bogus`"));
        assert!(messages[2].starts_with("field `x` is listed twice"));
    }

    #[test]
    fn service_name_must_be_a_string() {
        let error = service(quote::quote!(name = service_x)).err().unwrap();
        assert!(messages(error)[0].starts_with("`name` takes a string literal"));
        let error = service(quote::quote!(name("x"))).err().unwrap();
        assert!(messages(error)[0].starts_with("`name` takes a string literal"));
    }

    #[test]
    fn service_dependencies_form() {
        let error = service(quote::quote!(name = "s", dependencies = "y"))
            .err()
            .unwrap();
        assert!(messages(error)[0].starts_with("`dependencies` lists field names in parentheses"));
        let error = service(quote::quote!(name = "s", dependencies("y")))
            .err()
            .unwrap();
        assert!(messages(error)[0].starts_with("`dependencies(...)` takes the names"));
        let error = service(quote::quote!(name = "s", dependencies(a), dependencies(b)))
            .err()
            .unwrap();
        assert!(messages(error)[0].starts_with("`dependencies` set multiple times"));
    }

    #[test]
    fn rpc_takes_no_arguments() {
        assert!(syn::parse2::<RpcArgs>(TokenStream::new()).is_ok());
        let error = syn::parse2::<RpcArgs>(quote::quote!(foo = 1))
            .err()
            .unwrap();
        assert_eq!(
            messages(error),
            ["unknown `#[rpc]` key `foo`: `#[rpc]` takes no arguments; write `#[rpc]`"]
        );
        let error = syn::parse2::<RpcArgs>(quote::quote!(expected_exceptions = (ValueError,)))
            .err()
            .unwrap();
        assert!(
            messages(error)[0].starts_with("`#[rpc]` does not support `expected_exceptions` yet")
        );
    }

    #[test]
    fn marker_forms() {
        let attrs = Attribute::parse_outer
            .parse2(quote::quote!(#[rpc] #[rpc()] #[rpc(x)] #[rpc = 1]))
            .unwrap();
        assert!(marker_args::<RpcArgs>(&attrs[0], "rpc").is_ok());
        assert!(marker_args::<RpcArgs>(&attrs[1], "rpc").is_ok());
        assert!(marker_args::<RpcArgs>(&attrs[2], "rpc").is_err());
        let error = marker_args::<RpcArgs>(&attrs[3], "rpc").err().unwrap();
        assert!(messages(error)[0].starts_with("`#[rpc]` does not take `= value`"));
    }
}
