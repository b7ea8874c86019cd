//! `impl Service`: the service's name, its dispatch table and its dependency providers.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::adapter;
use crate::attr::ServiceArgs;
use crate::model::ServiceModel;
use crate::paths::Paths;

/// The `impl Service`: name, dispatch table and dependency providers.
///
/// The adapters decode each parameter and encode each result with calls spanned at the
/// user's types, so a type that does not implement `Deserialize` or `Serialize` gets
/// exactly one error, pointing at that type.
pub(super) fn expand(model: &ServiceModel, args: &ServiceArgs) -> TokenStream {
    let p = Paths::new();
    let Paths {
        service,
        entrypoint,
        dependency_provider,
        arc,
        vec,
        vec_macro,
        boxed,
        ..
    } = &p;
    let self_ty = &model.item.self_ty;
    let name = &args.name;
    let entrypoints = model.methods.iter().flat_map(|method| {
        method
            .entrypoints
            .iter()
            .map(|entrypoint| adapter::entrypoint(&p, method, entrypoint))
    });
    let dependencies = (!args.dependencies.is_empty()).then(|| {
        let fields = args
            .dependencies
            .iter()
            .map(|field| quote_spanned!(field.span()=> &self.#field as &dyn #dependency_provider));
        quote! {
            fn dependencies(&self) -> #vec<&dyn #dependency_provider> {
                #vec_macro[#(#fields),*]
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
pub(super) fn fallback(model: &ServiceModel, args: &ServiceArgs) -> TokenStream {
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
    } = &Paths::new();
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
