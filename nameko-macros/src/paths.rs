//! Every path the generated code names, in one place.
//!
//! Generated code reaches the runtime only through `#[doc(hidden)] __private` modules, and
//! `std` only through absolute paths, so nothing the user has in scope (a type named
//! `Result`, a module named `std`) changes what it means. The `__private` modules are the
//! facade's (`::nameko::__private::{core, amqp, web, timer}`) or, without the facade, each
//! crate's own (`::nameko_core::__private`, ...): see [`Root`].

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::root::Root;

/// A feature of the `nameko` facade that some generated code needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Feature {
    /// `#[rpc]`, `#[event_handler]`, typed clients.
    Amqp,
    /// `#[http]`.
    Web,
    /// `#[timer]`.
    Timer,
}

impl Feature {
    fn name(self) -> &'static str {
        match self {
            Feature::Amqp => "amqp",
            Feature::Web => "web",
            Feature::Timer => "timer",
        }
    }
}

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
    pub(crate) custom_entrypoint: TokenStream,
    // nameko_amqp::__private
    pub(crate) rpc: TokenStream,
    pub(crate) event_handler: TokenStream,
    pub(crate) handler_type: TokenStream,
    pub(crate) failure_policy: TokenStream,
    /// The lease of a `#[timer(..., singleton)]`.
    pub(crate) timer_lease: TokenStream,
    // nameko_amqp::__private: typed clients
    pub(crate) rpc_client: TokenStream,
    pub(crate) rpc_caller: TokenStream,
    pub(crate) rpc_error: TokenStream,
    pub(crate) rpc_argument: TokenStream,
    pub(crate) rpc_return: TokenStream,
    pub(crate) typed_call: TokenStream,
    pub(crate) typed_reply: TokenStream,
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
    pub(crate) http_documented: TokenStream,
    pub(crate) extract: TokenStream,
    pub(crate) route_doc: TokenStream,
    pub(crate) from_request: TokenStream,
    pub(crate) schema_probe: TokenStream,
    pub(crate) schema_traits: [TokenStream; 4],
    pub(crate) application_json: TokenStream,
    // std and core
    pub(crate) arc: TokenStream,
    pub(crate) vec: TokenStream,
    pub(crate) vec_macro: TokenStream,
    pub(crate) boxed: TokenStream,
    pub(crate) result: TokenStream,
    pub(crate) from: TokenStream,
    pub(crate) format: TokenStream,
    /// The facade's `__private`, whose `require_*!` and `if_*!` macros gate code on its
    /// features; `None` for the crates one by one, which have no features to check.
    facade: Option<TokenStream>,
}

impl Paths {
    pub(crate) fn new(root: &Root) -> Self {
        let (core, amqp, timer, web, facade) = match root {
            Root::Facade(path) => (
                quote!(#path::__private::core),
                quote!(#path::__private::amqp),
                quote!(#path::__private::timer),
                quote!(#path::__private::web),
                Some(quote!(#path::__private)),
            ),
            Root::Crates => (
                quote!(::nameko_core::__private),
                quote!(::nameko_amqp::__private),
                quote!(::nameko_timer::__private),
                quote!(::nameko_web::__private),
                None,
            ),
        };
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
            custom_entrypoint: quote!(#core::custom_entrypoint),
            rpc: quote!(#amqp::rpc),
            event_handler: quote!(#amqp::event_handler),
            handler_type: quote!(#amqp::HandlerType),
            failure_policy: quote!(#amqp::failure_policy),
            timer_lease: quote!(#amqp::timer_lease),
            rpc_client: quote!(#amqp::rpc_client!),
            rpc_caller: quote!(#amqp::RpcCaller),
            rpc_error: quote!(#amqp::RpcError),
            rpc_argument: quote!(#amqp::RpcArgument),
            rpc_return: quote!(#amqp::RpcReturn),
            typed_call: quote!(#amqp::TypedCall),
            typed_reply: quote!(#amqp::TypedReply),
            timer: quote!(#timer::timer),
            http: quote!(#web::http),
            request: quote!(#web::Request),
            path_params: quote!(#web::PathParams),
            http_box_future: quote!(#web::BoxFuture),
            http_result: quote!(#web::HttpResult),
            into_http_result: quote!(#web::into_http_result),
            http_error: quote!(#web::http_error!),
            http_documented: quote!(#web::http_documented),
            extract: quote!(#web::extract),
            route_doc: quote!(#web::RouteDoc),
            from_request: quote!(#web::FromRequest),
            schema_probe: quote!(#web::SchemaProbe),
            schema_traits: [
                quote!(#web::ViaInputSchema),
                quote!(#web::NoInputSchema),
                quote!(#web::ViaOutputSchema),
                quote!(#web::NoOutputSchema),
            ],
            application_json: quote!(#web::APPLICATION_JSON),
            arc: quote!(::std::sync::Arc),
            vec: quote!(::std::vec::Vec),
            vec_macro: quote!(::std::vec!),
            boxed: quote!(::std::boxed::Box),
            result: quote!(::core::result::Result),
            from: quote!(::core::convert::From),
            format: quote!(::std::format!),
            facade,
        }
    }

    /// `tokens` (an expression or items) that need `feature` of the facade, for `what`
    /// (`` `#[rpc]` ``): through the facade, its `require_<feature>!` expands them when the
    /// feature is on, and otherwise to one error at `span` that says which feature to
    /// enable, instead of the unresolved paths inside `tokens`.
    pub(crate) fn require(
        &self,
        feature: Feature,
        what: &str,
        span: Span,
        tokens: TokenStream,
    ) -> TokenStream {
        let Some(facade) = &self.facade else {
            return tokens;
        };
        let gate = quote::format_ident!("require_{}", feature.name(), span = span);
        let what = proc_macro2::Literal::string(what);
        quote_spanned!(span=> #facade::#gate! { #what => #tokens })
    }

    /// `tokens` (items) when the facade has `feature`, nothing otherwise: code that goes
    /// with code already behind [`Paths::require`], and must not add errors of its own.
    pub(crate) fn if_enabled(&self, feature: Feature, tokens: TokenStream) -> TokenStream {
        let Some(facade) = &self.facade else {
            return tokens;
        };
        let gate = quote::format_ident!("if_{}", feature.name());
        quote!(#facade::#gate! { #tokens })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn crates_one_by_one() {
        let p = Paths::new(&Root::Crates);
        assert_eq!(
            p.service.to_string(),
            ":: nameko_core :: __private :: Service"
        );
        assert_eq!(p.rpc.to_string(), ":: nameko_amqp :: __private :: rpc");
        assert_eq!(p.timer.to_string(), ":: nameko_timer :: __private :: timer");
        assert_eq!(p.http.to_string(), ":: nameko_web :: __private :: http");
        // No gates: a missing crate is an unresolved path.
        let tokens = quote!(x);
        assert_eq!(
            p.require(Feature::Amqp, "`#[rpc]`", Span::call_site(), tokens.clone())
                .to_string(),
            "x"
        );
        assert_eq!(p.if_enabled(Feature::Amqp, tokens).to_string(), "x");
    }

    #[test]
    fn through_the_facade() {
        let p = Paths::new(&Root::Facade(quote!(::my_nameko)));
        assert_eq!(
            p.service.to_string(),
            ":: my_nameko :: __private :: core :: Service"
        );
        assert_eq!(
            p.rpc.to_string(),
            ":: my_nameko :: __private :: amqp :: rpc"
        );
        assert_eq!(
            p.timer.to_string(),
            ":: my_nameko :: __private :: timer :: timer"
        );
        assert_eq!(
            p.http.to_string(),
            ":: my_nameko :: __private :: web :: http"
        );
        assert_eq!(
            p.require(Feature::Web, "`#[http]`", Span::call_site(), quote!(x))
                .to_string(),
            ":: my_nameko :: __private :: require_web ! { \"`#[http]`\" => x }"
        );
        assert_eq!(
            p.if_enabled(
                Feature::Amqp,
                quote!(
                    struct S;
                )
            )
            .to_string(),
            ":: my_nameko :: __private :: if_amqp ! { struct S ; }"
        );
    }
}
