//! Parsing of attribute arguments: `#[service(...)]`, `#[rpc(...)]`, `#[event_handler(...)]`,
//! `#[http(...)]` and `#[timer(...)]`.
//!
//! Only syntax, keys and literals are checked here; rules that involve the annotated item
//! live in `check.rs`.

mod custom;
mod event_handler;
pub(crate) mod failure;
mod http;
mod rpc;
mod rpc_client;
mod timer;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, ExprPath, ExprTuple, Lit, LitStr, Member, Meta, Token};

use crate::ctxt::Ctxt;
use crate::text;

pub(crate) use custom::{CustomArgs, custom_args};
pub(crate) use event_handler::{EventHandlerArgs, event_handler_args};
pub(crate) use failure::FailureArgs;
pub(crate) use http::{HttpArgs, http_args};
pub(crate) use rpc::{RpcArgs, rpc_args};
pub(crate) use rpc_client::RpcClientArgs;
pub(crate) use timer::{TimerArgs, timer_args};

/// The keys `#[service(...)]` accepts, as error messages list them.
const SERVICE_KEYS: &str =
    "`name = \"...\"`, `dependencies(field, ...)`, `client = \"...\"`, `crate = \"...\"`";

/// Arguments of `#[service(name = "...", dependencies(field, ...), client = "...", crate = "...")]`.
pub(crate) struct ServiceArgs {
    /// The service name (Python's `name = "service_x"` class attribute).
    pub(crate) name: LitStr,
    /// Fields of the service struct that are dependency providers, in order.
    pub(crate) dependencies: Vec<Member>,
    /// The typed client to generate.
    pub(crate) client: ClientName,
    /// `crate = "..."`: where the `nameko` facade is.
    pub(crate) krate: Option<syn::Path>,
}

/// The name of the typed client a macro generates (`client = "..."`).
#[derive(Debug, Clone)]
pub(crate) enum ClientName {
    /// No `client` key: the service's type name (or the trait's) followed by `Client`.
    Default,
    /// `client = "ServiceYRpc"`.
    Named(Ident),
    /// `client = false`: no client.
    Disabled,
}

/// The value of `client = "Name"` or `client = false`, or an error that shows both forms.
pub(crate) fn client_name(cx: &mut Ctxt, meta: &Meta, macro_name: &str) -> Option<ClientName> {
    let message = || {
        format!(
            "`client` takes the name of the generated client type as a string, e.g. `#[{macro_name}(..., client = \"ServiceYRpc\")]`, or `client = false` for no client"
        )
    };
    let Meta::NameValue(nv) = meta else {
        cx.error_spanned_by(meta, message());
        return None;
    };
    match &nv.value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => match lit.parse::<Ident>() {
            Ok(ident) => Some(ClientName::Named(ident)),
            Err(_) => {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "`client` must name a type, such as `\"ServiceYRpc\"`; {:?} is not an identifier",
                        lit.value()
                    ),
                );
                None
            }
        },
        Expr::Lit(ExprLit {
            lit: Lit::Bool(lit),
            ..
        }) => Some(if lit.value {
            ClientName::Default
        } else {
            ClientName::Disabled
        }),
        other => {
            cx.error_spanned_by(other, message());
            None
        }
    }
}

/// The value of `crate = "path"`: the path of the `nameko` crate.
pub(crate) fn crate_path(cx: &mut Ctxt, meta: &Meta, macro_name: &str) -> Option<syn::Path> {
    let value = name_value_str(
        cx,
        meta,
        "crate",
        &format!("#[{macro_name}(..., crate = \"::nameko\")]"),
    )?;
    match crate::root::parse_crate_path(&value) {
        Ok(path) => Some(path),
        Err(error) => {
            cx.syn_error(error);
            None
        }
    }
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
        let mut client: Option<ClientName> = None;
        let mut krate: Option<syn::Path> = None;
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
            } else if path.is_ident("client") {
                if let Some(value) = client_name(&mut cx, &meta, "service") {
                    set_once(&mut cx, &mut client, value, path, "client", "service");
                }
            } else if path.is_ident("crate") {
                if let Some(value) = crate_path(&mut cx, &meta, "service") {
                    set_once(&mut cx, &mut krate, value, path, "crate", "service");
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
        let name = finish_with_name(
            cx,
            name,
            "`#[service]` needs a name: write `#[service(name = \"service_x\")]`, the name other services call it by (Python's `name = \"service_x\"`)",
        )?;
        Ok(ServiceArgs {
            name,
            dependencies: dependencies.unwrap_or_default(),
            client: client.unwrap_or(ClientName::Default),
            krate,
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

/// The two keys every entrypoint marker takes, Python Nameko's `expected_exceptions` and
/// `sensitive_arguments` (a timer takes only the first: its method has no arguments).
const EXPECTED: &str = "expected_exceptions";
const SENSITIVE: &str = "sensitive_arguments";

/// How `expected_exceptions` is written, as error messages show it.
const EXPECTED_EXAMPLE: &str = "`expected_exceptions(NotFound, std::io::Error)`";

/// How `sensitive_arguments` is written, as error messages show it.
const SENSITIVE_EXAMPLE: &str =
    "`sensitive_arguments(\"password\", \"card.number\", \"items[0]\")`";

/// What every entrypoint takes besides its own arguments: Nameko's `expected_exceptions`
/// and `sensitive_arguments`.
#[derive(Debug, Default)]
pub(crate) struct WorkerArgs {
    /// The error types a failure is expected to have (logged at WARNING, not ERROR), as
    /// written: paths, possibly with turbofish generics.
    pub(crate) expected: Vec<syn::Path>,
    /// The arguments to redact wherever arguments are shown: a parameter's name, then
    /// `.field` and `[index]` steps into its value. Each is a valid path
    /// ([`sensitive_path_error`]); `check` makes sure that it starts with a parameter.
    pub(crate) sensitive: Vec<LitStr>,
}

/// Collects the `expected_exceptions` and `sensitive_arguments` of one marker, each given
/// at most once, into [`WorkerArgs`].
pub(crate) struct WorkerKeys {
    marker: &'static str,
    /// Whether the marker's method takes arguments, which `sensitive_arguments` names (a
    /// timer's does not).
    takes_arguments: bool,
    expected: Option<Vec<syn::Path>>,
    sensitive: Option<Vec<LitStr>>,
}

impl WorkerKeys {
    pub(crate) fn new(marker: &'static str, takes_arguments: bool) -> Self {
        WorkerKeys {
            marker,
            takes_arguments,
            expected: None,
            sensitive: None,
        }
    }

    /// Parses `key = value` (or `key(values)`, which `python_args` turns into a tuple) when
    /// `key` is one of the two keys, reporting every mistake; `false` when it is another key.
    pub(crate) fn named(&mut self, cx: &mut Ctxt, key: &syn::Path, value: &Expr) -> bool {
        let marker = self.marker;
        if key.is_ident(EXPECTED) {
            let types = expected_types(cx, value);
            if self.expected.is_some() {
                cx.error_spanned_by(
                    key,
                    format!(
                        "`{EXPECTED}` set multiple times in `#[{marker}]`: list every error type in one `{EXPECTED}(...)`"
                    ),
                );
            } else {
                self.expected = Some(types);
            }
            true
        } else if key.is_ident(SENSITIVE) {
            if !self.takes_arguments {
                cx.error_spanned_by(key, no_arguments(marker));
                return true;
            }
            let entries = sensitive_entries(cx, value);
            if self.sensitive.is_some() {
                cx.error_spanned_by(
                    key,
                    format!(
                        "`{SENSITIVE}` set multiple times in `#[{marker}]`: list every argument in one `{SENSITIVE}(...)`"
                    ),
                );
            } else {
                self.sensitive = Some(entries);
            }
            true
        } else {
            false
        }
    }

    /// Reports one of the two keys written alone, without its values; `false` when `value`
    /// is not one of them.
    pub(crate) fn bare(&mut self, cx: &mut Ctxt, value: &Expr) -> bool {
        let Expr::Path(path) = value else {
            return false;
        };
        if path.path.is_ident(EXPECTED) {
            cx.error_spanned_by(
                value,
                format!("`{EXPECTED}` needs the error types: {EXPECTED_EXAMPLE}"),
            );
            true
        } else if path.path.is_ident(SENSITIVE) {
            let message = if self.takes_arguments {
                format!("`{SENSITIVE}` needs the arguments to redact: {SENSITIVE_EXAMPLE}")
            } else {
                no_arguments(self.marker)
            };
            cx.error_spanned_by(value, message);
            true
        } else {
            false
        }
    }

    pub(crate) fn finish(self) -> WorkerArgs {
        WorkerArgs {
            expected: self.expected.unwrap_or_default(),
            sensitive: self.sensitive.unwrap_or_default(),
        }
    }
}

/// The message for `sensitive_arguments` on a marker whose method takes no arguments.
fn no_arguments(marker: &str) -> String {
    format!(
        "`#[{marker}]` does not take `{SENSITIVE}`: a timer calls its method without arguments, so there is nothing to redact; remove it"
    )
}

/// The values of `key = value`: a tuple's or an array's elements, a parenthesized value,
/// or the one value.
fn value_list(value: &Expr) -> Vec<&Expr> {
    match value {
        Expr::Tuple(tuple) => tuple.elems.iter().collect(),
        Expr::Array(array) => array.elems.iter().collect(),
        Expr::Paren(paren) => vec![&*paren.expr],
        other => vec![other],
    }
}

/// The error types of `expected_exceptions`: paths, each once.
fn expected_types(cx: &mut Ctxt, value: &Expr) -> Vec<syn::Path> {
    let mut types: Vec<syn::Path> = Vec::new();
    for value in value_list(value) {
        match value {
            Expr::Path(ExprPath {
                attrs,
                qself: None,
                path,
            }) if attrs.is_empty() => {
                let text = text::code(path);
                if types.iter().any(|t| text::code(t) == text) {
                    cx.error_spanned_by(
                        path,
                        format!(
                            "`{text}` is listed twice in `{EXPECTED}`: list each error type once"
                        ),
                    );
                } else {
                    types.push(path.clone());
                }
            }
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) if syn::parse_str::<syn::Path>(&lit.value()).is_ok() => {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "`{EXPECTED}` takes error types, not strings: write `{}` without quotes",
                        lit.value()
                    ),
                );
            }
            other => cx.error_spanned_by(
                other,
                format!(
                    "`{EXPECTED}` takes the paths of error types that implement `std::error::Error`: {EXPECTED_EXAMPLE}"
                ),
            ),
        }
    }
    types
}

/// The entries of `sensitive_arguments`: string literals that are valid paths, each once.
fn sensitive_entries(cx: &mut Ctxt, value: &Expr) -> Vec<LitStr> {
    let mut entries: Vec<LitStr> = Vec::new();
    for value in value_list(value) {
        match value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => {
                let entry = lit.value();
                if let Some(message) = sensitive_path_error(&entry) {
                    cx.error_spanned_by(lit, message);
                } else if entries.iter().any(|e| e.value() == entry) {
                    cx.error_spanned_by(
                        lit,
                        format!("{entry:?} is listed twice in `{SENSITIVE}`: list each argument once"),
                    );
                } else {
                    entries.push(lit.clone());
                }
            }
            // `password`, `card.number`, `items[0]`: the path, unquoted.
            Expr::Path(_) | Expr::Field(_) | Expr::Index(_) => cx.error_spanned_by(
                value,
                format!(
                    "`{SENSITIVE}` takes strings, as in Python: write `\"{}\"`",
                    text::code(value)
                ),
            ),
            other => cx.error_spanned_by(
                other,
                format!(
                    "`{SENSITIVE}` takes string literals, the names of the method's parameters or paths into them: {SENSITIVE_EXAMPLE}"
                ),
            ),
        }
    }
    entries
}

/// Why `entry` is not a sensitive-argument path, if it is not one: a parameter's name, then
/// `.field` and `[index]` steps, which Nameko reads with `(\w+)|\[(\d+)\]`.
pub(crate) fn sensitive_path_error(entry: &str) -> Option<String> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    if entry.is_empty() {
        return Some(format!(
            "`{SENSITIVE}` entry is empty: write the name of a parameter, e.g. `\"password\"`"
        ));
    }
    if entry.starts_with('[') {
        return Some(format!(
            "`{SENSITIVE}` entry {entry:?} starts with an index: start with the name of a parameter, e.g. `\"items[0]\"`"
        ));
    }
    let invalid = || {
        Some(format!(
            "`{SENSITIVE}` entry {entry:?} is not a parameter name followed by `.field` and `[index]` steps, such as `\"password\"`, `\"card.number\"` or `\"items[0]\"`"
        ))
    };
    let root = sensitive_root(entry);
    if root.is_empty() {
        return invalid();
    }
    let mut rest = &entry[root.len()..];
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        let step_len = match c {
            '.' => rest.find(|c: char| !is_word(c)).unwrap_or(rest.len()),
            '[' => match rest.find(|c: char| !c.is_ascii_digit()) {
                Some(digits) if digits > 0 && rest[digits..].starts_with(']') => digits + 1,
                _ => return invalid(),
            },
            _ => return invalid(),
        };
        if step_len == 0 {
            return invalid();
        }
        rest = &rest[step_len..];
    }
    None
}

/// The parameter a sensitive-argument path starts with: its leading word.
pub(crate) fn sensitive_root(entry: &str) -> &str {
    let end = entry
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(entry.len());
    &entry[..end]
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
/// reports it, and kept, so it is not also reported as missing; a bare name is not, as it
/// is a key without its value, which the marker reports. `expected_exceptions(A, B)` and
/// `sensitive_arguments("a")` are keys with the tuple of their values.
fn python_args(cx: &mut Ctxt, attr: &Attribute, marker: &str) -> syn::Result<Vec<Arg>> {
    let exprs = match &attr.meta {
        Meta::Path(_) => return Ok(Vec::new()),
        Meta::List(list) => Punctuated::<Expr, Token![,]>::parse_terminated
            .parse2(list.tokens.clone())
            .map_err(|error| generics_without_turbofish(list.tokens.clone()).unwrap_or(error))?,
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
            // `expected_exceptions(A, B)`: the key with its values, as `key = (A, B)`.
            Expr::Call(call) if list_key(&call.func) => match *call.func {
                Expr::Path(func) => Arg::Named {
                    key: func.path,
                    value: Expr::Tuple(ExprTuple {
                        attrs: call.attrs,
                        paren_token: call.paren_token,
                        elems: call.args,
                    }),
                },
                func => Arg::Positional(func),
            },
            other => Arg::Positional(other),
        };
        match (&arg, &first_key) {
            (Arg::Named { key, .. }, None) => first_key = Some(path_to_string(key)),
            // A bare name is a key without its value, which the marker reports.
            (Arg::Positional(Expr::Path(path)), Some(_)) if path.path.get_ident().is_some() => {}
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

/// Whether `func` of a call is a key that takes its values in parentheses.
fn list_key(func: &Expr) -> bool {
    matches!(func, Expr::Path(path)
        if path.attrs.is_empty() && (path.path.is_ident(EXPECTED) || path.path.is_ident(SENSITIVE)))
}

/// The error for `expected_exceptions(Wrapper<u8>)`, which does not parse as an expression:
/// a generic type in an attribute's value needs a turbofish. `None` when no value of
/// `expected_exceptions` has such a type.
fn generics_without_turbofish(tokens: TokenStream) -> Option<syn::Error> {
    let mut after_key = false;
    let mut previous: Option<TokenTree> = None;
    for token in tokens {
        match &token {
            TokenTree::Ident(ident) if ident == EXPECTED => after_key = true,
            TokenTree::Punct(punct) if punct.as_char() == ',' => after_key = false,
            TokenTree::Group(group) if after_key => {
                if let Some(error) = angle_without_turbofish(group.stream()) {
                    return Some(error);
                }
            }
            TokenTree::Punct(punct) if after_key && punct.as_char() == '<' => {
                if let Some(TokenTree::Ident(name)) = &previous {
                    return Some(turbofish_error(punct, name));
                }
            }
            _ => {}
        }
        previous = Some(token);
    }
    None
}

/// The first `Name<` in `tokens`, nested groups included, as an error at the `<`.
fn angle_without_turbofish(tokens: TokenStream) -> Option<syn::Error> {
    let mut previous: Option<TokenTree> = None;
    for token in tokens {
        match (&token, &previous) {
            (TokenTree::Punct(punct), Some(TokenTree::Ident(name))) if punct.as_char() == '<' => {
                return Some(turbofish_error(punct, name));
            }
            (TokenTree::Group(group), _) => {
                if let Some(error) = angle_without_turbofish(group.stream()) {
                    return Some(error);
                }
            }
            _ => {}
        }
        previous = Some(token);
    }
    None
}

fn turbofish_error(angle: &proc_macro2::Punct, name: &Ident) -> syn::Error {
    syn::Error::new(
        angle.span(),
        format!(
            "a generic type in `{EXPECTED}` needs a turbofish, as in an expression: write `{name}::<...>`, not `{name}<...>`"
        ),
    )
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

/// Reports `missing` when there is no `name` (and nothing else went wrong), returns every
/// error collected, else the name.
pub(crate) fn finish_with_name(
    mut cx: Ctxt,
    name: Option<LitStr>,
    missing: &str,
) -> syn::Result<LitStr> {
    if name.is_none() && cx.is_empty() {
        cx.error_at(Span::call_site(), missing);
    }
    cx.into_result()?;
    name.ok_or_else(|| syn::Error::new(Span::call_site(), missing))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
