//! Rules of typed clients: method names that the client already uses, and what an
//! `#[rpc_client]` trait may declare.

use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{FnArg, Item, ItemTrait, Pat, ReturnType, TraitItem, TraitItemFn, Type};

use crate::check::{find_impl_trait, find_in_type};
use crate::ctxt::Ctxt;
use crate::model::{ClientModel, ClientSource};

/// The client type's own methods, which no remote method may be called.
const RESERVED: [&str; 3] = ["new", "with_timeout", "without_timeout"];

/// How an `#[rpc_client]` trait is written, as error messages show it.
const TRAIT_EXAMPLE: &str = "`#[rpc_client(name = \"service_y\")] trait ServiceY { async fn append_identifier(&self, value: String) -> String; }`";

/// Reports remote methods whose client methods would clash: with the client's own
/// constructors, or with another method's `_async` form.
pub(crate) fn clashes(cx: &mut Ctxt, client: &ClientModel) {
    let fix = match client.source {
        ClientSource::Service => {
            "rename the method, or turn the client off with `#[service(..., client = false)]`"
        }
        ClientSource::Trait => "rename the method",
    };
    let names: Vec<String> = client
        .methods
        .iter()
        .map(|method| method.ident.unraw().to_string())
        .collect();
    let client_name = &client.ident;
    for (method, name) in client.methods.iter().zip(&names) {
        if RESERVED.contains(&name.as_str()) {
            cx.error_spanned_by(
                &method.ident,
                format!(
                    "remote method `{name}` clashes with `{client_name}::{name}`, which the typed client `{client_name}` has already; {fix}"
                ),
            );
            continue;
        }
        if let Some(base) = name.strip_suffix("_async")
            && names.iter().any(|other| other == base)
        {
            cx.error_spanned_by(
                    &method.ident,
                    format!(
                        "remote method `{name}` clashes with the `_async` form of `{base}` on the typed client `{client_name}` (`{base}_async` sends a call of `{base}` without waiting for its reply); {fix}"
                    ),
                );
        }
    }
}

/// Reports what `#[rpc_client]` annotates when it is not a trait.
pub(crate) fn not_a_trait(cx: &mut Ctxt, item: &Item) {
    let (tokens, what): (&dyn ToTokens, &str) = match item {
        Item::Struct(s) => (&s.ident, "a struct"),
        Item::Enum(e) => (&e.ident, "an enum"),
        Item::Impl(i) => (&i.self_ty, "an impl block"),
        Item::Fn(f) => (&f.sig.ident, "a function"),
        Item::Mod(m) => (&m.ident, "a module"),
        other => (other, "this item"),
    };
    let hint = if matches!(item, Item::Impl(_)) {
        "; a Rust service's `#[service]` generates its client already"
    } else {
        ""
    };
    cx.error_spanned_by(
        tokens,
        format!(
            "`#[rpc_client]` goes on a trait that declares the remote service's methods, not on {what}: {TRAIT_EXAMPLE}{hint}"
        ),
    );
}

/// Checks an `#[rpc_client]` trait: plain, with `async fn` declarations only, each taking
/// `&self` and named, typed arguments.
pub(crate) fn rpc_client_trait(cx: &mut Ctxt, item: &ItemTrait) {
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "`#[rpc_client]` traits cannot be generic: declare the remote methods with concrete types",
        );
    } else if let Some(where_clause) = &item.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            "`#[rpc_client]` traits cannot have a `where` clause",
        );
    }
    if let Some(colon) = &item.colon_token {
        let supertraits = &item.supertraits;
        cx.error_spanned_by(
            quote!(#colon #supertraits),
            "`#[rpc_client]` traits cannot have supertraits: the trait only declares the remote methods, and becomes a client type",
        );
    }
    if let Some(unsafety) = &item.unsafety {
        cx.error_spanned_by(unsafety, "`#[rpc_client]` traits cannot be `unsafe`");
    }
    if let Some(auto) = &item.auto_token {
        cx.error_spanned_by(auto, "`#[rpc_client]` traits cannot be `auto`");
    }
    for trait_item in &item.items {
        match trait_item {
            TraitItem::Fn(f) => method(cx, f),
            TraitItem::Const(c) => cx.error_spanned_by(
                &c.ident,
                "`#[rpc_client]` traits declare only the remote methods: remove this constant",
            ),
            TraitItem::Type(t) => cx.error_spanned_by(
                &t.ident,
                "`#[rpc_client]` traits declare only the remote methods: remove this associated type",
            ),
            other => cx.error_spanned_by(
                other,
                "`#[rpc_client]` traits declare only the remote methods, as `async fn method(&self, arg: Type) -> Result;`",
            ),
        }
    }
    duplicates(cx, item);
}

fn method(cx: &mut Ctxt, f: &TraitItemFn) {
    let sig = &f.sig;
    let name = sig.ident.unraw();
    if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            format!(
                "`#[rpc_client]` methods must be `async fn`, as the client's methods are: write `async fn {name}(...)`"
            ),
        );
    }
    if let Some(constness) = &sig.constness {
        cx.error_spanned_by(constness, "`#[rpc_client]` methods cannot be `const`");
    }
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(unsafety, "`#[rpc_client]` methods cannot be `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, "`#[rpc_client]` methods cannot have an ABI");
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "`#[rpc_client]` methods cannot be variadic");
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "`#[rpc_client]` methods cannot have generic or lifetime parameters: give each argument a concrete type (an elided borrow such as `&str` is fine)",
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            "`#[rpc_client]` methods cannot have a `where` clause",
        );
    }
    if let Some(body) = &f.default {
        cx.error_spanned_by(
            body,
            format!(
                "`#[rpc_client]` methods are declarations of the remote service's methods, without a body: end it with `;`, as in `async fn {name}(&self, ...) -> ...;`"
            ),
        );
    }
    receiver(cx, f);
    for input in &sig.inputs {
        let FnArg::Typed(arg) = input else { continue };
        if !matches!(&*arg.pat, Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none()) {
            cx.error_spanned_by(
                &arg.pat,
                "use a plain name for `#[rpc_client]` arguments, e.g. `point: (i32, i32)`: it names the client method's parameter",
            );
        }
        if let Some(impl_trait) = find_impl_trait(&arg.ty) {
            cx.error_spanned_by(
                impl_trait,
                "`#[rpc_client]` arguments cannot be `impl Trait`: use a concrete type that implements `Serialize`",
            );
        }
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if let Some(impl_trait) = find_impl_trait(ty) {
            cx.error_spanned_by(
                impl_trait,
                "`#[rpc_client]` methods cannot return `impl Trait`: name the result type, which must implement `Deserialize`",
            );
        } else if let Some(borrow) = find_reference(ty) {
            let owned = match &*borrow.elem {
                Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => {
                    "`String` instead of `&str`".to_owned()
                }
                Type::Slice(s) => {
                    format!("`Vec<{}>` instead of a slice", crate::text::code(&*s.elem))
                }
                other => format!("`{}`", crate::text::code(other)),
            };
            cx.error_spanned_by(
                borrow,
                format!(
                    "`#[rpc_client]` results cannot borrow: the reply is decoded into an owned value; use {owned}"
                ),
            );
        }
    }
}

fn receiver(cx: &mut Ctxt, f: &TraitItemFn) {
    let sig = &f.sig;
    let message = "`#[rpc_client]` methods take `&self`, as the client's methods do: add `&self` as the first parameter";
    let Some(receiver) = sig.receiver() else {
        match sig.inputs.first() {
            Some(first) => cx.error_spanned_by(first, message),
            None => cx.error_at(sig.paren_token.span.join(), message),
        }
        return;
    };
    let shared = receiver.reference.is_some()
        && receiver.mutability.is_none()
        && receiver.colon_token.is_none();
    if !shared {
        cx.error_spanned_by(
            receiver,
            "`#[rpc_client]` methods take `&self`, as the client's methods do: write `&self`",
        );
    }
}

/// The first reference inside `ty`, if any.
fn find_reference(ty: &Type) -> Option<&syn::TypeReference> {
    find_in_type(ty, &|ty| match ty {
        Type::Reference(r) => Some(r),
        _ => None,
    })
}

/// Two methods with one name would be one method on the wire.
fn duplicates(cx: &mut Ctxt, item: &ItemTrait) {
    let mut seen: Vec<String> = Vec::new();
    for trait_item in &item.items {
        let TraitItem::Fn(f) = trait_item else {
            continue;
        };
        let name = f.sig.ident.unraw().to_string();
        if seen.contains(&name) {
            cx.error_spanned_by(
                &f.sig.ident,
                format!("method `{name}` is declared twice: declare each remote method once"),
            );
        } else {
            seen.push(name);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
