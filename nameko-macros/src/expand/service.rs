//! `impl Service`: the service's name, its dispatch table and its dependency providers.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::adapter;
use crate::attr::{ServiceArgs, member_to_string};
use crate::model::{EntrypointKind, ServiceModel};
use crate::paths::{Feature, Paths};

/// The `impl Service`: name, dispatch table and dependency providers.
///
/// The adapters decode each parameter and encode each result with calls spanned at the
/// user's types, so a type that does not implement `Deserialize` or `Serialize` gets
/// exactly one error, pointing at that type. Through the facade, each entrypoint is behind
/// the gate of the feature its transport needs.
pub(super) fn expand(p: &Paths, model: &ServiceModel, args: &ServiceArgs) -> TokenStream {
    let Paths {
        service,
        entrypoint,
        dependency_provider,
        arc,
        vec,
        vec_macro,
        boxed,
        ..
    } = p;
    let self_ty = &model.item.self_ty;
    let name = &args.name;
    let entrypoints = model.methods.iter().flat_map(|method| {
        method.entrypoints.iter().map(|entrypoint| {
            let feature = match &entrypoint.kind {
                EntrypointKind::Rpc(_) | EntrypointKind::EventHandler(_) => Feature::Amqp,
                EntrypointKind::Http(_) => Feature::Web,
                EntrypointKind::Timer(_) => Feature::Timer,
                // The kind's own crate is the user's dependency: nothing of the facade's.
                EntrypointKind::Custom(_) => return adapter::entrypoint(p, method, entrypoint),
            };
            let what = format!("`#[{}]`", entrypoint.kind.marker().name());
            p.require(
                feature,
                &what,
                entrypoint.attr.span(),
                adapter::entrypoint(p, method, entrypoint),
            )
        })
    });
    let dependencies = (!args.dependencies.is_empty()).then(|| {
        let fields = args
            .dependencies
            .iter()
            .map(|field| quote_spanned!(field.span()=> &self.#field as &dyn #dependency_provider));
        let names = args
            .dependencies
            .iter()
            .map(|field| Literal::string(&member_to_string(field)));
        quote! {
            fn dependencies(&self) -> #vec<&dyn #dependency_provider> {
                #vec_macro[#(#fields),*]
            }

            fn dependency_names(&self) -> &'static [&'static str] {
                &[#(#names),*]
            }
        }
    });

    quote! {
        #[doc(hidden)]
        const _: () = {
            #[automatically_derived]
            impl #service for #self_ty {
                fn name(&self) -> &str {
                    #name
                }

                fn entrypoints(self: &#arc<Self>) -> #vec<#boxed<dyn #entrypoint>> {
                    #vec_macro[#(#entrypoints),*]
                }

                #dependencies
            }
        };
    }
}

/// A stand-in `impl Service` emitted next to errors, so code that uses the service as a
/// `Service` does not add errors of its own.
pub(super) fn fallback(p: &Paths, model: &ServiceModel, args: &ServiceArgs) -> TokenStream {
    let item = &model.item;
    if item.trait_.is_some()
        || !item.generics.params.is_empty()
        || item.generics.where_clause.is_some()
    {
        return TokenStream::new();
    }
    let Paths {
        service,
        entrypoint,
        arc,
        vec,
        boxed,
        ..
    } = p;
    let self_ty = &item.self_ty;
    let name = &args.name;
    quote! {
        #[doc(hidden)]
        const _: () = {
            #[automatically_derived]
            impl #service for #self_ty {
                fn name(&self) -> &str {
                    #name
                }

                fn entrypoints(self: &#arc<Self>) -> #vec<#boxed<dyn #entrypoint>> {
                    #vec::new()
                }
            }
        };
    }
}
