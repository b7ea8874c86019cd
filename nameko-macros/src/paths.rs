//! Every path the generated code names, in one place.
//!
//! Generated code reaches the runtime only through the `#[doc(hidden)] __private` modules
//! of `nameko_core` and of the transport crates, and `std` only through absolute paths, so
//! nothing the user has in scope (a type named `Result`, a module named `std`) changes
//! what it means.

use proc_macro2::TokenStream;
use quote::quote;

/// The paths of one expansion.
pub(crate) struct Paths {
    // nameko_core::__private
    pub(crate) service: TokenStream,
    pub(crate) entrypoint: TokenStream,
    pub(crate) dependency_provider: TokenStream,
    pub(crate) arguments: TokenStream,
    pub(crate) value: TokenStream,
    pub(crate) remote_error: TokenStream,
    pub(crate) box_future: TokenStream,
    pub(crate) arg_binder: TokenStream,
    pub(crate) encode_result: TokenStream,
    pub(crate) method_error: TokenStream,
    pub(crate) method_error_type: TokenStream,
    pub(crate) entrypoint_options: TokenStream,
    pub(crate) is_error: TokenStream,
    pub(crate) serde_json: TokenStream,
    // nameko_amqp::__private
    pub(crate) rpc: TokenStream,
    pub(crate) event_handler: TokenStream,
    pub(crate) handler_type: TokenStream,
    // nameko_timer::__private
    pub(crate) timer: TokenStream,
    // nameko_web::__private
    pub(crate) http: TokenStream,
    pub(crate) request: TokenStream,
    pub(crate) path_params: TokenStream,
    pub(crate) http_box_future: TokenStream,
    pub(crate) http_result: TokenStream,
    pub(crate) into_http_result: TokenStream,
    pub(crate) http_error: TokenStream,
    // std and core
    pub(crate) arc: TokenStream,
    pub(crate) vec: TokenStream,
    pub(crate) vec_macro: TokenStream,
    pub(crate) boxed: TokenStream,
    pub(crate) result: TokenStream,
    pub(crate) from: TokenStream,
    pub(crate) format: TokenStream,
}

impl Paths {
    pub(crate) fn new() -> Self {
        let core = quote!(::nameko_core::__private);
        let amqp = quote!(::nameko_amqp::__private);
        let timer = quote!(::nameko_timer::__private);
        let web = quote!(::nameko_web::__private);
        Paths {
            service: quote!(#core::Service),
            entrypoint: quote!(#core::Entrypoint),
            dependency_provider: quote!(#core::DependencyProvider),
            arguments: quote!(#core::Arguments),
            value: quote!(#core::Value),
            remote_error: quote!(#core::RemoteError),
            box_future: quote!(#core::BoxFuture),
            arg_binder: quote!(#core::ArgBinder),
            encode_result: quote!(#core::encode_result),
            method_error: quote!(#core::method_error!),
            method_error_type: quote!(#core::MethodError),
            entrypoint_options: quote!(#core::EntrypointOptions),
            is_error: quote!(#core::is_error),
            serde_json: quote!(#core::serde_json),
            rpc: quote!(#amqp::rpc),
            event_handler: quote!(#amqp::event_handler),
            handler_type: quote!(#amqp::HandlerType),
            timer: quote!(#timer::timer),
            http: quote!(#web::http),
            request: quote!(#web::Request),
            path_params: quote!(#web::PathParams),
            http_box_future: quote!(#web::BoxFuture),
            http_result: quote!(#web::HttpResult),
            into_http_result: quote!(#web::into_http_result),
            http_error: quote!(#web::http_error!),
            arc: quote!(::std::sync::Arc),
            vec: quote!(::std::vec::Vec),
            vec_macro: quote!(::std::vec!),
            boxed: quote!(::std::boxed::Box),
            result: quote!(::core::result::Result),
            from: quote!(::core::convert::From),
            format: quote!(::std::format!),
        }
    }
}
