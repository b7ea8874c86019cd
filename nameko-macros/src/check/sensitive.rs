//! `sensitive_arguments` against the method: each entry starts with the name of one of the
//! entrypoint's arguments (an RPC method's parameters, an event handler's payload, an
//! `#[http]` method's rule variables).

use syn::LitStr;

use crate::attr::sensitive_root;
use crate::ctxt::Ctxt;
use crate::model::{EntrypointKind, MethodModel};
use crate::text;

/// Checks the `sensitive_arguments` of one marker of `method`.
pub(super) fn arguments(cx: &mut Ctxt, method: &MethodModel, kind: &EntrypointKind) {
    let entries = &kind.worker().sensitive;
    if entries.is_empty() {
        return;
    }
    let method_name = method.sig.ident.to_string();
    match kind {
        EntrypointKind::Rpc(_) | EntrypointKind::Custom(_) => {
            let names: Vec<&str> = method
                .params
                .iter()
                .filter_map(|p| p.name.as_deref())
                .collect();
            let list = if names.is_empty() {
                "it takes none; remove the entry".to_owned()
            } else {
                format!("its parameters are {}", text::code_list(&names))
            };
            for lit in entries {
                check(cx, lit, &method_name, &names, "a parameter", &list);
            }
        }
        EntrypointKind::EventHandler(_) => {
            // Without exactly one parameter, `one_payload` reports the method.
            let [payload] = method.params.as_slice() else {
                return;
            };
            let names: Vec<&str> = payload.name.as_deref().into_iter().collect();
            for lit in entries {
                let entry = lit.value();
                let list = match &payload.name {
                    Some(name) if text::closest(sensitive_root(&entry), &names).is_some() => {
                        format!("its parameter is the event payload, `{name}`")
                    }
                    Some(name) => format!(
                        "its parameter is the event payload, `{name}`; write `\"{name}.{entry}\"` for a part of it"
                    ),
                    None => format!(
                        "its payload parameter is a pattern: give it a name, e.g. `payload: {}`, and write `\"payload\"` or `\"payload.{entry}\"`",
                        text::code(&payload.ty)
                    ),
                };
                check(cx, lit, &method_name, &names, "a parameter", &list);
            }
        }
        EntrypointKind::Http(args) => {
            let names: Vec<&str> = method
                .params
                .iter()
                .filter(|p| !p.is_request())
                .filter_map(|p| p.name.as_deref())
                .collect();
            let request = method
                .params
                .iter()
                .find(|p| p.is_request())
                .and_then(|p| p.name.as_deref());
            let url = args.url.value();
            let variables = if names.is_empty() {
                format!("the rule `{url}` has none; remove the entry")
            } else {
                format!("the rule `{url}` has {}", text::code_list(&names))
            };
            for lit in entries {
                let entry = lit.value();
                let root = sensitive_root(&entry);
                let list = if request == Some(root) {
                    format!("`{root}` is the request, which is not redacted; {variables}")
                } else {
                    variables.clone()
                };
                check(cx, lit, &method_name, &names, "a rule variable", &list);
            }
        }
        // `#[timer]` does not take `sensitive_arguments`, which `attr` reports.
        EntrypointKind::Timer(_) => {}
    }
}

/// Reports `lit` unless it starts with one of `names`, which are `noun`s of the method;
/// `list` says what they are.
fn check(cx: &mut Ctxt, lit: &LitStr, method: &str, names: &[&str], noun: &str, list: &str) {
    let entry = lit.value();
    let root = sensitive_root(&entry);
    if names.contains(&root) {
        return;
    }
    let what = if root == entry {
        format!("`sensitive_arguments` names {entry:?}, which is not {noun} of `{method}`")
    } else {
        format!(
            "`sensitive_arguments` entry {entry:?} starts with `{root}`, which is not {noun} of `{method}`"
        )
    };
    let suggestion = match text::closest(root, names) {
        Some(name) => format!("; did you mean `{name}`?"),
        None => String::new(),
    };
    cx.error_spanned_by(lit, format!("{what}: {list}{suggestion}"));
}
