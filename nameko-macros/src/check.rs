//! Rules across the model: what an entrypoint method must look like, unique names, and
//! what `#[service]` may annotate.

mod client;
pub(crate) mod http;
mod sensitive;

pub(crate) use client::{clashes as client_clashes, not_a_trait, rpc_client_trait};

use std::collections::HashSet;

use quote::{ToTokens, quote};
use syn::{
    FnArg, GenericArgument, Item, ItemImpl, PathArguments, ReturnType, Signature, Type,
    TypeParamBound,
};

use crate::ctxt::Ctxt;
use crate::model::{EntrypointKind, Marker, MethodModel, ServiceModel};

/// Reports what `#[service]` annotates when it is not an impl block.
pub(crate) fn not_an_impl(cx: &mut Ctxt, item: &Item) {
    let (tokens, what): (&dyn ToTokens, &str) = match item {
        Item::Struct(s) => (&s.ident, "the struct"),
        Item::Enum(e) => (&e.ident, "the enum"),
        Item::Trait(t) => (&t.ident, "a trait"),
        Item::Fn(f) => (&f.sig.ident, "a function"),
        Item::Mod(m) => (&m.ident, "a module"),
        other => (other, "this item"),
    };
    cx.error_spanned_by(
        tokens,
        format!(
            "`#[service]` goes on the `impl` block of the service's methods, not on {what}: write `#[service(name = \"...\")]` above `impl ServiceX {{ ... }}`"
        ),
    );
}

/// Checks the impl block and every entrypoint method. Returns the indices (in the impl
/// block's items) of methods that repeat an earlier entrypoint's name: the caller leaves
/// them out of the emitted impl block, so the compiler does not report them a second time.
pub(crate) fn service(cx: &mut Ctxt, model: &ServiceModel) -> Vec<usize> {
    impl_block(cx, &model.item);
    if model.item.trait_.is_some() {
        // The methods follow the trait, not the rules of entrypoints: the one error is
        // that the block is a trait impl.
        return Vec::new();
    }
    for method in &model.methods {
        entrypoint_method(cx, method);
    }
    duplicate_names(cx, &model.methods)
}

fn impl_block(cx: &mut Ctxt, item: &ItemImpl) {
    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "`#[service]` goes on an inherent impl block (`impl ServiceX { ... }`), not on a trait impl: move the entrypoint methods into `impl ServiceX`",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "`#[service]` impl blocks cannot be generic: implement the service for one concrete type, e.g. `impl ServiceX { ... }`",
        );
    } else if let Some(where_clause) = &item.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            "`#[service]` impl blocks cannot have a `where` clause: implement the service for one concrete type",
        );
    }
}

fn entrypoint_method(cx: &mut Ctxt, method: &MethodModel) {
    let Some(first) = method.entrypoints.first() else {
        // Every marker was malformed; those errors are already reported.
        return;
    };
    let m = first.kind.marker().name();
    let sig = &method.sig;

    let mut seen: Vec<Marker> = Vec::new();
    for entrypoint in &method.entrypoints {
        let marker = entrypoint.kind.marker();
        if seen.contains(&marker) {
            cx.error_spanned_by(
                &entrypoint.attr,
                format!(
                    "`#[{}]` set multiple times on `{}`: remove the extra one",
                    marker.name(),
                    sig.ident
                ),
            );
            continue;
        }
        seen.push(marker);
        if let EntrypointKind::Http(args) = &entrypoint.kind {
            http::params(cx, method, args);
        }
        sensitive::arguments(cx, method, &entrypoint.kind);
    }

    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(
            unsafety,
            format!("`#[{m}]` methods cannot be `unsafe`: remove `unsafe`"),
        );
    }
    if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            format!("`#[{m}]` methods must be `async fn`: add `async` before `fn`"),
        );
    }
    receiver(cx, m, sig);
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            format!(
                "`#[{m}]` methods cannot have generic or lifetime parameters: every parameter is decoded from JSON, so give each one a concrete, owned type"
            ),
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            format!(
                "`#[{m}]` methods cannot have a `where` clause: give each parameter a concrete type"
            ),
        );
    }
    if seen.contains(&Marker::EventHandler) {
        one_payload(cx, method);
    }
    if seen.contains(&Marker::Timer) {
        no_params(cx, method);
    }
    // RPC parameters bind to keyword arguments by name; an event handler's one parameter
    // takes the whole payload, so a pattern is fine there. (`#[http]` parameters are
    // checked against the rule above.)
    let by_name = seen.contains(&Marker::Rpc) || seen.contains(&Marker::Custom);
    for param in &method.params {
        if by_name && param.name.is_none() {
            cx.error_spanned_by(
                &param.pat,
                format!(
                    "use a plain name for `#[{m}]` parameters, e.g. `point: (i32, i32)`; they bind to keyword arguments by name, so destructure inside the method"
                ),
            );
        }
        param_type(cx, m, &param.ty);
    }
    if let ReturnType::Type(_, ty) = &sig.output
        && let Some(impl_trait) = find_impl_trait(ty)
    {
        let bound = if m == "http" {
            "`nameko_web::IntoHttpResponse`"
        } else {
            "`Serialize`"
        };
        cx.error_spanned_by(
                impl_trait,
                format!("`#[{m}]` methods cannot return `impl Trait`: name the return type, which must implement {bound}"),
            );
    }
}

/// An event handler takes the event's payload, and nothing else.
fn one_payload(cx: &mut Ctxt, method: &MethodModel) {
    let sig = &method.sig;
    let typed: Vec<&FnArg> = sig
        .inputs
        .iter()
        .filter(|arg| matches!(arg, FnArg::Typed(_)))
        .collect();
    match typed.as_slice() {
        [] => cx.error_at(
            sig.paren_token.span.join(),
            format!(
                "`#[event_handler]` methods take exactly one parameter after `&self`, the event payload: add one, e.g. `async fn {}(&self, payload: serde_json::Value)` or a type that implements `Deserialize`",
                sig.ident
            ),
        ),
        [_] => {}
        [_, extra @ ..] => {
            let extra = quote!(#(#extra),*);
            cx.error_spanned_by(
                extra,
                "`#[event_handler]` methods take exactly one parameter after `&self`, the event payload: remove the others, or take the payload as one struct that implements `Deserialize`",
            );
        }
    }
}

/// A timer calls its method with nothing to pass.
fn no_params(cx: &mut Ctxt, method: &MethodModel) {
    let typed: Vec<&FnArg> = method
        .sig
        .inputs
        .iter()
        .filter(|arg| matches!(arg, FnArg::Typed(_)))
        .collect();
    if !typed.is_empty() {
        cx.error_spanned_by(
            quote!(#(#typed),*),
            "`#[timer]` methods take no parameters besides `&self`: the timer has nothing to pass; remove them, and read what the method needs from fields of the service struct",
        );
    }
}

fn receiver(cx: &mut Ctxt, m: &str, sig: &Signature) {
    let Some(receiver) = sig.receiver() else {
        let message = format!(
            "`#[{m}]` methods must take `&self`: add `&self` as the first parameter; share state through fields of the service struct"
        );
        match sig.inputs.first() {
            Some(first) => cx.error_spanned_by(first, message),
            None => cx.error_at(sig.paren_token.span.join(), message),
        }
        return;
    };
    let shared_ref = match &*receiver.ty {
        Type::Reference(r) => r.mutability.is_none() && is_self(&r.elem),
        _ => false,
    };
    if shared_ref {
        return;
    }
    let message = if receiver.reference.is_some() && receiver.mutability.is_some() {
        format!(
            "`#[{m}]` methods must take `&self`, not `&mut self`: workers run concurrently on one shared service; share state through fields, e.g. a `Mutex` or an atomic"
        )
    } else if receiver.reference.is_none() && receiver.colon_token.is_none() {
        format!(
            "`#[{m}]` methods must take `&self`, not `self`: every call runs on the one shared service, which a method cannot consume; share state through fields"
        )
    } else {
        format!(
            "`#[{m}]` methods must take `&self`; share state through fields of the service struct"
        )
    };
    cx.error_spanned_by(receiver, message);
}

fn is_self(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("Self"))
}

/// Rejects parameter types the adapter cannot decode into: borrows, non-`'static`
/// lifetimes and `impl Trait`.
fn param_type(cx: &mut Ctxt, m: &str, ty: &Type) {
    match ty {
        Type::Reference(r) => {
            let owned = match &*r.elem {
                Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => "`String` instead of `&str`".to_owned(),
                Type::Slice(s) => format!("`Vec<{}>` instead of a slice", s.elem.to_token_stream()),
                Type::Path(p) if p.qself.is_none() && p.path.is_ident("Path") => "`PathBuf` instead of `&Path`".to_owned(),
                other => format!("`{}`", other.to_token_stream()),
            };
            cx.error_spanned_by(
                r,
                format!(
                    "`#[{m}]` parameters cannot borrow: arguments are decoded from the message into owned values; use an owned type such as {owned}"
                ),
            );
        }
        Type::ImplTrait(impl_trait) => cx.error_spanned_by(
            impl_trait,
            format!("`#[{m}]` parameters cannot be `impl Trait`: use a concrete type that implements `Deserialize`"),
        ),
        Type::Path(p) => {
            if let Some(qself) = &p.qself {
                param_type(cx, m, &qself.ty);
            }
            for segment in &p.path.segments {
                match &segment.arguments {
                    PathArguments::AngleBracketed(args) => {
                        for arg in &args.args {
                            match arg {
                                GenericArgument::Type(ty) => param_type(cx, m, ty),
                                GenericArgument::Lifetime(lt) if lt.ident != "static" => {
                                    cx.error_spanned_by(
                                        lt,
                                        format!(
                                            "`#[{m}]` parameters cannot have lifetimes: arguments are decoded into owned values; use an owned type or `'static`"
                                        ),
                                    );
                                }
                                _ => {}
                            }
                        }
                    }
                    PathArguments::Parenthesized(args) => {
                        for input in &args.inputs {
                            param_type(cx, m, input);
                        }
                    }
                    PathArguments::None => {}
                }
            }
        }
        Type::Tuple(t) => t.elems.iter().for_each(|ty| param_type(cx, m, ty)),
        Type::Array(a) => param_type(cx, m, &a.elem),
        Type::Slice(s) => param_type(cx, m, &s.elem),
        Type::Paren(p) => param_type(cx, m, &p.elem),
        Type::Group(g) => param_type(cx, m, &g.elem),
        Type::TraitObject(t) => {
            for bound in &t.bounds {
                if let TypeParamBound::Lifetime(lt) = bound
                    && lt.ident != "static" {
                        cx.error_spanned_by(
                            lt,
                            format!("`#[{m}]` parameters cannot have lifetimes: use an owned type"),
                        );
                    }
            }
        }
        _ => {}
    }
}

/// The first `impl Trait` inside `ty`, if any.
pub(crate) fn find_impl_trait(ty: &Type) -> Option<&Type> {
    find_in_type(ty, &|ty| matches!(ty, Type::ImplTrait(_)).then_some(ty))
}

/// The first type inside `ty` (`ty` itself first, then its generic arguments, elements
/// and referents, depth first) that `pick` picks.
pub(crate) fn find_in_type<'a, T>(
    ty: &'a Type,
    pick: &impl Fn(&'a Type) -> Option<T>,
) -> Option<T> {
    if let Some(found) = pick(ty) {
        return Some(found);
    }
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .iter()
            .find_map(|segment| match &segment.arguments {
                PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                    GenericArgument::Type(ty) => find_in_type(ty, pick),
                    _ => None,
                }),
                _ => None,
            }),
        Type::Tuple(t) => t.elems.iter().find_map(|ty| find_in_type(ty, pick)),
        Type::Array(a) => find_in_type(&a.elem, pick),
        Type::Slice(s) => find_in_type(&s.elem, pick),
        Type::Paren(p) => find_in_type(&p.elem, pick),
        Type::Group(g) => find_in_type(&g.elem, pick),
        Type::Reference(r) => find_in_type(&r.elem, pick),
        _ => None,
    }
}

/// Two entrypoint methods with one name would be one RPC method on the wire.
fn duplicate_names(cx: &mut Ctxt, methods: &[MethodModel]) -> Vec<usize> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut duplicates = Vec::new();
    for method in methods {
        let name = method.wire_name();
        if seen.contains(&name) {
            cx.error_spanned_by(
                &method.sig.ident,
                format!(
                    "duplicate entrypoint method `{name}`: a service's method names are the names callers use, so each must be unique; rename or remove one of them"
                ),
            );
            duplicates.push(method.index);
        } else {
            seen.insert(name);
        }
    }
    duplicates
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
