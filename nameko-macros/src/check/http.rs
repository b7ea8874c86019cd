//! The parameters of an `#[http]` method against its URL rule: the request, one
//! parameter per rule variable, bound by name, of a type its converter's values fit, and
//! typed extractors (`Json<T>`, `Query<T>`, `Form<T>`, any `FromRequest`), at most one of
//! them reading the body.

use nameko_rule::{Converter, Rule, Variable};
use syn::Type;

use crate::attr::HttpArgs;
use crate::ctxt::Ctxt;
use crate::model::{MethodModel, ParamModel};
use crate::text;

/// What an `#[http]` method's parameters may be, as messages say it.
const TAKES: &str = "`#[http]` methods take the rule's variables, by name, the request (`request: nameko_web::Request`), and typed extractors (`Json<T>`, `Form<T>` for the body, `Query<T>` for the query string)";

/// The last path segments of the types a rule variable converts into: a parameter of one
/// of these that is no rule variable is a misnamed variable, not an extractor.
const PATH_VALUE_TYPES: [&str; 19] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "f32",
    "f64", "String", "str", "Uuid", "bool", "char",
];

/// The extractors that read the body, by the last segment of their path.
const BODY_EXTRACTORS: [&str; 2] = ["Json", "Form"];

/// Whether a parameter of type `ty` that is no rule variable is an extractor: a named
/// type (a path) but those a path value converts into.
pub(crate) fn is_extractor(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|last| !PATH_VALUE_TYPES.contains(&last.as_str()))
}

/// Whether `ty` is a `Json<T>` (by the last segment of its path): a typed response.
pub(crate) fn is_json(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|last| last == "Json")
}

/// Whether `ty` is an extractor that reads the body (`Json<T>`, `Form<T>`).
pub(crate) fn reads_body(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|last| BODY_EXTRACTORS.contains(&last.as_str()))
}

/// Checks every parameter of `method` against the rule of `args`, and that every rule
/// variable has a parameter.
pub(super) fn params(cx: &mut Ctxt, method: &MethodModel, args: &HttpArgs) {
    let rule = &args.rule;
    let source = args.url.value();
    let mut request: Option<&ParamModel> = None;
    let mut bound: Vec<&str> = Vec::new();
    // A parameter without a plain name may be meant for any variable: report it alone.
    let mut unnamed = false;
    let mut body: Option<&ParamModel> = None;
    for param in &method.params {
        if param.is_request() {
            if request.is_some() {
                cx.error_spanned_by(
                    &param.ty,
                    "`#[http]` methods take the request once: remove this second `Request` parameter",
                );
            }
            request = Some(param);
            continue;
        }
        let variable = param.name.as_deref().and_then(|name| rule.variable(name));
        if variable.is_none() && is_extractor(&param.ty) {
            if reads_body(&param.ty) {
                match body {
                    Some(first) => cx.error_spanned_by(
                        &param.ty,
                        format!(
                            "`#[http]` methods read the body once, and `{}` already reads it: take one body parameter, a `Json<T>` or `Form<T>` whose `T` holds all of it",
                            text::code(&first.ty)
                        ),
                    ),
                    None => body = Some(param),
                }
            }
            continue;
        }
        let Some(name) = &param.name else {
            cx.error_spanned_by(
                &param.pat,
                "use a plain name for `#[http]` parameters, e.g. `value: i64`: they bind to the URL rule's variables by name",
            );
            unnamed = true;
            continue;
        };
        match rule.variable(name) {
            Some(variable) => {
                bound.push(&variable.name);
                type_fits(cx, &source, variable, &param.ty);
            }
            None => cx.error_spanned_by(&param.pat, not_a_variable(name, &source, rule)),
        }
    }
    for variable in rule.variables() {
        if !unnamed && !bound.contains(&variable.name.as_str()) {
            cx.error_spanned_by(
                &args.url,
                format!(
                    "rule variable `{name}` of `{source}` has no parameter: add `{ident}: {ty}` to the method",
                    name = variable.name,
                    ident = rust_ident(&variable.name),
                    ty = suggested_type(&variable.converter),
                ),
            );
        }
    }
}

/// The message for a parameter that is neither the request nor a rule variable.
fn not_a_variable(name: &str, source: &str, rule: &Rule) -> String {
    let trimmed = name.trim_start_matches('_');
    if trimmed != name && rule.variable(trimmed).is_some() {
        return format!(
            "parameter `{name}` binds to a rule variable by name: call it `{trimmed}`, as the rule `{source}` does"
        );
    }
    let names: Vec<String> = rule.variables().map(|v| format!("`{}`", v.name)).collect();
    if names.is_empty() {
        format!(
            "parameter `{name}` is not a variable of the rule `{source}`, which has none: {TAKES}; add `<{name}>` to the rule, or remove the parameter"
        )
    } else {
        format!(
            "parameter `{name}` is not a variable of the rule `{source}`, whose variables are {}: {TAKES}; rename or remove the parameter",
            names.join(", ")
        )
    }
}

/// Reports a parameter type that cannot hold its variable's values, judged by the last
/// segment of its path as `Converter::check_rust_type` takes it.
fn type_fits(cx: &mut Ctxt, source: &str, variable: &Variable, ty: &Type) {
    let last = match last_segment(ty) {
        Some(last) => last,
        // Borrows and `impl Trait` are reported as such by the generic checks.
        None if matches!(ty, Type::Reference(_) | Type::ImplTrait(_)) => return,
        None => String::new(),
    };
    if variable.converter.check_rust_type(&last).is_ok() {
        return;
    }
    let needs = match &variable.converter {
        Converter::Int { signed: true, .. } => {
            "a signed integer type such as `i64`, since it matches negative numbers"
        }
        Converter::Int { .. } => "an integer type such as `i64` or `u32`",
        Converter::Float { .. } => "a float type, `f64` or `f32`",
        Converter::Uuid => "`uuid::Uuid` or `String`",
        _ => "`String`",
    };
    cx.error_spanned_by(
        ty,
        format!(
            "`{}` needs {needs}, not `{}`",
            variable_text(source, variable),
            text::code(ty)
        ),
    );
}

/// The last segment of a path type, without its generic arguments: `i64`, `Uuid`,
/// `Option`.
fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().map(|s| s.ident.to_string())
        }
        Type::Paren(paren) => last_segment(&paren.elem),
        Type::Group(group) => last_segment(&group.elem),
        _ => None,
    }
}

/// The variable as written in the rule (`<int:value>`, `<int(signed=True):n>`), or a
/// reconstruction when it cannot be found.
fn variable_text(source: &str, variable: &Variable) -> String {
    let name = &variable.name;
    let end_marker = format!("{name}>");
    for (i, _) in source.match_indices(&end_marker) {
        let start = match source[..i].chars().next_back() {
            Some('<') => i - 1,
            Some(':') => match source[..i].rfind('<') {
                Some(start) => start,
                None => continue,
            },
            _ => continue,
        };
        return source[start..i + end_marker.len()].to_owned();
    }
    match variable.converter.name() {
        "string" => format!("<{name}>"),
        converter => format!("<{converter}:{name}>"),
    }
}

/// The parameter type a missing parameter's message suggests.
fn suggested_type(converter: &Converter) -> &'static str {
    match converter {
        Converter::Int { .. } => "i64",
        Converter::Float { .. } => "f64",
        Converter::Uuid => "uuid::Uuid",
        _ => "String",
    }
}

/// `name`, or `r#name` for a keyword such as `type`.
fn rust_ident(name: &str) -> String {
    if syn::parse_str::<syn::Ident>(name).is_ok() {
        name.to_owned()
    } else {
        format!("r#{name}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn variable(rule: &str, name: &str) -> Variable {
        Rule::parse(rule).unwrap().variable(name).unwrap().clone()
    }

    #[test]
    fn variable_texts() {
        let text = |rule: &str, name: &str| variable_text(rule, &variable(rule, name));
        assert_eq!(text("/get/<int:value>", "value"), "<int:value>");
        assert_eq!(text("/a/<name>", "name"), "<name>");
        assert_eq!(text("/<ba>/<a>", "a"), "<a>");
        assert_eq!(
            text("/t/<int(signed=True):n>/x", "n"),
            "<int(signed=True):n>"
        );
        assert_eq!(text("/f/<name>.<ext>", "ext"), "<ext>");
    }

    #[test]
    fn idents() {
        assert_eq!(rust_ident("value"), "value");
        assert_eq!(rust_ident("type"), "r#type");
    }
}
