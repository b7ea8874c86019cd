//! `#[rpc_client(name = "...")] trait ServiceY { ... }`: parse, model, check, then the
//! client the trait declares, which replaces the trait.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Item;

use super::{client, debug_named, with_errors};
use crate::attr::RpcClientArgs;
use crate::check;
use crate::ctxt::Ctxt;
use crate::model::ClientModel;
use crate::paths::{Feature, Paths};
use crate::root::Root;

/// Expands `#[rpc_client(args)] input`.
///
/// The trait only declares the remote methods: the output is the client, not the trait.
/// Next to errors, the client struct is still emitted (without methods), so code that
/// names it does not add errors of its own.
pub(crate) fn rpc_client(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let args = match syn::parse2::<RpcClientArgs>(args) {
        Ok(args) => Some(args),
        Err(error) => {
            cx.syn_error(error);
            None
        }
    };
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Trait(item)) => item,
        Ok(other) => {
            check::not_a_trait(&mut cx, &other);
            return with_errors(input, cx);
        }
        Err(error) => {
            cx.syn_error(error);
            return with_errors(input, cx);
        }
    };
    check::rpc_client_trait(&mut cx, &item);
    let Some(args) = args else {
        let errors = cx.into_result().err().map(|error| error.to_compile_error());
        return quote!(#errors);
    };
    let p = Paths::new(&Root::resolve(args.krate.as_ref()));
    let model = ClientModel::from_trait(&item, args.name.clone(), &args.client);
    check::client_clashes(&mut cx, &model);
    let generated = if cx.is_empty() {
        client::expand(&p, &model)
    } else {
        client::fallback(&p, &model)
    };
    let generated = p.require(
        Feature::Amqp,
        "`#[rpc_client]`",
        Span::call_site(),
        generated,
    );
    let errors = cx.into_result().err().map(|error| error.to_compile_error());
    let output = quote! {
        #generated
        #errors
    };
    debug_named("#[rpc_client]", &output);
    output
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
