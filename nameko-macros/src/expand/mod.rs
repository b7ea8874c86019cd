//! Orchestration: parse, model, check, then either the generated code or the user's item
//! with every error next to it.

mod adapter;
mod client;
mod rpc_client;
mod service;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{ImplItem, Item, parse_quote};

use crate::attr::ServiceArgs;
use crate::check;
use crate::ctxt::Ctxt;
use crate::model::{ClientModel, Marker, ServiceModel};
use crate::paths::{Feature, Paths};
use crate::root::Root;

pub(crate) use rpc_client::rpc_client;

/// Expands `#[service(args)] input`.
///
/// The user's impl block is always emitted (without its marker attributes), so one mistake
/// gives one error and editors keep completing the service's methods.
pub(crate) fn service(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let args = match syn::parse2::<ServiceArgs>(args) {
        Ok(args) => Some(args),
        Err(error) => {
            cx.syn_error(error);
            None
        }
    };
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Impl(item)) => item,
        Ok(other) => {
            check::not_an_impl(&mut cx, &other);
            return with_errors(input, cx);
        }
        Err(error) => {
            cx.syn_error(error);
            return with_errors(input, cx);
        }
    };

    let model = ServiceModel::from_impl(&mut cx, args, item);
    let duplicates = check::service(&mut cx, &model);
    let root = Root::resolve(model.args.as_ref().and_then(|args| args.krate.as_ref()));
    let p = Paths::new(&root);
    // The typed client, of the `#[rpc]` methods; not of a trait impl, which is an error.
    let client = match &model.args {
        Some(args) if model.item.trait_.is_none() => ClientModel::from_service(&model, args),
        _ => None,
    };
    if let Some(client) = &client {
        check::client_clashes(&mut cx, client);
    }
    let generated = match &model.args {
        Some(args) if cx.is_empty() => {
            let service = service::expand(&p, &model, args);
            let client =
                client.map(|client| p.if_enabled(Feature::Amqp, client::expand(&p, &client)));
            quote!(#service #client)
        }
        Some(args) => {
            let service = service::fallback(&p, &model, args);
            let client =
                client.map(|client| p.if_enabled(Feature::Amqp, client::fallback(&p, &client)));
            quote!(#service #client)
        }
        None => TokenStream::new(),
    };
    let mut item = model.item;
    for method in &model.methods {
        if let Some(ImplItem::Fn(f)) = item.items.get_mut(method.index) {
            // Entrypoints must be `async` even when they await nothing.
            f.attrs.push(parse_quote!(#[allow(clippy::unused_async)]));
        }
    }
    for index in duplicates.into_iter().rev() {
        if index < item.items.len() {
            item.items.remove(index);
        }
    }
    let marker_uses = marker_uses(&model.marker_paths);
    let errors = cx.into_result().err().map(|error| error.to_compile_error());
    let output = quote! {
        #item
        #generated
        #marker_uses
        #errors
    };
    debug(&output);
    output
}

/// Names every marker path that `#[service]` removed, so that `use nameko_core::rpc;`
/// counts as used (the compiler never sees the removed `#[rpc]` itself).
fn marker_uses(paths: &[syn::Path]) -> TokenStream {
    if paths.is_empty() {
        return TokenStream::new();
    }
    quote! {
        const _: () = {
            #(
                #[allow(unused_imports)]
                use #paths as _;
            )*
        };
    }
}

/// Expands a marker attribute found outside `#[service]`: `#[service]` removes the markers
/// of its methods before they expand, so a marker that expands on its own is misplaced.
pub(crate) fn marker_outside_service(marker: Marker, input: TokenStream) -> TokenStream {
    let name = marker.name();
    let mut cx = Ctxt::new();
    cx.error_at(
        Span::call_site(),
        format!(
            "`#[{name}]` must be used on a method inside a `#[service(name = \"...\")]` impl block"
        ),
    );
    with_errors(input, cx)
}

pub(super) fn with_errors(input: TokenStream, cx: Ctxt) -> TokenStream {
    let errors = cx.into_result().err().map(|error| error.to_compile_error());
    quote! {
        #input
        #errors
    }
}

/// Prints an expansion to stderr when `NAMEKO_MACROS_DEBUG` is set.
fn debug(output: &TokenStream) {
    debug_named("#[service]", output);
}

/// Prints the expansion of `macro_name` to stderr when `NAMEKO_MACROS_DEBUG` is set.
pub(super) fn debug_named(macro_name: &str, output: &TokenStream) {
    if std::env::var_os("NAMEKO_MACROS_DEBUG").is_some() {
        eprintln!("// expansion of {macro_name}\n{output}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
